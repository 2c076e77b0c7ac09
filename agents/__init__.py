"""The readable face of the population arrays: one Mesa agent class per MCOF population."""
from __future__ import annotations

from .base import ArrayAgent
from .host_household import HostHousehold
from .idp import IDP
from .migrant import Migrant

_BY_TYPE = {cls.agent_type: cls for cls in (Migrant, IDP, HostHousehold)}


def agent_class(agent_type: int) -> type[ArrayAgent]:
    """The Mesa class for an agent-type code."""
    return _BY_TYPE[agent_type]


__all__ = ["ArrayAgent", "HostHousehold", "IDP", "Migrant", "agent_class"]
