"""Newly displaced rows entering from observed data: where each enters, drawn and counted in one compiled call.

Flee-format scenarios add the day's increase of the registered total as new rows at the conflict zones, weighted
by population times conflict intensity (`CrisisModel._spawn_observed`). Each row's place is the first whose running
share of the weights exceeds the row's SPAWN draw. As a dozen NumPy steps (the running shares, the draws, the search,
the clip, the cast, then a separate call to count the rows in) this was a tenth of a mali2012 run under Flee's rules
(0.026-0.030 s of 0.28 s, 300 days of a few hundred rows), each step's own cost far above its work.
"""
from __future__ import annotations

import numpy as np
from numba import float64, int8, int64, njit, uint64, void

from . import rng
from .kernels import count_fields
from .signatures import F8_R, I4, I8_2, I8_3, I8_4


@njit(void(uint64, uint64, int64, F8_R, float64, int8, int8, int64, I4, I8_4, I8_3, I8_2, I8_2), cache=True)
def spawn_places(seed, day, first, weights, total, agent_type, status, size, places_out, by_place_status_type,
                 exits_by_type_status, displaced_by_origin, row_counts):
    """The places of the rows first .. first + len(places_out) - 1 entering today (written to places_out), and those
    rows, of `agent_type` and `status` with `size` persons and their place as origin, counted into the day's counts
    (`kernels.tally`'s four outputs, in their first per-thread row).

    A row enters at the first place whose running share of `weights` (each weight over `total`, their NumPy sum,
    summed in place order as `np.cumsum` does) exceeds its draw, the last place where rounding leaves none: the same
    bits as NumPy's `searchsorted(side="right")` over those shares."""
    n_places = weights.shape[0]
    shares = np.empty(n_places)
    running = 0.0
    for loc in range(n_places):
        running += weights[loc] / total
        shares[loc] = running
    counts, exits, by_origin, rows = (by_place_status_type[0], exits_by_type_status[0], displaced_by_origin[0],
                                      row_counts[0])
    for k in range(places_out.shape[0]):
        u = rng.uniform(seed, first + k, day, uint64(rng.SPAWN))
        lo, hi = 0, n_places  # the first share above u: places with a share at or below it are passed
        while lo < hi:
            mid = (lo + hi) >> 1
            if shares[mid] <= u:
                lo = mid + 1
            else:
                hi = mid
        loc = min(lo, n_places - 1)
        places_out[k] = loc
        count_fields(1, True, status, agent_type, loc, loc, size, counts, exits, by_origin, rows)
