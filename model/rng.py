"""Counter-based random numbers: a splitmix64 hash of (seed, agent, day, purpose).

Every draw is a pure function of its counters, so results do not depend on the
thread count or on the order agents are visited, and two scenarios run with the
same seed draw the same numbers for the same agent on the same day (common
random numbers), which keeps policy comparisons free of sampling noise.

The passes that draw for every row to find the few that act (to leave, to go home) assemble each row's draw from
a coarse byte, eight rows to a hash, and the row's own uniform, hashed only where the byte cannot decide
(`group_bits`, `below`): the same properties, an eighth of the hashing.
"""
from __future__ import annotations

import numpy as np
from numba import float64, int64, njit, uint64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_INV_2_53 = 1.0 / 9007199254740992.0

# purposes: one stream per kind of decision, so adding a draw for one rule
# never shifts the draws of another
LEAVE = 1
CHOOSE = 2
QUEUE_ORDER = 3
HOSTING_ORDER = 4
RETURN = 5
SPAWN = 6
INIT = 7
CONTINUE = 16  # + leg: move on from a town reached with distance left today
CHOOSE_AGAIN = 32  # + leg: the choice made when moving on
# operations (model/policies)
MISSION_ORDER = 64  # who boards a pick-up mission first
ISSUE_ORDER = 65  # who gets travel documents first
UNDOCUMENTED = 66  # who lacks documents when a policy sets the share
IDENTIFY = 67  # who is identified for referral today
EARLY_EVACUATION = 68  # who is moved pre-emptively on an alert
LOCAL_INTEGRATION = 69  # who settles for good where displaced today
RESETTLEMENT = 70  # who is resettled to a third country today
#: the coarse stream of a purpose is its number plus this (`group_bits`)
COARSE = 128


@njit(uint64(uint64), cache=True, inline="always")
def splitmix64(x):
    """Finaliser of splitmix64 (Steele, Lea and Flood, OOPSLA 2014)."""
    z = x + _GOLDEN
    z = (z ^ (z >> uint64(30))) * _M1
    z = (z ^ (z >> uint64(27))) * _M2
    return z ^ (z >> uint64(31))


@njit(cache=True, inline="always")
def agent_day(seed, agent, day):
    """The first three counters chained through splitmix64: the key of an agent's day, from which each purpose's
    draw takes one more step (`uniform_of`). A journey draws for several purposes (the choice of a path, moving on,
    choosing again) and hashes its key once (the persons scenario's day 40: movement pass 24.5 -> 24.2 ms on one
    thread, 14.9 -> 14.6 on two, medians of 15 on a captured state, identical outputs)."""
    h = splitmix64(uint64(seed))
    h = splitmix64(h ^ uint64(agent))
    return splitmix64(h ^ uint64(day))


@njit(cache=True, inline="always")
def uniform_of(key, purpose):
    """A float in [0, 1) with 53 random bits: the draw for `purpose` of an agent's day (`agent_day`)."""
    return float(splitmix64(key ^ uint64(purpose)) >> uint64(11)) * _INV_2_53


@njit(cache=True, inline="always")
def uniform(seed, agent, day, purpose):
    """A float in [0, 1) with 53 random bits: `uniform_of` the agent's day."""
    return uniform_of(agent_day(seed, agent, day), purpose)


@njit(cache=True, inline="always")
def group_bits(seed, group, day, purpose):
    """64 random bits for the eight agents 8 x group .. 8 x group + 7: the k-th lowest byte is the coarse draw of
    agent 8 x group + k for `purpose` (see `below`). Read as bytes in place, these words give each agent its own
    byte in agent order on a little-endian machine (every platform Numba targets is one)."""
    return splitmix64(agent_day(seed, group, day) ^ uint64(purpose + COARSE))


@njit(cache=True, inline="always")
def coarse_byte(seed, agent, day, purpose):
    """One agent's coarse byte for `purpose` (`group_bits`), where a pass does not read its group's word in place."""
    return np.uint8((group_bits(seed, agent >> 3, day, purpose) >> uint64(8 * (agent & 7))) & uint64(0xFF))


@njit(cache=True, inline="always")
def below(coarse, p, seed, agent, day, purpose):
    """Whether the agent's draw for `purpose` today falls under p, where the draw is u = (c + v) / 256: c the
    agent's coarse byte (`group_bits`), v its own uniform (`uniform`). u is uniform on [0, 1) and a function of
    (seed, agent, day, purpose) only, like every draw here; but one hash serves eight agents' coarse bytes, and
    v is hashed only where c alone cannot decide (c = floor(256 p): one agent in 256). A pass that draws for
    every row to find the few that may act spends a third of a hash a row instead of three hashes. False for
    p <= 0 and for NaN, True for p >= 1."""
    q = p * 256.0
    k = np.floor(q)
    c = float(coarse)
    if c != k:
        return c < k
    return uniform(seed, agent, day, purpose) < q - k


@njit(float64[::1](uint64, int64[::1], uint64, uint64), cache=True, nogil=True)
def _uniform_rows(seed, agents, day, purpose):
    """The draws of contiguous `agents`: the C-layout signature lets the loop run on vector lanes (4-5x faster
    than for an array of any layout)."""
    out = np.empty(agents.shape[0])
    for k in range(agents.shape[0]):
        out[k] = uniform(seed, agents[k], day, purpose)
    return out


def uniform_array(seed: int, agents: np.ndarray, day: int, purpose: int) -> np.ndarray:
    """`uniform` over an array of agent ids, the same bits: the draws the NumPy stages (admission, hosting,
    operations) make, compiled because NumPy's 64-bit hashing costs a temporary array per step."""
    agents = np.asarray(agents)
    flat = np.ascontiguousarray(agents.reshape(-1), dtype=np.int64)
    return _uniform_rows(np.uint64(seed), flat, np.uint64(day), np.uint64(purpose)).reshape(agents.shape)


def uniform_array_numpy(seed: int, agents: np.ndarray, day: int, purpose: int) -> np.ndarray:
    """Plain NumPy twin of `uniform` over an array of agent ids (same bits): what model.kernels_numpy draws with."""
    with np.errstate(over="ignore"):
        h = _mix_chain_numpy(seed, agents, day, purpose)
    return (h >> np.uint64(11)).astype(np.float64) * _INV_2_53


def _mix_numpy(x: np.ndarray) -> np.ndarray:
    """`splitmix64` over a uint64 array."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _mix_chain_numpy(seed: int, agents: np.ndarray, day: int, purpose: int) -> np.ndarray:
    """The 64 bits of (seed, agent, day, purpose) chained through `splitmix64`, as `uniform` hashes them."""
    h = _mix_numpy(np.full(agents.shape, seed, dtype=np.uint64))
    h = _mix_numpy(h ^ agents.astype(np.uint64))
    h = _mix_numpy(h ^ np.uint64(day))
    return _mix_numpy(h ^ np.uint64(purpose))


def coarse_bytes_numpy(seed: int, agents: np.ndarray, day: int, purpose: int) -> np.ndarray:
    """Plain NumPy twin of the agents' coarse bytes for `purpose` (`group_bits`): byte agent % 8 of their group's
    word."""
    agents = np.asarray(agents, dtype=np.int64)
    with np.errstate(over="ignore"):
        words = _mix_chain_numpy(seed, agents >> 3, day, purpose + COARSE)
    return ((words >> (np.uint64(8) * (agents & 7).astype(np.uint64))) & np.uint64(0xFF)).astype(np.uint8)


def below_numpy(seed: int, agents: np.ndarray, day: int, purpose: int, p: np.ndarray) -> np.ndarray:
    """Plain NumPy twin of `below` for each agent against its p."""
    c = coarse_bytes_numpy(seed, agents, day, purpose).astype(np.float64)
    q = np.asarray(p, dtype=np.float64) * 256.0
    k = np.floor(q)
    with np.errstate(invalid="ignore"):
        fine = uniform_array_numpy(seed, agents, day, purpose) < q - k
        return np.where(c != k, c < k, fine)
