"""Aid and information: aid lowers departures, language access and campaigns set the reach of aid for migrants,
unmet need in person-days, bad input, the YAML."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import DISPLACED_STATUSES, AgentType, Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.aid_information import AidInformation, _reach_and_unmet

from conftest import rules_cfg, toy_scenario
from policy_helpers import assert_conserved, compose_and_run, series

A = 0
HALF_CONFLICT_AT_A = [{"kind": "sudden", "locations": ["A"], "start": "2020-01-01", "intensity": 0.5}]
FULL_AID_AT_A = [{"places": ["A"], "level": 1.0}]


def scenario(tmp_path, days=5):
    """Town A under a moderate hazard: 1000 residents, 100 migrants with and 100 without language access."""
    return toy_scenario(
        tmp_path / "aid",
        ["A,town,Home,0,0,1000,,", "B,town,Home,0,1,200,,"],
        ["A,B,50,road,"],
        ["A,host_household,,1000,1,1,0,0,0", "A,migrant,X,100,1,1,0,0,0", "A,migrant,Y,100,1,1,0,0,1.0"],
        days, HALF_CONFLICT_AT_A)


def test_aid_lowers_departures(tmp_path):
    # push 6 at hazard 0.5: even odds of leaving a day for a host household, aid or not the only other push
    rules = rules_cfg(push_hazard=12.0, push_neighbours_gone=0.0)
    none = CrisisModel(scenario(tmp_path), rules, seed=3)
    aided = CrisisModel(scenario(tmp_path), rules, seed=3, policies=[AidInformation(aid=FULL_AID_AT_A)])
    none.run()
    aided.run()
    assert aided.recorder.newly_displaced[0].sum() < none.recorder.newly_displaced[0].sum()
    assert aided.recorder.newly_displaced.sum() < none.recorder.newly_displaced.sum()
    assert_conserved(aided)


def test_migrants_without_language_access_are_reached_only_by_a_campaign(tmp_path):
    """Worked by hand: 100 migrants reached fully, 100 at 0.1; a campaign reaching half of them lifts those to
    0.1 + 0.9 x 0.5 = 0.55. On day 0 everyone is at home in the hazard, so unmet person-days for migrants are
    100 x 0 + 100 x 0.9 = 90 without the campaign and 100 x 0.45 = 45 with it."""
    campaign = [{"places": "all", "from": "2020-01-01", "to": "2020-01-01", "coverage": 0.5}]
    plain = CrisisModel(scenario(tmp_path), rules_cfg(), policies=[AidInformation(aid=FULL_AID_AT_A)])
    informed = CrisisModel(scenario(tmp_path), rules_cfg(),
                           policies=[AidInformation(aid=FULL_AID_AT_A, campaigns=campaign)])
    plain.step()
    informed.step()
    assert plain.aid_reach[AgentType.MIGRANT, A] == pytest.approx((100 + 10) / 200)
    assert informed.aid_reach[AgentType.MIGRANT, A] == pytest.approx((100 + 55) / 200)
    assert plain.aid_reach[AgentType.HOST_HOUSEHOLD, A] == 1.0
    assert series(plain)[("unmet_aid_person_days", "migrant")][0] == pytest.approx(90.0)
    assert series(informed)[("unmet_aid_person_days", "migrant")][0] == pytest.approx(45.0)
    assert series(informed)[("unmet_aid_person_days", "")][0] == pytest.approx(45.0)  # residents fully reached
    plain.run()
    informed.run()
    unmet = ("unmet_aid_person_days", "migrant")
    assert series(informed)[unmet][-1] < series(plain)[unmet][-1]
    assert series(plain)[("aid_level", "A")].tolist() == [1.0] * 5
    assert_conserved(informed)


@pytest.mark.parametrize("kwargs, key", [
    ({"aid": [{"places": ["A"], "level": 1.5}]}, "aid[0].level"),
    ({"aid": [{"places": ["A"]}]}, "aid[0].level"),
    ({"aid": [{"places": ["Nowhere"], "level": 0.5}]}, "aid[0].places[0]"),
    ({"aid": [{"place": ["A"], "level": 0.5}]}, "aid[0].place"),
    ({"aid": [{"from": "2019-12-01", "level": 0.5}]}, "aid[0].from"),
    ({"aid": [{"from": "2020-01-03", "to": "2020-01-02", "level": 0.5}]}, "aid[0].to"),
    ({"campaigns": [{"coverage": -0.1}]}, "campaigns[0].coverage"),
    ({"no_language_reach": 2.0}, "no_language_reach"),
])
def test_bad_input_names_the_key(tmp_path, kwargs, key):
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[AidInformation(**kwargs)])
    assert err.value.key == f"policy.operations[0].{key}"


def test_yaml_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("aid_information")
    s = series(model)
    assert s[("aid_level", "Camp North")][14] == 0.6  # from the conflict's first day, 2025-03-15
    assert 0 < s[("unmet_aid_person_days", "migrant")][-1] < s[("unmet_aid_person_days", "")][-1]
    assert_conserved(model)


def test_displaced_statuses_are_one_range_of_codes():
    """_reach_and_unmet tests displacement by the range of codes from the first to the last displaced status."""
    assert set(range(min(DISPLACED_STATUSES), max(DISPLACED_STATUSES) + 1)) == set(DISPLACED_STATUSES)


def test_compiled_pass_equals_the_numpy_reading_of_the_rule():
    """On random rows, the compiled pass gives np.bincount's sums by place bit for bit, and the unmet need of
    the rule as NumPy computes it (to rounding: NumPy sums pairwise)."""
    rs = np.random.default_rng(5)
    n, L = 5000, 40
    active = rs.random(n) < 0.9
    kind = rs.integers(0, len(AgentType), n).astype(np.int8)
    status = rs.integers(0, len(Status), n).astype(np.int8)
    loc = rs.integers(0, L, n).astype(np.int32)
    size = rs.integers(1, 6, n).astype(np.int32)
    cut_off = rs.random(n) < 0.3
    aid_reach, coverage, aid = rs.random((len(AgentType), L)), rs.random(L), rs.random(L)
    hazard = np.where(rs.random(L) < 0.5, rs.random(L), 0.0).astype(np.float32)
    nlr = 0.1
    persons, reached = np.zeros(L), np.zeros(L)
    unmet = _reach_and_unmet(active, kind, status, loc, size, cut_off, aid_reach, coverage, nlr, aid, hazard,
                             persons, reached)

    r = np.nonzero(active)[0]
    k, at, sz = kind[r], loc[r], size[r].astype(np.float64)
    migrant = k == AgentType.MIGRANT
    own = np.where(migrant & cut_off[r], nlr + (1.0 - nlr) * coverage[at], 1.0)
    reach = aid_reach[k, at] * own
    np.testing.assert_array_equal(persons, np.bincount(at[migrant], weights=sz[migrant], minlength=L))
    np.testing.assert_array_equal(reached, np.bincount(at[migrant], weights=(sz * reach)[migrant], minlength=L))
    need = np.isin(status[r], DISPLACED_STATUSES) | ((status[r] <= Status.TRAPPED) & (hazard[at] > 0))
    expected = np.where(need, sz * (1.0 - aid[at] * reach), 0.0)
    assert persons.sum() > 0 and expected[migrant].sum() > 0 and expected[~migrant].sum() > 0
    assert unmet == pytest.approx((expected.sum(), expected[migrant].sum()), rel=1e-12)
