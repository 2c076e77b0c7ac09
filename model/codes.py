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
    """Where an agent stands in its displacement.

    Ordered on purpose: codes up to TRAPPED are people at home (not displaced), codes from CROSSED_BORDER
    on are exits from the network; the kernels test these ranges.
    """

    AT_HOME = 0
    RETURNED = 1  # back home after displacement (a durable solution)
    LOCALLY_INTEGRATED = 2  # settled for good where displaced, e.g. with a rental subsidy (a durable solution)
    TRAPPED = 3  # wants to leave a hazard but no permitted route exists
    ON_THE_MOVE = 4
    IN_SITE = 5
    HOSTED = 6
    SELF_SETTLED = 7  # displaced, staying in a town without a host (rent, kin, open space)
    WAITING = 8  # in a queue at a border, hub or full site
    STRANDED = 9  # in a queue for longer than the stranding threshold
    CROSSED_BORDER = 10  # reached a destination abroad: left the network
    EVACUATED = 11  # left the network through an evacuation hub
    RESETTLED = 12  # left the network for a third country (a durable solution)


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
EXIT_STATUSES = (Status.CROSSED_BORDER, Status.EVACUATED, Status.RESETTLED)
#: statuses of people who are not displaced
HOME_STATUSES = (Status.AT_HOME, Status.RETURNED, Status.LOCALLY_INTEGRATED, Status.TRAPPED)
N_STATUS = len(Status)
N_TYPE = len(AgentType)
