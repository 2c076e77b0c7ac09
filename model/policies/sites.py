"""Camp coordination and camp management (CCCM): sites open, expand and close on their dates.

A site's capacity is given in persons, or planned from its land: the Sphere Handbook (2018), Shelter and
Settlement standard 2, asks for at least 45 m² of total site area per person (roads, services and plots
included) and standard 3 for at least 3.5 m² of covered living space per person; where several figures are
given, the smallest holds. Before it opens a site's capacity is 0 (closed) and nobody chooses it; an
expansion adds the places its own figures give. When a site closes, its residents and its queue go:
    return          back home, RETURNED at their origin (those with no home town known stay, integrated locally);
    relocate        to the `relocate_to` site, in its admission queue (WAITING);
    rental_subsidy  LOCALLY_INTEGRATED where they are.
Crowding lowers a site's attraction in the rules, which read `model.site_capacity`.

A national response lists sites by the thousand (IOM's displacement tracking in Haiti, 2010: over 1,500), as a
table: `table` names a CSV file in the scenario's data folder with one site per row and the entry keys as
columns (all but `expansions`); its bad cells are reported by file, row and column.
"""
from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..codes import LocationKind, Status
from ..errors import InputError
from ..io_csv import REQUIRED, Row, get, read_csv, require_columns
from .base import Policy, arrival_status, cumulative, end_travel, rows_at
from .inputs import OperationInput, plain

if TYPE_CHECKING:
    from ..model import CrisisModel

SPHERE_SITE_M2 = 45.0  # total site area per person (Sphere 2018, Shelter and Settlement standard 2)
SPHERE_COVERED_M2 = 3.5  # covered living space per person (Sphere 2018, Shelter and Settlement standard 3)
ON_CLOSE = ("return", "relocate", "rental_subsidy")
FIGURES = ("capacity", "area_m2", "covered_m2")
SITE_KEYS = {"location", "open", "close", "on_close", "relocate_to", "expansions", *FIGURES}
#: columns of a sites table, with the type each cell is read as
TABLE_COLUMNS: dict[str, type] = {"location": str, "capacity": float, "area_m2": float, "covered_m2": float,
                                  "open": dt.date, "close": dt.date, "on_close": str, "relocate_to": str}


def sphere_capacity(capacity: float | None = None, area_m2: float | None = None,
                    covered_m2: float | None = None) -> int | None:
    """Persons a site holds: the smallest of its capacity, area / 45 m² and covered area / 3.5 m² (Sphere 2018)
    among the figures given; None when none is given."""
    figures = [capacity, None if area_m2 is None else area_m2 / SPHERE_SITE_M2,
               None if covered_m2 is None else covered_m2 / SPHERE_COVERED_M2]
    given = [math.floor(f + 1e-9) for f in figures if f is not None]
    return min(given) if given else None


@dataclass
class _Site:
    loc: int
    capacity: np.ndarray  # int64 [days]: 0 before opening and from closing on
    close_day: int  # days or more: does not close during the run
    on_close: str | None
    relocate_to: int
    read_by: OperationInput  # where the site was read (a config entry or a table row), for errors found later
    field: str


class Sites(Policy):
    """Sites opening, expanding and closing on their dates: `sites`, a list of entries, and `table`, a CSV file
    of more in the scenario's data folder (see module doc)."""

    stage = "before_decisions"
    keeps_counts = True  # it changes rows only within model.rows_changing

    def __init__(self, sites: Sequence[Mapping] = (), table: str | None = None):
        self.sites = plain(sites)
        self.table = table

    def setup(self, model: "CrisisModel") -> None:
        inp = OperationInput(model, self)
        self._sites = [_read_site(inp, model, entry, f"sites[{k}]") for k, entry in enumerate(self.sites)]
        if self.table is not None:
            self._sites += _read_table(inp, model, self.table)
        locs = [s.loc for s in self._sites]
        seen: set[int] = set()
        for site in self._sites:
            if site.loc in seen:
                raise site.read_by.error(f"{site.field}.location", f"'{model.network.names[site.loc]}' is listed "
                                                                   "twice; expected one entry per site")
            seen.add(site.loc)
        open_on = {s.loc: s.capacity for s in self._sites}
        for site in self._sites:
            if site.on_close == "relocate" and site.close_day < model.days:
                to = site.relocate_to
                cap = open_on[to][site.close_day] if to in open_on else model.network.capacity[to]
                if cap == 0:
                    raise site.read_by.error(f"{site.field}.relocate_to", f"'{model.network.names[to]}' is closed "
                                                                          "on the day residents would be relocated there")
        self.moved = {outcome: np.zeros(model.days, dtype=np.int64) for outcome in ON_CLOSE}
        # a national response lists sites by the thousand (haiti_2010: 1,557): capacities as one table, and
        # the sites closing on each day, so that a day costs no loop over every site
        self._locs = np.array(locs, dtype=np.int64)
        # [day, site]: a day's capacities are one contiguous row
        self._capacity = (np.stack([s.capacity for s in self._sites], axis=1) if self._sites
                          else np.zeros((model.days, 0)))
        self._closing: dict[int, list[_Site]] = {}
        for site in self._sites:
            if site.close_day < model.days:
                self._closing.setdefault(site.close_day, []).append(site)

    def apply(self, model: "CrisisModel") -> None:
        d = model.day
        model.site_capacity[self._locs] = self._capacity[d]  # at 0 the rules stop pulling anyone there
        closing = self._closing.get(d)
        if closing:
            pop = model.population
            at_closing = np.zeros(model.network.n_locations, dtype=np.bool_)
            at_closing[[site.loc for site in closing]] = True
            rows = rows_at(pop, (Status.IN_SITE, Status.WAITING, Status.STRANDED), at_closing)
            where = pop.location[rows]
            for site in closing:  # no site relocates to one closing the same day (checked in setup)
                self._close(model, site, rows[where == site.loc])

    def _close(self, model: "CrisisModel", site: _Site, rows: np.ndarray) -> None:
        """Move the residents and the queue of a closing site (`rows`) as configured."""
        pop, d = model.population, model.day
        if len(rows) == 0:
            return
        if site.on_close == "relocate":
            with model.rows_changing(rows):
                pop.location[rows] = site.relocate_to
                pop.status[rows] = arrival_status(model, site.relocate_to)
            self.moved["relocate"][d] += pop.size[rows].sum(dtype=np.int64)
        else:
            home = np.zeros(len(rows), dtype=np.bool_)
            if site.on_close == "return":  # those with no home town known stay, integrated locally
                home = pop.origin[rows] >= 0
                home[home] = model.network.kind[pop.origin[rows[home]]] == LocationKind.TOWN
            back, stay = rows[home], rows[~home]
            with model.rows_changing(rows):
                pop.status[back] = Status.RETURNED
                pop.location[back] = pop.origin[back]
                pop.status[stay] = Status.LOCALLY_INTEGRATED
            self.moved["return"][d] += pop.size[back].sum(dtype=np.int64)
            self.moved["rental_subsidy"][d] += pop.size[stay].sum(dtype=np.int64)
        end_travel(pop, rows)

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        if not any(s.close_day < model.days for s in self._sites):
            return
        n = model.recorder.days_recorded
        for outcome, persons in self.moved.items():
            yield "site_closures_moved_cumulative", outcome, cumulative(persons, n)


def _read_table(inp: OperationInput, model: "CrisisModel", name: str) -> list[_Site]:
    """The sites of a table file (a path in the scenario's data folder, or absolute), one per row."""
    folder = model.scenario.folder
    path = Path(name) if Path(name).is_absolute() or folder is None else folder / name
    if not path.is_file():
        raise inp.error("table", f"'{path}' is not a file; expected a CSV table of sites")
    table = read_csv(path)
    require_columns(table, ["location"])
    for column in table.header:
        if column.lower() not in TABLE_COLUMNS:
            raise InputError(table.source, f"unknown column '{column}'; expected some of {', '.join(TABLE_COLUMNS)}",
                             row=table.header_line, key=column)
    late: list[int] = []  # rows with a date after the run: one warning for the table, not one per row
    sites = []
    for row in table.rows:
        entry = {}
        for column, kind in TABLE_COLUMNS.items():
            value = get(row, column, kind, REQUIRED if column == "location" else None)
            if value is not None:
                entry[column] = value.isoformat() if kind is dt.date else value
        sites.append(_read_site(_TableRow(inp, row, late), model, entry, ""))
    if late:
        warnings.warn(f"{table.source}: {len(late)} rows have a date after the run's {model.days} days, which has "
                      f"no effect (first on line {late[0]})", stacklevel=2)
    return sites


class _TableRow(OperationInput):
    """The checks of an entry, for one row of a sites table: errors name the file, the line and the column."""

    def __init__(self, inp: OperationInput, row: Row, late: list[int]):
        self.__dict__.update(vars(inp))
        self.row = row
        self.late = late

    def error(self, field: str, message: str) -> InputError:
        return InputError(self.row.source, message, row=self.row.line, key=field.lstrip("."))

    def day(self, text: Any, field: str) -> int:
        day = self._offset(text, field)
        if day >= self.days:
            self.late.append(self.row.line)
        return day


def _read_site(inp: OperationInput, model: "CrisisModel", raw: Mapping, field: str) -> _Site:
    """One site's capacity day by day (0 while closed), and what happens when it closes."""
    entry = inp.fields(raw, SITE_KEYS, field)
    loc = inp.location(entry.get("location"), f"{field}.location", (LocationKind.SITE,))
    base = _capacity(inp, entry, field)
    if base is None:
        base = int(model.network.capacity[loc])
    cap = np.full(model.days, base, dtype=np.int64)
    open_day = inp.day(entry["open"], f"{field}.open") if "open" in entry else 0
    close_day = inp.day(entry["close"], f"{field}.close") if "close" in entry else max(model.days, open_day + 1)
    if close_day <= open_day:
        raise inp.error(f"{field}.close", "the site closes before it opens")
    for j, raw_ext in enumerate(entry.get("expansions") or ()):
        where = f"{field}.expansions[{j}]"
        ext = inp.fields(raw_ext, {"date", *FIGURES}, where)
        added = _capacity(inp, ext, where)
        if "date" not in ext or added is None:
            raise inp.error(where, "expected a date and the capacity, area_m2 or covered_m2 it adds")
        if base < 0:
            raise inp.error(f"{field}.capacity", "the site has no capacity limit to expand; give its capacity")
        day = inp.day(ext["date"], f"{where}.date")
        if day < open_day or day >= close_day and "close" in entry:
            raise inp.error(f"{where}.date", "the expansion is dated outside the days the site is open")
        cap[day:] += added
    cap[:open_day] = 0
    cap[close_day:] = 0
    on_close = entry.get("on_close")
    if "close" in entry and on_close not in ON_CLOSE:
        raise inp.error(f"{field}.on_close", f"{on_close!r}; expected one of {', '.join(ON_CLOSE)}")
    to = -1
    if on_close == "relocate":
        to = inp.location(entry.get("relocate_to"), f"{field}.relocate_to", (LocationKind.SITE,))
        if to == loc:
            raise inp.error(f"{field}.relocate_to", "a site cannot relocate its residents to itself")
    return _Site(loc=loc, capacity=cap, close_day=close_day, on_close=on_close, relocate_to=to, read_by=inp,
                 field=field)


def _capacity(inp: OperationInput, entry: Mapping, field: str) -> int | None:
    """Persons from the capacity figures of an entry (see `sphere_capacity`); None when none is given."""
    figures = {}
    for name in FIGURES:
        if entry.get(name) is not None:
            figures[name] = inp.number(entry[name], f"{field}.{name}")
    return sphere_capacity(**figures)
