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

from .. import rng
from ..codes import AgentType, Phase, Status
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
        pop, net = model.population, model.network
        rows = self._in_network.update(pop)
        status = pop.status[rows]
        left = status >= Status.CROSSED_BORDER  # statuses from CROSSED_BORDER on are exits from the network
        self._in_network.keep(~left)
        rows, status = rows[left], status[left]
        home = self._home_country[pop.nationality[rows].astype(np.int64) + 1] == net.country[pop.location[rows]]
        rows = rows[(status == Status.EVACUATED) | ((status == Status.CROSSED_BORDER) & home)]
        return int(pop.size[rows].sum(dtype=np.int64))

    def _durable_solutions(self, model: "CrisisModel") -> None:
        if self._integrate == 0.0 and self._resettle == 0.0:  # nobody is chosen: no scan of every row
            return
        pop, d, seed = model.population, model.day, model.seed_value
        # displaced and staying somewhere (in a site, hosted, self-settled or queued): the codes between
        # ON_THE_MOVE and the exits; two comparisons instead of np.isin over every row
        status = pop.status
        rows = np.flatnonzero(pop.active & (status > Status.ON_THE_MOVE) & (status < Status.CROSSED_BORDER))
        days = pop.days_displaced[rows]
        integrate = _chosen(rows, days > self._integrate_after, self._integrate, seed, d, rng.LOCAL_INTEGRATION)
        resettle = _chosen(rows, ~integrate & (days > self._resettle_after), self._resettle, seed, d,
                           rng.RESETTLEMENT)
        for chosen, status, count in ((rows[integrate], Status.LOCALLY_INTEGRATED, self.integrated),
                                      (rows[resettle], Status.RESETTLED, self.resettled)):
            pop.status[chosen] = status
            pop.wait_days[chosen] = 0
            count[d] = pop.size[chosen].sum(dtype=np.int64)
        pop.active[rows[resettle]] = False  # gone to a third country: an exit, counted in the core's exits

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        n = model.recorder.days_recorded
        yield "reintegration_caseload", "", self.caseload[:n].astype(np.float64)
        yield "reintegrated_cumulative", "", cumulative(self.served, n)
        yield "locally_integrated_cumulative", "", cumulative(self.integrated, n)
        yield "resettled_cumulative", "", cumulative(self.resettled, n)


def _chosen(rows: np.ndarray, eligible: np.ndarray, share: float, seed: int, day: int, purpose: int) -> np.ndarray:
    """Which rows take a solution today: eligible ones whose draw falls under the daily share. Only the
    eligible draw (each draw depends on its row alone, so the others' draws would not change anyone's)."""
    chosen = np.zeros(len(rows), dtype=np.bool_)
    if share > 0.0:
        k = np.flatnonzero(eligible)
        chosen[k] = rng.uniform_array(seed, rows[k], day, purpose) < share
    return chosen
