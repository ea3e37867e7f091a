"""How a deployment runs the four tracks: the settings the workflow reads."""

import datetime as dt
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit, as_limit, check_limit_text
from banshishi._calendar.working_hours import DEFAULT_WORKING_HOURS, WorkingHours
from banshishi._core.errors import InvalidTypeError, InvalidValueError, NotFoundError
from banshishi._core.time import add_elapsed
from banshishi._core.validators import field_name, items_of, member_of, of_type, whole_number
from banshishi._model.evaluation import RaterKind
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import RequestType, Track

from .policy_data import policy_from_dict, policy_to_dict, type_key_text

Limit = TimeLimit | dt.timedelta
"""A time limit: working days or hours (:class:`TimeLimit`), or elapsed time."""

DEFAULT_TIME_LIMITS: Mapping[Track, Limit] = MappingProxyType(
    {Track.IMMEDIATE: TimeLimit.working_days(1)}
)
"""Only 即办 has a limit out of the box: one working day, the track's short limit."""

TypeKey = RequestType | tuple[RequestType, Track]
"""A key of ``WorkflowPolicy.type_limits``: a request type, or a request type on one track."""

DEFAULT_PROVISIONAL_YEARS = 2
"""Deadlines may run two years past the last official schedule, provisionally:
through the next year, and the one after it for a notice that never came."""


def _freeze_limits(value: object) -> object:
    if not isinstance(value, Mapping):
        return value
    return MappingProxyType({track: as_limit(limit) for track, limit in value.items()})


def _check_limits(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    name = field_name(instance, attribute)
    if not isinstance(value, Mapping):
        raise InvalidTypeError(field=name, value=value, problem="must be a mapping of tracks")
    for track, limit in value.items():
        if not isinstance(track, Track):
            raise InvalidTypeError(field=name, value=track, problem="must have Track keys")
        check_limit(f"{name}[{track.value}]", limit)


def _freeze_type_limits(value: object) -> object:
    if not isinstance(value, Mapping):
        return value
    return MappingProxyType({key: as_limit(limit) for key, limit in value.items()})


def _check_type_limits(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    name = field_name(instance, attribute)
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            field=name, value=value, problem="must be a mapping of request types"
        )
    for key, limit in value.items():
        pair = isinstance(key, tuple) and len(key) == 2
        if not (
            isinstance(key, RequestType)
            or (pair and isinstance(key[0], RequestType) and isinstance(key[1], Track))
        ):
            raise InvalidTypeError(
                field=name,
                value=key,
                problem="must have RequestType keys, or (RequestType, Track) pairs",
                hint="For example {RequestType.COMPLAINT: '15 working days', "
                "(RequestType.HELP, Track.IMMEDIATE): '2 working hours'}.",
            )
        check_limit(f"{name}[{type_key_text(key)}]", limit)


def check_limit(name: str, value: object) -> None:
    """A TimeLimit, or a timedelta longer than zero; else an error naming ``name``."""
    if isinstance(value, TimeLimit):
        return  # a TimeLimit is at least one working day or hour
    check_limit_text(name, value)
    if not isinstance(value, dt.timedelta):
        raise InvalidTypeError(
            field=name,
            value=value,
            problem="must be a TimeLimit (or its text) or a timedelta",
            hint='For example TimeLimit.working_days(15) or "15 working days".',
        )
    if value <= dt.timedelta(0):
        raise InvalidValueError(field=name, value=value, problem="must be longer than zero")


def check_limit_field(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    """attrs validator: a limit (see :func:`check_limit`)."""
    check_limit(field_name(instance, attribute), value)


@final
@attrs.frozen(kw_only=True)
class WorkflowPolicy:
    """A deployment's rules for the workflow; every field has a sensible default.

    - ``self_sign_tracks``: tracks on which the unit that received an item may
      sign for it itself, with no transfer (即办 by default).
    - ``time_limits``: the time allowed per track, used for the deadline when a
      transfer or a self-signed item does not give one: a :class:`TimeLimit`
      (or its text, "15 working days") counted on ``working_hours``, or a
      ``timedelta`` of elapsed time. A track missing here needs an explicit
      deadline. Only 即办 has one by default: 1 working day.
    - ``type_limits``: the time allowed per request type (诉求类型), which
      replaces the track's for an item of that type: keyed by a
      :class:`RequestType`, or by a ``(RequestType, Track)`` pair for the type
      on one track (an emergency on 即办 may get hours where the type gets
      days). The most specific limit wins: the pair's, else the type's, else
      the track's in ``time_limits``. None by default, so an item's type
      changes nothing until a deployment sets limits for it.
    - ``working_hours``: the calendar, office hours, daily cut-off and zone
      that working-day limits are counted on (China's official calendar,
      Asia/Shanghai, by default).
    - ``evaluation_window``: how long the requester has to rate an answered item
      before it may be closed unrated (7 days of elapsed time by default; a
      :class:`TimeLimit` counts working time instead).
    - ``close_on_satisfied_rating``: whether a satisfied rating closes an
      answered item at once (the default) or leaves closing to a reviewer.
    - ``rater_kinds``: who may rate a matter (一事一评). Only the requester by
      default; a deployment may add party members, deputies and committee
      members, or service recipients.
    - ``rectification_limit``: the time a rectification (整改) gets when a bad
      rating, a follow-up visit or an order opens one without a deadline of its
      own: 5 working days by default (regions use 5 or 15).
    - ``units``: when given, every unit named in a step must be in this tree, and
      a 督办 item's supervising unit must be the handling unit's parent: raised
      exactly one level.
    - ``provisional_years``: how many years past the calendar's last official
      one a deadline may be counted into provisionally, on the statutory
      holidays alone (2 by default; see :meth:`WorkCalendar.with_provisional_years`).
      Such a deadline is marked provisional wherever it is recorded, and can be
      restated once the official schedule is loaded. ``0`` refuses any deadline
      the official schedules do not cover, with :class:`UnknownYearError`.

    >>> str(WorkflowPolicy().time_limits[Track.IMMEDIATE])
    '1 working day'
    >>> import pendulum
    >>> policy = WorkflowPolicy(time_limits={Track.JOINT: "15 working days"})
    >>> received = pendulum.datetime(2026, 9, 24, 10, tz="Asia/Shanghai")
    >>> policy.deadline_for(Track.JOINT, received).isoformat()  # over 国庆 and 中秋
    '2026-10-22T17:30:00+08:00'
    """

    self_sign_tracks: frozenset[Track] = attrs.field(
        default=frozenset({Track.IMMEDIATE}),
        validator=items_of(member_of(Track), container=frozenset),
    )
    time_limits: Mapping[Track, Limit] = attrs.field(
        default=DEFAULT_TIME_LIMITS, converter=_freeze_limits, validator=_check_limits
    )
    type_limits: Mapping[TypeKey, Limit] = attrs.field(
        default=MappingProxyType({}), converter=_freeze_type_limits, validator=_check_type_limits
    )
    working_hours: WorkingHours = attrs.field(
        default=DEFAULT_WORKING_HOURS, validator=of_type(WorkingHours)
    )
    evaluation_window: Limit = attrs.field(
        default=dt.timedelta(days=7), converter=as_limit, validator=check_limit_field
    )
    close_on_satisfied_rating: bool = attrs.field(default=True, validator=of_type(bool))
    rater_kinds: frozenset[RaterKind] = attrs.field(
        default=frozenset({RaterKind.REQUESTER}),
        validator=items_of(member_of(RaterKind), container=frozenset),
    )
    rectification_limit: Limit = attrs.field(
        default=TimeLimit.working_days(5), converter=as_limit, validator=check_limit_field
    )
    units: UnitTree | None = attrs.field(default=None, validator=of_type(UnitTree, optional=True))
    provisional_years: int = attrs.field(
        default=DEFAULT_PROVISIONAL_YEARS, validator=whole_number(0, maximum=10)
    )
    _counting: WorkingHours | None = attrs.field(init=False, default=None, repr=False, eq=False)

    @property
    def counting_hours(self) -> WorkingHours:
        """The working hours deadlines are counted on: ``working_hours``, its
        calendar followed by ``provisional_years`` provisional years (built on
        first use: most processes never count past the official years' data)."""
        counting = self._counting
        if counting is None:
            counting = _counting_hours(self.working_hours, self.provisional_years)
            object.__setattr__(self, "_counting", counting)
        return counting

    def after(self, start: DateTime, limit: Limit) -> DateTime:
        """When ``limit`` runs out from ``start``: working time on
        :attr:`counting_hours` for a :class:`TimeLimit`, elapsed time for a timedelta."""
        if isinstance(limit, TimeLimit):
            return self.counting_hours.deadline(start, limit)
        return add_elapsed(start, limit)

    def is_provisional(self, deadline: DateTime, limit: Limit) -> bool:
        """Whether ``deadline``, counted with ``limit``, ran through a provisional
        year: working time that reaches a year with no official schedule yet.
        Elapsed time never is."""
        return isinstance(limit, TimeLimit) and self.counting_hours.is_provisional(deadline)

    def to_dict(self) -> dict[str, Any]:
        """The policy as plain data, ready for JSON: versioned (``"format": 1``)
        and with every setting written, so it reads back as this policy even
        after the defaults change. Limits are their text or, for elapsed time,
        days, seconds and microseconds; the calendar is China's packaged one
        plus the schedules added to it, each as :meth:`YearSchedule.to_dict`.

        >>> policy = WorkflowPolicy(time_limits={Track.JOINT: "15 working days"})
        >>> policy.to_dict()["time_limits"]
        {'joint': '15 working days'}
        >>> WorkflowPolicy.from_dict(policy.to_dict()) == policy
        True
        """
        return policy_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "WorkflowPolicy":
        """The policy in ``data`` (the :meth:`to_dict` form); a setting left out
        takes its default. Anything else raises an error naming the key."""
        return cls(**policy_from_dict(data))

    def limit_for(self, track: Track, request_type: RequestType | None = None) -> Limit | None:
        """The time limit of an item on ``track`` of ``request_type``: the most
        specific in the policy (see ``type_limits``), ``None`` if it sets none.

        >>> policy = WorkflowPolicy(type_limits={RequestType.COMPLAINT: "15 working days",
        ...     (RequestType.COMPLAINT, Track.IMMEDIATE): "24 working hours"})
        >>> [str(policy.limit_for(Track.JOINT, RequestType.COMPLAINT)),
        ...  str(policy.limit_for(Track.IMMEDIATE, RequestType.COMPLAINT)),
        ...  str(policy.limit_for(Track.IMMEDIATE, RequestType.HELP)),
        ...  policy.limit_for(Track.JOINT)]
        ['15 working days', '24 working hours', '1 working day', None]
        """
        if request_type is not None and self.type_limits:
            limit = self.type_limits.get((request_type, track))
            if limit is None:
                limit = self.type_limits.get(request_type)
            if limit is not None:
                return limit
        return self.time_limits.get(track)

    def deadline_for(
        self, track: Track, start: DateTime, *, request_type: RequestType | None = None
    ) -> DateTime:
        """The deadline of an item on ``track`` (of ``request_type``, if given)
        that starts at ``start``, from :meth:`limit_for`; an item the policy sets
        no limit for raises ``NotFoundError``."""
        limit = self.limit_for(track, request_type)
        if limit is None:
            raise NotFoundError(
                field="WorkflowPolicy.time_limits",
                value=track,
                problem="has no time limit for this track",
                hint="Give the deadline explicitly, or set a limit for the track.",
            )
        return self.after(start, limit)


@functools.lru_cache(maxsize=64)
def _counting_hours(hours: WorkingHours, years: int) -> WorkingHours:
    calendar = hours.calendar.with_provisional_years(years)
    return hours if calendar == hours.calendar else attrs.evolve(hours, calendar=calendar)


DEFAULT_POLICY = WorkflowPolicy()


def check_policy(policy: object, *, field: str) -> WorkflowPolicy:
    """``policy`` if it is a :class:`WorkflowPolicy`; else an error naming ``field``."""
    if not isinstance(policy, WorkflowPolicy):
        raise InvalidTypeError(field=field, value=policy, problem="must be a WorkflowPolicy")
    return policy
