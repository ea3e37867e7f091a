"""Time: the default zone, injectable clocks, and exact text for an instant.

Every moment in banshishi is a timezone-aware ``pendulum.DateTime``. A naive
datetime is refused rather than guessed at: a 12345 ticket logged at 23:30 in
Urumqi and one logged at 23:30 UTC fall on different working days.

"Now" is never read deep inside the library. Functions take ``as_of=`` or a
``Clock``; ``SystemClock`` reads the real time and ``FixedClock`` is for tests,
replays and reports "as of" a past moment.

Text form: :func:`format_instant` writes RFC 3339 with the zone name appended in
brackets as RFC 9557 allows (``2026-11-21T09:30:00+08:00[Asia/Shanghai]``), so
the zone survives a round trip through JSON and not just the offset.
"""

import datetime as dt
from typing import Any, Protocol, final, runtime_checkable

import attrs
import pendulum
from pendulum import DateTime

from ._errors import InvalidTypeError, InvalidValueError, NaiveDatetimeError
from ._validators import field_name

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""The zone used wherever the library must choose one: China Standard Time."""


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` that returns an aware ``pendulum.DateTime``."""

    def now(self) -> DateTime: ...


@final
@attrs.frozen
class SystemClock:
    """The real time, in ``timezone`` (Asia/Shanghai unless told otherwise)."""

    timezone: str = DEFAULT_TIMEZONE

    def now(self) -> DateTime:
        return pendulum.now(self.timezone)


def _clock_moment(value: DateTime) -> DateTime:
    return as_datetime(value, field="FixedClock.moment")


@final
@attrs.define
class FixedClock:
    """A clock that says the same moment until moved on with :meth:`advance` or :meth:`set`.

    >>> clock = FixedClock(pendulum.datetime(2026, 11, 21, 9, tz="Asia/Shanghai"))
    >>> clock.advance(hours=2).now().isoformat()
    '2026-11-21T11:00:00+08:00'
    """

    moment: DateTime = attrs.field(converter=_clock_moment)

    def now(self) -> DateTime:
        return self.moment

    def set(self, moment: DateTime) -> "FixedClock":
        self.moment = as_datetime(moment, field="FixedClock.moment")
        return self

    def advance(self, **interval: int) -> "FixedClock":
        """Move the clock forward by pendulum ``add`` units (``days=1``, ``hours=2``, …)."""
        self.moment = self.moment.add(**interval)
        return self


def as_datetime(value: object, *, field: str) -> DateTime:
    """``value`` as an aware ``pendulum.DateTime``, or a library error naming ``field``.

    A stdlib aware ``datetime`` is converted keeping its zone; a naive one raises
    ``NaiveDatetimeError``; anything else raises ``InvalidTypeError``.
    """
    if not isinstance(value, dt.datetime):
        raise InvalidTypeError(field=field, value=value, problem="must be an aware datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(
            field=field,
            value=value,
            problem="has no time zone",
            hint=f"Attach one, e.g. pendulum.instance(value, tz={DEFAULT_TIMEZONE!r}).",
        )
    if isinstance(value, DateTime):
        return value
    return _to_pendulum(value)


def optional_moment(value: object, *, field: str) -> DateTime | None:
    """``None``, or ``value`` checked by :func:`as_datetime` (for ``as_of=`` arguments)."""
    if value is None or (type(value) is DateTime and value.tzinfo is not None):
        return value
    return as_datetime(value, field=field)


def _to_pendulum(value: dt.datetime) -> DateTime:
    # pendulum.instance() turns the stdlib's fixed timezone.utc into the *named*
    # zone UTC; keep a fixed offset fixed, so "+00:00" text round-trips as it was.
    if isinstance(value.tzinfo, dt.timezone):
        offset = value.utcoffset() or dt.timedelta(0)
        value = value.replace(tzinfo=pendulum.FixedTimezone(int(offset.total_seconds())))
    return pendulum.instance(value)


def aware_datetime(value: DateTime) -> DateTime:
    """attrs converter: a stdlib aware datetime becomes a pendulum one.

    Anything else passes through unchanged for the validator to judge.
    """
    if isinstance(value, dt.datetime) and not isinstance(value, DateTime) and value.tzinfo:
        return _to_pendulum(value)
    return value


def optional_aware_datetime(value: DateTime | None) -> DateTime | None:
    """:func:`aware_datetime` that lets ``None`` through."""
    return None if value is None else aware_datetime(value)


def check_aware(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    """attrs validator: an aware ``pendulum.DateTime``."""
    as_datetime(value, field=field_name(instance, attribute))


def check_optional_aware(
    instance: object, attribute: "attrs.Attribute[Any]", value: object
) -> None:
    """attrs validator: ``None`` or an aware ``pendulum.DateTime``."""
    if value is not None:
        check_aware(instance, attribute, value)


def format_instant(moment: DateTime) -> str:
    """RFC 3339 text for ``moment``, with its zone name in brackets when it has one.

    >>> format_instant(pendulum.datetime(2026, 2, 14, 9, 30, tz="Asia/Shanghai"))
    '2026-02-14T09:30:00+08:00[Asia/Shanghai]'
    """
    moment = as_datetime(moment, field="moment")
    text = moment.isoformat()
    name = _zone_name(moment)
    return f"{text}[{name}]" if name else text


def parse_instant(text: str, *, field: str = "moment") -> DateTime:
    """The inverse of :func:`format_instant`; also takes plain RFC 3339 with an offset.

    Text without an offset is refused (it would be a naive time), and so is an
    offset that contradicts the bracketed zone.

    >>> parse_instant("2026-02-14T09:30:00+08:00[Asia/Shanghai]").timezone_name
    'Asia/Shanghai'
    """
    if not isinstance(text, str):
        raise InvalidTypeError(field=field, value=text, problem="must be RFC 3339 text")
    stamp, zone = text, ""
    if text.endswith("]") and "[" in text:
        stamp, _, zone = text[:-1].partition("[")
    try:
        parsed = dt.datetime.fromisoformat(stamp)
    except ValueError:
        raise InvalidValueError(
            field=field, value=text, problem="is not an RFC 3339 date-time"
        ) from None
    moment = as_datetime(parsed, field=field)
    if not zone:
        return moment
    try:
        zoned = moment.in_timezone(zone)
    except (ValueError, LookupError):
        raise InvalidValueError(
            field=field, value=text, problem="names an unknown time zone"
        ) from None
    if zoned.utcoffset() != moment.utcoffset():
        raise InvalidValueError(
            field=field, value=text, problem="has an offset that contradicts its time zone"
        )
    return zoned


def _zone_name(moment: DateTime) -> str:
    """The IANA name of ``moment``'s zone, or "" for a fixed offset."""
    tz = moment.tzinfo
    if isinstance(tz, pendulum.FixedTimezone):
        return ""
    name = getattr(tz, "name", None)
    return name if isinstance(name, str) else ""
