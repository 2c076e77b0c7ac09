"""Border management: closed, restricted and open crossings by date, processing capacity, queues, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import AgentType, Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.border_management import BorderManagement

from conftest import rules_cfg, toy_scenario
from policy_helpers import CERTAIN_QUEUE, CONFLICT_AT_A, assert_conserved, compose_and_run, series

#: migrants head abroad (through B), not to the crossing point as a destination
TO_ABROAD = dict(pull_border={"migrant": float("-inf")})
A, B, ABROAD = 0, 1, 2


def border_model(tmp_path, crossings, populations=("A,migrant,X,20,1,1.0,0,0,0",), days=8, throughput=5, **rules):
    """Town A (conflict) -> border point B (processes `throughput` persons a day) -> Abroad."""
    scenario = toy_scenario(
        tmp_path / "border",
        ["A,town,Home,0,0,20,,", f"B,border,Home,0,1,0,,{throughput}", "Abroad,abroad,Other,0,2,0,,"],
        ["A,B,10,road,", "B,Abroad,10,road,"], list(populations), days, CONFLICT_AT_A, stranded_after_days=3)
    return CrisisModel(scenario, rules_cfg(**CERTAIN_QUEUE, **rules), seed=1, policies=[BorderManagement(crossings)])


def crossed(model):
    return np.cumsum(model.recorder.crossings[:, 1])


def test_closed_border_no_crossings_and_people_stranded_at_the_point(tmp_path):
    open_ = border_model(tmp_path, {}, **TO_ABROAD)
    open_.run()
    assert crossed(open_)[-1] == 20
    closed = border_model(tmp_path, {"B": [{"status": "closed"}]})  # migrants may still head to B itself
    closed.run()
    assert crossed(closed)[-1] == 0
    s = series(closed)
    assert (s["border_status", "B"] == 0).all()
    assert s["border_queue", "B"][-1] == 20 and closed.recorder.loc_status[-1, B, Status.STRANDED] == 20
    assert_conserved(closed)


def test_border_opens_on_its_date(tmp_path):
    rules = [{"to": "2020-01-03", "status": "closed"}, {"from": "2020-01-04", "status": "open"}]
    model = border_model(tmp_path, {"B": rules}, **TO_ABROAD)  # trapped at home while closed, then leave
    model.run()
    assert crossed(model)[:4].tolist() == [0, 0, 0, 0]
    assert crossed(model)[-1] == 20
    assert series(model)["border_status", "B"].tolist() == [0, 0, 0, 2, 2, 2, 2, 2]
    assert_conserved(model)


def test_restricted_lets_only_listed_types_with_documents_through(tmp_path):
    pops = ("A,migrant,X,10,1,1.0,0,0,0", "A,migrant,X,10,1,0.0,0,0,0", "A,host_household,,10,5,1.0,0,0,0")
    rules = dict(border_requires_documents=False, border_penalty={"idp": 0.0}, pull_abroad={"idp": 5.0},
                 pull_border={"migrant": float("-inf"), "idp": float("-inf")})
    everyone = border_model(tmp_path, {}, pops, throughput=100, **rules)
    everyone.run()
    assert crossed(everyone)[-1] == 30
    rule = {"status": "restricted", "types": ["migrant"], "documents_required": True}
    model = border_model(tmp_path, {"B": [rule]}, pops, throughput=100, **rules)
    model.run()
    ts = model.recorder.type_status[-1]
    assert crossed(model)[-1] == ts[AgentType.MIGRANT, Status.CROSSED_BORDER] == 10
    gone = model.population.status == Status.CROSSED_BORDER
    assert model.population.has_documents[gone].all()
    assert_conserved(model)


def test_processing_per_day_replaces_the_data_throughput_while_in_force(tmp_path):
    rule = {"to": "2020-01-04", "status": "open", "processing_per_day": 2}
    model = border_model(tmp_path, {"B": [rule]}, **TO_ABROAD)
    seen = []
    for _ in range(8):
        model.step()
        seen.append(int(model.throughput[B]))
    assert seen == [2, 2, 2, 2, 5, 5, 5, 5]
    # cleared on one day, across the next: 2 a day for four days, then 5 a day
    assert np.diff(crossed(model), prepend=0).tolist() == [0, 2, 2, 2, 2, 5, 5, 2]
    assert series(model)["border_queue", "B"].tolist() == [18, 16, 14, 12, 7, 2, 0, 0]


def test_overlapping_rules_that_agree_are_accepted(tmp_path):
    same = {"status": "restricted", "types": ["migrant"], "processing_per_day": 3}
    model = border_model(tmp_path, {"B": [{**same, "to": "2020-01-05"}, {**same, "from": "2020-01-03"}]})
    model.run()
    assert (series(model)["border_status", "B"] == 1).all()


@pytest.mark.parametrize("crossings, key", [
    ({"Nowhere": [{"status": "closed"}]}, "policy.operations[0].crossings.Nowhere"),
    ({"A": [{"status": "closed"}]}, "policy.operations[0].crossings.A"),  # a town, not a border point
    ({"B": [{"status": "shut"}]}, "policy.operations[0].crossings.B[0].status"),
    ({"B": [{"status": "closed", "from": "2019-12-31"}]}, "policy.operations[0].crossings.B[0].from"),
    ({"B": [{"status": "open", "processing_per_day": -3}]}, "policy.operations[0].crossings.B[0].processing_per_day"),
    ({"B": [{"status": "closed", "types": ["migrant"]}]}, "policy.operations[0].crossings.B[0].status"),
    ({"B": [{"status": "open", "documents_required": True}]}, "policy.operations[0].crossings.B[0].status"),
    ({"B": [{"status": "restricted"}]}, "policy.operations[0].crossings.B[0].types"),
    ({"B": [{"status": "restricted", "types": ["alien"]}]}, "policy.operations[0].crossings.B[0].types[0]"),
    ({"B": [{"status": "closed", "date": "2020-01-02"}]}, "policy.operations[0].crossings.B[0].date"),
    ({"B": [{"status": "closed", "to": "2020-01-04"}, {"status": "open", "from": "2020-01-03"}]},
     "policy.operations[0].crossings.B[1].from"),  # contradictory rules on overlapping dates
])
def test_bad_input_names_the_key(tmp_path, crossings, key):
    with pytest.raises(InputError) as err:
        border_model(tmp_path, crossings)
    assert err.value.key == key and "policy config" in str(err.value)


def test_config_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("border_management")
    s = series(model)
    # open, closed from 03-15, restricted from 03-29
    assert set(s["border_status", "Border East"].tolist()) == {0, 1, 2}
    assert s["border_queue", "Border East"].max() > 0
    assert_conserved(model)
