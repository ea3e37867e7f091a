"""The ``banshishi`` command: a demo campaign, reports, the chain check, CSV
import and export of the ledger's events, and (in ``_cli_files``) ledger files,
disclosure lists, Open311 requests and JSON Schemas.

Exit codes: 0 when the command did what was asked; 1 when ``verify`` found the
chain broken; 2 for bad input (an unknown option, a file that is not a ledger,
a refused import), with the reason on standard error.
"""

import argparse
import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pendulum
from pendulum import DateTime
from rich.console import Console

from banshishi._core.errors import BanshishiError, InvalidValueError
from banshishi._core.staging import (
    clean_stale,
    link_into_place,
    private_name,
    remove_with_side_files,
    replace_with,
    said_of,
)
from banshishi._core.time import DEFAULT_TIMEZONE
from banshishi._metrics.figures import PledgeFigures, pledge_figures
from banshishi._metrics.ranking import DEFAULT_MIN_SAMPLE
from banshishi._reports.periodic_output import (
    printed_title,
    write_periodic_csv,
    write_periodic_json,
)
from banshishi._reports.periodic_report import RATE_NAMES
from banshishi._reports.report import GROUPINGS, report_rows, write_csv, write_json
from banshishi._reports.report_html import write_periodic_html
from banshishi._store.chain_key import HeadReceipt
from banshishi._store.event_csv import Export, export_events, read_export
from banshishi._store.ledger_store import LedgerStore
from banshishi._store.sqlite_file import build_ledger
from banshishi._store.sqlite_store import SqliteEventStore

from .calendar import add_calendar_commands
from .common import (
    BAD_INPUT,
    BROKEN,
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
from .files import add_file_commands
from .key import chain_key_from_environment
from .terminal import (
    overview_table,
    periodic_tables,
    pledge_table,
    progress_bar,
    rates_table,
    status_line,
    trend_line,
)
from .terminal_text import error_line, plain

PERIOD_CHOICES = ("week", "half-month", "month", "quarter")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (``sys.argv[1:]`` if ``None``); returns the exit code."""
    parser = _parser()
    options = parser.parse_args(argv)
    # Piped output gets room for every column instead of a terminal's 80.
    out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, highlight=False)
    try:
        code: int = options.run(options, out, err)
    except BanshishiError as error:
        err.print(error_line(error), soft_wrap=True)
        return BAD_INPUT
    except (OSError, UnicodeDecodeError) as error:  # a file missing, unreadable, not UTF-8
        err.print(error_line(error), soft_wrap=True)
        return BAD_INPUT
    except sqlite3.DatabaseError as error:  # a ledger damaged where no check looked
        err.print(error_line(f"the ledger cannot be read ({error})"), soft_wrap=True)
        return BAD_INPUT
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="banshishi",
        description="办实事 ledgers: simulate, report, verify, import and export.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="simulate a county's quarter into a ledger and print its dashboard",
        description="Simulate a campaign (a county's quarter: issues across channels, tracks "
        "and units, overdue items and escalations, bad ratings and rectifications, pledges) "
        "into a ledger file, then print the dashboard. The same seed gives the same ledger.",
    )
    db_option(demo)
    demo.add_argument(
        "--issues",
        type=int,
        default=3000,
        metavar="N",
        help="issues received over the quarter (default 3000)",
    )
    demo.add_argument(
        "--seed", type=int, default=2026, metavar="S", help="random seed (default 2026)"
    )
    demo.add_argument(
        "--start", metavar="YYYY-MM-DD", help="the quarter's first day (default 2026-07-01)"
    )
    demo.add_argument(
        "--replace", action="store_true", help="replace the ledger at --db if there is one"
    )
    demo.set_defaults(run=_demo)

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

    verify = commands.add_parser(
        "verify",
        help="check the ledger's hash chain",
        description="Check every event against the hash chain and the summary lines against "
        "the events, then print the head receipt (the event count and the last hash) to keep. "
        "Exit status 0 only when the ledger is intact, 1 when it is not.",
    )
    db_option(verify)
    verify.add_argument(
        "--deep",
        action="store_true",
        help="also rebuild every record from "
        "its events and compare its whole summary line (slower)",
    )
    verify.add_argument(
        "--expect-head",
        metavar="RECEIPT",
        help="a head receipt printed "
        "before (COUNT:HASH): the ledger must still hold those events, "
        "unchanged",
    )
    verify.set_defaults(run=_verify)

    export = commands.add_parser(
        "export",
        help="write the ledger's events as CSV",
        description="Write every event, in chain order with its hash, as CSV.",
    )
    db_option(export)
    output_option(export)
    export.set_defaults(run=_export)

    load = commands.add_parser(
        "import",
        help="load events exported as CSV",
        description="Check an exported CSV file (its hash chain and every row), rebuild every "
        "record from its events, and add them all to the ledger (created if missing), or "
        "nothing if anything is wrong.",
    )
    load.add_argument("file", metavar="FILE", help="a CSV file written by `banshishi export`")
    db_option(load)
    load.set_defaults(run=_import)
    add_file_commands(commands)
    add_calendar_commands(commands)
    return parser


# -- commands -------------------------------------------------------------------------------


def _demo(options: argparse.Namespace, out: Console, err: Console) -> int:
    from banshishi._simulation.campaign import simulate_campaign

    path = Path(options.db)
    key = chain_key_from_environment()
    place = Path(os.path.realpath(path))  # a link to a ledger: the ledger is replaced
    replacing = os.path.lexists(path)
    if replacing:
        _refuse_all_but_a_ledger(path, replace=options.replace, key=key)
    with progress_bar(err, "simulating the quarter", 1) as update:
        campaign = simulate_campaign(
            issues=options.issues,
            seed=options.seed,
            progress=update,
            start=_start_day(options.start),
        )
    total = len(campaign.ledger) + len(campaign.pledges)
    # Built under a private name and moved into place only when complete, so a
    # failure leaves the old ledger (or nothing) where --db points.
    clean_stale(place)
    building = private_name(place, "demo")
    try:
        with said_of(path, building, field="--db"):
            build_ledger(building, key)
            with LedgerStore.open(building, chain_key=key) as store:
                store.change_policy(
                    campaign.policy, at=campaign.start, note="the simulated county's policy"
                )
                store.save_units(campaign.units, at=campaign.start)
                with progress_bar(err, f"writing {path}", total) as update:
                    store.write_ledgers(campaign.ledger, campaign.pledges, progress=update)
                written = store.head().events  # the policy, the tree and every record's events
        if not replacing:
            if not link_into_place(building, place):
                raise InvalidValueError(
                    field="--db",
                    value=str(path),
                    problem="was made by someone else meanwhile",
                    hint="Pass --replace to replace it, or choose another --db.",
                )
        else:
            _refuse_all_but_a_ledger(path, replace=True, key=key)  # still a ledger, or gone
            replace_with(building, place)
    finally:
        remove_with_side_files(building)
    with LedgerStore.open(path, policy=campaign.policy, read_only=True, chain_key=key) as store:
        _dashboard(store, campaign.end, out, title=_campaign_title(campaign))
        report = store.verify()
    state = "intact" if report else f"BROKEN: {report.problem}"
    out.print()
    out.print(plain(f"{written:,} events written to {path}; hash chain {state}."))
    if report:
        out.print(f"head receipt: {report.head}", markup=False)
    return OK if report else BROKEN


def _start_day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(
            field="--start", value=text, problem="is not a date (YYYY-MM-DD)"
        ) from None


def _refuse_all_but_a_ledger(path: Path, *, replace: bool, key: bytes | None) -> None:
    """Refuse, untouched, a --db that holds anything but a ledger, and a ledger
    unless ``replace``."""
    if not os.path.lexists(path):
        return
    # Refuses anything that is not a ledger (and a keyed one opened with another key).
    SqliteEventStore(path, read_only=True, chain_key=key).close()
    if not replace:
        raise InvalidValueError(
            field="--db",
            value=str(path),
            problem="already holds a ledger",
            hint="Pass --replace to replace it, or choose another --db.",
        )


def _campaign_title(campaign: Any) -> str:
    top = next(iter(campaign.units)).name
    return (
        f"{top}, {campaign.start.format('YYYY-MM-DD')} to {campaign.end.format('YYYY-MM-DD')} "
        f"(seed {campaign.seed})"
    )


def _dashboard(store: LedgerStore, at: DateTime, out: Console, *, title: str) -> None:
    dashboard = store.dashboard(at=at)
    everything = dashboard.everything
    out.print(plain(f"banshishi dashboard: {title}", "bold"))
    out.print(plain(status_line(everything)))
    out.print(overview_table(everything, title="Every rate"))
    key_rates = ("completion", "on_time", "satisfaction")
    by_track = dashboard.by_track
    out.print(rates_table(by_track, title="By track (四办)", rates=key_rates))
    by_unit = [row for row in dashboard.by_unit if row.depth <= 1]
    out.print(rates_table(by_unit, title="By unit, each with everything under it", rates=key_rates))
    pledges = store.pledge_summaries()
    groups: dict[str, PledgeFigures] = {}
    for line in pledges:
        label = f"{line.pledger_kind.label} {line.list_kind.label}"
        groups[label] = groups.get(label, pledge_figures([])) + pledge_figures([line])
    groups["全部 all"] = pledge_figures(pledges)
    out.print(pledge_table(groups, title="Pledges (践诺)"))


def _report(options: argparse.Namespace, out: Console, err: Console) -> int:
    _check_report_options(options)
    if options.period is not None:
        return _periodic(options, out, err)
    as_of = moment(options.as_of)
    with existing(options.db) as store:
        if as_of is None:
            at = pendulum.now(DEFAULT_TIMEZONE)
            rows = store.report(at=at, by=options.by)
        else:
            at = as_of
            with progress_bar(err, "rebuilding the ledger as of then", 1) as update:
                lines = store.summaries_as_of(as_of, progress=update)
            rows = report_rows(lines, at=at, by=options.by, units=store.units)
    if options.format == "table":
        grouping = f" by {options.by}" if options.by else ""
        out.print(rates_table(rows, title=f"Rates{grouping} as of {at.format('YYYY-MM-DD HH:mm')}"))
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
    with existing(options.db) as store, err.status("rebuilding the ledger as of then"):
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


def _verify(options: argparse.Namespace, out: Console, err: Console) -> int:
    expect = (
        None
        if options.expect_head is None
        else HeadReceipt.parse(options.expect_head, field="--expect-head")
    )
    keyed = chain_key_from_environment() is not None
    with existing(options.db) as store:
        report = store.verify(deep=options.deep, expect_head=expect)
    if report:
        chain = "keyed chain, checked with the key" if keyed else "unkeyed chain"
        out.print(plain(f"{options.db}: intact, {report.events:,} events ({chain})."))
        if expect is not None:
            out.print(f"holds the kept receipt's {expect.events:,} events unchanged.")
        out.print(f"head receipt: {report.head}", markup=False)
        return OK
    where = f" (first bad event: {report.first_bad})" if report.first_bad is not None else ""
    err.print(plain(f"{options.db}: BROKEN{where}: {report.problem}"), soft_wrap=True)
    return BROKEN


def _export(options: argparse.Namespace, out: Console, err: Console) -> int:
    refuse_ledger_output(options.output, options.db)
    with (
        existing(options.db) as store,
        output(options.output, ledger=options.db, private=True) as file,  # notes unmasked
    ):
        count = export_events(store, file)  # a file is written whole, or not at all
    err.print(f"{count:,} events exported.")
    return OK


def _import(options: argparse.Namespace, out: Console, err: Console) -> int:
    path = Path(options.db)
    key = chain_key_from_environment()
    with Path(options.file).open(encoding="utf-8", newline="") as file:
        # Every row checked before the ledger is touched.
        export = read_export(file, chain_key=key)
    write = _import_into if os.path.lexists(path) else _import_new
    count, head = write(path, export, key)
    out.print(plain(f"{count:,} events imported into {path}."))
    out.print(f"head receipt: {head}", markup=False)
    return OK


def _import_into(path: Path, export: Export, key: bytes | None) -> tuple[int, HeadReceipt]:
    """Add to the ledger at ``path`` (all or nothing)."""
    with LedgerStore.open(path, chain_key=key) as store:
        return _write_export(store, export), store.head()


def _write_export(store: LedgerStore, export: Export) -> int:
    return store.write_histories(export.histories, units=export.units, policies=export.policies)


def _import_new(path: Path, export: Export, key: bytes | None) -> tuple[int, HeadReceipt]:
    """Build a new ledger under a private name and link it into place whole; if
    another process made a ledger at ``path`` meanwhile, add to that one as to
    any existing ledger. Only the private file is ever removed."""
    if not path.parent.is_dir():
        raise InvalidValueError(
            field="--db", value=str(path), problem="is in a folder that does not exist"
        )
    clean_stale(path)
    staged = private_name(path, "import")
    try:
        with said_of(path, staged, field="--db"):
            build_ledger(staged, key)
            with LedgerStore.open(staged, chain_key=key) as store:
                count = _write_export(store, export), store.head()
        if link_into_place(staged, path):
            return count
    finally:
        remove_with_side_files(staged)
    return _import_into(path, export, key)
