"""A :class:`WorkflowPolicy` as plain data (JSON-ready), and back.

The form is versioned (``"format": 1``) and complete: every setting is written,
so a policy read back by a later banshishi whose defaults have changed is still
the policy written. Limits are their text (``"15 working days"``) or, for
elapsed time, ``{"days": 7, "seconds": 0, "microseconds": 0}``. The calendar is
written as China's packaged calendar (``"base": "china"``) plus every schedule
added to it or replacing one of its years (each as :meth:`YearSchedule.to_dict`),
so a calendar with a loaded schedule round-trips, and a newer ``chinesecalendar``
package's years are taken up without a change of policy; a calendar built from
other schedules is written whole (``"base": null``).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from banshishi._calendar.schedule import YearSchedule
from banshishi._calendar.time_limit import TimeLimit
from banshishi._calendar.work_calendar import WorkCalendar, china_calendar
from banshishi._calendar.working_hours import WorkingHours
from banshishi._core.errors import BanshishiError, InvalidTypeError, InvalidValueError
from banshishi._model.converter import structure, unstructure
from banshishi._model.evaluation import RaterKind
from banshishi._model.units import Unit, UnitTree
from banshishi._model.vocabulary import RequestType, Track

POLICY_FORMAT = 1
"""The version of the plain-data form this banshishi writes and reads."""

_KEYS = (
    "format",
    "self_sign_tracks",
    "time_limits",
    "type_limits",
    "working_hours",
    "evaluation_window",
    "close_on_satisfied_rating",
    "rater_kinds",
    "rectification_limit",
    "units",
    "provisional_years",
)
_HOURS_KEYS = ("calendar", "spans", "cutoff", "timezone")
_CALENDAR_KEYS = ("base", "schedules", "provisional")


def policy_to_dict(policy: Any) -> dict[str, Any]:
    """``policy`` (a :class:`WorkflowPolicy`) as plain data, every setting written."""
    hours: WorkingHours = policy.working_hours
    return {
        "format": POLICY_FORMAT,
        "self_sign_tracks": sorted(track.value for track in policy.self_sign_tracks),
        "time_limits": {
            track.value: _limit_data(limit)
            for track, limit in sorted(policy.time_limits.items(), key=lambda i: i[0].value)
        },
        "type_limits": {
            type_key_text(key): _limit_data(limit)
            for key, limit in sorted(policy.type_limits.items(), key=lambda i: type_key_text(i[0]))
        },
        "working_hours": {
            "calendar": _calendar_data(hours.calendar),
            "spans": [[start.isoformat(), end.isoformat()] for start, end in hours.spans],
            "cutoff": None if hours.cutoff is None else hours.cutoff.isoformat(),
            "timezone": hours.timezone,
        },
        "evaluation_window": _limit_data(policy.evaluation_window),
        "close_on_satisfied_rating": policy.close_on_satisfied_rating,
        "rater_kinds": sorted(kind.value for kind in policy.rater_kinds),
        "rectification_limit": _limit_data(policy.rectification_limit),
        "units": None if policy.units is None else [unstructure(unit) for unit in policy.units],
        "provisional_years": policy.provisional_years,
    }


def policy_from_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """The :class:`WorkflowPolicy` arguments in ``data`` (the :func:`policy_to_dict`
    form); a missing setting is left out, to take its default. Anything else
    raises :class:`InvalidValueError` or :class:`InvalidTypeError` naming the key
    (``policy.time_limits.joint``)."""
    _check_keys(data, _KEYS, "policy")
    if data.get("format") != POLICY_FORMAT:
        raise InvalidValueError(
            field="policy.format",
            value=data.get("format"),
            problem=f"is not a policy format this banshishi reads ({POLICY_FORMAT})",
        )
    readers: dict[str, Callable[[Any, str], Any]] = {
        "self_sign_tracks": lambda v, f: frozenset(_members(Track, v, f)),
        "time_limits": _limits,
        "type_limits": _type_limits,
        "working_hours": _hours,
        "evaluation_window": _limit,
        "close_on_satisfied_rating": lambda v, f: v,
        "rater_kinds": lambda v, f: frozenset(_members(RaterKind, v, f)),
        "rectification_limit": _limit,
        "units": _units,
        "provisional_years": lambda v, f: v,
    }
    return {
        name: read(data[name], f"policy.{name}") for name, read in readers.items() if name in data
    }


def _check_keys(data: object, keys: tuple[str, ...], field: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InvalidTypeError(field=field, value=data, problem="must be a mapping")
    for key in data:
        if key not in keys:
            raise InvalidValueError(
                field=f"{field}.{key}",
                value=data[key],
                problem="is not a setting of its own",
                hint=f"The keys are {', '.join(keys)}.",
            )
    return data


def _limit_data(limit: TimeLimit | dt.timedelta) -> Any:
    if isinstance(limit, TimeLimit):
        return str(limit)
    return {"days": limit.days, "seconds": limit.seconds, "microseconds": limit.microseconds}


def _limit(value: Any, field: str) -> Any:
    if isinstance(value, str):
        try:
            return TimeLimit.parse(value)
        except BanshishiError as error:
            raise error.at(field) from None
    parts = _check_keys(value, ("days", "seconds", "microseconds"), field)
    for key, part in parts.items():
        if isinstance(part, bool) or not isinstance(part, int):
            raise InvalidTypeError(
                field=f"{field}.{key}", value=part, problem="must be a whole number"
            )
    try:
        return dt.timedelta(**parts)
    except OverflowError:
        raise InvalidValueError(field=field, value=value, problem="is out of range") from None


def _limits(value: Any, field: str) -> dict[Track, Any]:
    limits = _check_keys(value, tuple(track.value for track in Track), field)
    return {Track(track): _limit(limit, f"{field}.{track}") for track, limit in limits.items()}


def type_key_text(key: object) -> str:
    """A key of ``type_limits`` as text: ``"complaint"``, or ``"complaint.immediate"``
    for a request type on one track (how the plain data writes it, and how errors
    name it)."""
    if isinstance(key, tuple) and len(key) == 2:
        return f"{getattr(key[0], 'value', key[0])}.{getattr(key[1], 'value', key[1])}"
    return str(getattr(key, "value", key))


def _type_limits(value: Any, field: str) -> dict[Any, Any]:
    keys = tuple(kind.value for kind in RequestType) + tuple(
        f"{kind.value}.{track.value}" for kind in RequestType for track in Track
    )
    limits = _check_keys(value, keys, field)
    read: dict[Any, Any] = {}
    for text, limit in limits.items():
        kind, _, track = text.partition(".")
        key = (RequestType(kind), Track(track)) if track else RequestType(kind)
        read[key] = _limit(limit, f"{field}.{text}")
    return read


def _members(kind: Any, value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidTypeError(field=field, value=value, problem="must be a list")
    found = []
    for index, item in enumerate(value):
        try:
            found.append(kind(item))
        except ValueError:
            raise InvalidValueError(
                field=f"{field}[{index}]", value=item, problem=f"is not a {kind.__name__}"
            ) from None
    return found


def _calendar_data(calendar: WorkCalendar) -> dict[str, Any]:
    base = china_calendar().schedules
    official = calendar.schedules
    by_year = {schedule.year: schedule for schedule in base}
    keeps_base = official[0].year == base[0].year and len(official) >= len(base)
    added = [s for s in official if by_year.get(s.year) != s] if keeps_base else list(official)
    return {
        "base": "china" if keeps_base else None,
        "schedules": [schedule.to_dict() for schedule in added],
        "provisional": [schedule.to_dict() for schedule in calendar.provisional],
    }


def _calendar(value: Any, field: str) -> WorkCalendar:
    data = _check_keys(value, _CALENDAR_KEYS, field)
    base = data.get("base")
    if base not in ("china", None):
        raise InvalidValueError(
            field=f"{field}.base", value=base, problem="must be 'china' or null"
        )
    schedules = _schedules(data.get("schedules", []), f"{field}.schedules")
    provisional = _schedules(data.get("provisional", []), f"{field}.provisional")
    try:
        if base is None:
            return WorkCalendar(schedules, provisional=provisional)
        by_year = {schedule.year: schedule for schedule in china_calendar().schedules}
        by_year.update({schedule.year: schedule for schedule in schedules})
        return WorkCalendar(sorted(by_year.values(), key=lambda s: s.year), provisional=provisional)
    except BanshishiError as error:
        raise error.at(f"{field}.{error.field}") from None


def _schedules(value: Any, field: str) -> list[YearSchedule]:
    schedules = []
    for index, item in enumerate(_list(value, field)):
        try:
            schedules.append(YearSchedule.from_dict(item))
        except BanshishiError as error:
            raise error.at(f"{field}[{index}]: {error.field}") from None
    return schedules


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidTypeError(field=field, value=value, problem="must be a list")
    return value


def _hours(value: Any, field: str) -> WorkingHours:
    data = _check_keys(value, _HOURS_KEYS, field)
    args: dict[str, Any] = {}
    if "calendar" in data:
        args["calendar"] = _calendar(data["calendar"], f"{field}.calendar")
    if "spans" in data:
        spans = _list(data["spans"], f"{field}.spans")
        args["spans"] = tuple(
            (_time(span, f"{field}.spans[{n}]", 0), _time(span, f"{field}.spans[{n}]", 1))
            for n, span in enumerate(spans)
        )
    if data.get("cutoff") is not None:
        args["cutoff"] = _time([data["cutoff"]], f"{field}.cutoff", 0)
    if "timezone" in data:
        args["timezone"] = data["timezone"]
    try:
        return WorkingHours(**args)
    except BanshishiError as error:
        raise error.at(f"{field}.{error.field}") from None


def _time(span: Any, field: str, index: int) -> dt.time:
    if not isinstance(span, list) or len(span) <= index or not isinstance(span[index], str):
        raise InvalidTypeError(field=field, value=span, problem="must hold times as HH:MM text")
    try:
        return dt.time.fromisoformat(span[index])
    except ValueError:
        raise InvalidValueError(field=field, value=span[index], problem="is not a time") from None


def _units(value: Any, field: str) -> UnitTree | None:
    if value is None:
        return None
    units = _list(value, field)
    try:
        return UnitTree(structure(unit, Unit) for unit in units)
    except BanshishiError as error:
        raise error.at(f"{field}.{error.field}") from None
    except (ValueError, TypeError) as error:
        raise InvalidValueError(
            field=field, value=value, problem=f"cannot be read: {error}"
        ) from None
