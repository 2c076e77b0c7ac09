"""Dynamic scheduling of the kernels' row blocks: threads claim blocks one at a time from a shared counter.

Numba's OpenMP threading layer runs a `prange` in static runs of iterations, one run per thread, whatever
`numba.parallel_chunksize` says (measured on Numba 0.68: with 64 blocks on two threads, the first thread always
ran blocks 0-31; with the first half of the blocks ten times heavier, two threads took 15.5 ms against 17.1 ms on
one). The kernels' work is not even over the rows: the rows of a crisis's worst-hit places leave, travel and
return, while elsewhere a row's day is a draw and a count, and a thread of a virtual machine may start late or
be held up by the host. So a kernel's `prange` runs workers that claim the blocks in order from a counter, with
an atomic addition (an LLVM `atomicrmw`; Numba has no CPU atomics of its own): the same test took 8.7 ms on two
threads. A kernel runs as many workers as blocks, whatever the thread count: each thread's first worker claims
blocks until none are left and its others find none, so no thread count is compiled into the kernel.

Which thread runs which block changes nothing in the results: the kernels count into per-thread rows of
integers and write each block's lists to the block's own slots.

A kernel takes its counter from `block_counter`, not np.zeros: in a function compiled with parallel=True, np.zeros
is a parallel loop of its own, and each parallel loop wakes the other threads (with idle threads asleep, see
`model/__init__.py`, about 70 us here) and waits for them.

Numba's cache keys a compiled kernel on its own source file only; `model.kernel_cache` keeps the cache per state of
model/'s sources, so that the kernels compile again after a change here.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def claim_block(typingctx, counter):
    """The next block to run: counter[0], incremented atomically (each value goes to exactly one caller)."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64 and counter.ndim == 1):
        return None
    signature = types.int64(counter)

    def codegen(context, builder, sig, args):
        array = context.make_array(sig.args[0])(context, builder, args[0])
        first = cgutils.get_item_pointer(context, builder, sig.args[0], array, [context.get_constant(types.intp, 0)])
        # monotonic ordering suffices: the value only hands out blocks, and the blocks' results are read after
        # the parallel region ends, which is a barrier
        return builder.atomic_rmw("add", first, context.get_constant(types.int64, 1), "monotonic")

    return signature, codegen


@njit(cache=True)
def block_counter():
    """A new counter for `claim_block`, at 0 (see the module docstring: why not np.zeros in the kernel)."""
    counter = np.empty(1, dtype=np.int64)
    counter[0] = 0
    return counter
