"""Ranked fit: which rows of a queue get one of a place's slots, by priority, then a random key, then position.

Admission (site places, border processing, evacuation seats), hosting (free hosting places in a town) and the
operations that ration a service (travel documents, evacuation seats) all decide the same way: at each place the
queued groups are taken in order while the persons taken so far fit the day's slots. `ranked_fit` is the call
for NumPy code; `uncontested` and `fit_contested` are its compiled steps, and `fit_by_draws` the two with each
contested row's own draw as key, which hosting and the issuing of travel documents call from their compiled passes
(admission calls the steps itself: it reads its rows' priorities only where a place is contested).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import int64, njit, types, uint64, void

from . import rng
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
    admitted, contested, demand = uncontested(places, sizes, slots, *whole(len(places)))
    if len(contested):
        keys = key(rows[contested]) if callable(key) else np.asarray(key)[contested]
        fit_contested(contested, places, sizes, np.ascontiguousarray(priority, dtype=np.bool_)[contested],
                       np.ascontiguousarray(keys, dtype=np.float64), demand, slots, admitted)
    return admitted


@njit(types.Tuple((I8, I8))(int64), cache=True)
def whole(n):
    """The one segment of a queue held in positions 0..n-1 (see `uncontested`)."""
    return np.zeros(1, dtype=np.int64), np.full(1, n, dtype=np.int64)


@njit(types.Tuple((B1, I8, I8))(I8, I8, I8, I8, I8), cache=True, nogil=True)
def uncontested(places, sizes, slots, seg_start, seg_len):
    """Persons queued at each place (`demand`), the rows admitted because everyone at their place fits, and
    the rows of contested places (more persons than slots, and some slots), in queue order.

    The queue is the positions seg_start[s] .. seg_start[s] + seg_len[s] - 1 of `places` and `sizes`, segment after
    segment (`whole(n)` for a queue held in positions 0..n-1): the movement pass lists each row block's queued rows
    in the block's own slots, and admission reads them there instead of copying them out (`admission.admit`).
    `admitted` is indexed by position, as are the contested positions; entries outside the segments are not
    written."""
    n_places = slots.shape[0]
    persons = np.zeros(n_places, dtype=np.int64)
    queued = 0
    for s in range(seg_start.shape[0]):
        for i in range(seg_start[s], seg_start[s] + seg_len[s]):
            if places[i] < 0 or places[i] >= n_places:  # compiled code does not check its indices: this does
                raise IndexError("ranked_fit: a queued row's place has no entry in the slots table")
            persons[places[i]] += sizes[i]
        queued += seg_len[s]
    fits = persons <= slots
    open_place = ~fits & (slots > 0)
    admitted = np.empty(places.shape[0], dtype=np.bool_)
    contested = np.empty(queued, dtype=np.int64)
    k = 0
    for s in range(seg_start.shape[0]):
        for i in range(seg_start[s], seg_start[s] + seg_len[s]):
            p = places[i]
            admitted[i] = fits[p]
            contested[k] = i
            k += open_place[p]
    return admitted, contested[:k].copy(), persons


_HEAD, _WHOLE, _DONE = 0, 1, 2  # a place's state in `fit_contested`: its head to sort, its whole queue, or decided


@njit(cache=True, inline="always")
def _place_rows(contested, all_places, priority, keys, start, cutoff, state, packed, row):
    """Write into each place's range of `packed` and `row`, in queue order, the contested rows it sorts: where its
    state is _HEAD those sorted first (priority, or the key under its cut-off), where _WHOLE all, where _DONE none.
    `packed` is one 64-bit sort key: not priority (1 bit), 32 bits of the random key, and the row's number among
    those written at its place (31 bits), which follows their queue positions; `row` the queue position. Returns
    how many rows each place got."""
    written = np.zeros(start.shape[0] - 1, dtype=np.int64)
    for c in range(contested.shape[0]):
        i = contested[c]
        p = all_places[i]
        if state[p] == _DONE or (state[p] == _HEAD and not (priority[c] or keys[c] < cutoff[p])):
            continue
        w = written[p]
        key32 = min(uint64(keys[c] * 4294967296.0), uint64(0xFFFFFFFF))
        packed[start[p] + w] = (uint64(not priority[c]) << uint64(63)) | (key32 << uint64(31)) | uint64(w)
        row[start[p] + w] = i
        written[p] = w + 1
    return written


@njit(void(I8, I8, I8, B1, F8, I8, I8, B1), cache=True, nogil=True)
def fit_contested(contested, all_places, sizes, priority, keys, demand, slots, admitted):
    """Decide the rows `contested` (queue positions, in order; keys[k] and priority[k] are the key and priority of
    contested[k]) into `admitted`, where they are False (as `uncontested` leaves them): each place's rows sorted by
    priority first, then the first 32 bits of the key, then position, and admitted while the cumulative persons fit its
    slots (`demand`: persons queued there).

    A place sorts only its priority rows and the rows whose key falls under a cut-off sized to hold its
    admitted head and the first row that does not fit; where every row under the cut-off fits, the head may go
    on past it, and the place sorts its whole queue instead.

    One pass over the queue, in its order, writes each place's rows to be sorted into the place's own range
    (`_place_rows`); the places then read only their own. A place used to find its rows through a list of their
    indices and read each one's key, position and priority from wherever it stood in the queue: the persons
    scenario's captured queues (day 10: 316,288 contested rows; day 40: 87,885), old and new taking turns, medians
    of eleven, 5.69 -> 3.29 ms and 1.56 -> 1.01 ms, the same rows admitted.
    """
    n = contested.shape[0]
    n_places = slots.shape[0]
    start = np.zeros(n_places + 1, dtype=np.int64)  # each place's range: its contested rows, however many sort
    for k in range(n):
        start[all_places[contested[k]] + 1] += 1
    for p in range(n_places):
        start[p + 1] += start[p]
    cutoff = np.empty(n_places)  # share of the place's queue to sort first
    state = np.full(n_places, _DONE, dtype=np.int8)
    for p in range(n_places):
        m = start[p + 1] - start[p]
        heads = slots[p] / max(demand[p] / max(m, 1), 1.0)  # groups of the mean size that fit
        cutoff[p] = min(1.0, 2.0 * (heads + 8.0) / max(m, 1))
        if m > 0:
            state[p] = _HEAD
    packed = np.empty(n, dtype=np.uint64)
    row = np.empty(n, dtype=np.int64)
    for _ in range(2):  # the heads, then the whole queues of the places whose head did not close
        written = _place_rows(contested, all_places, priority, keys, start, cutoff, state, packed, row)
        again = False
        for p in range(n_places):
            if state[p] == _DONE:
                continue
            lo = start[p]
            order = np.sort(packed[lo: lo + written[p]])
            used = 0
            closed = False
            for r in range(order.shape[0]):
                i = row[lo + np.int64(order[r] & uint64(0x7FFFFFFF))]
                used += sizes[i]
                if used > slots[p]:  # the head ends here: those after it come after it
                    closed = True
                    break
                admitted[i] = True
            if closed or state[p] == _WHOLE:
                state[p] = _DONE
            else:  # everyone sorted fitted: undo, and sort the place's whole queue
                for r in range(order.shape[0]):
                    admitted[row[lo + np.int64(order[r] & uint64(0x7FFFFFFF))]] = False
                state[p] = _WHOLE
                again = True
        if not again:
            break


@njit(B1(I8, I8, I8, B1, I8, uint64, uint64, uint64), cache=True, nogil=True)
def fit_by_draws(rows, places, sizes, priority, slots, seed, day, purpose):
    """`ranked_fit` in compiled code, its key each row's draw for `purpose` today (`rng.uniform`), drawn only for
    the rows of contested places: which of `rows` (with their places, sizes and priorities) are admitted."""
    seg_start, seg_len = whole(places.shape[0])
    admitted, contested, demand = uncontested(places, sizes, slots, seg_start, seg_len)
    if contested.shape[0]:
        keys = np.empty(contested.shape[0])
        first = np.empty(contested.shape[0], dtype=np.bool_)
        for c in range(contested.shape[0]):
            keys[c] = rng.uniform(seed, rows[contested[c]], day, purpose)
            first[c] = priority[contested[c]]
        fit_contested(contested, places, sizes, first, keys, demand, slots, admitted)
    return admitted
