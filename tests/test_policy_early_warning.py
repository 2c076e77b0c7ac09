"""Early warning: alerts read the hazard ahead, people leave before onset, pre-emptive evacuation, bad input."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import AgentType, Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.early_warning import EarlyWarning, alert_days

from conftest import rules_cfg, toy_scenario
from policy_helpers import assert_conserved, compose_and_run, series

ONSET_DAY = 10
CONFLICT_AT_A = [{"kind": "sudden", "locations": ["A"], "start": "2020-01-11", "intensity": 1.0}]


def scenario(tmp_path):
    """A town A hit on day 10, a safe town B 50 km away."""
    return toy_scenario(
        tmp_path / "warn",
        ["A,town,Home,0,0,1000,,", "B,town,Home,0,1,200,,"],
        ["A,B,50,road,"],
        ["A,host_household,,1000,1,1,0,0,0", "B,host_household,,200,5,1,0,0,0"],
        14, CONFLICT_AT_A)


def test_alert_days_are_the_lead_window_before_onset():
    hazard = np.zeros((8, 2), dtype=np.float32)
    hazard[5:, 0] = 0.5  # onset on day 5 at place 0; place 1 never hit
    alert = alert_days(hazard, threshold=0.2, lead_days=2)
    assert np.nonzero(alert[:, 0])[0].tolist() == [3, 4]
    assert not alert[:, 1].any()


def test_warning_makes_people_leave_before_onset(tmp_path):
    quiet = CrisisModel(scenario(tmp_path), rules_cfg(), seed=2)
    quiet.run(ONSET_DAY)
    warned = CrisisModel(scenario(tmp_path), rules_cfg(), seed=2, policies=[EarlyWarning(lead_days=5, push=4.0)])
    warned.run(ONSET_DAY)
    assert quiet.recorder.newly_displaced[:ONSET_DAY].sum() == 0  # no hazard yet, nobody leaves
    left = warned.recorder.newly_displaced[:ONSET_DAY].sum()
    assert 0 < left < 1000
    s = series(warned)
    assert s[("warned_places", "A")].tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert ("warned_places", "B") not in s
    assert s[("left_early_cumulative", "")][-1] == left  # everyone who left did so during the alert
    assert_conserved(warned)


def test_preemptive_evacuation_takes_a_share_to_the_safe_place(tmp_path):
    policy = EarlyWarning(lead_days=5, push=0.0, evacuate_share=0.5, evacuate_to="B")
    # evacuees stay where taken; nobody else leaves as neighbours go
    stay = rules_cfg(move_settled={"self_settled": -100.0, "hosted": -100.0}, push_neighbours_gone=0.0)
    model = CrisisModel(scenario(tmp_path), stay, seed=4, policies=[policy])
    model.run(ONSET_DAY)
    evacuated = series(model)[("evacuated_early_cumulative", "")]
    assert evacuated[:5].sum() == 0 and evacuated[5] == evacuated[-1]  # all on the first day of the alert
    assert 400 < evacuated[-1] < 600
    pop = model.population
    moved = (pop.origin == 0) & (pop.location == 1)
    assert pop.size[moved].sum() == evacuated[-1]
    assert (pop.agent_type[moved] == AgentType.IDP).all()
    assert np.isin(pop.status[moved], [Status.SELF_SETTLED, Status.HOSTED]).all()
    assert_conserved(model)


@pytest.mark.parametrize("kwargs, key", [
    ({"lead_days": 0}, "lead_days"),
    ({"lead_days": 3, "places": ["Nowhere"]}, "places[0]"),
    ({"lead_days": 3, "threshold": 0.0}, "threshold"),
    ({"lead_days": 3, "evacuate_share": 1.5}, "evacuate_share"),
    ({"lead_days": 3, "evacuate_share": 0.2}, "evacuate_to"),
    ({"lead_days": 3, "evacuate_share": 0.2, "evacuate_to": "A"}, "evacuate_to"),
])
def test_bad_input_names_the_key(tmp_path, kwargs, key):
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[EarlyWarning(**kwargs)])
    assert err.value.key == f"policy.operations[0].{key}"


def test_yaml_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("early_warning")
    s = series(model)
    assert s[("warned_places", "Capital")].sum() == 7  # a week before the conflict of 2025-03-15
    assert s[("left_early_cumulative", "")][-1] > s[("evacuated_early_cumulative", "")][-1] > 0
    assert_conserved(model)


def test_evacuees_count_the_day_they_were_taken(tmp_path):
    """Pre-emptive evacuation takes residents before the day's movement pass, which counts their first day
    displaced (their `displaced_since` from `population.displaced_before_pass`): taken on day 5, they have been
    displaced five days after day 9's pass (days 5 to 9)."""
    from crisisflow.model.population import days_displaced

    policy = EarlyWarning(lead_days=5, push=0.0, evacuate_share=0.5, evacuate_to="B")
    stay = rules_cfg(move_settled={"self_settled": -100.0, "hosted": -100.0}, push_neighbours_gone=0.0)
    model = CrisisModel(scenario(tmp_path), stay, seed=4, policies=[policy])
    model.run(ONSET_DAY)
    pop = model.population
    taken = np.flatnonzero(pop.active & (pop.origin == 0) & (pop.location == 1))  # from A, at B
    assert len(taken) > 0 and model.last_pass_day == ONSET_DAY - 1
    assert np.all(days_displaced(pop.displaced_since[taken], model.last_pass_day) == policy.lead_days)
