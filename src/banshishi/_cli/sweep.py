"""``banshishi sweep``: the SLA sweep on the ledger, made for a daily cron job.

It sorts every item running against a deadline into green, yellow and red, urges
(催办) the yellow and red ones not yet urged at that level for their deadline,
and with ``--escalate`` raises red ones to 督办 under the unit one level up, in
batches of one transaction each (see :meth:`LedgerStore.sweep`). It prints one
summary line (``--format json``: one JSON object).

Exit codes: 0 when the sweep ran (items the workflow refused are counted in the
summary and listed in the JSON); 1 when the ledger cannot be read (damaged); 2
for bad input (an unknown option, a bad ``--at``, a file that is not a ledger,
``--escalate`` without a unit tree in the ledger's policy); 3 when another
writer held the ledger longer than ``--wait`` seconds (run it again later).
"""

import argparse
import json
import sqlite3

from rich.console import Console

from banshishi._core.errors import InvalidValueError, StoreBusyError, StoreError
from banshishi._core.time import format_instant
from banshishi._store.ledger_store import LedgerStore
from banshishi._workflow.sweep import SweepReport, SweepRules

from .common import (
    BROKEN,
    BUSY,
    OK,
    as_of_option,
    db_option,
    existing,
    ledger_name,
    now_or,
    wait_option,
)
from .terminal_text import error_line, plain

_AT = "--at"


def add_sweep_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``sweep`` to the parser."""
    sweep = commands.add_parser(
        "sweep",
        help="urge (and escalate) items due soon or overdue; for a daily cron job",
        description="Sort every open item with a deadline into on track, due soon and "
        "overdue, urge each due-soon or overdue item once per level for its deadline, and "
        "with --escalate raise overdue items to 督办 under the unit one level up. A second "
        "run at the same moment changes nothing. Exit status 0 when it ran, 1 when the "
        "ledger cannot be read, 2 for bad input, 3 when another writer held the ledger "
        "too long.",
    )
    db_option(sweep)
    as_of_option(
        sweep,
        flag=_AT,
        metavar="WHEN",
        help="the moment to sweep at, recorded on the steps: the end of DATE "
        "(YYYY-MM-DD, Asia/Shanghai) or an RFC 3339 moment; default now",
    )
    sweep.add_argument(
        "--escalate",
        action="store_true",
        help="also raise overdue items to 督办 (needs the unit tree in the ledger's policy)",
    )
    sweep.add_argument("--dry-run", action="store_true", help="say what it would do, write nothing")
    sweep.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="a summary line (default) or one JSON object",
    )
    sweep.add_argument(
        "--batch-size",
        type=int,
        default=1_000,
        metavar="N",
        help="steps written per transaction (default 1000)",
    )
    wait_option(sweep)
    sweep.set_defaults(run=_sweep)


def _sweep(options: argparse.Namespace, out: Console, err: Console) -> int:
    at = now_or(options.at, field=_AT)
    batches = [0]

    def written(done: int, total: int) -> None:
        batches[0] += 1

    try:
        with existing(options.db, read_only=options.dry_run, timeout=options.wait) as store:
            rules = SweepRules(escalate_overdue=_escalating(store, options.escalate))
            report = store.sweep(
                at=at,
                rules=rules,
                dry_run=options.dry_run,
                batch_size=options.batch_size,
                progress=written,
            )
    except StoreBusyError as error:
        err.print(error_line(error), soft_wrap=True)
        return BUSY
    except StoreError as error:
        if type(error) is not StoreError:  # not a ledger, a wrong key: bad input
            raise
        err.print(error_line(error), soft_wrap=True)  # a value it cannot read: damaged
        return BROKEN
    except sqlite3.DatabaseError as error:  # damaged where no check looked
        err.print(error_line(f"the ledger cannot be read ({error})"), soft_wrap=True)
        return BROKEN
    if options.format == "json":
        record = _record(report, ledger_name(options.db), options.dry_run, batches[0])
        out.print(json.dumps(record, ensure_ascii=False), markup=False, soft_wrap=True)
    else:
        out.print(
            plain(_summary(report, ledger_name(options.db), options.dry_run, batches[0])),
            soft_wrap=True,
        )
    return OK


def _escalating(store: LedgerStore, wanted: bool) -> bool:
    if wanted and store.policy.units is None:
        raise InvalidValueError(
            field="--escalate",
            value=True,
            problem="needs the unit tree in the ledger's policy, to find the unit one level "
            "up, and the policy kept with this ledger has none",
            hint="Keep a policy with units=UnitTree(...) (LedgerStore.change_policy), "
            "or sweep without --escalate.",
        )
    return wanted


def _summary(report: SweepReport, db: str, dry_run: bool, batches: int) -> str:
    on_track, due_soon, overdue = report.counts().values()
    total = on_track + due_soon + overdue
    found = (
        f"{db} at {format_instant(report.at)}: {total:,} items with a deadline, "
        f"{on_track:,} on track, {due_soon:,} due soon, {overdue:,} overdue"
    )
    steps = f"{len(report.urged):,} urged, {len(report.escalated):,} escalated"
    if report.dispatches_due:  # work handed down, reminded by its own deadline
        steps += f", {len(report.dispatches_due):,} with work handed down due"
    refused = f", {len(report.refused):,} refused" if report.refused else ""
    if dry_run:
        return f"{found}; would be {steps}{refused} (dry run: nothing written)."
    return f"{found}; {steps}{refused}; {batches:,} batches written."


def _record(report: SweepReport, db: str, dry_run: bool, batches: int) -> dict[str, object]:
    on_track, due_soon, overdue = report.counts().values()
    return {
        "db": db,
        "at": format_instant(report.at),
        "dry_run": dry_run,
        "on_track": on_track,
        "due_soon": due_soon,
        "overdue": overdue,
        "urged": len(report.urged),
        "escalated": len(report.escalated),
        "refused": len(report.refused),
        "batches": 0 if dry_run else batches,
        "urged_ids": list(report.urged),
        "escalated_ids": list(report.escalated),
        "dispatches_due_ids": list(report.dispatches_due),
        "refusals": {issue_id: str(error) for issue_id, error in report.refused.items()},
    }
