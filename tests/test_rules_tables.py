"""model/rules_tables.py: the rules' day tables from the compiled passes are those of the rules written with NumPy, to
the last bit, on random days of a 300-place network; NumPy's tanh, log and log1p give each element the same value
wherever it stands in an array (what lets the passes take them on all the day's arguments at once)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from omegaconf import OmegaConf

from crisisflow.model.codes import HOME_STATUSES, N_STATUS, N_TYPE, LocationKind as K, Status
from crisisflow.model.config import RulesConfig
from crisisflow.model.network import LocationTable, RouteTable, build_network
from crisisflow.model.rules import CrisisflowRules, LocationState

N_PLACES = 300


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def numpy_tables(rules: CrisisflowRules, st: LocationState) -> tuple[np.ndarray, np.ndarray]:
    """The rules' probabilities of leaving and pull, as NumPy array steps (the statement the passes must match)."""
    w, L = rules.w, rules.net.n_locations
    occupancy = np.where(st.site_capacity > 0, st.in_site / np.maximum(st.site_capacity, 1), 0.0)
    crowd = np.clip(occupancy - 0.9, 0.0, None) * 10.0
    p = np.zeros((N_TYPE, N_STATUS, L))
    push = (w.push_hazard * st.hazard + w.push_damage * st.damage + w.push_neighbours_gone * st.gone_share
            + st.push_bonus)
    attach = rules._attachment
    leave = np.where(push > 0, sigmoid(push[None, :] - attach[:, None] - w.push_aid * st.aid), 0.0)
    for s in HOME_STATUSES:
        p[:, s] = leave
    again = w.push_hazard * st.hazard + st.push_bonus
    leave_again = np.where(again > 0, sigmoid(again[None, :] - attach[:, None] - w.push_aid * st.aid), 0.0)
    for s in (Status.RETURNED, Status.LOCALLY_INTEGRATED):
        p[:, s] = leave_again
    base = (w.move_hazard * st.hazard + w.move_crowding * crowd)[None, :] - w.move_aid * st.aid
    for s in (Status.IN_SITE, Status.HOSTED, Status.SELF_SETTLED):
        p[:, s] = sigmoid(getattr(w.move_settled, s.name.lower()) + rules._kind_move[None, :] + base)
    for s in (Status.WAITING, Status.STRANDED):
        p[:, s] = sigmoid(getattr(w.move_settled, s.name.lower()) + base)
    free_share = np.where(st.site_capacity > 0, 1.0 - st.in_site / np.maximum(st.site_capacity, 1), 1.0)
    common = (-w.pull_safety * st.hazard + w.pull_crowding * np.log(np.clip(free_share, 0.01, 1.0))
              + w.pull_host_capacity * np.log1p(st.host_free / 100.0) * rules._is[K.TOWN])
    pull = np.zeros((N_TYPE, L)) + common + w.pull_aid * st.aid + st.pull_bonus
    pull[:, rules._is[K.SITE] & (st.site_capacity == 0)] = -np.inf
    with np.errstate(invalid="ignore"):
        pull += rules._kind_pull
    return p, pull


@pytest.fixture(scope="module")
def rules():
    """A chain of 300 places of every kind (every fifth abroad), each linked to the next."""
    kinds = [(K.TOWN, K.SITE, K.HUB, K.BORDER, K.ABROAD)[i % 5] for i in range(N_PLACES)]
    names = [f"P{i}" for i in range(N_PLACES)]
    locs = LocationTable(
        source="locs.csv", names=names, kinds=kinds, countries=["Z" if k == K.ABROAD else "X" for k in kinds],
        lat=[0.0] * N_PLACES, lon=[0.0] * N_PLACES, population=[1000 if k == K.TOWN else 0 for k in kinds],
        capacity=[100 if k == K.SITE else -1 for k in kinds], throughput=[50 if k == K.BORDER else -1 for k in kinds],
        rows=list(range(2, N_PLACES + 2)))
    routes = RouteTable(
        source="routes.csv", a=names[:-1], b=names[1:], distance=[10.0] * (N_PLACES - 1), mode=[0] * (N_PLACES - 1),
        crosses_border=[None] * (N_PLACES - 1), rows=list(range(2, N_PLACES + 1)))
    net = build_network(locs, routes)
    # weights off their round defaults, so that every term's rounding shows
    cfg = OmegaConf.structured(RulesConfig(push_hazard=7.3, push_damage=2.9, push_neighbours_gone=1.7, push_aid=1.3,
                                           move_hazard=5.7, move_crowding=2.3, move_aid=0.9, pull_safety=3.7,
                                           pull_crowding=2.1, pull_host_capacity=1.1, pull_aid=0.7))
    return CrisisflowRules(cfg, type("Scenario", (), {"network": net})())


def random_state(rules: CrisisflowRules, rng: np.random.Generator, per_type: bool) -> LocationState:
    """A day with hazard, damage and bonuses at some places, sites of every fill (closed, full, over capacity,
    without a limit), aid by type (or one level for all types, as the tests' days give it) and free hosts."""
    net, L = rules.net, rules.net.n_locations

    def sparse(scale: float) -> np.ndarray:  # 0 at about half the places
        return np.where(rng.random(L) < 0.5, 0.0, rng.random(L) * scale)

    capacity = rng.choice([-1, 0, 50, 100, 1000], L).astype(np.int64)
    aid = rng.random((N_TYPE, L)) if per_type else rng.random(L)
    return LocationState(
        day=0, phase=1, hazard=sparse(1.0), damage=sparse(1.0), aid=aid, push_bonus=sparse(2.0),
        pull_bonus=np.where(rng.random((N_TYPE, L)) < 0.8, 0.0, rng.normal(0, 2, (N_TYPE, L))),
        border_open=np.ones((N_TYPE, 2, net.n_edges), dtype=bool), in_site=rng.integers(0, 1500, L),
        persons_at=rng.integers(0, 5000, L), site_capacity=capacity, host_free=rng.integers(0, 3000, L),
        gone_share=sparse(1.0), edge_open=np.ones(net.n_edges, dtype=bool))


@pytest.mark.parametrize("per_type", [True, False])
def test_compiled_tables_equal_numpy_rules_to_the_last_bit(rules, per_type):
    rng = np.random.default_rng(11)
    for _ in range(40):
        st = random_state(rules, rng, per_type)
        tables = rules.daily(st)
        p, pull = numpy_tables(rules, st)
        assert np.array_equal(tables.p_depart, p)
        assert np.array_equal(tables.p_continue, p[:, Status.SELF_SETTLED])
        assert np.array_equal(tables.pull, pull)
    assert (p > 0).any() and (p < 1).any() and np.isneginf(pull).any()  # the days had departures and closed sites


def test_the_model_days_inputs_of_other_types_give_the_same_tables(rules):
    """The model passes in_site as a column of its counts (int64, not contiguous) and the tests' days floats."""
    st = random_state(rules, np.random.default_rng(3), True)
    counts = np.zeros((rules.net.n_locations, N_STATUS), dtype=np.int64)
    counts[:, Status.IN_SITE] = st.in_site
    as_floats = dataclasses.replace(st, in_site=st.in_site.astype(np.float64),
                                    site_capacity=st.site_capacity.astype(np.float64))
    as_column = dataclasses.replace(st, in_site=counts[:, Status.IN_SITE])
    first = rules.daily(st)
    for other in (rules.daily(as_floats), rules.daily(as_column)):
        assert np.array_equal(first.p_depart, other.p_depart) and np.array_equal(first.pull, other.pull)


def test_days_that_change_at_a_few_places_keep_numpys_tables(rules):
    """`rules_tables.KeptTanh` takes tanh again only where an argument changed: days that differ from the day before
    at a few places (hazard, the share gone, a warning's push, the sites' fill) still give NumPy's tables to the last
    bit."""
    rng = np.random.default_rng(7)
    st = random_state(rules, rng, True)
    for day in range(12):
        places = rng.choice(rules.net.n_locations, 5, replace=False)
        hazard, gone = st.hazard.copy(), st.gone_share.copy()
        hazard[places[:3]] = rng.random(3)
        gone[places[3:]] = 0.0 if day % 2 else rng.random(2)
        push_bonus = st.push_bonus.copy()
        push_bonus[places[4]] = 0.0 if day % 3 else 1.5
        st = dataclasses.replace(st, hazard=hazard, gone_share=gone, push_bonus=push_bonus,
                                 in_site=st.in_site + rng.integers(0, 2, rules.net.n_locations))
        tables = rules.daily(st)
        p, pull = numpy_tables(rules, st)
        assert np.array_equal(tables.p_depart, p) and np.array_equal(tables.pull, pull)


def test_kept_tanh_takes_only_the_changed_arguments_again():
    from crisisflow.model.rules_tables import KeptTanh

    kept, x = KeptTanh(), np.random.default_rng(2).normal(0.0, 2.0, (7, 3, 50))
    x[6, 0, 0] = 0.0
    assert np.array_equal(kept(x), np.tanh(x))
    y = x.copy()
    y[2, 1, 7], y[6, 0, 0], y[0, 2, 49] = 0.25, -0.0, np.nan
    got = kept(y)
    assert np.array_equal(got, np.tanh(y), equal_nan=True)
    assert np.signbit(got[6, 0, 0])  # -0.0 == 0.0, but not bit for bit: taken again, tanh(-0.0) is -0.0
    assert np.array_equal(kept(x), np.tanh(x))  # back to the first day's: compared with y's, not x's
    assert np.array_equal(kept(x[:, :2]), np.tanh(x[:, :2]))  # another shape: all taken again


@pytest.mark.parametrize("function", [np.tanh, np.log, np.log1p])
def test_numpy_gives_each_element_the_same_value_anywhere_in_an_array(function):
    x = np.abs(np.random.default_rng(5).normal(0.0, 3.0, 10_007)) + 0.001
    whole = function(x)
    for lo, hi in ((1, 9), (3, 1000), (7, 6772), (5, 10_007), (0, 13)):
        assert np.array_equal(function(x[lo:hi]), whole[lo:hi])
        assert np.array_equal(function(x[lo:hi].copy()), whole[lo:hi])
    assert np.array_equal(function(x[::3]), whole[::3])
    assert np.array_equal(function(x[:9_996].reshape(7, 3, -1)).ravel(), whole[:9_996])  # stacked, as the passes do


@pytest.mark.parametrize("name", ["hazard", "in_site", "aid", "pull_bonus"])
def test_a_day_input_of_the_wrong_length_is_named(rules, name):
    """The compiled passes read one value per place without checking their indices: a wrong length is an error."""
    st = random_state(rules, np.random.default_rng(4), True)
    short = dataclasses.replace(st, **{name: np.asarray(getattr(st, name))[..., :-1]})
    with pytest.raises(ValueError, match=rf"LocationState\.{name}: shape .*expected"):
        rules.daily(short)
