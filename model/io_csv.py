"""Shared CSV reading for the loaders: every problem becomes an InputError naming the file and the line.

Line numbers are the 1-based line numbers an editor shows, so a user can go
straight to the bad value.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .errors import InputError

#: `default` of `get` when the value must be there
REQUIRED: Any = object()


class Row(dict):
    """One data line: values by lower-case column name, plus where it came from and all its fields."""

    def __init__(self, source: str, line: int, values: dict[str, str], fields: list[str]):
        super().__init__(values)
        self.source = source
        self.line = line
        self.fields = fields


@dataclass
class CsvTable:
    source: str
    header: list[str]  # column names as written (stripped, '#' removed); empty when the caller named the columns
    header_line: int = 0  # file line of the header; 0 when there is none
    rows: list[Row] = field(default_factory=list)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Non-blank lines as (line number, stripped fields); utf-8 with or without a byte-order mark."""
    if not path.is_file():
        raise InputError(path, "file not found")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            for fields in reader:
                fields = [f.strip() for f in fields]
                if any(fields):
                    yield reader.line_num, fields
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(path, f"not a readable CSV file ({exc})", row=reader.line_num) from None


def _trim(fields: list[str], width: int) -> list[str]:
    """Drop trailing empty fields beyond `width` (Flee's files often end lines with a comma)."""
    while len(fields) > width and not fields[-1]:
        fields = fields[:-1]
    return fields


def read_csv(
    path: str | Path,
    columns: Sequence[str] | None = None,
    required: int | None = None,
    allow_empty: bool = False,
) -> CsvTable:
    """Read a CSV file into rows keyed by lower-case column name.

    Without `columns` the first line is the header (a leading '#' is dropped,
    as in Flee's files) and every row must have as many fields as it. With
    `columns` the file has no header: lines starting with '#' are comments,
    each row needs at least `required` fields (default: all), missing ones read
    as empty and extra ones stay in `Row.fields`. Lines starting with '#' after
    the header are comments too.
    """
    path = Path(path)
    source = str(path)
    records = _records(path)
    header: list[str] = []
    header_line = 0
    if columns is None:
        first = next(records, None)
        if first is None:
            raise InputError(source, "file is empty; expected a header line", row=1)
        header_line, header = first[0], _trim(first[1], 1)
        header[0] = header[0].lstrip("#").strip()
        names = [h.lower() for h in header]
        need = len(names)
    else:
        names = [c.lower() for c in columns]
        need = len(names) if required is None else required
    table = CsvTable(source=source, header=header, header_line=header_line)
    for line, fields in records:
        if fields[0].startswith("#"):
            continue
        if columns is None:
            fields = _trim(fields, need)
            if len(fields) != need:
                raise InputError(source, f"{len(fields)} fields; expected {need} ({', '.join(names)})", row=line)
        elif len(fields) < need:
            raise InputError(source, f"{len(fields)} fields; expected at least {need} ({', '.join(names[:need])})", row=line)
        values = {n: (fields[i] if i < len(fields) else "") for i, n in enumerate(names)}
        table.rows.append(Row(source, line, values, fields))
    if not table.rows and not allow_empty:
        raise InputError(source, "no data rows", row=1 if columns is not None else None)
    return table


def require_columns(table: CsvTable, names: Sequence[str]) -> None:
    """Refuse a header that lacks a column, at the header line rather than on every row."""
    present = {h.lower() for h in table.header}
    for name in names:
        if name not in present:
            raise InputError(table.source, f"no column '{name}'; expected columns {', '.join(names)}", row=table.header_line, key=name)


def _parse_lenient_date(text: str) -> date:
    """YYYY-MM-DD, leading zeros optional as in Flee (strptime)."""
    return datetime.strptime(text, "%Y-%m-%d").date()


def _parse_int(text: str) -> int:
    value = float(text)
    if not value.is_integer():
        raise ValueError(text)
    return int(value)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _parse_bool(text: str) -> bool:
    answers = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    return answers[text.lower()]


_PARSERS: dict[type, tuple[str, Callable[[str], Any]]] = {
    str: ("a value", str),
    int: ("a whole number", _parse_int),
    float: ("a number", _parse_float),
    bool: ("true or false", _parse_bool),
    date: ("a date YYYY-MM-DD", _parse_lenient_date),
}


def get(row: Row, key: str, kind: type = str, default: Any = REQUIRED) -> Any:
    """The value in column `key` as `kind` (str, int, float, bool or date); `default` when empty.

    Raises InputError(file, "expected ... got ...", row=line, key=key).
    """
    label, parse = _PARSERS[kind]
    text = row.get(key, "")
    if not text:
        if default is REQUIRED:
            raise InputError(row.source, f"expected {label}, got nothing", row=row.line, key=key)
        return default
    try:
        return parse(text)
    except (ValueError, KeyError):
        raise InputError(row.source, f"expected {label}, got '{text}'", row=row.line, key=key) from None


def interpolate_daily(day_offsets: np.ndarray, values: np.ndarray, days: int) -> np.ndarray:
    """Values on days 0..days-1, linear between dated points and constant outside them.

    Flee's DataTable.get_interpolated_data rule, including its handling of a
    day listed twice (the later value holds from that day on); float here,
    where Flee truncates each day's value to an int. `day_offsets` must be sorted.
    """
    d = np.asarray(day_offsets, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    t = np.arange(days, dtype=np.float64)
    hi = np.searchsorted(d, t, side="right")
    out = np.where(hi == 0, v[0], v[-1])
    inside = (hi > 0) & (hi < len(d))
    lo, up = hi[inside] - 1, hi[inside]
    frac = (t[inside] - d[lo]) / (d[up] - d[lo])
    out[inside] = v[lo] + frac * (v[up] - v[lo])
    out[t <= d[0]] = v[0]
    return out


def read_dated_counts(path: str | Path, start: date, has_header: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A `date,count` series as (day offsets from `start`, counts), dates ascending.

    Rows with an empty count are skipped and a first row headed 'date' is a
    header, as Flee's ConvertCsvFileToNumPyTable does.
    """
    if has_header:
        table = read_csv(path)
        require_columns(table, ("date", "count"))
    else:
        table = read_csv(path, columns=("date", "count"), required=1)
        if table.rows and table.rows[0]["date"].lower() in ("date", "datetime"):
            table.rows.pop(0)
    rows = [r for r in table if r.get("count")]
    if not rows:
        raise InputError(table.source, "no dated counts; expected lines 'YYYY-MM-DD,count'", row=1)
    offsets = np.empty(len(rows), dtype=np.int64)
    counts = np.empty(len(rows), dtype=np.float64)
    for i, row in enumerate(rows):
        offsets[i] = (get(row, "date", date) - start).days
        counts[i] = get(row, "count", float)
        if counts[i] < 0:
            raise InputError(table.source, f"count {counts[i]:g}; expected a number >= 0", row=row.line, key="count")
        if i and offsets[i] < offsets[i - 1]:
            raise InputError(table.source, "date earlier than the line before; expected dates in ascending order", row=row.line, key="date")
    return offsets, counts


def require_overlap(source: str, offsets: np.ndarray, days: int) -> None:
    """A series with no date inside the simulated period can't be checked against anything: refuse it."""
    if not np.any((offsets >= 0) & (offsets < days)):
        raise InputError(source, f"no date falls in the simulated period (days 0 to {days - 1} from the start date)")
