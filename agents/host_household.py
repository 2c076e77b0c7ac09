"""Host households and communities (MCOF: host communities who absorb the displaced)."""
from __future__ import annotations

from ..model.codes import AgentType
from .base import ArrayAgent


class HostHousehold(ArrayAgent):
    """A resident household.

    Rules (crisisflow rule set): while at home it offers `hosting_spare_share` places per member to
    displaced people in its town; under push factors it may flee itself, and then becomes an IDP.
    """

    agent_type = AgentType.HOST_HOUSEHOLD
