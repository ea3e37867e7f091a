"""Reports over summary lines: every rate with its counts, for the whole ledger
or per unit (rolled up the tree), track, channel, urgency or month, as rows
ready for a terminal table, CSV or JSON."""

import json
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import IO, Any, Protocol, final

import attrs
from pendulum import DateTime

from banshishi._core.csv_text import CsvWriter
from banshishi._core.errors import InvalidValueError
from banshishi._core.time import as_datetime, format_instant
from banshishi._metrics.facts import Facts
from banshishi._metrics.figures import ISSUE_RATES, IssueFigures, facts_of, figures_of_facts
from banshishi._metrics.summary import IssueSummary, from_micros, micros
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import Channel, RequestType, Track, Urgency

GROUPINGS = (
    "unit",
    "track",
    "channel",
    "urgency",
    "request_type",
    "routing_rule",
    "routed_unit",
    "period",
)
"""What ``by`` may name; ``period`` is the month of receipt, ``routing_rule`` and
``routed_unit`` the rule of the routing catalogue each issue's first routed
transfer followed and the unit it went to (routing accuracy per rule and per unit)."""
_BY_TEXT = frozenset({"routing_rule", "routed_unit"})
NOT_ROUTED = "(not routed)"
"""The group of issues no routed transfer took, by rule or by routed unit."""

UNCLASSIFIED = "unclassified"
"""The group of issues with no request type on record (诉求类型 not classified)."""

UNASSIGNED = "(no unit)"
"""The group of issues with no unit to count under: neither a responsible unit
nor a receiving one on record (see ``_home_unit``)."""

_HOUR_US = 3_600_000_000


class FactCounts(Protocol):
    """What the store-side reports need of a store: the summary lines folded
    into facts and counts per group (:meth:`EventStore.issue_fact_counts`),
    as things stand or as they stood at ``as_of``."""

    def issue_fact_counts(
        self,
        *,
        at: DateTime,
        group: str | tuple[str, ...] | None = None,
        as_of: DateTime | None = None,
    ) -> Iterable[tuple[Any, Facts, int]]: ...


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
    _check_by(by)
    now = micros(as_datetime(at, field="at"))
    key = _key_of(by)
    counted = ((key(line), facts_of(line, now), 1) for line in summaries)
    return rows_of_counts(counted, by=by, units=units)


def store_report_rows(
    store: FactCounts,
    *,
    at: DateTime,
    by: str | None = None,
    units: UnitTree | None = None,
    as_of: DateTime | None = None,
) -> list[ReportRow]:
    """:func:`report_rows` over every issue in ``store`` as it stands (or stood at
    ``as_of``), with the lines folded by the store
    (:meth:`EventStore.issue_fact_counts`)."""
    _check_by(by)
    group = "hour" if by == "period" else by
    convert = _STORED_KEYS.get(by, lambda value: value)
    counted = (
        (convert(value), facts, n)
        for value, facts, n in store.issue_fact_counts(at=at, group=group, as_of=as_of)
    )
    return rows_of_counts(counted, by=by, units=units)


@final
@attrs.frozen(kw_only=True)
class Dashboard:
    """Every rate at a glance: for all issues, by track, and by unit (each unit
    with everything under it), as :meth:`LedgerStore.dashboard` gives them."""

    everything: IssueFigures
    by_track: list[ReportRow]
    by_unit: list[ReportRow]


def store_dashboard(
    store: FactCounts, *, at: DateTime, units: UnitTree | None, as_of: DateTime | None = None
) -> Dashboard:
    """The dashboard of every issue in ``store`` (as it stood at ``as_of``, if
    given), from one fold by unit and track."""
    counts = list(store.issue_fact_counts(at=at, group=("unit", "track"), as_of=as_of))
    by_track = rows_of_counts(((t, f, n) for (_, t), f, n in counts), by="track", units=None)
    by_unit = rows_of_counts(((u, f, n) for (u, _), f, n in counts), by="unit", units=units)
    return Dashboard(everything=by_track[-1].figures, by_track=by_track, by_unit=by_unit)


def rows_of_counts(
    counted: Iterable[tuple[Any, Facts, int]], *, by: str | None, units: UnitTree | None
) -> list[ReportRow]:
    """Report rows from (group key, facts, how many issues): one row per key,
    then the total."""
    groups: dict[Any, list[tuple[Facts, int]]] = {}
    for key, facts, n in counted:
        groups.setdefault(key, []).append((facts, n))
    figures = {key: figures_of_facts(items) for key, items in groups.items()}
    everything = figures_of_facts(item for items in groups.values() for item in items)
    total = ReportRow(group="all", label="全部 all", depth=0, figures=everything)
    if by is None:
        return [total]
    if by == "unit":
        return [*_by_unit(figures, units), total]
    if by == "period":
        rows = [ReportRow(group=k, label=k, depth=0, figures=f) for k, f in figures.items()]
        return [*sorted(rows, key=lambda row: row.group), total]
    if by in _BY_TEXT:
        keys = sorted(figures, key=lambda k: (k is None, k or ""))
        rows = [
            ReportRow(group=k or NOT_ROUTED, label=k or NOT_ROUTED, depth=0, figures=figures[k])
            for k in keys
        ]
        return [*rows, total]
    members = sorted(figures, key=lambda m: len(_ORDER) if m is None else _ORDER[m])
    rows = [
        ReportRow(group=m.value, label=f"{m.label} {m.value}", depth=0, figures=figures[m])
        if m is not None
        else ReportRow(group=UNCLASSIFIED, label="未分类 unclassified", depth=0, figures=figures[m])
        for m in members
    ]
    return [*rows, total]


def _check_by(by: str | None) -> None:
    if by is not None and by not in GROUPINGS:
        raise InvalidValueError(
            field="by", value=by, problem=f"must be one of {', '.join(GROUPINGS)}"
        )


def _key_of(by: str | None) -> Callable[[IssueSummary], Any]:
    if by is None:
        return lambda line: None
    if by == "period":
        month = _month_of_hour()
        return lambda line: month(line.received_us // _HOUR_US)
    if by == "unit":
        return attrgetter("home_unit")
    return attrgetter(by)


def _month_of_hour() -> Callable[[int], str]:
    # Memoised per hour: zones offset by whole hours start a month on an hour.
    months: dict[int, str] = {}

    def month(hour: int) -> str:
        text = months.get(hour)
        if text is None:
            text = months[hour] = from_micros(hour * _HOUR_US).format("YYYY-MM")
        return text

    return month


_ORDER = {
    member: n for kind in (Track, Channel, Urgency, RequestType) for n, member in enumerate(kind)
}

_STORED_KEYS: dict[str | None, Callable[[Any], Any]] = {
    "period": _month_of_hour(),
    "request_type": lambda value: None if value is None else RequestType(value),
}


def _by_unit(figures: dict[Any, IssueFigures], units: UnitTree | None) -> list[ReportRow]:
    known = {unit: f for unit, f in figures.items() if units is not None and unit in units}
    rows: list[ReportRow] = []
    if units is not None and known:
        for unit_id, rolled in units.roll_up(known).items():
            rows.append(
                ReportRow(
                    group=unit_id,
                    label=units[unit_id].name,
                    depth=len(units.ancestors(unit_id)),
                    figures=rolled,
                )
            )
    # Units outside the tree by id, then the issues no unit holds: the same order
    # whichever way the lines were read.
    for unit in sorted(figures, key=lambda unit: (unit is None, unit or "")):
        if unit not in known:
            name = UNASSIGNED if unit is None else unit
            rows.append(ReportRow(group=name, label=name, depth=0, figures=figures[unit]))
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
        "excluded": figures.excluded,
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
    """The report as CSV: one line per group, three columns per rate (written by
    the one CSV writer, so a unit named like a formula is guarded)."""
    writer = CsvWriter(file)
    header = ["group", "label", "received", "dismissed", "open", "overdue", "excluded"]
    for name, _ in ISSUE_RATES:
        header += [f"{name}_numerator", f"{name}_denominator", f"{name}_percent"]
    writer.row(header)
    for row in rows:
        record = row_record(row)
        cells = [record[column] for column in header[:7]]
        for name, _ in ISSUE_RATES:
            rate = record[name]
            cells += [rate["numerator"], rate["denominator"], rate["percent"] or ""]
        writer.row(cells)
