"""Admission under capacity: site places, border processing and evacuation seats, in a fair order.

Everyone queued at a place is ranked: vulnerable persons first (unaccompanied
children, victims of trafficking), then a counter-based random key, so the order
is fair, reproducible, and shared between scenarios run with the same seed.
Within each place, queued groups are admitted while the persons admitted so far
fit in the day's slots. The order is found, and the day's admission written, by compiled passes over
the queue: at national scale it holds tens of thousands of rows every day.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import boolean, float64, int8, int32, int64, njit, types, uint64, void

from . import rng
from .codes import AgentType, LocationKind, Status
from .network import Network
from .population import Population


@dataclass
class AdmissionResult:
    evacuated_rows: np.ndarray  # rows that left through a hub today
    admitted_persons: np.ndarray  # int64 [L]


def gated_locations(kind: np.ndarray, site_capacity: np.ndarray, throughput: np.ndarray) -> np.ndarray:
    """Places where arrivals queue for admission: sites with a capacity, border points with a processing
    capacity, and evacuation hubs (evacuation is always by seat)."""
    site = (kind == LocationKind.SITE) & (site_capacity >= 0)
    border = (kind == LocationKind.BORDER) & (throughput >= 0)
    return site | border | (kind == LocationKind.HUB)


def queue_slots(net: Network, in_site: np.ndarray, site_capacity: np.ndarray, throughput: np.ndarray) -> np.ndarray:
    """Persons each place can admit today: free site places, or the daily throughput of borders and hubs."""
    big = np.iinfo(np.int64).max // 4
    slots = np.full(net.n_locations, big, dtype=np.int64)
    site = net.kind == LocationKind.SITE
    limited = site & (site_capacity >= 0)
    slots[limited] = np.maximum(site_capacity[limited] - in_site[limited], 0)
    gate = (net.kind == LocationKind.BORDER) | (net.kind == LocationKind.HUB)
    slots[gate & (throughput >= 0)] = throughput[gate & (throughput >= 0)]
    return slots


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
    admitted, contested, demand = _uncontested(places, sizes, slots)
    if len(contested):
        keys = key(rows[contested]) if callable(key) else np.asarray(key)[contested]
        _fit_contested(contested, places, sizes, np.ascontiguousarray(priority, dtype=np.bool_),
                       np.ascontiguousarray(keys, dtype=np.float64), demand, slots, admitted)
    return admitted


_B1, _I1, _I4, _I8, _F8 = (types.Array(t, 1, "C") for t in (boolean, int8, int32, int64, float64))


@njit(cache=True, inline="always")
def _goes_first(i, referred, unaccompanied_child, trafficking_victim):
    """Who goes first in a queue: referred persons and the vulnerable (unaccompanied children, victims of
    trafficking). The one statement of the rule: admission and `queue_priority` both apply it."""
    return referred[i] | unaccompanied_child[i] | trafficking_victim[i]


@njit(_B1(_I8, _B1, _B1, _B1), cache=True)
def _priorities(rows, referred, unaccompanied_child, trafficking_victim):
    out = np.empty(rows.shape[0], dtype=np.bool_)
    for k in range(rows.shape[0]):
        out[k] = _goes_first(rows[k], referred, unaccompanied_child, trafficking_victim)
    return out


def queue_priority(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Whether each of `rows` goes first in a queue (`_goes_first`)."""
    return _priorities(np.ascontiguousarray(rows, dtype=np.int64), pop.referred, pop.unaccompanied_child,
                       pop.trafficking_victim)


@njit(types.Tuple((_B1, _I8, _I8))(_I8, _I8, _I8), cache=True, nogil=True)
def _uncontested(places, sizes, slots):
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


@njit(void(_I8, _I8, _I8, _B1, _F8, _I8, _I8, _B1), cache=True, nogil=True)
def _fit_contested(contested, all_places, sizes, priority, keys, demand, slots, admitted):
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


def admit(pop: Population, net: Network, queued: np.ndarray, slots: np.ndarray, seed: int, day: int,
          stranded_after: int, filters=(), counts: tuple[np.ndarray, ...] | None = None,
          facts: tuple[np.ndarray, ...] | None = None) -> AdmissionResult:
    """Admit the queued agents (rows waiting or stranded, in row order); those left waiting count another day,
    and become stranded past the threshold.

    Referred persons and the vulnerable (unaccompanied children, victims of trafficking) go first.
    `filters` are callables (queued rows, their locations) -> mask of rows that may be admitted today
    (evacuation eligibility, for example); the others keep their place in the queue; they read, never write.
    `counts`, the model's day's counts (`kernels.tally`'s four outputs), move the rows whose status changes.
    `facts`: the place, size and type of each queued row and whether it becomes stranded today unless admitted, as
    the movement pass listed them beside the rows, having counted the day's wait (`kernels.move_agents`); without
    them admission reads the rows and counts the wait here. Admission ranks every queued row every day, and the
    reads and writes of a row in other parts of memory cost more than the rest of its visit: this way it touches
    only the rows it admits or strands.
    """
    if counts is None:
        counts = (np.zeros((1, net.n_locations, len(Status), len(AgentType)), dtype=np.int64),
                  np.zeros((1, len(AgentType), len(Status)), dtype=np.int64),
                  np.zeros((1, net.n_locations), dtype=np.int64), np.zeros((1, 2), dtype=np.int64))
    queued = np.ascontiguousarray(queued, dtype=np.int64)
    if facts is None:
        pop.wait_days[queued] += 1
        strands = (pop.wait_days[queued] >= stranded_after) & (pop.status[queued] != Status.STRANDED)
        facts = (pop.location[queued], pop.size[queued], pop.agent_type[queued], strands)
    places, sizes, agent_types, strands = (np.ascontiguousarray(f, dtype=np.int64) for f in facts)
    eligible = np.ones(len(queued), dtype=np.bool_)
    for allowed in filters:
        eligible &= allowed(queued, places)
    admitted_persons = np.zeros(net.n_locations, dtype=np.int64)
    evacuated = _admit_queue(queued, places, sizes, agent_types, strands, eligible,
                             np.ascontiguousarray(slots, dtype=np.int64), np.uint64(seed), np.uint64(day), pop.referred,
                             pop.unaccompanied_child, pop.trafficking_victim, net.kind, pop.status, pop.cleared,
                             pop.path, pop.active, pop.wait_days, admitted_persons,
                             *(counts[k][0] for k in (0, 1, 3)))  # by place, exits and rows: nobody changes origin
    return AdmissionResult(evacuated_rows=evacuated, admitted_persons=admitted_persons)


_SITE, _BORDER, _HUB = (np.int8(k) for k in (LocationKind.SITE, LocationKind.BORDER, LocationKind.HUB))
_IN_SITE, _ON_THE_MOVE, _SELF_SETTLED, _EVACUATED, _STRANDED = (
    np.int8(s) for s in (Status.IN_SITE, Status.ON_THE_MOVE, Status.SELF_SETTLED, Status.EVACUATED, Status.STRANDED))


#: the day's counts admission changes (`kernels.tally`'s by place, status and type; exits; rows), one thread's row
_COUNTS = (types.Array(int64, 3, "C"), types.Array(int64, 2, "C"), _I8)


@njit(cache=True, inline="always")
def _recount(was, s, act, loc, t, sz, by_place, exits, row_counts):
    """Move a queued row (place loc, type t, size sz), active with status `was` before admission, to status s
    (active or not) in the day's counts (as `kernels._count` would, less what admission cannot change: a queued row
    stays at its place, and counts by origin as displaced whether it stays queued, is admitted or leaves)."""
    by_place[loc, was, t] -= sz
    if act:
        by_place[loc, s, t] += sz
        row_counts[1] += s == _IN_SITE  # `was`, a queue, is not in a site
    else:
        exits[t, s] += sz
        row_counts[0] -= 1


@njit(_I8(_I8, _I8, _I8, _I8, _I8, _B1, _I1, _I1, _B1, _I4, _B1, _I4, _I8, *_COUNTS), cache=True, nogil=True)
def _settle_queue(queued, places, sizes, agent_types, strands, ok, loc_kind, status, cleared, path, active, wait_days,
                  admitted_persons, by_place, exits, row_counts):
    """The day's admission, row by row: the admitted enter their site, clear their border point (and go on
    along their path, if any) or board at their hub and leave the network, their wait over; the others, whose
    day's wait is counted already, become stranded where `strands`. Counts admitted persons by place; moves each
    row whose status changed in the day's counts (`kernels.tally`'s outputs, one thread's row); returns the
    evacuated rows."""
    evacuated = np.empty(queued.shape[0], dtype=np.int64)
    n_evacuated = 0
    for k in range(queued.shape[0]):
        i = queued[k]
        if ok[k]:
            was = status[i]
            loc = places[k]
            admitted_persons[loc] += sizes[k]
            kind = loc_kind[loc]
            if kind == _SITE:
                status[i] = _IN_SITE
            elif kind == _BORDER:
                cleared[i] = True
                status[i] = _ON_THE_MOVE if path[i] >= 0 else _SELF_SETTLED
            elif kind == _HUB:
                status[i] = _EVACUATED
                active[i] = False
                evacuated[n_evacuated] = i
                n_evacuated += 1
            wait_days[i] = 0
            _recount(was, status[i], active[i], loc, agent_types[k], sizes[k], by_place, exits, row_counts)
        elif strands[k]:  # most queued rows wait on, and are not touched here
            _recount(status[i], _STRANDED, True, places[k], agent_types[k], sizes[k], by_place, exits, row_counts)
            status[i] = _STRANDED
    return evacuated[:n_evacuated].copy()


@njit(_I8(_I8, _I8, _I8, _I8, _I8, _B1, _I8, uint64, uint64, _B1, _B1, _B1, _I1, _I1, _B1, _I4, _B1, _I4, _I8,
          *_COUNTS), cache=True, nogil=True)
def _admit_queue(queued, places_queued, sizes_queued, agent_types, strands, eligible, slots, seed, day, referred,
                 unaccompanied_child, trafficking_victim, loc_kind, status, cleared, path, active, wait_days,
                 admitted_persons, by_place, exits, row_counts):
    """The day's admission in one compiled call (it runs every day on queues of thousands of rows): the eligible
    queued rows are ranked and fitted to the slots as `ranked_fit` does, with `_goes_first` and the
    QUEUE_ORDER draw as key, and the outcome is written by `_settle_queue`; returns the evacuated rows. Where
    every row is eligible (no operation filters the queue), the queue is ranked as it is: copying out the eligible
    rows was a quarter of admission's time on the persons scenario's longest queues (175,000 rows)."""
    everyone = True
    for k in range(eligible.shape[0]):
        if not eligible[k]:
            everyone = False
            break
    if everyone:
        rows, places, sizes = queued, places_queued, sizes_queued
    else:
        rows, places, sizes = queued[eligible], places_queued[eligible], sizes_queued[eligible]
    fits, contested, demand = _uncontested(places, sizes, slots)
    if contested.shape[0]:
        # priority and key only where a place has to choose: most queued rows wait where nobody is admitted
        # today (a full site), and each of their flags is a read from another part of memory
        priority = np.zeros(rows.shape[0], dtype=np.bool_)
        keys = np.empty(contested.shape[0])
        for c in range(contested.shape[0]):
            i = rows[contested[c]]
            priority[contested[c]] = _goes_first(i, referred, unaccompanied_child, trafficking_victim)
            keys[c] = rng.uniform(seed, i, day, rng.QUEUE_ORDER)
        _fit_contested(contested, places, sizes, priority, keys, demand, slots, fits)
    if everyone:
        ok = fits
    else:
        ok = np.zeros(queued.shape[0], dtype=np.bool_)
        ok[eligible] = fits
    return _settle_queue(queued, places_queued, sizes_queued, agent_types, strands, ok, loc_kind, status, cleared, path,
                         active, wait_days, admitted_persons, by_place, exits, row_counts)
