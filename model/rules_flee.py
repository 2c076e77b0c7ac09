"""Flee's rules on crisisflow's movement core (`rules=flee`): the baseline for validation and for speed.

Read from Flee's source (shared/reference/flee_rules.md: moving.calculateMoveChance,
scoring.updateLocationScore, moving.calculateLinkWeight, moving.getCapMultiplier,
spawning.refresh_spawn_weights). In kernel terms, Flee's link weight

    w = [(weight_softening + score(end)) / (softening + km) ** distance_power * cap_multiplier(end)] ** weight_power

is exp(pull[end] - dist_power * log(softening + km)) with
pull = weight_power * log((weight_softening + score) * cap_multiplier) and
dist_power = weight_power * distance_power, so the same logit choice samples p proportional to w.

Agents reaching a town with distance left choose again and move on (up to kernels.MAX_LEGS legs a day), as
Flee's agents do; with `avoid_short_stints` they always pass through towns (Flee forces this only after
short recent stints). `start_on_foot` and `max_walk_speed` are not modelled (reported in the run's metadata
when a simsetting.yml sets them).
"""
from __future__ import annotations

import numpy as np

from .codes import N_STATUS, N_TYPE, LocationKind, Status
from .rules import DailyTables, LocationState, RuleSet, StaticTables, path_crosses_border

#: Flee's code defaults (flee/SimulationSettings.py, as summarised in shared/reference/flee_rules.md)
FLEE_DEFAULTS = {
    "avoid_short_stints": True, "awareness_level": 1, "max_move_speed": 360.0, "conflict_movechance": 1.0,
    "default_movechance": 0.3, "camp_movechance": 0.001, "idpcamp_movechance": 0.1, "forward_movechance": 1.0,
    "camp_weight": 1.0, "foreign_weight": 1.0, "conflict_weight": 0.31622776601683794, "softening": 10.0,
    "weight_softening": 0.0, "distance_power": 1.0, "weight_power": 1.0, "capacity_scaling": 1.0,
    "capacity_buffer": 0.9, "conflict_spawn_decay": [1.0], "conflict_spawn_decay_interval": 30,
    "sum_from_camps": False, "insert_day0": True,
}
#: simsetting.yml keys this rule set reads, by section
_MOVE_KEYS = ("avoid_short_stints", "awareness_level", "max_move_speed", "conflict_movechance",
              "default_movechance", "camp_movechance", "idpcamp_movechance", "forward_movechance", "camp_weight",
              "foreign_weight", "conflict_weight", "softening", "weight_softening", "distance_power",
              "weight_power", "capacity_scaling", "capacity_buffer")
_SPAWN_KEYS = ("conflict_spawn_decay", "conflict_spawn_decay_interval", "sum_from_camps", "insert_day0")
_UNSUPPORTED = ("start_on_foot", "max_walk_speed")
_CAMP_TYPES = ("camp", "idpcamp")
_TRANSIT_TYPES = ("forwarding_hub", "forward", "marker")


class FleeRules(RuleSet):
    hard_site_capacity = False  # Flee's camps are soft: crowding lowers their weight, nobody is turned away

    def __init__(self, cfg, scenario):
        self.settings, self.ignored = _settings(cfg, scenario)
        s = self.settings
        super().__init__(scenario, int(s["awareness_level"]))
        self.displaced_from_sites = bool(s["sum_from_camps"])
        self.day0_in_sites = bool(s["insert_day0"])
        net = self.net
        self.flee_type = _flee_types(scenario)
        self.is_camp = np.isin(self.flee_type, _CAMP_TYPES)
        self.is_idpcamp = np.asarray(self.flee_type) == "idpcamp"
        self.is_transit = np.isin(self.flee_type, _TRANSIT_TYPES) | np.isin(net.kind, [LocationKind.BORDER, LocationKind.HUB])
        foreign = net.country != net.home_country
        self.base_score = np.where(foreign, s["foreign_weight"], 1.0) * np.where(self.is_camp, s["camp_weight"], 1.0)
        self.capacity = np.where(net.capacity > 0, net.capacity * s["capacity_scaling"], -1.0)
        wp = float(s["weight_power"])
        self.static = StaticTables(
            dist_power=np.full(N_TYPE, wp * float(s["distance_power"])),
            border_penalty=np.zeros(N_TYPE),
            speed=np.full((N_TYPE, 3), float(s["max_move_speed"])),
            path_cost=np.log(float(s["softening"]) + self.paths.km),
            path_crosses=path_crosses_border(net, self.paths),
        )
        self._spawn_weights = self._spawn_table()
        self._by_conflict: tuple[bytes, np.ndarray, np.ndarray, np.ndarray] | None = None

    def daily(self, st: LocationState) -> DailyTables:
        s = self.settings
        p, onward, score = self._conflict_tables(st.hazard)
        with np.errstate(divide="ignore"):
            pull = float(s["weight_power"]) * np.log((float(s["weight_softening"]) + score) * self._cap_multiplier(st))
        return DailyTables(p_depart=p.copy(), p_continue=onward.copy(), pull=pull[None, :] + st.pull_bonus,
                           border_allowed=st.border_open)

    def _conflict_tables(self, hazard: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The move chances [T, S, L], the chances to move on [T, L] and the location scores [L]: they depend on
        the day's conflict intensities alone, which change on a few days of a run, so they are worked out again
        only when those differ from the last day's (kept here; `daily` hands out copies). mali2012 has 9 distinct
        rows of conflict intensities in 300 days: the day's tables 73-81 -> 43-47 us on the slower instance
        (2026-12-01, best of five series of 300 calls, taking turns), about 10 ms of a 0.5-0.6 s run; the same
        records."""
        key = hazard.tobytes()
        if self._by_conflict is not None and self._by_conflict[0] == key:
            return self._by_conflict[1:]
        s = self.settings
        conflict = hazard > 0
        chance = np.full(self.net.n_locations, float(s["default_movechance"]))
        chance[self.is_transit] = s["forward_movechance"]
        chance[self.is_camp] = s["camp_movechance"]
        chance[self.is_idpcamp] = s["idpcamp_movechance"]
        chance[conflict] = s["conflict_movechance"]
        p = np.zeros((N_TYPE, N_STATUS, self.net.n_locations))
        p[:, :, :] = chance[None, None, :]
        p[:, Status.ON_THE_MOVE] = 0.0  # agents on a route keep moving (Flee: probability 1 to continue)
        # avoid_short_stints: towns are passed through when the day's distance allows (Person.finish_travel)
        onward = np.where(self.is_camp, chance, 1.0) if s["avoid_short_stints"] else chance
        onward = np.repeat(onward[None, :], N_TYPE, axis=0)
        score = self.base_score * np.where(conflict, np.power(float(s["conflict_weight"]), hazard), 1.0)
        self._by_conflict = (key, p, onward, score)
        return p, onward, score

    def _cap_multiplier(self, st: LocationState) -> np.ndarray:
        """1 below capacity_buffer x capacity, falling linearly to 0 at capacity (moving.getCapMultiplier)."""
        cap = self.capacity
        buffer = float(self.settings["capacity_buffer"])
        occupancy = st.persons_at
        limited = cap > 0
        mult = np.ones_like(cap)
        frac = np.where(limited, (cap - occupancy) / np.maximum(cap * (1.0 - buffer), 1e-9), 1.0)
        mult[limited] = np.clip(frac[limited], 0.0, 1.0)
        return mult

    def spawn_weights(self, day: int) -> np.ndarray:
        """Population x conflict intensity x decay by time since the conflict began there (spawning.py)."""
        return self._spawn_weights[day]

    def _spawn_table(self) -> np.ndarray:
        """`spawn_weights` for every day of the timeline [days, places], worked out once: they depend on the day
        alone, and each day's NumPy steps on a few places cost more than their numbers (mali2012, 300 days at 23
        places, on the slower instance: runs 0.642 -> 0.618 s, medians of nine runs taking turns in one process, the
        same records). A year at 2,255 places is 6.6 MB. Read-only: each day's weights are a view of it."""
        s = self.settings
        decay = np.asarray(s["conflict_spawn_decay"], dtype=np.float64)
        hazard = self.scenario.timeline.hazard
        onset = _onset_days(hazard)
        since = np.where(onset >= 0, np.arange(hazard.shape[0])[:, None] - onset, -1)
        step = np.clip(since // max(int(s["conflict_spawn_decay_interval"]), 1), 0, len(decay) - 1)
        table = self.net.population * hazard * np.where(since >= 0, decay[step], 0.0)
        table.flags.writeable = False
        return table

    def effective_settings(self) -> dict:
        out = {k: self.settings[k] for k in (*_MOVE_KEYS, *_SPAWN_KEYS)}
        if self.ignored:
            out["not_modelled"] = self.ignored
        return out


def _settings(cfg, scenario) -> tuple[dict, dict]:
    """Flee's defaults, then the folder's simsetting.yml (when `read_simsetting`), then keys set in the config."""
    s = dict(FLEE_DEFAULTS)
    ignored = {}
    flee = scenario.flee
    if cfg.read_simsetting and flee is not None and flee.settings:
        move = flee.settings.get("move_rules") or {}
        spawn = flee.settings.get("spawn_rules") or {}
        s.update({k: move[k] for k in _MOVE_KEYS if k in move})
        s.update({k: spawn[k] for k in _SPAWN_KEYS if k in spawn})
        ignored = {k: move[k] for k in _UNSUPPORTED if k in move}
    s.update({k: cfg[k] for k in FLEE_DEFAULTS if cfg[k] is not None})
    s["conflict_spawn_decay"] = list(s["conflict_spawn_decay"])
    return s, ignored


def _flee_types(scenario) -> list[str]:
    """Flee location types: from the Flee folder, or derived from crisisflow's kinds."""
    if scenario.flee is not None:
        return list(scenario.flee.flee_type)
    kinds = {LocationKind.SITE: "camp", LocationKind.BORDER: "forwarding_hub", LocationKind.HUB: "forwarding_hub"}
    return [kinds.get(LocationKind(k), "town") for k in scenario.network.kind]


def _onset_days(hazard: np.ndarray) -> np.ndarray:
    """First day with hazard at each location, -1 where there is none."""
    any_hazard = hazard > 0
    first = any_hazard.argmax(axis=0)
    return np.where(any_hazard.any(axis=0), first, -1)
