"""The ``banshishi`` command: the chain check and CSV import and export of the
ledger's events here; the demo campaign (in ``demo``), reports (in ``report``),
ledger files, disclosure lists, Open311 requests and JSON Schemas (in
``files``), the holiday calendar (in ``calendar``), the SLA sweep (in
``sweep``) and the outbox of messages (in ``outbox``).

Exit codes: 0 when the command did what was asked; 1 when ``verify`` found the
chain broken (or ``sweep`` could not read the ledger); 2 for bad input (an
unknown option, a file that is not a ledger, a refused import), with the reason
on standard error; 3 when ``sweep`` or ``outbox`` found the ledger locked by
another writer.
"""

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from banshishi._core.errors import BanshishiError, InvalidValueError
from banshishi._core.staging import (
    clean_stale,
    link_into_place,
    private_name,
    remove_with_side_files,
    said_of,
)
from banshishi._store.chain_key import HeadReceipt
from banshishi._store.event_csv import Export, export_events, read_export
from banshishi._store.ledger_store import LedgerStore
from banshishi._store.sqlite_file import build_ledger
from banshishi._store.store_location import is_url
from banshishi._store.store_sweep import Progress

from .calendar import add_calendar_commands
from .common import (
    BAD_INPUT,
    BROKEN,
    OK,
    db_option,
    existing,
    ledger_name,
    output,
    output_option,
    refuse_ledger_output,
)
from .demo import add_demo_command
from .files import add_file_commands, include_confidential_option
from .key import chain_key_from_environment
from .outbox import add_outbox_command
from .report import add_report_command
from .sweep import add_sweep_command
from .terminal import progress_bar
from .terminal_text import error_line, plain


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

    add_demo_command(commands)
    add_report_command(commands)
    add_sweep_command(commands)
    add_outbox_command(commands)

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
        description="Write every event, in chain order with its hash, as CSV. A confidential "
        "issue's (保密件) events are withheld, and the file cannot be imported, unless "
        "--include-confidential.",
    )
    db_option(export)
    output_option(export)
    include_confidential_option(export)
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
        out.print(plain(f"{ledger_name(options.db)}: intact, {report.events:,} events ({chain})."))
        if expect is not None:
            out.print(f"holds the kept receipt's {expect.events:,} events unchanged.")
        out.print(f"head receipt: {report.head}", markup=False)
        return OK
    where = f" (first bad event: {report.first_bad})" if report.first_bad is not None else ""
    err.print(plain(f"{ledger_name(options.db)}: BROKEN{where}: {report.problem}"), soft_wrap=True)
    return BROKEN


def _export(options: argparse.Namespace, out: Console, err: Console) -> int:
    refuse_ledger_output(options.output, options.db)
    with (
        existing(options.db) as store,
        output(options.output, ledger=options.db, private=True) as file,  # notes unmasked
    ):
        # A file is written whole, or not at all.
        count = export_events(store, file, include_confidential=options.include_confidential)
    err.print(f"{count:,} events exported.")
    return OK


def _import(options: argparse.Namespace, out: Console, err: Console) -> int:
    key = chain_key_from_environment()
    with Path(options.file).open(encoding="utf-8", newline="") as file:
        # Every row checked before the ledger is touched.
        export = read_export(file, chain_key=key)
    if is_url(options.db):
        # In a database, all in one transaction: a new ledger's tables are made
        # and filled whole, or hold nothing.
        with LedgerStore.open(options.db, create=True, chain_key=key) as store:
            count, head = _write_export(store, export), store.head()
        out.print(plain(f"{count:,} events imported into {ledger_name(options.db)}."))
        out.print(f"head receipt: {head}", markup=False)
        return OK
    path = Path(options.db)
    if os.path.lexists(path):
        count, head = _import_into(path, export, key)
    else:
        count, head = _import_new(path, export, key, err)
    out.print(plain(f"{count:,} events imported into {path}."))
    out.print(f"head receipt: {head}", markup=False)
    return OK


def _import_into(path: Path, export: Export, key: bytes | None) -> tuple[int, HeadReceipt]:
    """Add to the ledger at ``path`` in one transaction (all or nothing: a ledger
    in use never holds part of an import)."""
    with LedgerStore.open(path, chain_key=key) as store:
        return _write_export(store, export), store.head()


def _write_export(store: LedgerStore, export: Export) -> int:
    return store.write_histories(export.histories, units=export.units, policies=export.policies)


IMPORT_BATCH = 5_000
"""How many records a new ledger takes per transaction on import."""


def _write_batches(store: LedgerStore, export: Export, err: Console) -> int:
    """Write the export to a new ledger in batches, with a progress bar on ``err``."""
    total = len(export.histories)
    with progress_bar(err, f"importing {total:,} records", total) as update:
        return _batches(store, export, update)


def _batches(store: LedgerStore, export: Export, progress: Progress) -> int:
    """Write the export to a new ledger ``IMPORT_BATCH`` records a transaction,
    telling ``progress`` as it goes: each batch rebuilt (and so checked) before
    it is written, the unit tree's and the policy's versions with the first."""
    histories = export.histories
    total = len(histories)
    written = store.write_histories(
        histories[:IMPORT_BATCH], units=export.units, policies=export.policies
    )
    for start in range(IMPORT_BATCH, total, IMPORT_BATCH):
        progress(start, total)
        written += store.write_histories(histories[start : start + IMPORT_BATCH])
    progress(total, total)
    return written


def _import_new(
    path: Path, export: Export, key: bytes | None, err: Console
) -> tuple[int, HeadReceipt]:
    """Build a new ledger under a private name, in batches (a batch refused
    leaves the private file, which is removed: the ledger is still made whole or
    not at all), and link it into place whole; if another process made a ledger
    at ``path`` meanwhile, add to that one as to any existing ledger (in one
    transaction). Only the private file is ever removed."""
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
                count = _write_batches(store, export, err), store.head()
        if link_into_place(staged, path):
            return count
    finally:
        remove_with_side_files(staged)
    return _import_into(path, export, key)
