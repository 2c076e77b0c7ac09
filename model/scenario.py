"""From a scenario config to a `Scenario`: the network, the crisis timeline, who lives where, and observed displacement.

This is the only module that turns names into indices; everything after it
works on arrays.
"""
from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .codes import AgentType
from .crisis import HazardEvent, Timeline, damage_from_hazard, event_hazard, parse_date, phases
from .errors import InputError
from .io_crisisflow import PopulationTable, read_crisisflow_folder, read_observed_total
from .io_flee import FleeInput, closed_edges, read_flee_folder
from .network import Network

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "configs" / "scenario"


@dataclass
class Scenario:
    name: str
    network: Network
    timeline: Timeline
    nationalities: list[str]
    populations: PopulationTable | None  # residents and migrants present on day 0
    observed_new: np.ndarray | None  # float64 [days]: persons newly displaced each day (observed mode)
    edge_closed: np.ndarray | None  # bool [days, E]: routes closed that day
    flee: FleeInput | None  # the raw Flee input, for the Flee-compatible rules
    hosting_spare_share: float
    stranded_after_days: int
    persons_per_agent: int = 1
    folder: Path | None = None  # the scenario's data folder: operations read their own tables from it


def resolve_path(path: str, base: Path | None = None) -> Path:
    """A data folder: absolute, or relative to the working directory, or to configs/scenario/."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    for root in (base or Path.cwd(), SCENARIO_DIR):
        if (root / p).exists():
            return (root / p).resolve()
    return (base or Path.cwd()) / p


def build_scenario(cfg, days_override: int | None = None, cwd: Path | None = None) -> Scenario:
    """Read and check every input of a scenario config. Raises InputError before any simulation starts."""
    folder = resolve_path(cfg.path, cwd)
    if not folder.is_dir():
        raise InputError(folder, "scenario folder not found; expected a folder with the scenario's data", key="scenario.path")
    fmt = getattr(cfg.format, "value", cfg.format)
    if fmt == "flee":
        return _from_flee(cfg, folder, days_override)
    return _from_crisisflow(cfg, folder, days_override)


def _days(cfg, natural: int | None, override: int | None, source: str) -> int:
    days = override if override is not None else (cfg.days if cfg.days is not None else natural)
    if days is None:
        raise InputError(source, "the run's length is not set; expected scenario.days or sim.days", key="sim.days")
    if days <= 0:
        raise InputError(source, f"the run's length is {days}; expected a positive number of days", key="sim.days")
    if natural is not None and days > natural:
        raise InputError(source, f"the run asks for {days} days but the data cover {natural}", key="sim.days")
    return int(days)


def _from_flee(cfg, folder: Path, days_override: int | None) -> Scenario:
    flee = read_flee_folder(folder)
    days = _days(cfg, flee.days, days_override, str(folder / "input_csv" / "sim_period.csv"))
    hazard = flee.hazard[:days]
    timeline = _timeline(cfg, flee.start_date, hazard)
    return Scenario(
        name=cfg.name,
        network=flee.network,
        timeline=timeline,
        nationalities=[],
        populations=None,
        observed_new=daily_increase(flee.refugees_total[:days]),
        edge_closed=closed_edges(flee.network, flee.closures, days),
        flee=flee,
        hosting_spare_share=cfg.hosting_spare_share,
        stranded_after_days=cfg.stranded_after_days,
        persons_per_agent=cfg.persons_per_agent,
        folder=folder,
    )


def _from_crisisflow(cfg, folder: Path, days_override: int | None) -> Scenario:
    data = read_crisisflow_folder(folder, home_country=cfg.home_country)
    if cfg.start_date is None:
        raise InputError("scenario config", "no start date; expected YYYY-MM-DD", key="scenario.start_date")
    start = parse_date(cfg.start_date, "scenario config", "scenario.start_date")
    days = _days(cfg, None, days_override, "scenario config")
    net = data.network
    events = [_event(ev, k, net, start, days) for k, ev in enumerate(cfg.events)]
    hazard = event_hazard(events, days, net.n_locations)
    timeline = _timeline(cfg, start, hazard)
    observed = None
    mode = getattr(cfg.displacement, "value", cfg.displacement)
    if mode == "observed":
        observed_file = folder / "displaced.csv"
        observed = daily_increase(read_observed_total(observed_file, start, days))
    nationalities = sorted({n for n, t in zip(data.populations.nationality, data.populations.agent_type)
                            if n and t == AgentType.MIGRANT})
    return Scenario(
        name=cfg.name,
        network=net,
        timeline=timeline,
        nationalities=nationalities,
        populations=data.populations,
        observed_new=observed,
        edge_closed=None,
        flee=None,
        hosting_spare_share=cfg.hosting_spare_share,
        stranded_after_days=cfg.stranded_after_days,
        persons_per_agent=cfg.persons_per_agent,
        folder=folder,
    )


def _event(ev, k: int, net: Network, start: dt.date, days: int) -> HazardEvent:
    key = f"scenario.events[{k}]"
    index = net.index()
    locs = []
    for name in ev.locations:
        if name not in index:
            raise InputError("scenario config", f"event names location '{name}', which is not in locations.csv", key=f"{key}.locations")
        locs.append(index[name])
    if not locs:
        raise InputError("scenario config", "event has no locations; expected a list of location names", key=f"{key}.locations")
    day = (parse_date(ev.start, "scenario config", f"{key}.start") - start).days
    if day < 0:
        raise InputError("scenario config", f"event starts on {ev.start}, before the run starts ({start})", key=f"{key}.start")
    if day >= days:
        warnings.warn(f"scenario config, key '{key}.start': event starts on {ev.start}, after the run's {days} days; it has no effect", stacklevel=2)
    if not 0.0 <= ev.intensity <= 1.0:
        raise InputError("scenario config", f"intensity {ev.intensity}; expected a number in [0, 1]", key=f"{key}.intensity")
    return HazardEvent(kind=getattr(ev.kind, "value", ev.kind), locations=tuple(locs), start_day=day,
                       intensity=float(ev.intensity), half_life_days=float(ev.half_life_days),
                       duration_days=int(ev.duration_days), rise_days=int(ev.rise_days), travel_days=int(ev.travel_days))


def _timeline(cfg, start: dt.date, hazard: np.ndarray) -> Timeline:
    ph = cfg.phases
    e = parse_date(ph.emergency_start, "scenario config", "scenario.phases.emergency_start") if ph.emergency_start else None
    r = parse_date(ph.recovery_start, "scenario config", "scenario.phases.recovery_start") if ph.recovery_start else None
    hazard = hazard.astype(np.float32)
    return Timeline(
        start_date=start,
        hazard=hazard,
        damage=damage_from_hazard(hazard, cfg.rebuild_per_day),
        phase=phases(hazard, start, e, r, ph.emergency_threshold, ph.recovery_threshold),
    )


def daily_increase(total: np.ndarray) -> np.ndarray:
    """Persons newly displaced each day from a cumulative total.

    Day 0 brings no one (its stock is the starting point). A fall in the total
    becomes a debt paid off by later increases, never a removal (Flee's
    "refugee debt", flee/spawning.py).
    """
    new = np.zeros_like(total, dtype=np.float64)
    debt = 0.0
    for d in range(1, len(total)):  # a loop over days, not agents
        inc = float(total[d] - total[d - 1])
        if inc < 0:
            debt -= inc
            continue
        paid = min(debt, inc)
        debt -= paid
        new[d] = inc - paid
    return new
