"""Records rebuilt from the events a store keeps, as they stand or as they stood
at a past moment.

The rebuild is trusted (``trusted_replay``): each stored step's recorded effects
are applied again without taking the step through its checks, which it passed
when the store wrote it; the hash chain shows any change since (``verify``).
``verify --deep`` and the import of outside histories take every step again."""

from collections.abc import Callable, Iterator

from pendulum import DateTime

from banshishi._core.errors import NotFoundError
from banshishi._core.time import as_datetime, optional_moment
from banshishi._metrics.summary import IssueSummary
from banshishi._model.confidential import flagged_since
from banshishi._model.event import Event
from banshishi._model.issue import Issue
from banshishi._model.pledge import Pledge
from banshishi._model.vocabulary import Subject
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.pledge_ledger import PledgeLedger
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.trusted_replay import restore, trusted_replay, trusted_replay_pledge

from .event_store import EventStore


def stored_history(store: EventStore, subject: Subject, record_id: str) -> tuple[Event, ...]:
    """One record's events in the store, oldest first; a record with none is not found."""
    events = tuple(stored.event for stored in store.events(subject, record_id))
    if not events:
        raise NotFoundError(
            field=f"{subject.value}_id", value=record_id, problem="is not in the store"
        )
    return events


def recorded(
    store: EventStore, subject: Subject, as_of: DateTime | None = None
) -> Iterator[tuple[str, tuple[Event, ...]]]:
    """Each record's events, up to ``as_of`` if given; records with none by then
    are left out."""
    moment = optional_moment(as_of, field="as_of")
    for record_id, stored in store.records(subject):
        events = tuple(s.event for s in stored if moment is None or s.event.at <= moment)
        if events:
            yield record_id, events


def rebuilt_issues(
    store: EventStore, policy: WorkflowPolicy, as_of: DateTime | None = None
) -> Iterator[Issue]:
    """Every issue rebuilt from its events (up to ``as_of`` if given)."""
    for _, events in recorded(store, Subject.ISSUE, as_of):
        yield trusted_replay(events, policy=policy)


def published_issues(
    store: EventStore, policy: WorkflowPolicy, as_of: DateTime | None = None
) -> Iterator[Issue]:
    """Every issue rebuilt as it stood at ``as_of`` (as it stands if ``None``), for
    what is published now: one marked confidential since is flagged so
    (:func:`flagged_since`), read off the same events."""
    moment = optional_moment(as_of, field="as_of")
    for _, stored in store.records(Subject.ISSUE):
        events = tuple(s.event for s in stored)
        then = events if moment is None else tuple(e for e in events if e.at <= moment)
        if then:
            yield flagged_since(trusted_replay(then, policy=policy), events[len(then) :])


def rebuilt_pledges(
    store: EventStore, policy: WorkflowPolicy, as_of: DateTime | None = None
) -> Iterator[Pledge]:
    """Every pledge rebuilt from its events (up to ``as_of`` if given)."""
    for _, events in recorded(store, Subject.PLEDGE, as_of):
        yield trusted_replay_pledge(events, policy=policy)


def rebuilt_ledger(store: EventStore, policy: WorkflowPolicy, as_of: DateTime | None) -> Ledger:
    """A new in-memory :class:`Ledger` of every issue rebuilt (up to ``as_of``)."""
    ledger = Ledger(policy=policy)
    for _, events in recorded(store, Subject.ISSUE, as_of):
        restore(events, policy=policy, into=ledger)
    return ledger


def rebuilt_pledge_ledger(
    store: EventStore, policy: WorkflowPolicy, as_of: DateTime | None
) -> PledgeLedger:
    """A new in-memory :class:`PledgeLedger` of every pledge rebuilt (up to ``as_of``)."""
    ledger = PledgeLedger(policy=policy)
    for _, events in recorded(store, Subject.PLEDGE, as_of):
        restore(events, policy=policy, into=ledger)
    return ledger


def summaries_as_of(
    store: EventStore,
    policy: WorkflowPolicy,
    as_of: DateTime,
    progress: Callable[[int, int], None] | None = None,
) -> list[IssueSummary]:
    """Every issue's summary line as it stood at ``as_of``; ``progress(done,
    total)`` is told as issues are rebuilt."""
    moment = as_datetime(as_of, field="as_of")
    total = sum(n for _, _, n in store.issue_fact_counts(at=moment))
    lines: list[IssueSummary] = []
    for done, issue in enumerate(rebuilt_issues(store, policy, moment), start=1):
        lines.append(IssueSummary.of(issue, version=len(issue.history)))
        if progress is not None and done % 100 == 0:
            progress(done, total)
    if progress is not None:
        progress(total, total)
    return lines
