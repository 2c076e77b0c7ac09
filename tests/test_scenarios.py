"""The real-crisis scenarios (haiti_2010, pakistan_floods_2010, thailand_floods_2011): each full config loads
with its dates inside its period, and a short run of each reaches its hazard, conserves persons and moves the
scenario's key indicator."""
from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest
from crisisflow.model.codes import EXIT_STATUSES, LocationKind

#: scenario -> (first day, last day) of the crisis period the issue names
PERIODS = {
    "haiti_2010": (dt.date(2010, 1, 12), dt.date(2015, 12, 31)),
    "pakistan_floods_2010": (dt.date(2010, 7, 1), dt.date(2010, 12, 31)),
    "thailand_floods_2011": (dt.date(2011, 10, 1), dt.date(2011, 12, 31)),
}


def compose(scenario: str, *overrides: str):
    from crisisflow.experiments.run import CONFIG_DIR
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra_compose(config_name="config", overrides=[f"scenario={scenario}", *overrides])


def build(scenario: str, *overrides: str):
    """The model of a composed config; warnings about policy dates after a shortened run are expected."""
    from crisisflow.experiments.run import build_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build_model(compose(scenario, *overrides))


def run(scenario: str, days: int, *overrides: str):
    model = build(scenario, f"sim.days={days}", "sim.progress=false", *overrides)
    model.run()
    return model


def series(model) -> dict:
    from crisisflow.model.indicators import indicator_series

    return {(name, key): values for name, key, values in indicator_series(model)}


def assert_conserved(model) -> None:
    """Persons present each day = persons entered so far - persons gone out (exits)."""
    rec, n = model.recorder, model.recorder.days_recorded
    present = rec.loc_status[:n].sum(axis=(1, 2))
    exits = rec.type_status[:n][:, :, list(EXIT_STATUSES)].sum(axis=(1, 2))
    assert (present == np.cumsum(rec.entered[:n]) - exits).all()
    assert present[0] > 0


@pytest.mark.parametrize("name", sorted(PERIODS))
def test_full_config_loads_with_its_dates_in_its_period(name):
    """The whole run, every hazard event and every policy date lie within the crisis period (a policy date
    after the run's end would warn; none may)."""
    from crisisflow.experiments.run import build_model

    cfg = compose(name)
    first, last = PERIODS[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build_model(cfg)
    assert not [w for w in caught if "after the run" in str(w.message)]
    tl = model.scenario.timeline
    start = tl.start_date
    end = start + dt.timedelta(days=tl.days - 1)
    assert first <= start and end <= last
    assert cfg.policy.name == name and len(cfg.policy.operations) > 0
    for ev in cfg.scenario.events:
        assert first <= dt.date.fromisoformat(ev.start) <= end
    phases = set(np.unique(tl.phase).tolist())
    assert phases == {1, 2} or phases == {0, 1, 2}  # an emergency, then recovery, within the run
    assert cfg.scenario.sources  # every scenario states its sources


def test_pakistan_flood_moves_downstream():
    """The slow flood reaches the places in the order of the event's list, the last weeks after the first."""
    from crisisflow.model.scenario import build_scenario

    cfg = compose("pakistan_floods_2010")
    scenario = build_scenario(cfg.scenario)
    index = scenario.network.index()
    onset = [int(np.argmax(scenario.timeline.hazard[:, index[name]] > 0)) for name in cfg.scenario.events[0].locations]
    assert onset == sorted(onset) and onset[-1] - onset[0] >= 21


def test_haiti_sites_fill_after_the_earthquake():
    model = run("haiti_2010", 15)
    assert_conserved(model)
    s = series(model)
    assert (model.network.kind == LocationKind.SITE).sum() > 1500
    assert s[("open_sites", "")][0] > 1500
    in_sites = s[("persons_in_sites", "")]
    assert in_sites[-1] > 500_000 and in_sites[-1] > in_sites[0]


def test_pakistan_flood_displaces_into_camps_and_host_families():
    model = run("pakistan_floods_2010", 30)  # the flood reaches Khyber Pakhtunkhwa on day 9
    assert_conserved(model)
    s = series(model)
    assert s[("displaced", "")][:9].max() == 0
    assert s[("hosted", "")][-1] > 0 and s[("persons_in_sites", "")][-1] > 0
    assert s[("host_strain", "")][-1] > 0


def test_thailand_campaign_lowers_unmet_aid_of_migrants():
    """Two runs with the same seed, with and without the information campaign in migrants' languages."""
    days = 30
    with_campaign = run("thailand_floods_2011", days, "sim.seed=3")
    without = run("thailand_floods_2011", days, "sim.seed=3", "policy=thailand_floods_2011_no_campaign")
    for model in (with_campaign, without):
        assert_conserved(model)
    a, b = series(with_campaign), series(without)
    assert b[("displaced", "migrant")][-1] > 0
    unmet_with, unmet_without = a[("unmet_aid_person_days", "migrant")][-1], b[("unmet_aid_person_days", "migrant")][-1]
    assert unmet_with < 0.95 * unmet_without
    assert a[("unmet_aid_person_days", "")][-1] < b[("unmet_aid_person_days", "")][-1]
