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
import functools
import re
import zoneinfo
from typing import Any, Protocol, final, runtime_checkable

import attrs
import pendulum
from pendulum import DateTime

from .errors import BanshishiError, InvalidTypeError, InvalidValueError, NaiveDatetimeError
from .validators import field_name

DEFAULT_TIMEZONE = "Asia/Shanghai"
"""The zone used wherever the library must choose one: China Standard Time."""


@runtime_checkable
class Clock(Protocol):
    """Anything with a ``now()`` that returns an aware ``pendulum.DateTime``."""

    def now(self) -> DateTime: ...


def check_zone(name: object, *, field: str) -> str:
    """``name`` if it is an IANA time-zone name pendulum knows; else a library error.

    Offsets, numbers and ``None`` are refused: ``None`` would mean the host's zone,
    and banshishi never lets the machine's settings change a figure.
    """
    if not isinstance(name, str):
        raise InvalidTypeError(field=field, value=name, problem="must be an IANA time-zone name")
    # The default zone is known good: the look-up of every zone on the machine (some
    # 10 ms) waits for another one, and so stays out of ``import banshishi``.
    if name != DEFAULT_TIMEZONE and name not in _zone_names():
        raise InvalidValueError(
            field=field, value=name, problem="is not a known IANA time-zone name"
        )
    return name


@functools.cache
def _zone_names() -> frozenset[str]:
    # "localtime" links to the host's zone and "Factory" means "not set": neither
    # names a place, and either would let the machine change a figure.
    host = {"localtime", "Factory", "posixrules"}
    names = zoneinfo.available_timezones() - host
    return frozenset(n for n in names if not n.startswith(("posix/", "right/")))


def check_zone_field(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    """attrs validator: an IANA zone name (see :func:`check_zone`)."""
    check_zone(value, field=field_name(instance, attribute))


@final
@attrs.frozen
class SystemClock:
    """The real time, in ``timezone`` (Asia/Shanghai unless told otherwise)."""

    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, validator=check_zone_field)

    def now(self) -> DateTime:
        return pendulum.now(self.timezone)


def _clock_moment(value: DateTime) -> DateTime:
    return as_datetime(value, field="FixedClock.moment")


@final
@attrs.define
class FixedClock:
    """A clock that says the same moment until moved on with :meth:`advance` or :meth:`set`.

    >>> import pendulum
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
        try:
            moved = self.moment.add(**interval)
        except (TypeError, ValueError, OverflowError):
            raise InvalidValueError(
                field="FixedClock.advance",
                value=interval,
                problem="must be whole numbers of years, months, weeks, days, hours, "
                "minutes, seconds or microseconds that keep the date in range",
            ) from None
        self.moment = moved
        return self


def as_datetime(value: object, *, field: str) -> DateTime:
    """``value`` as an aware ``pendulum.DateTime``, or a library error naming ``field``.

    A stdlib aware ``datetime`` is converted keeping its zone; a naive one raises
    ``NaiveDatetimeError``; anything else raises ``InvalidTypeError``.
    """
    if type(value) is DateTime and _has_pendulum_zone(value):
        return value  # the common case, checked first: a pendulum zone always has an offset
    if not isinstance(value, dt.datetime):
        raise InvalidTypeError(field=field, value=value, problem="must be an aware datetime")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(
            field=field,
            value=value,
            problem="has no time zone",
            hint=f"Attach one, e.g. pendulum.instance(value, tz={DEFAULT_TIMEZONE!r}).",
        )
    try:
        return _to_pendulum(value)
    except OverflowError:
        raise InvalidValueError(
            field=field, value=value, problem="is too close to the ends of the calendar to convert"
        ) from None


PENDULUM_ZONES = (pendulum.Timezone, pendulum.FixedTimezone)


def _has_pendulum_zone(value: dt.datetime) -> bool:
    return isinstance(value.tzinfo, PENDULUM_ZONES)


def optional_moment(value: object, *, field: str) -> DateTime | None:
    """``None``, or ``value`` checked by :func:`as_datetime` (for ``as_of=`` arguments)."""
    return None if value is None else as_datetime(value, field=field)


def _to_pendulum(value: dt.datetime) -> DateTime:
    """A pendulum DateTime with a pendulum zone: named zones keep their name."""
    # pendulum.instance() turns the stdlib's fixed timezone.utc into the *named*
    # zone UTC; keep a fixed offset fixed, so "+00:00" text round-trips as it was.
    tz = value.tzinfo
    if isinstance(tz, dt.timezone):
        offset = value.utcoffset() or dt.timedelta(0)
        return pendulum.instance(
            value.replace(tzinfo=pendulum.FixedTimezone(int(offset.total_seconds())))
        )
    if isinstance(tz, zoneinfo.ZoneInfo):
        # pendulum.instance() keeps a stdlib ZoneInfo as it is on a pendulum DateTime.
        return pendulum.instance(value.astimezone(pendulum.timezone(tz.key)))
    return pendulum.instance(value)


def aware_datetime(value: DateTime) -> DateTime:
    """attrs converter: a stdlib aware datetime becomes a pendulum one.

    Anything else passes through unchanged for the validator to judge.
    """
    try:
        return as_datetime(value, field="")
    except BanshishiError:
        return value  # the validator reports it, naming the field


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

    >>> import pendulum
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
    if isinstance(text, str):
        try:
            return _known(text)
        except BanshishiError:
            pass  # read it again below, to name the field in the error
    return _parse(text, field)


@functools.lru_cache(maxsize=1 << 14)
def _known(text: str) -> DateTime:
    """:func:`parse_instant` of recent texts, kept: a ledger read back holds the
    same moments (a day's 17:30 deadline) many times, and a DateTime is immutable."""
    return _parse(text, "moment")


def _parse(text: str, field: str) -> DateTime:
    if not isinstance(text, str):
        raise InvalidTypeError(field=field, value=text, problem="must be RFC 3339 text")
    match = _RFC3339.fullmatch(text)
    if match is None:
        if _RFC3339.fullmatch(text + "Z"):
            raise NaiveDatetimeError(
                field=field,
                value=text,
                problem="has no UTC offset",
                hint="Append one, e.g. +08:00.",
            )
        raise InvalidValueError(field=field, value=text, problem="is not an RFC 3339 date-time")
    stamp, zone = match["stamp"], match["zone"]
    if match["second"] == "60":
        raise InvalidValueError(
            field=field,
            value=text,
            problem="is a leap second, which banshishi does not represent",
            hint="Use :59 of the same minute.",
        )
    try:
        moment = _to_pendulum(dt.datetime.fromisoformat(stamp.upper().replace("Z", "+00:00")))
    except ValueError:  # month 13, 25 o'clock, …
        raise InvalidValueError(
            field=field, value=text, problem="is not a valid RFC 3339 date-time"
        ) from None
    if zone is None:
        return moment
    try:
        zoned = moment.in_timezone(check_zone(zone, field=field))
    except InvalidValueError:
        raise InvalidValueError(
            field=field, value=text, problem="names an unknown time zone"
        ) from None
    except OverflowError:
        raise InvalidValueError(
            field=field, value=text, problem="is outside the range of dates that can be represented"
        ) from None
    # "Z" with a zone says the UTC time is known and the local offset is to be
    # derived from the zone (RFC 9557), so only an explicit offset can contradict.
    if match["offset"] not in "Zz" and zoned.utcoffset() != moment.utcoffset():
        raise InvalidValueError(
            field=field, value=text, problem="has an offset that contradicts its time zone"
        )
    return zoned


_RFC3339 = re.compile(
    r"(?P<stamp>[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:(?P<second>[0-9]{2})"
    r"(?:\.[0-9]+)?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2}))"
    r"(?:\[(?P<zone>.*)\])?"
)


def _zone_name(moment: DateTime) -> str:
    """The IANA name of ``moment``'s zone, or "" for a fixed offset."""
    tz = moment.tzinfo
    if isinstance(tz, pendulum.FixedTimezone):
        return ""
    name = getattr(tz, "name", None)
    return name if isinstance(name, str) else ""


def add_elapsed(moment: DateTime, interval: dt.timedelta) -> DateTime:
    """``moment`` plus ``interval`` of elapsed time, in ``moment``'s zone.

    pendulum's own arithmetic, which counts elapsed time across daylight-saving
    changes (a wall-clock sum could land in a gap). Every deadline and window
    the workflow computes goes through here.
    """
    return moment + interval


def check_clock(clock: object, *, field: str) -> None:
    """``None`` or a clock: an object whose ``now()`` gives the current moment.

    A class or a datetime has a ``now`` too, but is not a clock: passing one by
    mistake would date every step by the real time, so it is refused.
    """
    if clock is None:
        return
    if isinstance(clock, type | dt.datetime) or not callable(getattr(clock, "now", None)):
        raise InvalidTypeError(
            field=field,
            value=clock,
            problem="must be a clock with a now() method",
            hint="Pass FixedClock(moment) or SystemClock(), not a class or a datetime.",
        )
