"""Hosting: displaced people who settle in a town stay with host households while there is room.

A host household at home offers `hosting_spare_share` places per member (the
scenario's assumption, raised by host-support policies). Host strain per place
is hosted persons over hosting places.
"""
from __future__ import annotations

import numpy as np

from . import kernels, rng
from .admission import ranked_fit
from .codes import LocationKind, Status
from .population import Population


def host_places(host_persons_at_home: np.ndarray, spare_share: float | np.ndarray) -> np.ndarray:
    """Hosting places per location (persons), from host household members at home."""
    return np.floor(host_persons_at_home * spare_share).astype(np.int64)


def hostable(loc_kind: np.ndarray, places: np.ndarray, hosted: np.ndarray) -> np.ndarray:
    """Places where self-settled people may move in with hosts today: towns with free hosting places."""
    return (loc_kind == LocationKind.TOWN) & (places > hosted)


def place_with_hosts(pop: Population, rows: np.ndarray, places: np.ndarray, hosted: np.ndarray,
                     seed: int, day: int, counts: tuple[np.ndarray, ...] | None = None) -> int:
    """Move self-settled agents (`rows`, in row order, at hostable places) into free hosting places, in random
    order; return persons hosted. `counts`, the model's day's counts (`kernels.tally`'s four outputs), move them
    from self-settled to hosted at their place."""
    free = np.maximum(places - hosted, 0)
    loc = pop.location[rows]
    if len(rows) == 0:
        return 0
    ok = ranked_fit(rows, loc, pop.size[rows], np.zeros(len(rows), dtype=np.bool_),
                    lambda subset: rng.uniform_array(seed, subset, day, rng.HOSTING_ORDER), free)
    taken = rows[ok]
    if counts is not None:
        kernels.count_population_rows(pop, taken, -1, counts)
    pop.status[taken] = Status.HOSTED
    if counts is not None:
        kernels.count_population_rows(pop, taken, 1, counts)
    return int(pop.size[taken].sum())


def host_strain(hosted: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Hosted persons over hosting places; where there are no places, strain is 0 (none hosted) or inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(places > 0, hosted / np.maximum(places, 1), np.where(hosted > 0, np.inf, 0.0))
