"""A periodic report as data: a JSON document, or a CSV file with one line per
figure, each beside its value at the end of the previous period.

The JSON carries every count and rate with its numerator and denominator, so
a reader can add reports up or recompute a percentage without rounding
twice; percentages are given as printed (half-up, one decimal).

Reports are passed round and posted, so every title they print (the report's
heading, the overdue items' titles) goes through :func:`printed_title` on the
way out, whatever the report holds.
"""

import json
from collections.abc import Iterator
from fractions import Fraction
from typing import IO, Any

from banshishi._core.csv_text import CsvWriter, Figure
from banshishi._core.errors import InvalidTypeError
from banshishi._core.time import format_instant
from banshishi._disclosure.masking import scrub_text
from banshishi._metrics.figures import ISSUE_RATES, IssueFigures
from banshishi._model.rate import NO_DATA, Rate

from .period import ReportingPeriod
from .periodic_report import PeriodFlow, PeriodicReport
from .report import row_record

FLOW_LABELS = (("collected", "收集"), ("transferred", "转办"), ("closed", "办结"))
"""The flow counts of a period, with the words a report prints for them."""

COUNT_LABELS = (
    ("received", "受理"),
    ("dismissed", "不予受理"),
    ("open", "未办结"),
    ("overdue", "超期"),
    ("excluded", "不纳入考核"),
)
"""The running counts taken at the report's moment."""

CSV_HEADER = (
    "section",
    "key",
    "label",
    "numerator",
    "denominator",
    "value",
    "previous",
    "change",
    "detail",
)
"""The CSV columns: ``detail`` holds what a figure's line needs beside its value
(an overdue item's unit and deadline, why a unit is unranked)."""


def format_points(points: Fraction | None, places: int = 1) -> str:
    """A change in percentage points, signed and rounded half away from zero
    (四舍五入): ``+0.6``, ``-1.3``, ``0.0``; ``—`` when there is none.

    >>> from fractions import Fraction
    >>> format_points(Fraction(5, 8)), format_points(Fraction(-1, 20)), format_points(None)
    ('+0.6', '-0.1', '—')
    """
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 20:
        raise InvalidTypeError(field="places", value=places, problem="must be a whole number 0–20")
    if points is None:
        return NO_DATA
    if not isinstance(points, Fraction | int) or isinstance(points, bool):
        raise InvalidTypeError(
            field="points", value=points, problem="must be an exact Fraction or None"
        )
    points = Fraction(points)
    scale = 10**places
    whole, remainder = divmod(abs(points.numerator) * scale, points.denominator)
    if 2 * remainder >= points.denominator:
        whole += 1
    integer, fraction = divmod(whole, scale)
    sign = "" if whole == 0 else ("-" if points < 0 else "+")
    return f"{sign}{integer}.{fraction:0{places}d}" if places else f"{sign}{integer}"


def printed_title(title: str) -> str:
    """A title as every form of a periodic report prints it: scrubbed of mobile
    and ID numbers (:func:`scrub_text`). A report builds its overdue items with
    the requester's name masked too; this catches a report built by hand."""
    return scrub_text(title)


def _period_record(period: ReportingPeriod) -> dict[str, Any]:
    return {
        "kind": period.kind.value,
        "key": period.key,
        "label": period.label,
        "first_day": period.first_day.isoformat(),
        "last_day": period.last_day.isoformat(),
    }


def _rate_record(rate: Rate) -> dict[str, Any]:
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "percent": rate.format() if rate.has_data else None,
    }


def _flow_record(flow: PeriodFlow) -> dict[str, int]:
    return {name: getattr(flow, name) for name, _ in FLOW_LABELS}


def _counts(figures: IssueFigures) -> dict[str, int]:
    return {name: getattr(figures, name) for name, _ in COUNT_LABELS}


def periodic_record(report: PeriodicReport) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    figures, before = report.figures, report.previous_figures
    return {
        "title": printed_title(report.title),
        "kind": report.period.kind.value,
        "period": _period_record(report.period),
        "previous_period": _period_record(report.previous),
        "as_of": format_instant(report.at),
        "unit": report.unit,
        "unit_name": report.unit_name,
        "flow": _flow_record(report.flow),
        "previous_flow": _flow_record(report.previous_flow),
        "counts": _counts(figures),
        "previous_counts": _counts(before),
        "rates": {
            name: {
                "label": label,
                **_rate_record(getattr(figures, name)),
                "previous": _rate_record(getattr(before, name)),
                "change_points": None
                if report.change(name) is None
                else format_points(report.change(name)),
            }
            for name, label in ISSUE_RATES
        },
        "by_unit": [row_record(row) | {"depth": row.depth} for row in report.by_unit],
        "by_track": [row_record(row) for row in report.by_track],
        "ranking": {
            "by": report.rank_by,
            "min_sample": report.min_sample,
            "standings": [
                {
                    "unit": s.unit,
                    "rank": s.rank,
                    "score": None if s.score is None else str(s.score),
                    "percent": None if s.score is None else score_text(s.score),
                    "sample": s.sample,
                    "reason": s.reason,
                }
                for s in report.ranking
            ],
        },
        "overdue": [
            {
                "id": item.id,
                "title": printed_title(item.title),
                "unit": item.unit,
                "unit_name": item.unit_name,
                "track": item.track.value,
                "status": item.status.value,
                "deadline": format_instant(item.deadline),
                "days_overdue": item.days_overdue,
                "deadline_provisional": item.provisional,
            }
            for item in report.overdue
        ],
        "trend": [
            {"period": point.period.key, "label": point.period.label}
            | _rate_record(point.completion)
            for point in report.trend
        ],
    }


def score_text(score: Fraction | None) -> str:
    """A ranking score as printed: a half-up percentage, or ``—`` with none."""
    return NO_DATA if score is None else Rate(score.numerator, score.denominator).format()


def write_periodic_json(report: PeriodicReport, file: IO[str]) -> None:
    """The report as one JSON document (UTF-8 text, Chinese kept as is)."""
    json.dump(periodic_record(report), file, ensure_ascii=False, indent=2)
    file.write("\n")


def periodic_csv_rows(report: PeriodicReport) -> Iterator[tuple[object, ...]]:
    """The report's lines for CSV: :data:`CSV_HEADER`, then one per figure.

    Sections: ``flow`` (this period against the previous one), ``count`` and
    ``rate`` (at the report's moment against the end of the previous period),
    ``unit`` and ``track`` (the ranking rate per group), ``rank``, ``overdue``
    and ``trend``.
    """
    yield CSV_HEADER
    for name, label in FLOW_LABELS:
        now, before = getattr(report.flow, name), getattr(report.previous_flow, name)
        yield ("flow", name, label, "", "", now, before, now - before, "")
    for name, label in COUNT_LABELS:
        now, before = getattr(report.figures, name), getattr(report.previous_figures, name)
        yield ("count", name, label, "", "", now, before, now - before, "")
    for name, label in ISSUE_RATES:
        rate, earlier = getattr(report.figures, name), getattr(report.previous_figures, name)
        change = format_points(report.change(name))
        yield (
            "rate",
            name,
            label,
            rate.numerator,
            rate.denominator,
            rate.format(),
            earlier.format(),
            change,
            "",
        )
    for section, rows in (("unit", report.by_unit), ("track", report.by_track)):
        for row in rows:
            rate = getattr(row.figures, report.rank_by)
            depth = f"depth {row.depth}" if section == "unit" else ""
            yield (
                section,
                row.group,
                row.label,
                rate.numerator,
                rate.denominator,
                rate.format(),
                "",
                "",
                depth,
            )
    for s in report.ranking:
        value = "" if s.score is None else score_text(s.score)
        yield (
            "rank",
            s.unit,
            "" if s.rank is None else s.rank,
            "",
            s.sample,
            value,
            "",
            "",
            s.reason,
        )
    for item in report.overdue:
        mark = " (provisional)" if item.provisional else ""
        detail = f"{item.unit_name}; deadline {format_instant(item.deadline)}{mark}"
        title = printed_title(item.title)
        yield ("overdue", item.id, title, "", "", item.days_overdue, "", "", detail)
    for point in report.trend:
        rate = point.completion
        yield (
            "trend",
            point.period.key,
            point.period.label,
            rate.numerator,
            rate.denominator,
            rate.format(),
            "",
            "",
            "",
        )


_FIGURE_COLUMNS = ("numerator", "denominator", "value", "previous", "change")


def write_periodic_csv(report: PeriodicReport, file: IO[str]) -> None:
    """The report as CSV, one line per figure (see :func:`periodic_csv_rows`),
    written by the one CSV writer: any cell a spreadsheet would run as a formula
    gets a leading apostrophe, but for the signed numbers, such as ``+5.2``, of
    the figure columns."""
    writer = CsvWriter(file)
    figures = {CSV_HEADER.index(name) for name in _FIGURE_COLUMNS}
    for row in periodic_csv_rows(report):
        writer.row(
            Figure(cell) if n in figures and isinstance(cell, str) else cell
            for n, cell in enumerate(row)
        )
