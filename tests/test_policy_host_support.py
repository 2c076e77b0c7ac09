"""Host support: extra hosting places lower host strain, recorded by place; bad input; the YAML."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import Status
from crisisflow.model.errors import InputError
from crisisflow.model.hosting import host_strain
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.host_support import HostSupport

from conftest import rules_cfg, toy_scenario
from policy_helpers import CONFLICT_AT_A, RECOVERY_FROM_DAY_4, TWO_DAYS_AT_A, assert_conserved, compose_and_run, series

B = 1
#: everyone at A flees to B on day 0 and stays there
CERTAIN = dict(push_hazard=100.0, move_settled={"self_settled": -100.0, "hosted": -100.0})


def scenario(tmp_path, days=4):
    """20 people flee A for town B, whose 100 residents offer 0.1 places each: 10 places."""
    return toy_scenario(
        tmp_path / "hosts",
        ["A,town,Home,0,0,20,,", "B,town,Home,0,1,100,,", "S,site,Home,1,0,0,50,"],
        ["A,B,50,road,", "B,S,50,road,"],
        ["A,host_household,,20,1,1,0,0,0", "B,host_household,,100,5,1,0,0,0"],
        days, CONFLICT_AT_A, hosting_spare_share=0.1)


def test_host_support_adds_places_and_lowers_strain(tmp_path):
    rules = rules_cfg(awareness_hops=1, **CERTAIN)
    plain = CrisisModel(scenario(tmp_path), rules, seed=5)
    helped = CrisisModel(scenario(tmp_path), rules, seed=5,
                         policies=[HostSupport([{"places": ["B"], "extra_share": 0.2}])])
    plain.run()
    helped.run()
    p, h = plain.recorder, helped.recorder
    assert p.host_places[:, B].tolist() == [10] * 4
    assert h.host_places[:, B].tolist() == [30] * 4
    assert p.loc_status[-1, B, Status.HOSTED] == 10 and h.loc_status[-1, B, Status.HOSTED] == 20
    strain = host_strain(h.loc_status[-1, B, Status.HOSTED], h.host_places[-1, B])
    assert strain == pytest.approx(20 / 30) and strain < host_strain(p.loc_status[-1, B, Status.HOSTED], 10) == 1.0
    s = series(helped)
    assert s[("host_support_places", "B")].tolist() == [20] * 4
    assert s[("host_strain", "")][-1] < series(plain)[("host_strain", "")][-1]
    assert_conserved(helped)


def test_support_ends_on_its_date(tmp_path):
    model = CrisisModel(scenario(tmp_path), rules_cfg(awareness_hops=1, **CERTAIN), seed=5,
                        policies=[HostSupport([{"places": "all", "to": "2020-01-02", "extra_share": 0.2}])])
    model.run()
    assert model.recorder.host_places[:, B].tolist() == [30, 30, 10, 10]


@pytest.mark.parametrize("entry, key", [
    ({"places": ["B"], "extra_share": -0.1}, "support[0].extra_share"),
    ({"places": ["Nowhere"], "extra_share": 0.1}, "support[0].places[0]"),
    ({"places": ["S"], "extra_share": 0.1}, "support[0].places"),
    ({"places": ["B"], "from": "2019-01-01", "extra_share": 0.1}, "support[0].from"),
])
def test_bad_input_names_the_key(tmp_path, entry, key):
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[HostSupport([entry])])
    assert err.value.key == f"policy.operations[0].{key}"


def test_yaml_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("host_support")
    s = series(model)
    assert s[("host_support_places", "Safetown")][14] > 0 and s[("host_support_places", "Safetown")][13] == 0
    places = {key: values[-1] for (name, key), values in s.items() if name == "host_support_places"}
    assert places[""] == places["Safetown"] + places["Port"] > 0
    assert_conserved(model)


def test_returns_on_the_counting_pass_beside_host_support(tmp_path):
    """Host support writes no rows (Policy.writes_rows), so the day's returns are decided on the counting pass
    after it: the run equals one where they take a pass of their own before it."""
    def run(separate_returns: bool) -> CrisisModel:
        support = HostSupport([{"places": ["B"], "extra_share": 0.2}])
        if separate_returns:
            support.writes_rows = True  # as an operation that writes rows: returns, then it, then the counts
        scen = toy_scenario(tmp_path / f"recovery{separate_returns}", ["A,town,Home,0,0,60,,", "B,town,Home,0,1,100,,"],
                            ["A,B,50,road,"], ["A,host_household,,60,1,1,0,0,0", "B,host_household,,100,5,1,0,0,0"],
                            10, TWO_DAYS_AT_A, phases=RECOVERY_FROM_DAY_4, hosting_spare_share=0.1)
        model = CrisisModel(scen, rules_cfg(awareness_hops=1, **CERTAIN), seed=9, policies=[support])
        model.run()
        return model

    fused, separate = run(False), run(True)
    assert fused._rows_written_after_admission is False and separate._rows_written_after_admission is True
    assert fused.recorder.returned.sum() > 0 and fused.recorder.loc_status[:, B, Status.HOSTED].max() > 0
    for name, value in vars(separate.recorder).items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(getattr(fused.recorder, name), value, err_msg=name)
