"""Strategies for whole records: issues and pledges, new (as intake or a claim
leaves them, ready for a ledger) or in any status (for serialising, reporting and
disclosing them).

Import them from :mod:`banshishi.testing.strategies`.
"""

from collections.abc import Sequence

import attrs
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi._model.event import Event
from banshishi._model.issue import Issue
from banshishi._model.people import Role
from banshishi._model.pledge import Pledge, PledgeListKind, PledgerKind, ProjectCharter
from banshishi._model.vocabulary import (
    Channel,
    IssueStatus,
    PledgeStatus,
    Subject,
    TargetGroup,
    Track,
    Urgency,
)

from ._values import (
    SHANGHAI,
    Zones,
    any_text,
    evaluations,
    events,
    feedback,
    json_values,
    locations,
    milestones,
    moments,
    people,
    record_ids,
    texts,
    unit_ids,
)


def closure_time(history: Sequence[Event]) -> DateTime:
    """When a history ending closed was closed: its last entry into 已办结 (a step
    from closed to closed, such as a late rating, is not one), else its last event."""
    entries = [
        event.at
        for event in history
        if event.to_status is IssueStatus.CLOSED and event.from_status is not IssueStatus.CLOSED
    ]
    return entries[-1] if entries else history[-1].at


@st.composite
def new_issues(
    draw: st.DrawFn,
    *,
    ids: st.SearchStrategy[str] | None = None,
    received_at: st.SearchStrategy[DateTime] | None = None,
    tracks: Sequence[Track] = tuple(Track),
    received_by: st.SearchStrategy[str | None] | None = None,
    timezones: Zones = SHANGHAI,
) -> Issue:
    """Issues as intake leaves them (status 已受理, nothing transferred, answered or
    rated, no history): what :meth:`Ledger.receive` and :meth:`LedgerStore.receive`
    take. Some are anonymous, some carry a place and target groups, some repeat an
    earlier issue (``repeat_of``)."""
    issue_id = draw(record_ids() if ids is None else ids)
    return Issue(
        id=issue_id,
        title=draw(texts()),
        channel=draw(st.sampled_from(list(Channel))),
        urgency=draw(st.sampled_from(list(Urgency))),
        received_at=draw(moments(timezones=timezones) if received_at is None else received_at),
        track=draw(st.sampled_from(list(tracks))),
        description=draw(any_text()),
        category=draw(any_text()),
        target_groups=frozenset(draw(st.lists(st.sampled_from(list(TargetGroup)), max_size=3))),
        location=draw(st.none() | locations()),
        requester=draw(st.none() | people()),
        received_by=draw(st.none() | unit_ids() if received_by is None else received_by),
        repeat_of=draw(st.none() | record_ids().filter(lambda other: other != issue_id)),
    )


@st.composite
def issues(draw: st.DrawFn, *, timezones: Zones = SHANGHAI) -> Issue:
    """Valid issues in any status, with a consistent chain of audit events (kept or
    not), feedback and evaluations: records as a system might hold them, for
    serialising, reporting and disclosing. Their events are not steps the workflow
    took; for those, see :func:`issue_histories`."""
    issue_id = draw(record_ids())
    later = moments(timezones=timezones)
    received = draw(later)
    path = draw(st.lists(st.sampled_from(list(IssueStatus)), max_size=5))
    history: list[Event] = []
    at = received
    previous: IssueStatus | None = None
    for status in [IssueStatus.RECEIVED, *path]:
        at = at.add(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 5)))
        step = events(at=at, from_status=previous, to_status=status, timezones=timezones)
        history.append(draw(step))
        previous = status
    keep_history = draw(st.booleans())
    status = path[-1] if path else IssueStatus.RECEIVED
    answered = (IssueStatus.ANSWERED, IssueStatus.CLOSED)
    fb = draw(st.lists(feedback(after=received, timezones=timezones), max_size=2))
    if any(event.to_status in answered for event in history):
        # Nothing is answered or closed before the first feedback: answer on receipt.
        fb.insert(0, attrs.evolve(draw(feedback(timezones=timezones)), at=received))
    responsible = draw(st.none() | unit_ids())
    others = unit_ids().filter(lambda u: u != responsible)
    co_units = draw(st.lists(others, max_size=3, unique=True))
    rated = draw(
        st.lists(evaluations(issue_id=issue_id, after=received, timezones=timezones), max_size=2)
    )
    handling_round = max([e.round for e in rated], default=1) + draw(st.integers(0, 2))
    plan = milestones(after=received, timezones=timezones)
    return Issue(
        id=issue_id,
        title=draw(texts()),
        channel=draw(st.sampled_from(list(Channel))),
        urgency=draw(st.sampled_from(list(Urgency))),
        received_at=received,
        track=draw(st.sampled_from(list(Track))),
        description=draw(any_text()),
        category=draw(any_text()),
        target_groups=frozenset(draw(st.lists(st.sampled_from(list(TargetGroup)), max_size=3))),
        location=draw(st.none() | locations()),
        requester=draw(st.none() | people()),
        received_by=draw(st.none() | unit_ids()),
        responsible_unit=responsible,
        responsible_person=draw(st.none() | record_ids()),
        requirements=draw(any_text()),
        deadline=draw(st.none() | moments(after=received, timezones=timezones)),
        co_units=tuple(co_units),
        supervising_unit=draw(st.none() | unit_ids()),
        supervisor=draw(st.none() | record_ids()),
        signed_off_by=draw(st.none() | record_ids()),
        parts_reported=tuple(draw(st.lists(st.sampled_from(co_units), unique=True)))
        if co_units
        else (),
        milestones=tuple(draw(st.lists(plan, max_size=3, unique_by=lambda m: m.name))),
        round=handling_round,
        duplicate_of=draw(st.none() | record_ids().filter(lambda other: other != issue_id)),
        status=status,
        closed_at=closure_time(history) if status is IssueStatus.CLOSED else None,
        feedback=tuple(fb),
        evaluations=tuple(rated),
        repeat_of=draw(st.none() | record_ids().filter(lambda other: other != issue_id)),
        history=tuple(history) if keep_history else (),
    )


@st.composite
def charters(
    draw: st.DrawFn, *, after: DateTime | None = None, timezones: Zones = SHANGHAI
) -> ProjectCharter:
    """Key projects' charters (实事项目书), due after ``after`` when given."""
    return ProjectCharter(
        goal=draw(texts()),
        measures=tuple(draw(st.lists(texts(), max_size=3, unique=True))),
        lead=draw(record_ids()),
        task_force=tuple(draw(st.lists(unit_ids(), max_size=3, unique=True))),
        deadline=draw(moments(after=after, timezones=timezones)),
    )


@st.composite
def pledge_events(draw: st.DrawFn, *, claimed: DateTime, status: PledgeStatus) -> tuple[Event, ...]:
    """A chain of pledge audit events from ``claimed`` on that ends in ``status``."""
    path = [*draw(st.lists(st.sampled_from(list(PledgeStatus)), max_size=3)), status]
    previous: PledgeStatus | None = draw(st.none() | st.sampled_from(list(PledgeStatus)))
    at = claimed
    chain: list[Event] = []
    for to_status in path:
        at = at.add(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 5)))
        chain.append(
            Event(
                name=draw(texts()),
                actor=draw(record_ids()),
                role=draw(st.sampled_from(list(Role))),
                unit=draw(st.none() | unit_ids()),
                at=at,
                from_status=previous,
                to_status=to_status,
                note=draw(any_text()),
                data=draw(st.dictionaries(any_text(), json_values(), max_size=2)),
                subject=Subject.PLEDGE,
            )
        )
        previous = to_status
    return tuple(chain)


@st.composite
def new_pledges(
    draw: st.DrawFn,
    *,
    ids: st.SearchStrategy[str] | None = None,
    claimed_at: st.SearchStrategy[DateTime] | None = None,
    list_kinds: Sequence[PledgeListKind] = tuple(PledgeListKind),
    timezones: Zones = SHANGHAI,
) -> Pledge:
    """Pledges as they are claimed (drafts, no history, no milestone done): what
    :meth:`PledgeLedger.claim` and :meth:`LedgerStore.claim` take."""
    claimed = draw(moments(timezones=timezones) if claimed_at is None else claimed_at)
    list_kind = draw(st.sampled_from(list(list_kinds)))
    key = list_kind is PledgeListKind.KEY_PROJECT
    plan = milestones(after=claimed, timezones=timezones).map(
        lambda m: attrs.evolve(m, done_at=None)
    )
    return Pledge(
        id=draw(record_ids() if ids is None else ids),
        title=draw(texts()),
        pledger=draw(record_ids()),
        pledger_kind=draw(st.sampled_from(list(PledgerKind))),
        list_kind=list_kind,
        claimed_at=claimed,
        unit=draw(st.none() | unit_ids()),
        issue=draw(st.none() | record_ids()),
        deadline=draw(st.none() | moments(after=claimed, timezones=timezones)),
        charter=draw(st.none() | charters(after=claimed, timezones=timezones)) if key else None,
        milestones=tuple(draw(st.lists(plan, max_size=2, unique_by=lambda m: m.name))),
    )


@st.composite
def pledges(draw: st.DrawFn, *, timezones: Zones = SHANGHAI) -> Pledge:
    """Valid pledges in any status, with the fields their status asks for and no
    more: records as a system might hold them. Their events are not steps the
    workflow took; for those, see :func:`pledge_histories`."""
    pledge_id = draw(record_ids())
    claimed = draw(moments(timezones=timezones))
    status = draw(st.sampled_from(list(PledgeStatus)))
    list_kind = draw(st.sampled_from(list(PledgeListKind)))
    fulfilled = status is PledgeStatus.FULFILLED
    later = moments(after=claimed, timezones=timezones)
    drawn = milestones(after=claimed, timezones=timezones)
    plan = draw(st.lists(drawn, max_size=3, unique_by=lambda m: m.name))
    if fulfilled:  # a fulfilled pledge has every milestone done
        plan = [m if m.done_at is not None else attrs.evolve(m, done_at=draw(later)) for m in plan]
    key = list_kind is PledgeListKind.KEY_PROJECT
    return Pledge(
        id=pledge_id,
        title=draw(texts()),
        pledger=draw(record_ids()),
        pledger_kind=draw(st.sampled_from(list(PledgerKind))),
        list_kind=list_kind,
        claimed_at=claimed,
        unit=draw(st.none() | unit_ids()),
        issue=draw(st.none() | record_ids()),
        deadline=draw(st.none() | later),
        charter=draw(st.none() | charters(after=claimed, timezones=timezones)) if key else None,
        milestones=tuple(plan),
        parent=draw(st.none() | record_ids().filter(lambda other: other != pledge_id)),
        weight=draw(st.none() | st.integers(min_value=0, max_value=10)),
        status=status,
        published_at=None if status is PledgeStatus.DRAFT else draw(st.none() | later),
        fulfilled_at=draw(later) if fulfilled else None,
        withdrawn_at=draw(st.none() | later) if status is PledgeStatus.WITHDRAWN else None,
        history=draw(st.just(()) | pledge_events(claimed=claimed, status=status)),
    )
