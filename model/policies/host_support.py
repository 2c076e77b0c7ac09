"""Host support: cash for host families and shelter kits create hosting places in towns on set dates.

Host households at home offer `hosting_spare_share` places per member (the scenario's assumption); support
adds `extra_share` places per member at its places while it runs, so more displaced people are hosted and
the strain on each hosting place falls. Support that ends takes its places away; nobody is evicted, but
strain rises again. The places it created are recorded by place.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..codes import LocationKind
from ..hosting import host_places
from .base import Policy, by_place
from .inputs import OperationInput, plain

if TYPE_CHECKING:
    from ..model import CrisisModel


class HostSupport(Policy):
    """`support`: [{places, from, to, extra_share}] (places: town names or 'all'; dates YYYY-MM-DD, both
    included, default the whole run); overlapping support adds up."""

    # the day's hosting places are counted at the end of the day, after this stage
    stage = "after_admission"
    keeps_counts = True  # it changes no row's place, status, type, size, origin or activity
    writes_rows = False  # it sets the places each host household member offers

    def __init__(self, support: Sequence[Mapping]):
        self.support = plain(support)

    def setup(self, model: "CrisisModel") -> None:
        inp = OperationInput(model, self)
        self.extra = inp.schedule(self.support, "support", "extra_share", inp.number, combine=np.add)
        town = model.network.kind == LocationKind.TOWN
        for k, entry in enumerate(self.support):
            names = entry.get("places", "all")
            if names != "all" and not town[inp.places(names, f"support[{k}].places")].all():
                raise inp.error(f"support[{k}].places", "hosting happens in towns; expected town names or 'all'")
        self.extra[:, ~town] = 0.0
        self._base = model.hosting_spare_share.copy()

    def apply(self, model: "CrisisModel") -> None:
        model.hosting_spare_share[:] = self._base + self.extra[model.day]

    def series(self, model: "CrisisModel") -> Iterator[tuple[str, str, np.ndarray]]:
        """host_support_places: hosting places the support added each day, from the host household members at
        home that the day's tally counted (the core records them)."""
        n = model.recorder.days_recorded
        members = model.recorder.host_members[:n]
        added = host_places(members, self._base + self.extra[:n]) - host_places(members, self._base)
        added = added.astype(np.float64)
        yield "host_support_places", "", added.sum(axis=1)
        yield from by_place(model, "host_support_places", added, acted=self.extra[:n])
