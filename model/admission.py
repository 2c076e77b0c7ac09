"""Admission under capacity: site places, border processing and evacuation seats, in a fair order.

Everyone queued at a place is ranked: vulnerable persons first (unaccompanied
children, victims of trafficking), then a counter-based random key, so the order
is fair, reproducible, and shared between scenarios run with the same seed.
Within each place, queued groups are admitted while the persons admitted so far
fit in the day's slots. The order is found, and the day's admission written, by compiled passes over
the queue: at national scale it holds tens of thousands of rows every day.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import int64, njit, types, uint64

from . import rng
from .codes import LocationKind, Status
from .kernels import add_into, wait_another_day, zero_counts
from .network import Network
from .population import Population
from .ranking import fit_contested, uncontested, whole
from .signatures import B1, I1, I4, I8, I8_2, I8_3


@dataclass
class AdmissionResult:
    evacuated_rows: np.ndarray  # rows that left through a hub today
    admitted_persons: np.ndarray  # int64 [L]


@dataclass(frozen=True)
class Queue:
    """The day's queued rows and their facts (place, size, type, stranded today unless admitted) as the movement
    pass listed them (`kernels.QUEUE_LISTS`): at positions 0..len - 1, or where `segments` (starts, lengths) says,
    block by block where the pass wrote them (`kernels.list_segments`)."""
    rows: np.ndarray
    facts: tuple[np.ndarray, ...]
    segments: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.rows) if self.segments is None else int(self.segments[1].sum())


def gated_locations(kind: np.ndarray, site_capacity: np.ndarray, throughput: np.ndarray) -> np.ndarray:
    """Places where arrivals queue for admission: sites with a capacity, border points with a processing
    capacity, and evacuation hubs (evacuation is always by seat)."""
    return _gated(np.ascontiguousarray(kind, dtype=np.int8), _int64(site_capacity), _int64(throughput))


def queue_slots(net: Network, in_site: np.ndarray, site_capacity: np.ndarray, throughput: np.ndarray) -> np.ndarray:
    """Persons each place can admit today: free site places, or the daily throughput of borders and hubs."""
    return _slots(net.kind, _int64(in_site), _int64(site_capacity), _int64(throughput))


def _int64(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.int64)


# gated_locations and queue_slots run every day on arrays the size of the network: compiled, each is one loop where
# NumPy made a mask or a temporary per step (the persons scenario's late days, on two threads: 0.04 and 0.11 ms a
# day -> 0.01 and 0.02)
_NO_LIMIT = np.iinfo(np.int64).max // 4  # a day's slots where nothing limits admission
_SITE, _BORDER, _HUB = (np.int8(k) for k in (LocationKind.SITE, LocationKind.BORDER, LocationKind.HUB))


@njit(B1(I1, I8, I8), cache=True)
def _gated(kind, site_capacity, throughput):
    out = np.empty(kind.shape[0], dtype=np.bool_)
    for loc in range(kind.shape[0]):
        k = kind[loc]
        out[loc] = (k == _SITE and site_capacity[loc] >= 0) or (k == _BORDER and throughput[loc] >= 0) or k == _HUB
    return out


@njit(I8(I1, I8, I8, I8), cache=True)
def _slots(kind, in_site, site_capacity, throughput):
    out = np.empty(kind.shape[0], dtype=np.int64)
    for loc in range(kind.shape[0]):
        k = kind[loc]
        if k == _SITE and site_capacity[loc] >= 0:
            out[loc] = max(site_capacity[loc] - in_site[loc], 0)
        elif (k == _BORDER or k == _HUB) and throughput[loc] >= 0:
            out[loc] = throughput[loc]
        else:
            out[loc] = _NO_LIMIT
    return out


@njit(cache=True, inline="always")
def _goes_first(i, referred, unaccompanied_child, trafficking_victim):
    """Who goes first in a queue: referred persons and the vulnerable (unaccompanied children, victims of
    trafficking). The one statement of the rule: admission and `queue_priority` both apply it."""
    return referred[i] | unaccompanied_child[i] | trafficking_victim[i]


@njit(B1(I8, B1, B1, B1), cache=True)
def _priorities(rows, referred, unaccompanied_child, trafficking_victim):
    out = np.empty(rows.shape[0], dtype=np.bool_)
    for k in range(rows.shape[0]):
        out[k] = _goes_first(rows[k], referred, unaccompanied_child, trafficking_victim)
    return out


def queue_priority(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Whether each of `rows` goes first in a queue (`_goes_first`)."""
    return _priorities(np.ascontiguousarray(rows, dtype=np.int64), pop.referred, pop.unaccompanied_child,
                       pop.trafficking_victim)


def eligible_rows(queued: np.ndarray, places: np.ndarray, filters=()) -> np.ndarray:
    """bool [len(queued)]: the queued rows that every filter lets be admitted today. `filters` are callables
    (queued rows, their places) -> mask, added by operations (evacuation eligibility, for example); they read, never
    write."""
    eligible = np.ones(len(queued), dtype=np.bool_)
    for allowed in filters:
        eligible &= allowed(queued, places)
    return eligible


def admit(pop: Population, net: Network, queued: np.ndarray, slots: np.ndarray, seed: int, day: int,
          stranded_after: int, eligible: np.ndarray | None = None, counts: tuple[np.ndarray, ...] | None = None,
          facts: tuple[np.ndarray, ...] | None = None,
          segments: tuple[np.ndarray, np.ndarray] | None = None) -> AdmissionResult:
    """Admit the queued agents (rows waiting or stranded, in row order); those left waiting count another day,
    and become stranded past the threshold.

    Referred persons and the vulnerable (unaccompanied children, victims of trafficking) go first.
    `eligible` says which queued rows may be admitted today (`eligible_rows`; None: all); the others keep their
    place in the queue.
    `counts`, the model's day's counts (`kernels.tally`'s four outputs), move the rows whose status changes.
    `facts`: the place, size and type of each queued row and whether it becomes stranded today unless admitted, as
    the movement pass listed them beside the rows, having counted the day's wait (`kernels.move_agents`); without
    them admission reads the rows and counts the wait here. Admission ranks every queued row every day, and the
    reads and writes of a row in other parts of memory cost more than the rest of its visit: this way it touches
    only the rows it admits or strands.
    `segments` (starts, lengths): where `queued` and `facts` are the movement pass's lists where it wrote them,
    each row block's in the block's own slots (`kernels.list_segments`), the positions that hold the queue, in
    order; None: positions 0..len(queued)-1. Read there, the lists need not be copied out (five lists of up to
    372,000 rows a day on the persons scenario). `eligible` needs the queue in one piece.
    """
    if counts is None:  # nothing to keep: count into a scratch set
        counts = zero_counts(net.n_locations)
    queued = np.ascontiguousarray(queued, dtype=np.int64)
    if segments is None:
        segments = whole(len(queued))
    elif eligible is not None:
        raise ValueError("admit: `eligible` needs the queue in one piece (segments=None)")
    if facts is None:
        facts = queued_facts(queued, pop.location, pop.size, pop.agent_type, pop.status, pop.wait_days,
                             stranded_after)
    places, sizes, agent_types, strands = (np.ascontiguousarray(f, dtype=np.int64) for f in facts)
    # no mask: everyone (a filter's mask has an entry per queued row; an empty queue has no rows to filter)
    eligible = np.ones(0, dtype=np.bool_) if eligible is None else np.ascontiguousarray(eligible, dtype=np.bool_)
    admitted_persons = np.zeros(net.n_locations, dtype=np.int64)
    evacuated = _admit_queue(queued, places, sizes, agent_types, strands, *segments, eligible,
                             np.ascontiguousarray(slots, dtype=np.int64), np.uint64(seed), np.uint64(day), pop.referred,
                             pop.unaccompanied_child, pop.trafficking_victim, net.kind, pop.status, pop.cleared,
                             pop.path, pop.active, pop.wait_days, admitted_persons,
                             *(counts[k][0] for k in (0, 1, 3)))  # by place, exits and rows: nobody changes origin
    return AdmissionResult(evacuated_rows=evacuated, admitted_persons=admitted_persons)


@njit(types.UniTuple(I8, 4)(I8, I4, I4, I1, I1, I4, int64), cache=True)
def queued_facts(queued, location, size, agent_type, status, wait_days, stranded_after):
    """What the movement pass lists beside the queued rows (place, size, type, and whether the row becomes stranded
    today unless admitted; see `kernels.move_agents`), for rows queued without that pass: each waits another day
    here (`kernels.wait_another_day`)."""
    n = queued.shape[0]
    places = np.empty(n, dtype=np.int64)
    sizes = np.empty(n, dtype=np.int64)
    agent_types = np.empty(n, dtype=np.int64)
    strands = np.empty(n, dtype=np.int64)
    for k in range(n):
        i = queued[k]
        places[k] = location[i]
        sizes[k] = size[i]
        agent_types[k] = agent_type[i]
        strands[k] = wait_another_day(i, status[i], wait_days, stranded_after)
    return places, sizes, agent_types, strands


_IN_SITE, _ON_THE_MOVE, _SELF_SETTLED, _EVACUATED, _STRANDED = (
    np.int8(s) for s in (Status.IN_SITE, Status.ON_THE_MOVE, Status.SELF_SETTLED, Status.EVACUATED, Status.STRANDED))


#: the day's counts admission changes (`kernels.tally`'s by place, status and type; exits; rows), one thread's row
_COUNTS = (I8_3, I8_2, I8)


@njit(cache=True, inline="always")
def _recount(was, s, act, loc, t, sz, by_place, exits, row_counts):
    """Move a queued row (place loc, type t, size sz), active with status `was` before admission, to status s
    (active or not) in the day's counts (as `kernels.count_fields` would, less what admission cannot change: a queued
    row stays at its place, and counts by origin as displaced whether it stays queued, is admitted or leaves)."""
    by_place[loc, was, t] -= sz
    if act:
        by_place[loc, s, t] += sz
        row_counts[1] += s == _IN_SITE  # `was`, a queue, is not in a site
    else:
        exits[t, s] += sz
        row_counts[0] -= 1


@njit(I8(I8, I8, I8, I8, I8, I8, I8, B1, I1, I1, B1, I4, B1, I4, I8, *_COUNTS), cache=True, nogil=True)
def _settle_queue(queued, places, sizes, agent_types, strands, seg_start, seg_len, ok, loc_kind, status, cleared, path,
                  active, wait_days, admitted_persons, by_place, exits, row_counts):
    """The day's admission, row by row: the admitted enter their site, clear their border point (and go on
    along their path, if any) or board at their hub and leave the network, their wait over; the others, whose
    day's wait is counted already, become stranded where `strands`. Counts admitted persons by place; moves each
    row whose status changed in the day's counts (`kernels.tally`'s outputs, one thread's row); returns the
    evacuated rows. The queue is the positions in the segments (`ranking.uncontested`)."""
    evacuated = np.empty(seg_len.sum(), dtype=np.int64)
    n_evacuated = 0
    # the narrow counts in scratch: on two threads hosting counts into the next thread's row meanwhile (`add_into`)
    exits_here, rows_here = np.zeros_like(exits), np.zeros_like(row_counts)
    for s in range(seg_start.shape[0]):
        for k in range(seg_start[s], seg_start[s] + seg_len[s]):
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
                _recount(was, status[i], active[i], loc, agent_types[k], sizes[k], by_place, exits_here, rows_here)
            elif strands[k]:  # most queued rows wait on, and are not touched here
                _recount(status[i], _STRANDED, True, places[k], agent_types[k], sizes[k], by_place, exits_here,
                         rows_here)
                status[i] = _STRANDED
    add_into(exits, exits_here)
    add_into(row_counts, rows_here)
    return evacuated[:n_evacuated].copy()


@njit(I8(I8, I8, I8, I8, I8, I8, I8, B1, I8, uint64, uint64, B1, B1, B1, I1, I1, B1, I4, B1, I4, I8,
          *_COUNTS), cache=True, nogil=True)
def _admit_queue(queued, places_queued, sizes_queued, agent_types, strands, seg_start, seg_len, eligible, slots, seed,
                 day, referred, unaccompanied_child, trafficking_victim, loc_kind, status, cleared, path,
                 active, wait_days, admitted_persons, by_place, exits, row_counts):
    """The day's admission in one compiled call (it runs every day on queues of thousands of rows): the eligible
    queued rows are ranked and fitted to the slots as `ranking.ranked_fit` does, with `_goes_first` and the
    QUEUE_ORDER draw as key, and the outcome is written by `_settle_queue`; returns the evacuated rows. The queue is
    the positions in the segments (`ranking.uncontested`). Where every row is eligible (`eligible` empty, or no
    entry of it False: no operation filters the queue), the queue is ranked as it is: copying out the eligible
    rows was a quarter of admission's time on the persons scenario's longest queues (175,000 rows). `eligible`
    (by position) comes with a queue in one piece."""
    everyone = True
    for k in range(eligible.shape[0]):
        if not eligible[k]:
            everyone = False
            break
    if everyone:
        rows, places, sizes, starts, lengths = queued, places_queued, sizes_queued, seg_start, seg_len
    else:
        rows, places, sizes = queued[eligible], places_queued[eligible], sizes_queued[eligible]
        starts, lengths = whole(rows.shape[0])
    fits, contested, demand = uncontested(places, sizes, slots, starts, lengths)
    if contested.shape[0]:
        # priority and key only where a place has to choose: most queued rows wait where nobody is admitted
        # today (a full site), and each of their flags is a read from another part of memory
        priority = np.empty(contested.shape[0], dtype=np.bool_)
        keys = np.empty(contested.shape[0])
        for c in range(contested.shape[0]):
            i = rows[contested[c]]
            priority[c] = _goes_first(i, referred, unaccompanied_child, trafficking_victim)
            keys[c] = rng.uniform(seed, i, day, rng.QUEUE_ORDER)
        fit_contested(contested, places, sizes, priority, keys, demand, slots, fits)
    if everyone:
        ok = fits
    else:
        ok = np.zeros(queued.shape[0], dtype=np.bool_)
        ok[eligible] = fits
    return _settle_queue(queued, places_queued, sizes_queued, agent_types, strands, seg_start, seg_len, ok, loc_kind,
                         status, cleared, path, active, wait_days, admitted_persons, by_place, exits, row_counts)
