"""The bulk engine both ledgers share: one step on one light row, through the
transition table read off a workflow class, with the same checks and effects as
the machine.

A row keeps its history flat, ``WIDTH`` items per step: the step's name, actor,
moment, note, arguments, source and target status. An :class:`Event` that came
with a record added as it stood sits in the name's place as it is.
"""

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pendulum import DateTime

from ._actor import Actor
from ._event import Event
from ._machine import RecordMachine, refusal
from ._policy import DEFAULT_POLICY, WorkflowPolicy
from ._status import Status
from ._step import Step, make_step
from ._transition_table import Rule, take

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
    """Take one step on ``row``: check it, apply its effect, record it; or raise
    and change nothing."""
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
