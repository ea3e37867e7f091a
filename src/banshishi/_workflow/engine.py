"""The bulk engine both ledgers share: one step on one light row, through the
transition table read off a workflow class, with the same checks and effects as
the machine.

A row keeps its history flat, ``WIDTH`` items per step: the step's name, actor,
moment, note, arguments, source and target status. An :class:`Event` that came
with a record added as it stood sits in the name's place as it is.

What the issue ledger and the pledge ledger share: rows kept by id, each moved
by the bulk engine through its workflow's table, and read back as records.
Library-internal base; the ledgers are the public classes.
"""

import functools
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Any, ClassVar, cast

import attrs
from pendulum import DateTime

from banshishi._core.errors import (
    BanshishiError,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    NotFoundError,
)
from banshishi._core.time import Clock, SystemClock, check_clock
from banshishi._core.validators import whole_given
from banshishi._metrics.summary import IssueSummary, PledgeSummary
from banshishi._model.event import Event
from banshishi._model.people import Actor
from banshishi._model.vocabulary import Status

from .command import Command, PledgeCommand, Refusal
from .completion import complete
from .machine import RecordMachine, refusal
from .policy import DEFAULT_POLICY, WorkflowPolicy, check_policy
from .step import Step, make_step
from .transition_table import Rule, take

WIDTH = 7
"""Items per history entry in a row: name, actor, at, note, args, source, target."""
AT = 2 - WIDTH
"""The position of the last entry's moment, counted from the end of a row's history."""


def advance(
    row: Any,
    event: str,
    actor: Actor,
    at: DateTime,
    note: str,
    args: Mapping[str, Any],
    *,
    machine: type[RecordMachine],
    table: Mapping[tuple[Status, str], tuple[Rule, ...]],
    policy: WorkflowPolicy,
    across: Callable[[Any, Step], None] | None = None,
) -> Status:
    """Take one step on ``row``: complete its arguments, check it, apply its
    effect, record it; or raise and change nothing. ``across`` checks, after the
    step's own checks, what only the ledger holding other records can know."""
    source = row.status
    rules = table.get((source, event))
    if rules is None:
        raise refusal(machine, event, source)
    history = row.history
    step = make_step(
        event,
        source,
        actor,
        at,
        note,
        args,
        not_before=history[AT] if history else getattr(row, machine.created_field),
        policy=policy,
        steps=machine.steps,
    )
    complete(machine.completions, row, step)
    rule = take(row, step, rules)
    if across is not None:
        across(row, step)
    target = rule.target
    changes = machine.settle(row, step, target)
    for name, value in changes.items():
        setattr(row, name, value)
    row.status = target
    history += (event, actor, step.at, step.note, step.args, source, target)
    return target


def restore_step(
    row: Any,
    event: Event,
    args: Mapping[str, Any],
    actor: Actor,
    *,
    machine: type[RecordMachine],
    policy: WorkflowPolicy,
) -> None:
    """Apply a recorded step to ``row`` without checking it again: the trusted
    twin of :func:`advance` (see ``trusted_replay``). The step's recorded
    arguments (``args``, completed when it was taken) go through the workflow's
    own effects, to the status the event records; the event itself becomes the
    history entry. Only that the event starts where the row stands is checked."""
    source = row.status
    if event.from_status is not source:
        raise InconsistentRecordError(
            field=f"{event.name}.from_status",
            value=event.from_status,
            problem=f"does not follow on from {source.value!r}, where the record stands",
        )
    step = Step(event.name, actor, event.at, event.note, args, source, policy, machine.steps)
    target = event.to_status
    changes = machine.settle(row, step, target)
    for name, value in changes.items():
        setattr(row, name, value)
    row.status = target
    row.history += entry_of(event)


def entry_of(event: Event) -> tuple[Any, ...]:
    """The flat history entry of an event that came with a record."""
    return (event, None, event.at, None, None, event.from_status, event.to_status)


def events_of(
    row: Any,
    machine: type[RecordMachine],
    creation: Callable[[Any, Actor, DateTime, str, Any], Event],
    *,
    start: int = 0,
) -> tuple[Event, ...]:
    """A row's flat history as audit events, from the ``start``-th on;
    ``creation`` builds the event of the step that put the record on the ledger."""
    history = row.history
    events: list[Event] = []
    for first in range(start * WIDTH, len(history), WIDTH):
        name, actor, at, note, args, source, target = history[first : first + WIDTH]
        if isinstance(name, Event):
            events.append(name)
        elif name == machine.steps.create:
            events.append(creation(row, actor, at, note, args))
        else:
            step = Step(name, actor, at, note, args, source, DEFAULT_POLICY, machine.steps)
            step.accept(target)
            events.append(step.to_event())
    return tuple(events)


def steps_of(row: Any) -> Iterator[tuple[str | Event, dict[str, Any]]]:
    """Each entry of a row's history, oldest first, as the step's name and its
    arguments by name; an event that came with the record is given as it is,
    with no arguments (its data holds what it recorded)."""
    history = row.history
    for first in range(0, len(history), WIDTH):
        name = history[first]
        if isinstance(name, Event):
            yield name, {}
        else:
            # Accepted steps keep their arguments as a flat tuple of names and values;
            # the creating step keeps something else in their place (a track, a claim).
            args = history[first + 4]
            yield name, dict(zip(args[::2], args[1::2], strict=True)) if type(args) is tuple else {}


@functools.cache
def defaults(record_type: type) -> Mapping[str, Callable[[], Any]]:
    """For each field of ``record_type``, what gives its default value (a
    required field's gives ``None``: the caller has its value)."""
    found: dict[str, Callable[[], Any]] = {}
    for field in attrs.fields(record_type):
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            found[field.name] = default.factory
        else:
            found[field.name] = _constant(None if default is attrs.NOTHING else default)
    return MappingProxyType(found)


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (rows hold no cycles): it halves
    the time of a large batch."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Book:
    """Records by id, moved through ``machine``'s steps in bulk.

    Besides what each ledger offers, a book answers what a store needs to keep
    its records (:class:`LedgerStore` caches records in a ledger and writes what
    each step recorded): :meth:`take_step`, :meth:`version`, :meth:`events`,
    :meth:`summary` and :meth:`discard`.
    """

    machine: ClassVar[type[RecordMachine]]
    table: ClassVar[Mapping[tuple[Status, str], tuple[Rule, ...]]]
    noun: ClassVar[str]
    """What a record is called in errors: "issue", "pledge"."""
    fields: ClassVar[tuple[str, ...]]
    row_type: ClassVar[Callable[[], Any]]
    creation: ClassVar[Callable[..., Event]]

    def __init__(
        self, *, policy: WorkflowPolicy = DEFAULT_POLICY, clock: Clock | None = None
    ) -> None:
        name = type(self).__name__
        check_policy(policy, field=f"{name}.policy")
        check_clock(clock, field=f"{name}.clock")
        self.policy = policy
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._rows: dict[str, Any] = {}
        self._across: Callable[[Any, Step], None] | None = None
        """Checks across records, after each step's own (see ``advance``)."""

    def _insert(self, record: Any, history: list[Any]) -> None:
        record_type = self.machine.record_type.__name__
        if record.id in self._rows:
            raise DuplicateError(
                field=f"{record_type}.id", value=record.id, problem="is already on the ledger"
            )
        row = type(self).row_type()
        for name in self.fields:
            setattr(row, name, getattr(record, name))
        row.history = history
        self._rows[record.id] = row

    def _add(self, record: Any) -> None:
        history: list[Any] = []
        for event in record.history:
            history += entry_of(event)
        self._insert(record, history)

    def _apply(
        self,
        record_id: str,
        event: str,
        actor: Actor,
        at: DateTime | None,
        note: str,
        args: Mapping[str, Any],
    ) -> Any:  # the row's status type: IssueStatus or PledgeStatus
        row = self._rows.get(record_id) if type(record_id) is str else None
        if row is None:
            row = self._row(record_id)
        moment = self.clock.now() if at is None else at
        return advance(
            row,
            event,
            actor,
            moment,
            note,
            args,
            machine=self.machine,
            table=self.table,
            policy=self.policy,
            across=self._across,
        )

    def _apply_many(
        self, commands: Iterable[Command | PledgeCommand], command_type: type
    ) -> tuple[Refusal, ...]:
        refused: list[Refusal] = []
        apply = self._apply
        id_field = f"{self.noun}_id"
        with collector_paused():
            for index, command in enumerate(commands):
                if type(command) is not command_type:
                    raise InvalidTypeError(
                        field=f"commands[{index}]",
                        value=command,
                        problem=f"must be a {command_type.__name__}",
                    )
                try:
                    apply(
                        getattr(command, id_field),
                        command.event,
                        command.actor,
                        command.at,
                        command.note,
                        command.args,
                    )
                except BanshishiError as error:
                    refused.append(Refusal(index=index, command=command, error=error))
        return tuple(refused)

    # -- for a store -----------------------------------------------------------------------

    def take_step(
        self,
        record_id: str,
        event: str,
        actor: Actor,
        at: DateTime | None,
        note: str,
        args: Mapping[str, Any],
    ) -> Any:  # the record's status type: IssueStatus or PledgeStatus
        """Take one step on one record, as the ledger's ``apply`` does, with the
        step's arguments given as one mapping (as a command holds them); return
        the record's new status. A refused step raises and changes nothing."""
        if not isinstance(args, Mapping):
            raise InvalidTypeError(field="args", value=args, problem="must be a mapping")
        return self._apply(record_id, event, actor, at, note, args)

    def put_created(self, record_id: str, fields: Mapping[str, Any], event: Event) -> None:
        """Put a record on the book as ``event``, the event that created it, left
        it: ``fields`` as that event recorded them, every other field at its
        default, and the event as its history. Nothing is checked (a trusted
        rebuild starts so; see ``trusted_replay``)."""
        if record_id in self._rows:
            raise DuplicateError(
                field=f"{self.machine.record_type.__name__}.id",
                value=record_id,
                problem="is already on the ledger",
            )
        row = type(self).row_type()
        for name, default in defaults(cast(type, self.machine.record_type)).items():
            setattr(row, name, fields[name] if name in fields else default())
        row.history = list(entry_of(event))
        row.status = event.to_status
        self._rows[record_id] = row

    def restore_step(
        self, record_id: str, event: Event, args: Mapping[str, Any], actor: Actor
    ) -> None:
        """Apply one recorded step to one record without checking it again (see
        :func:`restore_step`)."""
        row = self._row(record_id)
        restore_step(row, event, args, actor, machine=self.machine, policy=self.policy)

    def version(self, record_id: str) -> int:
        """How many events one record has: the version a store holds it at once
        all of them are written."""
        return len(self._row(record_id).history) // WIDTH

    def events(self, record_id: str, start: int = 0, *, keep: bool = False) -> tuple[Event, ...]:
        """One record's audit events, oldest first: all of them, or those after
        its first ``start`` (what a store holding it at version ``start`` has
        yet to write).

        With ``keep``, the events built are kept in the record's history in place
        of its compact entries, so that they are not built again (a store's cache
        does this; a large ledger would rather not, as an event takes more memory).
        """
        row = self._row(record_id)
        start = whole_given(start, field="start")
        events = self._events(row, start)
        if keep:
            row.history[start * WIDTH :] = [entry for event in events for entry in entry_of(event)]
        return events

    def summary(self, record_id: str) -> IssueSummary | PledgeSummary:
        """One record's summary line as it stands: the line a store keeps for it."""
        raise NotImplementedError  # each ledger sums up its own records

    def discard(self, record_id: str) -> None:
        """Take one record off the ledger if it is on it (a store drops a cached
        record it can no longer trust: another process has moved it on)."""
        if isinstance(record_id, str):
            self._rows.pop(record_id, None)

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._rows

    def __iter__(self) -> Iterator[str]:
        """The ids of the records, in the order they were put on the ledger."""
        return iter(self._rows)

    def _counts(self) -> Counter[Any]:
        return Counter(row.status for row in self._rows.values())

    def _row(self, record_id: str) -> Any:
        try:
            return self._rows[record_id]
        except (KeyError, TypeError):
            raise NotFoundError(
                field=f"{self.noun}_id", value=record_id, problem="is not on the ledger"
            ) from None

    def _record(self, record_id: str) -> Any:
        row = self._row(record_id)
        fields = {name: getattr(row, name) for name in self.fields}
        fields["history"] = self._events(row)
        return self.machine.record_type(**fields)

    def _events(self, row: Any, start: int = 0) -> tuple[Event, ...]:
        return events_of(row, self.machine, type(self).creation, start=start)
