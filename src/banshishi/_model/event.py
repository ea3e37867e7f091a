"""The audit record: one accepted step in the life of an issue or a pledge."""

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeAlias, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import (
    ChronologyError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
)
from banshishi._core.time import aware_datetime, check_aware
from banshishi._core.validators import encodable, member_of, optional_text, text

from .people import Role
from .vocabulary import STATUSES, Status, Subject

JsonValue: TypeAlias = (
    str | int | float | bool | tuple["JsonValue", ...] | Mapping[str, "JsonValue"] | None
)
"""What ``Event.data`` may hold: JSON scalars, and tuples and mappings of them."""


def freeze_data(value: Mapping[str, Any]) -> Mapping[str, JsonValue]:
    """A read-only deep copy of ``value``: lists become tuples, dicts read-only mappings.

    Anything that JSON cannot carry (sets, datetimes, NaN, non-string keys) raises
    ``InvalidValueError`` naming the path inside ``Event.data``.
    """
    frozen = _freeze(value, "Event.data", 0)
    if not isinstance(frozen, Mapping):
        raise InvalidTypeError(field="Event.data", value=value, problem="must be a mapping")
    return frozen


MAX_DEPTH = 32
"""How deeply ``Event.data`` may nest; an audit record needs nothing deeper."""


def _freeze(value: object, path: str, depth: int) -> JsonValue:
    if depth > MAX_DEPTH:
        raise InvalidValueError(
            field=path, value=value, problem=f"nests deeper than {MAX_DEPTH} levels"
        )
    if isinstance(value, str):
        return encodable(value, field=path)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidValueError(field=path, value=value, problem="must be a finite number")
        return value
    if isinstance(value, list | tuple):
        return tuple(_freeze(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    if isinstance(value, Mapping):
        copied: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidTypeError(field=path, value=key, problem="must have string keys")
            encodable(key, field=f"{path} (a key)")
            copied[key] = _freeze(item, f"{path}.{key}", depth + 1)
        return MappingProxyType(copied)
    raise InvalidTypeError(field=path, value=value, problem="must hold only JSON values")


def thaw_data(value: JsonValue) -> Any:
    """The JSON-ready (lists and dicts) form of frozen event data."""
    if isinstance(value, tuple):
        return [thaw_data(item) for item in value]
    if isinstance(value, Mapping):
        return {key: thaw_data(item) for key, item in value.items()}
    return value


def _check_status(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    if value is None and attribute.name == "from_status":
        return
    if not isinstance(value, tuple(STATUSES.values())):
        raise InvalidTypeError(
            field=f"Event.{attribute.name}",
            value=value,
            problem="must be an IssueStatus or a PledgeStatus",
        )


@final
@attrs.frozen(kw_only=True)
class Event:
    """One accepted step in the life of an issue or a pledge, as the audit trail keeps it.

    ``name`` is the step ("transfer", "sign_for", "answer", "publish", …),
    ``actor`` the id of whoever took it, acting as ``role`` for ``unit``;
    ``from_status`` is ``None`` only for the step that created the record.
    ``subject`` says whether the statuses are an issue's (the default) or a
    pledge's. ``data`` holds step details (a deadline, the unit an item went to)
    as JSON values, frozen so the record cannot change.
    """

    name: str = attrs.field(validator=text())
    actor: str = attrs.field(validator=text())
    role: Role = attrs.field(validator=member_of(Role))
    unit: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the unit the actor acted for, if any."""
    at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    from_status: Status | None = attrs.field(validator=_check_status)
    to_status: Status = attrs.field(validator=_check_status)
    note: str = attrs.field(default="", validator=text(required=False))
    data: Mapping[str, JsonValue] = attrs.field(
        factory=lambda: MappingProxyType({}), converter=freeze_data, hash=False
    )
    subject: Subject = attrs.field(default=Subject.ISSUE, validator=member_of(Subject))

    def __attrs_post_init__(self) -> None:
        kind = STATUSES[self.subject]
        for name in ("from_status", "to_status"):
            status = getattr(self, name)
            if status is not None and not isinstance(status, kind):
                raise InvalidTypeError(
                    field=f"Event.{name}",
                    value=status,
                    problem=f"must be a {kind.__name__} on an event about a {self.subject.value}",
                )


def check_chain(history: tuple[Event, ...], *, owner: str, subject: Subject) -> None:
    """Raise unless ``history`` is one ordered chain of ``subject`` events: each
    no earlier than the one before and starting from the status it ended in.
    ``owner`` names the record in errors (``Issue``, ``Pledge``)."""
    previous = None
    for index, event in enumerate(history):
        field = f"{owner}.history[{index}]"
        if event.subject is not subject:
            raise InconsistentRecordError(
                field=f"{field}.subject",
                value=event.subject,
                problem=f"is not {subject.value!r}: the record is one",
            )
        if previous is not None and event.at < previous.at:
            raise ChronologyError(
                field=f"{field}.at", value=event.at, problem="is earlier than the event before it"
            )
        if previous is not None and event.from_status is not previous.to_status:
            raise InconsistentRecordError(
                field=f"{field}.from_status",
                value=event.from_status,
                problem=f"does not follow on from {previous.to_status.value!r}",
            )
        previous = event
