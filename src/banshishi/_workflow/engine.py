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

import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

from pendulum import DateTime

from banshishi._core.errors import BanshishiError, DuplicateError, InvalidTypeError, NotFoundError
from banshishi._core.time import Clock, SystemClock, check_clock
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
) -> Status:
    """Take one step on ``row``: complete its arguments, check it, apply its
    effect, record it; or raise and change nothing."""
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
    target = rule.target
    changes = machine.settle(row, step, target)
    for name, value in changes.items():
        setattr(row, name, value)
    row.status = target
    history += (event, actor, step.at, step.note, step.args, source, target)
    return target


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
    """Records by id, moved through ``machine``'s steps in bulk."""

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
