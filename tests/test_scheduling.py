"""The kernels' block scheduling: each block is claimed by exactly one worker, on any number of threads."""
import numba
import numpy as np
import pytest
from numba import njit, prange

from crisisflow.model.scheduling import claim_block

N_BLOCKS = 200_000  # many short claims, so that two threads race for the counter


@njit(parallel=True, cache=True)
def _claims(n_workers, n_blocks, owner):
    """Workers claim blocks until none are left; owner[b] counts the claims of block b."""
    claimed = np.zeros(1, dtype=np.int64)
    for _ in prange(n_workers):
        block = claim_block(claimed)
        while block < n_blocks:
            owner[block] += 1
            block = claim_block(claimed)


@njit(cache=True)
def _serial_claims(n):
    counter = np.zeros(1, dtype=np.int64)
    out = np.empty(n, dtype=np.int64)
    for k in range(n):
        out[k] = claim_block(counter)
    return out, counter[0]


def test_claims_hand_out_the_counter_in_order():
    values, final = _serial_claims(5)
    assert values.tolist() == [0, 1, 2, 3, 4] and final == 5


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("workers", [2, 64])  # the kernels run 64 (N_CHUNKS): a thread's first drains the counter
def test_every_block_is_claimed_exactly_once(threads, workers):
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip("needs more Numba threads")
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        owner = np.zeros(N_BLOCKS, dtype=np.int64)
        _claims(workers, N_BLOCKS, owner)
    finally:
        numba.set_num_threads(before)
    assert (owner == 1).all(), f"{(owner == 0).sum()} blocks unclaimed, {(owner > 1).sum()} claimed twice"


def test_claim_block_takes_a_counter_of_int64():
    with pytest.raises(numba.core.errors.TypingError):
        njit(lambda c: claim_block(c))(np.zeros(1))
