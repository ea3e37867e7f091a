"""What one write to the store carries, and the checks on what goes into it:
events and summary lines gathered record by record (and versions of the unit
tree), then appended at once."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import (
    BanshishiError,
    BatchRefusedError,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    StoreError,
)
from banshishi._core.validators import items_given, iterable_given, whole_given
from banshishi._metrics.summary import IssueSummary, PledgeSummary
from banshishi._model.event import Event
from banshishi._model.people import Actor
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import Subject
from banshishi._notify.message import Message
from banshishi._workflow.command import Command, PledgeCommand
from banshishi._workflow.engine import Book, collector_paused
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.pledge_ledger import PledgeLedger
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.replay import replay_pledge

from .event_store import Append, ChainReport, EventStore
from .line_history import issue_versions
from .policy_history import PolicyAppend, PolicyChange
from .rebuild import recorded
from .unit_history import UnitTreeAppend, UnitTreeChange


@final
@attrs.define
class Batch:
    """The appends, summary lines and unit tree versions of one transaction
    (those written against tree version ``units_version``, or after whatever
    version the tree is at if ``None``)."""

    appends: list[Append] = attrs.Factory(list)
    issues: list[IssueSummary] = attrs.Factory(list)
    pledges: list[PledgeSummary] = attrs.Factory(list)
    units: tuple[UnitTreeChange, ...] = ()
    units_version: int | None = None
    policy: PolicyAppend | None = None
    messages: list[Message] = attrs.Factory(list)

    def add(
        self,
        record_id: str,
        events: Sequence[Event],
        start: int,
        lines: Sequence[IssueSummary | PledgeSummary],
    ) -> None:
        """Add ``events`` of one record, written against version ``start``, with
        its summary lines: an issue's after each event, a pledge's last."""
        self.appends.append(
            Append(record_id=record_id, events=tuple(events), expected_version=start)
        )
        for line in lines:
            if isinstance(line, IssueSummary):
                self.issues.append(line)
        last = lines[-1]
        if isinstance(last, PledgeSummary):
            self.pledges.append(last)

    def check(self, record_id: str, version: int) -> None:
        """Write only if the issue ``record_id``, which this write read and does not
        change, still stands at ``version`` (an append of no events)."""
        self.appends.append(Append(record_id=record_id, events=(), expected_version=version))

    def write(self, store: EventStore) -> int:
        """Append everything in one transaction; returns the events written (the
        unit tree's versions are events of the tree)."""
        units = None
        if self.units:
            units = UnitTreeAppend(changes=self.units, expected_version=self.units_version)
        policy = self.policy
        if self.appends or units is not None or (policy is not None and policy.changes):
            issues, pledges = self.issues, self.pledges
            if self.messages:
                store.append(
                    self.appends,
                    issues=issues,
                    pledges=pledges,
                    units=units,
                    policy=policy,
                    messages=self.messages,
                )
            else:  # a backend made before the outbox still takes writes that owe nothing
                store.append(
                    self.appends, issues=issues, pledges=pledges, units=units, policy=policy
                )
        kept = 0 if policy is None else len(policy.changes)
        return sum(len(append.events) for append in self.appends) + len(self.units) + kept


def tree_batch(
    tree: object, at: DateTime, actor: Actor | None, note: str, expected_version: object
) -> Batch:
    """One new version of the unit tree as a batch, its arguments checked."""
    if not isinstance(tree, UnitTree):
        raise InvalidTypeError(field="units", value=tree, problem="must be a UnitTree")
    change = UnitTreeChange(tree=tree, at=at, actor=actor, note=note)
    if expected_version is None:
        return Batch(units=(change,))
    version = whole_given(expected_version, field="expected_version")
    return Batch(units=(change,), units_version=version)


def command_target(command: object) -> tuple[Subject, str]:
    """The record a command of a batch moves."""
    if isinstance(command, Command):
        return Subject.ISSUE, command.issue_id
    if isinstance(command, PledgeCommand):
        return Subject.PLEDGE, command.pledge_id
    raise InvalidTypeError(
        field="command", value=command, problem="must be a Command or a PledgeCommand"
    )


def tree_changes(changes: object, *, field: str) -> tuple[UnitTreeChange, ...]:
    """``changes`` as a tuple, if it is an iterable of unit tree changes."""
    return tuple(items_given(changes, UnitTreeChange, field=field))


def policy_changes(changes: object, *, field: str) -> tuple[PolicyChange, ...]:
    """``changes`` as a tuple, if it is an iterable of policy changes."""
    return tuple(items_given(changes, PolicyChange, field=field))


def write_books(
    store: EventStore,
    books: Sequence[Book],
    batch_size: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Every record of ``books`` as new records, ``batch_size`` per transaction,
    telling ``progress(done, total)`` after each; returns the events written."""
    total = sum(len(book) for book in books)
    done = written = 0
    with collector_paused():
        for book in books:
            ids = list(book)
            for first in range(0, len(ids), batch_size):
                chunk = ids[first : first + batch_size]
                written += records_batch(book, chunk).write(store)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    return written


def commit(
    store: EventStore,
    touched: dict[tuple[Subject, str], int],
    book_of: Callable[[Subject], Book],
    policy_version: int | None,
    lines: Mapping[str, Sequence[IssueSummary]],
    messages: Sequence[Message] = (),
) -> int:
    """Write what the cached records ``touched`` recorded since their version
    there, in one transaction, only if the ledger's policy still stands at
    ``policy_version`` (if given); ``lines`` holds each issue's summary line
    after each of its steps, ``messages`` what the steps owe. Returns the
    events written."""
    batch = Batch(policy=PolicyAppend(expected_version=policy_version), messages=list(messages))
    for (subject, record_id), start in touched.items():
        book = book_of(subject)
        if book.version(record_id) > start:
            taken = lines[record_id] if subject is Subject.ISSUE else [book.summary(record_id)]
            # The events are kept in the cached record as built, so they are not
            # built again (if the write fails, the store drops what it touched).
            batch.add(record_id, book.events(record_id, start, keep=True), start, taken)
        elif subject is Subject.ISSUE and start:
            # Read to check a step against it (a duplicate's original): it must
            # still stand as read when the step is written.
            batch.check(record_id, start)
    return batch.write(store)


def books_given(issues: object, pledges: object) -> list[Book]:
    """The in-memory ledgers given (either may be ``None``), checked for type."""
    books: list[Book] = []
    for given, kind, field in ((issues, Ledger, "issues"), (pledges, PledgeLedger, "pledges")):
        if given is not None and not isinstance(given, kind):
            raise InvalidTypeError(field=field, value=given, problem=f"must be a {kind.__name__}")
        if given is not None:
            books.append(given)
    return books


def histories_batch(
    histories: Iterable[tuple[str, Sequence[Event]]], store: EventStore, policy: WorkflowPolicy
) -> Batch:
    """New records' whole histories as one batch, each rebuilt (and so checked)
    first; a refused one raises :class:`BatchRefusedError`."""
    batch = Batch()
    seen: set[tuple[Subject, str]] = set()
    for index, entry in enumerate(iterable_given(histories, field="histories")):
        with refused_item(index, entry, "histories"):
            record_id, recorded = history_given(entry, f"histories[{index}]")
            subject = recorded[0].subject if recorded else Subject.ISSUE
            if (subject, record_id) in seen or store.version(subject, record_id):
                raise DuplicateError(
                    field=f"{subject.value}_id", value=record_id, problem="is already stored"
                )
            seen.add((subject, record_id))
            batch.add(record_id, recorded, 0, replayed_lines(record_id, recorded, policy))
    return batch


def deep_check(store: EventStore, report: ChainReport, policy: WorkflowPolicy) -> ChainReport:
    """``report``, or what is wrong when every record rebuilt from its events is
    compared with its whole summary line."""
    try:
        lines: dict[tuple[Subject, str], Any] = {
            (Subject.ISSUE, line.id): line for line in store.issue_summaries()
        }
        lines.update({(Subject.PLEDGE, line.id): line for line in store.pledge_summaries()})
        list(store.unit_history())  # reading a version of the tree rebuilds it, or raises
        list(store.policy_history())  # and so does reading a version of the policy
    except StoreError as error:
        return ChainReport(intact=False, events=report.events, problem=str(error))
    for subject in Subject:
        for record_id, events in recorded(store, subject):
            rebuilt = replayed_lines(record_id, events, policy)[-1]
            if lines.get((subject, record_id)) != rebuilt:
                return mismatch(
                    report, subject, record_id, lines.get((subject, record_id)), rebuilt
                )
    return report


def records_batch(book: Book, ids: Iterable[str]) -> Batch:
    """Records of an in-memory ledger, whole, as new records in one batch."""
    batch = Batch()
    for record_id in ids:
        events = book.events(record_id)
        check_created(book, record_id, events)
        if book.machine.steps.subject is Subject.ISSUE:
            batch.add(record_id, events, 0, issue_versions(events, book.policy, checked=False))
        else:
            batch.add(record_id, events, 0, [book.summary(record_id)])
    return batch


def check_created(book: Book, record_id: str, events: Sequence[Event]) -> None:
    """Refuse a history that does not begin with the step that created the record."""
    first = events[0] if events else None
    create = book.machine.steps.create
    if first is None or first.name != create or first.from_status is not None:
        subject = book.machine.steps.subject.value
        raise InconsistentRecordError(
            field=f"{subject} {record_id!r}.history",
            value=first,
            problem=f"does not begin with the {create!r} event",
            hint="Only records received or claimed on a ledger can be stored.",
        )


def replayed_lines(
    record_id: str, events: tuple[Event, ...], policy: WorkflowPolicy
) -> list[IssueSummary] | list[PledgeSummary]:
    """The summary lines of the record ``events`` rebuild, step by step checked
    (an issue's after each event, a pledge's last); refused if it is not the
    record named."""
    if events and events[0].subject is Subject.PLEDGE:
        pledge = replay_pledge(events, policy=policy)
        _named(record_id, pledge.id)
        return [PledgeSummary.of(pledge, version=len(events))]
    lines = issue_versions(events, policy, checked=True)
    _named(record_id, lines[-1].id if lines else record_id)
    return lines


def _named(record_id: str, rebuilt: str) -> None:
    if rebuilt != record_id:
        raise InconsistentRecordError(
            field="record_id",
            value=record_id,
            problem=f"differs from the id its events record ({rebuilt!r})",
        )


class refused_item:
    """Turn a refusal of one item of a batch into :class:`BatchRefusedError`."""

    def __init__(self, index: int, value: object, field: str) -> None:
        self._index, self._value, self._field = index, value, field

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        # A store's own refusal (a stale version, say) is not the item's fault: it
        # goes out as it is, for the caller to retry.
        if isinstance(error, BanshishiError) and not isinstance(error, StoreError):
            raise BatchRefusedError(
                field=f"{self._field}[{self._index}]",
                value=self._value,
                problem="was refused, so nothing in the batch was written",
                hint=f"The refusal: {error}",
                index=self._index,
                error=error,
            ) from error


def mismatch(
    report: ChainReport, subject: Subject, record_id: str, stored: Any, rebuilt: Any
) -> ChainReport:
    if stored is None:
        problem = f"{subject.value} {record_id!r} has no summary line"
    else:
        fields = [
            name
            for name in attrs.fields_dict(type(rebuilt))
            if getattr(stored, name) != getattr(rebuilt, name)
        ]
        problem = (
            f"the summary of {subject.value} {record_id!r} differs from its events in "
            f"{', '.join(fields)}"
        )
    return ChainReport(intact=False, events=report.events, problem=problem)


def history_given(item: object, field: str) -> tuple[str, tuple[Event, ...]]:
    if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
        raise InvalidTypeError(
            field=field, value=item, problem="must be a pair (record id, events)"
        )
    events = tuple(items_given(item[1], Event, field=f"{field}[1]"))
    return item[0], events
