"""One year's official holiday schedule (放假安排), as the State Council publishes it.

Each year the General Office of the State Council announces the public holidays
and the adjusted working days (调休) of the following year, usually in November.
A :class:`YearSchedule` holds one such announcement; :class:`WorkCalendar` is
built from them. A schedule can be written by hand as a dict or a small TOML or
JSON file, so a new year needs no library release::

    year = 2027

    [holidays]
    "元旦" = ["2027-01-01"]
    "春节" = ["2027-02-06/2027-02-12"]   # a range, both ends included

    [workdays]
    "春节" = ["2027-02-14"]              # a weekend day worked instead (调休)

(The dates above only show the format; they are not an official schedule.)
Holidays may fall on weekends (a 国庆 week spans one); make-up working days
must be weekend days, and no date may be both.
"""

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, final

import attrs

from banshishi._core.errors import (
    BanshishiError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
)
from banshishi._core.json_input import read_json
from banshishi._core.validators import encodable, field_name

MAX_FILE_BYTES = 1 << 20
"""The largest schedule file :meth:`YearSchedule.load` reads: a year's schedule
takes a few hundred bytes."""

FIRST_YEAR = 1949
LAST_YEAR = 2200
"""The years a schedule may be for: plain bounds that catch typos such as 20277."""


def _freeze_days(value: object) -> object:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _check_year(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    _year_of(field_name(instance, attribute), value)


def _year_of(name: str, value: object) -> int:
    if type(value) is not int:
        raise InvalidTypeError(field=name, value=value, problem="must be an int")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise InvalidValueError(
            field=name, value=value, problem=f"must be between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return value


def _check_days(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    name = field_name(instance, attribute)
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            field=name, value=value, problem="must be a mapping of dates to holiday names"
        )
    year = getattr(instance, "year", None)
    for day, label in value.items():
        where = f"{name}[{day!s}]"
        if type(day) is not dt.date:
            raise InvalidTypeError(field=where, value=day, problem="must be a datetime.date")
        if day.year != year:
            raise InvalidValueError(
                field=where, value=day, problem=f"is outside the schedule's year {year}"
            )
        if not isinstance(label, str) or not label.strip():
            raise InvalidValueError(
                field=where, value=label, problem="must name the holiday (e.g. 春节)"
            )
        encodable(label, field=where)


@final
@attrs.frozen(kw_only=True)
class YearSchedule:
    """The official holidays and make-up working days of one year.

    ``holidays`` and ``workdays`` map each date to the name of the holiday it
    belongs to. Weekdays not in ``holidays`` and weekend days in ``workdays``
    are working days; everything else is a day off.

    >>> schedule = YearSchedule.from_dict(
    ...     {"year": 2026, "holidays": {"元旦": ["2026-01-01/2026-01-03"]},
    ...      "workdays": {"元旦": ["2026-01-04"]}})
    >>> sorted(day.isoformat() for day in schedule.holidays)
    ['2026-01-01', '2026-01-02', '2026-01-03']
    """

    year: int = attrs.field(validator=_check_year)
    # The maps are left out of the hash (they are read-only views, which cannot
    # be hashed); equal schedules still hash alike, by year.
    holidays: Mapping[dt.date, str] = attrs.field(
        factory=dict, converter=_freeze_days, validator=_check_days, hash=False
    )
    workdays: Mapping[dt.date, str] = attrs.field(
        factory=dict, converter=_freeze_days, validator=_check_days, hash=False
    )

    def __attrs_post_init__(self) -> None:
        for day in sorted(self.workdays):
            if day in self.holidays:
                raise InconsistentRecordError(
                    field=f"YearSchedule.workdays[{day}]",
                    value=day,
                    problem=f"is also a holiday ({self.holidays[day]})",
                    hint="A date is either a day off or a working day, not both.",
                )
            if day.weekday() < 5:
                raise InvalidValueError(
                    field=f"YearSchedule.workdays[{day}]",
                    value=day,
                    problem="is a weekday, which is a working day anyway",
                    hint="Make-up working days (调休) are Saturdays or Sundays.",
                )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "YearSchedule":
        """A schedule from plain data: ``year``, and ``holidays``/``workdays``
        mapping each holiday's name to a list of ISO dates or ``start/end`` ranges."""
        if not isinstance(data, Mapping):
            raise InvalidTypeError(field="schedule", value=data, problem="must be a mapping")
        for key in data:
            if key not in {"year", "holidays", "workdays"}:
                raise InvalidValueError(
                    field=f"schedule.{key}",
                    value=data[key],
                    problem="is not a schedule key",
                    hint="A schedule has year, holidays and workdays.",
                )
        if "year" not in data:
            raise InvalidValueError(field="schedule.year", value=None, problem="is required")
        year = _year_of("schedule.year", data["year"])
        return cls(
            year=year,
            holidays=_read_days(data.get("holidays", {}), "schedule.holidays", year),
            workdays=_read_days(data.get("workdays", {}), "schedule.workdays", year),
        )

    @classmethod
    def load(cls, path: str | Path) -> "YearSchedule":
        """A schedule from a ``.toml`` or ``.json`` file in the :meth:`from_dict` shape.

        A file larger than :data:`MAX_FILE_BYTES` is refused unread; JSON is read
        by the library's one JSON reader (no key twice, no deep nesting).
        """
        source = Path(path)
        suffix = source.suffix.lower()
        if suffix not in {".toml", ".json"}:
            raise InvalidValueError(
                field="path", value=str(path), problem="must be a .toml or .json file"
            )
        try:
            with source.open("rb") as file:
                raw = file.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise InvalidValueError(
                field="path", value=str(path), problem=f"cannot be read ({error.strerror})"
            ) from None
        if len(raw) > MAX_FILE_BYTES:
            raise InvalidValueError(
                field="path",
                value=str(path),
                problem=f"is larger than the {MAX_FILE_BYTES:,} bytes a schedule file may have",
            )
        data = _parse(raw, suffix, str(path))
        try:
            return cls.from_dict(data)
        except BanshishiError as error:
            raise error.at(f"{source.name}: {error.field}") from None

    def to_dict(self) -> dict[str, Any]:
        """The :meth:`from_dict` form, with consecutive days written as ranges."""
        return {
            "year": self.year,
            "holidays": _write_days(self.holidays),
            "workdays": _write_days(self.workdays),
        }


def _parse(raw: bytes, suffix: str, path: str) -> Any:
    """The data in a schedule file's bytes, or an error naming ``path``."""
    try:
        text = raw.decode("utf-8")
        if suffix == ".json":
            return read_json(text, field="schedule")
    except InvalidValueError as error:  # from the JSON reader, naming where in the file
        problem = f"is not valid json: {error.field} {error.problem}"
    except UnicodeDecodeError as error:
        problem = f"is not valid {suffix[1:]}: {error}"
    else:
        return _parse_toml(text, path)
    raise InvalidValueError(field="path", value=path, problem=problem)


def _parse_toml(text: str, path: str) -> Any:
    import tomllib  # loaded with the first TOML file: most processes never read one

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problem = f"is not valid toml: {error}"
    except RecursionError:
        problem = "is not valid toml: it nests too deeply"
    except ValueError:  # a number of more digits than Python converts
        problem = "is not valid toml: it holds a number too long to read"
    raise InvalidValueError(field="path", value=path, problem=problem)


def _read_days(value: object, field: str, year: int) -> dict[dt.date, str]:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            field=field, value=value, problem="must map holiday names to lists of dates"
        )
    days: dict[dt.date, str] = {}
    for label, entries in value.items():
        where = f"{field}[{label}]"
        if not isinstance(entries, list | tuple):
            raise InvalidTypeError(field=where, value=entries, problem="must be a list of dates")
        for entry in entries:
            for day in _expand(entry, where, year):
                if day in days:
                    raise InvalidValueError(
                        field=where, value=entry, problem=f"lists {day} a second time"
                    )
                days[day] = label
    return days


def _expand(entry: object, field: str, year: int) -> list[dt.date]:
    """The days of ``2026-10-01`` or ``2026-10-01/2026-10-08`` (both ends included)."""
    if isinstance(entry, dt.date) and not isinstance(entry, dt.datetime):  # TOML dates
        start = end = dt.date(entry.year, entry.month, entry.day)
    elif isinstance(entry, str):
        match = _DAYS.fullmatch(entry.strip())
        try:
            if match is None:
                raise ValueError(entry)
            start = dt.date.fromisoformat(match["start"])
            end = dt.date.fromisoformat(match["end"]) if match["end"] else start
        except ValueError:
            raise InvalidValueError(
                field=field, value=entry, problem="is not a date (YYYY-MM-DD) or a start/end range"
            ) from None
    else:
        raise InvalidTypeError(
            field=field, value=entry, problem="must be a date (YYYY-MM-DD) or a start/end range"
        )
    if end < start:
        raise InvalidValueError(field=field, value=entry, problem="ends before it starts")
    if start.year != year or end.year != year:  # checked before a long range is expanded
        raise InvalidValueError(
            field=field, value=entry, problem=f"is outside the schedule's year {year}"
        )
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


_DAYS = re.compile(
    r"(?P<start>[0-9]{4}-[0-9]{2}-[0-9]{2})(?:/(?P<end>[0-9]{4}-[0-9]{2}-[0-9]{2}))?"
)
_YEAR = attrs.fields(YearSchedule).year


def _write_days(days: Mapping[dt.date, str]) -> dict[str, list[str]]:
    written: dict[str, list[str]] = {}
    ordered = sorted(days)
    index = 0
    while index < len(ordered):
        start = end = ordered[index]
        label = days[start]
        while (
            index + 1 < len(ordered)
            and ordered[index + 1] == end + dt.timedelta(days=1)
            and days[ordered[index + 1]] == label
        ):
            index += 1
            end = ordered[index]
        span = start.isoformat() if start == end else f"{start.isoformat()}/{end.isoformat()}"
        written.setdefault(label, []).append(span)
        index += 1
    return written
