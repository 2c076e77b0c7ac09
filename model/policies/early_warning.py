"""Early warning: an alert `lead_days` before a hazard reaches a place makes residents leave before onset.

IOM's migration crisis alert and pre-positioned evacuation (IOM 2012, MCOF) act in the pre-crisis phase: the
forecast is the scenario's own hazard timeline read ahead. A place is warned on each day on which its hazard
is still below `threshold` but reaches it within the next `lead_days` days.

How `push` becomes behaviour (crisisflow rules): the alert adds `push` to the push term of the leaving rule at
warned places (`model.push_bonus`), so before the hazard arrives a resident of type t leaves on an alert day
with probability
    p_t = sigmoid(push - attachment_t - push_aid * aid_t),
and about 1 - (1 - p_t) ** lead_days of them leave during the window (more as neighbours go, through
push_neighbours_gone). With the default attachments (host household 6, migrant 5), `push` 2 and no aid,
p = 1.8% a day for host households and 4.7% for migrants: about 12% and 29% leave over a 7-day lead, before
the neighbours who go add to the push.

Pre-emptive evacuation: on the first day of an alert, `evacuate_share` of the residents of the warned place
are taken to `evacuate_to` the same day (a town: self-settled there; a site: in its admission queue).
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .. import rng
from ..codes import HOME_STATUSES, AgentType, LocationKind, Status
from ..population import displaced_before_pass
from .base import Policy, arrival_status, by_place, cumulative, end_travel, rows_at
from .inputs import SOURCE, OperationInput, plain

if TYPE_CHECKING:
    from ..model import CrisisModel


class EarlyWarning(Policy):
    """Alerts before onset at the places named (default: every place) whose hazard reaches `threshold`."""

    stage = "before_decisions"
    keeps_counts = True  # it changes rows only within model.rows_changing

    def __init__(self, lead_days: int, push: float = 2.0, threshold: float = 0.2,
                 places: Sequence[str] | str = "all", evacuate_share: float = 0.0, evacuate_to: str | None = None):
        self.lead_days = lead_days
        self.push = push
        self.threshold = threshold
        self.places = plain(places)
        self.evacuate_share = evacuate_share
        self.evacuate_to = evacuate_to

    def setup(self, model: "CrisisModel") -> None:
        inp = OperationInput(model, self)
        lead = inp.count(self.lead_days, "lead_days")
        if lead < 1:
            raise inp.error("lead_days", f"{lead}; expected a whole number of days >= 1")
        threshold = inp.share(self.threshold, "threshold")
        if threshold == 0.0:
            raise inp.error("threshold", "0; expected a hazard level in (0, 1]")
        self._push = inp.number(self.push, "push")
        self._share = inp.share(self.evacuate_share, "evacuate_share")
        hazard = model.scenario.timeline.hazard
        at_risk = inp.places(self.places, "places")
        self.alert = alert_days(hazard, threshold, lead) & at_risk
        never = [model.network.names[i] for i in np.nonzero(at_risk & ~self.alert.any(axis=0))[0]]
        if self.places != "all" and never:
            warnings.warn(f"{SOURCE}, key '{inp.prefix}.places': the hazard never reaches {threshold} at "
                          f"{', '.join(never)} during the run; no warning is given there", stacklevel=2)
        self._to = -1
        if self._share > 0:
            if self.evacuate_to is None:
                raise inp.error("evacuate_to", "evacuate_share is set but not where to; expected a town or site")
            self._to = inp.location(self.evacuate_to, "evacuate_to", (LocationKind.TOWN, LocationKind.SITE))
            if (hazard[:, self._to] >= threshold).any():
                raise inp.error("evacuate_to", f"the hazard reaches {threshold} at '{self.evacuate_to}' during "
                                               "the run; expected a safe place")
        self.left_early = np.zeros(model.days, dtype=np.int64)
        self.evacuated = np.zeros(model.days, dtype=np.int64)
        self._watch = np.empty(0, dtype=np.int64)  # rows at home at warned places this morning
        self._watch_day = 0

    def apply(self, model: "CrisisModel") -> None:
        d = model.day
        if len(self._watch):
            self.left_early[self._watch_day] += self._left(model)
        today = self.alert[d]
        self._watch = np.empty(0, dtype=np.int64)
        if not today.any():
            return
        model.push_bonus[today] += self._push
        if self._to >= 0:
            first_day = (today & ~self.alert[d - 1]) if d > 0 else today
            self._evacuate(model, first_day)
        self._watch = _residents(model, today)
        self._watch_day = d

    def _left(self, model: "CrisisModel") -> int:
        """Persons of the watched rows who are no longer at home (displaced or gone)."""
        pop = model.population
        gone = self._watch[pop.status[self._watch] > Status.TRAPPED]
        return int(pop.size[gone].sum(dtype=np.int64))

    def _evacuate(self, model: "CrisisModel", places: np.ndarray) -> None:
        """Take a share of the residents of `places` to the safe place today; they are displaced from home."""
        pop, d = model.population, model.day
        rows = _residents(model, places)
        rows = rows[rng.uniform_array(model.seed_value, rows, d, rng.EARLY_EVACUATION) < self._share]
        if len(rows) == 0:
            return
        with model.rows_changing(rows):
            pop.origin[rows] = pop.location[rows]
            pop.location[rows] = self._to
            host = pop.agent_type[rows] == AgentType.HOST_HOUSEHOLD
            pop.agent_type[rows[host]] = AgentType.IDP  # a household that leaves home is displaced, as in the kernel
            pop.status[rows] = arrival_status(model, self._to)
        pop.displaced_since[rows] = displaced_before_pass(d)
        end_travel(pop, rows)
        persons = int(pop.size[rows].sum(dtype=np.int64))
        self.evacuated[d] += persons
        self.left_early[d] += persons

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        n = model.recorder.days_recorded
        left = self.left_early.copy()
        if len(self._watch):  # departures on the last day run, seen now rather than next morning
            left[self._watch_day] += self._left(model)
        alert = self.alert[:n]
        yield "warned_places", "", alert.sum(axis=1).astype(np.float64)
        yield from by_place(model, "warned_places", alert)
        yield "left_early_cumulative", "", cumulative(left, n)
        if self._to >= 0:
            yield "evacuated_early_cumulative", "", cumulative(self.evacuated, n)


def alert_days(hazard: np.ndarray, threshold: float, lead_days: int) -> np.ndarray:
    """bool [days, L]: hazard below `threshold` that day and at or above it within the next `lead_days` days."""
    days = hazard.shape[0]
    hit = hazard >= threshold
    before = np.vstack([np.zeros((1, hazard.shape[1]), dtype=np.int64), np.cumsum(hit, axis=0)])  # hits before day k
    d = np.arange(days)
    ahead = before[np.minimum(d + lead_days + 1, days)] - before[d + 1]
    return (ahead > 0) & ~hit


def _residents(model: "CrisisModel", places: np.ndarray) -> np.ndarray:
    """Rows at home (not displaced) at the places in the mask."""
    return rows_at(model.population, HOME_STATUSES, places)
