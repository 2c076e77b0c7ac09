"""Sites (CCCM): Sphere capacities, opening, expansion, closing with each on_close, bad input, the YAML."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.codes import Status
from crisisflow.model.errors import InputError
from crisisflow.model.model import CrisisModel
from crisisflow.model.policies.base import _rows_at
from crisisflow.model.policies.sites import Sites, sphere_capacity

from conftest import rules_cfg, toy_scenario
from policy_helpers import TWO_DAYS_AT_A, assert_conserved, compose_and_run, series

A, S1, S2 = 0, 1, 2
#: with two days of conflict at A (TWO_DAYS_AT_A): everyone flees at once, nobody leaves a site, goes back or
#: moves on by the rules
CERTAIN = dict(push_hazard=100.0, push_damage=0.0, push_neighbours_gone=0.0, return_base=-100.0, awareness_hops=1,
               move_settled={"waiting": -100.0, "stranded": -100.0, "in_site": -100.0, "self_settled": -100.0})


def scenario(tmp_path, days=6):
    """20 people at A flee to site S1, the only place they know; S2 lies beyond it."""
    return toy_scenario(
        tmp_path / "sites",
        ["A,town,Home,0,0,20,,", "S1,site,Home,0,1,0,100,", "S2,site,Home,0,2,0,100,"],
        ["A,S1,50,road,", "S1,S2,50,road,"],
        ["A,host_household,,20,1,1,0,0,0"],
        days, TWO_DAYS_AT_A)


def run(tmp_path, sites, days=6):
    model = CrisisModel(scenario(tmp_path, days), rules_cfg(**CERTAIN), seed=1, policies=[Sites(sites)])
    model.run()
    return model


def test_sphere_capacity_is_the_smallest_figure_given():
    assert sphere_capacity(area_m2=4500) == 100  # 45 m² of site per person
    assert sphere_capacity(covered_m2=350) == 100  # 3.5 m² covered per person
    assert sphere_capacity(area_m2=4500, covered_m2=175) == 50
    assert sphere_capacity(capacity=80, area_m2=4500) == 80
    assert sphere_capacity(area_m2=100) == 2
    assert sphere_capacity() is None


def test_site_closed_before_opening_then_holds_its_sphere_capacity(tmp_path):
    model = run(tmp_path, [{"location": "S1", "area_m2": 450, "open": "2020-01-02"}])  # 10 persons from day 1
    rec = model.recorder
    assert rec.site_capacity[:, S1].tolist() == [0, 10, 10, 10, 10, 10]
    in_site = rec.loc_status[:, S1, Status.IN_SITE]
    assert in_site[0] == 0  # nobody chose a closed site: they were trapped at home
    assert rec.loc_status[0, A, Status.TRAPPED] == 20
    assert (in_site <= 10).all() and in_site.max() == 10
    assert_conserved(model)


def test_expansion_adds_the_places_of_its_own_figures(tmp_path):
    model = run(tmp_path, [{"location": "S1", "capacity": 10,
                            "expansions": [{"date": "2020-01-03", "covered_m2": 35}]}])
    rec = model.recorder
    assert rec.site_capacity[:, S1].tolist() == [10, 10, 20, 20, 20, 20]
    assert rec.loc_status[1, S1, Status.IN_SITE] == 10 and rec.loc_status[-1, S1, Status.IN_SITE] == 20
    assert_conserved(model)


@pytest.mark.parametrize("on_close, where, status", [
    ("return", A, Status.RETURNED),
    ("relocate", S2, Status.IN_SITE),
    ("rental_subsidy", S1, Status.LOCALLY_INTEGRATED),
])
def test_closing_site_moves_residents_as_configured(tmp_path, on_close, where, status):
    site = {"location": "S1", "close": "2020-01-04", "on_close": on_close}
    if on_close == "relocate":
        site["relocate_to"] = "S2"
    model = run(tmp_path, [site])
    rec = model.recorder
    assert rec.loc_status[2, S1, Status.IN_SITE] == 20
    assert rec.site_capacity[:, S1].tolist() == [100, 100, 100, 0, 0, 0]
    assert rec.loc_status[3, S1, Status.IN_SITE] == 0
    assert rec.loc_status[3:, where, status].tolist() == [20, 20, 20]
    moved = series(model)
    assert moved[("site_closures_moved_cumulative", on_close)].tolist() == [0, 0, 0, 20, 20, 20]
    assert moved[("site_capacity", "S1")].tolist() == [100, 100, 100, 0, 0, 0]  # the indicator of the same
    assert_conserved(model)


@pytest.mark.parametrize("site, key", [
    ({"location": "Nowhere"}, "sites[0].location"),
    ({"location": "A"}, "sites[0].location"),
    ({"location": "S1", "capacity": -5}, "sites[0].capacity"),
    ({"location": "S1", "area_m2": -1}, "sites[0].area_m2"),
    ({"location": "S1", "open": "2019-12-31"}, "sites[0].open"),
    ({"location": "S1", "open": "2020-01-05", "close": "2020-01-03", "on_close": "return"}, "sites[0].close"),
    ({"location": "S1", "close": "2020-01-03"}, "sites[0].on_close"),
    ({"location": "S1", "close": "2020-01-03", "on_close": "relocate", "relocate_to": "S1"}, "sites[0].relocate_to"),
    ({"location": "S1", "expansions": [{"date": "2020-01-02", "capacity": -1}]}, "sites[0].expansions[0].capacity"),
    ({"location": "S1", "size": 3}, "sites[0].size"),
])
def test_bad_input_names_the_key(tmp_path, site, key):
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites([site])])
    assert err.value.key == f"policy.operations[0].{key}"


def test_relocating_to_a_closed_site_is_refused(tmp_path):
    sites = [{"location": "S1", "close": "2020-01-03", "on_close": "relocate", "relocate_to": "S2"},
             {"location": "S2", "open": "2020-01-04"}]
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites(sites)])
    assert err.value.key == "policy.operations[0].sites[0].relocate_to"


def test_yaml_composes_and_runs_on_the_demo_scenario():
    model = compose_and_run("sites")
    rec, index = model.recorder, model.network.index()
    north, south = index["Camp North"], index["Camp South"]
    assert (rec.site_capacity[:24, north] == 4000).all() and (rec.site_capacity[24:, north] == 5000).all()
    assert (rec.site_capacity[:19, south] == 0).all() and (rec.site_capacity[19:, south] == 3000).all()
    assert rec.loc_status[:19, south, Status.IN_SITE].sum() == 0
    assert (rec.loc_status[:, [north, south], Status.IN_SITE] <= rec.site_capacity[:, [north, south]]).all()
    assert_conserved(model)


# ---------------------------------------------------------------- a sites table (one site per row)


def table(tmp_path, *lines):
    path = tmp_path / "sites.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_table_gives_the_sites_its_entries_would(tmp_path):
    entries = [{"location": "S1", "capacity": 10, "close": "2020-01-04", "on_close": "relocate", "relocate_to": "S2"},
               {"location": "S2", "area_m2": 900, "open": "2020-01-02"}]
    rows = table(tmp_path, "location,capacity,area_m2,open,close,on_close,relocate_to",
                 "S1,10,,,2020-01-04,relocate,S2", "S2,,900,2020-01-02,,,")
    by_entries = run(tmp_path, entries)
    by_table = CrisisModel(scenario(tmp_path), rules_cfg(**CERTAIN), seed=1, policies=[Sites(table=rows)])
    by_table.run()
    assert by_table.recorder.site_capacity[:, [S1, S2]].tolist() == [[10, 0], [10, 20], [10, 20], [0, 20], [0, 20],
                                                                       [0, 20]]
    for name in ("site_capacity", "loc_status", "type_status"):
        assert (getattr(by_table.recorder, name) == getattr(by_entries.recorder, name)).all(), name


def test_a_table_adds_to_the_entries_and_a_site_listed_in_both_is_refused(tmp_path):
    rows = table(tmp_path, "location,capacity", "S2,30")
    model = CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites([{"location": "S1", "capacity": 10}], rows)])
    model.step()
    assert model.recorder.site_capacity[0, [S1, S2]].tolist() == [10, 30]
    with pytest.raises(InputError, match="'S2' is listed twice") as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites([{"location": "S2"}], rows)])
    assert (err.value.source, err.value.row, err.value.key) == (rows, 2, "location")  # the second listing


def test_relocating_to_a_site_closed_that_day_names_the_table_row(tmp_path):
    rows = table(tmp_path, "location,open,close,on_close,relocate_to", "S1,,2020-01-03,relocate,S2",
                 "S2,2020-01-04,,,")
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites(table=rows)])
    assert (err.value.source, err.value.row, err.value.key) == (rows, 2, "relocate_to")


@pytest.mark.parametrize("lines, line, key", [
    (["location,capacity", "S1,10", "S2,lots"], 3, "capacity"),
    (["location,capacity", "Nowhere,10"], 2, "location"),
    (["location,close", "S1,2020-01-03"], 2, "on_close"),
    (["location,open", "S1,2020-13-01"], 2, "open"),
    (["location,open", "S1,2019-12-31"], 2, "open"),
    (["location,capacity", ",10"], 2, "location"),
])
def test_bad_cells_name_the_file_the_line_and_the_column(tmp_path, lines, line, key):
    rows = table(tmp_path, *lines)
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites(table=rows)])
    assert (err.value.source, err.value.row, err.value.key) == (rows, line, key)


def test_an_unknown_column_or_a_missing_file_is_refused(tmp_path):
    rows = table(tmp_path, "location,size", "S1,3")
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites(table=rows)])
    assert (err.value.source, err.value.row, err.value.key) == (rows, 1, "size")
    with pytest.raises(InputError) as err:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites(table="no_such_file.csv")])
    assert err.value.key == "policy.operations[0].table"


def test_dates_after_the_run_warn_once_for_the_whole_table(tmp_path):
    rows = table(tmp_path, "location,close,on_close", "S1,2021-01-01,return", "S2,2021-02-01,return")
    with pytest.warns(UserWarning, match="2 rows have a date after the run") as caught:
        CrisisModel(scenario(tmp_path), rules_cfg(), policies=[Sites(table=rows)])
    assert len([w for w in caught if "sites.csv" in str(w.message)]) == 1


def test_haiti_reads_its_site_schedule_from_a_table():
    from crisisflow.experiments.bench import _compose
    from crisisflow.experiments.run import build_model

    model = build_model(_compose(["scenario=haiti_2010", "sim.days=2"]))
    sites = next(p for p in model.policies if isinstance(p, Sites))
    assert sites.table == "sites.csv" and len(sites._sites) == 1557


def test_residents_are_the_rows_in_a_site_or_its_queue_at_the_places():
    """The compiled scan of a closing day (policies.base.rows_at) against its NumPy reading, on random rows."""
    rs = np.random.default_rng(3)
    n, L = 4000, 30
    active = rs.random(n) < 0.9
    status = rs.integers(0, len(Status), n).astype(np.int8)
    location = rs.integers(0, L, n).astype(np.int32)
    at_place = rs.random(L) < 0.3
    queued = (status == Status.IN_SITE) | (status == Status.WAITING) | (status == Status.STRANDED)
    expected = np.nonzero(active & queued & at_place[location])[0]
    assert len(expected) > 0
    wanted = np.isin(np.arange(len(Status)), [Status.IN_SITE, Status.WAITING, Status.STRANDED])
    np.testing.assert_array_equal(_rows_at(active, status, location, wanted, at_place), expected)
