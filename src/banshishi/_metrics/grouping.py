"""Grouping rates by unit, level, track, channel, urgency or period.

:func:`grouped` applies any rate function per group. Keys come from a plain
function of the item: ``lambda issue: issue.track`` is a key, and so are the
helpers here. Totals for a unit *and everything under it* come from
:meth:`UnitTree.roll_up`, which adds the per-unit breakdowns up the tree.
"""

import inspect
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar, final

from pendulum import Date, DateTime

from banshishi._core.errors import InvalidTypeError, InvalidValueError
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import DEFAULT_TIMEZONE, as_datetime, check_zone, optional_moment
from banshishi._core.validators import iterable_given
from banshishi._model.evaluation import Evaluation, Feedback
from banshishi._model.event import Event
from banshishi._model.home_unit import home_unit
from banshishi._model.issue import Issue
from banshishi._model.pledge import Pledge
from banshishi._model.units import Level, UnitTree

from .breakdown import Breakdown

Item = TypeVar("Item")
Key = TypeVar("Key", bound=Hashable)


@final
class Period(LabelledEnum):
    """A reporting period (周报、半月报、月报 …)."""

    DAY = "day", "日"  # one calendar day
    WEEK = "week", "周"  # Monday to Sunday
    HALF_MONTH = "half_month", "半月"  # the 1st to the 15th, or the 16th to the month's end
    MONTH = "month", "月"  # a calendar month
    QUARTER = "quarter", "季"  # a calendar quarter
    YEAR = "year", "年"  # a calendar year


def _check_period(period: object) -> None:
    if not isinstance(period, Period):
        raise InvalidTypeError(field="period", value=period, problem="must be a Period member")


def period_start(moment: DateTime, period: Period, *, timezone: str = DEFAULT_TIMEZONE) -> Date:
    """The first day of the ``period`` containing ``moment``, on the calendar of ``timezone``.

    >>> import pendulum
    >>> period_start(pendulum.datetime(2026, 11, 18, 23, tz="UTC"), Period.HALF_MONTH)
    Date(2026, 11, 16)
    """
    _check_period(period)
    zone = check_zone(timezone, field="timezone")
    moment = as_datetime(moment, field="moment")
    try:
        day = moment.in_timezone(zone).date()
    except OverflowError:
        raise InvalidValueError(
            field="moment", value=moment, problem=f"cannot be shown on the calendar of {zone}"
        ) from None
    if period is Period.DAY:
        return day
    if period is Period.WEEK:
        return day.subtract(days=day.weekday())
    if period is Period.HALF_MONTH:
        return day.replace(day=1 if day.day <= 15 else 16)
    if period is Period.MONTH:
        return day.replace(day=1)
    if period is Period.QUARTER:
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day.replace(month=1, day=1)


Dated = Issue | Pledge | Evaluation | Feedback | Event


def by_unit(item: Issue | Pledge) -> str | None:
    """Key: the unit an issue counts under (its responsible unit, else the unit
    that received it: see ``_home_unit``), or a pledge's unit; ``None`` if there
    is none."""
    if isinstance(item, Issue):
        return home_unit(item.responsible_unit, item.received_by)
    if isinstance(item, Pledge):
        return item.unit
    raise InvalidTypeError(field="by_unit item", value=item, problem="must be an Issue or Pledge")


def moment_of(item: Dated) -> DateTime:
    """When an item entered the ledger: an issue's receipt, a pledge's claim, else its ``at``."""
    if isinstance(item, Issue):
        return item.received_at
    if isinstance(item, Pledge):
        return item.claimed_at
    if isinstance(item, Evaluation | Feedback | Event):
        return item.at
    raise InvalidTypeError(
        field="item", value=item, problem="must be an Issue, Pledge, Evaluation, Feedback or Event"
    )


def by_level(
    tree: UnitTree, unit_of: Callable[[Any], str | None] = by_unit
) -> Callable[[Any], Level | None]:
    """Key: the level of the item's unit in ``tree`` (``None`` for an item with no unit)."""

    if not isinstance(tree, UnitTree):
        raise InvalidTypeError(field="tree", value=tree, problem="must be a UnitTree")
    if not callable(unit_of):
        raise InvalidTypeError(field="unit_of", value=unit_of, problem="must be a function")

    def key(item: Any) -> Level | None:
        unit = unit_of(item)
        return None if unit is None else tree.level_of(unit)

    return key


def by_period(
    period: Period,
    *,
    moment_of: Callable[[Any], DateTime] = moment_of,
    timezone: str = DEFAULT_TIMEZONE,
) -> Callable[[Any], Date]:
    """Key: the first day of the period the item falls in.

    By default an issue falls in the period it was received in, a pledge in the
    one it was claimed in, and an evaluation, feedback or event in the one it
    happened in; pass ``moment_of`` to choose another time.
    """
    _check_period(period)
    check_zone(timezone, field="timezone")
    if not callable(moment_of):
        raise InvalidTypeError(field="moment_of", value=moment_of, problem="must be a function")
    return lambda item: period_start(moment_of(item), period, timezone=timezone)


def grouped(
    rate: Callable[..., Breakdown[Item]],
    items: Iterable[Item],
    *,
    by: Callable[[Item], Key],
    **options: Any,
) -> dict[Key, Breakdown[Item]]:
    """``rate`` computed separately for each group of ``items``, keyed by ``by(item)``.

    Extra keyword arguments (``as_of=…``, ``basically_satisfied=…``) go to
    ``rate``. Groups appear in the order their first item does.
    """
    if not callable(rate):
        raise InvalidTypeError(field="rate", value=rate, problem="must be a rate function")
    if not callable(by):
        raise InvalidTypeError(field="by", value=by, problem="must be a function of an item")
    iterable_given(items, field="items")
    try:
        inspect.signature(rate).bind([], **options)
    except TypeError as error:
        raise InvalidTypeError(
            field="grouped options", value=sorted(options), problem=f"do not fit the rate ({error})"
        ) from None
    except ValueError:  # a callable without a signature (a builtin): let the call decide
        pass
    if "as_of" in options:
        optional_moment(options["as_of"], field="as_of")
    groups: dict[Key, list[Item]] = {}
    for item in items:
        key = by(item)
        try:
            members = groups.setdefault(key, [])
        except TypeError:
            raise InvalidTypeError(
                field="by", value=key, problem="returned a key that cannot be hashed"
            ) from None
        members.append(item)
    return {key: rate(members, **options) for key, members in groups.items()}
