"""A memory hint for the kernels: ask the processor for a row's cache line before the code needs it.

A journey (`kernels._journey`) reads and writes about eight columns of its row that the movement pass has not
touched yet (size, origin, path, ...). Late in a crisis the rows that leave on a day are few and far apart, so
each of those reads waits for main memory in turn, one journey after the other. Asking for the columns of the
rows a few journeys ahead (LLVM's `llvm.prefetch`, which compiles to one instruction and changes no value) lets
those waits overlap. `return_home` does the same for the rows whose return it tests.

Numba's cache keys a compiled kernel on its own source file only; `model.kernel_cache` keeps the cache per state of
model/'s sources, so that the kernels compile again after a change here.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: how many rows ahead a row-by-row loop asks for its rows' columns (journeys: 4, 8 and 16 within the noise of each
#: other on the persons scenario's captured days 40, 120 and 250)
ROWS_AHEAD = 8

#: llvm.prefetch's arguments: a read (0), kept in every cache level (locality 3), of data (1, not instructions)
_READ, _KEEP_IN_ALL_LEVELS, _DATA = 0, 3, 1


@intrinsic
def prefetch(typingctx, array, index):
    """Ask for the cache line of array[index] (a 1-D array): a hint with no effect on any value, and harmless at
    any index (a prefetch past the array's end does not fault)."""
    if not (isinstance(array, types.Array) and array.ndim == 1 and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        byte_pointer, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        hint = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]), "llvm.prefetch.p0")
        address = builder.bitcast(builder.gep(data, [args[1]]), byte_pointer)
        builder.call(hint, [address, i32(_READ), i32(_KEEP_IN_ALL_LEVELS), i32(_DATA)])
        return context.get_dummy_value()

    return types.void(array, index), codegen
