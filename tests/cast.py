"""The tests' cast: the county most workflow tests follow, the front desks the
store and input tests receive issues at, and the plainest issue there is.

Import it as ``cast`` (like ``strategies``). A test module whose cast differs
(other unit ids, other people) keeps its own; the pledge tests' cast is in
``pledge_steps.py`` and the random walks' in ``issue_walks.py``.
"""

from typing import Any

import pendulum

from banshishi import Actor, Channel, Issue, Level, Person, Role, Unit, UnitTree, Urgency

SHANGHAI = "Asia/Shanghai"
T0 = pendulum.datetime(2026, 3, 2, 9, tz=SHANGHAI)  # a Monday morning
DUE = pendulum.datetime(2026, 3, 12, 18, tz=SHANGHAI)  # ten days on, end of the day

# -- the county ------------------------------------------------------------------------------
# The city's 12345 hotline takes 张桂兰's call; its dispatcher sends the issue to a
# county bureau, whose handler deals with it; the county (some 旗, one level up)
# supervises and leads, and a reviewer checks the work and records ratings.

CENTRE = "city-12345"  # the hotline centre that takes issues in (received_by)
LEAD = "county-transport"  # the usual responsible unit
OTHER = "county-water"  # a unit with nothing to do with the issue
CO_UNITS = ("county-finance", "agri-bank")  # the co-units of a 共办 item
SUPERVISING = "county"  # the unit one level above LEAD

UNITS = UnitTree(
    [
        Unit(id="city", name="某市", level=Level.CITY),
        Unit(id=CENTRE, name="市12345热线", level=Level.CITY, parent="city"),
        Unit(id=SUPERVISING, name="某旗", level=Level.COUNTY, parent="city"),
        Unit(id=LEAD, name="旗交通运输局", level=Level.COUNTY, parent=SUPERVISING),
        Unit(id=OTHER, name="旗水务局", level=Level.COUNTY, parent=SUPERVISING),
        Unit(id="county-finance", name="旗财政局", level=Level.COUNTY, parent=SUPERVISING),
        Unit(id="agri-bank", name="旗农商银行", level=Level.COUNTY, parent=SUPERVISING),
    ]
)

ZHANG = Person(id="p-zhang", name="张桂兰")  # who phoned in
REQUESTER = Actor(id=ZHANG.id, role=Role.REQUESTER)
DISPATCHER = Actor(id="wang.dispatch", role=Role.DISPATCHER, unit=CENTRE)
CLERK = Actor(id="zhao.intake", role=Role.INTAKE_CLERK, unit=CENTRE)
REVIEWER = Actor(id="chen.review", role=Role.REVIEWER)
SUPERVISOR = Actor(id="sun.supervise", role=Role.SUPERVISOR, unit=SUPERVISING)
LEADER = Actor(id="liu.leader", role=Role.LEADER, unit=SUPERVISING)
PLATFORM = Actor(id="platform", role=Role.SYSTEM)
DEPUTY = Actor(id="li.deputy", role=Role.RATER)  # a deputy rating a matter they did not raise
PARTY_MEMBER = Actor(id="zhou.member", role=Role.PARTY_MEMBER)


def handler(unit: str = LEAD) -> Actor:
    """The handler of ``unit`` (of LEAD unless told)."""
    return Actor(id=f"{unit}.handler", role=Role.HANDLER, unit=unit)


HANDLER = handler()

# -- the front desks -------------------------------------------------------------------------
# A unit called "centre" takes issues in. The engine, sweep and rate tests meet its
# clerk "clerk" and dispatcher "dispatch", and a handler at "water"; the store and
# input tests meet another pair, "c-1" and "d-1" (the ledger in tests/data was
# written with them).

DESK = "centre"
DESK_CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK, unit=DESK)
DESK_DISPATCHER = Actor(id="dispatch", role=Role.DISPATCHER, unit=DESK)
WATER_HANDLER = Actor(id="h", role=Role.HANDLER, unit="water")
CLERK_C1 = Actor(id="c-1", role=Role.INTAKE_CLERK, unit=DESK)
DISPATCHER_D1 = Actor(id="d-1", role=Role.DISPATCHER, unit=DESK)


TOWNS = UnitTree(
    [
        Unit(id="county", name="县政府", level=Level.COUNTY),
        Unit(id="town-1", name="一镇", level=Level.TOWNSHIP, parent="county"),
        Unit(id="town-2", name="二镇", level=Level.TOWNSHIP, parent="county"),
        Unit(id="village-1", name="一村", level=Level.VILLAGE, parent="town-1"),
    ]
)
"""A county of two towns and a village, the tree tests/data/schema1-ledger.db was written with."""


def new_issue(issue_id: str = "i", **fields: Any) -> Issue:
    """The plainest issue: a street light out (路灯不亮), phoned in to the hotline,
    urgent, received at T0. Any field may be given, ``id`` included; a module with
    its own moment or desk binds them once, e.g.
    ``issue = functools.partial(new_issue, received_at=T0, received_by="centre")``."""
    values: dict[str, Any] = {
        "id": issue_id,
        "title": "路灯不亮",
        "channel": Channel.HOTLINE,
        "urgency": Urgency.URGENT,
        "received_at": T0,
    }
    return Issue(**{**values, **fields})


# -- chains of units, for work handed down (下派) ------------------------------------------

STREET, COMMUNITY = "street-east", "community-3"
CHAIN = UnitTree(
    [
        Unit(id="city", name="某市", level=Level.CITY),
        Unit(id=CENTRE, name="市12345热线", level=Level.CITY, parent="city"),
        Unit(id=LEAD, name="区住建委", level=Level.COUNTY, parent="city"),
        Unit(id=STREET, name="东街道", level=Level.TOWNSHIP, parent=LEAD),
        Unit(id=COMMUNITY, name="三社区", level=Level.VILLAGE, parent=STREET),
    ]
)
"""The hotline centre and the lead unit, with a street office under the lead unit
and a community under that: two levels the work can be handed down."""
WORKS = UnitTree(
    [
        Unit(id="county", name="某县", level=Level.COUNTY),
        Unit(id="centre", name="县12345热线", level=Level.COUNTY, parent="county"),
        Unit(id="works", name="县住建局", level=Level.COUNTY, parent="county"),
        Unit(id="street", name="东街道", level=Level.TOWNSHIP, parent="works"),
        Unit(id="village", name="三社区", level=Level.VILLAGE, parent="street"),
    ]
)
"""A county's works bureau with a street office under it and a community under
that, for the messages a chain of dispatches owes."""
