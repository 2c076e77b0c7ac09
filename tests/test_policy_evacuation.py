"""Evacuation: seats at hubs by date, eligibility, the call toward hubs, pick-up missions, conservation, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import AgentType, Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.evacuation import Evacuation

from conftest import rules_cfg, toy_scenario
from policy_helpers import CERTAIN_QUEUE, CONFLICT_AT_A, assert_conserved, compose_and_run, series

HUB_ALL_RUN = {"location": "H", "mode": "air", "seats_per_day": 5}


def hub_model(tmp_path, policy, populations=("A,migrant,X,40,1,1.0,0,0,0",), days=8, **rules):
    """Migrants flee town A (conflict) to hub H, the only place they can go, and queue there on day 0."""
    scenario = toy_scenario(tmp_path / "hub", ["A,town,Home,0,0,100,,", "H,hub,Home,0,1,0,,0", "T,town,Home,1,0,0,,"],
                            ["A,H,10,road,", "A,T,10,road,"], list(populations), days, CONFLICT_AT_A,
                            stranded_after_days=3)
    return CrisisModel(scenario, rules_cfg(**CERTAIN_QUEUE, **rules), seed=1, policies=[policy])


def evacuated(model):
    return model.recorder.type_status[:, AgentType.MIGRANT, Status.EVACUATED]


def test_more_seats_more_evacuated_fewer_stranded(tmp_path):
    results = {}
    for seats in (2, 10):
        call_off = dict(pull_hub={"migrant": 50.0})  # everyone heads to the hub whatever the call
        model = hub_model(tmp_path, Evacuation(hubs=[{**HUB_ALL_RUN, "seats_per_day": seats}]), **call_off)
        model.run()
        assert_conserved(model)
        results[seats] = (evacuated(model)[-1], model.recorder.type_status[-1, :, Status.STRANDED].sum())
    assert results[10][0] == 40 and results[2][0] == 16  # 10 a day empties the queue; 2 a day for 8 days
    assert results[10][1] == 0 < results[2][1]


def test_hub_is_closed_outside_its_dates_and_series_count_by_mode(tmp_path):
    hubs = [{"location": "H", "mode": "sea", "seats_per_day": 4, "from": "2020-01-03", "to": "2020-01-04"},
            {"location": "H", "mode": "air", "seats_per_day": 6, "from": "2020-01-06"}]
    model = hub_model(tmp_path, Evacuation(hubs=hubs), pull_hub={"migrant": 50.0})
    model.run()
    assert np.diff(evacuated(model), prepend=0).tolist() == [0, 0, 4, 4, 0, 6, 6, 6]
    s = series(model)
    assert s["evacuated_cumulative", "sea"][-1] == 8 and s["evacuated_cumulative", "air"][-1] == 18
    assert s["evacuated_cumulative", ""][-1] == 26  # the core's total by nationality counts the same persons
    assert s["evacuation_seats", "H"].tolist() == [0, 0, 4, 4, 0, 6, 6, 6]
    assert_conserved(model)


def test_only_eligible_agents_board(tmp_path):
    pops = ("A,migrant,X,10,1,1.0,0,0,0", "A,migrant,X,10,1,0.0,0,0,0", "A,migrant,Y,10,1,1.0,0,0,0")
    rules = dict(pull_hub={"migrant": 50.0}, border_requires_documents=False)
    strict = hub_model(tmp_path, Evacuation(hubs=[{**HUB_ALL_RUN, "seats_per_day": 100}], nationalities=["X"]),
                       pops, **rules)
    strict.run()
    pop = strict.population
    gone = pop.status == Status.EVACUATED
    assert gone.sum() == 10 and pop.has_documents[gone].all() and (pop.nationality[gone] == 0).all()
    assert (pop.status[~gone] == Status.STRANDED).all() and (pop.location[~gone] == 1).all()  # still queued at H
    everyone = hub_model(tmp_path, Evacuation(hubs=[{**HUB_ALL_RUN, "seats_per_day": 100}],
                                              documents_required=False), pops, **rules)
    everyone.run()
    assert evacuated(everyone)[-1] == 30


def test_call_draws_eligible_migrants_toward_open_hubs(tmp_path):
    """A and its neighbours: hub H or town T; the call (a pull bonus at the open hub) sends more to H."""
    arrivals = {}
    for pull in (0.0, 2.0):
        model = hub_model(tmp_path, Evacuation(hubs=[HUB_ALL_RUN], pull=pull), days=1, pull_hub={"migrant": 0.0})
        model.step()
        arrivals[pull] = model.recorder.loc_status[0, 1].sum() + evacuated(model)[0]  # persons who reached H on day 0
    assert 0 < arrivals[0.0] < arrivals[2.0]


def test_mission_picks_up_vulnerable_first_and_counts_in_the_core_total(tmp_path):
    """No hazard: migrants stay home in A; a mission on day 2 takes 10 of them, the 3 unaccompanied children first."""
    scenario = toy_scenario(tmp_path / "calm", ["A,town,Home,0,0,100,,", "B,town,Home,0,1,100,,"], ["A,B,50,road,"],
                            ["A,migrant,X,30,1,1.0,0,0,0", "A,migrant,Y,3,1,1.0,1.0,0,0", "B,migrant,X,5,1,1.0,0,0,0"],
                            5, [])
    mission = Evacuation(missions=[{"date": "2020-01-03", "location": "A", "mode": "land", "seats": 10}])
    model = CrisisModel(scenario, rules_cfg(), seed=4, policies=[mission])
    model.run()
    pop = model.population
    gone = pop.status == Status.EVACUATED
    assert gone.sum() == 10 and not pop.active[gone].any() and (pop.location[gone] == 0).all()
    assert pop.unaccompanied_child[gone].sum() == 3
    assert np.diff(evacuated(model), prepend=0).tolist() == [0, 0, 10, 0, 0]
    assert model.recorder.evacuated[2].tolist() == [0, 7, 3]  # by nationality + 1: X, Y
    assert series(model)["evacuated_cumulative", "land"].tolist() == [0, 0, 10, 10, 10]
    assert_conserved(model)


def test_core_total_counts_missions_on_days_a_hub_boards_too(tmp_path):
    mission = {"date": "2020-01-02", "location": "H", "mode": "sea", "seats": 7}
    model = hub_model(tmp_path, Evacuation(hubs=[HUB_ALL_RUN], missions=[mission]), pull_hub={"migrant": 50.0})
    model.run()
    assert model.recorder.evacuated.sum() == evacuated(model)[-1] == 40


def test_persons_conserved_with_hubs_and_missions(tmp_path):
    missions = [{"date": "2020-01-02", "location": "H", "mode": "sea", "seats": 7},
                {"date": "2020-01-04", "location": "T", "mode": "land", "seats": 9}]
    pops = ("A,migrant,X,40,2,0.5,0.1,0.1,0", "A,host_household,,50,5,1,0,0,0")
    model = hub_model(tmp_path, Evacuation(hubs=[HUB_ALL_RUN], missions=missions), pops)
    model.run()
    assert_conserved(model)
    assert evacuated(model)[-1] > 0


@pytest.mark.parametrize("kwargs, key", [
    (dict(hubs=[{**HUB_ALL_RUN, "location": "Nowhere"}]), "policy.operations[0].hubs[0].location"),
    (dict(hubs=[{**HUB_ALL_RUN, "location": "A"}]), "policy.operations[0].hubs[0].location"),  # a town, not a hub
    (dict(hubs=[{**HUB_ALL_RUN, "seats_per_day": -5}]), "policy.operations[0].hubs[0].seats_per_day"),
    (dict(hubs=[{**HUB_ALL_RUN, "from": "2019-12-01"}]), "policy.operations[0].hubs[0].from"),
    (dict(hubs=[{**HUB_ALL_RUN, "from": "2020-01-05", "to": "2020-01-02"}]), "policy.operations[0].hubs[0].to"),
    (dict(hubs=[{**HUB_ALL_RUN, "mode": "rail"}]), "policy.operations[0].hubs[0].mode"),
    (dict(hubs=[{**HUB_ALL_RUN, "seats": 3}]), "policy.operations[0].hubs[0].seats"),
    (dict(hubs=[HUB_ALL_RUN, {**HUB_ALL_RUN, "from": "2020-01-03"}]), "policy.operations[0].hubs[1].from"),
    (dict(missions=[{"date": "2019-06-01", "location": "A", "mode": "sea", "seats": 1}]),
     "policy.operations[0].missions[0].date"),
    (dict(missions=[{"date": "2020-01-02", "location": "Atlantis", "mode": "sea", "seats": 1}]),
     "policy.operations[0].missions[0].location"),
    (dict(missions=[{"date": "2020-01-02", "location": "A", "mode": "sea", "seats": -1}]),
     "policy.operations[0].missions[0].seats"),
    (dict(nationalities=["Z"]), "policy.operations[0].nationalities[0]"),
    (dict(types=["tourist"]), "policy.operations[0].types[0]"),
])
def test_bad_input_names_the_key(tmp_path, kwargs, key):
    with pytest.raises(InputError) as err:
        hub_model(tmp_path, Evacuation(**kwargs))
    assert err.value.key == key and "policy config" in str(err.value)


def test_config_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("evacuation")
    s = series(model)
    assert s["evacuated_cumulative", "sea"][-1] > 0 and s["evacuated_cumulative", "land"][-1] > 0
    assert_conserved(model)


@pytest.mark.parametrize("documents_required", [True, False])
@pytest.mark.parametrize("nationalities", [None, [1, 3]])
def test_boarding_filter_is_the_eligibility_rule_row_by_row(documents_required, nationalities):
    """The compiled filter against the rule written with NumPy masks: off the hubs every row may be admitted; at a
    hub, a row of an eligible type, a migrant of a listed nationality, with documents where required."""
    from crisisflow.model.policies.evacuation import _boarding, _eligible_rows
    rng = np.random.default_rng(7)
    n, n_nat, n_loc = 5000, 4, 12
    agent_type = rng.integers(0, len(AgentType), n).astype(np.int8)
    nationality = np.where(agent_type == AgentType.MIGRANT, rng.integers(0, n_nat, n), -1).astype(np.int16)
    has_documents = rng.random(n) < 0.5
    types = np.array([t in (AgentType.MIGRANT, AgentType.IDP) for t in AgentType])
    nat_ok = np.ones(n_nat + 1, dtype=np.bool_)
    if nationalities is not None:
        nat_ok[:] = False
        nat_ok[np.array(nationalities) + 1] = True
    hub_of = np.full(n_loc, -1, dtype=np.int64)
    hub_of[[2, 5, 9]] = [0, 1, 2]
    rows = np.sort(rng.choice(n, 3000, replace=False)).astype(np.int64)
    places = rng.integers(0, n_loc, len(rows)).astype(np.int64)
    t = agent_type[rows]
    rule = types[t] & ((t != AgentType.MIGRANT) | nat_ok[nationality[rows] + 1])
    if documents_required:
        rule &= has_documents[rows]
    args = (types, nat_ok, documents_required, agent_type, nationality, has_documents)
    assert np.array_equal(_eligible_rows(rows, *args), rule)
    assert np.array_equal(_boarding(rows, places, hub_of, *args), (hub_of[places] < 0) | rule)
    assert 0 < rule.sum() < len(rows)  # the draw has rows of both kinds
