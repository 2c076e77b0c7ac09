"""spawning.spawn_places: the places of newly entering rows, drawn as the NumPy steps it replaced drew them, and the
rows counted as a full count of them would."""
from __future__ import annotations

import numpy as np
import pytest

from crisisflow.model import kernels, rng
from crisisflow.model.codes import AgentType, Status
from crisisflow.model.population import Population
from crisisflow.model.spawning import spawn_places


def numpy_places(seed: int, day: int, first: int, n: int, weights: np.ndarray, total: float | None = None):
    """The NumPy steps `CrisisModel._spawn_observed` drew with before: running shares, draws, search, clip."""
    shares = np.cumsum(weights / (weights.sum() if total is None else total))
    draws = rng.uniform_array_numpy(seed, np.arange(first, first + n), day, rng.SPAWN)
    return np.minimum(np.searchsorted(shares, draws, side="right"), len(shares) - 1)


def spawn(seed: int, day: int, first: int, n: int, weights: np.ndarray, size: int = 1, total: float | None = None):
    places = np.full(n, -7, dtype=np.int32)
    counts = kernels.zero_counts(len(weights))
    total = float(weights.sum()) if total is None else total
    spawn_places(np.uint64(seed), np.uint64(day), first, weights, total, np.int8(AgentType.IDP),
                 np.int8(Status.SELF_SETTLED), size, places, *counts)
    return places, counts


@pytest.mark.parametrize("seed,day,first", [(0, 0, 0), (7, 41, 10_000), (2**40, 299, 123_456)])
def test_places_are_those_of_the_numpy_steps(seed, day, first):
    rs = np.random.default_rng(seed % 1000)
    weights = rs.random(23) * (rs.random(23) < 0.6)  # places without weight among them
    weights[3] = 0.0
    places, _ = spawn(seed, day, first, 5_000, weights)
    expected = numpy_places(seed, day, first, 5_000, weights)
    assert np.array_equal(places, expected)
    assert not np.any(weights[places] == 0)  # nobody enters where the weight is 0
    assert len(np.unique(places)) > 5


def test_a_draw_above_every_share_goes_to_the_last_place():
    """Running shares may end a few bits under 1 (rounding), and a draw above the last share then goes to the last
    place, as NumPy's clip of the search did. Such a draw is too rare to meet by chance: here the shares end at a
    half (a total twice the weights' sum), so that half of the draws fall above them."""
    weights = np.array([0.0, 1.0, 2.0, 1.0])
    places, _ = spawn(3, 5, 0, 4_000, weights, total=8.0)
    assert np.array_equal(places, numpy_places(3, 5, 0, 4_000, weights, total=8.0))
    assert 0.45 < np.mean(places == 3) - 0.125 < 0.55


def test_rows_are_counted_as_a_full_count_of_them():
    weights = np.array([0.0, 2.0, 1.0, 0.5])
    places, counts = spawn(11, 3, 40, 1_000, weights, size=4)
    pop = Population(8)
    rows = pop.add(1_000, agent_type=AgentType.IDP, size=4, location=places, origin=places,
                   status=Status.SELF_SETTLED)
    full = kernels.zero_counts(len(weights))
    kernels.count_population_rows(pop, rows, 1, full)
    for got, want in zip(counts, full):
        assert np.array_equal(got, want)
    assert counts[0][0, :, Status.SELF_SETTLED, AgentType.IDP].sum() == 4_000


def test_read_only_weights_are_taken():
    """The Flee rules hand out rows of a read-only table (`FleeRules.spawn_weights`)."""
    weights = np.array([1.0, 3.0, 0.0, 2.0])
    weights.flags.writeable = False
    places, _ = spawn(1, 2, 0, 100, weights)
    assert np.array_equal(places, numpy_places(1, 2, 0, 100, weights))
