"""An operation's config read against the scenario: names to indices, dates to days, bad input to InputError.

Shared by the operations so that each reports bad input the same way: source "policy config" and the key
`policy.operations[<i>].<field>`, where i is the operation's place in `cfg.policy.operations`.
Dates follow the scenario's events: a date before the run starts is an error, one after it ends only warns
(a shorter run, `sim.days=30`, must not break a policy written for the whole crisis).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from omegaconf import DictConfig, ListConfig, OmegaConf

from ..codes import AgentType, LocationKind, code_name, parse_code
from ..crisis import parse_date
from ..errors import InputError

if TYPE_CHECKING:
    from ..model import CrisisModel

SOURCE = "policy config"
#: every kind of place in the network (not abroad): where an operation can act on people
IN_NETWORK = tuple(k for k in LocationKind if k != LocationKind.ABROAD)


def plain(value: Any) -> Any:
    """Hydra passes nested YAML as DictConfig/ListConfig; operations read plain dicts and lists."""
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value


class OperationInput:
    """Checks one operation's config against the model's scenario."""

    def __init__(self, model: "CrisisModel", policy: object):
        position = next(i for i, p in enumerate(model.policies) if p is policy)
        self.prefix = f"policy.operations[{position}]"
        self.net = model.network
        self.index = model.network.index()
        self.start = model.scenario.timeline.start_date
        self.days = model.days
        self.nationalities = list(model.scenario.nationalities)

    def error(self, field: str, message: str) -> InputError:
        return InputError(SOURCE, message, key=f"{self.prefix}.{field}")

    def fields(self, entry: Any, allowed: set[str], field: str) -> dict:
        """One entry of a list (a hub, a rule): a mapping with only the allowed keys."""
        if not isinstance(entry, Mapping):
            raise self.error(field, f"expected a mapping with keys {sorted(allowed)}, got {entry!r}")
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise self.error(f"{field}.{unknown[0]}", f"unknown key; expected one of {sorted(allowed)}")
        return dict(entry)

    def location(self, name: Any, field: str, kinds: tuple[LocationKind, ...] | None = None) -> int:
        if name not in self.index:
            raise self.error(field, f"'{name}' is not a location of the scenario")
        loc = self.index[name]
        if kinds is not None and self.net.kind[loc] not in kinds:
            kind, expected = code_name(LocationKind(self.net.kind[loc])), " or ".join(code_name(k) for k in kinds)
            raise self.error(field, f"'{name}' is a {kind}; expected a {expected}")
        return loc

    def _offset(self, text: Any, field: str) -> int:
        day = (parse_date(text, SOURCE, f"{self.prefix}.{field}") - self.start).days
        if day < 0:
            raise self.error(field, f"{text} is before the run starts ({self.start})")
        return day

    def day(self, text: Any, field: str) -> int:
        """Day of the run of a date; after the run's end it warns (the date has no effect)."""
        day = self._offset(text, field)
        if day >= self.days:
            warnings.warn(f"{SOURCE}, key '{self.prefix}.{field}': {text} is after the run's {self.days} days; "
                          "it has no effect", stacklevel=2)
        return day

    def window(self, entry: Mapping, field: str) -> slice:
        """Days of an entry's `from`..`to` (both inclusive, either may be left out), cut to the run."""
        lo = 0 if entry.get("from") is None else self.day(entry["from"], f"{field}.from")
        if entry.get("to") is None:
            return slice(min(lo, self.days), self.days)
        hi = self._offset(entry["to"], f"{field}.to")
        if hi < lo:
            raise self.error(f"{field}.to", f"{entry['to']} is before {field}.from ({entry.get('from')})")
        return slice(min(lo, self.days), min(hi + 1, self.days))

    def count(self, value: Any, field: str) -> int:
        """A whole number of persons (seats, documents, places) >= 0."""
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise self.error(field, f"{value!r}; expected a whole number >= 0")
        return int(value)

    def share(self, value: Any, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise self.error(field, f"{value!r}; expected a number in [0, 1]")
        return float(value)

    def number(self, value: Any, field: str) -> float:
        """A number >= 0 with no upper bound (a support level, extra places per member, a site's area)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.error(field, f"{value!r}; expected a number >= 0")
        return float(value)

    def places(self, names: Any, field: str) -> np.ndarray:
        """bool [L]: the places named in the config, 'all' or a list of names, read alike by every operation."""
        mask = np.zeros(self.net.n_locations, dtype=np.bool_)
        if names == "all":
            mask[:] = True
            return mask
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise self.error(field, f"{names!r}; expected a list of places or 'all'")
        for k, name in enumerate(names):
            mask[self.location(name, f"{field}[{k}]")] = True
        return mask

    def schedule(self, entries: Sequence[Mapping], name: str, field: str, read: Callable[[Any, str], float],
                 combine: Callable[[np.ndarray, float], np.ndarray] = np.maximum) -> np.ndarray:
        """float [days, L]: each entry's `field` (checked by `read`, e.g. `share` or `number`) at its `places`
        over its days (`from`..`to`, both included, default the whole run; places default 'all'). Entries
        that overlap combine by `combine`: the highest level by default, `np.add` where support adds up."""
        out = np.zeros((self.days, self.net.n_locations))
        for k, raw in enumerate(entries):
            where = f"{name}[{k}]"
            entry = self.fields(raw, {"places", "from", "to", field}, where)
            if field not in entry:
                raise self.error(f"{where}.{field}", f"no {field} given")
            value = read(entry[field], f"{where}.{field}")
            days = self.window(entry, where)
            mask = self.places(entry.get("places", "all"), f"{where}.places")
            out[days, mask] = combine(out[days][:, mask], value)
        return out

    def agent_types(self, names: Any, field: str) -> np.ndarray:
        """bool [T]: the agent types named (migrant, idp, host_household)."""
        mask = np.zeros(len(AgentType), dtype=np.bool_)
        for k, name in enumerate(names):
            code = parse_code(AgentType, str(name))
            if code is None:
                raise self.error(f"{field}[{k}]", f"'{name}'; expected one of {[code_name(t) for t in AgentType]}")
            mask[code] = True
        return mask

    def nationality(self, name: Any, field: str) -> int:
        """A migrant nationality's position in arrays indexed by nationality + 1 (0: no nationality recorded)."""
        if name not in self.nationalities:
            raise self.error(field, f"'{name}' is not a nationality of the scenario's migrants {self.nationalities}")
        return self.nationalities.index(name) + 1

    def nationality_mask(self, names: Any, field: str) -> np.ndarray | None:
        """bool [N + 1] indexed by nationality + 1 (0: no nationality recorded); None when no list is given."""
        if not names:
            return None
        mask = np.zeros(len(self.nationalities) + 1, dtype=np.bool_)
        for k, name in enumerate(names):
            mask[self.nationality(name, f"{field}[{k}]")] = True
        return mask
