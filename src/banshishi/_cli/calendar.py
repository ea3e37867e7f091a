"""``banshishi calendar``: which years the deadlines are counted on, and loading
the State Council's holiday schedule once it is published.

``calendar load FILE…`` adds each schedule file (TOML or JSON, see
docs/deadlines.md) to the packaged calendar and restates every open
provisional deadline of the ledger under it, through audited
``restate_deadline`` steps; ``--dry-run`` lists what would change and writes
nothing. With no file, the calendar is the installed ``chinesecalendar`` data
alone (after upgrading that package, say).
"""

import argparse
import json
from pathlib import Path

import attrs
from rich.console import Console

from banshishi._calendar.schedule import YearSchedule
from banshishi._calendar.work_calendar import WorkCalendar, china_calendar
from banshishi._core.time import format_instant
from banshishi._store.policy_history import same_policy
from banshishi._workflow.policy import DEFAULT_PROVISIONAL_YEARS
from banshishi._workflow.restatement import HOLIDAY_SCHEDULE, Restatement

from .common import OK, as_of_option, db_option, existing, now_or
from .terminal_text import plain


def add_calendar_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    calendar = commands.add_parser(
        "calendar",
        help="the holiday calendar deadlines are counted on; load a published schedule",
        description="Show the years the calendar covers, or load the State Council's holiday "
        "schedule for a year and restate the ledger's provisional deadlines under it.",
    )
    actions = calendar.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="the official and provisional years covered")
    show.add_argument("file", nargs="*", metavar="FILE", help="schedule files to add first")
    show.set_defaults(run=_show)
    load = actions.add_parser(
        "load",
        help="add schedule files and restate the provisional deadlines they change",
        description="Add each schedule file (TOML or JSON) to the calendar, then count every "
        "open provisional deadline of the ledger again on it and record each that moves or "
        "becomes final as a restate_deadline step. Closed items keep their deadlines.",
    )
    load.add_argument("file", nargs="*", metavar="FILE", help="a year's schedule (.toml, .json)")
    db_option(load)
    load.add_argument("--dry-run", action="store_true", help="list the changes, write nothing")
    as_of_option(load, metavar="WHEN", help="the moment recorded on the steps (default now)")
    load.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="how to list the restatements (default table)",
    )
    load.set_defaults(run=_load)


def calendar_with(files: list[str]) -> WorkCalendar:
    """The packaged calendar with each schedule file added, in the order of their years."""
    calendar = china_calendar()
    schedules = sorted((YearSchedule.load(Path(name)) for name in files), key=lambda s: s.year)
    for schedule in schedules:
        replace = schedule.year in calendar.official_years
        calendar = calendar.with_schedule(schedule, replace=replace)
    return calendar


def _show(options: argparse.Namespace, out: Console, err: Console) -> int:
    calendar = calendar_with(options.file).with_provisional_years(DEFAULT_PROVISIONAL_YEARS)
    official, provisional = calendar.official_years, calendar.provisional_years
    out.print(f"official: {official.start}–{official.stop - 1}", markup=False)
    out.print(
        f"provisional (statutory holidays only): {provisional.start}–{provisional.stop - 1}",
        markup=False,
    )
    return OK


def _load(options: argparse.Namespace, out: Console, err: Console) -> int:
    at = now_or(options.as_of)
    with existing(options.db, read_only=options.dry_run) as store:
        kept = store.policy
        hours = attrs.evolve(kept.working_hours, calendar=calendar_with(options.file))
        policy = attrs.evolve(kept, working_hours=hours)
        if options.dry_run:
            found = store.restate_deadlines(at=at, dry_run=True, policy=policy)
        else:
            if not same_policy(policy, kept):  # the loaded schedules, recorded as a change
                names = ", ".join(Path(name).name for name in options.file)
                note = f"calendar load: {names or 'the packaged calendar'}"
                store.change_policy(policy, actor=HOLIDAY_SCHEDULE, at=at, note=note)
            found = store.restate_deadlines(at=at)
    if options.format == "json":
        out.print(
            json.dumps([_record(r) for r in found], ensure_ascii=False, indent=2),
            markup=False,
            soft_wrap=True,
        )
        return OK
    verb = "would restate" if options.dry_run else "restated"
    for restatement in found:
        out.print(plain(_line(restatement)), soft_wrap=True)
    moved = sum(r.moves for r in found)
    out.print(
        f"{verb} {len(found):,} provisional deadlines: {moved:,} moved, "
        f"{len(found) - moved:,} kept.",
        markup=False,
    )
    return OK


def _record(restatement: Restatement) -> dict[str, object]:
    return {
        "issue_id": restatement.issue_id,
        "previous": format_instant(restatement.previous),
        "deadline": format_instant(restatement.deadline),
        "moves": restatement.moves,
        "provisional": restatement.provisional,
    }


def _line(restatement: Restatement) -> str:
    old = restatement.previous.format("YYYY-MM-DD HH:mm")
    new = restatement.deadline.format("YYYY-MM-DD HH:mm")
    what = "moves" if restatement.moves else "kept"
    still = " (still provisional)" if restatement.provisional else ""
    return f"{restatement.issue_id}: {old} -> {new}, {what}{still}"
