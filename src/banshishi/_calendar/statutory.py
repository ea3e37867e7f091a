"""The statutory public holidays of any year, as the national rules fix them.

The State Council's yearly notice (放假安排) arrives in November or December and
decides the bridging days off and the weekend days worked in exchange (调休).
What it cannot change are the statutory holidays (法定节假日) of the national
rules, 全国年节及纪念日放假办法. So for a year the notice has not covered yet,
these days are known by law, and :func:`provisional_schedule` builds a schedule
of them: the statutory days off and ordinary weekends, nothing else.

The rules were revised in 2007, 2013 and 2024; :data:`RULES` holds each version
from the 1999 rules on.
Lunar dates and the 清明 solar term come from ``lunar_python``, an astronomical
calendar library; the tests check the result against every official schedule
since 2008 and against the ``holidays`` package's China rules.
"""

import datetime as dt
import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import final

import attrs

from banshishi._core.errors import InvalidTypeError, InvalidValueError

from .schedule import LAST_YEAR, YearSchedule


@final
@attrs.frozen
class Holiday:
    """One statutory holiday as a rule: its name, where it falls and how many days.

    ``kind`` is ``"solar"`` (a Gregorian month and day), ``"lunar"`` (a lunar
    month and day, ``day=0`` meaning 除夕, the last day of the lunar year before)
    or ``"term"`` (the day of the 清明 solar term).
    """

    name: str
    kind: str
    month: int = 0
    day: int = 0
    days: int = 1


@final
@attrs.frozen
class RuleVersion:
    """The statutory holidays as one revision of the national rules fixed them."""

    since: int
    """The first year the revision applies to."""
    source: str
    """The instrument that made the revision."""
    holidays: tuple[Holiday, ...]


_NEW_YEAR = Holiday("元旦", "solar", 1, 1)
_QINGMING = Holiday("清明", "term")
_DRAGON_BOAT = Holiday("端午", "lunar", 5, 5)
_MID_AUTUMN = Holiday("中秋", "lunar", 8, 15)
_NATIONAL_DAY = Holiday("国庆节", "solar", 10, 1, days=3)

RULES: tuple[RuleVersion, ...] = (
    RuleVersion(
        2000,
        "国务院令第270号",
        (
            _NEW_YEAR,
            Holiday("春节", "lunar", 1, 1, days=3),  # 初一 to 初三
            Holiday("劳动节", "solar", 5, 1, days=3),
            _NATIONAL_DAY,
        ),
    ),
    RuleVersion(
        2008,
        "国务院令第513号",
        (
            _NEW_YEAR,
            Holiday("春节", "lunar", 1, 0, days=3),  # 除夕, 初一, 初二
            _QINGMING,
            Holiday("劳动节", "solar", 5, 1),
            _DRAGON_BOAT,
            _MID_AUTUMN,
            _NATIONAL_DAY,
        ),
    ),
    RuleVersion(
        2014,
        "国务院令第644号",
        (
            _NEW_YEAR,
            Holiday("春节", "lunar", 1, 1, days=3),  # 初一 to 初三
            _QINGMING,
            Holiday("劳动节", "solar", 5, 1),
            _DRAGON_BOAT,
            _MID_AUTUMN,
            _NATIONAL_DAY,
        ),
    ),
    RuleVersion(
        2025,
        "国务院令第795号",
        (
            _NEW_YEAR,
            Holiday("春节", "lunar", 1, 0, days=4),  # 除夕 to 初三
            _QINGMING,
            Holiday("劳动节", "solar", 5, 1, days=2),
            _DRAGON_BOAT,
            _MID_AUTUMN,
            _NATIONAL_DAY,
        ),
    ),
)
"""Every version of the rules since 2000, oldest first (13 statutory days since 2025)."""

FIRST_RULE_YEAR = RULES[0].since
LAST_LUNAR_YEAR = min(LAST_YEAR, 2099)
"""The last year computed: the tests check every year up to it against a second source."""


def rule_version(year: int) -> RuleVersion:
    """The revision of the rules in force in ``year``."""
    _check_year(year)
    return [rule for rule in RULES if rule.since <= year][-1]


@functools.cache
def statutory_days(year: int) -> Mapping[dt.date, str]:
    """The statutory days off of ``year``, each mapped to its holiday's name.

    Two holidays on one day (中秋 on 1 October, say) give that day both names,
    joined by "、".

    >>> import datetime as dt
    >>> days = statutory_days(2027)
    >>> len(days), days[dt.date(2027, 2, 5)], days[dt.date(2027, 4, 5)]
    (13, '春节', '清明')
    """
    days: dict[dt.date, str] = {}
    for holiday in rule_version(year).holidays:
        first = _first_day(holiday, year)
        for offset in range(holiday.days):
            day = first + dt.timedelta(days=offset)
            days[day] = f"{days[day]}、{holiday.name}" if day in days else holiday.name
    return MappingProxyType(dict(sorted(days.items())))


@functools.cache
def provisional_schedule(year: int) -> YearSchedule:
    """A stand-in schedule for a year the State Council's notice has not covered:
    the statutory days off, ordinary weekends, and no make-up working days."""
    return YearSchedule(year=year, holidays=statutory_days(year))


def _check_year(year: object) -> None:
    if type(year) is not int:
        raise InvalidTypeError(field="year", value=year, problem="must be an int")
    if not FIRST_RULE_YEAR <= year <= LAST_LUNAR_YEAR:
        raise InvalidValueError(
            field="year",
            value=year,
            problem=f"must be between {FIRST_RULE_YEAR} and {LAST_LUNAR_YEAR}",
            hint="Statutory holidays are computed from the 1999 rules on.",
        )


def _first_day(holiday: Holiday, year: int) -> dt.date:
    from lunar_python import Lunar  # loaded on first use: most programs never need it

    if holiday.kind == "solar":
        return dt.date(year, holiday.month, holiday.day)
    if holiday.kind == "term":
        term = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
        return dt.date(term.getYear(), term.getMonth(), term.getDay())
    if holiday.day == 0:  # 除夕: the day before the lunar new year
        return _lunar(year, holiday.month, 1) - dt.timedelta(days=1)
    return _lunar(year, holiday.month, holiday.day)


def _lunar(year: int, month: int, day: int) -> dt.date:
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
