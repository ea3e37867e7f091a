"""What the command line prints: rich tables of rates with their counts, the
demo's dashboard, and progress bars for long work.

Whatever comes from data (unit names, titles, ids, reasons) goes into a table
as :func:`plain` text: without control characters, and never read as markup.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from banshishi._metrics.dispatch_levels import DispatchLevelFigures
from banshishi._metrics.facts import ASSESSMENT_RATES, LOOP_RATES
from banshishi._metrics.figures import ISSUE_RATES, IssueFigures, PledgeFigures
from banshishi._model.rate import Rate
from banshishi._model.vocabulary import IssueStatus
from banshishi._reports.periodic_output import (
    COUNT_LABELS,
    FLOW_LABELS,
    format_points,
    printed_title,
    score_text,
)
from banshishi._reports.periodic_report import PeriodicReport
from banshishi._reports.report import ReportRow

from .terminal_text import plain, printable

_RATE_NAMES = dict(ISSUE_RATES)


def _count(value: int) -> str:
    return f"{value:,}"


def rate_cell(rate: Rate) -> str:
    """A rate as printed in a table: the percentage over its counts."""
    return f"{rate.format()} [dim]({rate.numerator:,}/{rate.denominator:,})[/dim]"


LOOP = tuple(rate.name for rate in LOOP_RATES)
"""The loop's rates: a table of them, then one of the assessment's, fit a terminal."""
ASSESSMENT = tuple(rate.name for rate in ASSESSMENT_RATES)


def rates_table(
    rows: Sequence[ReportRow], *, title: str, rates: Sequence[str] = (), counts: bool = True
) -> Table:
    """One line per group: counts (the issues left out of the assessment instead,
    unless ``counts``), then each rate (the loop's unless ``rates``)."""
    names = list(rates) or list(LOOP)
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("group")
    headers = ("received", "open", "overdue") if counts else ("excluded",)
    for header in headers:
        table.add_column(header, justify="right")
    for name in names:
        table.add_column(f"{_RATE_NAMES[name]}\n{name}", justify="right")
    for row in rows:
        figures = row.figures
        style = "bold" if row.group == "all" else ""
        shown = (figures.received, figures.open, figures.overdue) if counts else (figures.excluded,)
        table.add_row(
            plain("  " * row.depth + row.label, style),
            *(_count(value) for value in shown),
            *(rate_cell(getattr(figures, name)) for name in names),
        )
    return table


def dispatch_table(levels: Mapping[int, DispatchLevelFigures], *, title: str) -> Table:
    """One line per level of dispatch (二级, 三级承办, …): the work handed down,
    answered up (and on time), handed back, open and overdue."""
    table = Table(title=title, title_justify="left")
    table.add_column("level")
    for header in ("dispatched", "answered up", "open", "overdue"):
        table.add_column(header, justify="right")
    table.add_column("按时上报率\non_time", justify="right")
    table.add_column("退回率\nhanded back", justify="right")
    for level, figures in levels.items():
        table.add_row(
            f"{_LEVEL_NAMES.get(level, f'{level}级')}承办 (level {level})",
            *(_count(n) for n in (figures.dispatched, figures.answered, figures.open)),
            _count(figures.overdue),
            rate_cell(figures.on_time_rate),
            rate_cell(figures.hand_back_rate),
        )
    return table


_LEVEL_NAMES = {2: "二级", 3: "三级", 4: "四级", 5: "五级"}


def overview_table(figures: IssueFigures, *, title: str) -> Table:
    """Every rate of one group as a list: name, counts and percentage."""
    table = Table(title=title, title_justify="left")
    table.add_column("rate")
    table.add_column("counted", justify="right")
    table.add_column("out of", justify="right")
    table.add_column("%", justify="right")
    for name, chinese in ISSUE_RATES:
        rate: Rate = getattr(figures, name)
        table.add_row(
            f"{chinese} {name}", _count(rate.numerator), _count(rate.denominator), rate.format()
        )
    return table


def status_line(figures: IssueFigures) -> str:
    """How many issues stand in each status, in workflow order."""
    parts = [
        f"{status.label} {figures.statuses[status]:,}"
        for status in IssueStatus
        if figures.statuses.get(status)
    ]
    return (
        f"{figures.received:,} issues received; {figures.open:,} open, "
        f"{figures.overdue:,} of them overdue.  " + " · ".join(parts)
    )


def pledge_table(groups: dict[str, PledgeFigures], *, title: str) -> Table:
    """践诺率 per group of pledges."""
    table = Table(title=title, title_justify="left")
    table.add_column("pledges")
    table.add_column("claimed", justify="right")
    table.add_column("fulfilled", justify="right")
    table.add_column("public", justify="right")
    table.add_column("践诺率", justify="right")
    for label, figures in groups.items():
        rate = figures.completion
        table.add_row(
            plain(label),
            _count(figures.pledges),
            _count(rate.numerator),
            _count(rate.denominator),
            rate.format(),
        )
    return table


@contextmanager
def progress_bar(console: Console, description: str, total: int) -> Iterator[Any]:
    """A progress bar on ``console``; yields ``update(done, total)``. The
    description is printed as it reads (it may hold a file name)."""
    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(printable(description), total=total)

        def update(done: int, new_total: int) -> None:
            progress.update(task, completed=done, total=new_total)

        yield update


def periodic_tables(report: PeriodicReport, *, overdue_rows: int = 20) -> list[Table]:
    """A periodic report as terminal tables: the flow and counts, every rate
    against the previous period, the ranking, and the longest-overdue items
    (at most ``overdue_rows``)."""
    heading = plain(printed_title(report.title)) + ": flow"
    flow = Table(title=heading, title_justify="left")
    for header in ("", "this period", "previous", "change"):
        flow.add_column(header, justify="right" if header else "left")
    for name, label in FLOW_LABELS:
        now, before = getattr(report.flow, name), getattr(report.previous_flow, name)
        flow.add_row(f"{label} {name}", _count(now), _count(before), f"{now - before:+,}")
    for name, label in COUNT_LABELS:
        now, before = getattr(report.figures, name), getattr(report.previous_figures, name)
        flow.add_row(f"累计{label} {name}", _count(now), _count(before), f"{now - before:+,}")
    rates = Table(title="Rates, against the end of the previous period", title_justify="left")
    for header in ("rate", "now", "previous", "change (points)"):
        rates.add_column(header, justify="left" if header == "rate" else "right")
    for name, label in ISSUE_RATES:
        rates.add_row(
            f"{label} {name}",
            rate_cell(getattr(report.figures, name)),
            rate_cell(getattr(report.previous_figures, name)),
            format_points(report.change(name)),
        )
    ranking = Table(
        title=f"Units ranked by {report.rank_by} (minimum sample {report.min_sample:,})",
        title_justify="left",
    )
    for header in ("rank", "unit", "score", "sample", "note"):
        ranking.add_column(header, justify="left" if header in ("unit", "note") else "right")
    for s in report.ranking:
        score = score_text(s.score)
        unit = plain(report.unit_names.get(s.unit, s.unit))
        ranking.add_row(str(s.rank or "—"), unit, score, _count(s.sample), plain(s.reason))
    shown = report.overdue[:overdue_rows]
    overdue = Table(
        title=f"Overdue: {len(report.overdue):,} open past their deadline"
        + (f" (the {len(shown)} longest shown)" if len(shown) < len(report.overdue) else ""),
        title_justify="left",
    )
    for header in ("id", "title", "unit", "deadline", "days"):
        overdue.add_column(header, justify="right" if header == "days" else "left")
    for item in shown:
        overdue.add_row(
            plain(item.id),
            plain(printed_title(item.title)),
            plain(item.unit_name),
            item.deadline.format("YYYY-MM-DD HH:mm")
            + (" (provisional)" if item.provisional else ""),
            _count(item.days_overdue),
        )
    return [flow, rates, ranking, overdue]


def trend_line(report: PeriodicReport) -> str:
    """The completion trend on one line: ``2026-07 61.0% → 2026-08 78.6% → …``."""
    return "办结率 trend: " + " → ".join(
        f"{point.period.key} {point.completion.format()}" for point in report.trend
    )
