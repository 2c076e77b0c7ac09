"""Ranked fit: which rows of a queue get one of a place's slots, by priority, then a random key, then position.

Admission (site places, border processing, evacuation seats), hosting (free hosting places in a town) and the
operations that ration a service (travel documents, evacuation seats) all decide the same way: at each place the
queued groups are taken in order while the persons taken so far fit the day's slots. `ranked_fit` is the call
for NumPy code; `uncontested` and `fit_contested` are its compiled steps, which admission, hosting and the
issuing of travel documents call from their own compiled passes with the keys they draw.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit, types, uint64, void

from .signatures import B1, F8, I8


def ranked_fit(rows: np.ndarray, places: np.ndarray, sizes: np.ndarray, priority: np.ndarray,
               key: np.ndarray | Callable[[np.ndarray], np.ndarray], slots: np.ndarray) -> np.ndarray:
    """Which queued rows are admitted: by place, priority first then key, while cumulative persons fit the slots.

    Only places where the queue holds more persons than the slots need an order; everyone fits elsewhere,
    and nobody fits where there are no slots. `key` may be a function of the rows, then only the contested
    rows draw one. Ties (keys equal in their first 32 bits) go by position in `rows`.

    A contested queue is usually long and its admitted head short (a town with a few free hosting places and
    thousands of displaced people in it), so the head is found without sorting the whole queue: each place
    sorts its priority rows and the rows whose key falls under a cut-off that should hold everyone admitted
    and the first who is not. A place where everyone under the cut-off fits sorts its whole queue instead,
    so the result is exactly that of sorting every queue.
    """
    places = np.ascontiguousarray(places, dtype=np.int64)
    sizes = np.ascontiguousarray(sizes, dtype=np.int64)
    slots = np.ascontiguousarray(slots, dtype=np.int64)
    admitted, contested, demand = uncontested(places, sizes, slots)
    if len(contested):
        keys = key(rows[contested]) if callable(key) else np.asarray(key)[contested]
        fit_contested(contested, places, sizes, np.ascontiguousarray(priority, dtype=np.bool_),
                       np.ascontiguousarray(keys, dtype=np.float64), demand, slots, admitted)
    return admitted


@njit(types.Tuple((B1, I8, I8))(I8, I8, I8), cache=True, nogil=True)
def uncontested(places, sizes, slots):
    """Persons queued at each place (`demand`), the rows admitted because everyone at their place fits, and
    the rows of contested places (more persons than slots, and some slots), in queue order."""
    n_places = slots.shape[0]
    persons = np.zeros(n_places, dtype=np.int64)
    for i in range(places.shape[0]):
        if places[i] < 0 or places[i] >= n_places:  # compiled code does not check its indices: this does
            raise IndexError("ranked_fit: a queued row's place has no entry in the slots table")
        persons[places[i]] += sizes[i]
    fits = persons <= slots
    open_place = ~fits & (slots > 0)
    admitted = np.empty(places.shape[0], dtype=np.bool_)
    contested = np.empty(places.shape[0], dtype=np.int64)
    k = 0
    for i in range(places.shape[0]):
        p = places[i]
        admitted[i] = fits[p]
        contested[k] = i
        k += open_place[p]
    return admitted, contested[:k].copy(), persons


@njit(void(I8, I8, I8, B1, F8, I8, I8, B1), cache=True, nogil=True)
def fit_contested(contested, all_places, sizes, priority, keys, demand, slots, admitted):
    """Decide the rows `contested` (queue positions, in order; keys[k] is the key of contested[k]) into
    `admitted`: each place's rows sorted by priority first, then the first 32 bits of the key, then
    position, and admitted while the cumulative persons fit its slots (`demand`: persons queued there).

    A place sorts only its priority rows and the rows whose key falls under a cut-off sized to hold its
    admitted head and the first row that does not fit; where every row under the cut-off fits, the head may go
    on past it, and the place sorts its whole queue instead.
    """
    n = contested.shape[0]
    n_places = slots.shape[0]
    start = np.zeros(n_places + 1, dtype=np.int64)  # the contested rows of each place, in queue order
    for k in range(n):
        start[all_places[contested[k]] + 1] += 1
    for p in range(n_places):
        start[p + 1] += start[p]
    by_place = np.empty(n, dtype=np.int64)  # indices into contested, grouped by place
    filled = start[:-1].copy()
    for k in range(n):
        p = all_places[contested[k]]
        by_place[filled[p]] = k
        filled[p] += 1
    packed = np.empty(n, dtype=np.uint64)
    for p in range(n_places):
        lo, hi = start[p], start[p + 1]
        m = hi - lo
        if m == 0:
            continue
        heads = slots[p] / max(demand[p] / max(m, 1), 1.0)  # groups of the mean size that fit
        cutoff = min(1.0, 2.0 * (heads + 8.0) / max(m, 1))  # share of the queue to sort first
        for whole in range(2):
            k = 0
            for j in range(lo, hi):
                c = by_place[j]
                i = contested[c]
                admitted[i] = False
                if whole or priority[i] or keys[c] < cutoff:
                    # one 64-bit key: not priority (1 bit), 32 bits of the random key, position (31 bits)
                    key32 = min(uint64(keys[c] * 4294967296.0), uint64(0xFFFFFFFF))
                    packed[k] = (uint64(not priority[i]) << uint64(63)) | (key32 << uint64(31)) | uint64(j - lo)
                    k += 1
            head = np.sort(packed[:k])
            used = 0
            closed = False
            for r in range(k):
                i = contested[by_place[lo + np.int64(head[r] & uint64(0x7FFFFFFF))]]
                used += sizes[i]
                if used <= slots[p]:
                    admitted[i] = True
                else:
                    closed = True
            if closed:  # the head ended among the sorted rows: those left out come after it
                break
