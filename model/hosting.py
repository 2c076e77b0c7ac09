"""Hosting: displaced people who settle in a town stay with host households while there is room.

A host household at home offers `hosting_spare_share` places per member (the
scenario's assumption, raised by host-support policies). Host strain per place
is hosted persons over hosting places.
"""
from __future__ import annotations

import numpy as np
from numba import int64, njit, uint64

from . import rng
from .codes import LocationKind, Status
from .kernels import add_into, count_row, zero_counts
from .population import Population
from .ranking import fit_by_draws
from .signatures import B1, I1, I4, I8, I8_2, I8_3, I8_4

_HOSTED = np.int8(Status.HOSTED)


def host_places(host_persons_at_home: np.ndarray, spare_share: float | np.ndarray) -> np.ndarray:
    """Hosting places per location (persons), from host household members at home."""
    return np.floor(host_persons_at_home * spare_share).astype(np.int64)


def hostable(loc_kind: np.ndarray, places: np.ndarray, hosted: np.ndarray) -> np.ndarray:
    """Places where self-settled people may move in with hosts today: towns with free hosting places."""
    return _hostable(np.ascontiguousarray(loc_kind, dtype=np.int8), np.ascontiguousarray(places, dtype=np.int64),
                     np.ascontiguousarray(hosted, dtype=np.int64))


_TOWN = np.int8(LocationKind.TOWN)


@njit(B1(I1, I8, I8), cache=True)
def _hostable(loc_kind, places, hosted):
    """`hostable` in one loop (it runs every day: 0.015 -> 0.006 ms a day with NumPy's two masks and their and)."""
    out = np.empty(loc_kind.shape[0], dtype=np.bool_)
    for loc in range(loc_kind.shape[0]):
        out[loc] = loc_kind[loc] == _TOWN and places[loc] > hosted[loc]
    return out


def place_with_hosts(pop: Population, rows: np.ndarray, places: np.ndarray, hosted: np.ndarray,
                     seed: int, day: int, counts: tuple[np.ndarray, ...] | None = None) -> int:
    """Move self-settled agents (`rows`, in row order, at hostable places) into free hosting places, in random
    order (`ranking.ranked_fit`, with the HOSTING_ORDER draw as key); return persons hosted. `counts`, the model's day's
    counts (`kernels.tally`'s four outputs), move them from self-settled to hosted at their place."""
    if len(rows) == 0:
        return 0
    if counts is None:  # nothing to keep: count into a scratch set
        counts = zero_counts(len(places))
    free = np.maximum(np.asarray(places, dtype=np.int64) - hosted, 0)
    return int(_host_rows(np.ascontiguousarray(rows, dtype=np.int64), free, np.uint64(seed), np.uint64(day),
                          pop.active, pop.agent_type, pop.status, pop.location, pop.origin, pop.size, *counts))


@njit(int64(I8, I8, uint64, uint64, B1, I1, I1, I4, I4, I4, I8_4, I8_3, I8_2, I8_2),
      cache=True, nogil=True)
def _host_rows(rows, free, seed, day, active, agent_type, status, location, origin, size, by_place_status_type,
               exits_by_type_status, displaced_by_origin, row_counts):
    """`place_with_hosts` in one compiled call that holds no lock: on two threads it runs beside admission, and
    the NumPy steps it was made of held Python's lock while admission's own waited for it (the persons run on two
    threads: admission and hosting 0.57 -> 0.51 s, medians of four runs taking turns)."""
    n = rows.shape[0]
    places = np.empty(n, dtype=np.int64)
    sizes = np.empty(n, dtype=np.int64)
    for k in range(n):
        places[k] = location[rows[k]]
        sizes[k] = size[rows[k]]
    taken = fit_by_draws(rows, places, sizes, np.zeros(n, dtype=np.bool_), free, seed, day, uint64(rng.HOSTING_ORDER))
    # the narrow counts in scratch: on two threads admission counts into the previous thread's row meanwhile
    counts, by_origin = by_place_status_type[0], displaced_by_origin[0]
    exits, rows_counted = np.zeros_like(exits_by_type_status[0]), np.zeros_like(row_counts[0])
    persons = 0
    for k in range(n):
        if taken[k]:
            i = rows[k]
            count_row(-1, i, active, agent_type, status, location, origin, size, counts, exits, by_origin,
                      rows_counted)
            status[i] = _HOSTED
            count_row(1, i, active, agent_type, status, location, origin, size, counts, exits, by_origin,
                      rows_counted)
            persons += sizes[k]
    add_into(exits_by_type_status[0], exits)
    add_into(row_counts[0], rows_counted)
    return persons


def host_strain(hosted: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Hosted persons over hosting places; where there are no places, strain is 0 (none hosted) or inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(places > 0, hosted / np.maximum(places, 1), np.where(hosted > 0, np.inf, 0.0))

