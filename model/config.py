"""Structured configs: the typed schema Hydra validates every run against.

A key that is not declared here, or a value of the wrong type or outside an
enum, stops the run before it starts, with Hydra's message naming the key.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf


class DataFormat(Enum):
    crisisflow = "crisisflow"
    flee = "flee"


class DisplacementSource(Enum):
    model = "model"  # residents leave under push factors (the model's own rule)
    observed = "observed"  # newly displaced enter from an observed daily total


class EventKind(Enum):
    sudden = "sudden"
    slow = "slow"


@dataclass
class SimConfig:
    days: Optional[int] = None  # None: the scenario's own length
    seed: int = 0
    threads: int = 0  # Numba threads; 0: all cores
    progress: bool = True  # progress bar for runs longer than a few seconds


@dataclass
class EventConfig:
    kind: EventKind = EventKind.sudden
    locations: List[str] = field(default_factory=list)
    start: str = MISSING  # YYYY-MM-DD
    intensity: float = 1.0
    half_life_days: float = 0.0
    duration_days: int = 0
    rise_days: int = 14
    travel_days: int = 7
    source: str = ""


@dataclass
class PhaseConfig:
    emergency_start: Optional[str] = None  # YYYY-MM-DD; None: from emergency_threshold
    recovery_start: Optional[str] = None  # YYYY-MM-DD; None: from recovery_threshold
    emergency_threshold: float = 0.2
    recovery_threshold: float = 0.05


@dataclass
class ScenarioConfig:
    name: str = MISSING
    description: str = ""
    format: DataFormat = DataFormat.crisisflow
    path: str = MISSING  # folder with the scenario's data; relative paths: to the working directory, else to configs/scenario/
    start_date: Optional[str] = None  # crisisflow format: required; Flee format: from sim_period.csv
    days: Optional[int] = None  # length of the run; Flee format: from sim_period.csv
    home_country: Optional[str] = None  # the crisis country; default: country of the first location
    displacement: DisplacementSource = DisplacementSource.model
    persons_per_agent: int = 1  # observed displacement: persons in each new agent
    hosting_spare_share: float = 0.2  # persons a host household can take in, per member
    stranded_after_days: int = 14  # days in a queue after which people count as stranded
    rebuild_per_day: float = 0.01  # share of remaining damage rebuilt each day
    events: List[EventConfig] = field(default_factory=list)
    phases: PhaseConfig = field(default_factory=PhaseConfig)
    sources: List[str] = field(default_factory=list)


@dataclass
class PerType:
    migrant: float = 0.0
    idp: float = 0.0
    host_household: float = 0.0


@dataclass
class PerMode:
    road: float = 200.0
    sea: float = 400.0
    air: float = 2000.0


@dataclass
class PerSettledStatus:
    """Daily logit of moving on, by where a displaced agent stays."""

    in_site: float = -6.0
    hosted: float = -5.0
    self_settled: float = -2.0
    waiting: float = -3.0
    stranded: float = -3.0


@dataclass
class PerKind:
    town: float = 0.0
    site: float = 0.0
    border: float = 0.0
    hub: float = 0.0
    abroad: float = 0.0


@dataclass
class RulesConfig:
    """crisisflow's push/pull rules; see agents/ for the readable statement of each type's rules."""

    name: str = "crisisflow"
    awareness_hops: int = 2
    softening_km: float = 50.0
    distance_power: PerType = field(default_factory=lambda: PerType(1.0, 1.0, 1.0))
    border_penalty: PerType = field(default_factory=lambda: PerType(0.0, 2.0, 2.0))
    may_cross_border: PerType = field(default_factory=lambda: PerType(1.0, 1.0, 1.0))
    border_requires_documents: bool = True
    speed_km_per_day: PerMode = field(default_factory=PerMode)
    # leaving home: logit(p) = push - attachment - aid, where push > 0
    push_hazard: float = 8.0
    push_damage: float = 3.0
    push_neighbours_gone: float = 2.0
    push_aid: float = 1.0
    attachment: PerType = field(default_factory=lambda: PerType(5.0, 6.0, 6.0))
    # moving on once displaced
    move_settled: PerSettledStatus = field(default_factory=PerSettledStatus)
    move_kind: PerKind = field(default_factory=lambda: PerKind(border=4.0, hub=0.0))
    move_hazard: float = 6.0
    move_crowding: float = 2.0
    move_aid: float = 1.0
    # where to go
    pull_safety: float = 4.0
    pull_site: PerType = field(default_factory=lambda: PerType(0.0, 1.0, 1.0))
    pull_hub: PerType = field(default_factory=lambda: PerType(2.0, float("-inf"), float("-inf")))
    pull_abroad: PerType = field(default_factory=lambda: PerType(2.0, -1.0, -1.0))
    pull_border: PerType = field(default_factory=lambda: PerType(1.0, -1.0, -1.0))
    pull_aid: float = 1.0
    pull_host_capacity: float = 0.5
    pull_crowding: float = 2.0
    # observed displacement in data with registered site counts (Flee-format folders); both off: as before
    day0_in_sites: bool = False  # persons registered in sites on day 0 start there (Flee's insert_day0)
    displaced_from_sites: bool = False  # newly displaced follow the rise of persons registered in sites, not the
    # registered total (Flee's sum_from_camps): for data where the sites' series are what is scored
    # return, in recovery
    return_base: float = -7.0
    return_safety: float = 3.0
    return_rebuilt: float = 2.0
    return_time: float = 0.5


@dataclass
class FleeRulesConfig:
    """Flee's rules (Suleimenova, Bell and Groen, Sci. Rep. 7, 13377, 2017; Flee 3.1 and its development head),
    as read from Flee's source (shared/reference/flee_rules.md).

    A key left empty (null) takes the value in the folder's simsetting.yml when `read_simsetting` is true,
    else Flee's code default (model/rules_flee.py, FLEE_DEFAULTS); a key given here or on the command line
    wins over both."""

    name: str = "flee"
    read_simsetting: bool = True
    avoid_short_stints: Optional[bool] = None
    awareness_level: Optional[int] = None
    max_move_speed: Optional[float] = None  # km per day
    conflict_movechance: Optional[float] = None
    default_movechance: Optional[float] = None
    camp_movechance: Optional[float] = None
    idpcamp_movechance: Optional[float] = None
    forward_movechance: Optional[float] = None
    camp_weight: Optional[float] = None
    foreign_weight: Optional[float] = None
    conflict_weight: Optional[float] = None
    softening: Optional[float] = None
    weight_softening: Optional[float] = None
    distance_power: Optional[float] = None
    weight_power: Optional[float] = None
    capacity_scaling: Optional[float] = None
    capacity_buffer: Optional[float] = None
    conflict_spawn_decay: Optional[List[float]] = None
    conflict_spawn_decay_interval: Optional[int] = None
    sum_from_camps: Optional[bool] = None  # total from the camps' series (development head) or refugees.csv (3.1)
    insert_day0: Optional[bool] = None  # day-0 camp populations start in the camps


@dataclass
class PolicyConfig:
    name: str = "none"
    operations: List[Any] = field(default_factory=list)  # built with _target_ (MCOF issue)


@dataclass
class OutputConfig:
    figure: bool = True
    flows: bool = True  # persons over each route per day


@dataclass
class ObjectiveConfig:
    """One number a run returns to a sweeper (Optuna): see experiments/objectives.py for the objectives offered."""

    name: Optional[str] = None
    target: float = 0.0
    penalty: float = 1.0


@dataclass
class CrisisflowConfig:
    sim: SimConfig = field(default_factory=SimConfig)
    scenario: ScenarioConfig = MISSING
    rules: Any = MISSING  # RulesConfig or FleeRulesConfig, each checked by its own schema
    policy: PolicyConfig = MISSING
    output: OutputConfig = field(default_factory=OutputConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)


def register_configs() -> None:
    """Put the schemas in Hydra's ConfigStore so every composed config is checked against them."""
    OmegaConf.register_new_resolver("basename", lambda path: Path(str(path)).name, replace=True)
    cs = ConfigStore.instance()
    cs.store(name="crisisflow_schema", node=CrisisflowConfig)
    cs.store(group="scenario", name="scenario_schema", node=ScenarioConfig)
    cs.store(group="rules", name="rules_schema", node=RulesConfig)
    cs.store(group="rules", name="flee_rules_schema", node=FleeRulesConfig)
    cs.store(group="policy", name="policy_schema", node=PolicyConfig)
