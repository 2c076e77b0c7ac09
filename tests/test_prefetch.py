"""The kernels' memory hint: it compiles to LLVM's prefetch and changes no value, at any index."""
import numpy as np
from numba import njit

from crisisflow.model.prefetch import prefetch


@njit
def _sum_with_hints(values, rows, ahead):
    """The sum of values[rows], asking for the row `ahead` places on first (past the end near the last rows)."""
    total = 0
    for k in range(rows.shape[0]):
        prefetch(values, rows[min(k + ahead, rows.shape[0] - 1)] + (ahead if k + ahead >= rows.shape[0] else 0))
        total += values[rows[k]]
    return total


def test_prefetch_compiles_to_the_llvm_hint():
    values, rows = np.arange(100, dtype=np.int32), np.arange(0, 100, 7)
    _sum_with_hints(values, rows, 3)
    assert "llvm.prefetch" in _sum_with_hints.inspect_llvm(_sum_with_hints.signatures[0])


def test_prefetch_changes_no_value_even_past_the_end():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 1000, 50_000).astype(np.int32)
    rows = np.sort(rng.choice(50_000, 5_000, replace=False))
    for ahead in (0, 8, 1_000_000):  # the last asks for addresses far past the array's end
        assert _sum_with_hints(values, rows, ahead) == values[rows].sum()
