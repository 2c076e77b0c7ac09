"""Numba types for the explicit signatures of the compiled functions in kernels, admission, ranking and hosting.

An explicit signature makes a function compile (or load from Numba's cache) once, at import, for exactly these
types; a caller passing anything else gets a TypeError instead of a silent recompilation. Agent arrays are
C-contiguous columns of the population (`B1` .. `F8`: one dimension; `I8_2` .. `I8_4`: the day's counts, a row
per thread); the small per-day tables may be any layout (`B_A3`, `F_A1`, `F_A2`).
"""
from __future__ import annotations

from numba import boolean, float32, float64, int8, int16, int32, int64, types

B1, I1, I2, I4, I8, F4, F8 = (types.Array(t, 1, "C") for t in (boolean, int8, int16, int32, int64, float32, float64))
B1_2, I4_2, I8_2, F8_2 = (types.Array(t, 2, "C") for t in (boolean, int32, int64, float64))
I8_3, I8_4 = types.Array(int64, 3, "C"), types.Array(int64, 4, "C")
F8_3 = types.Array(float64, 3, "C")
B_A3, F_A1, F_A2 = types.Array(boolean, 3, "A"), float64[:], float64[:, :]
#: a C-contiguous column read only: takes read-only arrays (the Flee rules' spawn table) and writable ones alike
F8_R = types.Array(float64, 1, "C", readonly=True)
