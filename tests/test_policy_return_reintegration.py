"""Return and reintegration: return support raises returns, local integration and resettlement, the
reintegration caseload of evacuated and homecoming migrants, bad input, the YAML."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model import rng
from crisisflow.model.codes import AgentType, Phase, Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.return_reintegration import ReturnReintegration, _chosen_for_solutions
from crisisflow.model.population import SCHEMA

from conftest import rules_cfg, toy_scenario
from policy_helpers import RECOVERY_FROM_DAY_4, TWO_DAYS_AT_A, assert_conserved, compose_and_run, series

A, B = 0, 1
#: everyone flees at once; nobody moves on once settled
CERTAIN = dict(push_hazard=100.0, move_settled={"waiting": -100.0, "stranded": -100.0, "in_site": -100.0,
                                                "self_settled": -100.0, "hosted": -100.0})


def displaced_scenario(tmp_path, days=12):
    """1000 people flee A for town B in two days of conflict; recovery from day 4."""
    return toy_scenario(
        tmp_path / "ret",
        ["A,town,Home,0,0,1000,,", "B,town,Home,0,1,100,,"],
        ["A,B,50,road,"],
        ["A,host_household,,1000,1,1,0,0,0"],
        days, TWO_DAYS_AT_A, phases=RECOVERY_FROM_DAY_4)


def test_return_support_raises_returns_in_recovery_only(tmp_path):
    rules = rules_cfg(**CERTAIN)
    plain = CrisisModel(displaced_scenario(tmp_path), rules, seed=6)
    helped = CrisisModel(displaced_scenario(tmp_path), rules, seed=6,
                         policies=[ReturnReintegration(support=[{"places": ["A"], "level": 3.0}])])
    plain.run()
    helped.run()
    assert (helped.scenario.timeline.phase[4:] == Phase.RECOVERY).all()
    assert helped.recorder.returned[:4].sum() == 0
    assert helped.recorder.returned.sum() > 2 * plain.recorder.returned.sum()
    assert_conserved(helped)


@pytest.mark.parametrize("kwargs, status, counted", [
    ({"integration_per_day": 1.0, "integration_after_days": 0}, Status.LOCALLY_INTEGRATED,
     "locally_integrated_cumulative"),
    ({"resettlement_per_day": 1.0, "resettlement_after_days": 0}, Status.RESETTLED, "resettled_cumulative"),
])
def test_durable_solutions_on_the_first_day_of_recovery(tmp_path, kwargs, status, counted):
    model = CrisisModel(displaced_scenario(tmp_path, days=6), rules_cfg(**CERTAIN), seed=6,
                        policies=[ReturnReintegration(**kwargs)])
    model.run()
    rec = model.recorder
    assert rec.type_status[3, AgentType.IDP, [Status.SELF_SETTLED, Status.HOSTED]].sum() == 1000
    assert rec.type_status[4, AgentType.IDP, status] == 1000  # all at once, at rate 1, before anyone returns
    assert series(model)[(counted, "")].tolist() == [0, 0, 0, 0, 1000, 1000]
    if status == Status.RESETTLED:
        assert rec.loc_status[4:].sum() == 0  # nobody is left in the network
        assert not model.population.active[model.population.status == Status.RESETTLED].any()
    else:
        assert rec.loc_status[4, B, Status.LOCALLY_INTEGRATED] == 1000
    assert_conserved(model)


def test_durable_solutions_consider_the_statuses_between_on_the_move_and_the_exits():
    """_chosen_for_solutions selects by code range: the range must hold exactly the settled and queued statuses."""
    between = {s for s in Status if Status.ON_THE_MOVE < s < Status.CROSSED_BORDER}
    assert between == {Status.IN_SITE, Status.HOSTED, Status.SELF_SETTLED, Status.WAITING, Status.STRANDED}


def test_caseload_grows_with_evacuees_and_falls_at_the_service_rate(tmp_path):
    """30 migrants queue at a hub with 10 seats a day: evacuated on days 0, 1 and 2, registered the next
    morning, 4 served a day. Worked by hand: caseload 0, 6, 12, 18, 14, 10, 6, 2, 0, 0."""
    scen = toy_scenario(
        tmp_path / "hub",
        ["A,town,Home,0,0,0,,", "H,hub,Home,0,1,0,,10"],
        ["A,H,10,road,"],
        ["A,migrant,X,30,1,1,0,0,0"],
        10, [{"kind": "sudden", "locations": ["A"], "start": "2020-01-01"}])
    model = CrisisModel(scen, rules_cfg(**CERTAIN), seed=7, policies=[ReturnReintegration(served_per_day=4)])
    model.run()
    assert model.recorder.evacuated[:, 1].tolist() == [10, 10, 10, 0, 0, 0, 0, 0, 0, 0]
    s = series(model)
    assert s[("reintegration_caseload", "")].tolist() == [0, 6, 12, 18, 14, 10, 6, 2, 0, 0]
    assert s[("reintegrated_cumulative", "")].tolist() == [0, 4, 8, 12, 16, 20, 24, 28, 30, 30]
    assert_conserved(model)


def test_migrants_crossing_into_their_own_country_join_the_caseload(tmp_path):
    scen = toy_scenario(
        tmp_path / "cross",
        ["A,town,Home,0,0,0,,", "B,border,Home,0,1,0,,", "Abroad,abroad,Other,0,2,0,,"],
        ["A,B,10,road,", "B,Abroad,10,road,"],
        ["A,migrant,Other,20,1,1,0,0,0", "A,migrant,Third,10,1,1,0,0,0"],
        4, [{"kind": "sudden", "locations": ["A"], "start": "2020-01-01"}])
    rules = rules_cfg(pull_border={"migrant": float("-inf")}, **CERTAIN)  # all go on abroad
    model = CrisisModel(scen, rules, seed=8, policies=[ReturnReintegration()])
    model.run()
    assert model.recorder.type_status[-1, AgentType.MIGRANT, Status.CROSSED_BORDER] == 30
    assert series(model)[("reintegration_caseload", "")][-1] == 20  # only those of Other's nationality


@pytest.mark.parametrize("kwargs, key", [
    ({"integration_per_day": 2.0}, "integration_per_day"),
    ({"resettlement_after_days": -1}, "resettlement_after_days"),
    ({"served_per_day": -5}, "served_per_day"),
    ({"support": [{"places": ["Nowhere"], "level": 1.0}]}, "support[0].places[0]"),
    ({"support": [{"level": -1.0}]}, "support[0].level"),
    ({"support": [{"from": "2019-06-01", "level": 1.0}]}, "support[0].from"),
])
def test_bad_input_names_the_key(tmp_path, kwargs, key):
    with pytest.raises(InputError) as err:
        CrisisModel(displaced_scenario(tmp_path), rules_cfg(), policies=[ReturnReintegration(**kwargs)])
    assert err.value.key == f"policy.operations[0].{key}"


def test_yaml_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("return_reintegration")
    s = series(model)
    evacuated = model.recorder.evacuated.sum()
    assert evacuated > 0
    assert s[("reintegration_caseload", "")][-1] + s[("reintegrated_cumulative", "")][-1] <= evacuated + \
        model.recorder.crossings.sum()
    assert s[("reintegrated_cumulative", "")][-1] > 0
    assert_conserved(model)


def test_chosen_for_solutions_equals_the_rule_read_in_numpy():
    """The compiled durable solutions against the rule read row by row in NumPy, on random rows: the eligible
    (staying somewhere, displaced long enough) whose own draw falls under the share; resettlement only for
    those not integrated today."""
    rs = np.random.default_rng(4)
    n, seed, day = 6000, 11, 300
    active = rs.random(n) < 0.9
    status = rs.integers(0, len(Status), n).astype(np.int8)
    days = rs.integers(0, 400, n)
    since = (day - 1 - days).astype(SCHEMA["displaced_since"][0])  # as of yesterday's movement pass
    staying = active & (status > Status.ON_THE_MOVE) & (status < Status.CROSSED_BORDER)
    integrate = staying & (days > 100) & (rng.uniform_array(seed, np.arange(n), day, rng.LOCAL_INTEGRATION) < 0.2)
    resettle = (staying & ~integrate & (days > 200)
                & (rng.uniform_array(seed, np.arange(n), day, rng.RESETTLEMENT) < 0.3))
    integrating, resettled = _chosen_for_solutions(active, status, since, day - 1, 100, 0.2, 200, 0.3,
                                                   np.uint64(seed), np.uint64(day))
    assert integrate.any() and resettle.any()
    np.testing.assert_array_equal(integrating, np.flatnonzero(integrate))
    np.testing.assert_array_equal(resettled, np.flatnonzero(resettle))
