"""Return and reintegration, and the other durable solutions (IOM 2012, MCOF: recovery phase).

In recovery, `support` (rebuilt shelter, return packages, safety at origin) is added to the return logit at
the origins it names; the core return rule already weighs safety, rebuilt housing and time displaced. Also in
recovery, displaced people may find a durable solution where they are: each day, those displaced longer than
`integration_after_days` integrate locally (LOCALLY_INTEGRATED where they stay) with probability
`integration_per_day`, and those displaced longer than `resettlement_after_days` are resettled to a third
country (RESETTLED: an exit) with probability `resettlement_per_day`.

Reintegration: migrants evacuated, or who crossed into the country of their nationality, join a caseload
the morning after they arrive (Libya 2011: about 36,000 Bangladeshi migrant workers received reintegration
assistance; IOM 2012); `served_per_day` persons a day are served, first come first served, in every phase.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numba import boolean, float64, int8, int16, int64, njit, uint64
from numba.types import Tuple, UniTuple

from .. import rng
from ..codes import AgentType, Phase, Status
from ..signatures import B1, I1, I2, I4, I8
from .base import Candidates, Policy, cumulative
from .inputs import OperationInput, plain

if TYPE_CHECKING:
    from ..model import CrisisModel

class ReturnReintegration(Policy):
    """Return support at origins in recovery, local integration and resettlement rates, a reintegration caseload.

    `support`: [{places, from, to, level}] (origins: names or 'all'; dates YYYY-MM-DD, both included, default
    the whole run); overlapping support adds up.
    """

    # return support must be in place before the day's returns, which come before the after-admission stage
    stage = "before_decisions"
    keeps_counts = True  # it changes rows only within model.rows_changing

    def __init__(self, support: Sequence[Mapping] = (), integration_per_day: float = 0.0,
                 integration_after_days: int = 180, resettlement_per_day: float = 0.0,
                 resettlement_after_days: int = 180, served_per_day: int = 0):
        self.support = plain(support)
        self.integration_per_day = integration_per_day
        self.integration_after_days = integration_after_days
        self.resettlement_per_day = resettlement_per_day
        self.resettlement_after_days = resettlement_after_days
        self.served_per_day = served_per_day

    def setup(self, model: "CrisisModel") -> None:
        inp = OperationInput(model, self)
        self._integrate = inp.share(self.integration_per_day, "integration_per_day")
        self._resettle = inp.share(self.resettlement_per_day, "resettlement_per_day")
        self._integrate_after = inp.count(self.integration_after_days, "integration_after_days")
        self._resettle_after = inp.count(self.resettlement_after_days, "resettlement_after_days")
        self._served = inp.count(self.served_per_day, "served_per_day")
        self.level = inp.schedule(self.support, "support", "level", inp.number, combine=np.add)
        net, nats = model.network, model.scenario.nationalities
        country = {c: i for i, c in enumerate(net.countries)}
        # country index of each nationality, shifted by one (position 0: nationals, who have none)
        self._home_country = np.array([-1] + [country.get(n, -1) for n in nats], dtype=np.int64)
        # migrants stay migrants, and a row that left the network keeps its exit status and place: each migrant
        # is looked at until the morning after it leaves, and then never again
        self._in_network = Candidates(lambda pop, new: pop.agent_type[new] == AgentType.MIGRANT)
        days = model.days
        self.caseload = np.zeros(days, dtype=np.int64)
        self.served = np.zeros(days, dtype=np.int64)
        self.integrated = np.zeros(days, dtype=np.int64)
        self.resettled = np.zeros(days, dtype=np.int64)

    def apply(self, model: "CrisisModel") -> None:
        d = model.day
        waiting = (self.caseload[d - 1] if d > 0 else 0) + self._intake(model)
        self.served[d] = min(self._served, waiting)
        self.caseload[d] = waiting - self.served[d]
        if model.phase == Phase.RECOVERY:
            model.return_support += self.level[d]
            self._durable_solutions(model)

    def _intake(self, model: "CrisisModel") -> int:
        """Persons who arrived since yesterday's intake: migrants evacuated or gone home across a border."""
        pop = model.population
        in_network, persons = _arrivals(self._in_network.update(pop), pop.status, pop.nationality, pop.location,
                                        pop.size, self._home_country, model.network.country)
        self._in_network.keep(in_network)
        return persons

    def _durable_solutions(self, model: "CrisisModel") -> None:
        if self._integrate == 0.0 and self._resettle == 0.0:  # nobody is chosen: no scan of every row
            return
        pop, d = model.population, model.day
        integrating, resettled = _chosen_for_solutions(
            pop.active, pop.status, pop.displaced_since, model.last_pass_day, self._integrate_after, self._integrate,
            self._resettle_after, self._resettle, np.uint64(model.seed_value), np.uint64(d))
        with model.rows_changing(np.concatenate([integrating, resettled])):
            pop.status[integrating] = Status.LOCALLY_INTEGRATED
            pop.status[resettled] = Status.RESETTLED
            pop.active[resettled] = False  # gone to a third country: an exit, counted in the core's exits
        pop.wait_days[integrating] = 0
        pop.wait_days[resettled] = 0
        self.integrated[d] = pop.size[integrating].sum(dtype=np.int64)
        self.resettled[d] = pop.size[resettled].sum(dtype=np.int64)

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        n = model.recorder.days_recorded
        yield "reintegration_caseload", "", self.caseload[:n].astype(np.float64)
        yield "reintegrated_cumulative", "", cumulative(self.served, n)
        yield "locally_integrated_cumulative", "", cumulative(self.integrated, n)
        yield "resettled_cumulative", "", cumulative(self.resettled, n)


_ON_THE_MOVE, _CROSSED, _EVACUATED = (np.int8(s) for s in (Status.ON_THE_MOVE, Status.CROSSED_BORDER,
                                                              Status.EVACUATED))


@njit(Tuple((B1, int64))(I8, I1, I2, I4, I4, I8, I2), cache=True)
def _arrivals(rows, status, nationality, location, size, home_country, country):
    """One pass over the migrants in the network yesterday (`rows`): which of them still are, and the persons among
    those who left that join the caseload (evacuated, or crossed into the country of their nationality, whose index
    home_country[nationality + 1] holds). NumPy took a gather per column and two compressions a day (libya_2011,
    28,000 to 132,000 rows a day: the operation 0.15-0.17 -> 0.10 s a run)."""
    in_network = np.empty(rows.shape[0], dtype=np.bool_)
    persons = 0
    for j in range(rows.shape[0]):
        i = rows[j]
        s = status[i]
        in_network[j] = s < _CROSSED  # statuses from CROSSED_BORDER on are exits from the network
        if s == _EVACUATED or (s == _CROSSED and home_country[nationality[i] + 1] == country[location[i]]):
            persons += size[i]
    return in_network, persons


@njit(UniTuple(int64[::1], 2)(boolean[::1], int8[::1], int16[::1], int64, int64, float64, int64, float64, uint64,
                              uint64), cache=True)
def _chosen_for_solutions(active, status, displaced_since, last_pass_day, integrate_after, integrate_share,
                          resettle_after, resettle_share, seed, day):
    """The day's durable solutions, compiled (a daily scan of every row: 0.7 s of haiti_2010's 2,010 recovery days
    in NumPy). A displaced agent staying somewhere (the statuses between ON_THE_MOVE and the exits) and displaced
    longer than integrate_after days integrates locally if its draw falls under integrate_share; then one still
    there, displaced longer than resettle_after, is resettled (an exit) if its own draw falls under
    resettle_share. A share of 0 draws nothing. Days displaced are counted through the movement pass of
    `last_pass_day` (`model.population.days_displaced`). Returns the rows (integrating, resettled), ascending."""
    # one scan of every row for both solutions: the rows staying somewhere and displaced longer than the shorter
    # wait of the solutions offered
    after = min(integrate_after if integrate_share > 0.0 else resettle_after,
                resettle_after if resettle_share > 0.0 else integrate_after)
    staying = np.empty(active.shape[0], dtype=np.int64)
    n_staying = 0
    for i in range(active.shape[0]):
        s = status[i]
        staying[n_staying] = i  # written unconditionally, kept when the row qualifies
        n_staying += active[i] & (s > _ON_THE_MOVE) & (s < _CROSSED) & (last_pass_day - displaced_since[i] > after)
    taken = np.zeros(n_staying, dtype=np.bool_)  # integrating today: no longer staying for resettlement
    chosen = []
    rows = np.empty(n_staying, dtype=np.int64)
    places = np.empty(n_staying, dtype=np.int64)  # positions in `staying`
    draws = np.empty(n_staying)
    for share, after, purpose in ((integrate_share, integrate_after, rng.LOCAL_INTEGRATION),
                                  (resettle_share, resettle_after, rng.RESETTLEMENT)):
        if not share > 0.0:
            chosen.append(np.empty(0, dtype=np.int64))
            continue
        # the rows eligible for this solution, then their draws in a loop of their own (it runs on vector lanes:
        # most of the time is the draws, tens of thousands a day)
        k = 0
        for j in range(n_staying):
            i = staying[j]
            rows[k] = i
            places[k] = j
            k += (not taken[j]) & (last_pass_day - displaced_since[i] > after)
        for j in range(k):
            draws[j] = rng.uniform(seed, rows[j], day, purpose)
        m = 0
        for j in range(k):
            if draws[j] < share:
                rows[m] = rows[j]
                taken[places[j]] = True
                m += 1
        chosen.append(rows[:m].copy())
    return chosen[0], chosen[1]
