"""model/network.py: build_network's CSR arrays and checks, enumerate_paths, edge_between, edge_labels.

The hand example: A (town, X), B (site, X), C (border, X), D (abroad, Y) with
routes A-B 10 km, A-C 20 km, C-D 5 km (border derived from the countries) and
B-C 7 km (marked as a border crossing in the file although both ends are in X).
"""
from __future__ import annotations

import warnings

import pytest

from crisisflow.model.codes import LocationKind as K
from crisisflow.model.codes import RouteMode
from crisisflow.model.errors import InputError
from crisisflow.model.network import LocationTable, RouteTable, build_network, enumerate_paths


def locations(names, kinds, countries, population=None, capacity=None, throughput=None, source="locs.csv"):
    n = len(names)
    return LocationTable(
        source=source, names=list(names), kinds=[int(k) for k in kinds], countries=list(countries),
        lat=[0.0] * n, lon=[0.0] * n,
        population=list(population or [0] * n), capacity=list(capacity or [-1] * n),
        throughput=list(throughput or [-1] * n), rows=list(range(2, n + 2)),
    )


def routes(triples, crosses=None, modes=None, source="routes.csv"):
    n = len(triples)
    return RouteTable(
        source=source, a=[t[0] for t in triples], b=[t[1] for t in triples], distance=[float(t[2]) for t in triples],
        mode=list(modes or [int(RouteMode.ROAD)] * n), crosses_border=list(crosses or [None] * n),
        rows=list(range(2, n + 2)),
    )


def four_node_tables():
    locs = locations("ABCD", [K.TOWN, K.SITE, K.BORDER, K.ABROAD], ["X", "X", "X", "Y"], population=[100, 0, 0, 0])
    rts = routes([("A", "B", 10), ("A", "C", 20), ("C", "D", 5), ("B", "C", 7)],
                 crosses=[None, None, None, True], modes=[0, 0, 0, 1])
    return locs, rts


@pytest.fixture
def net():
    return build_network(*four_node_tables())


# ---------------------------------------------------------------- build_network


def test_csr_indptr_counts_edges_per_source(net):
    # A: 2 routes, B: 2, C: 3, D: 1; each route gives an edge from both ends
    assert net.indptr.tolist() == [0, 2, 4, 7, 8]
    assert net.n_edges == 8 == 2 * 4


def test_csr_edges_grouped_by_source_in_route_order(net):
    assert net.edge_from.tolist() == [0, 0, 1, 1, 2, 2, 2, 3]
    assert net.edge_to.tolist() == [1, 2, 0, 2, 0, 3, 1, 2]
    assert net.edge_km.tolist() == [10, 20, 10, 7, 20, 5, 7, 5]
    assert net.edge_route.tolist() == [0, 1, 0, 3, 1, 2, 3, 2]
    assert net.edge_mode.tolist() == [0, 0, 0, 1, 0, 0, 1, 0]


def test_every_route_appears_in_both_directions(net):
    pairs = set(zip(net.edge_from.tolist(), net.edge_to.tolist()))
    for a, b in [(0, 1), (0, 2), (2, 3), (1, 2)]:
        assert (a, b) in pairs and (b, a) in pairs


def test_crosses_border_derived_from_countries_when_none(net):
    c_to_d, d_to_c = net.edge_between(2, 3), net.edge_between(3, 2)
    assert net.edge_border[c_to_d] and net.edge_border[d_to_c]  # X -> Y
    assert not net.edge_border[net.edge_between(0, 1)]  # X -> X
    assert not net.edge_border[net.edge_between(2, 0)]


def test_crosses_border_taken_from_file_when_given(net):
    # B-C is inside X but the file says it crosses
    assert net.edge_border[net.edge_between(1, 2)] and net.edge_border[net.edge_between(2, 1)]


def test_crosses_border_false_in_file_overrides_countries():
    locs = locations("AB", [K.TOWN, K.ABROAD], ["X", "Y"])
    n = build_network(locs, routes([("A", "B", 3)], crosses=[False]))
    assert n.edge_border.tolist() == [False, False]


def test_countries_and_home_country(net):
    assert net.countries == ["X", "Y"]
    assert net.country.tolist() == [0, 0, 0, 1]
    assert net.home_country == 0
    assert build_network(*four_node_tables(), home_country="Y").home_country == 1


def test_location_columns_copied(net):
    assert net.names == ["A", "B", "C", "D"]
    assert net.kind.tolist() == [K.TOWN, K.SITE, K.BORDER, K.ABROAD]
    assert net.population.tolist() == [100, 0, 0, 0]
    assert net.index() == {"A": 0, "B": 1, "C": 2, "D": 3}


def test_edge_between(net):
    assert net.edge_between(0, 1) == 0
    assert net.edge_between(0, 2) == 1
    assert net.edge_between(2, 3) == 5
    assert net.edge_between(3, 2) == 7
    assert net.edge_between(0, 3) == -1
    assert net.edge_between(3, 0) == -1


def test_edge_labels(net):
    assert net.edge_labels() == ["A -> B", "A -> C", "B -> A", "B -> C", "C -> A", "C -> D", "C -> B", "D -> C"]


def _raises(locs, rts) -> InputError:
    with pytest.raises(InputError) as info:
        build_network(locs, rts)
    return info.value


def test_duplicate_location_name_names_file_and_row():
    locs = locations(["A", "B", "A"], [K.TOWN] * 3, ["X"] * 3)
    err = _raises(locs, routes([("A", "B", 1)]))
    assert err.source == "locs.csv" and err.row == 4
    assert "locs.csv, row 4" in str(err) and "'A'" in str(err)


def test_unknown_route_end_names_file_and_row():
    locs = locations("AB", [K.TOWN, K.TOWN], ["X", "X"])
    err = _raises(locs, routes([("A", "B", 1), ("B", "Nowhere", 2)]))
    assert err.source == "routes.csv" and err.row == 3
    assert "routes.csv, row 3" in str(err) and "Nowhere" in str(err)


@pytest.mark.parametrize("km", [-1.0, float("nan"), float("inf")])
def test_bad_distance_names_file_and_row(km):
    locs = locations("ABC", [K.TOWN] * 3, ["X"] * 3)
    err = _raises(locs, routes([("A", "B", 1), ("B", "C", 2), ("A", "C", km)]))
    assert err.source == "routes.csv" and err.row == 4
    assert "routes.csv, row 4" in str(err)


def test_zero_distance_is_allowed():
    locs = locations("AB", [K.TOWN] * 2, ["X"] * 2)
    assert build_network(locs, routes([("A", "B", 0)])).edge_km.tolist() == [0.0, 0.0]


def test_self_loop_names_file_and_row():
    locs = locations("AB", [K.TOWN] * 2, ["X"] * 2)
    err = _raises(locs, routes([("A", "B", 1), ("B", "B", 2)]))
    assert err.row == 3 and "routes.csv, row 3" in str(err) and "'B'" in str(err)


@pytest.mark.parametrize("population", [-1, -5])
def test_negative_population_names_file_and_row(population):
    locs = locations("AB", [K.TOWN] * 2, ["X"] * 2, population=[10, population])
    err = _raises(locs, routes([("A", "B", 1)]))
    assert err.source == "locs.csv" and err.row == 3
    assert "population" in str(err) and "'B'" in str(err)


def test_negative_capacity_names_file_and_row():
    locs = locations("AB", [K.TOWN, K.SITE], ["X"] * 2, capacity=[-1, -2])
    err = _raises(locs, routes([("A", "B", 1)]))
    assert err.row == 3 and "capacity" in str(err) and "locs.csv, row 3" in str(err)


def test_negative_throughput_names_file_and_row():
    locs = locations("AB", [K.BORDER, K.TOWN], ["X"] * 2, throughput=[-3, -1])
    err = _raises(locs, routes([("A", "B", 1)]))
    assert err.row == 2 and "throughput" in str(err)


def test_minus_one_capacity_and_throughput_mean_no_limit():
    locs = locations("AB", [K.SITE, K.HUB], ["X"] * 2, capacity=[-1, -1], throughput=[-1, -1])
    n = build_network(locs, routes([("A", "B", 1)]))
    assert n.capacity.tolist() == [-1, -1] and n.throughput.tolist() == [-1, -1]


def test_location_without_route_warns_naming_it():
    locs = locations(["A", "B", "Lonely"], [K.TOWN] * 3, ["X"] * 3)
    with pytest.warns(UserWarning, match="Lonely") as record:
        n = build_network(locs, routes([("A", "B", 1)]))
    assert len(record) == 1
    assert "locs.csv, row 4" in str(record[0].message)
    assert n.indptr.tolist() == [0, 1, 2, 2]


def test_connected_network_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_network(*four_node_tables())


# ---------------------------------------------------------------- enumerate_paths


def path_set(net, paths):
    """{(node sequence): km}, checking each path sits in its start's group and is -1 padded."""
    out = {}
    for s in range(net.n_locations):
        for p in range(paths.start_indptr[s], paths.start_indptr[s + 1]):
            k = int(paths.n_edges[p])
            edges = paths.edges[p]
            assert (edges[k:] == -1).all() and (edges[:k] >= 0).all()
            nodes = (s,) + tuple(int(net.edge_to[e]) for e in edges[:k])
            # consecutive edges connect
            for i in range(1, k):
                assert net.edge_from[edges[i]] == net.edge_to[edges[i - 1]]
            assert net.edge_from[edges[0]] == s
            assert paths.end[p] == nodes[-1]
            assert nodes not in out
            out[nodes] = float(paths.km[p])
    return out


def named(net, ps):
    return {"".join(net.names[i] for i in nodes): km for nodes, km in ps.items()}


def test_paths_one_hop_are_the_edges(net):
    got = named(net, path_set(net, enumerate_paths(net, 1)))
    assert got == {"AB": 10, "AC": 20, "BA": 10, "BC": 7, "CA": 20, "CD": 5, "CB": 7, "DC": 5}


def test_paths_two_hops_hand_count(net):
    paths = enumerate_paths(net, 2)
    got = named(net, path_set(net, paths))
    assert got == {
        "AB": 10, "ABC": 17, "AC": 20, "ACD": 25, "ACB": 27,
        "BA": 10, "BAC": 30, "BC": 7, "BCA": 27, "BCD": 12,
        "CA": 20, "CAB": 30, "CD": 5, "CB": 7, "CBA": 17,
        "DC": 5, "DCA": 25, "DCB": 12,
    }
    assert paths.start_indptr.tolist() == [0, 5, 10, 15, 18]


def test_paths_three_hops_hand_count_no_loops_no_transit_abroad(net):
    got = named(net, path_set(net, enumerate_paths(net, 3)))
    assert got == {
        "AB": 10, "ABC": 17, "ABCD": 22, "AC": 20, "ACD": 25, "ACB": 27,
        "BA": 10, "BAC": 30, "BACD": 35, "BC": 7, "BCA": 27, "BCD": 12,
        "CA": 20, "CAB": 30, "CD": 5, "CB": 7, "CBA": 17,
        "DC": 5, "DCA": 25, "DCAB": 35, "DCB": 12, "DCBA": 22,
    }
    assert len(got) == 22


def test_paths_do_not_continue_through_abroad():
    # P - Q(abroad) - R: nothing goes P-Q-R or R-Q-P, though a path may start abroad
    locs = locations("PQR", [K.TOWN, K.ABROAD, K.TOWN], ["X", "Y", "X"])
    n = build_network(locs, routes([("P", "Q", 1), ("Q", "R", 2)]))
    got = named(n, path_set(n, enumerate_paths(n, 3)))
    assert got == {"PQ": 1, "QP": 1, "QR": 2, "RQ": 2}


def test_paths_continue_through_towns():
    locs = locations("PQR", [K.TOWN, K.TOWN, K.TOWN], ["X"] * 3)
    n = build_network(locs, routes([("P", "Q", 1), ("Q", "R", 2)]))
    got = named(n, path_set(n, enumerate_paths(n, 2)))
    assert got["PQR"] == 3 and got["RQP"] == 3 and len(got) == 6


def test_paths_max_km_cutoff_is_inclusive(net):
    paths = enumerate_paths(net, 3, max_km=22)
    got = named(net, path_set(net, paths))
    from_a = {k: v for k, v in got.items() if k[0] == "A"}
    assert from_a == {"AB": 10, "ABC": 17, "ABCD": 22, "AC": 20}
    assert all(km <= 22 for km in got.values())
    assert "BACD" not in got and "DCAB" not in got


@pytest.mark.parametrize("hops", [0, 5])
def test_paths_hops_out_of_range(net, hops):
    with pytest.raises(ValueError):
        enumerate_paths(net, hops)
