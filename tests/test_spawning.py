"""spawning.spawn_places against its NumPy twin (`kernels_numpy.spawn_places`, the steps `CrisisModel._spawn_observed`
took before): the same places, draw for draw, and the same counts of the new rows."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model import kernels, kernels_numpy
from crisisflow.model.codes import AgentType, Status
from crisisflow.model.spawning import spawn_places


def spawn(implementation, seed: int, day: int, first: int, n: int, weights: np.ndarray, size: int = 1,
          total: float | None = None):
    places = np.full(n, -7, dtype=np.int32)
    counts = kernels.zero_counts(len(weights))
    total = float(weights.sum()) if total is None else total
    implementation(np.uint64(seed), np.uint64(day), first, weights, total, np.int8(AgentType.IDP),
                   np.int8(Status.SELF_SETTLED), size, places, *counts)
    return places, counts


def assert_twins_agree(seed, day, first, n, weights, size=1, total=None):
    places, counts = spawn(spawn_places, seed, day, first, n, weights, size, total)
    twin_places, twin_counts = spawn(kernels_numpy.spawn_places, seed, day, first, n, weights, size, total)
    assert np.array_equal(places, twin_places)
    for got, want in zip(counts, twin_counts):
        assert np.array_equal(got, want)
    return places, counts


@pytest.mark.parametrize("seed,day,first", [(0, 0, 0), (7, 41, 10_000), (2**40, 299, 123_456)])
def test_places_and_counts_are_those_of_the_numpy_twin(seed, day, first):
    rs = np.random.default_rng(seed % 1000)
    weights = rs.random(23) * (rs.random(23) < 0.6)  # places without weight among them
    weights[3] = 0.0
    places, counts = assert_twins_agree(seed, day, first, 5_000, weights, size=4)
    assert not np.any(weights[places] == 0)  # nobody enters where the weight is 0
    assert len(np.unique(places)) > 5
    by_place_status_type, _, by_origin, rows = counts
    assert by_place_status_type[0, :, Status.SELF_SETTLED, AgentType.IDP].sum() == 20_000
    assert by_origin.sum() == 20_000 and rows[0, 0] == 5_000 and rows[0, 1] == 0


def test_a_draw_above_every_share_goes_to_the_last_place():
    """Running shares may end a few bits under 1 (rounding), and a draw above the last share then goes to the last
    place, as NumPy's clip of the search did. Such a draw is too rare to meet by chance: here the shares end at a
    half (a total twice the weights' sum), so that half of the draws fall above them."""
    weights = np.array([0.0, 1.0, 2.0, 1.0])
    places, _ = assert_twins_agree(3, 5, 0, 4_000, weights, total=8.0)
    assert 0.45 < np.mean(places == 3) - 0.125 < 0.55


def test_read_only_weights_are_taken():
    """The Flee rules hand out rows of a read-only table (`FleeRules.spawn_weights`)."""
    weights = np.array([1.0, 3.0, 0.0, 2.0])
    weights.flags.writeable = False
    assert_twins_agree(1, 2, 0, 100, weights)
