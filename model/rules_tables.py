"""The day's tables of crisisflow's push/pull rules (`rules.CrisisflowRules.daily`) in two compiled passes.

The tables are small ([types, places], [types, statuses, places]) but made every day, and made with NumPy they were
some fifty array operations, each costing more to start than to do: haiti_2010 spent 1.0 s of its 5.4 s run
(2,180 days, 1,581 places) on them, the demo scenario a fifth of its run. Here one pass writes every sigmoid's
argument and the pull's inputs, NumPy takes tanh, log and log1p of them, and a second pass writes the tables: a call,
medians over each run's days (2026-11-30), demo 92 -> 24 us, libya_2011 101 -> 28, haiti_2010 383 -> 203, the
benchmark's persons scenario (2,255 places) 476 -> 273; whole runs taking turns in one process, the same results:
demo 0.148 -> 0.126 s (medians of 15), haiti_2010 5.50 -> 4.86 s (of 3).

Those three stay NumPy's: Numba's (the C library's) differ from NumPy's in the last bits (tanh on 28% of normal
inputs here), and the rules' numbers must not change with the code that computes them. NumPy computes each element
alone, the same value at any position of any array (`tests/test_rules_tables.py`), so one call on all seven
sigmoids' arguments gives what seven calls gave, and tanh is taken again each day only for the arguments that
changed since the day before (`KeptTanh`). Each expression is written in the order NumPy evaluated it, and
compiled code without fast-math rounds every operation as NumPy does: the tables are the same to the last bit.
"""
from __future__ import annotations

import numpy as np
from numba import float64, njit, types

from .codes import HOME_STATUSES, N_STATUS, Status
from .signatures import B1, B1_2, F8, F8_2, F8_3, F_A1, F_A2

#: the sigmoids of a day, rows of `arguments`' first output: leaving home, leaving again once back (or settled for
#: good), then moving on from a site, a host, self-settlement, a queue, a queue past the stranding threshold
LEAVE, LEAVE_AGAIN, FIRST_SETTLED, FIRST_QUEUED, N_SIGMOIDS = 0, 1, 2, 5, 7
#: the statuses of the settled and queued sigmoids, in their order (`CrisisflowRules._move_settled` follows it)
SETTLED_STATUSES = (Status.IN_SITE, Status.HOSTED, Status.SELF_SETTLED)
QUEUED_STATUSES = (Status.WAITING, Status.STRANDED)
#: home statuses: those who came back (or settled for good) leave again only on a new hazard or a warning
_AGAIN = (int(Status.RETURNED), int(Status.LOCALLY_INTEGRATED))
_FIRST_TIME = tuple(int(s) for s in HOME_STATUSES if s not in _AGAIN)
_SETTLED = tuple(int(s) for s in SETTLED_STATUSES)
_QUEUED = tuple(int(s) for s in QUEUED_STATUSES)


@njit(types.Tuple((F8_3, B1_2, F8, F8))(
    F_A1, F_A1, F_A1, F_A1, F_A2, F_A1, F_A1, F_A1, F8, F8, F8,
    float64, float64, float64, float64, float64, float64, float64), cache=True)
def arguments(hazard, damage, gone_share, push_bonus, aid, in_site, site_capacity, host_free, attachment, kind_move,
              move_settled, push_hazard, push_damage, push_gone, push_aid, move_hazard, move_crowding, move_aid):
    """Half of each sigmoid's argument (sigmoid(x) = 0.5 (1 + tanh(x / 2))), [N_SIGMOIDS, types, places]; where the
    push to leave home and to leave again is above 0 ([2, places]; elsewhere nobody leaves); each place's free share
    of its site capacity, clipped to [0.01, 1], and its free hosting places in hundreds (the pull takes their logs)."""
    n_type, n_loc = aid.shape
    halves = np.empty((N_SIGMOIDS, n_type, n_loc))
    pushing = np.empty((2, n_loc), dtype=np.bool_)
    free_share = np.empty(n_loc)
    hosts = np.empty(n_loc)
    for loc in range(n_loc):
        limited = site_capacity[loc] > 0
        occupancy = in_site[loc] / max(site_capacity[loc], 1.0) if limited else 0.0
        crowding = max(occupancy - 0.9, 0.0) * 10.0  # beyond 90% of capacity (Flee's buffer)
        free_share[loc] = min(max(1.0 - occupancy if limited else 1.0, 0.01), 1.0)
        hosts[loc] = host_free[loc] / 100.0
        push = push_hazard * hazard[loc] + push_damage * damage[loc] + push_gone * gone_share[loc] + push_bonus[loc]
        again = push_hazard * hazard[loc] + push_bonus[loc]  # a new hazard or a warning: not the old damage
        pushing[0, loc] = push > 0
        pushing[1, loc] = again > 0
        moving = move_hazard * hazard[loc] + move_crowding * crowding
        for t in range(n_type):
            held = push_aid * aid[t, loc]
            halves[LEAVE, t, loc] = 0.5 * (push - attachment[t] - held)
            halves[LEAVE_AGAIN, t, loc] = 0.5 * (again - attachment[t] - held)
            base = moving - move_aid * aid[t, loc]
            for k in range(len(_SETTLED)):
                halves[FIRST_SETTLED + k, t, loc] = 0.5 * (move_settled[k] + kind_move[loc] + base)
            for k in range(len(_QUEUED)):  # giving up one's place in a queue: the kind of place does not speed it
                halves[FIRST_QUEUED + k, t, loc] = 0.5 * (move_settled[len(_SETTLED) + k] + base)
    return halves, pushing, free_share, hosts


class KeptTanh:
    """NumPy's tanh of the day's sigmoid arguments, taken again only where an argument changed since the last call.

    NumPy's float64 tanh took about 13 ns an element on 12-02's AMD EPYC instance (family 25, model 1, no AVX-512):
    the persons scenario's 47,000 arguments cost 0.64 ms a day, 6% of its run (most of the rules' 0.48 ms a day on
    earlier Intel instances too, `experiments/SPEED.md`). From one day to the next 6-19% of them change (hazard,
    crowding and the share gone move at some places only; the persons scenario at scale 0.05, 2026-12-02). NumPy
    gives each element the same value wherever it stands (`tests/test_rules_tables.py`), so an element kept from an
    earlier call is the one a call on the whole array gives. Arguments are compared bit for bit: 0.0 and -0.0, whose
    tanh differ in sign, are different arguments. One instance serves one caller: the array returned is the one the
    next call updates in place."""

    def __init__(self) -> None:
        self._arguments: np.ndarray | None = None
        self._values: np.ndarray | None = None

    def __call__(self, arguments: np.ndarray) -> np.ndarray:
        arguments = np.ascontiguousarray(arguments, dtype=np.float64)
        if self._arguments is None or self._arguments.shape != arguments.shape:
            self._arguments, self._values = arguments.copy(), np.tanh(arguments)
            return self._values
        changed = np.flatnonzero(arguments.view(np.int64).ravel() != self._arguments.view(np.int64).ravel())
        taken = arguments.ravel()[changed]
        self._values.ravel()[changed] = np.tanh(taken)
        self._arguments.ravel()[changed] = taken
        return self._values


@njit(types.Tuple((F8_3, F8_2))(
    F8_3, B1_2, F8, F8, F_A1, F_A2, F_A2, F_A1, B1, B1, F8_2,
    float64, float64, float64, float64), cache=True)
def tables(tanh_halves, pushing, log_free_share, log1p_hosts, hazard, aid, pull_bonus, site_capacity, is_town,
           is_site, kind_pull, pull_safety, pull_crowding, pull_host_capacity, pull_aid):
    """The probabilities of leaving, by type, status and place (0 for the statuses nobody leaves from: on the move,
    out of the network), and the pull of each place by type (-inf at a closed site), from `arguments`' outputs after
    NumPy's tanh and logs."""
    n_type, n_loc = aid.shape
    p = np.zeros((n_type, N_STATUS, n_loc))
    pull = np.empty((n_type, n_loc))
    for t in range(n_type):
        for loc in range(n_loc):
            leave = 0.5 * (1.0 + tanh_halves[LEAVE, t, loc]) if pushing[0, loc] else 0.0
            for s in _FIRST_TIME:
                p[t, s, loc] = leave
            # people who came back (or settled for good) accepted the damage and the empty street
            again = 0.5 * (1.0 + tanh_halves[LEAVE_AGAIN, t, loc]) if pushing[1, loc] else 0.0
            for s in _AGAIN:
                p[t, s, loc] = again
            for k in range(len(_SETTLED)):
                p[t, _SETTLED[k], loc] = 0.5 * (1.0 + tanh_halves[FIRST_SETTLED + k, t, loc])
            for k in range(len(_QUEUED)):
                p[t, _QUEUED[k], loc] = 0.5 * (1.0 + tanh_halves[FIRST_QUEUED + k, t, loc])
            # the host term times 0 or 1 and the sum started from 0.0, as NumPy did: a product with 0 may be -0.0,
            # and 0.0 + x turns a -0.0 into 0.0 (kept, so that the tables stay NumPy's to the last bit)
            common = (-pull_safety * hazard[loc] + pull_crowding * log_free_share[loc]
                      + pull_host_capacity * log1p_hosts[loc] * (1.0 if is_town[loc] else 0.0))
            value = 0.0 + common + pull_aid * aid[t, loc] + pull_bonus[t, loc]
            if is_site[loc] and site_capacity[loc] == 0:
                value = -np.inf  # a closed site is no destination
            pull[t, loc] = value + kind_pull[t, loc]
    return p, pull
