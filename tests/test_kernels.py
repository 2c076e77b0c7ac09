"""The Numba kernels against their NumPy twins, and hand-worked checks of choice and travel.

Agreement is exact: the twins draw the same counter-based random numbers, so after
several days on a random network every agent array must be identical, bit for bit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import pytest

from crisisflow.model import kernels, kernels_numpy
from crisisflow.model.admission import gated_locations
from crisisflow.model.codes import HOME_STATUSES, N_STATUS, N_TYPE, AgentType, LocationKind, RouteMode, Status
from crisisflow.model.network import LocationTable, Network, PathTable, RouteTable, build_network, enumerate_paths
from crisisflow.model.population import SCHEMA, days_displaced
from crisisflow.model.rules import path_crosses_border

IMPLS = {"numba": kernels, "numpy": kernels_numpy}
STATE = ("active", "agent_type", "size", "status", "location", "origin", "displaced_since", "wait_days", "path",
         "path_pos", "link_km_left", "cleared", "has_documents")
SEED = 20240611
#: queued rows are stranded after this many days (the movement pass counts their waits on two days out of three)
STRANDED_AFTER = 2
#: the types with choice tables: migrants and IDPs (host households choose as the IDPs they become)
CHOOSING = np.array([t != AgentType.HOST_HOUSEHOLD for t in AgentType])


@dataclass
class World:
    net: Network
    paths: PathTable
    path_cost: np.ndarray
    path_crosses: np.ndarray


def make_world(locs: LocationTable, routes: RouteTable, hops: int) -> World:
    net = build_network(locs, routes)
    paths = enumerate_paths(net, hops)
    return World(net, paths, np.log(10.0 + paths.km), path_crosses_border(net, paths))


def table(names, kinds, countries, throughput=None) -> LocationTable:
    n = len(names)
    return LocationTable(source="test", names=list(names), kinds=[int(k) for k in kinds], countries=list(countries),
                         lat=[0.0] * n, lon=[0.0] * n, population=[1000] * n, capacity=[-1] * n,
                         throughput=list(throughput) if throughput is not None else [-1] * n, rows=list(range(n)))


def random_world(rs: np.random.Generator, hops: int) -> World:
    """A connected home country of towns, sites, gated borders and a hub, with destinations abroad."""
    n_home = int(rs.integers(16, 24))
    kinds = [LocationKind.TOWN] * n_home
    for i, k in zip(rs.choice(np.arange(1, n_home), 6, replace=False),
                    [LocationKind.SITE, LocationKind.SITE, LocationKind.BORDER, LocationKind.BORDER,
                     LocationKind.BORDER, LocationKind.HUB]):
        kinds[i] = k
    borders = [i for i, k in enumerate(kinds) if k == LocationKind.BORDER]
    hub = kinds.index(LocationKind.HUB)
    throughput = [int(rs.integers(0, 40)) if k in (LocationKind.BORDER, LocationKind.HUB) else -1 for k in kinds]
    throughput[borders[0]] = -1  # an ungated crossing point
    throughput[borders[1]] = 0  # a gate processing nobody: still a gate
    throughput[int(rs.integers(1, n_home))] = 25  # a gate on a town, should one lie before a border edge
    kinds += [LocationKind.ABROAD] * 3
    countries = ["Norland"] * n_home + ["Southland", "Southland", "Eastland"]
    throughput += [-1, -1, -1]
    names = [f"L{i}" for i in range(len(kinds))]

    pairs: dict[tuple[int, int], tuple[int, bool | None]] = {}
    for i in range(1, n_home):  # a spanning tree keeps every location reachable
        pairs[(int(rs.integers(0, i)), i)] = (RouteMode.ROAD, None)
    for _ in range(n_home // 2):
        a, b = sorted(rs.choice(n_home, 2, replace=False).tolist())
        pairs.setdefault((a, b), (int(rs.choice([RouteMode.ROAD, RouteMode.ROAD, RouteMode.SEA])), None))
    pairs[(borders[0], n_home)] = (RouteMode.ROAD, None)
    pairs[(borders[1], n_home + 1)] = (RouteMode.ROAD, None)
    pairs[(borders[2], n_home + 2)] = (RouteMode.ROAD, None)
    pairs[(hub, n_home + 2)] = (RouteMode.AIR, None)
    pairs[(hub, n_home + 1)] = (RouteMode.SEA, None)
    pairs[(borders[1], borders[2])] = (RouteMode.ROAD, True)  # a crossing declared in the routes file
    routes = RouteTable(source="test")
    for row, ((a, b), (mode, crosses)) in enumerate(pairs.items()):
        routes.a.append(names[a]); routes.b.append(names[b])
        routes.distance.append(float(rs.uniform(20.0, 300.0)))
        routes.mode.append(int(mode)); routes.crosses_border.append(crosses); routes.rows.append(row)
    return make_world(table(names, kinds, countries, throughput), routes, hops)


def random_population(rs: np.random.Generator, world: World, n: int) -> dict[str, np.ndarray]:
    """Agents of every type in every status, some already part-way along a valid path."""
    net, paths = world.net, world.paths
    home = np.nonzero(net.kind != LocationKind.ABROAD)[0]
    st = {name: np.full(n, fill, dtype=dtype) for name, (dtype, fill) in SCHEMA.items()}
    st["active"][:] = True
    st["agent_type"][:] = rs.integers(0, N_TYPE, n)
    st["size"][:] = rs.integers(1, 9, n)
    st["status"][:] = rs.integers(0, N_STATUS, n)
    st["location"][:] = rs.choice(home, n)
    st["origin"][:] = np.where(rs.random(n) < 0.2, -1, rs.choice(home, n))
    st["displaced_since"][:] = -rs.integers(1, 200, n)  # displaced 1 to 199 days on day 0
    st["wait_days"][:] = rs.integers(0, 10, n)
    st["cleared"][:] = rs.random(n) < 0.3
    st["has_documents"][:] = rs.random(n) < 0.7
    exited = (st["status"] == Status.CROSSED_BORDER) | (st["status"] == Status.EVACUATED)
    st["active"][exited | (rs.random(n) < 0.02)] = False

    queued = (st["status"] == Status.WAITING) | (st["status"] == Status.STRANDED)
    on_path = (st["status"] == Status.ON_THE_MOVE) | (queued & (rs.random(n) < 0.5))
    rows = np.nonzero(on_path)[0]
    p = rs.integers(0, len(paths.end), len(rows))
    pos = (rs.random(len(rows)) * paths.n_edges[p]).astype(np.int8)
    e = paths.edges[p, pos]
    fraction = np.where(rs.random(len(rows)) < 0.3, 1.0, rs.uniform(0.05, 1.0, len(rows)))
    st["path"][rows] = p
    st["path_pos"][rows] = pos
    st["location"][rows] = net.edge_from[e]
    st["link_km_left"][rows] = (net.edge_km[e] * fraction).astype(np.float32)
    return st


def random_tables(rs: np.random.Generator, world: World, quiet: bool = False) -> dict[str, np.ndarray]:
    """One day's rule tables, with closed links, refused border edges, never-pulling places and zero departures.
    On a `quiet` day nobody is likely to leave (at most 13% a day), as on most days of a long run: most rows draw
    above the highest probability of their type and status group and skip the row-by-row path. Each status and
    type has its own highest probability (migrants at home none), so a group's bound that missed one of them
    would be too low somewhere."""
    L, E = world.net.n_locations, world.net.n_edges
    p = rs.uniform(0.0, 0.6, (N_TYPE, N_STATUS, L))
    p[rs.random(p.shape) < 0.3] = 0.0
    p[rs.random(p.shape) < 0.1] = 1.0
    if quiet:  # one probability per type and status (1-13%), or none at a place
        level = 0.01 * np.arange(1, N_STATUS + 1)[None, :, None] * np.array([1.0, 0.5, 0.8])[:, None, None]
        p = np.where(rs.random(p.shape) < 0.7, level, 0.0)
        p[AgentType.MIGRANT, list(HOME_STATUSES)] = 0.0
        p[:, Status.IN_SITE] *= np.linspace(0.5, 1.5, L)  # highest at the last place, a site or not
    pull = rs.normal(0.0, 1.0, (N_TYPE, L))
    pull[rs.random(pull.shape) < 0.15] = -np.inf
    p_continue = rs.uniform(0.0, 1.0, (N_TYPE, L))
    p_continue[rs.random(p_continue.shape) < 0.3] = 0.0
    return dict(p_depart=p, p_continue=p_continue, pull=pull, dist_power=rs.uniform(0.2, 1.5, N_TYPE),
                border_penalty=rs.uniform(0.0, 2.0, N_TYPE),
                speed=np.column_stack([rs.uniform(40, 200, N_TYPE), rs.uniform(60, 300, N_TYPE),
                                       rs.uniform(300, 1500, N_TYPE)]),
                edge_open=_cut_off(rs, world, rs.random(E) > 0.1), border_allowed=rs.random((N_TYPE, 2, E)) > 0.25)


def _cut_off(rs: np.random.Generator, world: World, edge_open: np.ndarray) -> np.ndarray:
    """Close every route out of a third of the locations, so that some leavers are trapped."""
    for loc in rs.choice(world.net.n_locations, world.net.n_locations // 3, replace=False):
        edge_open[world.net.indptr[loc]:world.net.indptr[loc + 1]] = False
    return edge_open


#: the day's counts, as `tally` writes them and the kernels keep them up to date
COUNTS = ("by_place", "exits", "by_origin", "rows")


def zero_counts(world: World) -> dict[str, np.ndarray]:
    L = world.net.n_locations
    return dict(by_place=np.zeros((kernels.N_PARTIALS, L, N_STATUS, N_TYPE), dtype=np.int64),
                exits=np.zeros((kernels.N_PARTIALS, N_TYPE, N_STATUS), dtype=np.int64),
                by_origin=np.zeros((kernels.N_PARTIALS, L), dtype=np.int64),
                rows=np.zeros((kernels.N_PARTIALS, 2), dtype=np.int64))


def counts_of(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: out[k] for k in COUNTS}


def move(impl, world: World, st: dict, tb: dict, seed: int, day: int,
         kept: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """One day of moves; returns the per-thread outputs. The Numba core first builds the day's choice tables;
    the twin chooses agent by agent from the pulls. `kept`, the day's counts (a count of `st` if not given), change
    by what the moves changed; the Numba core bounds the rows that may act by the places they hold, except on odd
    days, where it takes them as out of date and bounds by every place."""
    kept = counts_of(count(kernels, world, st)) if kept is None else kept
    net, paths = world.net, world.paths
    out = dict(flows=np.zeros((kernels.N_PARTIALS, net.n_edges), dtype=np.int64),
               crossings=np.zeros((kernels.N_PARTIALS, len(net.countries)), dtype=np.int64),
               displaced=np.zeros((kernels.N_PARTIALS, N_TYPE), dtype=np.int64),
               row_lists=np.full((kernels.N_LISTS, len(st["active"]) + kernels.N_CHUNKS), -1, dtype=np.int64),
               list_counts=np.zeros((kernels.N_CHUNKS, 2), dtype=np.int64))
    gated = gated_locations(net.kind, net.capacity, net.throughput)
    hostable = net.kind == LocationKind.TOWN
    travel_args = (net.edge_to, net.edge_km, net.edge_mode, net.edge_border, tb["edge_open"], tb["border_allowed"],
                   net.kind, gated, net.country, hostable, day % 3 > 0, STRANDED_AFTER, out["flows"],
                   out["crossings"], out["displaced"], out["row_lists"], out["list_counts"])
    if impl is kernels:
        cum = np.zeros((N_TYPE, 2, len(paths.end)))
        total = np.zeros((N_TYPE, 2, net.n_locations))
        last = np.full((N_TYPE, 2, net.n_locations), -1, dtype=np.int64)
        kernels.choice_tables(CHOOSING, tb["pull"], paths.start_indptr, paths.end, paths.n_edges, paths.edges,
                              world.path_cost, world.path_crosses, tb["dist_power"], tb["border_penalty"],
                              tb["edge_open"], net.edge_border, tb["border_allowed"], cum, total, last,
                              kernels.path_weights(tb["dist_power"], tb["border_penalty"], world.path_cost,
                                                   world.path_crosses))
        # the pass picks its marked rows one by one, or word by word (`kernels._many_marked`, a speed choice from
        # the persons by type and status): each way on every other pair of days
        persons = np.zeros((N_TYPE, N_STATUS), dtype=np.int64)
        if day // 2 % 2 == 0:
            persons[:, Status.SELF_SETTLED] = 1  # everyone would be marked: one by one
        kernels.move_agents(seed, day, *(st[k] for k in STATE), tb["p_depart"], tb["p_continue"], cum, total, last,
                            tb["speed"], paths.start_indptr, paths.n_edges, paths.edges, *travel_args,
                            *(kept[k] for k in COUNTS), day % 2 == 0, persons)
    else:
        kernels_numpy.move_agents(seed, day, *(st[k] for k in STATE), tb["p_depart"], tb["p_continue"], tb["pull"],
                                  tb["dist_power"], tb["border_penalty"], tb["speed"], paths.start_indptr, paths.end,
                                  paths.n_edges, paths.edges, world.path_cost, world.path_crosses, *travel_args,
                                  *(kept[k] for k in COUNTS))
    n = len(st["active"])
    lists, counts = out.pop("row_lists"), out.pop("list_counts")
    # the listed rows, as one row of per-thread-like output each, so that the comparisons below are exact
    for name in ("QUEUED", "SETTLED", "QUEUED_PLACE", "QUEUED_SIZE", "QUEUED_TYPE", "QUEUED_STRANDS"):
        out[name.lower()] = kernels.listed_rows(lists, counts, getattr(kernels, name), n)[None, :]
    return out


def months_term_for(st: dict, day: int) -> np.ndarray:
    """The Numba core's table of the return logit's time term, covering half the rows' days displaced on `day`:
    both the table and its direct computation past the end meet the twin's log1p."""
    return kernels.months_displaced_term(int(np.median(days_displaced(st["displaced_since"], day))) + 1)


def count(impl, world: World, st: dict, returns: tuple | None = None) -> dict[str, np.ndarray]:
    """One day's tally; with returns = (logit, seed, day), the day's returns decided on the same pass."""
    L = world.net.n_locations
    out = dict(zero_counts(world), returned=np.zeros(kernels.N_PARTIALS, dtype=np.int64))
    logit, seed, day = returns if returns is not None else (np.zeros(L), 0, 0)
    args = (st["active"], st["agent_type"], st["status"], st["location"], st["origin"], st["size"],
            out["by_place"], out["exits"], out["by_origin"], out["rows"], returns is not None, seed, day,
            st["displaced_since"], logit, 0.7)
    if impl is kernels:
        kernels.tally(*args, months_term_for(st, day), out["returned"])
    else:
        kernels_numpy.tally(*args, out["returned"])
    return out


def go_home(impl, world: World, st: dict, logit: np.ndarray, seed: int, day: int,
            kept: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """One day of returns; `kept`, the day's counts, change by what the returns changed (the Numba core's time
    term from `months_term_for`)."""
    returned = np.zeros(kernels.N_PARTIALS, dtype=np.int64)
    kept = zero_counts(world) if kept is None else kept
    args = (seed, day, st["active"], st["agent_type"], st["status"], st["location"], st["origin"],
            st["displaced_since"], st["size"], logit, 0.7)
    if impl is kernels:
        kernels.return_home(*args, months_term_for(st, day), returned, *(kept[k] for k in COUNTS))
    else:
        kernels_numpy.return_home(*args, returned, *(kept[k] for k in COUNTS))
    return returned



def test_months_displaced_term_is_log1p_of_months():
    term = kernels.months_displaced_term(400)
    assert np.array_equal(term, np.array([math.log1p(d / 30.0) for d in range(400)]))


def copy(st: dict) -> dict:
    return {k: v.copy() for k, v in st.items()}


def assert_same_state(a: dict, b: dict, when: str) -> None:
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=f"{k} differs {when}")
        assert a[k].dtype == b[k].dtype, f"{k} dtype changed {when}"


def assert_same_sums(a: dict, b: dict, when: str) -> None:
    for k in a:
        np.testing.assert_array_equal(a[k].sum(axis=0), b[k].sum(axis=0), err_msg=f"{k} differs {when}")


def release_queues(rs: np.random.Generator, states: list[dict]) -> None:
    """Stand-in for admission, the same for every copy: clear some queued agents to move on along their path."""
    st = states[0]
    rows = np.nonzero(st["active"] & (st["status"] == Status.WAITING) & (st["path"] >= 0))[0]
    rows = rows[rs.random(len(rows)) < 0.6]
    for s in states:
        s["cleared"][rows] = True
        s["status"][rows] = Status.ON_THE_MOVE


@pytest.mark.parametrize("hops, quiet", [(2, False), (3, False), (2, True)])
def test_numba_and_numpy_agree_over_days(hops: int, quiet: bool) -> None:
    rs = np.random.default_rng(hops)
    world = random_world(rs, hops)
    start = random_population(rs, world, 4000)
    fast, twin = copy(start), copy(start)
    totals = {"flows": 0, "crossings": 0, "displaced": 0, "returned": 0, "trapped": 0}
    for day in range(6):
        tb = random_tables(rs, world, quiet)
        before = fast["status"].copy()
        kept_fast, kept_twin = counts_of(count(kernels, world, fast)), counts_of(count(kernels_numpy, world, twin))
        out_fast = move(kernels, world, fast, tb, SEED, day, kept_fast)
        out_twin = move(kernels_numpy, world, twin, tb, SEED, day, kept_twin)
        assert_same_state(fast, twin, f"after moves on day {day}")
        assert_same_sums(out_fast, out_twin, f"in move outputs on day {day}")
        # the counts kept through the moves are those of a count after them
        assert_same_sums(kept_fast, counts_of(count(kernels, world, fast)), f"in counts kept by moves on day {day}")
        assert_same_sums(kept_twin, counts_of(count(kernels_numpy, world, twin)), f"in the twin's on day {day}")
        for k in ("flows", "crossings", "displaced"):
            totals[k] += int(out_fast[k].sum())
        totals["trapped"] += int(np.sum((before != Status.TRAPPED) & (fast["status"] == Status.TRAPPED)))

        release_queues(rs, [fast, twin])
        logit = rs.normal(-1.0, 1.5, world.net.n_locations)
        if day % 2:  # the returns on their own pass, then the tally
            kept_fast, kept_twin = counts_of(count(kernels, world, fast)), counts_of(count(kernels_numpy, world, twin))
            returned = go_home(kernels, world, fast, logit, SEED, day, kept_fast)
            assert returned.sum() == go_home(kernels_numpy, world, twin, logit, SEED, day, kept_twin).sum()
            counts_fast, counts_twin = count(kernels, world, fast), count(kernels_numpy, world, twin)
            assert_same_sums(kept_fast, counts_of(counts_fast), f"in counts kept by returns on day {day}")
            assert_same_sums(kept_twin, counts_of(counts_twin), f"in the twin's on day {day}")
        else:  # the returns decided on the tally's pass
            counts_fast = count(kernels, world, fast, (logit, SEED, day))
            counts_twin = count(kernels_numpy, world, twin, (logit, SEED, day))
            returned = counts_fast["returned"]
        totals["returned"] += int(returned.sum())
        assert_same_state(fast, twin, f"after returns on day {day}")
        assert_same_sums(counts_fast, counts_twin, f"in tallies on day {day}")

    # the days exercised every branch, so agreement is not vacuous
    assert all(v > 0 for v in totals.values()), totals
    now = fast["status"]
    assert np.any((start["agent_type"] == AgentType.HOST_HOUSEHOLD) & (fast["agent_type"] == AgentType.IDP))
    assert np.any(start["active"] & (now == Status.CROSSED_BORDER) & ~fast["active"])
    assert np.any((now == Status.WAITING) & (fast["path"] >= 0))  # queued mid-path at a crossing point
    assert np.any((now == Status.ON_THE_MOVE) & (fast["link_km_left"] > 0))
    assert np.any(start["displaced_since"] != fast["displaced_since"])  # counted from the day they left home


def test_quiet_bounds_take_the_places_held_in_the_threads_summed_counts() -> None:
    """A place counts as held where the threads' rows of the kept counts sum to someone there (the kernels count into
    the row of the thread that ran the block, so one thread may count a row out of a place that another counted in:
    both rows are then off 0 and nobody is there); where the counts may be out of date, every place counts."""
    L = 4
    p = np.zeros((N_TYPE, N_STATUS, L))
    p[AgentType.IDP, Status.IN_SITE] = [0.1, 0.5, 0.9, 0.3]
    p[AgentType.IDP, Status.HOSTED] = [0.0, 0.0, 0.0, 0.6]
    p[AgentType.IDP, Status.RETURNED] = [0.2, 0.05, 0.7, 0.0]
    counts = np.zeros((2, L, N_STATUS, N_TYPE), dtype=np.int64)
    counts[1, 1, Status.IN_SITE, AgentType.IDP] = 4  # held in the second thread's row only
    counts[0, 3, Status.IN_SITE, AgentType.IDP] = 2
    counts[0, 0, Status.RETURNED, AgentType.IDP] = 1
    counts[1, 1, Status.RETURNED, AgentType.MIGRANT] = 3  # another type's: not held for IDPs
    counts[0, 2, Status.IN_SITE, AgentType.IDP] = 5  # counted in by one thread, out by the other: not held
    counts[1, 2, Status.IN_SITE, AgentType.IDP] = -5
    held = kernels._quiet_bounds(p, counts, True)
    np.testing.assert_array_equal(held[AgentType.IDP], [0.2, 0.5])  # at home: place 0; in a site or hosted: 1, 3
    np.testing.assert_array_equal(held[AgentType.MIGRANT], [0.0, 0.0])
    np.testing.assert_array_equal(kernels._quiet_bounds(p, counts, False)[AgentType.IDP], [0.7, 0.9])


def test_marked_rows_are_picked_one_by_one_where_many_persons_may_be_marked() -> None:
    """The pass picks its marked rows one by one where the persons expected to be marked (at home or in a site
    under their type's threshold, self-settled or queued whatever their draw; not those on the move) exceed
    MANY_MARKED_SHARE of the persons in the network; those who left it do not count."""
    share = kernels.MANY_MARKED_SHARE
    assert share == 1 / 40  # the figures below are worked out for it
    thresholds = (0, 4, 0, 0, 16, 0)  # in 256ths; home: migrants, IDPs, hosts; in a site or hosted: the same
    persons = np.zeros((N_TYPE, N_STATUS), dtype=np.int64)
    assert not kernels._many_marked(thresholds, persons)
    persons[AgentType.IDP, Status.AT_HOME] = 1000  # 15.6 expected against 25
    assert not kernels._many_marked(thresholds, persons)
    persons[AgentType.IDP, Status.ON_THE_MOVE] = 10_000  # travel whatever their draw: in the total only
    persons[AgentType.IDP, Status.IN_SITE] = 3000  # 15.6 + 187.5 expected against 350
    assert not kernels._many_marked(thresholds, persons)
    persons[AgentType.IDP, Status.ON_THE_MOVE] = 0
    persons[AgentType.IDP, Status.EVACUATED] = 10_000_000  # out of the network: 203.1 against 100
    assert kernels._many_marked(thresholds, persons)
    persons[:] = 0
    persons[AgentType.MIGRANT, Status.WAITING] = 1  # one person, queued: marked whatever its draw
    assert kernels._many_marked(thresholds, persons)


@pytest.mark.parametrize("bound, threshold", [(-1.0, 0), (0.0, 0), (0.5 / 256, 1), (0.5, 128), (0.501, 129),
                                              (1.0, 256), (2.0, 256)])
def test_coarse_threshold_keeps_every_byte_whose_draw_may_fall_under_the_bound(bound: float, threshold: int) -> None:
    """A coarse byte c gives draws in [c / 256, (c + 1) / 256): it is marked where c < 256 x bound, no fewer."""
    assert kernels._coarse_threshold(bound) == threshold


@pytest.mark.parametrize("day", [0, 1])
def test_rows_bounded_by_the_places_they_hold_agree_with_the_twin(day: int) -> None:
    """Rows in sites, hosted or at home, with high probabilities to leave where nobody in that status stands: on
    even days (see `move`) the bounds are taken over the places held (the last site's 0.2 for the rows in sites),
    on odd days over every place. A bound that missed a place held would keep rows that should go."""
    rs = np.random.default_rng(5)
    world = random_world(rs, 2)
    kind = world.net.kind
    sites, towns = np.nonzero(kind == LocationKind.SITE)[0], np.nonzero(kind == LocationKind.TOWN)[0]
    last = sites.max()
    start = random_population(rs, world, 20_000)
    start["path"][:] = -1
    start["active"][:] = True
    status = start["status"]
    status[:] = rs.choice([Status.IN_SITE, Status.HOSTED, Status.AT_HOME], len(status))
    start["location"][:] = np.where(status == Status.IN_SITE, rs.choice(sites, len(status)),
                                    rs.choice(towns, len(status)))
    tb = random_tables(rs, world)
    tb["edge_open"][:] = True  # every place has a way out, so that a row that decides to leave does
    tb["border_allowed"][:] = True
    for s, held in ((Status.IN_SITE, sites), (Status.HOSTED, towns), (Status.AT_HOME, towns)):
        p = np.full(world.net.n_locations, 0.9)  # places nobody in this status holds: a bound set there is loose
        p[held] = 0.01
        tb["p_depart"][:, s] = p
    tb["p_depart"][:, Status.IN_SITE, last] = 0.2
    fast, twin = copy(start), copy(start)
    out_fast = move(kernels, world, fast, tb, SEED, day)
    out_twin = move(kernels_numpy, world, twin, tb, SEED, day)
    assert_same_state(fast, twin, f"with rows bounded by the places they hold, day {day}")
    assert_same_sums(out_fast, out_twin, f"with rows bounded by the places they hold, day {day}")
    in_last = (start["status"] == Status.IN_SITE) & (start["location"] == last)
    left = (fast["status"] != start["status"]) | (fast["location"] != start["location"])
    assert 0.1 < left[in_last].mean() < 0.3  # they left at the last site's probability, over the other sites'
    assert left[~in_last].mean() < 0.03


@pytest.mark.parametrize("time_weight", [0.7, 0.0, -0.3])
def test_returns_agree_with_the_twin_where_few_may_return(time_weight: float) -> None:
    """Low logits everywhere but at one origin: the kernel tests exactly only the rows whose draw falls under the
    day's highest probability (`kernels._return_bound`); with a negative time weight, where that bound does not
    hold, every returnable row. Each case decides as the twin, which tests every row."""
    rs = np.random.default_rng(13)
    world = random_world(rs, 2)
    start = random_population(rs, world, 20_000)
    L = world.net.n_locations
    logit = rs.normal(-5.0, 0.5, L)
    logit[int(rs.integers(L))] = -1.0
    fast, twin = copy(start), copy(start)
    returned = np.zeros(kernels.N_PARTIALS, dtype=np.int64)
    kept = zero_counts(world)
    kernels.return_home(SEED, 3, *(fast[k] for k in ("active", "agent_type", "status", "location", "origin",
                                                       "displaced_since", "size")),
                        logit, time_weight, kernels.months_displaced_term(400), returned, *(kept[k] for k in COUNTS))
    twin_returned = np.zeros(1, dtype=np.int64)
    kernels_numpy.return_home(SEED, 3, *(twin[k] for k in ("active", "agent_type", "status", "location", "origin",
                                                            "displaced_since", "size")),
                              logit, time_weight, twin_returned)
    assert_same_state(fast, twin, f"after returns with time weight {time_weight}")
    assert returned.sum() == twin_returned.sum() > 0


def test_returns_agree_with_the_twin_where_few_rows_are_displaced() -> None:
    """Blocks where many rows may go home (drawn on vector lanes), blocks where few may (statuses read eight to a
    word, `kernels._returnable_bits`), with returnable rows at the block's first and last rows, which fall outside
    its whole words, and blocks where none may; some returnable rows inactive. Decisions as the twin's."""
    rs = np.random.default_rng(17)
    world = random_world(rs, 2)
    n = 20_003  # blocks of 312 or 313 rows: their edges fall anywhere within a word of eight
    start = random_population(rs, world, n)
    status = start["status"]
    edges = [(c * n) // kernels.N_CHUNKS for c in range(kernels.N_CHUNKS + 1)]
    edge_rows = []
    for c in range(kernels.N_CHUNKS):
        lo, hi = edges[c], edges[c + 1]
        if c >= 8:  # beyond the first eight blocks, everyone at home ...
            status[lo:hi] = Status.AT_HOME
        if 8 <= c < 40:  # ... but for a few in site, hosted, self-settled or queued, the block's edges among them
            few = np.r_[lo, lo + 1, hi - 2, hi - 1, rs.choice(np.arange(lo + 2, hi - 2), 4, replace=False)]
            status[few] = rs.choice([Status.IN_SITE, Status.HOSTED, Status.SELF_SETTLED, Status.WAITING,
                                     Status.STRANDED], len(few))
            start["active"][few] = True
            start["origin"][few] = rs.choice(np.nonzero(world.net.kind != LocationKind.ABROAD)[0], len(few))
            edge_rows += [lo, lo + 1, hi - 2, hi - 1]
    start["active"][edge_rows[::7]] = False  # returnable by status, but out of the network: they stay
    logit = np.full(world.net.n_locations, 2.0)  # most who may, go
    fast, twin = copy(start), copy(start)
    returned = go_home(kernels, world, fast, logit, SEED, 5)
    twin_returned = go_home(kernels_numpy, world, twin, logit, SEED, 5)
    assert_same_state(fast, twin, "after returns with few rows displaced")
    assert returned.sum() == twin_returned.sum()
    went = (fast["status"] == Status.RETURNED) & (start["status"] != Status.RETURNED)
    assert went[edge_rows].sum() > len(edge_rows) // 2  # the rows at the blocks' edges were visited
    assert went[edges[8]:edges[40]].sum() > 100 and went[:edges[8]].sum() > 100


def test_returns_on_the_tally_pass_equal_returns_then_tally() -> None:
    rs = np.random.default_rng(11)
    world = random_world(rs, 2)
    start = random_population(rs, world, 5000)
    move(kernels, world, start, random_tables(rs, world), SEED, 0)
    logit = rs.normal(0.0, 1.0, world.net.n_locations)
    apart, together = copy(start), copy(start)
    returned = go_home(kernels, world, apart, logit, SEED, 1)
    counts_apart = count(kernels, world, apart)
    counts_together = count(kernels, world, together, (logit, SEED, 1))
    assert returned.sum() > 0 and not np.array_equal(apart["status"], start["status"])
    assert_same_state(apart, together, "between returns apart and on the tally's pass")
    counts_apart["returned"] = returned
    assert_same_sums(counts_apart, counts_together, "between returns apart and on the tally's pass")


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs at least two Numba threads")
@pytest.mark.parametrize("quiet", [False, True])
def test_results_do_not_depend_on_thread_count(quiet: bool) -> None:
    rs = np.random.default_rng(7)
    world = random_world(rs, 3)
    start = random_population(rs, world, 5000)
    tb = random_tables(rs, world, quiet)
    logit = rs.normal(0.0, 1.0, world.net.n_locations)
    runs = []
    before = numba.get_num_threads()
    try:
        for threads in (1, 2):
            numba.set_num_threads(threads)
            st = copy(start)
            outputs = move(kernels, world, st, tb, SEED, 3)
            outputs["returned_apart"] = go_home(kernels, world, st, logit, SEED, 3)
            outputs.update(count(kernels, world, st, (logit, SEED, 4)))  # the next day's returns on the tally's pass
            runs.append((st, outputs))
    finally:
        numba.set_num_threads(before)
    (st1, out1), (st2, out2) = runs
    assert_same_state(st1, st2, "between 1 and 2 threads")
    for k in out1:  # each thread counts its own rows; their sums agree whatever the thread count
        np.testing.assert_array_equal(out1[k].sum(axis=0), out2[k].sum(axis=0), err_msg=k)


def star_world() -> World:
    """C in the middle, 100 km of road to each of A, B and D."""
    locs = table(["C", "A", "B", "D"], [LocationKind.TOWN] * 4, ["N"] * 4)
    routes = RouteTable(source="test", a=["C", "C", "C"], b=["A", "B", "D"], distance=[100.0] * 3,
                        mode=[RouteMode.ROAD] * 3, crosses_border=[None] * 3, rows=[0, 1, 2])
    return make_world(locs, routes, hops=1)


def fixed_tables(world: World, pull: np.ndarray, speed: float) -> dict[str, np.ndarray]:
    """Everyone at home leaves for sure; no distance or border cost; every link open and allowed."""
    L, E = world.net.n_locations, world.net.n_edges
    p = np.zeros((N_TYPE, N_STATUS, L))
    p[:, Status.AT_HOME, :] = 1.0
    return dict(p_depart=p, p_continue=np.zeros((N_TYPE, L)), pull=np.repeat(pull[None, :], N_TYPE, axis=0),
                dist_power=np.zeros(N_TYPE),
                border_penalty=np.zeros(N_TYPE), speed=np.full((N_TYPE, 3), speed),
                edge_open=np.ones(E, dtype=np.bool_), border_allowed=np.ones((N_TYPE, 2, E), dtype=np.bool_))


def at_home(n: int, loc: int) -> dict[str, np.ndarray]:
    st = {name: np.full(n, fill, dtype=dtype) for name, (dtype, fill) in SCHEMA.items()}
    st["active"][:] = True
    st["location"][:] = loc
    return st


def test_choose_path_cumulative_walk_by_hand() -> None:
    # utilities 0 and log 3 give weights 1 and 3 of 4: A takes draws below 1/4, B the rest; D is never permitted
    world = star_world()
    pull = np.array([0.0, 0.0, math.log(3.0), -np.inf])
    tb = fixed_tables(world, pull, 1000.0)
    paths = world.paths
    to = {int(paths.end[p]): p for p in range(paths.start_indptr[0], paths.start_indptr[1])}

    cum = np.zeros((N_TYPE, 2, len(paths.end)))
    total = np.zeros((N_TYPE, 2, world.net.n_locations))
    last = np.full((N_TYPE, 2, world.net.n_locations), -1, dtype=np.int64)
    kernels.choice_tables(CHOOSING, tb["pull"], paths.start_indptr, paths.end, paths.n_edges, paths.edges,
                          world.path_cost, world.path_crosses, tb["dist_power"], tb["border_penalty"], tb["edge_open"],
                          world.net.edge_border, tb["border_allowed"], cum, total, last,
                          kernels.path_weights(tb["dist_power"], tb["border_penalty"], world.path_cost,
                                               world.path_crosses))
    assert total[1, 1, 0] == pytest.approx(4.0 / 3.0)  # weights exp(u - max): 1/3, 1 and 0 for D

    def choose(draw: float) -> int:
        return kernels.choose_path(0, 1, 1, draw, paths.start_indptr, cum, total, last)

    assert [choose(d) for d in (0.0, 0.2499, 0.2501, 0.9999)] == [to[1], to[1], to[2], to[2]]


@pytest.mark.parametrize("far", [0.0, 2000.0])
@pytest.mark.parametrize("links_open", [False, True])
def test_choice_tables_are_the_logit_weights_of_the_utilities(far: float, links_open: bool) -> None:
    """The tables built from destination and path weights (`kernels.choice_tables`) equal exp(u - max u) over
    each place's permitted paths, normalised, as the utilities give them (`kernels.path_utility`). With `far`,
    every destination but one pulls 2,000 below it, so that their weights underflow and those places' tables are
    made from the utilities themselves. With every link open (`links_open`; borders still refused to some), the
    paths that cross no border take the short test of their end alone."""
    rs = np.random.default_rng(23)
    world = random_world(rs, 3)
    tb = random_tables(rs, world)
    if links_open:
        tb["edge_open"][:] = True
    pull = tb["pull"]
    pull[np.isfinite(pull)] -= far
    pull[:, 0] = 0.0
    paths, L = world.paths, world.net.n_locations
    cum = np.zeros((N_TYPE, 2, len(paths.end)))
    total = np.zeros((N_TYPE, 2, L))
    last = np.full((N_TYPE, 2, L), -1, dtype=np.int64)
    kernels.choice_tables(CHOOSING, pull, paths.start_indptr, paths.end, paths.n_edges, paths.edges, world.path_cost,
                          world.path_crosses, tb["dist_power"], tb["border_penalty"], tb["edge_open"],
                          world.net.edge_border, tb["border_allowed"], cum, total, last,
                          kernels.path_weights(tb["dist_power"], tb["border_penalty"], world.path_cost,
                                               world.path_crosses))
    compared = 0
    for t in np.nonzero(CHOOSING)[0]:
        for docs in (0, 1):
            for loc in range(L):
                lo, hi = paths.start_indptr[loc], paths.start_indptr[loc + 1]
                u = np.array([kernels.path_utility(p, t, docs, pull, paths.end, paths.n_edges, paths.edges,
                                                   world.path_cost, world.path_crosses, tb["dist_power"],
                                                   tb["border_penalty"], tb["edge_open"], world.net.edge_border,
                                                   tb["border_allowed"]) for p in range(lo, hi)])
                permitted = np.nonzero(u > -np.inf)[0]
                assert last[t, docs, loc] == (lo + permitted[-1] if len(permitted) else -1)
                if len(permitted):
                    weights = np.where(u > -np.inf, np.exp(u - u.max()), 0.0)
                    np.testing.assert_allclose(cum[t, docs, lo:hi] / total[t, docs, loc],
                                               np.cumsum(weights) / weights.sum(), rtol=1e-12, atol=1e-300)
                    compared += 1
    assert compared > L  # most places have a permitted path for some type and documents


@pytest.mark.parametrize("impl", IMPLS.values(), ids=IMPLS.keys())
def test_choice_frequencies_match_softmax(impl) -> None:
    world = star_world()
    pull = np.array([0.0, 0.0, math.log(3.0), -np.inf])
    n = 20_000
    st = at_home(n, 0)
    move(impl, world, st, fixed_tables(world, pull, 1000.0), SEED, 0)
    assert np.all(st["status"] == Status.SELF_SETTLED)
    share_a = np.mean(st["location"] == 1)
    # binomial sd is sqrt(0.25 * 0.75 / 20000) = 0.0031: 0.015 is ~5 sd, and 0.5 or 0.75 fail by far
    assert abs(share_a - 0.25) < 0.015
    assert np.count_nonzero(st["location"] == 1) + np.count_nonzero(st["location"] == 2) == n
    assert not np.any(st["location"] == 3)  # -inf pull: never chosen


@pytest.mark.parametrize("impl", IMPLS.values(), ids=IMPLS.keys())
def test_on_the_move_without_a_path_stops_where_it_stands(impl) -> None:
    # a status written from outside the kernels (a Mesa agent set on the move, no path): the kernel must not read
    # path -1 (the compiled journey indexes paths without wrap-around), and the agent settles in town C
    world = star_world()
    tb = fixed_tables(world, np.zeros(4), 1000.0)
    tb["p_depart"][:] = 0.0  # nobody decides to leave: only the row on the move acts
    st = at_home(2, 0)
    st["status"][0] = Status.ON_THE_MOVE
    out = move(impl, world, st, tb, SEED, 0)
    assert st["status"][0] == Status.SELF_SETTLED and st["location"][0] == 0 and st["path"][0] == -1
    assert st["status"][1] == Status.AT_HOME
    assert out["flows"].sum() == 0


@pytest.mark.parametrize("impl", IMPLS.values(), ids=IMPLS.keys())
def test_travel_three_edges_by_hand(impl) -> None:
    # S - X - Y - Z, 100 km each, 250 km a day: day 1 covers S-X (0.4 day) and X-Y (0.4 day), then 0.2 day
    # (50 km) of Y-Z, leaving 50 km; day 2 needs 0.2 day and arrives in town Z, where the agent settles
    locs = table(["S", "X", "Y", "Z"], [LocationKind.TOWN] * 4, ["N"] * 4)
    routes = RouteTable(source="test", a=["S", "X", "Y"], b=["X", "Y", "Z"], distance=[100.0] * 3,
                        mode=[RouteMode.ROAD] * 3, crosses_border=[None] * 3, rows=[0, 1, 2])
    world = make_world(locs, routes, hops=3)
    tb = fixed_tables(world, np.array([-np.inf, -np.inf, -np.inf, 0.0]), 250.0)
    st = at_home(1, 0)
    st["size"][:] = 4
    net = world.net
    sx, xy, yz = net.edge_between(0, 1), net.edge_between(1, 2), net.edge_between(2, 3)

    out = move(impl, world, st, tb, SEED, 0)
    assert st["status"][0] == Status.ON_THE_MOVE and st["location"][0] == 2 and st["path_pos"][0] == 2
    assert st["link_km_left"][0] == pytest.approx(50.0, abs=1e-4)
    assert st["origin"][0] == 0 and days_displaced(st["displaced_since"], 0)[0] == 0
    flows = out["flows"].sum(axis=0)
    assert flows[sx] == flows[xy] == 4 and flows.sum() == 8
    assert out["displaced"].sum(axis=0)[AgentType.IDP] == 4

    out = move(impl, world, st, tb, SEED, 1)
    assert st["status"][0] == Status.SELF_SETTLED and st["location"][0] == 3
    assert st["path"][0] == -1 and st["link_km_left"][0] == 0.0 and days_displaced(st["displaced_since"], 1)[0] == 1
    flows = out["flows"].sum(axis=0)
    assert flows[yz] == 4 and flows.sum() == 4


def test_count_of_type_counts_every_row_of_the_type():
    types = np.random.default_rng(3).integers(0, N_TYPE, 100_003).astype(np.int8)
    for t in range(N_TYPE):
        assert kernels.count_of_type(types, np.int8(t)) == np.count_nonzero(types == t)
    assert kernels.count_of_type(np.zeros(0, dtype=np.int8), np.int8(0)) == 0
