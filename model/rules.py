"""Rule sets turn the state of each location into the small tables the movement kernel reads.

A rule set decides *how likely* agents of each type are to leave each place
in each status, *how attractive* each place is as a destination, and *who may
cross* each border edge. The kernel does the rest identically for every rule
set, so crisisflow's own push/pull rules and the Flee-compatible rules share
one movement core.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from omegaconf import OmegaConf

from . import rules_tables
from .codes import N_TYPE, AgentType, LocationKind, Status
from .network import Network, PathTable, enumerate_paths
from .scenario import daily_increase

_TYPES = [t.name.lower() for t in AgentType]


@dataclass
class LocationState:
    """What the rules may read about places on a given day (from yesterday's tally and today's timeline)."""

    day: int
    phase: int
    hazard: np.ndarray  # [L]
    damage: np.ndarray  # [L]
    aid: np.ndarray  # [T, L], 0..1: aid reaching each agent type there (policies set level and reach)
    push_bonus: np.ndarray  # [L]: extra push to leave (an early warning); policies set it
    pull_bonus: np.ndarray  # [T, L]: extra pull of a destination (an evacuation call); policies set it
    border_open: np.ndarray  # bool [T, 2, E]: border edges open to type t without/with documents today
    in_site: np.ndarray  # [L] persons in sites
    persons_at: np.ndarray  # [L] persons at each location in any status
    site_capacity: np.ndarray  # [L] persons; -1: no limit
    host_free: np.ndarray  # [L] free hosting places
    gone_share: np.ndarray  # [L] share of the people who lived there now displaced
    edge_open: np.ndarray  # bool [E]


@dataclass
class DailyTables:
    p_depart: np.ndarray  # float64 [T, S, L]
    p_continue: np.ndarray  # float64 [T, L]: move on from a town reached today with distance left
    pull: np.ndarray  # float64 [T, L]
    border_allowed: np.ndarray  # bool [T, 2, E]: type t, without (0) or with (1) documents, may cross edge e


@dataclass
class StaticTables:
    dist_power: np.ndarray  # float64 [T]
    border_penalty: np.ndarray  # float64 [T]
    speed: np.ndarray  # float64 [T, M] km per day
    path_cost: np.ndarray  # float64 [P]: log(softening + km)
    path_crosses: np.ndarray  # bool [P]


def per_type(values) -> np.ndarray:
    return np.array([float(getattr(values, t)) for t in _TYPES], dtype=np.float64)


def path_crosses_border(net: Network, paths: PathTable) -> np.ndarray:
    e = paths.edges
    return np.where(e >= 0, net.edge_border[np.clip(e, 0, None)], False).any(axis=1)


class RuleSet:
    """What every rule set offers the model; defaults suit rules that take the scenario's data as they are."""

    #: sites turn arrivals away when full (False: capacity only lowers attraction, as in Flee)
    hard_site_capacity = True

    def __init__(self, scenario, hops: int):
        self.scenario = scenario
        self.net = scenario.network
        self.paths = enumerate_paths(self.net, hops)

    def daily(self, st: LocationState) -> DailyTables:
        raise NotImplementedError

    def spawn_weights(self, day: int) -> np.ndarray:
        """Where newly displaced persons of the observed total appear: population times hazard."""
        return self.net.population * self.scenario.timeline.hazard[day]

    #: data with registered site counts (a Flee folder's camps): take new displacement from the rise of their
    #: sum instead of the registered total (Flee's sum_from_camps), and start sites at their day-0 counts
    #: (Flee's insert_day0); subclasses set these from their config
    displaced_from_sites = False
    day0_in_sites = False

    def observed_new(self) -> np.ndarray | None:
        """Persons newly displaced per day from data, or None when residents leave by the model's rule."""
        series = _site_series(self.scenario)
        if self.displaced_from_sites and series:
            days = self.scenario.timeline.days
            return daily_increase(np.sum([counts[:days] for counts in series.values()], axis=0))
        return self.scenario.observed_new

    def day0_stock(self) -> np.ndarray | None:
        """Persons already in each site on day 0 (registered counts, where the data has them), or None."""
        series = _site_series(self.scenario)
        if not self.day0_in_sites or not series:
            return None
        stock = np.zeros(self.net.n_locations, dtype=np.int64)
        index = self.net.index()
        for site, counts in series.items():
            stock[index[site]] = int(counts[0])
        return stock

    def effective_settings(self) -> dict:
        """Settings that differ from the config (read from the data), for the run's metadata."""
        return {}


class CrisisflowRules(RuleSet):
    """Push/pull rules (random-utility choice; Klabunde and Willekens, Eur. J. Population 32, 2016).

    Leaving home: logit(p) = push - attachment[type] - aid, with push from hazard,
    lost shelter and services, and the share of neighbours gone; no push, no departure.
    Moving on once displaced: a logit by status and kind of place, raised by hazard and crowding.
    Destination: logit over paths within the awareness radius; pull from safety, sites,
    hubs, borders, destinations abroad, aid, free hosting places and free site capacity;
    cost from log distance and crossing a border.
    """

    def __init__(self, cfg, scenario):
        super().__init__(scenario, cfg.awareness_hops)
        self.displaced_from_sites = bool(cfg.displaced_from_sites)
        self.day0_in_sites = bool(cfg.day0_in_sites)
        net, paths = self.net, self.paths
        self.static = StaticTables(
            dist_power=per_type(cfg.distance_power),
            border_penalty=per_type(cfg.border_penalty),
            speed=np.repeat(np.array([[cfg.speed_km_per_day.road, cfg.speed_km_per_day.sea, cfg.speed_km_per_day.air]],
                                     dtype=np.float64), N_TYPE, axis=0),
            path_cost=np.log(cfg.softening_km + paths.km),
            path_crosses=path_crosses_border(net, paths),
        )
        # the weights as the plain RulesConfig dataclass, converted once: a DictConfig lookup costs microseconds,
        # and daily() reads some forty a day
        self.w = OmegaConf.to_object(cfg)
        self._attachment = per_type(self.w.attachment)
        kind = net.kind
        self._kind_move = np.array([getattr(cfg.move_kind, k.name.lower()) for k in LocationKind],
                                   dtype=np.float64)[kind]
        self._move_settled = np.array([getattr(self.w.move_settled, s.name.lower()) for s in
                                       rules_tables.SETTLED_STATUSES + rules_tables.QUEUED_STATUSES], dtype=np.float64)
        self._is = {k: kind == k for k in LocationKind}
        self._may_cross = per_type(cfg.may_cross_border) > 0
        # pull of each kind of place by type [T, L]; places have one kind, so the four terms never overlap
        self._kind_pull = np.zeros((N_TYPE, net.n_locations))
        for weight, k in ((cfg.pull_site, LocationKind.SITE), (cfg.pull_hub, LocationKind.HUB),
                          (cfg.pull_abroad, LocationKind.ABROAD), (cfg.pull_border, LocationKind.BORDER)):
            self._kind_pull[:, self._is[k]] = per_type(weight)[:, None]
        self._tanh = rules_tables.KeptTanh()

    def daily(self, st: LocationState) -> DailyTables:
        """Leaving home: sigmoid(push - attachment - aid), where the push (hazard, damage, neighbours gone, a warning)
        is above 0; leaving again once back, or settled for good: only a new hazard or a warning moves them. Moving
        on: sigmoid(status constant + kind of place + hazard + crowding - aid), a queue's without the kind of place.
        The pull of each place by type (see the class docstring). Written by `rules_tables`' compiled passes."""
        w = self.w
        n_type, n_loc = N_TYPE, self.net.n_locations
        hazard, damage, gone_share, push_bonus, in_site, site_capacity, host_free = (
            _floats(st, name, n_loc) for name in _PLACE_FIELDS)
        aid = _float_table(st, "aid", n_type, n_loc)
        halves, pushing, free_share, hosts = rules_tables.arguments(
            hazard, damage, gone_share, push_bonus, aid, in_site, site_capacity, host_free, self._attachment,
            self._kind_move, self._move_settled,
            w.push_hazard, w.push_damage, w.push_neighbours_gone, w.push_aid, w.move_hazard, w.move_crowding,
            w.move_aid)
        p, pull = rules_tables.tables(self._tanh(halves), pushing, np.log(free_share), np.log1p(hosts), hazard, aid,
                                      _float_table(st, "pull_bonus", n_type, n_loc), site_capacity,
                                      self._is[LocationKind.TOWN], self._is[LocationKind.SITE], self._kind_pull,
                                      w.pull_safety, w.pull_crowding, w.pull_host_capacity, w.pull_aid)
        return DailyTables(p_depart=p, p_continue=p[:, Status.SELF_SETTLED], pull=pull,
                           border_allowed=self._borders(st))

    def _borders(self, st: LocationState) -> np.ndarray:
        allowed = st.border_open.copy()
        crossing = self.net.edge_border
        allowed[~self._may_cross] &= ~crossing[None, :]
        if self.w.border_requires_documents:
            allowed[:, 0, :] &= ~crossing[None, :]
        return allowed


def _site_series(scenario) -> dict[str, np.ndarray] | None:
    """Observed persons registered in each site per day (a Flee folder's camp series), or None."""
    flee = getattr(scenario, "flee", None)
    return flee.camps if flee is not None and flee.camps else None


#: the day's [places] inputs of `CrisisflowRules.daily`, in the order `rules_tables.arguments` takes them
_PLACE_FIELDS = ("hazard", "damage", "gone_share", "push_bonus", "in_site", "site_capacity", "host_free")


def _floats(st: LocationState, name: str, n_loc: int) -> np.ndarray:
    """A day's [places] input as float64 (the model's already are: no copy), checked for one value per place: the
    compiled passes read as many as there are places, and do not check their indices."""
    values = np.asarray(getattr(st, name), dtype=np.float64)
    if values.shape != (n_loc,):
        raise ValueError(f"LocationState.{name}: shape {values.shape}; expected one value per place, ({n_loc},)")
    return values


def _float_table(st: LocationState, name: str, n_type: int, n_loc: int) -> np.ndarray:
    """A day's [types, places] input as float64, a [places] one the same for every type."""
    values = np.asarray(getattr(st, name), dtype=np.float64)
    if values.shape == (n_type, n_loc):
        return values
    if values.shape != (n_loc,):
        raise ValueError(f"LocationState.{name}: shape {values.shape}; expected ({n_type}, {n_loc}) by type and place, "
                         f"or ({n_loc},), one value per place for every type")
    return np.ascontiguousarray(np.broadcast_to(values, (n_type, n_loc)))


def build_rules(cfg, scenario) -> RuleSet:
    """The rule set named by `rules.name`."""
    if cfg.name == "crisisflow":
        return CrisisflowRules(cfg, scenario)
    if cfg.name == "flee":
        from .rules_flee import FleeRules

        return FleeRules(cfg, scenario)
    raise ValueError(f"unknown rule set '{cfg.name}'; expected 'crisisflow' or 'flee'")
