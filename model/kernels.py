"""The Numba core: one pass over all agents per day, and the daily tallies.

Every kernel visits agents in `N_CHUNKS` fixed blocks of rows, which the threads claim one at a time
(`model.scheduling`), so a crisis that hits some rows harder keeps both threads busy.
Each thread counts into its own row of the outputs (`N_PARTIALS` rows) and the caller sums the rows. Counts are
integers, so the sums do not depend on which thread counted what. The outputs a few numbers wide (rows, exits,
newly displaced, crossings, returned) are counted in a worker's own scratch and added to its thread's row once
(`add_into`): their threads' rows share a cache line. Random numbers are counter-based
(`model.rng`), so the result is the same on any number of threads. Each kernel that draws has a plain NumPy
twin in `model.kernels_numpy`; tests check the two agree draw for draw. The counts kept by the stages (`count_fields`,
`count_rows`) are checked against a full count of every row instead (tests/test_counts_kept.py).

Inside a block, the loops over rows read the block's columns as views indexed from 0 (`status[lo:hi]`): an
index that starts at 0 is one Numba and LLVM know to be non-negative, while a row number from `lo` makes every
access carry Python's negative-index wrap-around, which kept the loops from being tightened (the daily tally of
2.77 M rows: 5.8 ms against 3.9 ms on two threads). For the same reason a journey reads its row, path and edge
numbers as unsigned integers (`np.uint64`), which Numba indexes without wrap-around (4-8% of the movement pass).

Departure probabilities, destination pulls and border permissions arrive as
small per-location tables computed by the rule set each day, so one kernel
serves crisisflow's own push/pull rules and the Flee-compatible rules alike.

Numba's cache keys each compiled function on its own source file only, and a caller keeps the code of the
functions it calls or inlines from other modules (admission and hosting use helpers from here and from
`model.ranking`; the kernels use `model.scheduling` and `model.prefetch`) until its own file changes: so the cache
is kept in a folder per state of model/'s sources (`model.kernel_cache`), and any change compiles everything again.
"""
from __future__ import annotations

import numba
import numpy as np
from numba import boolean, float64, int8, int64, njit, prange, types, uint64, void
from numba.cpython.unsafe.numbers import trailing_zeros

from . import rng
from .codes import AgentType, LocationKind, Status
from .prefetch import ROWS_AHEAD, prefetch
from .scheduling import block_counter, claim_block
from .signatures import B1, B_A3, F4, F8, F8_3, F_A1, F_A2, I1, I2, I4, I4_2, I8, I8_2, I8_3, I8_4

#: fixed number of row blocks: results must not depend on the thread count
N_CHUNKS = 64
#: rows of every per-thread output array: one per thread Numba may run (read by the callers, never inside a
#: kernel: a compiled kernel keeps the globals it was compiled with, and Numba's cache would keep them too)
N_PARTIALS = numba.config.NUMBA_NUM_THREADS

_AT_HOME = np.int8(Status.AT_HOME)
_ON_THE_MOVE = np.int8(Status.ON_THE_MOVE)
_IN_SITE = np.int8(Status.IN_SITE)
_HOSTED = np.int8(Status.HOSTED)
_SELF_SETTLED = np.int8(Status.SELF_SETTLED)
_WAITING = np.int8(Status.WAITING)
_STRANDED = np.int8(Status.STRANDED)
_TRAPPED = np.int8(Status.TRAPPED)
_RETURNED = np.int8(Status.RETURNED)
_CROSSED = np.int8(Status.CROSSED_BORDER)
_LAST_HOME = np.int8(Status.TRAPPED)  # statuses up to this one are people at home
_FIRST_EXIT = np.int8(Status.CROSSED_BORDER)  # statuses from this one on have left the network
_MIGRANT = np.int8(AgentType.MIGRANT)
_IDP = np.int8(AgentType.IDP)
_HOST = np.int8(AgentType.HOST_HOUSEHOLD)
_SITE = np.int8(LocationKind.SITE)
_BORDER = np.int8(LocationKind.BORDER)
_ABROAD = np.int8(LocationKind.ABROAD)


@njit(cache=True, inline="always")
def chunk_bounds(chunk, n):
    """Rows [lo, hi) of block `chunk` out of N_CHUNKS over n rows."""
    return (chunk * n) // N_CHUNKS, ((chunk + 1) * n) // N_CHUNKS


@njit(cache=True, inline="always")
def _permitted(p, t, docs, pull, path_end, path_nedges, path_edges, edge_open, edge_border, border_allowed):
    """Whether candidate path p is permitted today to an agent of type t with documents `docs`: its end is a
    destination (a pull above -inf), every link on it is open and every border on it open to the agent."""
    if pull[t, path_end[p]] == -np.inf:
        return False
    for k in range(path_nedges[p]):
        e = path_edges[p, k]
        if not edge_open[e]:
            return False
        if edge_border[e] and not border_allowed[t, docs, e]:
            return False
    return True


@njit(cache=True, inline="always")
def path_utility(p, t, docs, pull, path_end, path_nedges, path_edges, path_cost, path_crosses,
                 dist_power, border_penalty, edge_open, edge_border, border_allowed):
    """Utility of candidate path p for an agent of type t; -inf where the path is not permitted today."""
    if not _permitted(p, t, docs, pull, path_end, path_nedges, path_edges, edge_open, edge_border, border_allowed):
        return -np.inf
    u = pull[t, path_end[p]] - dist_power[t] * path_cost[p]
    if path_crosses[p]:
        u -= border_penalty[t]
    return u


@njit(float64[:, ::1](F_A1, F_A1, F8, B1), cache=True)
def path_weights(dist_power, border_penalty, path_cost, path_crosses):
    """exp(-dist_power[t] * path_cost[p] - border_penalty[t] if p crosses a border): the part of each path's logit
    weight that does not change from day to day (see `choice_tables`), computed once a run."""
    out = np.empty((dist_power.shape[0], path_cost.shape[0]))
    for t in range(dist_power.shape[0]):
        for p in range(path_cost.shape[0]):
            out[t, p] = np.exp(-dist_power[t] * path_cost[p] - (border_penalty[t] if path_crosses[p] else 0.0))
    return out


#: a place whose permitted paths' weights sum to less than this (or to infinity) has its table made from the
#: utilities themselves (`_exact_tables`): the weights by destination and by path are then too far from 1
_SMALLEST_TOTAL = 1e-280


@njit(cache=True, inline="always")
def _exact_tables(loc, t, docs, lo, hi, pull, path_end, path_nedges, path_edges, path_cost, path_crosses, dist_power,
                  border_penalty, edge_open, edge_border, border_allowed, cum_out, total_out, last_out):
    """One place's table for type t and documents `docs` from the utilities: weights exp(u - max u)."""
    best = -np.inf
    for p in range(lo, hi):  # utilities, kept in cum_out until they become running sums
        u = path_utility(p, t, docs, pull, path_end, path_nedges, path_edges, path_cost, path_crosses,
                         dist_power, border_penalty, edge_open, edge_border, border_allowed)
        cum_out[t, docs, p] = u
        if u > best:
            best = u
    total = 0.0
    last = -1
    for p in range(lo, hi):
        u = cum_out[t, docs, p]
        if best > -np.inf and u > -np.inf:
            total += np.exp(u - best)
            last = p
        cum_out[t, docs, p] = total
    total_out[t, docs, loc] = total
    last_out[t, docs, loc] = last


@njit(cache=True, inline="always")
def _place_tables(loc, all_open, choosing, pull, end_weight, path_weight, path_start, path_end, path_nedges, path_edges,
                  path_cost, path_crosses, dist_power, border_penalty, edge_open, edge_border, border_allowed, cum_out,
                  total_out, last_out):
    """The choice tables of the paths that start at one place (see `choice_tables`); `all_open`: no link is closed
    today."""
    lo = path_start[loc]
    hi = path_start[loc + 1]
    crosses = False  # documents only matter where some path crosses a border
    for p in range(lo, hi):
        crosses = crosses or path_crosses[p]
    for t in range(pull.shape[0]):
        if not choosing[t]:  # no table: no path permitted
            for docs in range(2):
                total_out[t, docs, loc] = 0.0
                last_out[t, docs, loc] = -1
            continue
        for docs in (1, 0):
            if docs == 0 and not crosses:
                for p in range(lo, hi):
                    cum_out[t, 0, p] = cum_out[t, 1, p]
                total_out[t, 0, loc] = total_out[t, 1, loc]
                last_out[t, 0, loc] = last_out[t, 1, loc]
                continue
            total = 0.0
            last = -1
            for p in range(lo, hi):
                # with every link open, a path that crosses no border is permitted where its end is a destination
                if (pull[t, path_end[p]] != -np.inf if all_open and not path_crosses[p] else
                        _permitted(p, t, docs, pull, path_end, path_nedges, path_edges, edge_open, edge_border,
                                   border_allowed)):
                    total += end_weight[t, path_end[p]] * path_weight[t, p]
                    last = p
                cum_out[t, docs, p] = total
            total_out[t, docs, loc] = total
            last_out[t, docs, loc] = last
            if last >= 0 and not (_SMALLEST_TOTAL <= total < np.inf):
                _exact_tables(loc, t, docs, lo, hi, pull, path_end, path_nedges, path_edges, path_cost, path_crosses,
                              dist_power, border_penalty, edge_open, edge_border, border_allowed, cum_out, total_out,
                              last_out)


@njit(void(B1, F_A2, I8, I4, I1, I4_2, F8, B1, F_A1, F_A1, B1, B1, B_A3, F8_3, F8_3, I8_3,
           types.Array(float64, 2, "C")),
      parallel=True, cache=True)
def choice_tables(choosing, pull, path_start, path_end, path_nedges, path_edges, path_cost, path_crosses, dist_power,
                  border_penalty, edge_open, edge_border, border_allowed, cum_out, total_out, last_out, path_weight):
    """The day's choice tables: for each type, documents (0/1) and start location, the running sums of the
    logit weights over its paths in path order (cum_out[t, docs, path]), their total (total_out[t, docs, loc])
    and the last permitted path (last_out[t, docs, loc]; -1: none).

    Utilities depend on the agent only through its type and documents, so computing them once per day
    leaves each agent's choice a scan of a few numbers. Only the types where choosing[t] get tables (see
    `CrisisModel._choosing_types`); the others have none: no path permitted.

    A path's utility is its destination's pull less its cost, u = pull[t, end] - dist_power[t] * path_cost[p]
    (- border_penalty[t] across a border), so its weight exp(u - c) is the destination's exp(pull - top), taken
    once a day for each place (top: the type's highest pull), times the path's `path_weight` (`path_weights`,
    once a run): a multiplication per path instead of an exponential (the tables of the persons scenario on two
    threads 0.43 -> 0.35 ms a day, on one 0.68 -> 0.42). The weights differ from exp(u - max u) at the place by
    a constant factor, which the choice (a draw times the total) does not see, and in their last bits; where a
    place's weights would underflow or overflow, its table is made from the utilities (`_exact_tables`).

    On a day when every link is open, a path that crosses no border is permitted where its end is a destination:
    only the paths across a border walk their links (the persons scenario's tables, days 10, 40 and 200, on one
    thread 0.47 / 0.41 / 0.47 -> 0.28 ms, on two 0.32-0.39 -> 0.24-0.38: the wake of the second thread is most
    of it there).
    """
    n_loc = path_start.shape[0] - 1
    # exp(pull - the type's highest pull), by type and place; 0 for the types without tables (filled here: see
    # `model.scheduling` on np.zeros in a parallel kernel)
    end_weight = np.empty((pull.shape[0], n_loc))
    for t in range(pull.shape[0]):
        top = -np.inf
        if choosing[t]:
            for loc in range(n_loc):
                if pull[t, loc] > top and pull[t, loc] < np.inf:
                    top = pull[t, loc]
        for loc in range(n_loc):
            end_weight[t, loc] = np.exp(pull[t, loc] - top) if top > -np.inf else 0.0
    all_open = True
    for e in range(edge_open.shape[0]):
        all_open = all_open and edge_open[e]
    claimed = block_counter()  # blocks handed out so far (see `model.scheduling`)
    for _ in prange(N_CHUNKS):  # workers: a thread's first claims blocks until none are left, its others find none
        chunk = claim_block(claimed)
        while chunk < N_CHUNKS:  # blocks of places, like the agents: a place is too small a unit of work
            first, stop = chunk_bounds(chunk, n_loc)
            for loc in range(first, stop):
                _place_tables(loc, all_open, choosing, pull, end_weight, path_weight, path_start, path_end, path_nedges,
                              path_edges, path_cost, path_crosses, dist_power, border_penalty, edge_open, edge_border,
                              border_allowed, cum_out, total_out, last_out)
            chunk = claim_block(claimed)


@njit(cache=True, inline="always")
def choose_path(loc, t, docs, draw, path_start, choice_cum, choice_total, choice_last):
    """Sample a path from `loc` with one uniform draw: the first whose running weight exceeds draw x total
    (the last permitted path if rounding leaves none); -1 if no path is permitted."""
    last = choice_last[t, docs, loc]
    if last < 0:
        return -1
    target = draw * choice_total[t, docs, loc]
    for p in range(np.uint64(path_start[loc]), np.uint64(path_start[loc + 1])):
        if choice_cum[t, docs, p] > target:
            return np.int64(p)
    return last


@njit(cache=True, inline="always")
def _start(i, choice, status, path, path_pos, link_km_left, path_edges, edge_km):
    path[i] = choice
    path_pos[i] = 0
    link_km_left[i] = edge_km[path_edges[choice, 0]]
    status[i] = _ON_THE_MOVE


@njit(cache=True, inline="always")
def _travel(i, t, budget, size, status, location, path, path_pos, link_km_left, cleared, active,
            has_documents, speed, path_nedges, path_edges, edge_to, edge_km, edge_mode,
            edge_border, edge_open, border_allowed, loc_kind, loc_gated, loc_country,
            flows, crossings):
    """Advance agent i along its path on `budget` (share of a day); return the budget left.

    A link closed ahead or a border closed to the agent ends the journey where it stands; a border crossing
    point with a processing capacity queues agents that have not been cleared.
    """
    if path[i] < 0:  # on the move without a path (written from outside the kernels): it stops where it stands
        _settle(i, status, path, path_pos, link_km_left)
        return budget
    p = np.uint64(path[i])
    docs = 1 if has_documents[i] else 0
    while path_pos[i] < path_nedges[p]:
        e = np.uint64(path_edges[p, np.uint64(path_pos[i])])
        at_node = link_km_left[i] >= np.float32(edge_km[e])
        if not edge_open[e] or (edge_border[e] and not border_allowed[t, docs, e]):
            if at_node:
                _settle(i, status, path, path_pos, link_km_left)  # the way ahead is shut: stop here and rethink
                return budget
        elif edge_border[e] and at_node and not cleared[i] and loc_kind[location[i]] == _BORDER \
                and loc_gated[location[i]]:
            status[i] = _WAITING  # queue for processing at this crossing point
            return 0.0
        v = speed[t, edge_mode[e]]
        need = link_km_left[i] / v
        if need > budget:
            link_km_left[i] -= np.float32(budget * v)
            return 0.0
        budget -= need
        location[i] = edge_to[e]
        flows[e] += size[i]
        if edge_border[e]:
            cleared[i] = False
            crossings[loc_country[location[i]]] += size[i]
        path_pos[i] += 1
        if path_pos[i] < path_nedges[p]:
            link_km_left[i] = edge_km[path_edges[p, path_pos[i]]]
    _arrive(i, status, location, path, path_pos, link_km_left, cleared, active, loc_kind, loc_gated)
    return budget


@njit(cache=True, inline="always")
def _settle(i, status, path, path_pos, link_km_left):
    status[i] = _SELF_SETTLED
    path[i] = -1
    path_pos[i] = 0
    link_km_left[i] = 0.0


@njit(cache=True, inline="always")
def _arrive(i, status, location, path, path_pos, link_km_left, cleared, active, loc_kind, loc_gated):
    """At the end of a path: leave the network abroad, queue where arrivals are admitted, enter a site
    without a hard limit, or settle in a town."""
    _settle(i, status, path, path_pos, link_km_left)
    loc = location[i]
    kind = loc_kind[loc]
    if kind == _ABROAD:
        status[i] = _CROSSED
        active[i] = False
    elif loc_gated[loc] and not (kind == _BORDER and cleared[i]):
        status[i] = _WAITING
    elif kind == _SITE:
        status[i] = _IN_SITE


#: the lists `move_agents` writes (rows of its row_lists): the queued rows, the self-settled rows at hostable places,
#: and the queued rows' places, sizes, types and whether each becomes stranded today unless admitted
QUEUED, SETTLED, QUEUED_PLACE, QUEUED_SIZE, QUEUED_TYPE, QUEUED_STRANDS = 0, 1, 2, 3, 4, 5
N_LISTS = 6
#: the lists of the queued rows: the rows, then their facts
QUEUE_LISTS = (QUEUED, QUEUED_PLACE, QUEUED_SIZE, QUEUED_TYPE, QUEUED_STRANDS)
#: most legs (path choices) an agent travels in one day: it may move on from a town it reached with distance left
MAX_LEGS = 4


@njit(cache=True, inline="always")
def _journey(i, seed, day, s, agent_type, size, status, location, origin, displaced_since, wait_days,
             path, path_pos, link_km_left, has_documents, p_continue, choice, travel, flows, crossings, displaced):
    """The day of agent i, who is on the move or has just decided to leave (status s): choose a path if it is
    leaving, travel within the day's budget, arrive, and move on from towns reached with distance left.
    `choice` holds the day's choice tables and the paths' start index; `travel` what `_travel` reads."""
    choice_cum, choice_total, choice_last, path_start = choice
    (cleared, active, speed, path_nedges, path_edges, edge_to, edge_km, edge_mode, edge_border, edge_open,
     border_allowed, loc_kind, loc_gated, loc_country) = travel
    t = agent_type[i]
    loc = location[i]
    docs = 1 if has_documents[i] else 0
    key = rng.agent_day(seed, i, day)  # the day's draws for this row take one step each from it
    if s != _ON_THE_MOVE:  # it decided to leave today
        at_home = s <= _LAST_HOME
        t_move = _IDP if t == _HOST else t  # a host household that moves does so as the IDP it becomes
        p = choose_path(loc, t_move, docs, rng.uniform_of(key, rng.CHOOSE), path_start,
                        choice_cum, choice_total, choice_last)
        if p < 0:
            if at_home:
                status[i] = _TRAPPED
            return
        if at_home:
            displaced[t] += size[i]
            origin[i] = loc
            displaced_since[i] = np.int16(day)  # its days displaced are counted from today's pass on
            wait_days[i] = 0
            agent_type[i] = t_move
            t = t_move
        _start(i, p, status, path, path_pos, link_km_left, path_edges, edge_km)
    budget = 1.0
    for leg in range(MAX_LEGS):
        budget = _travel(i, t, budget, size, status, location, path, path_pos, link_km_left,
                         cleared, active, has_documents, speed, path_nedges, path_edges, edge_to, edge_km,
                         edge_mode, edge_border, edge_open, border_allowed, loc_kind, loc_gated,
                         loc_country, flows, crossings)
        if status[i] != _SELF_SETTLED or not (budget > 0.0) or leg == MAX_LEGS - 1:
            return
        loc = location[i]
        pc = p_continue[t, loc]
        if not (pc > 0.0) or rng.uniform_of(key, rng.CONTINUE + leg) >= pc:
            return
        p = choose_path(loc, _IDP if t == _HOST else t, docs, rng.uniform_of(key, rng.CHOOSE_AGAIN + leg),
                        path_start, choice_cum, choice_total, choice_last)
        if p < 0:
            return
        _start(i, p, status, path, path_pos, link_km_left, path_edges, edge_km)


@njit(cache=True, inline="always")
def _prefetch_journey(i, size, origin, wait_days, path, path_pos, link_km_left, cleared, has_documents):
    """Ask for the columns of row i that its journey reads and the movement pass's first loop did not."""
    prefetch(size, i)
    prefetch(origin, i)
    prefetch(wait_days, i)
    prefetch(path, i)
    prefetch(path_pos, i)
    prefetch(link_km_left, i)
    prefetch(cleared, i)
    prefetch(has_documents, i)


@njit(cache=True, inline="always")
def _anyone(counts, loc, s, t):
    """Whether the day's kept counts (`tally`'s by place, status and type, a row per thread) hold anyone of type t
    with status s at place loc: their sum over the threads' rows not 0. Not any one thread's row: a row counted
    out of a place by one thread and into it by another leaves both rows off 0, and as the threads claim blocks
    in no fixed order the rows drift apart over a run. Read thread by thread, the places ever left by someone
    still counted as held: on the persons scenario's day 40 the host households' bound at home read 0.715
    where the places they stand at give at most 0.135, and libya_2011's migrants 0.997 against 0.180."""
    persons = 0
    for k in range(counts.shape[0]):
        persons += counts[k, loc, s, t]
    return persons != 0


@njit(cache=True)
def _quiet_bounds(p_depart, counts, counts_current):
    """The highest daily probability to leave, per type, of the rows that act only if their draw falls under it:
    at home (bounds[t, 0]), in a site or hosted (bounds[t, 1]). Where the day's kept counts are `counts_current`,
    over the places where someone of the type stands in the status, else over every place. A row whose draw is at
    or above its bound stays, and has nothing else to do that day."""
    bounds = np.zeros((p_depart.shape[0], 2))
    for t in range(p_depart.shape[0]):
        for s in range(p_depart.shape[1]):
            col = 0 if s <= _LAST_HOME else 1
            if col == 1 and s != _IN_SITE and s != _HOSTED:
                continue
            for loc in range(p_depart.shape[2]):
                p = p_depart[t, s, loc]
                if p > bounds[t, col] and (not counts_current or _anyone(counts, loc, s, t)):
                    bounds[t, col] = p
    return bounds


@njit(cache=True, inline="always")
def _of_type(t, migrant, idp, host):
    """One of three values by agent type, as selects that run on vector lanes (an indexed table does not)."""
    return migrant if t == _MIGRANT else (idp if t == _IDP else host)


@njit(cache=True, inline="always")
def _bound(s, t, bounds, always, never):
    """A row's quiet bound (`_quiet_bounds`, as the tuple of its six values) by status s and type t, as selects;
    `always` for the rows that act whatever their draw (on the move, self-settled, queued), `never` for those that
    left."""
    home_m, home_i, home_h, site_m, site_i, site_h = bounds
    return (_of_type(t, home_m, home_i, home_h) if s <= _LAST_HOME
            else _of_type(t, site_m, site_i, site_h) if (s == _IN_SITE) | (s == _HOSTED)
            else always if s < _FIRST_EXIT else never)


@njit(cache=True, inline="always")
def _coarse_threshold(bound):
    """The coarse bytes (`rng.below`) under which a draw may fall under `bound`: a byte c may give a draw under it
    only where c < 256 x bound."""
    return np.int32(min(np.ceil(max(bound, 0.0) * 256.0), 256.0))


@njit(cache=True, inline="always")
def _queued(s):
    """Whether status s is in the queue for admission (waiting or stranded): the rows `move_agents` lists as QUEUED."""
    return (s == _WAITING) | (s == _STRANDED)


@njit(cache=True, inline="always")
def wait_another_day(i, s, wait_days, stranded_after):
    """Queued row i (status s) waits another day; return whether its wait reaches `stranded_after` days today while
    it is not stranded yet (admission strands it unless it admits it). The one statement of the rule: the movement
    pass applies it to the queued rows it lists, `admission.queued_facts` to rows queued without that pass."""
    wait_days[i] += 1
    return (wait_days[i] >= stranded_after) & (s != _STRANDED)


#: pick the marked rows one by one when more than this share of the persons in the network may be marked, else
#: word by word (see `_many_marked`)
MANY_MARKED_SHARE = 1 / 40


@njit(cache=True)
def _many_marked(thresholds, persons_by_type_status):
    """Whether the movement pass picks its marked rows one by one (`_picked`) or from the words that hold a mark
    (`_picked_sparse`): one by one where the persons expected to be marked, by type and status as last counted
    (a speed choice only: the rows picked are the same either way), exceed MANY_MARKED_SHARE of those in the
    network."""
    expected = 0.0
    total = 0.0
    for t in range(persons_by_type_status.shape[0]):
        for s in range(_FIRST_EXIT):
            persons = persons_by_type_status[t, s]
            total += persons
            if s != _ON_THE_MOVE:  # a row on the move travels whatever its draw
                expected += persons * _bound(np.int8(s), np.int8(t), thresholds, 256, 0) / 256.0
    return expected > MANY_MARKED_SHARE * total


@njit(cache=True, inline="always")
def _coarse_block(seed, day, purpose, lo, hi, words):
    """The coarse bytes of the draws for `purpose` (`rng.below`) of rows lo..hi-1, a byte a row: the words of the
    groups of eight rows they fall in, written to `words` and read as bytes from row lo's."""
    first = lo >> 3
    n_groups = ((hi - 1) >> 3) - first + 1 if hi > lo else 0
    for g in range(n_groups):
        words[g] = rng.group_bits(seed, first + g, day, purpose)
    return words[:n_groups].view(np.uint8)[lo & 7: (lo & 7) + (hi - lo)]


@njit(cache=True, inline="always")
def _coarse_words(block_rows):
    """Scratch for `_coarse_block` over a block of up to `block_rows` rows: a word for each group of eight rows it
    may touch, which may start and end part-way through a group."""
    return np.empty(block_rows // 8 + 2, dtype=np.uint64)


@njit(cache=True, inline="always")
def _mark_block(act, typ, st, coarse, thresholds, mark):
    """On vector lanes, over a block's rows: the rows that may act marked: a row may leave where its coarse byte is
    under its group's threshold (`_coarse_threshold` of its quiet bound); the rows on the move or listed act
    whatever their draw."""
    for j in range(act.shape[0]):
        mark[j] = act[j] & (np.int32(coarse[j]) < _bound(st[j], typ[j], thresholds, np.int32(256), np.int32(0)))


@njit(cache=True, inline="always")
def _picked(mark, count, picked):
    """The positions j < count where mark[j], into picked[:k]; returns k. Each position is written unconditionally
    and kept by adding its mark: no branch to mispredict where marks come and go at random."""
    k = 0
    for j in range(count):
        picked[k] = j
        k += mark[j]
    return k


#: statuses read eight to a word (`_returnable_bits`): adding 128 - IN_SITE to each byte sets its top bit where the
#: status is IN_SITE or more, adding 128 - (STRANDED + 1) where it is past STRANDED; no byte carries into the next, as
#: every status is below 128
_BYTES = 0x0101010101010101
_FROM_IN_SITE = uint64(_BYTES * (128 - int(Status.IN_SITE)))
_PAST_STRANDED = uint64(_BYTES * (128 - int(Status.STRANDED) - 1))
_TOP_BITS = uint64(_BYTES * 128)


@njit(cache=True, inline="always")
def _returnable_bits(word):
    """The top bit of each byte of `word` (eight statuses) whose status is returnable (IN_SITE..STRANDED)."""
    return (word + _FROM_IN_SITE) & ~(word + _PAST_STRANDED) & _TOP_BITS


@njit(cache=True, inline="always")
def _list_set_bytes(bits, first, picked, k):
    """Write first + the number of each byte of the word `bits` that holds a set bit (one at most), in order, to
    picked[k:]; return k past them."""
    while bits:
        picked[k] = first + np.int64(trailing_zeros(bits) >> 3)
        k += 1
        bits &= bits - uint64(1)
    return k


@njit(cache=True, inline="always")
def _word_marks(word, returnable):
    """A word's marks as set bits: the word itself (marks are bytes 0 or 1), or where `returnable` (the word holds
    eight statuses) the bits of its returnable rows (`_returnable_bits`)."""
    return _returnable_bits(word) if returnable else word


@njit(cache=True, inline="always")
def _list_marked_words(words, first, returnable, word_list, picked, k):
    """The rows marked in `words` (eight rows a word, `_word_marks`; `returnable` a constant where this is inlined),
    numbered from `first`, written in row order to picked[k:]; returns k past them. How the word-by-word passes
    (`_picked_sparse`, `return_home`) list rows.

    The words that hold a mark are found first, into `word_list` (room for a number per word), by a loop without a
    branch: each word's number written, and kept by adding whether it holds a mark; only those words are looked
    into. Late in a recovery, with a returnable row in one word of seven, a loop that looked into every word was
    the largest part of the returns (captured day 250, one thread: about 0.8 of the pass's 1.8 ms, found by leaving
    the listing out)."""
    n_words = 0
    for w in range(words.shape[0]):
        word_list[n_words] = w
        n_words += _word_marks(words[w], returnable) != 0
    for m in range(n_words):
        w = np.int64(word_list[m])
        k = _list_set_bytes(_word_marks(words[w], returnable), first + w * 8, picked, k)
    return k


@njit(cache=True, inline="always")
def _picked_sparse(mark, count, picked, word_list):
    """`_picked` where few rows are marked: the marks read eight to a word, and only the words holding one looked
    into (a mark is a byte 0 or 1, so a word's set bits are the lowest bits of its marked rows' bytes; see
    `_list_marked_words`)."""
    whole = count // 8 * 8
    k = _list_marked_words(mark[:whole].view(np.uint64), 0, False, word_list, picked, 0)
    for j in range(whole, count):
        picked[k] = j
        k += mark[j]
    return k


@njit(cache=True, inline="always")
def add_into(row, scratch):
    """row += scratch, element by element: a worker's count of a small per-thread output, kept in its own zeroed
    copy of its thread's row (`np.zeros_like`) and added to the row once.

    The threads' rows of an output a few numbers wide share a cache line (the rows and rows in sites: two numbers a
    thread), and every journey counted its row out and in there, so the line moved between the two cores at nearly
    every journey while the other thread's journeys did the same. The persons scenario's captured days, the
    movement pass before and after, taking turns (medians of 21, the same outputs), two threads: day 10 29.0 -> 25.2
    ms, day 40 16.2 -> 13.4, day 120 5.61 -> 5.53, day 250 3.20 -> 3.12; one thread within 0-5% faster. Admission
    and hosting, which count beside each other on two threads, do the same."""
    flat, add = row.reshape(-1), scratch.reshape(-1)
    for j in range(flat.shape[0]):
        flat[j] += add[j]


@njit(cache=True, inline="always")
def count_fields(sign, act, s, t, loc, o, sz, counts, exits, by_origin, rows):
    """Add (sign 1) or take out (sign -1) one row's part of the day's counts, as `tally` counts it: an active row
    by (place, status, type), as a row and as a row in a site, and by origin while displaced; a row that left the
    network by (type, status) and by origin."""
    sz = sign * sz
    if act:
        counts[loc, s, t] += sz
        rows[0] += sign
        rows[1] += sign * (s == _IN_SITE)
        if s > _LAST_HOME and o >= 0:
            by_origin[o] += sz
    elif s >= _FIRST_EXIT:
        if o >= 0:
            by_origin[o] += sz
        exits[t, s] += sz


@njit(cache=True, inline="always")
def count_row(sign, i, active, agent_type, status, location, origin, size, counts, exits, by_origin, rows):
    """`count_fields` of population row i as it stands (hosting counts the rows it hosts with it)."""
    count_fields(sign, active[i], status[i], agent_type[i], location[i], origin[i], size[i], counts, exits,
                 by_origin, rows)


@njit(void(int64, int64, B1, I1, I4, I1, I4, I4, I2, I4, I4, I1, F4, B1, B1,
           F8_3, F_A2, F8_3, F8_3, I8_3, F_A2, I8, I1, I4_2,
           I4, F8, I1, B1, B1, B_A3, I1, B1, I2, B1, boolean, int64, I8_2, I8_2, I8_2, I8_2, I8_2,
           I8_4, I8_3, I8_2, I8_2, boolean, types.Array(int64, 2, "A")),
      parallel=True, cache=True)
def move_agents(seed, day,
                active, agent_type, size, status, location, origin, displaced_since, wait_days,
                path, path_pos, link_km_left, cleared, has_documents,
                p_depart, p_continue, choice_cum, choice_total, choice_last, speed,
                path_start, path_nedges, path_edges,
                edge_to, edge_km, edge_mode, edge_border, edge_open, border_allowed,
                loc_kind, loc_gated, loc_country, loc_hostable, waits_counted, stranded_after,
                flows_out, crossings_out, displaced_out, row_lists, list_counts,
                by_place_status_type, exits_by_type_status, displaced_by_origin, row_counts, counts_current,
                persons_by_type_status):
    """Stay or leave, choose a path, travel within the day's budget, arrive; move on from towns with distance left.

    p_depart[t, status, loc] (C order): daily probability to leave; p_continue[t, loc]: probability to move on
    from a town reached today with distance left (Flee chains hops the same way); choice_*: the day's choice
    tables (see `choice_tables`); speed[t, mode]: km per day; loc_gated[loc]: arrivals queue there for admission
    (sites with a hard capacity, border points with a processing capacity, evacuation hubs). A host household
    that leaves home becomes an IDP and chooses as one. Outputs per thread: flows_out[c, edge] persons over each
    edge, crossings_out[c, country] persons crossing a border into a country, displaced_out[c, type] persons
    newly displaced (by type at home).

    It keeps the day's counts (`tally`'s four outputs, per thread) up to date: each row that travels is taken out
    of them before its journey and counted again after it.

    It also lists, block by block, the rows that admission and hosting act on next, so that neither scans the
    population again: row_lists[QUEUED] the queued (waiting or stranded), with their places, sizes and types in
    row_lists[QUEUED_PLACE], [QUEUED_SIZE] and [QUEUED_TYPE] (read here with the row at hand, where admission
    would read each from another part of memory), and row_lists[SETTLED] the self-settled at places where
    loc_hostable (towns with free hosting places); block c writes from row_lists[k, lo + c] on and its numbers to
    list_counts[c, k] (see `listed_rows`). Where `waits_counted` (admission runs today), each queued row waits
    another day here rather than in admission, which then touches only the rows it admits or strands:
    row_lists[QUEUED_STRANDS] says whether the row's wait reaches `stranded_after` days today while it is not
    stranded yet (admission resets the wait of those it admits, and strands the others).

    Most rows have nothing to do on most days: at home or in a site, their draw to leave is above the highest
    probability to leave of their type and status group (`_quiet_bounds`). A first loop over a block, on vector lanes,
    reads every row's coarse draw (below) and marks the rows that may act; the marked rows are picked without a
    branch, and only they take the row-by-row path. On the Haiti-like persons scenario, per
    day on two threads, against one row-by-row loop over every row (medians of 15 on the same states, with the marks
    first kept in the draws): 2.8 against 4.8 ms on day 3 (nobody may leave yet), 13.7 against 13.9 on day 40 (64% of
    the rows may act), 6.2 against 7.7 on day 120 (16%), 3.7 against 5.6 on day 250 (1.4%); over the whole run, the two
    taking turns day by day, 2.36 against 2.91 s. The same, this pass a run: haiti_2010 0.94 against 1.14 s, libya_2011
    0.39 against 0.43 s; but mali2012 under Flee's rules 0.210 against 0.187 s: every status group has a place with a
    probability of 1 there, so every row was marked and the marking was overhead (a whole-day fallback to the single
    loop won half of that back and cost the other scenarios 3-4%).

    The first loop once also counted the day for every displaced row (two bytes read and written a row, every day);
    a row keeps the day its displacement is counted from instead (`displaced_since`, set where it leaves home), and
    the returns and operations take it from the day. Side by side, this checkout against the count (two versions
    taking turns day by day in one process, identical records, an Intel instance of 2026-12-02): persons 4.86 ->
    4.74 s a run (this pass 2.53 -> 2.42), households 2.51 -> 2.41 (0.81 -> 0.76), libya_2011 1.58 -> 1.54,
    mali2012 0.380 -> 0.373.

    The bounds are taken over the places where someone of the type stands in the status, as the day's kept
    counts say (where they are `counts_current`: nothing outside the stages changed rows since they were last
    counted in full; else over every place). The rules give every status a probability at every place, also where
    nobody can be in it: sites and border points have no residents, towns no one in a site, and a hazard there, or
    Flee's move chance of 1 for a town in conflict, set a bound no row in that status had. On the persons scenario's
    captured states this marks 54% fewer rows on day 40, 50% fewer on day 120 and 63% fewer on day 250.

    A row's draw to leave is made of a coarse byte and a fine uniform (`rng.below`): the first loop reads the
    block's coarse bytes, eight rows to a hash (`_coarse_block`), and marks a row where its byte is under its
    group's threshold (`_coarse_threshold` of the bound); a marked row's exact test hashes its own uniform only
    where its byte alone cannot decide (one row in 256). The pass used to hash a whole draw for every row (three
    rounds of splitmix64 a row, half of the first loop on a quiet day) and kept the draws, or hashed them again
    for the marked rows. The persons scenario's captured states, the old pass and this one taking turns in one
    process (medians of seven; the outputs differ, as the draws do), two threads / one: day 3 4.20 -> 1.99 /
    8.23 -> 3.30 ms, day 20 28.4 -> 24.2 / 42.9 -> 35.3, day 40 21.1 -> 18.2 / 32.9 -> 24.6, day 120 11.8 -> 7.3 /
    17.4 -> 10.0, day 250 5.50 -> 3.69 / 8.83 -> 5.59. The marked rows are picked one by one where many persons may
    be marked, as `persons_by_type_status` (the model's last count) and the thresholds suggest, else from the marks
    read eight to a word (`_many_marked`; the same rows either way).

    The picked rows that leave are found first, then travel, and the block's lists are written last, in row
    order (journeys change only their own rows, so the order of the journeys changes nothing). While one row
    travels, the columns of the row ROWS_AHEAD journeys on are asked for (`_prefetch_journey`): late in a
    crisis the few rows that leave are far apart, and each journey waited for main memory column after column.
    The persons scenario's captured states, old and new kernels taking turns (medians of nine, identical
    outputs), two threads / one: day 40 16.7 -> 15.3 / 27.2 -> 25.2 ms, day 120 9.8 -> 8.5 / 13.7 -> 11.3, day
    250 3.9 -> 3.4 / 6.4 -> 5.8. Where the marked rows are few (`_many_marked`), the row's place is asked for
    ROWS_AHEAD picks ahead too: the first loop did not read it, and on the late days each marked row waited for it
    (the persons scenario on an AMD EPYC, whole runs in one process taking turns day by day, identical records: this
    pass over days 120-364 531 -> 469 and 551 -> 501 ms in two runs). The lists are written from the picked rows
    that may belong in one, found beside the leavers: most marked rows that stay (at home or in a site, whose draw
    was under their bound but not under their probability) were read again there for nothing (the same way, identical
    records: this pass 0.919 and 0.956 of the time over the run in two runs).
    """
    n = active.shape[0]
    # the departure probabilities as one flat C-ordered table: an index of one multiply-add per row instead of
    # three strided ones (about a tenth of this pass)
    n_status, n_loc = p_depart.shape[1], p_depart.shape[2]
    leave_p = p_depart.reshape(-1)
    b = _quiet_bounds(p_depart, by_place_status_type, counts_current)
    thresholds = (_coarse_threshold(b[_MIGRANT, 0]), _coarse_threshold(b[_IDP, 0]), _coarse_threshold(b[_HOST, 0]),
                  _coarse_threshold(b[_MIGRANT, 1]), _coarse_threshold(b[_IDP, 1]), _coarse_threshold(b[_HOST, 1]))
    many_marked = _many_marked(thresholds, persons_by_type_status)
    claimed = block_counter()  # blocks handed out so far (see `model.scheduling`)
    for _ in prange(N_CHUNKS):  # workers: a thread's first claims blocks until none are left, its others find none
        chunk = claim_block(claimed)
        if chunk >= N_CHUNKS:  # every block is taken (by the first worker of either thread): nothing to set up
            continue
        tid = numba.get_thread_id()
        counts, by_origin = by_place_status_type[tid], displaced_by_origin[tid]
        exits, rows, displaced, crossings = (np.zeros_like(exits_by_type_status[tid]), np.zeros_like(row_counts[tid]),
                                             np.zeros_like(displaced_out[tid]), np.zeros_like(crossings_out[tid]))
        # a block's marks (a byte a row: the pick reads an eighth of what it would from the draws, 3-7% of this
        # pass) and the rows picked (numbers within the block)
        block_rows = n // N_CHUNKS + 2
        mark = np.empty(block_rows, dtype=np.bool_)
        picked = np.empty(block_rows, dtype=np.int32)
        leaving = np.empty(block_rows, dtype=np.int32)  # numbers within the block of the picked rows that leave
        listed = np.empty(block_rows, dtype=np.int32)  # numbers within the block of the picked rows to list
        word_list = np.empty(block_rows // 8 + 1, dtype=np.int32)  # for `_picked_sparse`
        words = _coarse_words(block_rows)  # the block's coarse draws
        while chunk < N_CHUNKS:
            lo, hi = chunk_bounds(chunk, n)
            # the block's rows as views indexed from 0 (see the module docstring)
            act, typ, st, loc = active[lo:hi], agent_type[lo:hi], status[lo:hi], location[lo:hi]
            coarse = _coarse_block(seed, day, rng.LEAVE, lo, hi, words)
            # on vector lanes: the rows that may act marked (under their threshold a row may leave; the rows on
            # the move or listed act whatever their draw)
            _mark_block(act, typ, st, coarse, thresholds, mark)
            n_picked = (_picked(mark, hi - lo, picked) if many_marked
                        else _picked_sparse(mark, hi - lo, picked, word_list))
            # the block's lists: one spare slot per block (see below)
            queued = row_lists[QUEUED, lo + chunk: hi + chunk + 1]
            queued_place = row_lists[QUEUED_PLACE, lo + chunk: hi + chunk + 1]
            queued_size = row_lists[QUEUED_SIZE, lo + chunk: hi + chunk + 1]
            queued_type = row_lists[QUEUED_TYPE, lo + chunk: hi + chunk + 1]
            queued_strands = row_lists[QUEUED_STRANDS, lo + chunk: hi + chunk + 1]
            settled = row_lists[SETTLED, lo + chunk: hi + chunk + 1]
            # the rows that leave first, their journeys next, and the block's lists last, in row order: the
            # journeys run with the columns of the row ROWS_AHEAD journeys on asked for (`model.prefetch`)
            n_leaving = 0
            n_listed = 0
            for k in range(n_picked):
                if not many_marked and k + ROWS_AHEAD < n_picked:  # few rows, far apart: ask for a place ahead
                    prefetch(loc, np.int64(picked[k + ROWS_AHEAD]))
                j = np.uint64(picked[k])
                s = st[j]  # an active row still in the network, as marked
                leaves = s == _ON_THE_MOVE
                if not leaves:
                    p_leave = leave_p[np.uint64((np.int64(typ[j]) * n_status + s) * n_loc + loc[j])]
                    leaves = rng.below(coarse[j], p_leave, seed, lo + np.int64(picked[k]), day, rng.LEAVE)
                leaving[n_leaving] = picked[k]
                n_leaving += leaves
                # a row belongs in a list (the loop below) if it travels (where it ends is not known yet), queues, or
                # is self-settled where hosts have room
                listed[n_listed] = picked[k]
                n_listed += leaves | _queued(s) | ((s == _SELF_SETTLED) & loc_hostable[loc[j]])
            for k in range(n_leaving):
                if k + ROWS_AHEAD < n_leaving:
                    _prefetch_journey(lo + np.int64(leaving[k + ROWS_AHEAD]), size, origin, wait_days, path,
                                      path_pos, link_km_left, cleared, has_documents)
                i = lo + np.int64(leaving[k])
                count_row(-1, i, active, agent_type, status, location, origin, size, counts, exits, by_origin, rows)
                _journey(np.uint64(i), seed, day, st[np.uint64(leaving[k])], agent_type, size, status, location,
                         origin, displaced_since, wait_days, path, path_pos, link_km_left, has_documents, p_continue,
                         (choice_cum, choice_total, choice_last, path_start),
                         (cleared, active, speed, path_nedges, path_edges, edge_to, edge_km, edge_mode,
                          edge_border, edge_open, border_allowed, loc_kind, loc_gated, loc_country),
                         flows_out[tid], crossings, displaced)
                count_row(1, i, active, agent_type, status, location, origin, size, counts, exits, by_origin, rows)
            n_queued = 0
            n_settled = 0
            for k in range(n_listed):
                j = np.uint64(listed[k])
                i = lo + np.int64(listed[k])
                s = st[j]  # as its journey left it: a row that left the network has an exit status, in no list
                # list the row: written unconditionally one past the rows found, which stays in the block's range
                in_queue = _queued(s)
                queued[n_queued] = i
                queued_place[n_queued] = loc[j]
                queued_type[n_queued] = typ[j]
                if in_queue:  # the size of a row that does not travel is not at hand: read only where it is kept
                    queued_size[n_queued] = size[i]
                    strands = False
                    if waits_counted:
                        strands = wait_another_day(i, s, wait_days, stranded_after)
                    queued_strands[n_queued] = strands
                n_queued += in_queue
                if s == _SELF_SETTLED:
                    settled[n_settled] = i
                    n_settled += loc_hostable[loc[j]]
            list_counts[chunk, QUEUED] = n_queued
            list_counts[chunk, SETTLED] = n_settled
            chunk = claim_block(claimed)
        add_into(exits_by_type_status[tid], exits)
        add_into(row_counts[tid], rows)
        add_into(displaced_out[tid], displaced)
        add_into(crossings_out[tid], crossings)


@njit(int64(I1, int8), parallel=True, cache=True)
def count_of_type(agent_type, t):
    """Rows of type t, active or not: a parallel count where NumPy would compare, build a temporary the size of the
    population and count it (0.27 ms against 0.08 ms a day for 2.77 M rows on two threads)."""
    found = 0
    for i in prange(agent_type.shape[0]):  # the same work on every row: Numba's even split serves
        found += agent_type[i] == t
    return found


@njit(types.Tuple((I8, I8))(I8_2, int64, int64), cache=True)
def list_segments(list_counts, k, n):
    """Where list k of `move_agents` lies in its row of row_lists, block by block in row order: each block's first
    slot (starts) and its number of entries (lengths). Readers take the list there (`admission.admit`) or copied
    out in one piece (`listed_rows`)."""
    counted = SETTLED if k == SETTLED else QUEUED  # a list of the queued rows' facts is as long as theirs
    starts = np.empty(N_CHUNKS, dtype=np.int64)
    lengths = np.empty(N_CHUNKS, dtype=np.int64)
    for chunk in range(N_CHUNKS):
        starts[chunk] = chunk_bounds(chunk, n)[0] + chunk  # block c's list starts one slot per block on
        lengths[chunk] = list_counts[chunk, counted]
    return starts, lengths


@njit(I8(I8_2, I8_2, int64, int64), cache=True)
def listed_rows(row_lists, list_counts, k, n):
    """List k of `move_agents` (QUEUED ... QUEUED_STRANDS), in row order, in one piece."""
    starts, lengths = list_segments(list_counts, k, n)
    out = np.empty(lengths.sum(), dtype=np.int64)
    filled = 0
    for chunk in range(N_CHUNKS):
        m = lengths[chunk]
        out[filled: filled + m] = row_lists[k, starts[chunk]: starts[chunk] + m]
        filled += m
    return out


@njit(float64[:](int64), cache=True)
def months_displaced_term(days):
    """log1p(d / 30) for d in 0..days-1: the time term of the return logit, computed once a day instead of once
    per displaced agent (the same libm call as `return_home` makes past the table's end)."""
    out = np.empty(days)
    for d in range(days):
        out[d] = np.log1p(d / 30.0)
    return out


@njit(cache=True, inline="always")
def _returnable(s):
    """Whether a row with status s may go home: in a site, hosted, self-settled or queued (IN_SITE..STRANDED)."""
    return np.uint8(s - _IN_SITE) <= np.uint8(_STRANDED - _IN_SITE)


@njit(cache=True, inline="always")
def _goes_home(j, row, seed, day, s, status, location, origin, displaced_since, return_logit, time_weight,
               months_term, coarse):
    """Recovery, for an active row with status s, at j in the block's views `status` .. `displaced_since` (`row`
    in the population): a displaced agent in a site, hosted, self-settled or queued goes home with a daily logit
    probability (see `return_home`); True if it went. `coarse`: the row's coarse byte of its draw (`rng.below`)."""
    if not _returnable(s):
        return False
    o = origin[j]
    if o < 0:
        return False
    d = day - np.int64(displaced_since[j])  # days displaced, as of today's movement pass
    x = return_logit[o] - time_weight * (months_term[d] if d < months_term.shape[0] else np.log1p(d / 30.0))
    p = 1.0 / (1.0 + np.exp(-x))
    if rng.below(coarse, p, seed, row, day, rng.RETURN):
        status[j] = _RETURNED
        location[j] = o
        return True
    return False


@njit(cache=True)
def _return_bound(return_logit, time_weight):
    """The highest daily probability of return today at any origin: the logit's time term, log1p(months), is never
    negative, so with a time weight of at least 0 no row's probability exceeds its origin's at time 0 (the same
    operations in the same order, so also in floating point); 2 (every draw under it) otherwise."""
    if not time_weight >= 0.0:
        return 2.0
    bound = 0.0
    for o in range(return_logit.shape[0]):
        p = 1.0 / (1.0 + np.exp(-return_logit[o]))
        if p > bound:
            bound = p
    return bound


@njit(cache=True, inline="always")
def _bit_count(x):
    """The set bits of a 64-bit word (the classic parallel count)."""
    x = x - ((x >> uint64(1)) & uint64(0x5555555555555555))
    x = (x & uint64(0x3333333333333333)) + ((x >> uint64(2)) & uint64(0x3333333333333333))
    x = (x + (x >> uint64(4))) & uint64(0x0F0F0F0F0F0F0F0F)
    return (x * uint64(0x0101010101010101)) >> uint64(56)


@njit(void(int64, int64, B1, I1, I1, I4, I4, I2, I4, F_A1, float64, F8, I8, I8_4, I8_3, I8_2, I8_2),
      parallel=True, cache=True)
def return_home(seed, day, active, agent_type, status, location, origin, displaced_since, size, return_logit,
                time_weight, months_term, returned_out, by_place_status_type, exits_by_type_status,
                displaced_by_origin, row_counts):
    """Recovery: displaced agents in sites, hosted, self-settled or queued go home with a daily logit probability.

    return_logit[origin] carries safety, rebuilt housing and support at the origin; the agent's own term
    falls with the log of its months displaced (time_weight; months_term[d] = log1p(d / 30), see
    `months_displaced_term`). Returns are counted per thread, and each row that goes home moves from its place
    and status to its origin in the day's counts (`tally`'s four outputs, per thread). `tally` can make the same
    decisions on its pass.

    Most returnable rows stay on most days, and the logit (two reads from tables, an exponential) costs more than
    the draw: a first loop over each block, on vector lanes, reads every row's coarse draw (`rng.below`, eight
    rows to a hash) and marks the returnable rows whose byte may give a draw under the day's highest probability
    at any origin (`_return_bound`); only those take the exact test. The same draws and decisions as testing every
    row. Hashing a whole draw for every row instead, the persons scenario's captured days, taking turns in one
    process (medians of 11), two threads / one: day 100 9.16 -> 6.60 / 14.4 -> 10.4 ms, day 160 4.15 -> 3.27 /
    8.52 -> 5.77; day 250, where the few returnable rows are hashed one by one either way, 1.45 -> 1.56 / 3.57 ->
    3.79.

    Late in a recovery few rows are still displaced (61,600 of 2.77 M on day 250 of the Haiti-like persons
    scenario, none at all in 15 of its 64 blocks), and drawing for every row is most of the pass. So each block
    first reads its statuses eight to a word (`_returnable_bits`; 0.11 ms a day for the 2.77 M rows on two threads)
    to count its returnable rows: a block where they are under one in 16 draws only for them, found word by word
    (`_list_marked_words`: the words that hold one first, then only those looked into; captured day 250, old and
    new taking turns, medians of 11, identical outputs: 1.83 -> 1.61 ms on one thread, 1.37 -> 1.17 on two); the
    others draw on vector lanes as above.

    The exact test reads origin, place and `displaced_since` of rows far apart there: it asks for those of the row
    ROWS_AHEAD on first (`model.prefetch`). Captured day 250, old and new taking turns (medians of 11, identical
    outputs): 1.34 -> 1.15 ms on two threads, 2.08 -> 1.82 on one; day 120 (dense) within the noise. It asks for
    the size and type a row that goes home is counted with too: on an AMD EPYC, where perf samples put a fifth of
    the late days' returns on those two reads, this pass over a whole persons run took 0.308 -> 0.267 s (two
    versions in one process taking turns day by day, identical records).
    """
    n = active.shape[0]
    threshold = _coarse_threshold(_return_bound(return_logit, time_weight))
    claimed = block_counter()  # blocks handed out so far (see `model.scheduling`)
    for _ in prange(N_CHUNKS):  # workers: a thread's first claims blocks until none are left, its others find none
        chunk = claim_block(claimed)
        if chunk >= N_CHUNKS:  # every block is taken (by the first worker of either thread): nothing to set up
            continue
        tid = numba.get_thread_id()
        counts, by_origin = by_place_status_type[tid], displaced_by_origin[tid]
        exits, rows = np.zeros_like(exits_by_type_status[tid]), np.zeros_like(row_counts[tid])
        returned = 0
        block_rows = n // N_CHUNKS + 2
        mark = np.empty(block_rows, dtype=np.bool_)
        picked = np.empty(block_rows, dtype=np.int32)
        word_list = np.empty(block_rows // 8 + 1, dtype=np.int32)  # for `_list_marked_words`
        draw_words = _coarse_words(block_rows)  # the block's coarse draws
        found_bytes = np.empty(block_rows, dtype=np.uint8)  # or those of its few returnable rows, by position
        while chunk < N_CHUNKS:
            lo, hi = chunk_bounds(chunk, n)
            act, st, loc, org, since = (active[lo:hi], status[lo:hi], location[lo:hi], origin[lo:hi],
                                        displaced_since[lo:hi])
            # the block's statuses eight to a word from its first row at a multiple of eight; the rows before it
            # and after the last whole word one by one
            head = min((8 - lo % 8) % 8, hi - lo)
            words = st[head: head + (hi - lo - head) // 8 * 8].view(np.uint64)
            tail = head + words.shape[0] * 8
            n_returnable = 0
            for w in range(words.shape[0]):
                n_returnable += _bit_count(_returnable_bits(words[w]))
            for j in range(head):
                n_returnable += _returnable(st[j])
            for j in range(tail, hi - lo):
                n_returnable += _returnable(st[j])
            if n_returnable * 16 < hi - lo:  # few or none: draw for them only
                # the returnable rows, in row order
                n_found = 0
                for j in range(head):
                    picked[n_found] = j
                    n_found += _returnable(st[j])
                n_found = _list_marked_words(words, head, True, word_list, picked, n_found)
                for j in range(tail, hi - lo):
                    picked[n_found] = j
                    n_found += _returnable(st[j])
                for k in range(n_found):  # their coarse draws, on vector lanes
                    j = picked[k]
                    found_bytes[j] = rng.coarse_byte(seed, lo + j, day, rng.RETURN)
                    mark[k] = np.int32(found_bytes[j]) < threshold
                coarse = found_bytes[:hi - lo]
                n_picked = 0
                for k in range(n_found):  # those under the bound, if active (read only for them)
                    if mark[k]:
                        j = picked[k]
                        picked[n_picked] = j
                        n_picked += act[j]
            else:
                coarse = _coarse_block(seed, day, rng.RETURN, lo, hi, draw_words)
                for j in range(hi - lo):  # on vector lanes
                    mark[j] = act[j] & _returnable(st[j]) & (np.int32(coarse[j]) < threshold)
                n_picked = _picked(mark, hi - lo, picked)
            for k in range(n_picked):
                if k + ROWS_AHEAD < n_picked:  # the columns of the row ROWS_AHEAD on (`model.prefetch`)
                    ahead = picked[k + ROWS_AHEAD]
                    prefetch(org, ahead)
                    prefetch(since, ahead)
                    prefetch(loc, ahead)
                    prefetch(size, lo + np.int64(ahead))
                    prefetch(agent_type, lo + np.int64(ahead))
                j = picked[k]
                s, at = st[j], loc[j]
                if _goes_home(j, lo + j, seed, day, s, st, loc, org, since, return_logit, time_weight,
                              months_term, coarse[j]):
                    sz, t = size[lo + j], agent_type[lo + j]
                    returned += sz
                    count_fields(-1, True, s, t, at, org[j], sz, counts, exits, by_origin, rows)
                    count_fields(1, True, _RETURNED, t, loc[j], org[j], sz, counts, exits, by_origin, rows)
            chunk = claim_block(claimed)
        returned_out[tid] += returned
        add_into(exits_by_type_status[tid], exits)
        add_into(row_counts[tid], rows)


@njit(void(I8, int64, B1, I1, I1, I4, I4, I4, I8_4, I8_3, I8_2, I8_2), cache=True, nogil=True)
def count_rows(rows, sign, active, agent_type, status, location, origin, size, by_place_status_type,
               exits_by_type_status, displaced_by_origin, row_counts):
    """Add (sign 1) or take out (-1) the listed rows' part of the day's counts (`tally`'s four outputs, in their
    first per-thread row): the model takes the rows an operation may change out before it acts and counts them
    again after, so that the counts stay those of a full tally without a pass over every row."""
    counts, exits, by_origin, rows_counted = (by_place_status_type[0], exits_by_type_status[0],
                                              displaced_by_origin[0], row_counts[0])
    for k in range(rows.shape[0]):
        count_row(sign, rows[k], active, agent_type, status, location, origin, size, counts, exits, by_origin,
                  rows_counted)


@njit(boolean(I8_4, int64), cache=True)
def any_of_type(by_place_status_type, t):
    """Whether the day's kept counts (`tally`'s by place, status and type, a row per thread) hold anyone of type t
    in the network: their sum over the threads, places and statuses not 0 (a count is never below 0 once summed)."""
    persons = 0
    for k in range(by_place_status_type.shape[0]):
        for loc in range(by_place_status_type.shape[1]):
            for s in range(by_place_status_type.shape[2]):
                persons += by_place_status_type[k, loc, s, t]
    return persons != 0


@njit(types.Tuple((I8_2, I8_2, I8, I8, I8, I8, I8))(I8_4, I8_3, I8_2, I8_2), cache=True)
def summed_counts(by_place_status_type, exits_by_type_status, displaced_by_origin, row_counts):
    """The day's counts (`tally`'s four outputs, a row per thread) summed over the threads' rows, as the model reads
    them: persons by place and status, persons by type and status (those who left the network included), displaced
    persons by origin, rows (active, in sites), and by place the host household members at home, the persons at
    home and all persons. Compiled loops over the threads' rows, where NumPy made a sum and a temporary for each (the
    persons scenario's late days, the stage timer on two threads: the counts read and the places' state 0.28-0.32
    and 0.13-0.15 ms a day -> 0.22-0.25 and 0.06-0.08)."""
    n_threads, n_loc, n_status, n_type = by_place_status_type.shape
    # the threads' rows summed first, element by element on vector lanes, then each place's counts read once, in
    # order (one loop over the threads' rows that summed by type and by place as it went: 0.16 -> 0.095 ms a call
    # for the persons scenario's 2 x 88,000 counts, captured days 40 and 250, medians of 101 taking turns)
    summed = by_place_status_type[0].copy()
    flat = summed.reshape(-1)
    for k in range(1, n_threads):
        other = by_place_status_type[k].reshape(-1)
        for j in range(flat.shape[0]):
            flat[j] += other[j]
    by_place_status = np.zeros((n_loc, n_status), dtype=np.int64)
    by_origin = np.zeros(n_loc, dtype=np.int64)
    rows = np.zeros(2, dtype=np.int64)
    host_members = np.zeros(n_loc, dtype=np.int64)
    at_home = np.zeros(n_loc, dtype=np.int64)
    persons_at = np.zeros(n_loc, dtype=np.int64)
    per_place = n_status * n_type
    status_type = np.zeros(per_place, dtype=np.int64)  # by status and type, summed over the places
    for loc in range(n_loc):
        place = flat[loc * per_place: (loc + 1) * per_place]
        for j in range(per_place):
            status_type[j] += place[j]
        for s in range(n_status):
            persons = 0
            for t in range(n_type):
                persons += place[s * n_type + t]
            by_place_status[loc, s] = persons
            persons_at[loc] += persons
            if s <= _LAST_HOME:
                at_home[loc] += persons
        host_members[loc] = place[_AT_HOME * n_type + _HOST]
    by_type_status = status_type.reshape((n_status, n_type)).T.copy()
    for k in range(n_threads):
        for loc in range(n_loc):
            by_origin[loc] += displaced_by_origin[k, loc]
        by_type_status += exits_by_type_status[k]
        rows += row_counts[k]
    return by_place_status, by_type_status, by_origin, rows, host_members, at_home, persons_at


def zero_counts(n_locations: int, partials: int = 1) -> tuple[np.ndarray, ...]:
    """The day's counts as `tally` writes them, at zero, with a row per thread (`partials`): persons by place,
    status and type; persons who left the network by type and status; displaced persons by origin; rows (active,
    in sites). The model keeps one set; admission and hosting called without it count into a scratch set."""
    n_status, n_type = len(Status), len(AgentType)
    return (np.zeros((partials, n_locations, n_status, n_type), dtype=np.int64),
            np.zeros((partials, n_type, n_status), dtype=np.int64),
            np.zeros((partials, n_locations), dtype=np.int64), np.zeros((partials, 2), dtype=np.int64))


def count_population_rows(pop, rows: np.ndarray, sign: int, counts: tuple[np.ndarray, ...]) -> None:
    """`count_rows` for rows of a `Population` (its columns read as they stand): the one call the stages outside
    the kernels use to take rows out of the day's counts (sign -1) before they change them, or count them in (1)."""
    count_rows(np.ascontiguousarray(rows, dtype=np.int64), sign, pop.active, pop.agent_type, pop.status, pop.location,
               pop.origin, pop.size, *counts)


@njit(void(B1, I1, I1, I4, I4, I4, I8_4, I8_3, I8_2, I8_2,
           boolean, int64, int64, I2, F_A1, float64, F8, I8), parallel=True, cache=True)
def tally(active, agent_type, status, location, origin, size, by_place_status_type, exits_by_type_status,
          displaced_by_origin, row_counts, returning, seed, day, displaced_since, return_logit, time_weight,
          months_term, returned_out):
    """The day's counts, by thread: persons by (place, status, type) for the active rows, persons by (type,
    status) for the rows that left the network (crossed a border, evacuated, resettled: cumulative exits),
    displaced persons by origin (exits included), and rows: row_counts[c] = (active rows, rows in sites).

    One count per active row carries place, status and type together: the counts by place and status, by
    type and status, and of host household members at home are its sums (see `CrisisModel._read_counts`), which
    halves the scattered additions of this pass over every row every day.

    With `returning`, each row first makes the day's return decision of `return_home` (the arguments after
    it are those of `return_home`): when nothing acts between the returns and the counts, one pass over the
    rows does both, and the result is that of `return_home` followed by `tally`, since both look at one row
    at a time.
    """
    n = active.shape[0]
    n_status = by_place_status_type.shape[2]
    n_type = by_place_status_type.shape[3]
    claimed = block_counter()  # blocks handed out so far (see `model.scheduling`)
    for _ in prange(N_CHUNKS):  # workers: a thread's first claims blocks until none are left, its others find none
        chunk = claim_block(claimed)
        if chunk >= N_CHUNKS:  # every block is taken (by the first worker of either thread): nothing to set up
            continue
        tid = numba.get_thread_id()
        counts = by_place_status_type[tid].reshape(-1)
        by_origin = displaced_by_origin[tid]
        exits = np.zeros_like(exits_by_type_status[tid])
        returned = 0
        draw_words = _coarse_words(n // N_CHUNKS + 2 if returning else 0)  # the block's coarse draws
        while chunk < N_CHUNKS:
            lo, hi = chunk_bounds(chunk, n)
            act, typ, st, loc, org, sizes = (active[lo:hi], agent_type[lo:hi], status[lo:hi], location[lo:hi],
                                             origin[lo:hi], size[lo:hi])
            since = displaced_since[lo:hi]  # read only when returning
            # the block's coarse draws to go home; none (an empty view, of the same type) on a day without returns
            coarse = _coarse_block(seed, day, rng.RETURN, lo, hi if returning else lo, draw_words)
            alive = 0
            in_sites = 0
            for j in range(hi - lo):
                s = st[j]
                if act[j]:
                    sz = sizes[j]
                    if returning and _goes_home(j, lo + j, seed, day, s, st, loc, org, since, return_logit,
                                                time_weight, months_term, coarse[j]):
                        s = _RETURNED
                        returned += sz
                    counts[np.uint64((np.int64(loc[j]) * n_status + s) * n_type + typ[j])] += sz
                    alive += 1
                    in_sites += s == _IN_SITE
                    if s > _LAST_HOME:
                        o = org[j]
                        if o >= 0:
                            by_origin[o] += sz
                elif s >= _FIRST_EXIT:
                    o = org[j]
                    if o >= 0:
                        by_origin[o] += sizes[j]
                    exits[typ[j], s] += sizes[j]
            row_counts[tid, 0] += alive
            row_counts[tid, 1] += in_sites
            chunk = claim_block(claimed)
        returned_out[tid] += returned
        add_into(exits_by_type_status[tid], exits)
