"""Reader for crisisflow's own input folder: locations.csv, routes.csv, populations.csv and optional displaced.csv.

Columns are found by header name, so their order is free and extra columns
are ignored. Every problem raises InputError naming the file and row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from pathlib import Path

import numpy as np

from .codes import AgentType, LocationKind, RouteMode, code_name, parse_code
from .errors import InputError
from .io_csv import Row, get, interpolate_daily, read_csv, read_dated_counts, require_columns, require_overlap
from .network import LocationTable, Network, RouteTable, build_network

LOCATION_COLUMNS = ("name", "kind", "country", "latitude", "longitude", "population", "capacity", "throughput")
ROUTE_COLUMNS = ("from", "to", "distance_km")  # mode and crosses_border are optional
POPULATION_COLUMNS = ("location", "agent_type", "nationality", "persons", "group_size")
SHARES = ("documents_share", "unaccompanied_child_share", "trafficking_victim_share", "no_language_access_share")
FOLDER_FILES = ("locations.csv", "routes.csv", "populations.csv")


@dataclass
class PopulationTable:
    """Population groups as read from populations.csv, one list per column; `rows` keeps the file row of each."""

    source: str
    location: list[str] = field(default_factory=list)
    agent_type: list[int] = field(default_factory=list)  # AgentType
    nationality: list[str] = field(default_factory=list)  # '' for non-migrants
    persons: list[int] = field(default_factory=list)
    group_size: list[int] = field(default_factory=list)
    documents_share: list[float] = field(default_factory=list)
    unaccompanied_child_share: list[float] = field(default_factory=list)
    trafficking_victim_share: list[float] = field(default_factory=list)
    no_language_access_share: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


@dataclass
class CrisisflowInput:
    folder: Path
    network: Network
    populations: PopulationTable
    displaced_path: Path | None  # displaced.csv when the folder has one (read with `read_observed_total`)


def read_crisisflow_folder(folder: str | Path, home_country: str | None = None) -> CrisisflowInput:
    """Read a crisisflow folder: network, populations, and where its observed displacement series is, if any
    (its days depend on the run's period: see `read_observed_total`)."""
    folder = Path(folder)
    missing = [f for f in FOLDER_FILES if not (folder / f).is_file()]
    if missing:
        raise InputError(folder, f"not a crisisflow folder: {', '.join(missing)} missing; expected {', '.join(FOLDER_FILES)} (and optionally displaced.csv)")
    locs = read_locations(folder / "locations.csv")
    network = build_network(locs, read_routes(folder / "routes.csv"), home_country=home_country)
    populations = read_populations(folder / "populations.csv", network.names)
    displaced = folder / "displaced.csv"
    return CrisisflowInput(folder, network, populations, displaced if displaced.is_file() else None)


def _code(row: Row, key: str, enum: type[IntEnum], default: IntEnum | None = None) -> int:
    """A code column (`kind`, `mode`, `agent_type`) by its lower-case name; empty means `default` where there is one."""
    text = row.get(key, "")
    code = default if not text and default is not None else parse_code(enum, text)
    if code is None:
        names = ", ".join(code_name(c) for c in enum)
        raise InputError(row.source, f"{key} '{text}'; expected one of {names}", row=row.line, key=key)
    return int(code)


def read_locations(path: str | Path) -> LocationTable:
    """locations.csv: name,kind,country,latitude,longitude,population,capacity,throughput.

    An empty capacity or throughput means no limit (-1); build_network checks the ranges.
    """
    table = read_csv(path)
    require_columns(table, LOCATION_COLUMNS)
    locs = LocationTable(source=table.source)
    for row in table:
        kind = _code(row, "kind", LocationKind)
        locs.names.append(get(row, "name"))
        locs.kinds.append(kind)
        locs.countries.append(get(row, "country"))
        locs.lat.append(get(row, "latitude", float))
        locs.lon.append(get(row, "longitude", float))
        locs.population.append(get(row, "population", int, 0))
        locs.capacity.append(get(row, "capacity", int, -1))
        locs.throughput.append(get(row, "throughput", int, -1))
        locs.rows.append(row.line)
    return locs


def read_routes(path: str | Path) -> RouteTable:
    """routes.csv: from,to,distance_km[,mode][,crosses_border]; an empty crosses_border is derived from the countries."""
    table = read_csv(path)
    require_columns(table, ROUTE_COLUMNS)
    routes = RouteTable(source=table.source)
    for row in table:
        mode = _code(row, "mode", RouteMode, default=RouteMode.ROAD)
        routes.a.append(get(row, "from"))
        routes.b.append(get(row, "to"))
        routes.distance.append(get(row, "distance_km", float))
        routes.mode.append(mode)
        routes.crosses_border.append(get(row, "crosses_border", bool, None))
        routes.rows.append(row.line)
    return routes


def _count(row: Row, key: str, least: int) -> int:
    value = get(row, key, int)
    if value < least:
        raise InputError(row.source, f"{key} {value}; expected a whole number >= {least}", row=row.line, key=key)
    return value


def _share(row: Row, key: str) -> float:
    value = get(row, key, float)
    if not 0.0 <= value <= 1.0:
        raise InputError(row.source, f"{key} {value:g}; expected a share between 0 and 1", row=row.line, key=key)
    return value


def read_populations(path: str | Path, location_names: list[str]) -> PopulationTable:
    """populations.csv: who lives where, by agent type; migrants need a nationality."""
    table = read_csv(path)
    require_columns(table, POPULATION_COLUMNS + SHARES)
    pops = PopulationTable(source=table.source)
    known = set(location_names)
    for row in table:
        where = get(row, "location")
        if where not in known:
            raise InputError(table.source, f"location '{where}' is not in locations.csv", row=row.line, key="location")
        agent_type = _code(row, "agent_type", AgentType)
        nationality = row["nationality"]
        if agent_type == AgentType.MIGRANT and not nationality:
            raise InputError(table.source, "a migrant group needs a nationality", row=row.line, key="nationality")
        pops.location.append(where)
        pops.agent_type.append(agent_type)
        pops.nationality.append(nationality)
        pops.persons.append(_count(row, "persons", 0))
        pops.group_size.append(_count(row, "group_size", 1))
        for key in SHARES:
            getattr(pops, key).append(_share(row, key))
        pops.rows.append(row.line)
    return pops


def read_observed_total(path: str | Path, start_date: date, days: int) -> np.ndarray:
    """displaced.csv (date,count: observed cumulative displaced) as float64 [days], interpolated as Flee does."""
    offsets, counts = read_dated_counts(path, start_date, has_header=True)
    require_overlap(str(path), offsets, days)
    return interpolate_daily(offsets, counts, days)
