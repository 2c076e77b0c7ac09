"""Border management at crossing points (MCOF: cross-border movements; stranded migrants at border points;
IOM 2012, the framework's seed document).

Each crossing point has rules in force between two dates:
* closed: nobody crosses and nobody is processed; arrivals queue at the point and, past the scenario's
  stranding threshold, count as stranded;
* restricted: only the listed agent types cross, and only with travel documents if `documents_required`;
* open: everyone the rules let cross (crisisflow rules: `border_requires_documents` still applies).
`processing_per_day` (restricted or open) replaces the point's throughput from the data while in force;
outside every rule the data's throughput and an open border apply. The queue itself is the core's.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from ..codes import AgentType, LocationKind, Status
from .base import Policy
from .inputs import OperationInput, plain

CLOSED, RESTRICTED, OPEN = 0, 1, 2
STATUSES = {"closed": CLOSED, "restricted": RESTRICTED, "open": OPEN}
RULE_KEYS = {"from", "to", "status", "types", "documents_required", "processing_per_day"}


class BorderManagement(Policy):
    """Rules by crossing point and date: status, who may cross, processing capacity.

    crossings: {<border location>: [{from, to, status: open|closed|restricted, types: [...],
    documents_required: bool, processing_per_day: int|null}]}; dates YYYY-MM-DD, either may be left out.
    Rules for one crossing whose dates overlap must agree.
    """

    stage = "before_decisions"
    keeps_counts = True  # it changes no row's place, status, type, size, origin or activity

    def __init__(self, crossings: Mapping | None = None):
        self.crossings = plain(crossings) or {}

    def setup(self, model) -> None:
        inp = OperationInput(model, self)
        net = model.network
        if not isinstance(self.crossings, Mapping):
            raise inp.error("crossings", "expected a mapping from border crossing point to its list of rules")
        k_all = len(self.crossings)
        self.locations = np.zeros(k_all, dtype=np.int64)
        self._status = np.full((model.days, k_all), OPEN, dtype=np.int8)
        self._throughput = np.zeros((model.days, k_all), dtype=np.int64)
        self._allowed = np.ones((model.days, len(AgentType), 2, k_all), dtype=np.bool_)  # type, documents 0/1
        edges, edge_k = [], []
        for k, (name, rules) in enumerate(self.crossings.items()):
            field = f"crossings.{name}"
            loc = inp.location(name, field, kinds=(LocationKind.BORDER,))
            out = np.nonzero((net.edge_from == loc) & net.edge_border)[0]
            if not len(out):
                raise inp.error(field, f"'{name}' has no route across the border")
            self.locations[k] = loc
            self._throughput[:, k] = net.throughput[loc]
            edges.append(out)
            edge_k.append(np.full(len(out), k))
            self._read_rules(inp, rules, k, field, int(net.throughput[loc]))
        self._edges = np.concatenate(edges) if edges else np.zeros(0, dtype=np.int64)
        self._edge_k = np.concatenate(edge_k) if edge_k else np.zeros(0, dtype=np.int64)

    def _read_rules(self, inp: OperationInput, rules, k: int, field: str, data_throughput: int) -> None:
        if not isinstance(rules, list):
            raise inp.error(field, "expected a list of rules {from, to, status, ...}")
        in_force = np.full(inp.days, -1)  # the rule in force each day
        settings: list[tuple] = []
        for r, raw in enumerate(rules):
            f = f"{field}[{r}]"
            e = inp.fields(raw, RULE_KEYS, f)
            status = STATUSES.get(e.get("status"))
            if status is None:
                raise inp.error(f"{f}.status", f"{e.get('status')!r}; expected one of {list(STATUSES)}")
            allowed, throughput = self._rule(inp, e, status, f, data_throughput)
            settings.append((status, allowed.tobytes(), throughput))
            days = inp.window(e, f)
            clash = [p for p in np.unique(in_force[days]) if p >= 0 and settings[p] != settings[r]]
            if clash:
                raise inp.error(f"{f}.from", f"dates overlap {field}[{clash[0]}], which sets a different rule")
            in_force[days] = r
            self._status[days, k] = status
            self._allowed[days, :, :, k] = allowed
            self._throughput[days, k] = throughput

    @staticmethod
    def _rule(inp: OperationInput, e: dict, status: int, f: str, data_throughput: int) -> tuple[np.ndarray, int]:
        """Who may cross (bool [T, documents 0/1]) and the persons processed per day under one rule."""
        sets_who = bool(e.get("types") or e.get("documents_required"))
        if status == CLOSED and (sets_who or (e.get("processing_per_day") or 0) > 0):
            raise inp.error(f"{f}.status", "a closed crossing lets nobody through: remove types, "
                                           "documents_required and processing_per_day, or use status restricted")
        if status == OPEN and sets_who:
            raise inp.error(f"{f}.status", "an open crossing lets every type through: use status restricted "
                                           "to set types or documents_required")
        if status == CLOSED:
            return np.zeros((len(AgentType), 2), dtype=np.bool_), 0
        allowed = np.ones((len(AgentType), 2), dtype=np.bool_)
        if status == RESTRICTED:
            if not e.get("types"):
                raise inp.error(f"{f}.types", "a restricted crossing needs the agent types it lets through")
            allowed &= inp.agent_types(e["types"], f"{f}.types")[:, None]
            if e.get("documents_required", False):
                allowed[:, 0] = False
        processing = e.get("processing_per_day")
        return allowed, data_throughput if processing is None else inp.count(processing, f"{f}.processing_per_day")

    def apply(self, model) -> None:
        d = model.day
        model.border_open[:, :, self._edges] &= self._allowed[d][:, :, self._edge_k]
        model.throughput[self.locations] = self._throughput[d]

    def series(self, model) -> Iterator[tuple[str, str, np.ndarray]]:
        """border_status (0 closed, 1 restricted, 2 open) and border_queue (persons waiting or stranded there)."""
        n = model.recorder.days_recorded
        ls = model.recorder.loc_status[:n]
        for k, loc in enumerate(self.locations):
            name = model.network.names[loc]
            yield "border_status", name, self._status[:n, k].astype(np.float64)
            yield "border_queue", name, (ls[:, loc, Status.WAITING] + ls[:, loc, Status.STRANDED]).astype(np.float64)
