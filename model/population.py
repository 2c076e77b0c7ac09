"""The agent store: one NumPy array per field, a schema declared once.

A row is one agent of one type standing for `size` persons (a household, a
group, or one person). Rows are preallocated with amortised growth and never
deleted: an agent that leaves the network is marked inactive, so a row index is
a stable agent id (the counter behind its random numbers) for the whole run.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .codes import AgentType, Status

#: field name -> (dtype, value of a fresh row). The only place fields are declared.
SCHEMA: dict[str, tuple[type, object]] = {
    "active": (np.bool_, False),
    "agent_type": (np.int8, AgentType.IDP),
    "size": (np.int32, 1),  # persons this row stands for
    "status": (np.int8, Status.AT_HOME),
    "location": (np.int32, -1),  # last location reached
    "origin": (np.int32, -1),  # where the agent lived before displacement
    "nationality": (np.int16, -1),  # index into the scenario's nationalities; -1: national of the crisis country
    # the day a row's displacement is counted from: after the movement pass of day d, a displaced row (active,
    # status between the home statuses and the exits) has been displaced d - displaced_since days (see
    # `days_displaced`). Leaving home sets it to that day; -1, the default, counts from day 0 (rows displaced
    # from the start). Kept instead of a count that the pass added a day to for every displaced row daily
    # (experiments/SPEED.md). 16 bits: a run is at most MOST_DAYS long
    "displaced_since": (np.int16, -1),
    "wait_days": (np.int32, 0),  # days in the current queue
    "path": (np.int32, -1),  # candidate path being travelled (PathTable row); -1: none
    "path_pos": (np.int8, 0),  # edges of the path already travelled
    "link_km_left": (np.float32, 0.0),  # km left on the edge being travelled
    "cleared": (np.bool_, False),  # processed at a border, may cross the next border edge
    "has_documents": (np.bool_, True),  # travel documents (passport or emergency travel document)
    "unaccompanied_child": (np.bool_, False),
    "trafficking_victim": (np.bool_, False),
    "no_language_access": (np.bool_, False),  # cannot read aid information in the languages it is given in
    "referred": (np.bool_, False),  # identified as vulnerable and referred: priority in queues, protected status
}


#: the longest run: the day a row's displacement began must fit its field
MOST_DAYS = int(np.iinfo(SCHEMA["displaced_since"][0]).max)


def days_displaced(displaced_since: np.ndarray, last_pass_day: int) -> np.ndarray:
    """Days displaced of rows whose displacement is counted from `displaced_since`, as of the movement pass of
    `last_pass_day` (`CrisisModel.last_pass_day`): the pass of each day from the first counts it. Meaningful for
    the rows displaced now (see `SCHEMA`)."""
    return last_pass_day - np.asarray(displaced_since, dtype=np.int64)


def displaced_before_pass(day: int) -> int:
    """`displaced_since` of rows that become displaced on `day` before its movement pass (spawned from data, warned
    away early): that pass counts their first day. Rows that leave home in the pass take `day` itself."""
    return day - 1

#: the fields the model's daily counts read (`kernels.tally`): see `Population.views_out`
COUNTED_FIELDS = frozenset({"active", "agent_type", "size", "status", "location", "origin"})


class Population:
    """Struct of arrays with a fixed schema; `n` rows used out of `capacity` allocated.

    The model keeps its daily counts up to date through the changes its own stages and operations make (see
    `Policy.keeps_counts`), instead of counting every row every day. Any other code may read and write the rows
    through the attributes (`population.status`, a view) or the Mesa agents; the population notes both
    (`views_out`, `edited`), and the model counts every row again after such a day. A view kept from an earlier
    day, or `arrays` written directly, escapes that note.
    """

    def __init__(self, capacity: int = 1024):
        #: views of the counted fields handed out (and rows added) while `tracking`, that is, outside the model's
        #: own stages: the model compares it with the number it saw at its last full count
        self.views_out = 0
        self._tracking = True
        self.n = 0
        self.capacity = max(int(capacity), 1)
        self.arrays: dict[str, np.ndarray] = {}
        for name, (dtype, fill) in SCHEMA.items():
            self.arrays[name] = np.full(self.capacity, fill, dtype=dtype)
        #: rows changed one by one from outside the daily stages (through their Mesa agents), in order
        self.edited: list[int] = []

    if TYPE_CHECKING:  # for type checkers: the columns are properties set below, one per SCHEMA field
        def __getattr__(self, name: str) -> np.ndarray: ...

    @contextlib.contextmanager
    def tracking(self, on: bool) -> Iterator[None]:
        """Note (on) or not (off) the views of counted fields handed out within the block: the model's stages run
        untracked, since they keep the counts themselves, and its operations (policies) tracked."""
        before, self._tracking = self._tracking, on
        try:
            yield
        finally:
            self._tracking = before

    def note_edit(self, row: int) -> None:
        """Record a row changed from outside the daily stages, so that operations which keep lists of candidate
        rows (`policies.base.Candidates`) look at it again."""
        self.edited.append(int(row))

    def __len__(self) -> int:
        return self.n

    def add(self, count: int, **fields: np.ndarray | int | float | bool) -> np.ndarray:
        """Append `count` rows, active, with the given fields (scalars or arrays); return their row ids.

        Rows of a model's population need a `location` of its network (the default, -1, is none): the kernels index
        tables with it and do not check it. Rows added displaced after day 0 need their `displaced_since`
        (`displaced_before_pass`): the default counts from day 0. Only the given fields are written: the rows past `n`
        hold the schema's defaults already (allocated and grown with them, never written while unused), and writing all
        18 fields took 33 us for the 200 rows of a mali2012 day against 8.7 us for the five that spawning gives."""
        unknown = set(fields) - set(SCHEMA)
        if unknown:
            raise KeyError(f"not in the population schema: {sorted(unknown)}")
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        if self._tracking:
            self.views_out += 1  # rows the model's counts do not know of
        self._reserve(self.n + count)
        new = slice(self.n, self.n + count)
        for name, value in fields.items():
            self.arrays[name][new] = value
        self.arrays["active"][new] = True
        self.n += count
        return np.arange(new.start, new.stop)

    def _reserve(self, needed: int) -> None:
        """Grow geometrically so that appending k rows costs O(k) amortised."""
        if needed <= self.capacity:
            return
        new_capacity = max(needed, int(self.capacity * 1.5) + 1)
        for name, (dtype, fill) in SCHEMA.items():
            grown = np.full(new_capacity, fill, dtype=dtype)
            grown[: self.n] = self.arrays[name][: self.n]
            self.arrays[name] = grown
        self.capacity = new_capacity

    def persons(self, mask: np.ndarray | None = None) -> int:
        """Persons in the active rows (optionally only where `mask`)."""
        sel = self.active if mask is None else self.active & mask
        return int(self.size[sel].sum(dtype=np.int64))


def _column(name: str) -> property:
    """The attribute `population.<name>`: a view of the used rows of one field, what kernels and indicators read
    and write. A property of the class, not `__getattr__`, which Python calls only after the usual lookup has
    failed: 1.57 -> 0.39 us an access (0.45 while tracking; libya_2011 reads some 21,000 views a run)."""
    counted = name in COUNTED_FIELDS

    def view(self: Population) -> np.ndarray:
        if counted and self._tracking:
            self.views_out += 1
        return self.arrays[name][: self.n]

    return property(view, doc=f"The used rows of the field `{name}` (a view).")


for _field in SCHEMA:
    setattr(Population, _field, _column(_field))
