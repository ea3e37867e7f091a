"""Reports over summary lines: every rate with its counts, for the whole ledger
or per unit (rolled up the tree), track, channel, urgency or month, as rows
ready for a terminal table, CSV or JSON."""

import csv
import json
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import IO, Any, final

import attrs
from pendulum import DateTime

from ._errors import InvalidValueError
from ._figures import ISSUE_RATES, IssueFigures, issue_figures, issue_figures_by
from ._labels import LabelledEnum
from ._summary import IssueSummary, from_micros
from ._time import format_instant
from ._unit import UnitTree

GROUPINGS = ("unit", "track", "channel", "urgency", "period")
"""What ``by`` may name; ``period`` is the month of receipt."""

UNASSIGNED = "(no unit)"
"""The group of issues no unit is responsible for (not yet transferred, or dismissed)."""

_HOUR_US = 3_600_000_000


@final
@attrs.frozen(kw_only=True)
class ReportRow:
    """One group's figures: ``group`` is its key as text (a unit id, a track's
    value, ``2026-07``, or ``all``), ``label`` what a reader sees, and
    ``depth`` how many units stand above it in the unit tree (0 elsewhere)."""

    group: str
    label: str
    depth: int
    figures: IssueFigures


def report_rows(
    summaries: Iterable[IssueSummary],
    *,
    at: DateTime,
    by: str | None = None,
    units: UnitTree | None = None,
) -> list[ReportRow]:
    """The rows of a report: one per group (``by`` one of :data:`GROUPINGS`),
    then the total; only the total when ``by`` is ``None``.

    By unit, each unit of ``units`` counts everything under it (counts added,
    never percentages averaged); issues with no unit, or a unit the tree does
    not know, get rows of their own.
    """
    lines = list(summaries)
    total = ReportRow(group="all", label="全部 all", depth=0, figures=issue_figures(lines, at=at))
    if by is None:
        return [total]
    if by not in GROUPINGS:
        raise InvalidValueError(
            field="by", value=by, problem=f"must be one of {', '.join(GROUPINGS)}"
        )
    if by == "unit":
        return [*_by_unit(lines, at, units), total]
    if by == "period":
        rows = _grouped(lines, _month_of(), at, label=str)
        return [*sorted(rows, key=lambda row: row.group), total]
    key: Callable[[IssueSummary], Any] = lambda line: getattr(line, by)  # noqa: E731
    rows = _grouped(lines, key, at, label=lambda member: f"{member.label} {member.value}")
    return [*sorted(rows, key=lambda row: _order(row.group, type(getattr(lines[0], by)))), total]


def _order(value: str, kind: type) -> int:
    members = [member.value for member in kind] if issubclass(kind, LabelledEnum) else []
    return members.index(value) if value in members else len(members)


def _grouped(
    lines: list[IssueSummary],
    key: Callable[[IssueSummary], Hashable],
    at: DateTime,
    *,
    label: Callable[[Any], str],
) -> list[ReportRow]:
    groups = issue_figures_by(lines, key, at=at)
    return [
        ReportRow(group=str(getattr(k, "value", k)), label=label(k), depth=0, figures=figures)
        for k, figures in groups.items()
    ]


def _month_of() -> Callable[[IssueSummary], str]:
    # Memoised per hour: zones offset by whole hours start a month on an hour.
    months: dict[int, str] = {}

    def month(line: IssueSummary) -> str:
        hour = line.received_us // _HOUR_US
        text = months.get(hour)
        if text is None:
            text = months[hour] = from_micros(hour * _HOUR_US).format("YYYY-MM")
        return text

    return month


def _by_unit(lines: list[IssueSummary], at: DateTime, units: UnitTree | None) -> list[ReportRow]:
    groups = issue_figures_by(lines, lambda line: line.unit, at=at)
    known = {unit: f for unit, f in groups.items() if units is not None and unit in units}
    rows: list[ReportRow] = []
    if units is not None and known:
        for unit_id, figures in units.roll_up(known).items():
            rows.append(
                ReportRow(
                    group=unit_id,
                    label=units[unit_id].name,
                    depth=len(units.ancestors(unit_id)),
                    figures=figures,
                )
            )
    for unit, figures in groups.items():
        if unit not in known:
            name = UNASSIGNED if unit is None else unit
            rows.append(ReportRow(group=name, label=name, depth=0, figures=figures))
    return rows


# -- output ---------------------------------------------------------------------------------


def row_record(row: ReportRow) -> dict[str, Any]:
    """A row as plain data: its counts, and each rate's numerator, denominator
    and percentage (``None`` where there is no data)."""
    figures = row.figures
    record: dict[str, Any] = {
        "group": row.group,
        "label": row.label,
        "received": figures.received,
        "dismissed": figures.dismissed,
        "open": figures.open,
        "overdue": figures.overdue,
    }
    for name, _ in ISSUE_RATES:
        rate = getattr(figures, name)
        record[name] = {
            "numerator": rate.numerator,
            "denominator": rate.denominator,
            "percent": rate.format() if rate.has_data else None,
        }
    return record


def write_json(rows: Sequence[ReportRow], file: IO[str], *, at: DateTime, by: str | None) -> None:
    """The report as one JSON object: when, grouped how, and the rows."""
    body = {
        "as_of": format_instant(at),
        "by": by,
        "rows": [row_record(row) for row in rows],
    }
    json.dump(body, file, ensure_ascii=False, indent=2)
    file.write("\n")


def write_csv(rows: Sequence[ReportRow], file: IO[str]) -> None:
    """The report as CSV: one line per group, three columns per rate."""
    writer = csv.writer(file, lineterminator="\n")
    header = ["group", "label", "received", "dismissed", "open", "overdue"]
    for name, _ in ISSUE_RATES:
        header += [f"{name}_numerator", f"{name}_denominator", f"{name}_percent"]
    writer.writerow(header)
    for row in rows:
        record = row_record(row)
        cells = [record[column] for column in header[:6]]
        for name, _ in ISSUE_RATES:
            rate = record[name]
            cells += [rate["numerator"], rate["denominator"], rate["percent"] or ""]
        writer.writerow(cells)
