"""How a deployment runs the four tracks: the settings the workflow reads."""

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, final

import attrs

from ._errors import InvalidTypeError, InvalidValueError
from ._track import Track
from ._unit import UnitTree
from ._validators import field_name, items_of, member_of, of_type

DEFAULT_TIME_LIMITS: Mapping[Track, dt.timedelta] = MappingProxyType(
    {Track.IMMEDIATE: dt.timedelta(days=1)}
)
"""Only 即办 has a limit out of the box: one day, the 'short time limit' of the track."""


def _freeze_limits(value: object) -> object:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _check_limits(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    name = field_name(instance, attribute)
    if not isinstance(value, Mapping):
        raise InvalidTypeError(field=name, value=value, problem="must be a mapping of tracks")
    for track, limit in value.items():
        if not isinstance(track, Track):
            raise InvalidTypeError(field=name, value=track, problem="must have Track keys")
        _check_positive(f"{name}[{track.value}]", limit)


def _check_positive(name: str, value: object) -> None:
    if not isinstance(value, dt.timedelta):
        raise InvalidTypeError(field=name, value=value, problem="must be a timedelta")
    if value <= dt.timedelta(0):
        raise InvalidValueError(field=name, value=value, problem="must be longer than zero")


def _check_window(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    _check_positive(field_name(instance, attribute), value)


@final
@attrs.frozen(kw_only=True)
class WorkflowPolicy:
    """A deployment's rules for the workflow; every field has a sensible default.

    - ``self_sign_tracks``: tracks on which the unit that received an item may
      sign for it itself, with no transfer (即办 by default).
    - ``time_limits``: the time allowed per track, used for the deadline when a
      transfer or a self-signed item does not give one. A track missing here
      needs an explicit deadline.
    - ``evaluation_window``: how long the requester has to rate an answered item
      before it may be closed unrated (7 days by default).
    - ``close_on_satisfied_rating``: whether a satisfied rating closes an
      answered item at once (the default) or leaves closing to a reviewer.
    - ``units``: when given, every unit named in a step must be in this tree, and
      a 督办 item's supervising unit must be the handling unit's parent: raised
      exactly one level.

    >>> WorkflowPolicy().time_limits[Track.IMMEDIATE]
    datetime.timedelta(days=1)
    """

    self_sign_tracks: frozenset[Track] = attrs.field(
        default=frozenset({Track.IMMEDIATE}),
        validator=items_of(member_of(Track), container=frozenset),
    )
    time_limits: Mapping[Track, dt.timedelta] = attrs.field(
        default=DEFAULT_TIME_LIMITS, converter=_freeze_limits, validator=_check_limits
    )
    evaluation_window: dt.timedelta = attrs.field(
        default=dt.timedelta(days=7), validator=_check_window
    )
    close_on_satisfied_rating: bool = attrs.field(default=True, validator=of_type(bool))
    units: UnitTree | None = attrs.field(default=None, validator=of_type(UnitTree, optional=True))


DEFAULT_POLICY = WorkflowPolicy()
