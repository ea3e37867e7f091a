"""Hypothesis strategies for banshishi's models, shared by every test module.

Each strategy builds only valid records; tests that need bad input start from
one of these and break a single field.
"""

import attrs
import pendulum
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    Channel,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    Level,
    Location,
    Milestone,
    Person,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    ProjectCharter,
    Rate,
    RaterKind,
    Rating,
    Role,
    Subject,
    TargetGroup,
    Track,
    Unit,
    Urgency,
)
from banshishi._model.people import id_number_check_digit

ZONES = ("Asia/Shanghai", "Asia/Urumqi", "UTC", "Europe/London", "America/New_York")

ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
texts = st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != "")
any_text = st.text(max_size=20)


@st.composite
def moments(draw: st.DrawFn, *, after: DateTime | None = None) -> DateTime:
    """Aware instants between 2004 and 2030 in one of several zones, to the microsecond."""
    base = after or pendulum.datetime(2004, 1, 1, tz="UTC")
    seconds = draw(
        st.integers(min_value=0, max_value=26 * 365 * 86400 if after is None else 400 * 86400)
    )
    micro = draw(st.integers(min_value=0, max_value=999_999))
    zone = draw(st.sampled_from(ZONES))
    return base.add(seconds=seconds, microseconds=micro).in_timezone(zone)


def fixed_offset_moments() -> st.SearchStrategy[DateTime]:
    """Instants carrying only an offset (no zone name), as parsed from plain RFC 3339."""
    return st.builds(
        lambda m, hours: m.in_timezone(pendulum.FixedTimezone(hours * 3600)),
        moments(),
        st.integers(min_value=-11, max_value=14),
    )


rates = st.integers(min_value=0, max_value=10**9).flatmap(
    lambda d: st.builds(Rate, st.integers(min_value=0, max_value=d), st.just(d))
)


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    return "1" + draw(st.text(alphabet="0123456789", min_size=10, max_size=10))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=17, max_size=17))
    return body + id_number_check_digit(body)


people = st.builds(
    Person,
    id=ids,
    name=texts,
    mobile=st.none() | mobiles(),
    id_number=st.none() | id_numbers(),
    address=st.none() | texts,
    unit=st.none() | ids,
)

locations = st.one_of(
    st.builds(
        Location,
        division_code=st.sampled_from(["150102", "150102001", "150102001001"]),
        address=any_text,
    ),
    st.builds(
        Location,
        division_code=st.just("110101"),
        latitude=st.floats(min_value=-90, max_value=90),
        longitude=st.floats(min_value=-180, max_value=180),
    ),
)

units = st.builds(Unit, id=ids, name=texts, level=st.sampled_from(list(Level)))

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def events(
    draw: st.DrawFn,
    *,
    at: DateTime | None = None,
    from_status: IssueStatus | None = None,
    to_status: IssueStatus | None = None,
) -> Event:
    return Event(
        name=draw(texts),
        actor=draw(ids),
        role=draw(st.sampled_from(list(Role))),
        unit=draw(st.none() | ids),
        at=at if at is not None else draw(moments()),
        from_status=from_status,
        to_status=to_status if to_status is not None else draw(st.sampled_from(list(IssueStatus))),
        note=draw(any_text),
        data=draw(st.dictionaries(any_text, json_values, max_size=3)),
    )


@st.composite
def feedback(draw: st.DrawFn, *, after: DateTime | None = None) -> Feedback:
    return Feedback(
        at=draw(moments(after=after)),
        content=draw(texts),
        method=draw(st.sampled_from(list(FeedbackMethod))),
        unit=draw(st.none() | ids),
        responder=draw(st.none() | ids),
    )


@st.composite
def evaluations(
    draw: st.DrawFn, *, issue_id: str | None = None, after: DateTime | None = None
) -> Evaluation:
    return Evaluation(
        issue_id=issue_id if issue_id is not None else draw(ids),
        rating=draw(st.sampled_from(list(Rating))),
        resolved=draw(st.booleans()),
        at=draw(moments(after=after)),
        rater_kind=draw(st.sampled_from(list(RaterKind))),
        rater=draw(st.none() | ids),
        comment=draw(any_text),
        round=draw(st.integers(min_value=1, max_value=4)),
    )


def closure_time(history: list[Event]) -> DateTime:
    """When a history ending closed was closed: its last entry into 已办结 (a step
    from closed to closed, such as a late rating, is not one), else its last event."""
    entries = [
        event.at
        for event in history
        if event.to_status is IssueStatus.CLOSED and event.from_status is not IssueStatus.CLOSED
    ]
    return entries[-1] if entries else history[-1].at


@st.composite
def milestones(draw: st.DrawFn, *, after: DateTime | None = None) -> Milestone:
    return Milestone(
        name=draw(texts),
        weight=draw(st.integers(min_value=1, max_value=10)),
        due=draw(st.none() | moments(after=after)),
        done_at=draw(st.none() | moments(after=after)),
    )


@st.composite
def issues(draw: st.DrawFn) -> Issue:
    """A valid issue with a consistent history chain, feedback and evaluations."""
    issue_id = draw(ids)
    received = draw(moments())
    path = draw(st.lists(st.sampled_from(list(IssueStatus)), max_size=5))
    history: list[Event] = []
    at = received
    previous: IssueStatus | None = None
    for status in [IssueStatus.RECEIVED, *path]:
        at = at.add(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 5)))
        history.append(draw(events(at=at, from_status=previous, to_status=status)))
        previous = status
    keep_history = draw(st.booleans())
    status = history[-1].to_status
    answered = (IssueStatus.ANSWERED, IssueStatus.CLOSED)
    fb = draw(st.lists(feedback(after=received), max_size=2))
    if any(event.to_status in answered for event in history):
        # Nothing is answered or closed before the first feedback: answer on receipt.
        fb.insert(0, attrs.evolve(draw(feedback()), at=received))
    responsible = draw(st.none() | ids)
    co_units = draw(st.lists(ids.filter(lambda u: u != responsible), max_size=3, unique=True))
    rated = draw(st.lists(evaluations(issue_id=issue_id, after=received), max_size=2))
    handling_round = max([e.round for e in rated], default=1) + draw(st.integers(0, 2))
    return Issue(
        id=issue_id,
        title=draw(texts),
        channel=draw(st.sampled_from(list(Channel))),
        urgency=draw(st.sampled_from(list(Urgency))),
        received_at=received,
        track=draw(st.sampled_from(list(Track))),
        description=draw(any_text),
        category=draw(any_text),
        target_groups=frozenset(draw(st.lists(st.sampled_from(list(TargetGroup)), max_size=3))),
        location=draw(st.none() | locations),
        requester=draw(st.none() | people),
        received_by=draw(st.none() | ids),
        responsible_unit=responsible,
        responsible_person=draw(st.none() | ids),
        requirements=draw(any_text),
        deadline=draw(st.none() | moments(after=received)),
        co_units=tuple(co_units),
        supervising_unit=draw(st.none() | ids),
        supervisor=draw(st.none() | ids),
        signed_off_by=draw(st.none() | ids),
        parts_reported=tuple(draw(st.lists(st.sampled_from(co_units), unique=True)))
        if co_units
        else (),
        milestones=tuple(
            draw(st.lists(milestones(after=received), max_size=3, unique_by=lambda m: m.name))
        ),
        round=handling_round,
        duplicate_of=draw(st.none() | ids.filter(lambda other: other != issue_id)),
        status=status,
        closed_at=closure_time(history) if status is IssueStatus.CLOSED else None,
        feedback=tuple(fb),
        evaluations=tuple(rated),
        history=tuple(history) if keep_history else (),
    )


@st.composite
def charters(draw: st.DrawFn, *, after: DateTime | None = None) -> ProjectCharter:
    """A key project's charter (实事项目书), due after ``after`` when given."""
    return ProjectCharter(
        goal=draw(texts),
        measures=tuple(draw(st.lists(texts, max_size=3, unique=True))),
        lead=draw(ids),
        task_force=tuple(draw(st.lists(ids, max_size=3, unique=True))),
        deadline=draw(moments(after=after)),
    )


@st.composite
def pledge_histories(
    draw: st.DrawFn, *, claimed: DateTime, status: PledgeStatus
) -> tuple[Event, ...]:
    """A chain of pledge events from ``claimed`` on that ends in ``status``."""
    path = [*draw(st.lists(st.sampled_from(list(PledgeStatus)), max_size=3)), status]
    previous: PledgeStatus | None = draw(st.none() | st.sampled_from(list(PledgeStatus)))
    at = claimed
    chain: list[Event] = []
    for to_status in path:
        at = at.add(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 5)))
        chain.append(
            Event(
                name=draw(texts),
                actor=draw(ids),
                role=draw(st.sampled_from(list(Role))),
                unit=draw(st.none() | ids),
                at=at,
                from_status=previous,
                to_status=to_status,
                note=draw(any_text),
                data=draw(st.dictionaries(any_text, json_values, max_size=2)),
                subject=Subject.PLEDGE,
            )
        )
        previous = to_status
    return tuple(chain)


@st.composite
def pledges(draw: st.DrawFn) -> Pledge:
    """A valid pledge in any status, with the fields its status asks for and no more."""
    pledge_id = draw(ids)
    claimed = draw(moments())
    status = draw(st.sampled_from(list(PledgeStatus)))
    list_kind = draw(st.sampled_from(list(PledgeListKind)))
    fulfilled = status is PledgeStatus.FULFILLED
    later = moments(after=claimed)
    plan = draw(st.lists(milestones(after=claimed), max_size=3, unique_by=lambda m: m.name))
    if fulfilled:  # a fulfilled pledge has every milestone done
        plan = [m if m.done_at is not None else attrs.evolve(m, done_at=draw(later)) for m in plan]
    key = list_kind is PledgeListKind.KEY_PROJECT
    return Pledge(
        id=pledge_id,
        title=draw(texts),
        pledger=draw(ids),
        pledger_kind=draw(st.sampled_from(list(PledgerKind))),
        list_kind=list_kind,
        claimed_at=claimed,
        unit=draw(st.none() | ids),
        issue=draw(st.none() | ids),
        deadline=draw(st.none() | later),
        charter=draw(st.none() | charters(after=claimed)) if key else None,
        milestones=tuple(plan),
        parent=draw(st.none() | ids.filter(lambda other: other != pledge_id)),
        weight=draw(st.none() | st.integers(min_value=0, max_value=10)),
        status=status,
        published_at=None if status is PledgeStatus.DRAFT else draw(st.none() | later),
        fulfilled_at=draw(later) if fulfilled else None,
        withdrawn_at=draw(st.none() | later) if status is PledgeStatus.WITHDRAWN else None,
        history=draw(st.just(()) | pledge_histories(claimed=claimed, status=status)),
    )
