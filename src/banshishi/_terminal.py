"""What the command line prints: rich tables of rates with their counts, the
demo's dashboard, and progress bars for long work."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ._figures import ISSUE_RATES, IssueFigures, PledgeFigures
from ._rate import Rate
from ._report import ReportRow
from ._status import IssueStatus

_RATE_NAMES = dict(ISSUE_RATES)


def _count(value: int) -> str:
    return f"{value:,}"


def rate_cell(rate: Rate) -> str:
    """A rate as printed in a table: the percentage over its counts."""
    return f"{rate.format()} [dim]({rate.numerator:,}/{rate.denominator:,})[/dim]"


def rates_table(rows: Sequence[ReportRow], *, title: str, rates: Sequence[str] = ()) -> Table:
    """One line per group: counts, then each rate (all of them unless ``rates``)."""
    names = list(rates) or [name for name, _ in ISSUE_RATES]
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("group")
    for header in ("received", "open", "overdue"):
        table.add_column(header, justify="right")
    for name in names:
        table.add_column(f"{_RATE_NAMES[name]}\n{name}", justify="right")
    for row in rows:
        figures = row.figures
        label = ("  " * row.depth) + escape(row.label)
        table.add_row(
            f"[bold]{label}[/bold]" if row.group == "all" else label,
            _count(figures.received),
            _count(figures.open),
            _count(figures.overdue),
            *(rate_cell(getattr(figures, name)) for name in names),
        )
    return table


def overview_table(figures: IssueFigures, *, title: str) -> Table:
    """Every rate of one group as a list: name, counts and percentage."""
    table = Table(title=title, title_justify="left")
    table.add_column("rate")
    table.add_column("counted", justify="right")
    table.add_column("out of", justify="right")
    table.add_column("%", justify="right")
    for name, chinese in ISSUE_RATES:
        rate: Rate = getattr(figures, name)
        table.add_row(f"{chinese} {name}", _count(rate.numerator), _count(rate.denominator),
                      rate.format())  # fmt: skip
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
        table.add_row(escape(label), _count(figures.pledges), _count(rate.numerator),
                      _count(rate.denominator), rate.format())  # fmt: skip
    return table


@contextmanager
def progress_bar(console: Console, description: str, total: int) -> Iterator[Any]:
    """A progress bar on ``console``; yields ``update(done, total)``."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=total)

        def update(done: int, new_total: int) -> None:
            progress.update(task, completed=done, total=new_total)

        yield update
