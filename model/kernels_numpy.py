"""Plain NumPy twins of the Numba kernels in `model.kernels`, written independently, stage by stage.

They exist to check the Numba core: an agent loop and a whole-array program that
draw the same counter-based random numbers (`rng.uniform_array` with the same
seed, agent row, day and purpose) must leave every array identical. The twins
take the same arguments and mutate the same arrays; per-block outputs are all
counted into block row 0, so only their sums over blocks compare with the kernels.

Each day of `move_agents` runs as four vectorised stages over the rows that
take part: depart (stay or leave), choose (multinomial logit over candidate
paths), travel (one pass per edge, at most MAX_HOPS passes) and arrive.
"""
from __future__ import annotations

import contextlib

import numpy as np

from . import rng
from .codes import EXIT_STATUSES, HOME_STATUSES, AgentType, LocationKind, Status
from .kernels import (MAX_LEGS, N_CHUNKS, QUEUED, QUEUED_PLACE, QUEUED_SIZE, QUEUED_STRANDS, QUEUED_TYPE, SETTLED,
                      chunk_bounds)
from .population import days_displaced

_HOME_STATUSES = np.array(HOME_STATUSES, dtype=np.int8)
_EXIT_STATUSES = np.array(EXIT_STATUSES, dtype=np.int8)
_RETURNABLE = np.array([Status.IN_SITE, Status.HOSTED, Status.SELF_SETTLED, Status.STRANDED, Status.WAITING],
                       dtype=np.int8)


def move_agents(seed: int, day: int,
                active: np.ndarray, agent_type: np.ndarray, size: np.ndarray, status: np.ndarray,
                location: np.ndarray, origin: np.ndarray, displaced_since: np.ndarray, wait_days: np.ndarray,
                path: np.ndarray, path_pos: np.ndarray, link_km_left: np.ndarray, cleared: np.ndarray,
                has_documents: np.ndarray,
                p_depart: np.ndarray, p_continue: np.ndarray, pull: np.ndarray, dist_power: np.ndarray,
                border_penalty: np.ndarray, speed: np.ndarray,
                path_start: np.ndarray, path_end: np.ndarray, path_nedges: np.ndarray, path_edges: np.ndarray,
                path_cost: np.ndarray, path_crosses: np.ndarray,
                edge_to: np.ndarray, edge_km: np.ndarray, edge_mode: np.ndarray, edge_border: np.ndarray,
                edge_open: np.ndarray, border_allowed: np.ndarray,
                loc_kind: np.ndarray, loc_gated: np.ndarray, loc_country: np.ndarray, loc_hostable: np.ndarray,
                waits_counted: bool, stranded_after: int,
                flows_out: np.ndarray, crossings_out: np.ndarray, displaced_out: np.ndarray,
                row_lists: np.ndarray, list_counts: np.ndarray, *counts: np.ndarray) -> None:
    """Twin of `kernels.move_agents`: stay or leave, choose a path, travel within the day's budget, arrive,
    and move on from towns reached with distance left (up to MAX_LEGS legs); then list the queued rows and
    the self-settled rows at hostable places, block by block as the kernel does, the queued waiting another day
    where `waits_counted`. `counts` (`tally`'s four outputs) change by what the day's moves changed."""
    with _kept_counts(counts, active, agent_type, status, location, origin, size):
        _move_agents(seed, day, active, agent_type, size, status, location, origin, displaced_since, wait_days, path,
                     path_pos, link_km_left, cleared, has_documents, p_depart, p_continue, pull, dist_power,
                     border_penalty, speed, path_start, path_end, path_nedges, path_edges, path_cost, path_crosses,
                     edge_to, edge_km, edge_mode, edge_border, edge_open, border_allowed, loc_kind, loc_gated,
                     loc_country, loc_hostable, waits_counted, stranded_after, flows_out, crossings_out,
                     displaced_out, row_lists, list_counts)


@contextlib.contextmanager
def _kept_counts(counts: tuple[np.ndarray, ...], active: np.ndarray, agent_type: np.ndarray, status: np.ndarray,
                 location: np.ndarray, origin: np.ndarray, size: np.ndarray):
    """Keep `tally`'s four outputs up to date across a change of the rows: the tally after it, less the one
    before, added to their first row."""
    if not counts:
        yield
        return
    before = [np.zeros_like(c) for c in counts]
    tally(active, agent_type, status, location, origin, size, *before)
    yield
    after = [np.zeros_like(c) for c in counts]
    tally(active, agent_type, status, location, origin, size, *after)
    for kept, b, a in zip(counts, before, after):
        kept[0] += a[0] - b[0]


def _move_agents(seed, day, active, agent_type, size, status, location, origin, displaced_since, wait_days, path,
                 path_pos, link_km_left, cleared, has_documents, p_depart, p_continue, pull, dist_power,
                 border_penalty, speed, path_start, path_end, path_nedges, path_edges, path_cost, path_crosses,
                 edge_to, edge_km, edge_mode, edge_border, edge_open, border_allowed, loc_kind, loc_gated,
                 loc_country, loc_hostable, waits_counted, stranded_after, flows_out, crossings_out, displaced_out,
                 row_lists, list_counts) -> None:
    rows = np.nonzero(active & ~np.isin(status, _EXIT_STATUSES))[0]
    leavers = _depart(seed, day, rows[status[rows] != Status.ON_THE_MOVE], agent_type, status, location, p_depart)
    at_home = np.isin(status[leavers], _HOME_STATUSES)
    docs = has_documents[leavers].astype(np.int64)
    t_move = _choosing_type(agent_type[leavers])
    draws = rng.uniform_array_numpy(seed, leavers, day, rng.CHOOSE)
    choice = _choose(location[leavers], t_move, docs, draws, path_start, pull, path_end, path_nedges,
                     path_edges, path_cost, path_crosses, dist_power, border_penalty, edge_open, edge_border,
                     border_allowed)
    status[leavers[(choice < 0) & at_home]] = Status.TRAPPED
    _leave_home(day, leavers[(choice >= 0) & at_home], agent_type, size, location, origin, displaced_since,
                wait_days, displaced_out[0])
    _start(leavers[choice >= 0], choice[choice >= 0], status, path, path_pos, link_km_left, path_edges, edge_km)

    movers = rows[status[rows] == Status.ON_THE_MOVE]
    budget = np.ones(len(movers))
    for leg in range(MAX_LEGS):
        ended, left = _travel(movers, budget, agent_type, size, status, location, path, path_pos, link_km_left,
                              cleared, has_documents, speed, path_nedges, path_edges, edge_to, edge_km, edge_mode,
                              edge_border, edge_open, border_allowed, loc_kind, loc_gated, loc_country,
                              flows_out[0], crossings_out[0], active)
        if leg == MAX_LEGS - 1:
            break
        go_on = (status[ended] == Status.SELF_SETTLED) & (left > 0.0)
        ended, left = ended[go_on], left[go_on]
        pc = p_continue[agent_type[ended], location[ended]]
        keep = (pc > 0.0) & (rng.uniform_array_numpy(seed, ended, day, rng.CONTINUE + leg) < pc)
        ended, left = ended[keep], left[keep]
        draws = rng.uniform_array_numpy(seed, ended, day, rng.CHOOSE_AGAIN + leg)
        choice = _choose(location[ended], _choosing_type(agent_type[ended]), has_documents[ended].astype(np.int64),
                         draws,
                         path_start, pull, path_end, path_nedges, path_edges, path_cost, path_crosses, dist_power,
                         border_penalty, edge_open, edge_border, border_allowed)
        ok = choice >= 0
        movers, budget = ended[ok], left[ok]
        _start(movers, choice[ok], status, path, path_pos, link_km_left, path_edges, edge_km)

    queued = active & ((status == Status.WAITING) | (status == Status.STRANDED))
    settled = active & (status == Status.SELF_SETTLED) & loc_hostable[location]
    n = len(active)
    strands = np.zeros(n, dtype=np.int64)
    if waits_counted:
        wait_days[queued] += 1
        strands[queued & (wait_days >= stranded_after) & (status != Status.STRANDED)] = 1
    for c in range(N_CHUNKS):
        lo, hi = chunk_bounds(c, n)
        for k, listed in ((QUEUED, queued), (SETTLED, settled)):
            rows = lo + np.nonzero(listed[lo:hi])[0]
            row_lists[k, lo + c: lo + c + len(rows)] = rows
            list_counts[c, k] = len(rows)
            if k == QUEUED:
                for fact, column in ((QUEUED_PLACE, location), (QUEUED_SIZE, size), (QUEUED_TYPE, agent_type),
                                     (QUEUED_STRANDS, strands)):
                    row_lists[fact, lo + c: lo + c + len(rows)] = column[rows]


def _choosing_type(agent_type: np.ndarray) -> np.ndarray:
    """Host households choose as the IDPs they become."""
    return np.where(agent_type == AgentType.HOST_HOUSEHOLD, AgentType.IDP, agent_type).astype(np.int8)


def _depart(seed: int, day: int, deciders: np.ndarray, agent_type: np.ndarray, status: np.ndarray,
            location: np.ndarray, p_depart: np.ndarray) -> np.ndarray:
    """Rows that decide to leave today: each one's LEAVE draw (`rng.below`) against p_depart[type, status,
    location]."""
    p = p_depart[agent_type[deciders], status[deciders], location[deciders]]
    return deciders[rng.below_numpy(seed, deciders, day, rng.LEAVE, p)]  # NaN never leaves, as in the kernel


def _path_utilities(cand: np.ndarray, t: np.ndarray, docs: np.ndarray, pull: np.ndarray, path_end: np.ndarray,
                    path_nedges: np.ndarray, path_edges: np.ndarray, path_cost: np.ndarray,
                    path_crosses: np.ndarray, dist_power: np.ndarray, border_penalty: np.ndarray,
                    edge_open: np.ndarray, edge_border: np.ndarray, border_allowed: np.ndarray) -> np.ndarray:
    """Utility of each candidate path for its agent; -inf where the destination or an edge is not permitted."""
    base = pull[t, path_end[cand]]
    blocked = base == -np.inf
    for k in range(path_edges.shape[1]):
        on = k < path_nedges[cand]
        e = np.where(on, path_edges[cand, k], 0)
        refused = ~edge_open[e] | (edge_border[e] & ~border_allowed[t, docs, e])
        blocked |= on & refused
    u = base - dist_power[t] * path_cost[cand]
    u = np.where(path_crosses[cand], u - border_penalty[t], u)
    return np.where(blocked, -np.inf, u)


def _segment_reduce(ufunc: np.ufunc, values: np.ndarray, first: np.ndarray, counts: np.ndarray,
                    empty: float) -> np.ndarray:
    """ufunc over each agent's run of candidates (`first`, `counts`); `empty` for agents with none."""
    out = np.full(len(counts), empty, dtype=np.result_type(values, empty))
    has = counts > 0
    if has.any():
        out[has] = ufunc.reduceat(values, first[has])
    return out


def _choose(loc: np.ndarray, t: np.ndarray, docs: np.ndarray, draws: np.ndarray, path_start: np.ndarray,
            pull: np.ndarray, path_end: np.ndarray, path_nedges: np.ndarray, path_edges: np.ndarray,
            path_cost: np.ndarray, path_crosses: np.ndarray, dist_power: np.ndarray, border_penalty: np.ndarray,
            edge_open: np.ndarray, edge_border: np.ndarray, border_allowed: np.ndarray) -> np.ndarray:
    """Multinomial logit over each agent's candidate paths, sampled with its draw; -1 where none is permitted.

    Picks, in path order, the first permitted path whose running sum of exp(u - max) exceeds draw * total,
    else the last permitted path. Running sums are sequential per agent (a cumulative sum along the rows of a
    padded matrix), so they round exactly like the kernel's loop; a flat reduction could sum pairwise.
    """
    m = len(loc)
    lo = path_start[loc]
    counts = path_start[loc + 1] - lo
    owner = np.repeat(np.arange(m), counts)
    first = np.cumsum(counts) - counts
    k = np.arange(len(owner)) - first[owner]
    cand = lo[owner] + k
    u = _path_utilities(cand, t[owner], docs[owner], pull, path_end, path_nedges, path_edges, path_cost,
                        path_crosses, dist_power, border_penalty, edge_open, edge_border, border_allowed)
    ok = u > -np.inf
    best = _segment_reduce(np.maximum, np.where(ok, u, -np.inf), first, counts, -np.inf)

    weights = np.zeros((m, max(int(counts.max(initial=0)), 1)))
    with np.errstate(invalid="ignore"):
        weights[owner, k] = np.where(ok, np.exp(u - best[owner]), 0.0)
    running = np.cumsum(weights, axis=1)
    target = draws * running[:, -1]
    hit = ok & (running[owner, k] > target[owner])

    no_hit = np.iinfo(np.int64).max
    first_hit = _segment_reduce(np.minimum, np.where(hit, k, no_hit), first, counts, no_hit)
    last_ok = _segment_reduce(np.maximum, np.where(ok, k, -1), first, counts, -1)
    pick = np.where(first_hit < no_hit, first_hit, last_ok)
    return np.where(best > -np.inf, lo + pick, -1)


def _leave_home(day: int, rows: np.ndarray, agent_type: np.ndarray, size: np.ndarray, location: np.ndarray,
                origin: np.ndarray, displaced_since: np.ndarray, wait_days: np.ndarray, displaced: np.ndarray) -> None:
    """Leavers from home are newly displaced (counted by type at home) from today; host households become IDPs."""
    np.add.at(displaced, agent_type[rows], size[rows])
    origin[rows] = location[rows]
    displaced_since[rows] = day
    wait_days[rows] = 0
    agent_type[rows[agent_type[rows] == AgentType.HOST_HOUSEHOLD]] = AgentType.IDP


def _start(rows: np.ndarray, choice: np.ndarray, status: np.ndarray, path: np.ndarray, path_pos: np.ndarray,
           link_km_left: np.ndarray, path_edges: np.ndarray, edge_km: np.ndarray) -> None:
    path[rows] = choice
    path_pos[rows] = 0
    link_km_left[rows] = edge_km[path_edges[choice, 0]]
    status[rows] = Status.ON_THE_MOVE


def _travel(rows: np.ndarray, budget: np.ndarray, agent_type: np.ndarray, size: np.ndarray, status: np.ndarray,
            location: np.ndarray, path: np.ndarray, path_pos: np.ndarray, link_km_left: np.ndarray,
            cleared: np.ndarray, has_documents: np.ndarray, speed: np.ndarray, path_nedges: np.ndarray,
            path_edges: np.ndarray, edge_to: np.ndarray, edge_km: np.ndarray, edge_mode: np.ndarray,
            edge_border: np.ndarray, edge_open: np.ndarray, border_allowed: np.ndarray, loc_kind: np.ndarray,
            loc_gated: np.ndarray, loc_country: np.ndarray, flows: np.ndarray, crossings: np.ndarray,
            active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Advance the movers along their paths on their budgets; return the rows whose journey ended with budget
    left (arrived, or stopped by a shut way ahead) and those budgets.

    Each pass takes every remaining mover over (or onto) its current edge; a mover leaves the pass when the
    way ahead is shut, it queues at a crossing point or its budget runs out. Paths have at most MAX_HOPS
    edges, so there are at most MAX_HOPS passes.
    """
    lost = path[rows] < 0  # on the move without a path (written from outside the kernels): stop where they stand
    _settle(rows[lost], status, path, path_pos, link_km_left)
    ended, left = [rows[lost]], [budget[lost]]
    rows, budget = rows[~lost], budget[~lost]
    while len(rows):
        p = path[rows]
        at_end = path_pos[rows] >= path_nedges[p]
        arrived = rows[at_end]
        _arrive(arrived, status, location, path, path_pos, link_km_left, cleared, active, loc_kind, loc_gated)
        ended.append(arrived)
        left.append(budget[at_end])
        rows, budget, p = rows[~at_end], budget[~at_end], p[~at_end]
        t = agent_type[rows]
        e = path_edges[p, path_pos[rows]]
        border = edge_border[e]
        at_node = link_km_left[rows] >= edge_km[e].astype(np.float32)
        shut = ~edge_open[e] | (border & ~border_allowed[t, has_documents[rows].astype(np.int64), e])
        stop = shut & at_node
        _settle(rows[stop], status, path, path_pos, link_km_left)
        ended.append(rows[stop])
        left.append(budget[stop])
        queue = (~shut & border & at_node & ~cleared[rows] & (loc_kind[location[rows]] == LocationKind.BORDER)
                 & loc_gated[location[rows]])
        status[rows[queue]] = Status.WAITING
        go = ~stop & ~queue
        rows, budget, p, t, e, border = rows[go], budget[go], p[go], t[go], e[go], border[go]

        v = speed[t, edge_mode[e]]
        need = link_km_left[rows] / v
        short = need > budget
        link_km_left[rows[short]] -= (budget[short] * v[short]).astype(np.float32)
        over = ~short
        rows, budget, p, e, border = rows[over], budget[over] - need[over], p[over], e[over], border[over]

        location[rows] = edge_to[e]
        np.add.at(flows, e, size[rows])
        crossed = rows[border]
        cleared[crossed] = False
        np.add.at(crossings, loc_country[location[crossed]], size[crossed])
        path_pos[rows] += 1
        more = path_pos[rows] < path_nedges[p]
        link_km_left[rows[more]] = edge_km[path_edges[p[more], path_pos[rows[more]]]]
    return np.concatenate(ended), np.concatenate(left)


def _settle(rows: np.ndarray, status: np.ndarray, path: np.ndarray, path_pos: np.ndarray,
            link_km_left: np.ndarray) -> None:
    """Stop where they are, off any path."""
    status[rows] = Status.SELF_SETTLED
    path[rows] = -1
    path_pos[rows] = 0
    link_km_left[rows] = 0.0


def _arrive(rows: np.ndarray, status: np.ndarray, location: np.ndarray, path: np.ndarray, path_pos: np.ndarray,
            link_km_left: np.ndarray, cleared: np.ndarray, active: np.ndarray, loc_kind: np.ndarray,
            loc_gated: np.ndarray) -> None:
    """At a path's end: leave the network abroad, queue where arrivals are admitted (a cleared agent passes a
    border point), enter a site without a hard limit, or settle in a town."""
    _settle(rows, status, path, path_pos, link_km_left)
    loc = location[rows]
    kind = loc_kind[loc]
    abroad = rows[kind == LocationKind.ABROAD]
    status[abroad] = Status.CROSSED_BORDER
    active[abroad] = False
    queue = loc_gated[loc] & ~((kind == LocationKind.BORDER) & cleared[rows]) & (kind != LocationKind.ABROAD)
    status[rows[queue]] = Status.WAITING
    status[rows[~queue & (kind == LocationKind.SITE)]] = Status.IN_SITE


def tally(active: np.ndarray, agent_type: np.ndarray, status: np.ndarray, location: np.ndarray,
          origin: np.ndarray, size: np.ndarray, by_place_status_type: np.ndarray, exits_by_type_status: np.ndarray,
          displaced_by_origin: np.ndarray, row_counts: np.ndarray, returning: bool = False, seed: int = 0,
          day: int = 0, displaced_since: np.ndarray | None = None, return_logit: np.ndarray | None = None,
          time_weight: float = 0.0, returned_out: np.ndarray | None = None) -> None:
    """Twin of `kernels.tally`: the day's counts, all in block row 0; row_counts[0] = (active rows, rows in sites).

    Active rows count by (place, status, type); rows that left the network count only by (type, status) and
    by origin, so those counts are cumulative exits; other inactive rows do not count. With `returning`, the
    day's returns (`return_home`) come first.
    """
    if returning:
        _return_home(seed, day, active, status, location, origin, displaced_since, size, return_logit, time_weight,
                     returned_out)
    exited = ~active & np.isin(status, _EXIT_STATUSES)
    a = active
    np.add.at(by_place_status_type[0], (location[a], status[a], agent_type[a]), size[a])
    row_counts[0, 0] += np.count_nonzero(a)
    row_counts[0, 1] += np.count_nonzero(a & (status == Status.IN_SITE))
    gone = ((a & ~np.isin(status, _HOME_STATUSES)) | exited) & (origin >= 0)
    np.add.at(displaced_by_origin[0], origin[gone], size[gone])
    np.add.at(exits_by_type_status[0], (agent_type[exited], status[exited]), size[exited])



def spawn_places(seed: int, day: int, first: int, weights: np.ndarray, total: float, agent_type: int, status: int,
                 size: int, places_out: np.ndarray, by_place_status_type: np.ndarray, exits_by_type_status: np.ndarray,
                 displaced_by_origin: np.ndarray, row_counts: np.ndarray) -> None:
    """Twin of `spawning.spawn_places`: the running shares of the weights, the rows' SPAWN draws, NumPy's search
    clipped to the last place; the new rows counted by `tally` over them alone."""
    shares = np.cumsum(np.asarray(weights, dtype=np.float64) / total)
    n = len(places_out)
    draws = rng.uniform_array_numpy(seed, np.arange(first, first + n), day, rng.SPAWN)
    places_out[:] = np.minimum(np.searchsorted(shares, draws, side="right"), len(shares) - 1)
    tally(np.ones(n, dtype=np.bool_), np.full(n, agent_type, dtype=np.int8), np.full(n, status, dtype=np.int8),
          places_out, places_out, np.full(n, size, dtype=np.int64), by_place_status_type, exits_by_type_status,
          displaced_by_origin, row_counts)

def return_home(seed: int, day: int, active: np.ndarray, agent_type: np.ndarray, status: np.ndarray,
                location: np.ndarray, origin: np.ndarray, displaced_since: np.ndarray, size: np.ndarray,
                return_logit: np.ndarray, time_weight: float, returned_out: np.ndarray, *counts: np.ndarray) -> None:
    """Twin of `kernels.return_home`: settled or queued displaced agents go home with a daily logit probability;
    `counts` (`tally`'s four outputs, if given) change by what the returns changed."""
    with _kept_counts(counts, active, agent_type, status, location, origin, size):
        _return_home(seed, day, active, status, location, origin, displaced_since, size, return_logit, time_weight,
                     returned_out)


def _return_home(seed, day, active, status, location, origin, displaced_since, size, return_logit, time_weight,
                 returned_out) -> None:
    rows = np.nonzero(active & np.isin(status, _RETURNABLE) & (origin >= 0))[0]
    o = origin[rows]
    x = return_logit[o] - time_weight * np.log1p(days_displaced(displaced_since[rows], day) / 30.0)
    with np.errstate(over="ignore"):
        p = 1.0 / (1.0 + np.exp(-x))
    back = rows[rng.below_numpy(seed, rows, day, rng.RETURN, p)]
    status[back] = Status.RETURNED
    location[back] = origin[back]
    returned_out[0] += size[back].sum(dtype=np.int64)

