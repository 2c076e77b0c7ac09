"""Mesa agents as views of population rows: reading or writing an attribute reads or writes the arrays."""
from __future__ import annotations

import mesa

from ..model.codes import AgentType, Status
from ..model.population import SCHEMA


class ArrayField:
    """A descriptor that maps `agent.<name>` onto `model.population.<name>[agent.row]`."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return agent.model.population.arrays[self.name][agent.row].item()

    def __set__(self, agent, value):
        population = agent.model.population
        population.arrays[self.name][agent.row] = value
        population.note_edit(agent.row)  # operations' candidate lists look at the row again


class ArrayAgent(mesa.Agent):
    """Base of the readable agent classes. Holds only its row; every attribute lives in the arrays.

    The daily rules run for all agents at once in `model.kernels`; these classes
    state each type's rules in words and make single agents easy to inspect,
    change or follow in a notebook.
    """

    agent_type: AgentType

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = int(row)

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
