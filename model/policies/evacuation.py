"""Evacuation by land, air and sea (MCOF operation; IOM 2012, the framework's seed document).

Libya 2011: IOM evacuated more than 229,000 migrants trapped in the conflict zone or who had fled across
borders; about 40,000 trapped in Misrata, Sebha, Gatroun, Tripoli and Benghazi were picked up where they
were, 8,432 of them in 15 sea rescue missions (IOM 2012). Hence two ways out:

* hubs: seats per day at an evacuation hub between two dates, as the hub's daily throughput (0 outside its
  dates), so the core's admission boards those queued there: referred and vulnerable first, then a fair
  random order. Eligible types get a call (a pull toward open hubs), and only eligible agents board.
* pick-up missions: on a date, up to `seats` eligible persons present at a place (trapped, waiting,
  stranded, settled) leave the network directly, in the same order.

Eligibility: agent types (default migrants), nationalities of migrants (empty: all), travel documents.
The call adds to the rules' pull of hubs, so it moves only types the rules let head to hubs
(crisisflow rules: `pull_hub` is -inf for IDPs and host households); missions take any eligible type.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numba import boolean, njit

from .. import rng
from ..admission import queue_priority
from ..ranking import ranked_fit
from ..codes import AgentType, LocationKind, Status
from ..signatures import B1, I1, I2, I8
from .base import Policy, cumulative, rows_at
from .inputs import IN_NETWORK, OperationInput, plain

MODES = ("land", "air", "sea")
HUB_KEYS = {"location", "mode", "seats_per_day", "from", "to"}
MISSION_KEYS = {"date", "location", "mode", "seats"}


@dataclass(frozen=True)
class Mission:
    day: int
    location: int
    mode: int
    seats: int


class Evacuation(Policy):
    """Seats at hubs by date, eligibility, a call toward open hubs, and pick-up missions.

    hubs: [{location, mode: land|air|sea, seats_per_day, from, to}], dates YYYY-MM-DD, either may be left
    out (the run's start or end); one hub may have several entries whose dates do not overlap.
    missions: [{date, location, mode, seats}].
    Configure one Evacuation per run: it names its series by mode.
    """

    stage = "before_decisions"
    keeps_counts = True  # it changes rows only within model.rows_changing

    def __init__(self, hubs: Sequence = (), missions: Sequence = (), nationalities: Sequence[str] = (),
                 documents_required: bool = True, types: Sequence[str] = ("migrant",), pull: float = 1.0,
                 seat_scale: float = 1.0):
        self.hubs = plain(hubs) or []
        self.missions = plain(missions) or []
        self.nationalities = plain(nationalities) or []
        self.documents_required = bool(documents_required)
        self.types = plain(types) or []
        self.pull = pull
        self.seat_scale = seat_scale  # multiplies every hub's seats per day (missions keep theirs): for searches

    # ---- set-up --------------------------------------------------------------------------------------------
    def setup(self, model) -> None:
        inp = OperationInput(model, self)
        self._types = inp.agent_types(self.types, "types")
        nationalities = inp.nationality_mask(self.nationalities, "nationalities")  # None: every nationality
        self._nationalities = (np.ones(len(inp.nationalities) + 1, dtype=np.bool_) if nationalities is None
                               else nationalities)
        if isinstance(self.pull, bool) or not isinstance(self.pull, (int, float)) or not np.isfinite(self.pull):
            raise inp.error("pull", f"{self.pull!r}; expected a finite number added to the pull of open hubs")
        inp.number(self.seat_scale, "seat_scale")
        self._read_hubs(inp)
        self._missions = [m for m in self._read_missions(inp) if m.day < model.days]
        self._population = model.population
        model.admission_filters.append(self._may_board)
        self._evacuated = np.zeros((model.days, len(MODES)), dtype=np.int64)  # persons per day by mode
        self._modes_used = sorted({int(m) for m in np.unique(self._mode) if m >= 0} | {m.mode for m in self._missions})

    def _read_hubs(self, inp: OperationInput) -> None:
        entries = []
        for k, raw in enumerate(self.hubs):
            f = f"hubs[{k}]"
            e = inp.fields(raw, HUB_KEYS, f)
            entries.append((inp.location(e.get("location"), f"{f}.location", kinds=(LocationKind.HUB,)),
                            _mode(inp, e.get("mode"), f"{f}.mode"),
                            inp.count(e.get("seats_per_day"), f"{f}.seats_per_day"), inp.window(e, f), f))
        self.hub_locations = np.array(list(dict.fromkeys(loc for loc, *_ in entries)), dtype=np.int64)
        self._hub_of = np.full(inp.net.n_locations, -1, dtype=np.int64)  # location -> column of the hub's schedule
        self._hub_of[self.hub_locations] = np.arange(len(self.hub_locations))
        self._seats = np.zeros((inp.days, len(self.hub_locations)), dtype=np.int64)
        self._mode = np.full((inp.days, len(self.hub_locations)), -1, dtype=np.int8)
        for loc, mode, seats, days, f in entries:
            j = self._hub_of[loc]
            if (self._mode[days, j] >= 0).any():
                raise inp.error(f"{f}.from", f"dates overlap another entry for hub '{inp.net.names[loc]}'")
            self._seats[days, j] = round(seats * self.seat_scale)
            self._mode[days, j] = mode

    def _read_missions(self, inp: OperationInput) -> list[Mission]:
        missions = []
        for k, raw in enumerate(self.missions):
            f = f"missions[{k}]"
            e = inp.fields(raw, MISSION_KEYS, f)
            if e.get("date") is None:
                raise inp.error(f"{f}.date", "a mission needs a date (YYYY-MM-DD)")
            missions.append(Mission(
                day=inp.day(e["date"], f"{f}.date"),
                location=inp.location(e.get("location"), f"{f}.location", kinds=IN_NETWORK),
                mode=_mode(inp, e.get("mode"), f"{f}.mode"), seats=inp.count(e.get("seats"), f"{f}.seats")))
        return missions

    # ---- the day -------------------------------------------------------------------------------------------
    def apply(self, model) -> None:
        d = model.day
        if d > 0:  # yesterday's boarding at the hubs: the core keeps its rows until today's admission
            self._count_boarded(model, d - 1, self._evacuated)
        seats = self._seats[d]
        model.throughput[self.hub_locations] = seats
        model.pull_bonus[np.ix_(self._types, self.hub_locations[seats > 0])] += self.pull
        for mission in self._missions:
            if mission.day == d:
                self._pick_up(model, mission)

    def _eligible(self, rows: np.ndarray) -> np.ndarray:
        pop = self._population
        return _eligible_rows(np.ascontiguousarray(rows, dtype=np.int64), self._types, self._nationalities,
                              self.documents_required, pop.agent_type, pop.nationality, pop.has_documents)

    def _may_board(self, rows: np.ndarray, locations: np.ndarray) -> np.ndarray:
        """Admission filter: at this operation's hubs only eligible agents board."""
        pop = self._population
        return _boarding(np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(locations, dtype=np.int64),
                         self._hub_of, self._types, self._nationalities, self.documents_required, pop.agent_type,
                         pop.nationality, pop.has_documents)

    def _pick_up(self, model, mission: Mission) -> None:
        pop = model.population
        at_hub = np.zeros(model.network.n_locations, dtype=np.bool_)
        at_hub[mission.location] = True
        here = rows_at(pop, (s for s in Status if s != Status.ON_THE_MOVE), at_hub)
        rows = here[self._eligible(here)]
        priority = queue_priority(pop, rows)
        key = rng.uniform_array(model.seed_value, rows, model.day, rng.MISSION_ORDER)
        boarded = rows[ranked_fit(rows, np.zeros(len(rows), dtype=np.int64), pop.size[rows], priority, key,
                                  np.array([mission.seats], dtype=np.int64))]
        with model.rows_changing(boarded):
            pop.status[boarded] = Status.EVACUATED
            pop.active[boarded] = False
        persons = pop.size[boarded].astype(np.int64)
        self._evacuated[model.day, mission.mode] += persons.sum()
        rec = model.recorder
        rec.evacuated[model.day] += np.bincount(pop.nationality[boarded].astype(np.int64) + 1, weights=persons,
                                                minlength=rec.evacuated.shape[1]).astype(np.int64)

    def _count_boarded(self, model, day: int, out: np.ndarray) -> None:
        """Add the persons who boarded at this operation's hubs on `day` to out[day], by the hub's mode that day."""
        pop = model.population
        rows = model.evacuated_today
        rows = rows[self._hub_of[pop.location[rows]] >= 0]
        mode = self._mode[day, self._hub_of[pop.location[rows]]]
        out[day] += np.bincount(mode[mode >= 0], weights=pop.size[rows][mode >= 0],
                                minlength=len(MODES)).astype(np.int64)

    # ---- results -------------------------------------------------------------------------------------------
    def series(self, model) -> Iterator[tuple[str, str, np.ndarray]]:
        """evacuated_cumulative by mode (hubs and missions), and the seats each hub offered per day."""
        n = model.recorder.days_recorded
        evacuated = self._evacuated[:n].copy()
        if n > 0:  # the last day's boarding is counted here: no next morning counts it
            self._count_boarded(model, n - 1, evacuated)
        total = cumulative(evacuated, n)
        for m in self._modes_used:
            yield "evacuated_cumulative", MODES[m], total[:, m]
        for j, loc in enumerate(self.hub_locations):
            yield "evacuation_seats", model.network.names[loc], self._seats[:n, j].astype(np.float64)


def _mode(inp: OperationInput, value, field: str) -> int:
    if value not in MODES:
        raise inp.error(field, f"{value!r}; expected one of {list(MODES)}")
    return MODES.index(value)


_MIGRANT = np.int8(AgentType.MIGRANT)


@njit(cache=True, inline="always")
def _may_go(i, types, nationalities, documents_required, agent_type, nationality, has_documents):
    """Whether row i may be evacuated: its type, a migrant's nationality (nationalities[nationality + 1]), and its
    documents where they are required. The one statement of the rule: the hubs' filter and the missions apply it.
    Bitwise, without a branch: the rows' types and places come in no order a branch predictor could learn (libya_2011's
    queues, 24,000-34,000 rows: the filter with short-circuit tests 343-692 us, NumPy's masks 219-336, this 96-133)."""
    t = agent_type[i]
    return (types[t] & ((t != _MIGRANT) | nationalities[nationality[i] + 1])
            & (has_documents[i] | (not documents_required)))


@njit(B1(I8, B1, B1, boolean, I1, I2, B1), cache=True)
def _eligible_rows(rows, types, nationalities, documents_required, agent_type, nationality, has_documents):
    """`_may_go` for each of `rows`."""
    out = np.empty(rows.shape[0], dtype=np.bool_)
    for k in range(rows.shape[0]):
        out[k] = _may_go(rows[k], types, nationalities, documents_required, agent_type, nationality, has_documents)
    return out


@njit(B1(I8, I8, I8, B1, B1, boolean, I1, I2, B1), cache=True)
def _boarding(rows, places, hub_of, types, nationalities, documents_required, agent_type, nationality,
              has_documents):
    """The hubs' admission filter over the day's queue (`rows` at `places`): True where a row is not at one of the
    operation's hubs (hub_of[place] < 0) or `_may_go`. One pass instead of NumPy's gathers of every queued row's
    type, nationality and documents and its five masks (libya_2011: 9,000 queued rows a day, up to 36,000)."""
    out = np.empty(rows.shape[0], dtype=np.bool_)
    for k in range(rows.shape[0]):
        out[k] = (hub_of[places[k]] < 0) | _may_go(rows[k], types, nationalities, documents_required, agent_type,
                                                   nationality, has_documents)
    return out
