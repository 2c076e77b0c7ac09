"""International migrants in the crisis country (MCOF: migrants stranded in a crisis; Libya 2011)."""
from __future__ import annotations

from ..model.codes import AgentType
from .base import ArrayAgent


class Migrant(ArrayAgent):
    """A migrant worker, or a group of them, living in the crisis country.

    Rules (crisisflow rule set, `configs/rules/crisisflow.yaml`):
    - leaves home when push (hazard, lost shelter and services, neighbours gone) outweighs attachment;
      migrants have the lowest attachment of the three types;
    - prefers evacuation hubs, border crossings and destinations abroad (`pull_hub`, `pull_border`,
      `pull_abroad`), weighing log distance and borders closed to it;
    - cannot cross a border that asks for travel documents without them, and is then trapped or
      waits; queues at border points and hubs, and counts as stranded after the scenario's threshold;
    - `nationality` says which country an evacuation takes it to.
    """

    agent_type = AgentType.MIGRANT
