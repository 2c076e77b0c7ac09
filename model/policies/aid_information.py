"""Aid and information: aid delivered at places on dates, and whether it reaches migrants who lack the language.

Aid (0..1 at each place) lowers the push to leave and the urge to move on, and draws people, in the rules.
Migrants cut off by language hear of relief only at `no_language_reach` of the level given (Thailand 2011 floods:
migrant communities cut off from information and relief by language; IOM 2012) unless an information campaign
in their languages runs there, which reaches a further `coverage` share of them. The reach of aid for migrants
at each place is the person-weighted share of the migrants there reached.

Unmet need is counted in person-days: each day, every person displaced, or at home where the hazard is above
0, counts 1 - aid level x reach (a person fully reached by full aid counts 0).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..codes import DISPLACED_STATUSES, AgentType, Status
from .base import Policy, by_place, cumulative
from .inputs import OperationInput, plain

if TYPE_CHECKING:
    from ..model import CrisisModel


class AidInformation(Policy):
    """`aid`: [{places, from, to, level}]; `campaigns`: [{places, from, to, coverage}] (places: names or 'all';
    dates YYYY-MM-DD, both included, default the whole run)."""

    stage = "before_decisions"

    def __init__(self, aid: Sequence[Mapping] = (), campaigns: Sequence[Mapping] = (),
                 no_language_reach: float = 0.1):
        self.aid = plain(aid)
        self.campaigns = plain(campaigns)
        self.no_language_reach = no_language_reach

    def setup(self, model: "CrisisModel") -> None:
        inp = OperationInput(model, self)
        self._nlr = inp.share(self.no_language_reach, "no_language_reach")
        self.level = inp.schedule(self.aid, "aid", "level", inp.share)
        self.coverage = inp.schedule(self.campaigns, "campaigns", "coverage", inp.share)
        self.unmet = np.zeros((model.days, 2))  # persons not reached today: everyone, migrants

    def apply(self, model: "CrisisModel") -> None:
        d, pop = model.day, model.population
        model.aid = np.maximum(model.aid, self.level[d])
        rows = np.nonzero(pop.active)[0]
        loc, kind, size = pop.location[rows], pop.agent_type[rows], pop.size[rows].astype(np.float64)
        migrant = kind == AgentType.MIGRANT
        cut_off = migrant & pop.no_language_access[rows]
        own = np.ones(len(rows))
        own[cut_off] = self._nlr + (1.0 - self._nlr) * self.coverage[d, loc[cut_off]]
        reach = model.aid_reach[kind, loc] * own
        L = model.network.n_locations
        persons = np.bincount(loc[migrant], weights=size[migrant], minlength=L)
        reached = np.bincount(loc[migrant], weights=(size * reach)[migrant], minlength=L)
        model.aid_reach[AgentType.MIGRANT] = np.where(persons > 0, reached / np.maximum(persons, 1.0),
                                                      model.aid_reach[AgentType.MIGRANT])
        status = pop.status[rows]
        hazard = model.scenario.timeline.hazard[d]
        need = np.isin(status, DISPLACED_STATUSES) | ((status <= Status.TRAPPED) & (hazard[loc] > 0))
        unmet = np.where(need, size * (1.0 - model.aid[loc] * reach), 0.0)
        self.unmet[d] = unmet.sum(), unmet[migrant].sum()

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        n = model.recorder.days_recorded
        cum = cumulative(self.unmet, n)
        yield "unmet_aid_person_days", "", cum[:, 0]
        yield "unmet_aid_person_days", "migrant", cum[:, 1]
        yield from by_place(model, "aid_level", self.level[:n])
