"""Admission under capacity: site places, border processing and evacuation seats, in a fair order.

Everyone queued at a place is ranked: vulnerable persons first (unaccompanied
children, victims of trafficking), then a counter-based random key, so the order
is fair, reproducible, and shared between scenarios run with the same seed.
Within each place, queued groups are admitted while the persons admitted so far
fit in the day's slots. Vectorised NumPy: one sort of the queue, no loop over agents.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import rng
from .codes import LocationKind, Status
from .network import Network
from .population import Population


@dataclass
class AdmissionResult:
    evacuated_rows: np.ndarray  # rows that left through a hub today
    admitted_persons: np.ndarray  # int64 [L]


def queue_priority(pop: Population, rows: np.ndarray) -> np.ndarray:
    """Who goes first in a queue: referred persons and the vulnerable (unaccompanied children, victims of
    trafficking)."""
    return pop.referred[rows] | pop.unaccompanied_child[rows] | pop.trafficking_victim[rows]


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
    admitted = np.zeros(len(rows), dtype=np.bool_)
    if len(rows) == 0:
        return admitted
    demand = np.bincount(places, weights=sizes, minlength=len(slots))
    # each place, once: everyone fits (0), the queue is contested (1), or nobody fits (2)
    verdict = np.where(demand <= slots, 0, np.where(slots > 0, 1, 2)).astype(np.int8)[places]
    admitted[verdict == 0] = True
    contested = np.flatnonzero(verdict == 1)
    if len(contested) == 0:
        return admitted
    keys = np.asarray(key(rows[contested]) if callable(key) else key[contested])
    c_places, c_sizes, c_priority = places[contested], sizes[contested].astype(np.int64), priority[contested]
    queue_rows = np.bincount(c_places, minlength=len(slots))
    heads = slots / np.maximum(demand / np.maximum(queue_rows, 1), 1.0)  # groups of the mean size that fit
    cutoff = np.minimum(1.0, 2.0 * (heads + 8.0) / np.maximum(queue_rows, 1))  # share of the queue to sort
    keep = c_priority | (keys < cutoff[c_places])
    admitted_here, settled = _admit_sorted(keep, c_places, c_sizes, c_priority, keys, slots)
    redo = ~settled[c_places]  # places where the cut-off held too few: sort their whole queue
    if redo.any():
        again, _ = _admit_sorted(redo, c_places, c_sizes, c_priority, keys, slots)
        admitted_here = np.where(redo, again, admitted_here)
    admitted[contested] = admitted_here
    return admitted


def _admit_sorted(keep: np.ndarray, places: np.ndarray, sizes: np.ndarray, priority: np.ndarray,
                  keys: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort the kept rows by place, priority first, then key, and admit each place's head that fits its slots.
    Returns the admitted mask over all rows and, per place, whether some kept row did not fit (so the head
    ended among the kept rows and the rows left out could not have been admitted)."""
    kept = np.nonzero(keep)[0]
    # one stable sort on a packed key (place, then priority first, then 32 bits of the random key) instead of
    # a three-key lexsort
    packed = ((places[kept].astype(np.uint64) << np.uint64(33))
              | ((~priority[kept]).astype(np.uint64) << np.uint64(32))
              | (keys[kept] * 4294967296.0).astype(np.uint64))
    order = kept[np.argsort(packed, kind="stable")]
    p = places[order]
    cum = np.cumsum(sizes[order])
    starts = np.r_[0, np.nonzero(np.diff(p))[0] + 1]
    before = np.repeat(np.r_[0, cum[starts[1:] - 1]], np.diff(np.r_[starts, len(p)]))
    fits = (cum - before) <= slots[p]
    admitted = np.zeros(len(places), dtype=np.bool_)
    admitted[order] = fits
    settled = np.zeros(len(slots), dtype=np.bool_)
    settled[p[~fits]] = True
    return admitted, settled


def admit(pop: Population, net: Network, queued: np.ndarray, slots: np.ndarray, seed: int, day: int,
          stranded_after: int, filters=()) -> AdmissionResult:
    """Admit the queued agents (rows waiting or stranded, in row order); those left waiting count another day,
    and become stranded past the threshold.

    Referred persons and the vulnerable (unaccompanied children, victims of trafficking) go first.
    `filters` are callables (queued rows, their locations) -> mask of rows that may be admitted today
    (evacuation eligibility, for example); the others keep their place in the queue.
    """
    status = pop.status
    loc = pop.location[queued]
    size = pop.size[queued]
    priority = queue_priority(pop, queued)

    def key(rows: np.ndarray) -> np.ndarray:
        return rng.uniform_array(seed, rows, day, rng.QUEUE_ORDER)

    if filters:
        eligible = np.ones(len(queued), dtype=np.bool_)
        for allowed in filters:
            eligible &= allowed(queued, loc)
        ok = np.zeros(len(queued), dtype=np.bool_)
        ok[eligible] = ranked_fit(queued[eligible], loc[eligible], size[eligible], priority[eligible], key, slots)
    else:
        ok = ranked_fit(queued, loc, size, priority, key, slots)
    kind = net.kind[loc]
    admitted_persons = np.bincount(loc[ok], weights=size[ok], minlength=net.n_locations).astype(np.int64)

    to_site = queued[ok & (kind == LocationKind.SITE)]
    status[to_site] = Status.IN_SITE
    through = queued[ok & (kind == LocationKind.BORDER)]
    pop.cleared[through] = True
    status[through] = np.where(pop.path[through] >= 0, Status.ON_THE_MOVE, Status.SELF_SETTLED)
    evacuated = queued[ok & (kind == LocationKind.HUB)]
    status[evacuated] = Status.EVACUATED
    pop.active[evacuated] = False

    left = queued[~ok]
    pop.wait_days[left] += 1
    status[left[pop.wait_days[left] >= stranded_after]] = Status.STRANDED
    pop.wait_days[queued[ok]] = 0
    return AdmissionResult(evacuated_rows=evacuated, admitted_persons=admitted_persons)
