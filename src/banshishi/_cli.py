"""The ``banshishi`` command: a demo campaign, reports, the chain check, and CSV
import and export of the ledger's events.

Exit codes: 0 when the command did what was asked; 1 when ``verify`` found the
chain broken; 2 for bad input (an unknown option, a file that is not a ledger,
a refused import), with the reason on standard error.
"""

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pendulum
from pendulum import DateTime
from rich.console import Console
from rich.markup import escape

from ._errors import BanshishiError, InvalidValueError
from ._event_csv import export_events, read_events
from ._figures import PledgeFigures, pledge_figures
from ._ledger_store import LedgerStore
from ._report import GROUPINGS, report_rows, write_csv, write_json
from ._sqlite_file import side_files
from ._sqlite_store import SqliteEventStore
from ._terminal import overview_table, pledge_table, progress_bar, rates_table, status_line
from ._time import DEFAULT_TIMEZONE, parse_instant

DEFAULT_DB = "banshishi.db"
OK, BROKEN, BAD_INPUT = 0, 1, 2
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        return BAD_INPUT
    except (OSError, UnicodeDecodeError) as error:  # a file missing, unreadable, not UTF-8
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
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
    _db_option(demo)
    demo.add_argument("--issues", type=int, default=3000, metavar="N",
                      help="issues received over the quarter (default 3000)")  # fmt: skip
    demo.add_argument("--seed", type=int, default=2026, metavar="S",
                      help="random seed (default 2026)")  # fmt: skip
    demo.add_argument("--replace", action="store_true",
                      help="replace the ledger at --db if there is one")  # fmt: skip
    demo.set_defaults(run=_demo)

    report = commands.add_parser(
        "report",
        help="every rate, with its counts",
        description="Every issue rate with its numerator and denominator, for the whole "
        "ledger or per group.",
    )
    _db_option(report)
    report.add_argument("--by", choices=GROUPINGS, help="one row per unit (rolled up the "
                        "unit tree), track, channel, urgency or month of receipt")  # fmt: skip
    report.add_argument("--as-of", metavar="DATE", help="the ledger as it stood at the end "
                        "of DATE (YYYY-MM-DD, Asia/Shanghai) or at an RFC 3339 moment; "
                        "default: now")  # fmt: skip
    report.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="output format (default table)")  # fmt: skip
    report.set_defaults(run=_report)

    verify = commands.add_parser(
        "verify",
        help="check the ledger's hash chain",
        description="Check every event against the hash chain and the summary lines against "
        "the events. Exit status 0 only when the ledger is intact, 1 when it is not.",
    )
    _db_option(verify)
    verify.add_argument("--deep", action="store_true", help="also rebuild every record from "
                        "its events and compare its whole summary line (slower)")  # fmt: skip
    verify.set_defaults(run=_verify)

    export = commands.add_parser(
        "export",
        help="write the ledger's events as CSV",
        description="Write every event, in chain order with its hash, as CSV.",
    )
    _db_option(export)
    export.add_argument("--output", "-o", default="-", metavar="FILE",
                        help="where to write (default: standard output)")  # fmt: skip
    export.set_defaults(run=_export)

    load = commands.add_parser(
        "import",
        help="load events exported as CSV",
        description="Check an exported CSV file (its hash chain and every row), rebuild every "
        "record from its events, and add them all to the ledger (created if missing), or "
        "nothing if anything is wrong.",
    )
    load.add_argument("file", metavar="FILE", help="a CSV file written by `banshishi export`")
    _db_option(load)
    load.set_defaults(run=_import)
    return parser


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                        help=f"the ledger file (default {DEFAULT_DB})")  # fmt: skip


# -- commands -------------------------------------------------------------------------------


def _demo(options: argparse.Namespace, out: Console, err: Console) -> int:
    from ._campaign import simulate_campaign

    path = Path(options.db)
    if path.exists():
        SqliteEventStore(path).close()  # refuses, untouched, anything that is not a ledger
        if not options.replace:
            raise InvalidValueError(
                field="--db", value=str(path), problem="already holds a ledger",
                hint="Pass --replace to replace it, or choose another --db.",
            )  # fmt: skip
    with progress_bar(err, "simulating the quarter", 1) as update:
        campaign = simulate_campaign(issues=options.issues, seed=options.seed, progress=update)
    total = len(campaign.ledger) + len(campaign.pledges)
    # Written under a temporary name and moved into place only when complete, so a
    # failure leaves the old ledger (or nothing) where --db points.
    building = path.with_name(f".{path.name}.{os.getpid()}.demo")
    _remove(building)
    try:
        with LedgerStore.open(building, create=True, policy=campaign.policy) as store:
            store.save_units(campaign.units)
            with progress_bar(err, f"writing {path}", total) as update:
                written = store.write_ledgers(campaign.ledger, campaign.pledges, progress=update)
        _remove(path)
        os.replace(building, path)
    finally:
        _remove(building)
    with LedgerStore.open(path, policy=campaign.policy) as store:
        _dashboard(store, campaign.end, out, title=_campaign_title(campaign))
        report = store.verify()
    state = "intact" if report else f"BROKEN: {report.problem}"
    out.print(f"\n{written:,} events written to {path}; hash chain {state}.", markup=False)
    return OK if report else BROKEN


def _campaign_title(campaign: Any) -> str:
    top = next(iter(campaign.units)).name
    return (
        f"{top}, {campaign.start.format('YYYY-MM-DD')} to {campaign.end.format('YYYY-MM-DD')} "
        f"(seed {campaign.seed})"
    )


def _dashboard(store: LedgerStore, at: DateTime, out: Console, *, title: str) -> None:
    dashboard = store.dashboard(at=at)
    everything = dashboard.everything
    out.print(f"[bold]banshishi dashboard: {title}[/bold]")
    out.print(status_line(everything))
    out.print(overview_table(everything, title="Every rate"))
    key_rates = ("completion", "on_time", "satisfaction")
    by_track = dashboard.by_track
    out.print(rates_table(by_track, title="By track (四办)", rates=key_rates))
    by_unit = [row for row in dashboard.by_unit if row.depth <= 1]
    out.print(rates_table(by_unit, title="By unit, each with everything under it",
                          rates=key_rates))  # fmt: skip
    pledges = store.pledge_summaries()
    groups: dict[str, PledgeFigures] = {}
    for line in pledges:
        label = f"{line.pledger_kind.label} {line.list_kind.label}"
        groups[label] = groups.get(label, pledge_figures([])) + pledge_figures([line])
    groups["全部 all"] = pledge_figures(pledges)
    out.print(pledge_table(groups, title="Pledges (践诺)"))


def _report(options: argparse.Namespace, out: Console, err: Console) -> int:
    as_of = _moment(options.as_of)
    with _existing(options.db) as store:
        if as_of is None:
            at = pendulum.now(DEFAULT_TIMEZONE)
            rows = store.report(at=at, by=options.by)
        else:
            at = as_of
            with progress_bar(err, "rebuilding the ledger as of then", 1) as update:
                lines = store.summaries_as_of(as_of, progress=update)
            rows = report_rows(lines, at=at, by=options.by, units=store.units)
    if options.format == "json":
        write_json(rows, sys.stdout, at=at, by=options.by)
    elif options.format == "csv":
        write_csv(rows, sys.stdout)
    else:
        grouping = f" by {options.by}" if options.by else ""
        out.print(rates_table(rows, title=f"Rates{grouping} as of {at.format('YYYY-MM-DD HH:mm')}"))
    return OK


def _verify(options: argparse.Namespace, out: Console, err: Console) -> int:
    with _existing(options.db) as store:
        report = store.verify(deep=options.deep)
    if report:
        out.print(f"{options.db}: intact, {report.events:,} events.", markup=False)
        return OK
    where = f" (first bad event: {report.first_bad})" if report.first_bad is not None else ""
    err.print(f"{options.db}: BROKEN{where}: {report.problem}", soft_wrap=True, markup=False)
    return BROKEN


def _export(options: argparse.Namespace, out: Console, err: Console) -> int:
    with _existing(options.db) as store:
        if options.output == "-":
            count = export_events(store, sys.stdout)
        else:
            target = Path(options.output)
            try:
                with target.open("w", encoding="utf-8", newline="") as file:
                    count = export_events(store, file)
            except BaseException:
                target.unlink(missing_ok=True)  # no half-written export left behind
                raise
    err.print(f"{count:,} events exported.")
    return OK


def _import(options: argparse.Namespace, out: Console, err: Console) -> int:
    path = Path(options.db)
    created = not path.exists()
    with Path(options.file).open(encoding="utf-8", newline="") as file:
        histories = read_events(file)  # every row checked before the ledger is touched
    store = LedgerStore.open(path, create=True)
    try:
        count = store.write_histories(histories)
    except BaseException:
        store.close()
        if created:
            _remove(path)
        raise
    store.close()
    out.print(f"{count:,} events imported into {path}.", markup=False)
    return OK


def _existing(path: str) -> LedgerStore:
    if not Path(path).exists():
        raise InvalidValueError(
            field="--db", value=path, problem="does not exist",
            hint="Make a ledger with `banshishi demo` or `banshishi import`.",
        )  # fmt: skip
    return LedgerStore.open(path)


def _remove(path: Path) -> None:
    for leftover in (path, *side_files(path)):
        leftover.unlink(missing_ok=True)


def _moment(text: str | None) -> DateTime | None:
    if text is None:
        return None
    if _DATE.fullmatch(text):
        try:
            year, month, day_of_month = (int(part) for part in text.split("-"))
            day = pendulum.datetime(year, month, day_of_month, tz=DEFAULT_TIMEZONE)
        except ValueError:
            raise InvalidValueError(
                field="--as-of", value=text, problem="is not a date on the calendar"
            ) from None
        return day.end_of("day")
    return parse_instant(text, field="--as-of")
