"""``banshishi report``: every rate with its counts, for the whole ledger or by
group, now or as of a past moment; or a periodic report (周报 … 季报)."""

import argparse

import pendulum
from rich.console import Console

from banshishi._core.errors import InvalidValueError
from banshishi._core.time import DEFAULT_TIMEZONE
from banshishi._metrics.ranking import DEFAULT_MIN_SAMPLE
from banshishi._reports.periodic_output import (
    printed_title,
    write_periodic_csv,
    write_periodic_json,
)
from banshishi._reports.periodic_report import RATE_NAMES
from banshishi._reports.report import GROUPINGS, write_csv, write_json
from banshishi._reports.report_html import write_periodic_html

from .common import (
    OK,
    as_of_option,
    db_option,
    existing,
    moment,
    now_or,
    output,
    output_option,
    refuse_ledger_output,
)
from .terminal import ASSESSMENT, dispatch_table, periodic_tables, rates_table, trend_line
from .terminal_text import plain

PERIOD_CHOICES = ("week", "half-month", "month", "quarter")


def add_report_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``report`` to the parser."""
    report = commands.add_parser(
        "report",
        help="every rate, with its counts",
        description="Every issue rate with its numerator and denominator, for the whole "
        "ledger or per group.",
    )
    db_option(report)
    report.add_argument(
        "--by",
        choices=GROUPINGS,
        help="one row per unit (rolled up the "
        "unit tree), track, channel, urgency or month of receipt",
    )
    as_of_option(report)
    report.add_argument(
        "--format",
        choices=("table", "csv", "json", "html"),
        default="table",
        help="output format (default table; html needs --period)",
    )
    report.add_argument(
        "--period",
        choices=PERIOD_CHOICES,
        help="a periodic report (周报, 半月报, "
        "月报, 季报) of the period holding --as-of: flow, every rate against the "
        "previous period, ranking, overdue list, trend",
    )
    report.add_argument(
        "--unit",
        metavar="ID",
        help="with --period: report on this unit and everything under it (default: every issue)",
    )
    report.add_argument(
        "--rank-by",
        choices=RATE_NAMES,
        default="completion",
        help="with --period: the rate units are ranked by (default completion)",
    )
    report.add_argument(
        "--min-sample",
        type=int,
        default=DEFAULT_MIN_SAMPLE,
        metavar="N",
        help="with --period: rank only units with at least N issues in the "
        f"rate's denominator (default {DEFAULT_MIN_SAMPLE})",
    )
    output_option(report, help="where to write csv, json or html (default: standard output)")
    report.set_defaults(run=_report)


def _report(options: argparse.Namespace, out: Console, err: Console) -> int:
    _check_report_options(options)
    if options.period is not None:
        return _periodic(options, out, err)
    as_of = moment(options.as_of)
    with existing(options.db) as store:
        # As of a past moment, the lines that held then: the database counts them.
        at = pendulum.now(DEFAULT_TIMEZONE) if as_of is None else as_of
        rows = store.report(at=at, by=options.by, as_of=as_of)
        levels = store.dispatch_figures(at=at, as_of=as_of)
    if options.format == "table":
        grouping = f" by {options.by}" if options.by else ""
        when = at.format("YYYY-MM-DD HH:mm")
        out.print(rates_table(rows, title=f"Rates{grouping} as of {when}"))
        title = f"Assessment (考核){grouping} as of {when}"
        out.print(rates_table(rows, title=title, rates=ASSESSMENT, counts=False))
        if levels:  # only where work was handed down the chain of units
            out.print(dispatch_table(levels, title=f"Dispatch (下派) as of {when}"))
        return OK
    with output(options.output, ledger=options.db) as file:
        if options.format == "json":
            write_json(rows, file, at=at, by=options.by)
        else:
            write_csv(rows, file)
    return OK


def _check_report_options(options: argparse.Namespace) -> None:
    refuse_ledger_output(options.output, options.db)
    if options.period is None:
        for option, given in (("--unit", options.unit), ("--format", options.format)):
            if given is not None and (option == "--unit" or given == "html"):
                raise InvalidValueError(
                    field=option,
                    value=given,
                    problem="is for periodic reports",
                    hint="Add --period.",
                )
    elif options.by is not None:
        raise InvalidValueError(
            field="--by",
            value=options.by,
            problem="cannot be used with --period",
            hint="A periodic report has its own sections by unit and by track.",
        )


def _periodic(options: argparse.Namespace, out: Console, err: Console) -> int:
    at = now_or(options.as_of)
    with existing(options.db) as store, err.status("counting the period"):
        report = store.periodic_report(
            period=options.period.replace("-", "_"),
            at=at,
            unit=options.unit,
            rank_by=options.rank_by,
            min_sample=options.min_sample,
        )
    if options.format == "table":
        moment = report.at.format("YYYY-MM-DD HH:mm")
        out.print(
            plain(printed_title(report.title), "bold")
            + plain(f"  ({report.period}, as of {moment})")
        )
        for table in periodic_tables(report):
            out.print(table)
        out.print(plain(trend_line(report)))
        return OK
    writers = {"json": write_periodic_json, "csv": write_periodic_csv, "html": write_periodic_html}
    with output(options.output, ledger=options.db) as file:
        writers[options.format](report, file)
    return OK
