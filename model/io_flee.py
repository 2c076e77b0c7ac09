"""Reader for Flee's input folders (input_csv/, source_data/, simsetting.yml), read the way Flee reads them.

Flee's rules are in shared/reference/flee_rules.md; where a rule here follows a
Flee quirk rather than the obvious reading, the docstring says so. Every
problem raises InputError naming the file and row.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import yaml

from .codes import LocationKind, RouteMode
from .errors import InputError
from .io_csv import get, interpolate_daily, read_csv, read_dated_counts, require_overlap
from .network import LocationTable, Network, RouteTable, build_network

LOCATION_COLUMNS = ("name", "region", "country", "latitude", "longitude", "location_type", "conflict_date", "population")
ROUTE_COLUMNS = ("name1", "name2", "distance", "forced_redirection")
CLOSURE_COLUMNS = ("closure_type", "name1", "name2", "closure_start", "closure_end")
#: closure types that open and close edges; the others change a location's type or a route flag
EDGE_CLOSURES = ("country", "location", "link")
CLOSURE_TYPES = EDGE_CLOSURES + ("camp", "idpcamp", "remove_forced_redirection")


@dataclass
class Closure:
    """One row of closures.csv; days are offsets from the start date."""

    kind: str
    name1: str
    name2: str
    start_day: int
    end_day: int
    row: int
    source: str = "closures.csv"


@dataclass
class FleeInput:
    folder: Path
    network: Network
    flee_type: list[str]  # location_type as written, per location
    start_date: date
    days: int
    hazard: np.ndarray  # float32 [days, L]: conflict intensity
    closures: list[Closure]
    camps: dict[str, np.ndarray]  # camp name -> observed registrations per day, float64 [days]
    refugees_total: np.ndarray  # float64 [days]: the `total` row of data_layout.csv
    settings: dict = field(default_factory=dict)  # simsetting.yml


def read_flee_folder(folder: str | Path) -> FleeInput:
    """Read a Flee conflict folder into crisisflow's network plus Flee's timelines and observations."""
    folder = Path(folder)
    inp = folder / "input_csv"
    if not (inp / "locations.csv").is_file():
        raise InputError(folder, "not a Flee folder: expected input_csv/locations.csv, routes.csv and sim_period.csv, and source_data/data_layout.csv")
    start, days = read_sim_period(inp / "sim_period.csv")
    locs, flee_type, conflict_date = _read_locations(inp / "locations.csv")
    routes = _read_routes(inp / "routes.csv")
    network = build_network(locs, routes, home_country=locs.countries[0])
    conflicts = inp / "conflicts.csv"
    if conflicts.is_file():
        hazard = _read_conflicts(conflicts, network, days)
    else:
        hazard = _hazard_from_dates(flee_type, conflict_date, days)
    closures_csv = inp / "closures.csv"
    closures = _read_closures(closures_csv, network) if closures_csv.is_file() else []
    layout = folder / "source_data" / "data_layout.csv"
    series = _read_observations(layout, inp / "registration_corrections.csv", start, days)
    camps = _camp_series(series, layout, network, flee_type, locs)
    return FleeInput(
        folder=folder,
        network=network,
        flee_type=flee_type,
        start_date=start,
        days=days,
        hazard=hazard,
        closures=closures,
        camps=camps,
        refugees_total=series["total"][0],
        settings=_read_settings(folder / "simsetting.yml"),
    )


def read_sim_period(path: Path) -> tuple[date, int]:
    """sim_period.csv: `StartDate,YYYY-MM-DD` and `Length,<days>` (Flee's read_conflict_period)."""
    table = read_csv(path, columns=("key", "value"))
    found = {row["key"].lower(): row for row in table}
    for key in ("startdate", "length"):
        if key not in found:
            raise InputError(path, f"no '{key}' line; expected 'StartDate,YYYY-MM-DD' and 'Length,<days>'", row=1)
    days = get(found["length"], "value", int)
    if days < 1:
        raise InputError(path, f"length {days}; expected at least 1 day", row=found["length"].line)
    return get(found["startdate"], "value", date), days


def _flee_kind(location_type: str) -> LocationKind | None:
    """Flee matches substrings (flee.py Location.__init__): '*camp*' is a camp, the rest are towns to us."""
    t = location_type.lower()
    if "camp" in t:
        return LocationKind.SITE
    if any(word in t for word in ("conflict", "forward", "marker", "town", "default", "flood")):
        return LocationKind.TOWN
    return None


def _read_locations(path: Path) -> tuple[LocationTable, list[str], list[int]]:
    """Columns by position as in Flee; a camp's population column is its capacity (below 1: no limit)."""
    table = read_csv(path, columns=LOCATION_COLUMNS)
    locs = LocationTable(source=str(path))
    flee_type: list[str] = []
    conflict_date: list[int] = []
    for row in table:
        kind = _flee_kind(row["location_type"])
        if kind is None:
            expected = "conflict_zone, town, camp, idpcamp, forwarding_hub or marker"
            raise InputError(path, f"location_type '{row['location_type']}'; expected {expected}", row=row.line, key="location_type")
        pop = get(row, "population", int, 0)
        if pop < 0:
            raise InputError(path, f"population {pop}; expected a number >= 0", row=row.line, key="population")
        is_site = kind == LocationKind.SITE
        locs.names.append(get(row, "name"))
        locs.kinds.append(int(kind))
        locs.countries.append(row["country"] or "unknown")
        locs.lat.append(get(row, "latitude", float, 0.0))
        locs.lon.append(get(row, "longitude", float, 0.0))
        locs.population.append(0 if is_site else pop)
        locs.capacity.append(pop if is_site and pop >= 1 else -1)
        locs.throughput.append(-1)
        locs.rows.append(row.line)
        flee_type.append(row["location_type"])
        conflict_date.append(get(row, "conflict_date", int, 0))
    return locs, flee_type, conflict_date


def _read_routes(path: Path) -> RouteTable:
    """name1,name2,distance[,forced_redirection]; every route runs both ways (Flee's linkUp)."""
    table = read_csv(path, columns=ROUTE_COLUMNS, required=3)
    routes = RouteTable(source=str(path))
    for row in table:
        get(row, "forced_redirection", int, 0)  # Flee stops on a non-integer here
        routes.a.append(get(row, "name1"))
        routes.b.append(get(row, "name2"))
        routes.distance.append(get(row, "distance", float))
        routes.mode.append(int(RouteMode.ROAD))
        routes.crosses_border.append(None)
        routes.rows.append(row.line)
    return routes


def _read_conflicts(path: Path, network: Network, days: int) -> np.ndarray:
    """conflicts.csv: row k is day k (Flee indexes by position, not by the Day column); absent columns are 0."""
    table = read_csv(path)
    index = network.index()
    names = table.header[1:]
    hazard = np.zeros((days, network.n_locations), dtype=np.float32)
    columns = []
    for name in names:
        if name not in index:
            raise InputError(path, f"column names location '{name}', which is not in locations.csv", row=table.header_line, key=name)
        if names.count(name) > 1:
            raise InputError(path, f"column '{name}' appears twice", row=table.header_line, key=name)
        columns.append(index[name])
    if len(table) < days:
        last = table.rows[-1].line
        raise InputError(path, f"{len(table)} day rows; expected one per simulated day ({days}, sim_period.csv)", row=last)
    for t, row in enumerate(table.rows[:days]):
        for name, col in zip(names, columns):
            value = get(row, name.lower(), float)
            if value < 0:
                raise InputError(path, f"intensity {value:g}; expected a number >= 0", row=row.line, key=name)
            hazard[t, col] = value
    return hazard


def _hazard_from_dates(flee_type: list[str], conflict_date: list[int], days: int) -> np.ndarray:
    """Without conflicts.csv a conflict_zone is at intensity 1 from its conflict_date on."""
    hazard = np.zeros((days, len(flee_type)), dtype=np.float32)
    for i, (kind, onset) in enumerate(zip(flee_type, conflict_date)):
        if "conflict" in kind.lower():
            hazard[max(onset, 0):, i] = 1.0
    return hazard


def _read_closures(path: Path, network: Network) -> list[Closure]:
    """closures.csv rows, with their names checked against the network (Flee only warns, then closes nothing)."""
    table = read_csv(path, columns=CLOSURE_COLUMNS, allow_empty=True)
    closures = []
    for row in table:
        kind = row["closure_type"].lower()
        if kind not in CLOSURE_TYPES:
            raise InputError(path, f"closure_type '{row['closure_type']}'; expected one of {', '.join(CLOSURE_TYPES)}", row=row.line, key="closure_type")
        c = Closure(kind, row["name1"], row["name2"], get(row, "closure_start", int), get(row, "closure_end", int), row.line, str(path))
        for key, day in (("closure_start", c.start_day), ("closure_end", c.end_day)):
            if day < 0:
                raise InputError(path, f"{key} {day}; expected a day >= 0", row=row.line, key=key)
        _closure_edges(network, c)
        closures.append(c)
    return closures


def _closure_edges(network: Network, c: Closure) -> np.ndarray:
    """The directed edges a closure row shuts (all False for the types that shut no edge)."""
    if c.kind == "country":
        ids = []
        for name in (c.name1, c.name2):
            if name not in network.countries:
                raise InputError(c.source, f"country '{name}' is not in locations.csv", row=c.row)
            ids.append(network.countries.index(name))
        src, dst = network.country[network.edge_from], network.country[network.edge_to]
        return ((src == ids[0]) & (dst == ids[1])) | ((src == ids[1]) & (dst == ids[0]))
    index = network.index()
    names = (c.name1, c.name2) if c.kind in ("link", "remove_forced_redirection") else (c.name1,)
    for name in names:
        if name not in index:
            raise InputError(c.source, f"location '{name}' is not in locations.csv", row=c.row)
    if c.kind == "location":
        i = index[c.name1]
        return (network.edge_from == i) | (network.edge_to == i)
    if c.kind == "link":
        a, b = index[c.name1], index[c.name2]
        mask = ((network.edge_from == a) & (network.edge_to == b)) | ((network.edge_from == b) & (network.edge_to == a))
        if not mask.any():
            raise InputError(c.source, f"no route between '{c.name1}' and '{c.name2}' in routes.csv", row=c.row)
        return mask
    return np.zeros(network.n_edges, dtype=np.bool_)


def closed_edges(network: Network, closures: list[Closure], days: int) -> np.ndarray:
    """bool [days, n_edges]: True where an edge is closed that day.

    Replays Flee's Ecosystem.enact_border_closures: each day, row by row, a
    closure shuts its edges on day `start_day` and reopens them on day
    `end_day` (so they are closed on days start..end-1: the end is
    exclusive). The state is one flag per edge, so a reopening also reopens an
    edge that another row closed, as in Flee. Edge sets:
    - country A,B: every edge from a location in A to one in B and back;
    - location X,(ignored): every edge into and out of X (Flee's
      close_location, both directions; burundi2015's `location,Bujumbura,Lusenda,0,91`
      therefore holds everyone in Bujumbura until day 91);
    - link X,Y: the route between X and Y, both directions. Flee 3.1 means
      this but closes nothing (it compares names with `is not`);
    - camp, idpcamp, remove_forced_redirection: no edge.
    """
    state = np.zeros(network.n_edges, dtype=np.bool_)
    out = np.zeros((days, network.n_edges), dtype=np.bool_)
    masks = [_closure_edges(network, c) for c in closures]
    for t in range(days):
        for c, mask in zip(closures, masks):
            if t == c.start_day:
                state |= mask
            if t == c.end_day:
                state &= ~mask
        out[t] = state
    return out


def _read_observations(layout_csv: Path, corrections: Path, start: date, days: int) -> dict[str, tuple[np.ndarray, int]]:
    """Each data_layout.csv row as name -> (daily series [days], layout row), after Flee's corrections."""
    source_data = layout_csv.parent
    layout = read_csv(layout_csv, columns=("name", "file"), required=2)
    tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows: dict[str, int] = {}
    for row in layout:
        name = row["name"]
        if name in tables:
            raise InputError(layout.source, f"'{name}' is listed twice", row=row.line)
        files = [f for f in row.fields[1:] if f]
        if not files:
            raise InputError(layout.source, f"no data file for '{name}'; expected '{name},<file.csv>[,<more files summed>]'", row=row.line)
        merged = None
        for f in files:
            path = source_data / f
            if not path.is_file():
                raise InputError(layout.source, f"file '{f}' for '{name}' not found in {source_data}", row=row.line)
            offsets, counts = read_dated_counts(path, start)
            require_overlap(str(path), offsets, days)
            merged = (offsets, counts) if merged is None else _flee_add_tables(merged, (offsets, counts))
        tables[name], rows[name] = merged, row.line
    if "total" not in tables:
        raise InputError(layout.source, "no 'total' row; expected 'total,refugees.csv' and one row per camp")
    if corrections.is_file():
        _apply_corrections(corrections, tables, start)
    return {name: (interpolate_daily(d, v, days), rows[name]) for name, (d, v) in tables.items()}


def _flee_add_tables(t1: tuple[np.ndarray, np.ndarray], t2: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sum two dated series exactly as Flee's DataTable.AddCSVTables does, quirks included.

    It merges on dates without interpolating: a date only in the second file
    gets the first file's *next* value added, the first file's dates after the
    second file's last date are dropped, and the second file's dates after the
    first file's last date add nothing new. Flee compares its runs with this
    series, so crisisflow does too. (Flee crashes when the second file starts
    later than the first; here it counts as 0 until its first date.)
    """
    d1, v1 = t1
    out_d: list[float] = []
    out_v: list[float] = []
    offset, last_v2 = 0, 0.0
    for d2, v2 in zip(*t2):
        while d2 > d1[offset]:
            out_d.append(d1[offset]); out_v.append(last_v2 + v1[offset])
            if offset < len(d1) - 1:
                offset += 1
            else:
                break
        if d2 == d1[offset]:
            out_d.append(d2); out_v.append(v2 + v1[offset])
            if offset < len(d1) - 1:
                offset += 1
            last_v2 = v2
        elif d2 < d1[offset]:
            out_d.append(d2); out_v.append(v2 + v1[offset])
            last_v2 = v2
    return np.asarray(out_d, dtype=np.int64), np.asarray(out_v, dtype=np.float64)


def _apply_corrections(path: Path, tables: dict[str, tuple[np.ndarray, np.ndarray]], start: date) -> None:
    """registration_corrections.csv `camp,date,normalize`: Flee's correctLevel1Registrations.

    The date must be one of the camp's data dates; every earlier data point is
    multiplied by (value on that date) / (value on the date before), so the
    early, over-counted "level 1" registrations join the later "level 2" ones.
    """
    table = read_csv(path, columns=("name", "date", "kind"), required=2, allow_empty=True)
    for row in table:
        if row["kind"] and row["kind"].lower() != "normalize":
            raise InputError(path, f"correction '{row['kind']}'; expected 'normalize'", row=row.line, key="kind")
        name = row["name"]
        if name not in tables:
            raise InputError(path, f"'{name}' has no row in source_data/data_layout.csv", row=row.line)
        offsets, counts = tables[name]
        day = (get(row, "date", date) - start).days
        hits = np.nonzero(offsets == day)[0]
        if not len(hits):
            raise InputError(path, f"date {row['date']} is not among the dates of '{name}'; Flee rescales from an exact data point", row=row.line, key="date")
        i = int(hits[0])
        if i == 0:
            continue
        if counts[i - 1] == 0:
            raise InputError(path, f"the count of '{name}' before {row['date']} is 0; nothing to rescale from", row=row.line, key="date")
        counts[:i] *= counts[i] / counts[i - 1]


def _camp_series(series: dict[str, tuple[np.ndarray, int]], layout: Path, network: Network, flee_type: list[str], locs: LocationTable) -> dict[str, np.ndarray]:
    """Observed series for each camp; every camp needs one, as Flee's run script reads them all.

    A data_layout row naming no camp in locations.csv is skipped with a warning
    (Flee ignores it; car2013's 'Bossobolo' row is one).
    """
    camps = {}
    for i, name in enumerate(network.names):
        if "camp" not in flee_type[i].lower():
            continue
        if name not in series:
            raise InputError(locs.source, f"camp '{name}' has no row in {layout}", row=locs.rows[i])
        camps[name] = series[name][0]
    for name, (_, row) in series.items():
        if name != "total" and name not in camps:
            warnings.warn(f"{layout}, row {row}: '{name}' is not a camp in {locs.source}; its data is not used", stacklevel=3)
    return camps


def _read_settings(path: Path) -> dict:
    """simsetting.yml as a dict; {} when the folder has none."""
    if not path.is_file():
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            settings = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"not valid YAML ({getattr(exc, 'problem', exc)})", row=mark.line + 1 if mark else None) from None
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise InputError(path, "expected a mapping of setting names to values")
    return settings
