"""Integer codes shared by the arrays, the kernels and the outputs.

The kernels only see integers; these enums give each code one readable name,
which is also the `key` written in the results table.
"""
from __future__ import annotations

from enum import IntEnum


class LocationKind(IntEnum):
    """What a location is. Hazard is a state over time, not a kind."""

    TOWN = 0  # town or city, where residents live and displaced people may be hosted
    SITE = 1  # camp, collective centre or displacement site, with a capacity
    BORDER = 2  # border crossing point, with a daily processing capacity
    HUB = 3  # evacuation hub (port, airport, land point), seats per day
    ABROAD = 4  # destination outside the modelled network: arrival there is an exit


class AgentType(IntEnum):
    """MCOF populations carried as agents."""

    MIGRANT = 0  # international migrant in the crisis country
    IDP = 1  # internally displaced household or person
    HOST_HOUSEHOLD = 2  # resident household that may host, or flee and become an IDP


class Status(IntEnum):
    """Where an agent stands in its displacement."""

    AT_HOME = 0
    ON_THE_MOVE = 1
    IN_SITE = 2
    HOSTED = 3
    SELF_SETTLED = 4  # displaced, staying in a town without a host (rent, kin, open space)
    WAITING = 5  # in a queue at a border, hub or full site
    STRANDED = 6  # in a queue for longer than the stranding threshold
    TRAPPED = 7  # wants to leave a hazard but no permitted route exists
    RETURNED = 8
    CROSSED_BORDER = 9  # reached a destination abroad: left the network
    EVACUATED = 10  # left the network through an evacuation hub


class Phase(IntEnum):
    PRE_CRISIS = 0
    EMERGENCY = 1
    RECOVERY = 2


class RouteMode(IntEnum):
    ROAD = 0
    SEA = 1
    AIR = 2


def code_name(code: IntEnum) -> str:
    """The lower-case name written in configs and results (`host_household`, `in_site`)."""
    return code.name.lower()


def parse_code(enum: type[IntEnum], text: str) -> IntEnum | None:
    """Read a lower-case name back into its code; None when unknown."""
    try:
        return enum[text.strip().upper()]
    except KeyError:
        return None


#: statuses of persons who are displaced and still inside the network
DISPLACED_STATUSES = (
    Status.ON_THE_MOVE,
    Status.IN_SITE,
    Status.HOSTED,
    Status.SELF_SETTLED,
    Status.WAITING,
    Status.STRANDED,
)
#: statuses that end an agent's presence in the network (declared exits)
EXIT_STATUSES = (Status.CROSSED_BORDER, Status.EVACUATED)
N_STATUS = len(Status)
N_TYPE = len(AgentType)
