"""Consular liaison for emergency travel documents (MCOF operation; IOM 2012, the framework's seed document).

Migrants without a passport or travel document cannot cross a border that requires one (crisisflow rules:
`border_requires_documents`) nor board an evacuation that requires one. Consulates, or consular teams at
border points, issue documents each day to undocumented migrants present there: those queued first
(waiting or stranded), then in a fair random order, up to the day's number of documents (persons).

`undocumented_share` replaces the data's share of migrants without documents, at set-up: one number for
every migrant or a mapping by nationality (nationalities left out keep the data's documents).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numba import int64, njit, types, uint64, void

from .. import rng
from ..codes import AgentType, Status
from ..ranking import fit_by_draws
from ..signatures import B1, B1_2, I1, I2, I4, I8
from .base import Candidates, Policy, cumulative
from .inputs import IN_NETWORK, OperationInput, plain

POINT_KEYS = {"location", "per_day", "from", "to", "nationalities"}


@dataclass(frozen=True)
class IssuingPoint:
    location: int
    per_day: int
    days: slice
    nationalities: np.ndarray | None  # bool [N + 1] by nationality + 1; None: every nationality


class ConsularDocuments(Policy):
    """Emergency travel documents issued at consulates and border points.

    issuing_points: [{location, per_day, from, to, nationalities: [...]}], dates YYYY-MM-DD, either may be
    left out; undocumented_share: a share in [0, 1], or {nationality: share}, or null (the data's).
    """

    stage = "before_decisions"
    keeps_counts = True  # it changes no row's place, status, type, size, origin or activity

    def __init__(self, issuing_points: Sequence = (), undocumented_share: float | Mapping | None = None):
        self.issuing_points = plain(issuing_points) or []
        self.undocumented_share = plain(undocumented_share)

    def setup(self, model) -> None:
        inp = OperationInput(model, self)
        self._points = [self._read_point(inp, raw, f"issuing_points[{k}]") for k, raw in enumerate(self.issuing_points)]
        self._issuing_place = np.zeros(model.network.n_locations, dtype=np.bool_)
        self._issuing_place[[point.location for point in self._points]] = True
        if self.undocumented_share is not None:
            self._set_undocumented(model, inp)
        self._issued = np.zeros((model.days, len(self._points)), dtype=np.int64)  # persons per day by point
        # the points as columns for `_issue`: place, documents a day, first day and the day after the last, and
        # the nationalities served (bool [points, N + 1]; every one where the point names none)
        points = self._points
        self._point_location = np.array([q.location for q in points], dtype=np.int64)
        self._point_per_day = np.array([q.per_day for q in points], dtype=np.int64)
        self._point_first = np.array([q.days.start for q in points], dtype=np.int64)
        self._point_stop = np.array([q.days.stop for q in points], dtype=np.int64)
        self._point_nationalities = np.ones((len(points), len(inp.nationalities) + 1), dtype=np.bool_)
        for k, q in enumerate(points):
            if q.nationalities is not None:
                self._point_nationalities[k] = q.nationalities
        self._undocumented = np.zeros(model.days, dtype=np.int64)
        # the daily stages only issue documents and never make a row a migrant: today's undocumented migrants
        # are among yesterday's, plus rows added since (and rows changed through their Mesa agents)
        self._undocumented_rows = Candidates(
            lambda pop, new: (pop.agent_type[new] == AgentType.MIGRANT) & ~pop.has_documents[new])

    @staticmethod
    def _read_point(inp: OperationInput, raw, f: str) -> IssuingPoint:
        e = inp.fields(raw, POINT_KEYS, f)
        return IssuingPoint(location=inp.location(e.get("location"), f"{f}.location", kinds=IN_NETWORK),
                            per_day=inp.count(e.get("per_day"), f"{f}.per_day"), days=inp.window(e, f),
                            nationalities=inp.nationality_mask(e.get("nationalities"), f"{f}.nationalities"))

    def _set_undocumented(self, model, inp: OperationInput) -> None:
        """Draw who lacks documents from the given shares (one draw per agent, the same for every policy run)."""
        share = np.full(len(inp.nationalities) + 1, np.nan)  # by nationality + 1; NaN: keep the data's
        if isinstance(self.undocumented_share, Mapping):
            for name, value in self.undocumented_share.items():
                field = f"undocumented_share.{name}"
                share[inp.nationality(name, field)] = inp.share(value, field)
        else:
            share[:] = inp.share(self.undocumented_share, "undocumented_share")
        pop = model.population
        rows = np.nonzero(pop.active & (pop.agent_type == AgentType.MIGRANT))[0]
        s = share[pop.nationality[rows] + 1]
        rows, s = rows[~np.isnan(s)], s[~np.isnan(s)]
        pop.has_documents[rows] = rng.uniform_array(model.seed_value, rows, 0, rng.UNDOCUMENTED) >= s

    def apply(self, model) -> None:
        pop, d = model.population, model.day
        still, present, persons = _still_undocumented(self._undocumented_rows.update(pop), pop.active,
                                                       pop.has_documents, pop.location, pop.status, pop.size,
                                                       self._issuing_place)
        self._undocumented_rows.keep(still)
        _issue(present, self._point_location, self._point_per_day, self._point_first, self._point_stop,
               self._point_nationalities, pop.has_documents, pop.location, pop.status, pop.nationality, pop.size,
               np.uint64(model.seed_value), d, self._issued[d])
        self._undocumented[d] = persons - self._issued[d].sum()

    def series(self, model) -> Iterator[tuple[str, str, np.ndarray]]:
        """documents_issued_cumulative (total and by place), and undocumented migrants after each day's issuing."""
        n = model.recorder.days_recorded
        issued = cumulative(self._issued, n)
        yield "documents_issued_cumulative", "", issued.sum(axis=1)
        locations = np.array([p.location for p in self._points], dtype=np.int64)
        for loc in dict.fromkeys(locations.tolist()):
            yield "documents_issued_cumulative", model.network.names[loc], issued[:, locations == loc].sum(axis=1)
        yield "undocumented_migrants", "", self._undocumented[:n].astype(np.float64)


_ON_THE_MOVE = np.int8(Status.ON_THE_MOVE)


@njit(types.Tuple((B1, I8, int64))(I8, B1, B1, I4, I1, I4, B1), cache=True)
def _still_undocumented(rows, active, has_documents, location, status, size, issuing_place):
    """One pass over yesterday's undocumented migrants (`rows`): which of them still are (in the network, without
    documents), the persons they are, and those of them at an issuing place and not passing through, so that each
    point looks at its own handful. NumPy took a gather per column and two compressions a day (libya_2011, 15,000 to
    63,000 rows a day: the operation 0.30-0.35 -> 0.22-0.28 s a run)."""
    still = np.empty(rows.shape[0], dtype=np.bool_)
    present = np.empty(rows.shape[0], dtype=np.int64)
    persons = 0
    k = 0
    for j in range(rows.shape[0]):
        i = rows[j]
        undocumented = active[i] and not has_documents[i]
        still[j] = undocumented
        if undocumented:
            persons += size[i]
            present[k] = i
            k += issuing_place[location[i]] and status[i] != _ON_THE_MOVE
    return still, present[:k].copy(), persons


_WAITING, _STRANDED = np.int8(Status.WAITING), np.int8(Status.STRANDED)


@njit(void(I8, I8, I8, I8, I8, B1_2, B1, I4, I1, I2, I4, uint64, int64, I8), cache=True)
def _issue(present, point_location, point_per_day, point_first, point_stop, point_nationalities, has_documents,
           location, status, nationality, size, seed, day, issued):
    """The day's documents, point by point in their order: each point open today issues to the undocumented rows
    of `present` at its place and of its nationalities, the queued (waiting or stranded) first, then in the order of
    their ISSUE_ORDER draws, while the persons fit its `per_day` (ranking.ranked_fit's rule at one place,
    `ranking.fit_by_draws`); issued[p] persons. A row documented by one point is not a candidate of the next. One call a
    day instead of a dozen NumPy steps and a ranked_fit call per point (libya_2011's six points: 1,385 point-days a
    run)."""
    rows = np.empty(present.shape[0], dtype=np.int64)
    slots = np.empty(1, dtype=np.int64)
    for p in range(point_location.shape[0]):
        if not point_first[p] <= day < point_stop[p]:
            continue
        n = 0
        for j in range(present.shape[0]):
            i = present[j]
            rows[n] = i  # written unconditionally, kept when the row is a candidate here
            n += (location[i] == point_location[p] and not has_documents[i]
                  and point_nationalities[p, nationality[i] + 1])
        places = np.zeros(n, dtype=np.int64)
        sizes = np.empty(n, dtype=np.int64)
        queued = np.empty(n, dtype=np.bool_)
        for k in range(n):
            sizes[k] = size[rows[k]]
            queued[k] = status[rows[k]] == _WAITING or status[rows[k]] == _STRANDED
        slots[0] = point_per_day[p]
        admitted = fit_by_draws(rows[:n], places, sizes, queued, slots, seed, uint64(day), uint64(rng.ISSUE_ORDER))
        persons = 0
        for k in range(n):
            if admitted[k]:
                has_documents[rows[k]] = True
                persons += sizes[k]
        issued[p] = persons
