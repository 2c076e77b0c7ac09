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
from numba import boolean, float32, float64, int8, int32, njit
from numba.types import UniTuple

from ..codes import DISPLACED_STATUSES, AgentType, Status
from .base import Policy, by_place, cumulative
from .inputs import OperationInput, plain

if TYPE_CHECKING:
    from ..model import CrisisModel


class AidInformation(Policy):
    """`aid`: [{places, from, to, level}]; `campaigns`: [{places, from, to, coverage}] (places: names or 'all';
    dates YYYY-MM-DD, both included, default the whole run)."""

    stage = "before_decisions"
    keeps_counts = True  # it changes no row's place, status, type, size, origin or activity

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
        L = model.network.n_locations
        persons, reached = np.zeros(L), np.zeros(L)  # migrants at each place, and those the aid reaches
        self.unmet[d] = _reach_and_unmet(pop.active, pop.agent_type, pop.status, pop.location, pop.size,
                                         pop.no_language_access, model.aid_reach, self.coverage[d], self._nlr,
                                         model.aid, model.scenario.timeline.hazard[d], persons, reached)
        model.aid_reach[AgentType.MIGRANT] = np.where(persons > 0, reached / np.maximum(persons, 1.0),
                                                      model.aid_reach[AgentType.MIGRANT])

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        n = model.recorder.days_recorded
        cum = cumulative(self.unmet, n)
        yield "unmet_aid_person_days", "", cum[:, 0]
        yield "unmet_aid_person_days", "migrant", cum[:, 1]
        yield from by_place(model, "aid_level", self.level[:n])


_MIGRANT = np.int8(AgentType.MIGRANT)
_FIRST_DISPLACED, _LAST_DISPLACED = np.int8(min(DISPLACED_STATUSES)), np.int8(max(DISPLACED_STATUSES))
_TRAPPED = np.int8(Status.TRAPPED)


@njit(UniTuple(float64, 2)(boolean[::1], int8[::1], int8[::1], int32[::1], int32[::1], boolean[::1], float64[:, ::1],
                           float64[::1], float64, float64[::1], float32[::1], float64[::1], float64[::1]), cache=True)
def _reach_and_unmet(active, agent_type, status, location, size, no_language_access, aid_reach, coverage,
                     no_language_reach, aid, hazard, persons, reached):
    """One compiled pass over the rows (NumPy's temporaries over every row cost 25 ms a day, half of
    thailand_floods_2011's run): migrants by place into `persons`, and the persons the aid reaches into
    `reached` (those cut off by language: no_language_reach plus the campaign's coverage of the rest), in row
    order as np.bincount adds them; returns the day's unmet need (everyone, migrants): each person displaced, or
    at home where the hazard is above 0, counts 1 - aid x reach, with yesterday's reach."""
    unmet = 0.0
    unmet_migrants = 0.0
    for i in range(active.shape[0]):
        if not active[i]:
            continue
        loc = location[i]
        t = agent_type[i]
        sz = float64(size[i])
        migrant = t == _MIGRANT
        own = 1.0
        if migrant and no_language_access[i]:
            own = no_language_reach + (1.0 - no_language_reach) * coverage[loc]
        reach = aid_reach[t, loc] * own
        if migrant:
            persons[loc] += sz
            reached[loc] += sz * reach
        s = status[i]
        if (_FIRST_DISPLACED <= s <= _LAST_DISPLACED) or (s <= _TRAPPED and hazard[loc] > 0):
            need = sz * (1.0 - aid[loc] * reach)
            unmet += need
            if migrant:
                unmet_migrants += need
    return unmet, unmet_migrants
