"""What every MCOF operation implements. Operations act at a fixed stage of the day (see CrisisModel)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np
from numba import boolean, int8, int32, int64, njit

from ..codes import LocationKind, Status

if TYPE_CHECKING:
    from ..model import CrisisModel
    from ..population import Population


class Policy:
    """An operation switched on by a `configs/policy/*.yaml` entry built by Hydra with `_target_`."""

    #: the stage of the day at which `apply` runs: "before_decisions" or "after_admission"
    stage = "before_decisions"
    #: whether `apply` writes the population's rows. The day's returns come before the after-admission stage;
    #: where no operation of that stage writes rows, they come after it, and on a day the model counts every row
    #: (see `keeps_counts`) on the same pass (the same result, one pass over every row fewer)
    writes_rows = True
    #: whether `apply` changes a row's place, status, type, size, origin or activity only within
    #: `model.rows_changing(rows)`, which keeps the model's day's counts: the model then lets it read the rows
    #: freely. An operation that does not say so may change rows any way it likes, and the model counts every
    #: row again after each day it acts (see `CrisisModel._count`)
    keeps_counts = False

    def setup(self, model: "CrisisModel") -> None:
        """Check names and dates against the scenario (raise InputError) and allocate what it records."""

    def apply(self, model: "CrisisModel") -> None:
        """Act on the model's arrays for the current day."""

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        """What it did, as (indicator, key, value per day) for the results table."""
        return iter(())


def cumulative(per_day: np.ndarray, days: int) -> np.ndarray:
    """float [days, ...]: running totals over the days recorded (the results table holds floats)."""
    return np.cumsum(per_day[:days], axis=0).astype(np.float64)


def by_place(model: "CrisisModel", indicator: str, values: np.ndarray,
             acted: np.ndarray | None = None) -> Iterator[tuple[str, str, np.ndarray]]:
    """(indicator, place name, values[:, place]) for each place where `acted` (default: `values`) is ever
    non-zero, so that places an operation never touched stay out of the results table."""
    for loc in np.nonzero((values if acted is None else acted).any(axis=0))[0]:
        yield indicator, model.network.names[loc], values[:, loc].astype(np.float64)


def arrival_status(model: "CrisisModel", to: int) -> int:
    """Status of persons an operation brings to a place (as the kernel's arrival): queued at a site that admits
    under capacity, in a site without a limit, or self-settled in a town (from where hosting may place them)."""
    if model.network.kind[to] != LocationKind.SITE:
        return Status.SELF_SETTLED
    if model.rules.hard_site_capacity and model.site_capacity[to] >= 0:
        return Status.WAITING
    return Status.IN_SITE


def rows_at(pop: "Population", statuses: Iterable[Status], places: np.ndarray) -> np.ndarray:
    """The active rows with one of `statuses` at the places where `places` (bool [L]), ascending: one compiled
    pass over every row instead of NumPy's temporaries (sites scan on each closing day, 887 in haiti_2010)."""
    wanted = np.zeros(len(Status), dtype=np.bool_)
    wanted[[int(s) for s in statuses]] = True
    return _rows_at(pop.active, pop.status, pop.location, wanted, np.ascontiguousarray(places, dtype=np.bool_))


@njit(int64[::1](boolean[::1], int8[::1], int32[::1], boolean[::1], boolean[::1]), cache=True)
def _rows_at(active, status, location, wanted, at_place):
    rows = np.empty(active.shape[0], dtype=np.int64)
    k = 0
    for i in range(active.shape[0]):
        rows[k] = i  # written unconditionally, kept when the row qualifies
        k += active[i] & wanted[status[i]] & at_place[location[i]]
    return rows[:k].copy()


def end_travel(pop: "Population", rows: np.ndarray) -> None:
    """Rows an operation moves lose their place in a queue and the rest of their path."""
    pop.wait_days[rows] = 0
    pop.path[rows] = -1
    pop.path_pos[rows] = 0
    pop.link_km_left[rows] = 0.0


class Candidates:
    """The rows an operation looks at each day, kept from day to day instead of found by a scan of every row.

    Operations that act on a few rows of a national population (undocumented migrants, vulnerable persons)
    would otherwise scan hundreds of thousands of rows a day. Rows added since the last call are scanned once
    with `qualifies(population, rows)` (a slice or an array of rows); `keep(mask)` drops the rows that the
    daily stages can never make qualify again. A row changed through its Mesa agent (`Population.note_edit`)
    is scanned again. Rows stay in ascending order, the order a full scan gives, so random draws and queues
    see the same rows in the same order.
    """

    def __init__(self, qualifies: Callable[["Population", slice | np.ndarray], np.ndarray]):
        self._qualifies = qualifies
        self.rows = np.empty(0, dtype=np.int64)
        self._scanned = 0
        self._edits_seen = 0

    def update(self, pop: "Population") -> np.ndarray:
        """The candidate rows, with the rows added since the last call, and the rows edited since, that qualify."""
        if len(pop.edited) > self._edits_seen:
            edited = np.unique(np.asarray(pop.edited[self._edits_seen:], dtype=np.int64))
            # rows not scanned yet are scanned below; a row that left the network was dropped for good (an
            # operation may have counted its leaving) and stays dropped
            edited = edited[(edited < self._scanned) & pop.active[edited]]
            self._edits_seen = len(pop.edited)
            self.rows = np.union1d(self.rows, edited[self._qualifies(pop, edited)])
        if pop.n > self._scanned:
            new = self._scanned + np.flatnonzero(self._qualifies(pop, slice(self._scanned, pop.n)))
            self.rows = np.concatenate([self.rows, new])
            self._scanned = pop.n
        return self.rows

    def keep(self, mask: np.ndarray) -> np.ndarray:
        """Keep only the candidate rows where `mask` (over `rows`) holds; return them."""
        self.rows = self.rows[mask]
        return self.rows
