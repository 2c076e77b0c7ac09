"""Objectives: the number a run returns to a sweeper, read from its tidy results table."""
from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from omegaconf import OmegaConf

from crisisflow.experiments import objectives, output
from crisisflow.model.errors import InputError


def write_run(folder, series) -> None:
    dates = np.arange("2011-02-01", "2011-02-04", dtype="datetime64[D]")
    pq.write_table(output.tidy_table([(n, k, np.asarray(v, float)) for n, k, v in series], dates),
                   folder / output.RESULTS_FILE)


def test_seats_for_stranded_adds_the_penalty_above_the_target(tmp_path):
    write_run(tmp_path, [("evacuation_seats", "hub_a", [10, 10, 0]), ("evacuation_seats", "hub_b", [5, 0, 0]),
                         ("stranded", "", [4, 6, 10]), ("stranded", "migrant", [99, 99, 99])])
    cfg = OmegaConf.create({"objective": {"name": "evacuation_seats_for_stranded", "target": 12.0, "penalty": 2.0}})
    # seat-days 25 over both hubs; stranded person-days 20 (the total, key ''), 8 above the target
    assert objectives.objective_value(cfg, tmp_path) == 25 + 2.0 * 8
    cfg.objective.target = 30.0  # under the target: the seats alone
    assert objectives.objective_value(cfg, tmp_path) == 25


def test_no_objective_or_an_unknown_one(tmp_path):
    assert objectives.objective_value(OmegaConf.create({"objective": {"name": None}}), tmp_path) is None
    with pytest.raises(InputError, match="objective.name"):
        objectives.objective_value(OmegaConf.create({"objective": {"name": "nope"}}), tmp_path)
