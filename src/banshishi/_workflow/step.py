"""A step asked of a workflow: who, when, which event, with what arguments.

Both engines (the state machines and the ledgers' bulk engine) turn a request
into a :class:`Step` with :func:`make_step`, so they check input the same way,
and record it the same way: an accepted step becomes the history entry from
which the audit :class:`Event` is read.

What is here is what every workflow shares. Each workflow declares its own
:class:`Steps`: the events it takes, the arguments each takes (the fields of an
attrs class), which need a note, and the event that creates a record; the
issue's are in ``issue_arguments``, the pledge's in ``pledge_arguments``.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, cast, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import (
    BanshishiError,
    ChronologyError,
    InvalidTypeError,
    InvalidValueError,
)
from banshishi._core.time import PENDULUM_ZONES, as_datetime
from banshishi._model.converter import field_reader, structure, unstructure
from banshishi._model.event import Event, thaw_data
from banshishi._model.people import Actor
from banshishi._model.vocabulary import Status, Subject

from .policy import WorkflowPolicy


@final
class Steps:
    """The steps of one workflow: what each takes, which need a note, and the
    event that creates a record. :func:`make_step` checks a request against it."""

    __slots__ = ("arguments", "create", "fields", "needs_note", "specs", "subject", "takes")

    def __init__(
        self,
        subject: Subject,
        arguments: type,
        takes: Mapping[str, tuple[frozenset[str], frozenset[str]]],
        needs_note: frozenset[str],
        create: str,
    ) -> None:
        self.subject = subject
        self.arguments = arguments
        self.takes = takes
        self.needs_note = needs_note
        self.create = create
        self.specs = {**takes, create: (frozenset(), frozenset())}
        self.fields: Mapping[str, attrs.Attribute[Any]] = {
            field.name: field for field in attrs.fields(arguments)
        }

    def __repr__(self) -> str:
        return f"Steps({self.subject.value!r})"


_NO_ARGS: Mapping[str, Any] = MappingProxyType({})


@final
class Step:
    """One checked request: ``event`` by ``actor`` at ``at`` from status ``source``.

    ``target`` is filled in when the step is accepted (:meth:`accept`); the
    accepted step is the history entry the audit :class:`Event` is read from.
    While it is being checked, ``args`` is a mapping; once accepted, a flat tuple
    of names and values (see :meth:`arguments`).
    """

    __slots__ = ("actor", "args", "at", "event", "note", "policy", "source", "steps", "target")

    def __init__(
        self,
        event: str,
        actor: Actor,
        at: DateTime,
        note: str,
        args: Mapping[str, Any] | tuple[Any, ...],
        source: Status | None,
        policy: WorkflowPolicy,
        steps: Steps,
    ) -> None:
        self.event = event
        self.actor = actor
        self.at = at
        self.note = note
        self.args: Any = args
        self.source = source
        self.policy = policy
        self.steps = steps
        self.target: Status | None = None

    def __repr__(self) -> str:
        return f"Step({self.event!r}, actor={self.actor.id!r}, at={self.at.isoformat()})"

    def accept(self, target: Status) -> None:
        """Mark the step taken to ``target``, keeping its arguments compactly: a
        ledger holds millions of these."""
        self.target = target
        args = self.args
        if args and not isinstance(args, tuple):
            self.args = tuple(item for pair in args.items() for item in pair)

    def arguments(self) -> dict[str, Any]:
        """The step's checked arguments, by name."""
        args = self.args
        if isinstance(args, tuple):
            return dict(zip(args[::2], args[1::2], strict=True))
        return dict(args)

    def to_event(self) -> Event:
        """The audit record of this accepted step."""
        assert self.target is not None, "only an accepted step has an event"
        return Event(
            name=self.event,
            actor=self.actor.id,
            role=self.actor.role,
            unit=self.actor.unit,
            at=self.at,
            from_status=self.source,
            to_status=self.target,
            note=self.note,
            data=arguments_data(self.arguments(), self.steps),
            subject=self.steps.subject,
        )


def make_step(
    event: str,
    source: Status | None,
    actor: object,
    at: object,
    note: object,
    args: Mapping[str, object],
    *,
    not_before: DateTime,
    policy: WorkflowPolicy,
    steps: Steps,
) -> Step:
    """Check a request and return its :class:`Step`, or raise naming the bad input.

    ``not_before`` is the latest moment already on the issue's record (its
    receipt or its last event); a step cannot be dated before it.
    """
    spec = steps.specs.get(event)
    if spec is None:
        raise InvalidValueError(
            field="event",
            value=event,
            problem="is not a workflow event",
            hint=f"Choose one of {', '.join(steps.takes)}.",
        )
    if type(actor) is not Actor:
        raise InvalidTypeError(field=f"{event}.actor", value=actor, problem="must be an Actor")
    if type(at) is DateTime and isinstance(at.tzinfo, PENDULUM_ZONES):
        moment = at  # the common case, without a call
    else:
        moment = as_datetime(at, field=f"{event}.at")
    if moment < not_before:
        raise ChronologyError(
            field=f"{event}.at",
            value=moment,
            problem=f"is before the latest moment on the record ({not_before.isoformat()})",
        )
    if type(note) is not str:
        raise InvalidTypeError(field=f"{event}.note", value=note, problem="must be a str")
    if event in steps.needs_note and not note.strip():
        raise InvalidValueError(
            field=f"{event}.note", value=note, problem="must say why", hint="Give a note."
        )
    takes, needs = spec
    checked: Mapping[str, Any] = _NO_ARGS
    if args:
        checked = {}
        for name, value in args.items():
            if name not in takes:
                raise InvalidValueError(
                    field=f"{event}.{name}",
                    value=value,
                    problem=f"is not an argument of {event}",
                    hint=f"It takes {', '.join(sorted(takes)) or 'no arguments'}.",
                )
            if value is not None:
                checked[name] = check_argument(event, name, value, steps)
    for name in needs:
        if name not in checked:
            raise InvalidValueError(field=f"{event}.{name}", value=None, problem="is required")
    return Step(event, actor, moment, note, checked, source, policy, steps)


def check_argument(event: str, name: str, value: object, steps: Steps) -> object:
    """``value`` converted and checked as the arguments field ``name`` of ``steps``."""
    field = steps.fields[name]
    try:
        if field.converter is not None:
            value = cast(Any, field.converter)(value)
        if field.validator is not None:
            field.validator(None, field, value)
    except BanshishiError as error:
        _, _, rest = error.field.partition(".")
        raise error.at(f"{event}.{rest}") from None
    return value


def arguments_data(args: Mapping[str, Any], steps: Steps) -> dict[str, Any]:
    """The JSON form of checked arguments, as audit events store them."""
    if not args:
        return {}
    written = unstructure(steps.arguments(**args))
    return {name: written[name] for name in args}


def recorded_arguments(event: Event, steps: Steps) -> dict[str, Any]:
    """The arguments an audit event recorded, read back field by field without
    the arguments' checks: for events checked when they were written (a trusted
    rebuild). Data that cannot be read so is read by :func:`arguments_from_data`,
    which names what is wrong with it."""
    data = event.data
    if not data:
        return {}
    arguments = steps.arguments
    try:
        return {
            name: field_reader(arguments, name)(
                thaw_data(value) if isinstance(value, tuple | Mapping) else value
            )
            for name, value in data.items()
        }
    except Exception:  # anything the hooks raise: read it the checked way
        return arguments_from_data(event, steps)


def arguments_from_data(event: Event, steps: Steps) -> dict[str, Any]:
    """The arguments an audit event recorded, read back from its JSON data."""
    try:
        read: Any = structure(thaw_data(event.data), steps.arguments)
    except BanshishiError as error:
        _, _, rest = error.field.partition(".")
        raise error.at(f"Event.data.{rest}" if rest else "Event.data") from None
    return {name: getattr(read, name) for name in event.data}
