"""A synthetic national-scale scenario shaped after the Haiti 2010 earthquake, built in memory for benchmarks.

    from crisisflow.experiments.synthetic import haiti_like
    scenario = haiti_like(persons_per_agent=4)       # households of 4: about 694,000 agents
    scenario = haiti_like(persons_per_agent=1)       # person resolution: about 2.77 million agents

This is SYNTHETIC data: no place, road or population below is real. Only the orders of magnitude follow
the 2010 earthquake: about 1.5 million persons displaced, living in more than 1,500 displacement sites at
the peak (IOM Displacement Tracking Matrix; IOM, "Haiti: from emergency to sustainable recovery", 2012),
most of them in and around the capital, with a land border to one neighbouring country and an airport
through which foreign nationals were evacuated. The scenario exists to measure speed and memory at the
scale of a national crisis; it is not a model of Haiti and its results mean nothing about Haiti.

ASSUMPTIONS (all invented, chosen for the scale above):
- country: a 260 km x 120 km rectangle with planar (Euclidean) kilometres; latitude and longitude are
  derived from them around 18 N, 72 W only so the network has coordinates; road distance is the straight
  line times a circuity of 1.25;
- 700 towns: 640 on a jittered grid over the country plus 60 more packed within 18 km of the capital;
  1,550 displacement sites: 1,200 scattered around the capital (the sites of 2010 were mostly in the
  metropolitan area), 350 next to other towns; 3 border crossings on the eastern edge (1,500 persons
  processed a day each), one destination abroad beyond them, one evacuation hub (an airport near the
  capital, 2,000 seats a day, for foreign nationals);
- roads: a minimum spanning tree of the Delaunay triangulation of towns and sites (a planar graph), plus
  the shortest other Delaunay edges until the mean degree is 3; each border crossing joins its 2 nearest
  towns and the destination abroad, the hub its 2 nearest towns;
- people: 1.5 million residents in the towns within 40 km of the epicentre (the capital region) and
  1.25 million in the rest of the country, in host households; 24,000 foreign nationals in the capital
  region (90% with travel documents). Populations are multiples of 4, so both resolutions hold exactly
  the same persons. With the default crisisflow rules nearly everyone in the capital region leaves home
  at some point (a first calibration run with 1.75 million there peaked at 1.76 million displaced), so
  the capital-region total is set to the displaced total wanted, 1.5 million;
- hazard: one sudden-onset event (an earthquake) 7 days after the start, intensity 1.0 at the epicentre
  (20 km west of the capital) falling linearly to 0.2 at 40 km and 0 beyond, half-life 21 days; damage
  follows the hazard and is rebuilt at 0.5% of what remains a day; phases from the thresholds 0.2
  (emergency) and 0.05 (recovery), so recovery starts about 100 days after the event, well within a year;
- sites: capacities drawn from a log-normal distribution (many small sites, a few large ones) and
  scaled so that together they hold 1.65 million persons, 10% more than the displaced total;
- hosting: 0.2 places per host-household member at home; queues strand after 14 days.

Deterministic: the same `seed` builds the same scenario, at any resolution.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

from ..model.codes import AgentType, LocationKind, RouteMode
from ..model.crisis import HazardEvent, Timeline, damage_from_hazard, event_hazard, phases
from ..model.io_crisisflow import PopulationTable
from ..model.network import LocationTable, RouteTable, build_network
from ..model.scenario import Scenario

WIDTH_KM, HEIGHT_KM = 260.0, 120.0
CAPITAL = np.array([150.0, 45.0])
EPICENTRE = CAPITAL - np.array([20.0, 0.0])
HAZARD_RADIUS_KM = 40.0
CIRCUITY = 1.25
HOME, ABROAD = "Haiti-like", "Neighbour-like"

N_GRID_TOWNS = 640  # 32 x 20 jittered grid
N_CAPITAL_TOWNS = 60
N_CAPITAL_SITES = 1200
N_OTHER_SITES = 350
N_BORDERS = 3
BORDER_THROUGHPUT = 1500  # persons a day per crossing
HUB_SEATS = 2000  # persons a day
ZONE_PERSONS = 1_500_000  # residents of the capital region (towns within HAZARD_RADIUS_KM of the epicentre)
REST_PERSONS = 1_250_000  # residents elsewhere
MIGRANT_PERSONS = 24_000  # foreign nationals in the capital region
DISPLACED_TARGET = 1_500_000
SITE_CAPACITY_TOTAL = int(1.1 * DISPLACED_TARGET)
DAYS = 365
START = dt.date(2010, 1, 5)
EVENT_DAY = 7  # 12 January 2010
HALF_LIFE_DAYS = 21.0
REBUILD_PER_DAY = 0.005
MEAN_DEGREE = 3.0


def haiti_like(persons_per_agent: int, seed: int = 0, scale: float = 1.0, days: int = DAYS) -> Scenario:
    """The synthetic Haiti-like scenario at `persons_per_agent` persons per agent (4: households, 1: persons).

    `scale` multiplies every population and capacity (1.0: the national-scale benchmark; smaller values
    give the same network with fewer agents, for tests); `days` shortens the run. Deterministic in `seed`.
    """
    ppa = int(persons_per_agent)
    if ppa < 1:
        raise ValueError(f"persons_per_agent must be at least 1, got {persons_per_agent}")
    rng = np.random.default_rng(seed)

    # ---- places -------------------------------------------------------------------------------------------
    nx, ny = 32, 20
    gx, gy = np.meshgrid((np.arange(nx) + 0.5) * WIDTH_KM / nx, (np.arange(ny) + 0.5) * HEIGHT_KM / ny)
    grid = np.c_[gx.ravel(), gy.ravel()] + rng.uniform(-0.4, 0.4, (nx * ny, 2)) * [WIDTH_KM / nx, HEIGHT_KM / ny]
    cap_towns = CAPITAL + _disc(rng, N_CAPITAL_TOWNS, 18.0)
    towns = np.vstack([cap_towns, grid])
    cap_sites = CAPITAL + _disc(rng, N_CAPITAL_SITES, 25.0)
    host_towns = rng.integers(N_CAPITAL_TOWNS, len(towns), N_OTHER_SITES)
    other_sites = towns[host_towns] + _disc(rng, N_OTHER_SITES, 3.0)
    sites = np.vstack([cap_sites, other_sites])
    towns = _clip(towns)
    sites = _clip(sites)
    n_towns, n_sites = len(towns), len(sites)
    borders = np.c_[np.full(N_BORDERS, WIDTH_KM), (np.arange(N_BORDERS) + 0.5) * HEIGHT_KM / N_BORDERS]
    abroad = np.array([[WIDTH_KM + 80.0, HEIGHT_KM / 2]])
    hub = CAPITAL + np.array([[6.0, 4.0]])
    xy = np.vstack([towns, sites, borders, abroad, hub])
    kinds = ([LocationKind.TOWN] * n_towns + [LocationKind.SITE] * n_sites + [LocationKind.BORDER] * N_BORDERS
             + [LocationKind.ABROAD, LocationKind.HUB])
    names = ([f"town_{i:04d}" for i in range(n_towns)] + [f"site_{i:04d}" for i in range(n_sites)]
             + [f"border_{i}" for i in range(N_BORDERS)] + ["abroad", "airport_hub"])
    countries = [HOME] * (n_towns + n_sites + N_BORDERS) + [ABROAD, HOME]
    i_border = n_towns + n_sites
    i_abroad, i_hub = i_border + N_BORDERS, i_border + N_BORDERS + 1

    # ---- who lives where ----------------------------------------------------------------------------------
    d_epi = np.hypot(*(towns - EPICENTRE).T)
    in_zone = d_epi <= HAZARD_RADIUS_KM
    weights = rng.lognormal(0.0, 0.8, n_towns)
    pop = np.zeros(n_towns, dtype=np.int64)
    pop[in_zone] = _split(ZONE_PERSONS * scale, weights[in_zone] * (1.5 - d_epi[in_zone] / HAZARD_RADIUS_KM))
    pop[~in_zone] = _split(REST_PERSONS * scale, weights[~in_zone])
    migrants = np.zeros(n_towns, dtype=np.int64)
    migrants[in_zone] = _split(MIGRANT_PERSONS * scale, weights[in_zone])

    capacity = np.full(len(xy), -1, dtype=np.int64)
    site_w = rng.lognormal(0.0, 1.0, n_sites)
    capacity[n_towns:n_towns + n_sites] = np.maximum(_split(SITE_CAPACITY_TOTAL * scale, site_w, unit=1), 1)
    throughput = np.full(len(xy), -1, dtype=np.int64)
    throughput[i_border:i_border + N_BORDERS] = max(int(BORDER_THROUGHPUT * scale), 1)
    throughput[i_hub] = max(int(HUB_SEATS * scale), 1)

    lat = 18.0 + xy[:, 1] / 111.0
    lon = -74.5 + xy[:, 0] / (111.0 * np.cos(np.radians(19.0)))
    locs = LocationTable(source="synthetic haiti_like", names=names, kinds=[int(k) for k in kinds], countries=countries,
                         lat=lat.tolist(), lon=lon.tolist(), population=np.r_[pop, np.zeros(len(xy) - n_towns, int)].tolist(),
                         capacity=capacity.tolist(), throughput=throughput.tolist(), rows=list(range(2, len(xy) + 2)))

    # ---- roads --------------------------------------------------------------------------------------------
    a, b = _road_graph(xy[: n_towns + n_sites])
    extra_a, extra_b = [], []
    for k in range(N_BORDERS):
        for t in np.argsort(np.hypot(*(towns - borders[k]).T))[:2]:
            extra_a.append(int(t)); extra_b.append(i_border + k)
        extra_a.append(i_border + k); extra_b.append(i_abroad)
    for t in np.argsort(np.hypot(*(towns - hub[0]).T))[:2]:
        extra_a.append(int(t)); extra_b.append(i_hub)
    a = np.r_[a, extra_a].astype(int)
    b = np.r_[b, extra_b].astype(int)
    km = np.round(CIRCUITY * np.hypot(*(xy[a] - xy[b]).T), 1)
    km = np.maximum(km, 0.5)
    routes = RouteTable(source="synthetic haiti_like", a=[names[i] for i in a], b=[names[i] for i in b],
                        distance=km.tolist(), mode=[int(RouteMode.ROAD)] * len(a), crosses_border=[None] * len(a),
                        rows=list(range(2, len(a) + 2)))
    net = build_network(locs, routes, home_country=HOME)

    # ---- populations table ----------------------------------------------------------------------------------
    table = PopulationTable(source="synthetic haiti_like")
    for i in range(n_towns):
        rows = [(AgentType.HOST_HOUSEHOLD, "", int(pop[i]), 0.1)]
        if migrants[i] > 0:
            rows.append((AgentType.MIGRANT, "Foreign", int(migrants[i]), 0.9))
        for atype, nat, persons, docs in rows:
            if persons <= 0:
                continue
            table.location.append(names[i]); table.agent_type.append(int(atype)); table.nationality.append(nat)
            table.persons.append(persons); table.group_size.append(ppa); table.documents_share.append(docs)
            table.unaccompanied_child_share.append(0.01); table.trafficking_victim_share.append(0.001)
            table.no_language_access_share.append(0.05); table.rows.append(len(table.rows) + 2)

    # ---- the crisis -----------------------------------------------------------------------------------------
    zone = np.nonzero(in_zone)[0]
    hazard = np.zeros((days, net.n_locations), dtype=np.float32)
    for level in np.unique(np.round(1.0 - 0.8 * d_epi[zone] / HAZARD_RADIUS_KM, 2)):  # one event per intensity
        where = zone[np.round(1.0 - 0.8 * d_epi[zone] / HAZARD_RADIUS_KM, 2) == level]
        ev = HazardEvent(kind="sudden", locations=tuple(int(i) for i in where), start_day=EVENT_DAY,
                         intensity=float(level), half_life_days=HALF_LIFE_DAYS, duration_days=0, rise_days=0,
                         travel_days=0)
        hazard = np.maximum(hazard, event_hazard([ev], days, net.n_locations))
    timeline = Timeline(start_date=START, hazard=hazard, damage=damage_from_hazard(hazard, REBUILD_PER_DAY),
                        phase=phases(hazard, START, None, None, 0.2, 0.05))
    return Scenario(name=f"haiti_like_ppa{ppa}", network=net, timeline=timeline, nationalities=["Foreign"],
                    populations=table, observed_new=None, edge_closed=None, flee=None, hosting_spare_share=0.2,
                    stranded_after_days=14, persons_per_agent=ppa)


def expected_persons(scale: float = 1.0) -> int:
    """Persons in the scenario on day 0 (the same at every resolution)."""
    return int(_round4(ZONE_PERSONS * scale) + _round4(REST_PERSONS * scale) + _round4(MIGRANT_PERSONS * scale))


def _disc(rng: np.random.Generator, n: int, radius: float) -> np.ndarray:
    """n points in a disc, denser towards the centre (a city thins out towards its edge)."""
    r = radius * rng.uniform(0.0, 1.0, n) ** 0.75
    phi = rng.uniform(0.0, 2 * np.pi, n)
    return np.c_[r * np.cos(phi), r * np.sin(phi)]


def _clip(xy: np.ndarray) -> np.ndarray:
    return np.c_[np.clip(xy[:, 0], 1.0, WIDTH_KM - 1.0), np.clip(xy[:, 1], 1.0, HEIGHT_KM - 1.0)]


def _round4(x: float) -> int:
    return 4 * int(round(x / 4))


def _split(total: float, weights: np.ndarray, unit: int = 4) -> np.ndarray:
    """Split `total` (rounded to a multiple of `unit`) over `weights` in multiples of `unit`, exactly."""
    units = int(round(total / unit))
    share = weights / weights.sum() * units
    out = np.floor(share).astype(np.int64)
    rest = units - out.sum()
    out[np.argsort(out - share, kind="stable")[:rest]] += 1  # largest remainders first
    return out * unit


def _road_graph(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges: the Delaunay minimum spanning tree plus the shortest other Delaunay edges up to MEAN_DEGREE."""
    tri = Delaunay(xy)
    s = tri.simplices
    pairs = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    n = len(xy)
    mst = minimum_spanning_tree(coo_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(n, n))).tocoo()
    tree = np.sort(np.c_[mst.row, mst.col], axis=1)
    in_tree = np.zeros(len(pairs), dtype=bool)
    key = pairs[:, 0] * n + pairs[:, 1]
    in_tree[np.isin(key, tree[:, 0] * n + tree[:, 1])] = True
    n_extra = max(int(MEAN_DEGREE * n / 2) - len(tree), 0)
    others = np.nonzero(~in_tree)[0]
    extra = others[np.argsort(length[others], kind="stable")[:n_extra]]
    chosen = np.r_[np.nonzero(in_tree)[0], extra]
    return pairs[chosen, 0], pairs[chosen, 1]
