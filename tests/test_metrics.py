"""Flee's averaged relative difference, worked by hand."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model.metrics import ard

# two days, two camps; observed totals 10 and 20, simulated totals 5 and 40
SIM = np.array([[4.0, 1.0], [30.0, 10.0]])
OBS = np.array([[6.0, 4.0], [10.0, 10.0]])


def test_plain_by_hand():
    # day 0: (|4-6| + |1-4|) / 10 = 0.5; day 1: (|30-10| + |10-10|) / 20 = 1.0; mean 0.75
    score, per_camp = ard(SIM, OBS, rescaled=False)
    assert score == pytest.approx(0.75)
    # camp 0: (0.2 + 1.0) / 2 = 0.6; camp 1: (0.3 + 0) / 2 = 0.15
    assert per_camp == pytest.approx([0.6, 0.15])
    assert per_camp.sum() == pytest.approx(score)


def test_rescaled_by_hand():
    # day 0 scaled by 10/5: (8, 2) -> (2 + 2) / 10 = 0.4; day 1 by 20/40: (15, 5) -> (5 + 5) / 20 = 0.5
    score, per_camp = ard(SIM, OBS, rescaled=True)
    assert score == pytest.approx(0.45)
    # camp 0: (2/10 + 5/20) / 2 = 0.225; camp 1 the same
    assert per_camp == pytest.approx([0.225, 0.225])
    assert per_camp.sum() == pytest.approx(score)


def test_days_without_observations_divide_by_one():
    sim = np.array([[2.0, 1.0], [0.0, 0.0]])
    obs = np.zeros((2, 2))
    # day 0: 3 / max(0, 1) = 3; day 1: 0
    assert ard(sim, obs, rescaled=False)[0] == pytest.approx(1.5)
    # rescaling to an observed total of 0 empties the camps; a day with no one simulated stays as it is
    assert ard(sim, obs, rescaled=True)[0] == 0.0
    assert ard(obs, np.array([[0.0, 0.0], [3.0, 1.0]]), rescaled=True)[0] == pytest.approx(0.5)


def test_a_perfect_run_scores_zero():
    assert ard(OBS, OBS, rescaled=False)[0] == 0.0
    assert ard(2 * OBS, OBS, rescaled=True)[0] == pytest.approx(0.0)


def test_shapes_must_match():
    with pytest.raises(ValueError, match="same shape"):
        ard(SIM, OBS[:, :1], rescaled=False)
