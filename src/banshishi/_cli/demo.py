"""``banshishi demo``: simulate a county's quarter into a new ledger (or over
one, with ``--replace``) and print its dashboard."""

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pendulum import DateTime
from rich.console import Console

from banshishi._core.errors import InvalidValueError, NotALedgerError
from banshishi._core.staging import (
    clean_stale,
    link_into_place,
    private_name,
    remove_with_side_files,
    replace_with,
    said_of,
)
from banshishi._metrics.figures import PledgeFigures, pledge_figures
from banshishi._store.ledger_store import LedgerStore
from banshishi._store.sqlite_file import build_ledger
from banshishi._store.sqlite_store import SqliteEventStore
from banshishi._store.store_location import is_url

from .common import BROKEN, OK, db_option, ledger_name
from .key import chain_key_from_environment
from .terminal import overview_table, pledge_table, progress_bar, rates_table, status_line
from .terminal_text import plain

if TYPE_CHECKING:
    from banshishi._simulation.campaign import Campaign


def add_demo_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``demo`` to the parser."""
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


def _demo(options: argparse.Namespace, out: Console, err: Console) -> int:
    # Imported here on purpose: the simulation (some 35 ms of modules and tables)
    # serves `demo` alone, and the other commands do not load it, as
    # `import banshishi` does not (issue 16, item 7); ruff bans it at module level.
    from banshishi._simulation.campaign import simulate_campaign

    key = chain_key_from_environment()
    url = is_url(options.db)
    if url:
        _refuse_a_kept_ledger(options.db, key)
    else:
        path = Path(options.db)
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
    if url:
        with LedgerStore.open(options.db, create=True, chain_key=key) as store:
            written = _fill(store, campaign, ledger_name(options.db), err)
        return _show(options.db, campaign, key, written, out)
    # Built under a private name and moved into place only when complete, so a
    # failure leaves the old ledger (or nothing) where --db points.
    clean_stale(place)
    building = private_name(place, "demo")
    try:
        with said_of(path, building, field="--db"):
            build_ledger(building, key)
            with LedgerStore.open(building, chain_key=key) as store:
                written = _fill(store, campaign, str(path), err)
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
    return _show(str(path), campaign, key, written, out)


def _fill(store: LedgerStore, campaign: "Campaign", name: str, err: Console) -> int:
    """Write the campaign into the new, empty ledger ``store``; returns how many
    events the chain then holds (the policy, the tree and every record's events)."""
    store.change_policy(campaign.policy, at=campaign.start, note="the simulated county's policy")
    store.save_units(campaign.units, at=campaign.start)
    total = len(campaign.ledger) + len(campaign.pledges)
    with progress_bar(err, f"writing {name}", total) as update:
        store.write_ledgers(campaign.ledger, campaign.pledges, progress=update)
    return store.head().events


def _show(
    location: str, campaign: "Campaign", key: bytes | None, written: int, out: Console
) -> int:
    """The dashboard of the ledger just written, and its chain checked."""
    with LedgerStore.open(location, policy=campaign.policy, read_only=True, chain_key=key) as store:
        _dashboard(store, campaign.end, out, title=_campaign_title(campaign))
        report = store.verify()
    state = "intact" if report else f"BROKEN: {report.problem}"
    out.print()
    out.print(plain(f"{written:,} events written to {ledger_name(location)}; hash chain {state}."))
    if report:
        out.print(f"head receipt: {report.head}", markup=False)
    return OK if report else BROKEN


def _refuse_a_kept_ledger(location: str, key: bytes | None) -> None:
    """Refuse a database that holds a ledger where --db points (a demo never
    replaces one there: a ledger in a database is dropped by its owner only)."""
    try:
        LedgerStore.open(location, read_only=True, chain_key=key).close()
    except NotALedgerError as error:
        if "holds no banshishi ledger" in error.problem:
            return
        raise
    raise InvalidValueError(
        field="--db",
        value=ledger_name(location),
        problem="already holds a ledger",
        hint="Choose another ?banshishi_schema= or ?banshishi_prefix=, or drop its tables.",
    )


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


def _campaign_title(campaign: "Campaign") -> str:
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
