"""Internally displaced persons (MCOF: IDPs; Haiti 2010: 1.5 million in over 1,500 sites)."""
from __future__ import annotations

from ..model.codes import AgentType
from .base import ArrayAgent


class IDP(ArrayAgent):
    """A displaced household or person inside the crisis country.

    Rules (crisisflow rule set): a host household that flees becomes an IDP with its home as `origin`.
    It moves on from where it stays with a daily logit that is lowest in sites and with hosts and rises
    with hazard and crowding; it prefers safe places with aid, free site places and free hosting places;
    crossing a border costs it `border_penalty`. In recovery it returns home with a daily probability
    rising with safety and rebuilt housing at its origin and falling with time displaced.
    """

    agent_type = AgentType.IDP
