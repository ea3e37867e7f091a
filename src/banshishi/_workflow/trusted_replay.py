"""Rebuilding a record from events already checked: each step's recorded effects
applied again, without taking the step again.

:func:`replay` takes every step again through the workflow's checks and builds
each step's event anew to compare it with the one recorded: the proof that a
history could have happened, at about 2 ms an issue. A store does not need that
proof every time it reads a record. Each event it holds was checked when it was
written (the step was taken through every check, in the same transaction that
wrote it), and the hash chain over the events shows any change made to them
since, so what a stored history describes is already known to be a record the
workflow produced. :func:`restore` rebuilds it by applying, step by step, the
effect that the workflow's own effects (``effects``, ``pledge_effects``: the one
definition of what a step does) give for the recorded arguments, to the status
the event records; the recorded events become the history as they are. It checks
only that each event starts where the record stands.

Use the checked :func:`replay` wherever that trust does not hold: on events from
outside the store (``LedgerStore.write_histories`` and ``banshishi import``
check every history before writing it) and in ``verify --deep``, which rebuilds
every record the checked way to compare it with its summary line. A
differential test (tests/workflow/test_trusted_replay.py) shows both rebuild the
same record from every history generated.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from banshishi._core.errors import InconsistentRecordError, InvalidTypeError, InvalidValueError
from banshishi._core.validators import items_given
from banshishi._model.converter import field_reader, structure
from banshishi._model.event import Event, thaw_data
from banshishi._model.issue import Issue
from banshishi._model.people import Actor
from banshishi._model.pledge import Pledge
from banshishi._model.vocabulary import Subject

from .engine import Book
from .ledger import INTAKE_FIELDS, Ledger
from .pledge_ledger import CLAIM_FIELDS, PledgeLedger
from .policy import DEFAULT_POLICY, WorkflowPolicy
from .replay import starting_record
from .step import recorded_arguments

Each = Callable[[Book, str, int], None]
"""Called as ``each(book, record_id, version)`` after every step restored."""


def restore(
    events: Iterable[Event],
    *,
    policy: WorkflowPolicy = DEFAULT_POLICY,
    into: Book | None = None,
    each: Each | None = None,
    start: Issue | Pledge | None = None,
) -> str:
    """Rebuild one record from its checked ``events`` into the ledger ``into``
    (a new :class:`Ledger` or :class:`PledgeLedger` under ``policy`` if
    ``None``, as the events' subject says) and return its id.

    After each step is applied (the creating one included), ``each(book,
    record_id, version)`` is called, if given, with the record standing at
    ``version``: a caller reads what it wants off the book then (its summary
    line, say). A history that does not begin with the event creating the record
    needs ``start``, the record as it stood before it, as for :func:`replay`. If
    an event does not follow on from the one before, the record is taken off
    ``into`` again and :class:`InconsistentRecordError` raised.
    """
    recorded = items_given(events, Event, field="events")
    if recorded:
        subject = recorded[0].subject
    elif start is not None:
        subject = Subject.PLEDGE if isinstance(start, Pledge) else Subject.ISSUE
    else:
        raise InvalidValueError(
            field="events", value=recorded, problem="must not be empty without start="
        )
    book = _book(subject, into, policy)
    steps = book.machine.steps
    first = recorded[0] if recorded else None
    if first is not None and first.name == steps.create and first.from_status is None:
        record_id = _put_created(book, first)
        done = 1
    else:
        record = _start(recorded, start, book)
        book.add(record)  # type: ignore[attr-defined]  # both ledgers have add()
        record_id = record.id
        done = 0
    actors: dict[tuple[Any, ...], Actor] = {}  # a history names few people, many times
    try:
        if each is not None and done:
            each(book, record_id, 1)
        for version in range(done, len(recorded)):
            event = recorded[version]
            who = (event.actor, event.role, event.unit)
            actor = actors.get(who)
            if actor is None:
                actor = actors[who] = Actor(id=event.actor, role=event.role, unit=event.unit)
            book.restore_step(record_id, event, recorded_arguments(event, steps), actor)
            if each is not None:
                each(book, record_id, version + 1)
    except BaseException:
        book.discard(record_id)
        raise
    return record_id


def trusted_replay(
    events: Iterable[Event], *, policy: WorkflowPolicy = DEFAULT_POLICY, start: Issue | None = None
) -> Issue:
    """The issue that checked ``events`` describe, rebuilt by :func:`restore`:
    the same issue :func:`replay` gives, without taking each step again."""
    ledger = Ledger(policy=policy)
    return ledger.issue(restore(events, policy=policy, into=ledger, start=start))


def trusted_replay_pledge(
    events: Iterable[Event], *, policy: WorkflowPolicy = DEFAULT_POLICY, start: Pledge | None = None
) -> Pledge:
    """The pledge that checked ``events`` describe, rebuilt by :func:`restore`."""
    ledger = PledgeLedger(policy=policy)
    return ledger.pledge(restore(events, policy=policy, into=ledger, start=start))


def _book(subject: Subject, into: Book | None, policy: WorkflowPolicy) -> Book:
    kind = Ledger if subject is Subject.ISSUE else PledgeLedger
    if into is None:
        return kind(policy=policy)
    if type(into) is not kind:
        raise InvalidTypeError(
            field="into",
            value=into,
            problem=f"must be a {kind.__name__} for {subject.value} events",
        )
    return into


def _put_created(book: Book, first: Event) -> str:
    """Put the record as the event creating it recorded it on ``book``; its id."""
    record_type = cast(type, book.machine.record_type)
    kept = INTAKE_FIELDS if first.subject is Subject.ISSUE else CLAIM_FIELDS
    data = first.data
    try:
        fields = {
            name: field_reader(record_type, name)(
                thaw_data(value) if isinstance(value, tuple | Mapping) else value
            )
            for name, value in data.items()
            if name in kept
        }
        record_id = fields["id"]
    except Exception:  # read it the checked way, which names what is wrong
        record_id = structure(thaw_data(data), record_type).id
        raise InconsistentRecordError(
            field="events[0].data", value=data, problem="does not describe the record whole"
        ) from None
    book.put_created(record_id, fields, first)
    return str(record_id)


def _start(recorded: list[Event], start: Any, book: Book) -> Any:
    if start is not None and not isinstance(start, book.machine.record_type):
        raise InvalidTypeError(
            field="start", value=start, problem=f"must be a {book.machine.record_type.__name__}"
        )
    return starting_record(recorded, start)
