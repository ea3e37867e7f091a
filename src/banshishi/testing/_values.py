"""Strategies for the small values records are made of: ids, text, moments, units
and unit trees, actors, people, places, feedback, evaluations, milestones and
audit events. Every value drawn is valid; a test that wants bad input starts from
one and breaks a single field.

Import them from :mod:`banshishi.testing.strategies`.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import pendulum
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi._core.time import DEFAULT_TIMEZONE
from banshishi._model.evaluation import Evaluation, Feedback, FeedbackMethod, RaterKind
from banshishi._model.event import Event
from banshishi._model.location import Location
from banshishi._model.milestone import Milestone
from banshishi._model.people import Actor, Person, Role, id_number_check_digit
from banshishi._model.units import Level, Unit, UnitTree
from banshishi._model.vocabulary import IssueStatus, Rating

EARLIEST = pendulum.datetime(2004, 1, 1, tz="UTC")
"""Where :func:`moments` starts by default: early enough for a ledger's old years."""
SPAN = pendulum.duration(days=26 * 365)
"""How far past ``EARLIEST`` :func:`moments` reaches by default (to the end of 2029)."""
SPAN_AFTER = pendulum.duration(days=400)
"""How far past ``after`` :func:`moments` reaches when given ``after``."""

Zones = Sequence[str]
"""Names of time zones (``"Asia/Shanghai"``, ``"UTC"``), that drawn moments are shown in."""
SHANGHAI: Zones = (DEFAULT_TIMEZONE,)
"""The zone moments are shown in unless told: Asia/Shanghai."""

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"


def record_ids() -> st.SearchStrategy[str]:
    """Ids of issues, pledges and people: 1 to 12 lower-case letters, digits and dashes."""
    return st.text(alphabet=_ID_ALPHABET, min_size=1, max_size=12)


def unit_ids() -> st.SearchStrategy[str]:
    """Ids of units, in the same alphabet as :func:`record_ids`."""
    return record_ids()


def texts() -> st.SearchStrategy[str]:
    """Text that is not blank (a title, a name, a note that must say something)."""
    return st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")


def any_text() -> st.SearchStrategy[str]:
    """Any short text, the empty one included (a description, a comment)."""
    return st.text(max_size=20)


@st.composite
def moments(
    draw: st.DrawFn,
    *,
    after: DateTime | None = None,
    timezones: Zones = SHANGHAI,
) -> DateTime:
    """Aware instants to the microsecond, shown in one of ``timezones`` (Asia/Shanghai
    unless told): from 2004 to the end of 2029, or within 400 days of ``after``
    (``after`` itself included) when given."""
    base = after or EARLIEST
    span = SPAN if after is None else SPAN_AFTER
    seconds = draw(st.integers(min_value=0, max_value=int(span.total_seconds())))
    micro = draw(st.integers(min_value=0, max_value=999_999))
    zone = draw(st.sampled_from(timezones))
    moment: DateTime = base.add(seconds=seconds, microseconds=micro).in_timezone(zone)
    return moment


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    """Mainland mobile numbers: 11 digits starting with 1."""
    return "1" + draw(st.text(alphabet="0123456789", min_size=10, max_size=10))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Resident ID numbers (身份证号) with a correct GB 11643 check character."""
    body = draw(st.text(alphabet="0123456789", min_size=17, max_size=17))
    return body + id_number_check_digit(body)


def people() -> st.SearchStrategy[Person]:
    """People who raise issues, some with a mobile, an ID number, an address or a unit."""
    return st.builds(
        Person,
        id=record_ids(),
        name=texts(),
        mobile=st.none() | mobiles(),
        id_number=st.none() | id_numbers(),
        address=st.none() | texts(),
        unit=st.none() | unit_ids(),
    )


def locations() -> st.SearchStrategy[Location]:
    """Places: a division code with an address, or with coordinates."""
    return st.one_of(
        st.builds(
            Location,
            division_code=st.sampled_from(["150102", "150102001", "150102001001"]),
            address=any_text(),
        ),
        st.builds(
            Location,
            division_code=st.just("110101"),
            latitude=st.floats(min_value=-90, max_value=90),
            longitude=st.floats(min_value=-180, max_value=180),
        ),
    )


def units(*, ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Unit]:
    """Units at any level, without a parent."""
    return st.builds(
        Unit,
        id=unit_ids() if ids is None else ids,
        name=texts(),
        level=st.sampled_from(list(Level)),
    )


@st.composite
def unit_trees(draw: st.DrawFn, *, min_size: int = 1, max_size: int = 8) -> UnitTree:
    """Valid unit hierarchies of ``min_size`` to ``max_size`` units: each unit hangs
    under an earlier one at its own level or below (a county bureau under the county),
    or is the top of a tree of its own. The first unit is always a top."""
    ids = draw(st.lists(unit_ids(), min_size=min_size, max_size=max_size, unique=True))
    made: list[Unit] = []
    for uid in ids:
        parent = draw(st.none() | st.sampled_from(made)) if made else None
        lowest = 0 if parent is None else parent.level.depth
        level = draw(st.sampled_from(list(Level)[lowest:]))
        made.append(
            Unit(
                id=uid,
                name=draw(texts()),
                level=level,
                parent=None if parent is None else parent.id,
            )
        )
    return UnitTree(made)


def actors(
    *,
    roles: Iterable[Role] = tuple(Role),
    units: Iterable[str] | None = None,
    ids: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Actor]:
    """Actors in one of ``roles`` (any role unless told), acting for one of ``units``
    (unit ids; a :class:`UnitTree`'s ids are ``[unit.id for unit in tree]``) or for
    none. Which steps an actor may take is the workflow's business: use
    :func:`issue_histories` for steps that are allowed."""
    unit_choice = st.none() | (unit_ids() if units is None else st.sampled_from(list(units)))
    return st.builds(
        Actor,
        id=record_ids() if ids is None else ids,
        role=st.sampled_from(list(roles)),
        unit=unit_choice,
    )


@st.composite
def feedback(
    draw: st.DrawFn, *, after: DateTime | None = None, timezones: Zones = SHANGHAI
) -> Feedback:
    """Answers (反馈) to a requester, given after ``after`` when told."""
    return Feedback(
        at=draw(moments(after=after, timezones=timezones)),
        content=draw(texts()),
        method=draw(st.sampled_from(list(FeedbackMethod))),
        unit=draw(st.none() | unit_ids()),
        responder=draw(st.none() | record_ids()),
    )


@st.composite
def evaluations(
    draw: st.DrawFn,
    *,
    issue_id: str | None = None,
    after: DateTime | None = None,
    timezones: Zones = SHANGHAI,
) -> Evaluation:
    """Ratings (好差评) of ``issue_id`` (any id unless told), in rounds 1 to 4,
    given after ``after`` when told."""
    return Evaluation(
        issue_id=issue_id if issue_id is not None else draw(record_ids()),
        rating=draw(st.sampled_from(list(Rating))),
        resolved=draw(st.booleans()),
        at=draw(moments(after=after, timezones=timezones)),
        rater_kind=draw(st.sampled_from(list(RaterKind))),
        rater=draw(st.none() | record_ids()),
        comment=draw(any_text()),
        round=draw(st.integers(min_value=1, max_value=4)),
    )


@st.composite
def milestones(
    draw: st.DrawFn, *, after: DateTime | None = None, timezones: Zones = SHANGHAI
) -> Milestone:
    """Milestones (节点) of a tracked item or a pledge, due and done or not."""
    later = moments(after=after, timezones=timezones)
    return Milestone(
        name=draw(texts()),
        weight=draw(st.integers(min_value=1, max_value=10)),
        due=draw(st.none() | later),
        done_at=draw(st.none() | later),
    )


def json_values() -> st.SearchStrategy[Any]:
    """Small JSON values as ``json.loads`` gives them (what an event's data may hold):
    scalars, lists and objects."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | any_text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text(), inner, max_size=3),
        max_leaves=8,
    )


@st.composite
def events(
    draw: st.DrawFn,
    *,
    at: DateTime | None = None,
    from_status: IssueStatus | None = None,
    to_status: IssueStatus | None = None,
    timezones: Zones = SHANGHAI,
) -> Event:
    """Audit events with any name, actor and data: valid records, not steps the
    workflow would take (for those, see :func:`issue_histories`)."""
    statuses = list(IssueStatus)
    return Event(
        name=draw(texts()),
        actor=draw(record_ids()),
        role=draw(st.sampled_from(list(Role))),
        unit=draw(st.none() | unit_ids()),
        at=at if at is not None else draw(moments(timezones=timezones)),
        from_status=from_status,
        to_status=to_status if to_status is not None else draw(st.sampled_from(statuses)),
        note=draw(any_text()),
        data=draw(st.dictionaries(any_text(), json_values(), max_size=3)),
    )
