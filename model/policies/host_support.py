"""Host support: cash for host families and shelter kits create hosting places in towns on set dates.

Host households at home offer `hosting_spare_share` places per member (the scenario's assumption); support
adds `extra_share` places per member at its places while it runs, so more displaced people are hosted and
the strain on each hosting place falls. Support that ends takes its places away; nobody is evicted, but
strain rises again. The places it created are recorded by place.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..codes import AgentType, LocationKind, Status
from ..hosting import host_places
from .base import Policy
from .inputs import OperationInput, plain

if TYPE_CHECKING:
    from ..model import CrisisModel


class HostSupport(Policy):
    """`support`: [{places, from, to, extra_share}] (places: town names or 'all'; dates YYYY-MM-DD, both
    included, default the whole run); overlapping support adds up."""

    # the day's hosting places are counted at the end of the day, after this stage
    stage = "after_admission"

    def __init__(self, support: Sequence[Mapping]):
        self.support = plain(support)

    def setup(self, model: "CrisisModel") -> None:
        inp = OperationInput(model, self)
        self.extra = _schedule(inp, self.support, "support", "extra_share", _nonnegative(inp), combine=np.add)
        town = model.network.kind == LocationKind.TOWN
        for k, entry in enumerate(self.support):
            names = entry.get("places", "all")
            if names != "all" and not town[_place_mask(inp, names, f"support[{k}].places")].all():
                raise inp.error(f"support[{k}].places", "hosting happens in towns; expected town names or 'all'")
        self.extra[:, ~town] = 0.0
        self._base = model.hosting_spare_share.copy()
        self.places_added = np.zeros((model.days, model.network.n_locations), dtype=np.int64)

    def apply(self, model: "CrisisModel") -> None:
        d, pop = model.day, model.population
        model.hosting_spare_share[:] = self._base + self.extra[d]
        home = pop.active & (pop.agent_type == AgentType.HOST_HOUSEHOLD) & (pop.status == Status.AT_HOME)
        members = np.bincount(pop.location[home], weights=pop.size[home], minlength=model.network.n_locations)
        self.places_added[d] = host_places(members, model.hosting_spare_share) - host_places(members, self._base)

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        n = model.recorder.days_recorded
        added = self.places_added[:n].astype(np.float64)
        yield "host_support_places", "", added.sum(axis=1)
        for loc in np.nonzero(self.extra[:n].any(axis=0))[0]:
            yield "host_support_places", model.network.names[loc], added[:, loc]


def _schedule(inp: OperationInput, entries: Sequence[Mapping], name: str, field: str,
              read: Callable[[object, str], float], combine=np.maximum) -> np.ndarray:
    """float [days, L]: each entry's `field` (checked by `read`) at its places over its days (`from`..`to`,
    both included, default the whole run); entries that overlap combine by `combine`."""
    out = np.zeros((inp.days, inp.net.n_locations))
    for k, raw in enumerate(entries):
        where = f"{name}[{k}]"
        entry = inp.fields(raw, {"places", "from", "to", field}, where)
        if field not in entry:
            raise inp.error(f"{where}.{field}", f"no {field} given")
        value = read(entry[field], f"{where}.{field}")
        days = inp.window(entry, where)
        mask = _place_mask(inp, entry.get("places", "all"), f"{where}.places")
        out[days, mask] = combine(out[days][:, mask], value)
    return out


def _place_mask(inp: OperationInput, names: Sequence[str] | str, field: str) -> np.ndarray:
    """Places named in the config ('all' or a list of names) as a mask over locations."""
    mask = np.zeros(inp.net.n_locations, dtype=np.bool_)
    if names == "all":
        mask[:] = True
        return mask
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise inp.error(field, f"{names!r}; expected a list of places or 'all'")
    for k, name in enumerate(names):
        mask[inp.location(name, f"{field}[{k}]")] = True
    return mask


def _nonnegative(inp: OperationInput) -> Callable[[object, str], float]:
    """A reader of numbers >= 0 for `_schedule`."""
    def read(value: object, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise inp.error(field, f"{value!r}; expected a number >= 0")
        return float(value)
    return read
