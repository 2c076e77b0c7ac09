"""Referral: identification of unaccompanied children and victims of trafficking by place, queue priority,
protected status, conservation, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.referral import Referral

from conftest import rules_cfg, toy_scenario
from policy_helpers import CERTAIN_QUEUE, CONFLICT_AT_A, assert_conserved, compose_and_run, series

#: 10 migrants, 3 unaccompanied children and 2 victims of trafficking, all fleeing A for hub H
MIXED = ("A,migrant,X,10,1,1.0,0,0,0", "A,migrant,X,3,1,1.0,1.0,0,0", "A,migrant,X,2,1,1.0,0,1.0,0")
A, H = 0, 1


def hub_model(tmp_path, policy, seats=1, days=8, populations=MIXED, events=CONFLICT_AT_A):
    """Town A (conflict) -> hub H (`seats` a day); B is a town nobody covers."""
    scenario = toy_scenario(tmp_path / "hub",
                            ["A,town,Home,0,0,100,,", f"H,hub,Home,0,1,0,,{seats}", "B,town,Home,1,0,0,,"],
                            ["A,H,10,road,", "A,B,500,road,"], list(populations), days, events,
                            stranded_after_days=2)
    return CrisisModel(scenario, rules_cfg(**CERTAIN_QUEUE, pull_hub={"migrant": 50.0}), seed=3, policies=[policy])


def test_vulnerable_present_at_covered_places_are_referred(tmp_path):
    model = hub_model(tmp_path, Referral(rate_per_day={"hub": 1.0}), seats=0, days=2)
    model.step()
    pop = model.population
    vulnerable = pop.unaccompanied_child | pop.trafficking_victim
    assert (pop.location == H).all()
    assert np.array_equal(pop.referred, vulnerable)
    model.step()
    s = series(model)
    assert s["referred_cumulative", ""].tolist() == [5, 5]
    assert s["referred_cumulative", "unaccompanied_child"][-1] == 3
    assert s["referred_cumulative", "trafficking_victim"][-1] == 2


def test_nobody_is_referred_where_no_rate_applies(tmp_path):
    for policy in (Referral(rate_per_day={"hub": 0.0}), Referral(rate_per_day={"site": 1.0}),
                   Referral(rate_per_day={"hub": 1.0}, locations=["H"])):
        calm = hub_model(tmp_path, policy, events=[], days=3)  # no hazard: everyone stays home in A
        calm.run()
        assert not calm.population.referred.any()


def test_identification_rate_is_a_daily_probability(tmp_path):
    pops = ("A,migrant,X,400,1,1.0,1.0,0,0",)
    model = hub_model(tmp_path, Referral(rate_per_day={"hub": 0.25}), seats=0, days=2, populations=pops)
    model.run()
    first, total = series(model)["referred_cumulative", ""].tolist()
    assert 70 < first < 130 and 160 < total < 240  # 25%, then 25% of the rest


def test_referred_persons_are_admitted_first(tmp_path):
    """One seat a day: while referred persons wait at the hub, only referred persons board."""
    model = hub_model(tmp_path, Referral(rate_per_day={"hub": 1.0}), seats=1, days=8)
    boarded = []
    for _ in range(8):
        referred_waiting = (model.population.referred & model.population.active).any()
        model.step()
        if referred_waiting:
            boarded.append(model.population.referred[model.evacuated_today].all())
    # referral acts after admission: on day 0 one of the 5 vulnerable boards (the core ranks them first), the 4
    # others are referred that evening and board on days 1 to 4, before anyone else
    assert boarded == [True] * 4
    assert_conserved(model)


def test_protected_status_keeps_referred_persons_from_counting_as_stranded(tmp_path):
    stranded = {}
    for protected in (False, True):
        model = hub_model(tmp_path, Referral(rate_per_day={"hub": 1.0}, protected_status=protected), seats=0, days=6)
        model.run()
        stranded[protected] = model.recorder.loc_status[-1, H, Status.STRANDED]
        assert model.recorder.loc_status[-1, H, [Status.WAITING, Status.STRANDED]].sum() == 15
        assert_conserved(model)
    assert stranded == {False: 15, True: 10}


@pytest.mark.parametrize("kwargs, key", [
    (dict(rate_per_day={"camp": 0.5}), "policy.operations[0].rate_per_day.camp"),
    (dict(rate_per_day={"town": 0.5}), "policy.operations[0].rate_per_day.town"),
    (dict(rate_per_day={"hub": 1.5}), "policy.operations[0].rate_per_day.hub"),
    (dict(rate_per_day={"hub": -0.1}), "policy.operations[0].rate_per_day.hub"),
    (dict(rate_per_day={"hub": 0.5}, locations=["Nowhere"]), "policy.operations[0].locations[0]"),
    (dict(rate_per_day={"hub": 0.5}, locations=["B"]), "policy.operations[0].locations[0]"),  # a town
])
def test_bad_input_names_the_key(tmp_path, kwargs, key):
    with pytest.raises(InputError) as err:
        hub_model(tmp_path, Referral(**kwargs))
    assert err.value.key == key and "policy config" in str(err.value)


def test_config_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("referral")
    assert series(model)["referred_cumulative", ""][-1] > 0
    assert_conserved(model)


@pytest.mark.parametrize("protected", [True, False])
def test_identification_pass_is_the_rule_in_numpy(protected):
    """The compiled daily pass against the rule written with NumPy steps: the rows still in the network; the
    unreferred not on the move identified under their place's rate with their IDENTIFY draw; the persons referred
    by group; the referred rows stranded (with protected status)."""
    from crisisflow.model import rng as crng
    from crisisflow.model.policies.referral import _identify
    gen = np.random.default_rng(11)
    n, n_loc, seed, day = 4000, 9, 5, 17
    vulnerable = np.sort(gen.choice(n, 1500, replace=False)).astype(np.int64)
    active = gen.random(n) < 0.8
    referred = gen.random(n) < 0.2
    status = gen.integers(0, len(Status), n).astype(np.int8)
    location = gen.integers(0, n_loc, n).astype(np.int32)
    size = gen.integers(1, 6, n).astype(np.int32)
    child = gen.random(n) < 0.6
    victim = ~child | (gen.random(n) < 0.3)
    rate = gen.random(n_loc)
    still_in = vulnerable[active[vulnerable]]
    candidates = still_in[~referred[still_in] & (status[still_in] != Status.ON_THE_MOVE)]
    chosen = candidates[crng.uniform_array(seed, candidates, day, crng.IDENTIFY) < rate[location[candidates]]]
    want_referred = referred.copy()
    want_referred[chosen] = True
    persons = size[chosen].astype(np.int64)
    want_counts = [persons.sum(), persons[child[chosen]].sum(), persons[victim[chosen]].sum()]
    want_stranded = still_in[want_referred[still_in] & (status[still_in] == Status.STRANDED)] if protected else []
    counts = np.zeros(3, dtype=np.int64)
    still, stranded = _identify(vulnerable, active, referred, status, location, size, child, victim, rate,
                                np.uint64(seed), np.uint64(day), protected, counts)
    assert np.array_equal(still, active[vulnerable])
    assert np.array_equal(referred, want_referred)
    assert counts.tolist() == want_counts and 0 < len(chosen) < len(candidates)
    assert np.array_equal(stranded, want_stranded) and (len(stranded) > 0) == protected
