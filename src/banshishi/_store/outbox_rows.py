"""The outbox table: the messages the steps owe, written in the same transaction
as the steps' events, and read and marked sent by the host that delivers them.

The table is operational state, not the record: it stands outside the hash
chain, and marking a message sent changes no event. It is made with a new
ledger, and made where it is missing when an older ledger is opened for
writing (no change of schema); a ledger opened for reading only without it
has no messages. The queries are written once for every backend (see
``sql_dialect``); a message written again (same id) is kept once.
"""

from collections.abc import Sequence

from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError, NotFoundError
from banshishi._core.time import as_datetime, format_instant, parse_instant
from banshishi._core.validators import iterable_given, whole_given
from banshishi._metrics.summary import micros
from banshishi._notify.message import Message, MessageKind

from .sql_dialect import Db, dialect_of

OUTBOX = "outbox"
"""The table's name in the store's queries."""
OUTBOX_ROW = (
    "id",
    "record_id",
    "kind",
    "recipient",
    "body",
    "created_at",
    "sent_at",
    "sent_us",
    "seq",
    "n",
)
"""The table's columns: the message (its text in ``body``), when it was sent
(``NULL`` while pending; ``sent_us`` indexes it), and its place: the chain's
head after the write that owed it (``seq``) and its order in that write (``n``)."""
SQLITE_OUTBOX = """
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, record_id TEXT NOT NULL, kind TEXT NOT NULL,
    recipient TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
    sent_at TEXT, sent_us INTEGER, seq INTEGER NOT NULL, n INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (sent_us, seq, n);
"""
"""The table in a ledger file (made if missing)."""
_SELECT = "SELECT id, record_id, kind, recipient, body, created_at, sent_at FROM outbox"
_CHUNK = 500
_DUPLICATES = "SELECT id FROM issues WHERE duplicate_of = ? ORDER BY id"


def write_messages(
    db: Db, messages: Sequence[Message], seq: int, *, continued: bool = False
) -> None:
    """Add ``messages`` to the outbox, inside the caller's transaction (that of the
    events owing them, the chain's head then at ``seq``); one already there is kept.
    A write of no events (``continued``: the sweep's reminders) leaves the head
    where it was, so its messages follow those already kept at ``seq``."""
    if not messages:
        return
    first = 0
    if continued:
        row = db.execute(_AFTER, (seq,)).fetchone()
        first = int(row[0]) if row and row[0] is not None else 0
    insert = dialect_of(db).insert_new(OUTBOX, OUTBOX_ROW, "id")
    db.executemany(
        insert,
        [
            (*_fields(m), format_instant(m.created_at), None, None, seq, first + n)
            for n, m in enumerate(messages)
        ],
    )


_AFTER = "SELECT max(n) + 1 FROM outbox WHERE seq = ?"


def _fields(message: Message) -> tuple[str, ...]:
    return (message.id, message.record_id, message.kind.value, message.recipient, message.text)


def pending_messages(db: Db, limit: int | None) -> list[Message]:
    """The messages not yet sent, oldest first (in the order they were owed), at
    most ``limit`` if given."""
    sql = f"{_SELECT} WHERE sent_us IS NULL ORDER BY seq, n"
    if limit is None:
        return [_message(row) for row in db.execute(sql)]
    return [_message(row) for row in db.execute(f"{sql} LIMIT ?", (limit,))]


def mark_sent(db: Db, ids: Sequence[str], at: DateTime) -> int:
    """Mark the messages ``ids`` sent at ``at``, inside the caller's transaction;
    one marked before keeps its first moment. Every id must be in the outbox
    (else :class:`NotFoundError` naming the first unknown, and nothing is marked).
    Returns how many were marked now."""
    found: set[str] = set()
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        found.update(
            row[0] for row in db.execute(f"SELECT id FROM outbox WHERE id IN ({marks})", chunk)
        )
    unknown = [message_id for message_id in ids if message_id not in found]
    if unknown:
        raise NotFoundError(
            field="message_id",
            value=unknown[0],
            problem="is not in the outbox",
            hint="Mark only the ids of messages read from pending_messages().",
        )
    marked = 0
    moment = format_instant(at)
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        before = _count(db, f"id IN ({marks}) AND sent_us IS NULL", chunk)
        db.execute(
            f"UPDATE outbox SET sent_at = ?, sent_us = ? WHERE id IN ({marks}) AND sent_us IS NULL",
            (moment, micros(at), *chunk),
        )
        marked += before
    return marked


def message_counts(db: Db) -> dict[str, int]:
    """How many messages are pending and how many sent."""
    pending = _count(db, "sent_us IS NULL", ())
    return {"pending": pending, "sent": _count(db, "1 = 1", ()) - pending}


def _count(db: Db, condition: str, parameters: Sequence[str]) -> int:
    row = db.execute(f"SELECT count(*) FROM outbox WHERE {condition}", tuple(parameters)).fetchone()
    return int(row[0])


def _message(row: Sequence[object]) -> Message:
    message_id, record_id, kind, recipient, body, created, sent = row
    return Message(
        id=str(message_id),
        record_id=str(record_id),
        kind=MessageKind(str(kind)),
        recipient=str(recipient),
        text=str(body),
        created_at=parse_instant(str(created), field="outbox.created_at"),
        sent_at=None if sent is None else parse_instant(str(sent), field="outbox.sent_at"),
    )


def duplicate_ids(db: Db, original: str) -> list[str]:
    """The issues dismissed as duplicates of ``original``, by id: their current
    lines name it (``duplicate_of``)."""
    return [str(row[0]) for row in db.execute(_DUPLICATES, (original,))]


def limit_given(limit: object) -> int | None:
    """``limit`` checked: ``None`` or a whole number of at least 1."""
    if limit is None:
        return None
    return whole_given(limit, field="limit", minimum=1)


def ids_given(message_ids: object) -> list[str]:
    """``message_ids`` as a list of texts (one text alone is refused: pass a list)."""
    if isinstance(message_ids, str):
        raise InvalidTypeError(
            field="message_ids", value=message_ids, problem="must be a list of ids, not one text"
        )
    ids = list(iterable_given(message_ids, field="message_ids"))
    for index, value in enumerate(ids):
        if not isinstance(value, str):
            raise InvalidTypeError(
                field=f"message_ids[{index}]", value=value, problem="must be text"
            )
    return list(dict.fromkeys(ids))


def moment_given(at: object) -> DateTime:
    return as_datetime(at, field="at")
