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

from .. import rng
from ..codes import LocationKind, Status, code_name, parse_code
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
        vulnerable = self._vulnerable.keep(pop.active[vulnerable])  # a row that left never comes back
        rows = vulnerable[~pop.referred[vulnerable] & (pop.status[vulnerable] != Status.ON_THE_MOVE)]
        rows = rows[rng.uniform_array(model.seed_value, rows, d, rng.IDENTIFY) < self._rate[pop.location[rows]]]
        pop.referred[rows] = True
        size = pop.size[rows].astype(np.int64)
        self._referred[d] = [size.sum()] + [size[getattr(pop, g)[rows]].sum() for g in GROUPS]
        if self.protected_status:
            stranded = vulnerable[pop.referred[vulnerable] & (pop.status[vulnerable] == Status.STRANDED)]
            with model.rows_changing(stranded):
                pop.status[stranded] = Status.WAITING

    def series(self, model) -> Iterator[tuple[str, str, np.ndarray]]:
        """referred_cumulative: persons referred, in total and by group (a person may be in both groups)."""
        n = model.recorder.days_recorded
        referred = cumulative(self._referred, n)
        yield "referred_cumulative", "", referred[:, 0]
        for k, group in enumerate(GROUPS):
            yield "referred_cumulative", group, referred[:, k + 1]
