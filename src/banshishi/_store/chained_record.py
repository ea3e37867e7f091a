"""What the unit tree and the policy kept with a ledger share: each version is
one row of the hash chain, shaped like an event's, with the record as JSON in
its ``data`` column. ``_unit_history`` and ``_policy_history`` say what the
record is; this module reads and writes the row around it."""

from collections.abc import Sequence
from typing import Any

from pendulum import DateTime

from banshishi._core.errors import InvalidValueError
from banshishi._core.json_input import read_json
from banshishi._core.time import format_instant
from banshishi._model.people import Actor, Role

Columns = tuple[str, str, str | None, str, None, str, str, str]
"""An event row's columns: name, actor, unit, role, from_status, to_status, note, data."""


def row_of(
    event: str, status: str, at: DateTime, actor: Actor | None, note: str, data: str
) -> tuple[str, Columns]:
    """A version as an event row's moment and columns, so it is linked like any event."""
    return format_instant(at), (
        event,
        "" if actor is None else actor.id,
        None if actor is None else actor.unit,
        "" if actor is None else actor.role._value_,
        None,
        status,
        note,
        data,
    )


def parts_of(
    columns: Sequence[Any], *, event: str, status: str, field: str, what: str
) -> tuple[Any, tuple[str, str, str | None], str]:
    """A version's row read back: its data as JSON (no repeated keys, no deep
    nesting), who wrote it as (actor, role, unit), and its note; a row of any
    other step raises :class:`InvalidValueError` naming ``field``."""
    name, actor, unit, role, source, target, note, data = columns
    if (name, source, target) != (event, None, status):
        raise InvalidValueError(
            field=f"{field} row",
            value=(name, source, target),
            problem=f"is not {what} ({event!r}, to {status!r})",
        )
    return read_json(data, field=f"{field} data"), (actor, role, unit), note


def actor_of(who: tuple[str, str, str | None]) -> Actor | None:
    """The actor (actor, role, unit) of :func:`parts_of` names, if any."""
    actor, role, unit = who
    return None if (actor, role) == ("", "") else Actor(id=actor, role=Role(role), unit=unit)
