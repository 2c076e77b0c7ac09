"""libya_2011: the full config loads with its dates inside 2011-02-15..2011-12-31 and carries the seed's figures,
and a short run has all three agent types, evacuates by land, air and sea within 20 days and conserves persons."""
from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pytest

from crisisflow.model.codes import EXIT_STATUSES, AgentType

FIRST, LAST = dt.date(2011, 2, 15), dt.date(2011, 12, 31)


def compose(*overrides: str):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from crisisflow.experiments.run import CONFIG_DIR

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra_compose(config_name="config", overrides=["scenario=libya_2011", *overrides])


def series(model) -> dict:
    from crisisflow.model.indicators import indicator_series

    return {(name, key): values for name, key, values in indicator_series(model)}


def operation(cfg, name: str):
    """The policy entry whose _target_ ends with `name`."""
    return next(op for op in cfg.policy.operations if op._target_.endswith(name))


@pytest.fixture(scope="module")
def short_run():
    """20 days, 2011-02-15 .. 03-06: the first flights, convoys and ships (warnings about later dates expected)."""
    from crisisflow.experiments.run import build_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = build_model(compose("sim.days=20", "sim.progress=false"))
    model.run()
    return model


def test_full_config_loads_with_its_dates_in_2011():
    from crisisflow.experiments.run import build_model

    cfg = compose()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = build_model(cfg)
    assert not [w for w in caught if "after the run" in str(w.message)]  # no event or policy date after 2011-12-31
    tl = model.scenario.timeline
    assert tl.start_date == FIRST and tl.start_date + dt.timedelta(days=tl.days - 1) == LAST
    for ev in cfg.scenario.events:
        assert FIRST <= dt.date.fromisoformat(ev.start) <= LAST
    assert set(np.unique(tl.phase).tolist()) == {0, 1, 2}  # pre-crisis (2 days), emergency, recovery
    assert cfg.policy.name == "libya_2011" and cfg.scenario.sources


def test_config_carries_the_seed_figures():
    """15 sea rescue missions with 8,432 seats in March to May 2011 (IOM 2012)."""
    evacuation = operation(compose(), "Evacuation")
    sea = [m for m in evacuation.missions if m.mode == "sea"]
    assert len(sea) == 15 and sum(m.seats for m in sea) == 8432
    assert all(dt.date(2011, 3, 1) <= dt.date.fromisoformat(m.date) <= dt.date(2011, 5, 31) for m in sea)
    assert "Bangladesh" in evacuation.nationalities


def test_short_run_has_every_agent_type_evacuates_and_conserves_persons(short_run):
    model = short_run
    s = series(model)
    for t in AgentType:  # migrants and host households from the data; IDPs once residents flee (Zawiya, 02-24)
        assert s[("persons_by_type", t.name.lower())][-1] > 0
    for mode in ("land", "air", "sea"):  # convoys from 02-22, flights from 02-24, ships from 03-02
        assert s[("evacuated_cumulative", mode)][-1] > 0
    assert s[("evacuated_cumulative", "")][-1] > 10_000
    assert s[("evacuated_cumulative", "Bangladesh")][-1] > 0
    assert s[("border_arrivals_cumulative", "Tunisia")][-1] > 0 and s[("border_arrivals_cumulative", "Egypt")][-1] > 0
    rec, n = model.recorder, model.recorder.days_recorded
    present = rec.loc_status[:n].sum(axis=(1, 2))
    exits = rec.type_status[:n][:, :, list(EXIT_STATUSES)].sum(axis=(1, 2))
    assert (present == np.cumsum(rec.entered[:n]) - exits).all()
    assert present[0] == rec.entered[0] > 6_000_000  # 5.28 M Libyans and 1.28 M migrants at real scale
