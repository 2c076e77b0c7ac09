"""Helpers shared by the tests of the MCOF operations (tests/test_policy_*.py)."""
from __future__ import annotations

import numpy as np

from crisisflow.model.codes import EXIT_STATUSES
from crisisflow.model.indicators import indicator_series
from crisisflow.model.model import CrisisModel

#: full conflict at town A from the first day of the run
CONFLICT_AT_A = [{"kind": "sudden", "locations": ["A"], "start": "2020-01-01", "intensity": 1.0}]
#: two days of conflict at A
TWO_DAYS_AT_A = [{"kind": "sudden", "locations": ["A"], "start": "2020-01-01", "intensity": 1.0, "duration_days": 2}]
#: phase dates: recovery from day 4
RECOVERY_FROM_DAY_4 = {"emergency_start": "2020-01-01", "recovery_start": "2020-01-05"}
#: leaving a hazard is certain and nobody gives up a queue
CERTAIN_QUEUE = dict(push_hazard=100.0, move_settled={"waiting": -100.0, "stranded": -100.0, "in_site": -100.0})


def series(model: CrisisModel) -> dict:
    """The results table of a run as {(indicator, key): value per day}."""
    return {(name, key): values for name, key, values in indicator_series(model)}


def assert_conserved(model: CrisisModel) -> None:
    """Persons present each recorded day = persons entered so far - persons gone out (exits)."""
    rec, n = model.recorder, model.recorder.days_recorded
    present = rec.loc_status[:n].sum(axis=(1, 2))
    exits = rec.type_status[:n][:, :, list(EXIT_STATUSES)].sum(axis=(1, 2))
    assert (present == np.cumsum(rec.entered[:n]) - exits).all()


def compose_and_run(policy: str, days: int = 30) -> CrisisModel:
    """The shipped config with `policy=<policy>` on the demo scenario, composed by Hydra and run."""
    from hydra import compose, initialize_config_dir

    from crisisflow.experiments.run import CONFIG_DIR, build_model

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="config", overrides=["scenario=demo", f"policy={policy}", f"sim.days={days}"])
    model = build_model(cfg)
    model.run()
    return model
