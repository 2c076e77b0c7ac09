"""model/rules.py: CrisisflowRules with the default RulesConfig on a six-place network, values worked out by hand.

Places: Town, Site1 and Site2 (capacity 100 each), Hub, Border (in X) and Abroad (in Z).
Routes: Town-Site1 10 km, Town-Site2 15, Town-Hub 30, Town-Border 40, Border-Abroad 5 (crosses).
"""
from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest
from omegaconf import OmegaConf

from crisisflow.model.codes import HOME_STATUSES, N_STATUS, N_TYPE, AgentType, LocationKind as K, Status
from crisisflow.model.config import RulesConfig
from crisisflow.model.network import LocationTable, RouteTable, build_network
from crisisflow.model.rules import CrisisflowRules, LocationState, build_rules

TOWN, SITE1, SITE2, HUB, BORDER, ABROAD = range(6)
MIGRANT, IDP, HOST = int(AgentType.MIGRANT), int(AgentType.IDP), int(AgentType.HOST_HOUSEHOLD)
AT_HOME_LIKE = HOME_STATUSES


def sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def make_net():
    locs = LocationTable(
        source="locs.csv", names=["Town", "Site1", "Site2", "Hub", "Border", "Abroad"],
        kinds=[K.TOWN, K.SITE, K.SITE, K.HUB, K.BORDER, K.ABROAD], countries=["X"] * 5 + ["Z"],
        lat=[0.0] * 6, lon=[0.0] * 6, population=[1000, 0, 0, 0, 0, 0],
        capacity=[-1, 100, 100, -1, -1, -1], throughput=[-1, -1, -1, 50, 50, -1], rows=list(range(2, 8)),
    )
    routes = RouteTable(
        source="routes.csv", a=["Town", "Town", "Town", "Town", "Border"], b=["Site1", "Site2", "Hub", "Border", "Abroad"],
        distance=[10.0, 15.0, 30.0, 40.0, 5.0], mode=[0] * 5, crosses_border=[None] * 5, rows=list(range(2, 7)),
    )
    return build_network(locs, routes)


@pytest.fixture
def net():
    return make_net()


@pytest.fixture
def scenario(net):
    return SimpleNamespace(network=net)  # the rules read only the network here


@pytest.fixture
def cfg():
    return OmegaConf.structured(RulesConfig)


@pytest.fixture
def rules(cfg, scenario):
    return CrisisflowRules(cfg, scenario)


@pytest.fixture
def paths(rules):
    return rules.paths  # awareness_hops = 2 by default


def state(net, **kw):
    L, E = net.n_locations, net.n_edges
    base = {f.name: np.zeros(L) for f in dataclasses.fields(LocationState)}  # any other [L] field: zeros
    base.update(day=0, phase=1, site_capacity=net.capacity.astype(np.float64), edge_open=np.ones(E, dtype=bool),
                border_open=np.ones((N_TYPE, 2, E), dtype=bool))
    base.update({k: np.asarray(v, dtype=np.float64) if k not in ("day", "phase", "edge_open", "border_open") else v
                 for k, v in kw.items()})
    return LocationState(**base)


# ---------------------------------------------------------------- leaving home


def test_tables_have_the_documented_shapes(rules, net):
    t = rules.daily(state(net))
    assert t.p_depart.shape == (N_TYPE, N_STATUS, net.n_locations)
    assert t.pull.shape == (N_TYPE, net.n_locations)
    assert t.border_allowed.shape == (N_TYPE, 2, net.n_edges)


def test_no_push_no_departure_from_home(rules, net):
    # aid and crowding present, but no hazard, damage or neighbours gone
    t = rules.daily(state(net, aid=[0.5] * 6, in_site=[0, 100, 0, 0, 0, 0]))
    for s in AT_HOME_LIKE:
        assert (t.p_depart[:, s, :] == 0).all(), s


def test_departure_probability_by_hand(rules, net):
    t = rules.daily(state(net, hazard=[1, 0, 0, 0, 0, 0]))
    # push 8 * 1; attachment 5 (migrant), 6 (idp, host household); no aid
    assert t.p_depart[MIGRANT, Status.AT_HOME, TOWN] == pytest.approx(sig(3))
    assert t.p_depart[IDP, Status.AT_HOME, TOWN] == pytest.approx(sig(2))
    assert t.p_depart[HOST, Status.TRAPPED, TOWN] == pytest.approx(sig(2))
    assert (t.p_depart[:, Status.AT_HOME, SITE1] == 0).all()


def test_damage_and_neighbours_push_and_aid_holds_back(rules, net):
    t = rules.daily(state(net, damage=[0.5] * 6, gone_share=[0.25] * 6, aid=[1.0] * 6))
    # push 3 * .5 + 2 * .25 = 2; minus attachment 5 and aid 1
    assert t.p_depart[MIGRANT, Status.AT_HOME, TOWN] == pytest.approx(sig(2 - 5 - 1))


def test_higher_hazard_higher_departure(rules, net):
    hazard = [0.05, 0.2, 0.4, 0.6, 0.8, 1.0]
    t = rules.daily(state(net, hazard=hazard))
    for s in AT_HOME_LIKE:
        for ty in range(N_TYPE):
            p = t.p_depart[ty, s, :]
            assert (np.diff(p) > 0).all(), (ty, s)
            assert p[0] > 0


def test_higher_hazard_higher_departure_at_one_place(rules, net):
    probs = [rules.daily(state(net, hazard=[h, 0, 0, 0, 0, 0])).p_depart[IDP, Status.AT_HOME, TOWN]
             for h in (0.1, 0.3, 0.5, 0.7, 0.9)]
    assert all(a < b for a, b in zip(probs, probs[1:]))


# ---------------------------------------------------------------- moving on


def test_moving_on_by_status_and_kind(rules, net):
    t = rules.daily(state(net))
    assert t.p_depart[IDP, Status.IN_SITE, SITE1] == pytest.approx(sig(-6))
    assert t.p_depart[IDP, Status.SELF_SETTLED, TOWN] == pytest.approx(sig(-2))
    assert t.p_depart[MIGRANT, Status.SELF_SETTLED, BORDER] == pytest.approx(sig(-2 + 4))  # move_kind border 4
    # leaving a queue is not sped up by the kind of place
    assert t.p_depart[MIGRANT, Status.WAITING, BORDER] == pytest.approx(sig(-3))
    assert t.p_depart[MIGRANT, Status.STRANDED, BORDER] == pytest.approx(sig(-3))


def test_hazard_and_crowding_raise_moving_on(rules, net):
    calm = rules.daily(state(net)).p_depart[IDP, Status.IN_SITE, SITE1]
    hazard = rules.daily(state(net, hazard=[0, 0.5, 0, 0, 0, 0])).p_depart[IDP, Status.IN_SITE, SITE1]
    full = rules.daily(state(net, in_site=[0, 100, 0, 0, 0, 0])).p_depart[IDP, Status.IN_SITE, SITE1]
    assert hazard == pytest.approx(sig(-6 + 6 * 0.5))
    assert full == pytest.approx(sig(-6 + 2 * 1.0))  # crowding (1.0 - 0.9) * 10 = 1
    assert calm < hazard and calm < full


# ---------------------------------------------------------------- pull


def test_full_site_pulls_less_than_empty_site(rules, net):
    pull = rules.daily(state(net, in_site=[0, 0, 100, 0, 0, 0])).pull
    assert (pull[:, SITE1] > pull[:, SITE2]).all()
    # 2 * log(1) - 2 * log(0.01)
    assert pull[IDP, SITE1] - pull[IDP, SITE2] == pytest.approx(-2 * math.log(0.01))


def test_pull_by_kind_by_hand(rules, net):
    pull = rules.daily(state(net)).pull
    assert pull[:, SITE1].tolist() == pytest.approx([0.0, 1.0, 1.0])
    assert pull[:, ABROAD].tolist() == pytest.approx([2.0, -1.0, -1.0])
    assert pull[:, BORDER].tolist() == pytest.approx([1.0, -1.0, -1.0])
    assert pull[:, TOWN].tolist() == pytest.approx([0.0, 0.0, 0.0])


def test_hazard_lowers_and_aid_and_hosts_raise_pull(rules, net):
    pull = rules.daily(state(net, hazard=[0.5, 0, 0, 0, 0, 0], aid=[0.25, 0, 0, 0, 0, 0], host_free=[100, 0, 0, 0, 0, 0])).pull
    assert pull[MIGRANT, TOWN] == pytest.approx(-4 * 0.5 + 0.25 + 0.5 * math.log(2))


def test_idp_pull_to_hubs_is_minus_infinity_by_default(rules, net):
    pull = rules.daily(state(net)).pull
    assert pull[IDP, HUB] == -np.inf
    assert pull[HOST, HUB] == -np.inf
    assert pull[MIGRANT, HUB] == pytest.approx(2.0)
    others = [TOWN, SITE1, SITE2, BORDER, ABROAD]
    assert np.isfinite(pull[:, others]).all()  # the -inf stays at hubs


# ---------------------------------------------------------------- borders


def border_edges(net):
    return np.array([net.edge_between(BORDER, ABROAD), net.edge_between(ABROAD, BORDER)])


def test_undocumented_may_not_cross_border_edges(rules, net):
    allowed = rules.daily(state(net)).border_allowed
    crossing = border_edges(net)
    assert net.edge_border[crossing].all() and net.edge_border.sum() == 2
    assert not allowed[:, 0, crossing].any()  # without documents
    assert allowed[:, 1, crossing].all()  # with documents


def test_everyone_may_use_non_border_edges(rules, net):
    allowed = rules.daily(state(net)).border_allowed
    inland = ~net.edge_border
    assert allowed[:, :, inland].all()


def test_without_document_rule_undocumented_may_cross(cfg, net, scenario):
    cfg.border_requires_documents = False
    allowed = CrisisflowRules(cfg, scenario).daily(state(net)).border_allowed
    assert allowed.all()


def test_type_that_may_not_cross_is_stopped_even_with_documents(cfg, net, scenario):
    cfg.may_cross_border.idp = 0.0
    allowed = CrisisflowRules(cfg, scenario).daily(state(net)).border_allowed
    crossing = border_edges(net)
    assert not allowed[IDP, :, crossing].any()
    assert allowed[MIGRANT, 1, crossing].all()
    assert allowed[IDP, :, ~net.edge_border].all()


# ---------------------------------------------------------------- static tables


def find_path(net, paths, nodes):
    for p in range(paths.start_indptr[nodes[0]], paths.start_indptr[nodes[0] + 1]):
        k = paths.n_edges[p]
        if tuple([nodes[0]] + [int(net.edge_to[e]) for e in paths.edges[p, :k]]) == tuple(nodes):
            return p
    raise AssertionError(f"no path {nodes}")


def test_path_cost_is_log_of_softening_plus_km(rules, net, paths):
    st = rules.static
    assert st.path_cost == pytest.approx(np.log(50.0 + paths.km))
    assert st.path_cost[find_path(net, paths, [TOWN, SITE1])] == pytest.approx(math.log(60))
    assert st.path_cost[find_path(net, paths, [TOWN, BORDER, ABROAD])] == pytest.approx(math.log(95))
    assert st.path_cost[find_path(net, paths, [SITE1, TOWN, HUB])] == pytest.approx(math.log(90))


def test_path_cost_follows_softening(cfg, net, scenario):
    cfg.softening_km = 10.0
    rules = CrisisflowRules(cfg, scenario)
    paths, st = rules.paths, rules.static
    assert st.path_cost[find_path(net, paths, [TOWN, SITE1])] == pytest.approx(math.log(20))


def test_path_crosses_border(rules, net, paths):
    crosses = rules.static.path_crosses
    assert crosses[find_path(net, paths, [TOWN, BORDER, ABROAD])]
    assert crosses[find_path(net, paths, [ABROAD, BORDER])]
    assert not crosses[find_path(net, paths, [TOWN, BORDER])]
    assert not crosses[find_path(net, paths, [SITE1, TOWN, HUB])]


def test_static_per_type_tables(rules):
    st = rules.static
    assert st.border_penalty.tolist() == [0.0, 2.0, 2.0]
    assert st.dist_power.tolist() == [1.0, 1.0, 1.0]
    assert st.speed.shape == (N_TYPE, 3) and st.speed[IDP].tolist() == [200.0, 400.0, 2000.0]


def test_awareness_hops_bound_the_paths(cfg, net, scenario):
    cfg.awareness_hops = 1
    rules = CrisisflowRules(cfg, scenario)
    assert len(rules.paths.end) == net.n_edges
    assert len(rules.static.path_cost) == net.n_edges


def test_build_rules_by_name(cfg, scenario):
    assert isinstance(build_rules(cfg, scenario), CrisisflowRules)
    cfg.name = "nope"
    with pytest.raises(ValueError, match="nope"):
        build_rules(cfg, scenario)
