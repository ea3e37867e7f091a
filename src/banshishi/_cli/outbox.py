"""``banshishi outbox``: the messages the ledger's steps owe, for the host that
delivers them (see docs/notifications.md).

``banshishi outbox --db LEDGER`` lists the pending messages, oldest first (at
most ``--limit``; ``--format json``: one JSON object a line, for a script to
deliver); ``--mark-sent ID…`` marks those delivered, all in one transaction
(one marked before keeps its first moment).

Exit codes: 0 when it did what was asked; 2 for bad input (an unknown option, a
file that is not a ledger, an id not in the outbox: nothing is marked then); 3
when another writer held the ledger longer than ``--wait`` seconds.
"""

import argparse
import json

from rich.console import Console
from rich.table import Table

from banshishi._core.errors import StoreBusyError
from banshishi._core.time import format_instant
from banshishi._notify.message import Message

from .common import BUSY, OK, as_of_option, db_option, existing, ledger_name, now_or, wait_option
from .terminal_text import error_line, plain

_AT = "--at"


def add_outbox_command(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``outbox`` to the parser."""
    outbox = commands.add_parser(
        "outbox",
        help="list the messages the steps owe, or mark them sent",
        description="List the pending messages of the ledger's outbox (to requesters and "
        "to units), oldest first, or with --mark-sent mark the messages delivered. "
        "Delivery is at least once: a message read and not marked is listed again, so "
        "drop one whose id you delivered already. Exit status 0 when it did what was "
        "asked, 2 for bad input (an id not in the outbox: nothing marked), 3 when another "
        "writer held the ledger too long.",
    )
    db_option(outbox)
    outbox.add_argument(
        "--limit", type=int, metavar="N", help="list at most N messages (the oldest)"
    )
    outbox.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="a table (default), or one JSON object a line",
    )
    outbox.add_argument(
        "--mark-sent",
        nargs="+",
        metavar="ID",
        help="mark these messages delivered instead of listing",
    )
    as_of_option(
        outbox,
        flag=_AT,
        metavar="WHEN",
        help="with --mark-sent, when they were delivered: the end of DATE (YYYY-MM-DD, "
        "Asia/Shanghai) or an RFC 3339 moment; default now",
    )
    wait_option(outbox)
    outbox.set_defaults(run=_outbox)


def _outbox(options: argparse.Namespace, out: Console, err: Console) -> int:
    marking = options.mark_sent is not None
    try:
        with existing(options.db, read_only=not marking, timeout=options.wait) as store:
            if marking:
                at = now_or(options.at, field=_AT)
                marked = store.mark_sent(options.mark_sent, at=at)
                again = len(set(options.mark_sent)) - marked
                out.print(
                    plain(
                        f"{ledger_name(options.db)}: {marked:,} marked sent"
                        + (f", {again:,} sent before" if again else "")
                        + "."
                    )
                )
                return OK
            pending = store.pending_messages(limit=options.limit)
            counts = store.message_counts()
    except StoreBusyError as error:
        err.print(error_line(error), soft_wrap=True)
        return BUSY
    if options.format == "json":
        for message in pending:
            out.print(json.dumps(record(message), ensure_ascii=False), markup=False, soft_wrap=True)
        return OK
    out.print(_table(pending, f"{ledger_name(options.db)}: {counts['pending']:,} pending"))
    return OK


def record(message: Message) -> dict[str, object]:
    """A message as JSON: its fields, the moments as RFC 3339 text."""
    return {
        "id": message.id,
        "record_id": message.record_id,
        "kind": message.kind.value,
        "recipient": message.recipient,
        "text": message.text,
        "created_at": format_instant(message.created_at),
        "sent_at": None if message.sent_at is None else format_instant(message.sent_at),
    }


def _table(messages: list[Message], title: str) -> Table:
    table = Table(title=plain(title), title_justify="left")
    for column in ("id", "kind", "to", "text"):
        table.add_column(column, overflow="fold")
    for message in messages:
        table.add_row(
            plain(message.id),
            plain(message.kind.label),
            plain(message.recipient),
            plain(message.text),
        )
    return table
