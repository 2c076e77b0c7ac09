"""Referral of vulnerable persons (MCOF: mobility of vulnerable persons, referral systems; IOM 2012, the
framework's seed document): unaccompanied children and victims of trafficking identified at sites, border
points and evacuation hubs are referred.

Each day, every unreferred unaccompanied child or victim of trafficking present at a covered place is
identified with the place's daily rate (a probability per day) and gets `referred`, which gives priority in
the core's queues. Note that the core already ranks unaccompanied children and victims of trafficking first,
so referral changes who is counted as referred and, with `protected_status`, who counts as stranded: a
referred person in a queue is a protection case, not stranded, and is counted as waiting however long the
wait (their days in the queue still count).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from numba import boolean, int64, njit, types, uint64

from .. import rng
from ..codes import LocationKind, Status, code_name, parse_code
from ..signatures import B1, F8, I1, I4, I8
from .base import Candidates, Policy, cumulative
from .inputs import OperationInput, plain

KINDS = (LocationKind.SITE, LocationKind.BORDER, LocationKind.HUB)
GROUPS = ("unaccompanied_child", "trafficking_victim")


class Referral(Policy):
    """Daily identification and referral of unaccompanied children and victims of trafficking.

    rate_per_day: {site|border|hub: probability per day}; locations: only these places (empty: every place of
    a kind with a rate); protected_status: referred persons in queues are not counted as stranded.
    """

    stage = "after_admission"
    keeps_counts = True  # it changes rows only within model.rows_changing

    def __init__(self, rate_per_day: Mapping[str, float] | None = None, locations: Sequence[str] = (),
                 protected_status: bool = False):
        self.rate_per_day = plain(rate_per_day) or {}
        self.locations = plain(locations) or []
        self.protected_status = bool(protected_status)

    def setup(self, model) -> None:
        inp = OperationInput(model, self)
        kind = model.network.kind
        by_kind = np.zeros(len(LocationKind))
        if not isinstance(self.rate_per_day, Mapping):
            raise inp.error("rate_per_day", f"expected a mapping from {[code_name(k) for k in KINDS]} to a rate")
        for name, rate in self.rate_per_day.items():
            code = parse_code(LocationKind, str(name))
            if code not in KINDS:
                raise inp.error(f"rate_per_day.{name}", f"unknown kind of place; expected one of "
                                                        f"{[code_name(k) for k in KINDS]}")
            by_kind[code] = inp.share(rate, f"rate_per_day.{name}")
        self._rate = by_kind[kind]  # probability per day at each location
        if self.locations:
            covered = [inp.location(name, f"locations[{k}]", kinds=KINDS) for k, name in enumerate(self.locations)]
            only = np.zeros(len(kind), dtype=np.bool_)
            only[covered] = True
            self._rate = np.where(only, self._rate, 0.0)
        self._referred = np.zeros((model.days, 1 + len(GROUPS)), dtype=np.int64)  # persons: all, then by group
        # who is vulnerable is known when a row is added, and only the vulnerable are referred: the day's work is
        # on these few rows, not on the whole population
        self._vulnerable = Candidates(lambda pop, new: pop.unaccompanied_child[new] | pop.trafficking_victim[new])

    def apply(self, model) -> None:
        pop, d = model.population, model.day
        vulnerable = self._vulnerable.update(pop)
        still, stranded = _identify(vulnerable, pop.active, pop.referred, pop.status, pop.location, pop.size,
                                    *(getattr(pop, group) for group in GROUPS), self._rate,
                                    np.uint64(model.seed_value), np.uint64(d), self.protected_status,
                                    self._referred[d])
        self._vulnerable.keep(still)  # a row that left never comes back
        if len(stranded):
            with model.rows_changing(stranded):
                pop.status[stranded] = Status.WAITING

    def series(self, model) -> Iterator[tuple[str, str, np.ndarray]]:
        """referred_cumulative: persons referred, in total and by group (a person may be in both groups)."""
        n = model.recorder.days_recorded
        referred = cumulative(self._referred, n)
        yield "referred_cumulative", "", referred[:, 0]
        for k, group in enumerate(GROUPS):
            yield "referred_cumulative", group, referred[:, k + 1]


_ON_THE_MOVE, _STRANDED = np.int8(Status.ON_THE_MOVE), np.int8(Status.STRANDED)


@njit(types.Tuple((B1, I8))(I8, B1, B1, I1, I4, I4, B1, B1, F8, uint64, uint64, boolean, I8), cache=True)
def _identify(vulnerable, active, referred, status, location, size, unaccompanied_child, trafficking_victim, rate,
              seed, day, protected_status, referred_today):
    """The day's referral over yesterday's vulnerable rows, in one pass: which of them are still in the network;
    each one not yet referred and not on the move is identified when its IDENTIFY draw falls under its place's
    `rate` and gets `referred`; referred_today[:] = the persons referred today, in all and by group (the flags of
    GROUPS, in order, as the caller passes them: a group added there fails the signature instead of going uncounted).
    Returns (still in the network, over `vulnerable`; the referred rows still STRANDED, ascending, where
    `protected_status`, for the caller to set waiting). A few hundred to a few thousand rows a day (libya_2011):
    about fifteen NumPy steps took 0.15-0.5 ms a day, most of it their own cost."""
    still = np.empty(vulnerable.shape[0], dtype=np.bool_)
    stranded = np.empty(vulnerable.shape[0], dtype=np.int64)
    n_stranded = 0
    referred_today[:] = 0
    for j in range(vulnerable.shape[0]):
        i = vulnerable[j]
        still[j] = active[i]
        if not active[i]:
            continue
        if (not referred[i] and status[i] != _ON_THE_MOVE
                and rng.uniform(seed, uint64(i), day, uint64(rng.IDENTIFY)) < rate[location[i]]):
            referred[i] = True
            persons = int64(size[i])
            referred_today[0] += persons
            referred_today[1] += persons if unaccompanied_child[i] else 0
            referred_today[2] += persons if trafficking_victim[i] else 0
        stranded[n_stranded] = i  # written unconditionally, kept when the row is a referred person stranded
        n_stranded += protected_status and referred[i] and status[i] == _STRANDED
    return still, stranded[:n_stranded].copy()
