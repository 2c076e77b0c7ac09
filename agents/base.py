"""Mesa agents as views of population rows: reading or writing an attribute reads or writes the arrays."""
from __future__ import annotations

import numbers

from ..model.codes import DISPLACED_STATUSES, AgentType, Status
from ..model.mesa_core import Agent, Model
from ..model.population import MOST_DAYS, SCHEMA, days_displaced


class ArrayField:
    """A descriptor that maps `agent.<name>` onto `model.population.<name>[agent.row]`."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return agent.model.population.arrays[self.name][agent.row].item()

    def __set__(self, agent, value):
        bounds = _INDEX_BOUNDS.get(self.name)
        if bounds is not None:
            low, high = bounds(agent.model)
            if not (isinstance(value, numbers.Integral) and low <= value < high):
                # the kernels index tables with these fields and do not check their indices: a value out of range
                # would read or write outside a table
                raise ValueError(f"{type(agent).__name__} row {agent.row}: {self.name} = {value!r}; expected an "
                                 f"integer from {low} to {high - 1}")
        population = agent.model.population
        population.arrays[self.name][agent.row] = value
        population.note_edit(agent.row)  # operations' candidate lists look at the row again


#: [low, high) of each field that indexes a table of the model (places, paths, nationalities, codes) or counts
_INDEX_BOUNDS = {
    "location": lambda model: (0, model.network.n_locations),
    "origin": lambda model: (-1, model.network.n_locations),
    "path": lambda model: (-1, len(model.paths.end)),
    "path_pos": lambda model: (0, int(model.paths.n_edges.max(initial=0)) + 1),
    "status": lambda model: (0, len(Status)),
    "nationality": lambda model: (-1, len(model.scenario.nationalities)),
    "size": lambda model: (1, 2**31),
    "displaced_since": lambda model: (-MOST_DAYS - 1, MOST_DAYS + 1),
    "wait_days": lambda model: (0, 2**31),
}


class ArrayAgent(Agent):
    """Base of the readable agent classes. Holds only its row; every attribute lives in the arrays.

    The daily rules run for all agents at once in `model.kernels`; these classes
    state each type's rules in words and make single agents easy to inspect,
    change or follow in a notebook.
    """

    agent_type: AgentType

    def __init__(self, model: Model, row: int):
        super().__init__(model)
        self.row = int(row)

    def __setattr__(self, name: str, value) -> None:
        if name == "agent_type":  # an instance attribute would hide the class's type and leave the row unchanged
            raise AttributeError(f"{type(self).__name__} row {self.row}: agent_type is the class of the agent; "
                                 "the model changes a row's type (model.population.agent_type)")
        super().__setattr__(name, value)

    @property
    def displaced(self) -> bool:
        """Whether the agent is displaced now: in the network, neither at home nor gone from it."""
        return bool(self.active) and self.status in DISPLACED_STATUSES

    @property
    def days_displaced(self) -> int:
        """Days the agent has been displaced, through the last day run (`model.population.days_displaced`); 0 where
        it is not displaced now."""
        if not self.displaced:
            return 0
        return int(days_displaced(self.displaced_since, self.model.last_pass_day))

    @days_displaced.setter
    def days_displaced(self, days: int) -> None:
        """Count the agent displaced for `days` days through the last day run (its `displaced_since` moves)."""
        if not (isinstance(days, numbers.Integral) and 0 <= days <= MOST_DAYS):
            raise ValueError(f"{type(self).__name__} row {self.row}: days_displaced = {days!r}; expected an integer "
                             f"from 0 to {MOST_DAYS}")
        self.displaced_since = self.model.last_pass_day - int(days)

    @property
    def status_name(self) -> str:
        return Status(self.status).name.lower()

    @property
    def location_name(self) -> str:
        return self.model.network.names[self.location]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(row={self.row}, size={self.size}, status={self.status_name}, at={self.location_name})"


# every schema field becomes an attribute of every agent (agent_type is read-only in spirit: the model changes it)
for _name in SCHEMA:
    if _name != "agent_type":
        _field = ArrayField()
        _field.__set_name__(ArrayAgent, _name)
        setattr(ArrayAgent, _name, _field)
