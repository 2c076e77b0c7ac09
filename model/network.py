"""Locations and routes held as arrays, with CSR adjacency and the candidate paths agents choose from.

Loaders (`model.io_crisisflow`, `model.io_flee`) fill `LocationTable` and
`RouteTable`; `build_network` checks them and turns them into a `Network`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from .codes import LocationKind
from .errors import InputError

#: most hops in a candidate path (awareness radius); paths are enumerated once per run
MAX_HOPS = 4


@dataclass
class LocationTable:
    """Locations as read from a file, one list per column; `rows` keeps the file row of each."""

    source: str
    names: list[str] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    population: list[int] = field(default_factory=list)
    capacity: list[int] = field(default_factory=list)  # persons a site holds; -1: no limit
    throughput: list[int] = field(default_factory=list)  # persons processed per day at a border or hub; -1: no limit
    rows: list[int] = field(default_factory=list)


@dataclass
class RouteTable:
    source: str
    a: list[str] = field(default_factory=list)
    b: list[str] = field(default_factory=list)
    distance: list[float] = field(default_factory=list)
    mode: list[int] = field(default_factory=list)
    crosses_border: list[bool | None] = field(default_factory=list)  # None: derive from the countries
    rows: list[int] = field(default_factory=list)


@dataclass
class Network:
    """Locations and directed edges (each route both ways) as arrays; names only at the edges of the program."""

    names: list[str]
    kind: np.ndarray  # int8, LocationKind
    country: np.ndarray  # int16, index into `countries`
    countries: list[str]
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray  # int64
    capacity: np.ndarray  # int64, -1: no limit
    throughput: np.ndarray  # int64, -1: no limit
    indptr: np.ndarray  # int64, CSR over source locations
    edge_to: np.ndarray  # int32
    edge_from: np.ndarray  # int32
    edge_km: np.ndarray  # float64
    edge_mode: np.ndarray  # int8, RouteMode
    edge_border: np.ndarray  # bool: crosses an international border
    edge_route: np.ndarray  # int32: the route (file row order) an edge comes from
    home_country: int = 0

    @property
    def n_locations(self) -> int:
        return len(self.names)

    @property
    def n_edges(self) -> int:
        return len(self.edge_to)

    def index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}

    def edge_between(self, a: int, b: int) -> int:
        """The edge from location a to b, or -1."""
        lo, hi = self.indptr[a], self.indptr[a + 1]
        hits = np.nonzero(self.edge_to[lo:hi] == b)[0]
        return int(lo + hits[0]) if len(hits) else -1

    def edge_labels(self) -> list[str]:
        return [f"{self.names[f]} -> {self.names[t]}" for f, t in zip(self.edge_from, self.edge_to)]


def build_network(locs: LocationTable, routes: RouteTable, home_country: str | None = None) -> Network:
    """Check the tables and build the arrays. Raises InputError naming file and row."""
    index: dict[str, int] = {}
    for name, row in zip(locs.names, locs.rows):
        if name in index:
            raise InputError(locs.source, f"location '{name}' is listed twice", row=row)
        index[name] = len(index)
    limits = (("population", locs.population, 0), ("capacity", locs.capacity, -1), ("throughput", locs.throughput, -1))
    for col, values, least in limits:
        for name, v, row in zip(locs.names, values, locs.rows):
            if v < least:
                no_limit = ", or -1 for no limit" if least == -1 else ""
                raise InputError(locs.source, f"{col} of '{name}' is {v}; expected a number >= 0{no_limit}", row=row,
                                 key=col)
    countries = sorted(set(locs.countries), key=locs.countries.index)
    home = countries.index(home_country) if home_country in countries else 0

    n = len(locs.names)
    src, dst, km, mode, border, route_id = [], [], [], [], [], []
    for r, (a, b, d, m, x, row) in enumerate(zip(routes.a, routes.b, routes.distance, routes.mode, routes.crosses_border, routes.rows)):
        for end in (a, b):
            if end not in index:
                raise InputError(routes.source, f"route names location '{end}', which is not in {locs.source}", row=row)
        if not np.isfinite(d) or d < 0:
            raise InputError(routes.source, f"distance {d} from '{a}' to '{b}'; expected a number of km >= 0", row=row)
        ia, ib = index[a], index[b]
        if ia == ib:
            raise InputError(routes.source, f"route from '{a}' to itself", row=row)
        crosses = (locs.countries[ia] != locs.countries[ib]) if x is None else bool(x)
        for f, t in ((ia, ib), (ib, ia)):
            src.append(f); dst.append(t); km.append(d); mode.append(m); border.append(crosses); route_id.append(r)
    src_a = np.asarray(src, dtype=np.int32)
    order = np.argsort(src_a, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, src_a + 1, 1)
    indptr = np.cumsum(indptr)
    net = Network(
        names=list(locs.names),
        kind=np.asarray(locs.kinds, dtype=np.int8),
        country=np.asarray([countries.index(c) for c in locs.countries], dtype=np.int16),
        countries=countries,
        lat=np.asarray(locs.lat, dtype=np.float64),
        lon=np.asarray(locs.lon, dtype=np.float64),
        population=np.asarray(locs.population, dtype=np.int64),
        capacity=np.asarray(locs.capacity, dtype=np.int64),
        throughput=np.asarray(locs.throughput, dtype=np.int64),
        indptr=indptr,
        edge_to=np.asarray(dst, dtype=np.int32)[order],
        edge_from=src_a[order],
        edge_km=np.asarray(km, dtype=np.float64)[order],
        edge_mode=np.asarray(mode, dtype=np.int8)[order],
        edge_border=np.asarray(border, dtype=np.bool_)[order],
        edge_route=np.asarray(route_id, dtype=np.int32)[order],
        home_country=home,
    )
    _warn_unreachable(net, locs)
    return net


def _warn_unreachable(net: Network, locs: LocationTable) -> None:
    """A location no route reaches is legal but almost always a typo: warn once, naming it."""
    degree = np.diff(net.indptr)
    for i in np.nonzero(degree == 0)[0]:
        warnings.warn(f"{locs.source}, row {locs.rows[i]}: location '{net.names[i]}' has no route; nothing can reach it", stacklevel=3)


@dataclass
class PathTable:
    """Every loop-free path of 1..hops edges from each location, grouped by start (CSR on `start_indptr`)."""

    start_indptr: np.ndarray  # int64 [L+1]
    end: np.ndarray  # int32 [P]
    n_edges: np.ndarray  # int8 [P]
    edges: np.ndarray  # int32 [P, MAX_HOPS], -1 padded
    km: np.ndarray  # float64 [P]


def enumerate_paths(net: Network, hops: int, max_km: float = np.inf) -> PathTable:
    """All loop-free paths of up to `hops` edges (Flee's awareness level), optionally within `max_km`.

    Agents choose among these, so their count bounds the work of a choice; with
    the road networks of national crises (mean degree about 3) and 2 to 3 hops
    it stays near ten to thirty paths per location.
    """
    if not 1 <= hops <= MAX_HOPS:
        raise ValueError(f"awareness hops must be between 1 and {MAX_HOPS}, got {hops}")
    ends: list[int] = []
    nedges: list[int] = []
    edge_rows: list[list[int]] = []
    kms: list[float] = []
    counts = np.zeros(net.n_locations, dtype=np.int64)
    indptr, edge_to, edge_km = net.indptr, net.edge_to, net.edge_km
    for s in range(net.n_locations):
        stack = [(s, [], [s], 0.0)]
        while stack:
            node, path_edges, visited, dist = stack.pop()
            for e in range(indptr[node], indptr[node + 1]):
                t = int(edge_to[e])
                if t in visited:
                    continue
                d = dist + edge_km[e]
                if d > max_km:
                    continue
                pe = path_edges + [e]
                ends.append(t); nedges.append(len(pe)); edge_rows.append(pe); kms.append(d)
                counts[s] += 1
                # destinations abroad are sinks: no path continues through them
                if len(pe) < hops and net.kind[t] != LocationKind.ABROAD:
                    stack.append((t, pe, visited + [t], d))
    edges = np.full((len(ends), MAX_HOPS), -1, dtype=np.int32)
    for p, pe in enumerate(edge_rows):
        edges[p, : len(pe)] = pe
    start_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return PathTable(
        start_indptr=start_indptr,
        end=np.asarray(ends, dtype=np.int32),
        n_edges=np.asarray(nedges, dtype=np.int8),
        edges=edges,
        km=np.asarray(kms, dtype=np.float64),
    )
