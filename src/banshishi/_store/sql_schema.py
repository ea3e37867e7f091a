"""A ledger's tables in a server database: their definition, made and checked by
the library, in the schema and with the table prefix the caller chooses.

The tables and columns are those of a ledger file of schema 3 (``sqlite_file``),
typed for the server: whole numbers as ``BIGINT``, text compared byte for byte
(PostgreSQL's ``C`` collation, MariaDB's ``utf8mb4_nopad_bin``, MySQL's
``utf8mb4_0900_bin``), so that ids, units and statuses group and sort as they do
in SQLite and in Python. Ids, units and other keys are ``VARCHAR(255)``.

Versions: the ``meta`` table records the schema a ledger was made with. A ledger
of a newer schema than this banshishi knows is refused; one of an older schema
is brought up to date on opening by the steps in :data:`MIGRATIONS` (none yet:
server ledgers start at schema 4; the development builds that wrote schema 3
were never released, and their ledgers are refused, naming the way across).
"""

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from banshishi._core.errors import InvalidValueError, NotALedgerError

from .dispatch_rows import DISPATCH_ROW
from .event_store import Append
from .outbox_rows import OUTBOX, OUTBOX_ROW
from .sqlite_file import EVENT_ROW, FORMAT, ISSUE_ROW, PLEDGE_ROW, SCHEMA, too_new

if TYPE_CHECKING:
    from sqlalchemy import Connection, MetaData, Table

KEY_LENGTH = 255
"""The longest id, unit or other key a server ledger keeps (in characters)."""
TABLES = ("meta", "events", "issues", "issue_lines", "dispatch_lines", "pledges")
"""The tables of a ledger, by their names in the store's queries."""
MIGRATIONS: dict[int, Callable[["Connection", dict[str, str]], None]] = {}
"""The step that brings a server ledger of schema ``n`` to ``n + 1``, by ``n``."""

_KEYS = {
    "id",
    "record_id",
    "subject",
    "unit",
    "received_by",
    "status",
    "track",
    "key",
    "request_type",
    "repeat_of",
    "duplicate_of",
    "routing_rule",
    "routed_unit",
    "issue_id",
    "kind",
    "recipient",
}
"""Text columns that are compared, grouped or indexed: bounded in length."""
_LONG = {"data", "note", "value", "actor", "body", "dispatches"}
"""Text columns that may hold long text."""
_INTEGERS = {
    "seq",
    "version",
    "received_us",
    "deadline_us",
    "from_us",
    "until_us",
    "answered_us",
    "sent_us",
    "n",
    "level",
    "dispatched_us",
    "returned_us",
}
_FLAGS = {
    "on_time",
    "signed_for",
    "handed_over",
    "returned",
    "answered",
    "redone",
    "resolved",
    "deadline_provisional",
    "transferred",
    "public",
    "fulfilled",
    "confidential",
    "excluded",
    "visit_contacted",
    "visit_solved",
    "visit_satisfied",
    "routed_sent_back",
}
_REQUIRED_ISSUE = {
    "id",
    "version",
    "status",
    "track",
    "channel",
    "urgency",
    "category",
    "received_us",
    "signed_for",
    "handed_over",
    "returned",
    "answered",
    "redone",
    "deadline_provisional",
    "transferred",
    "confidential",
    "excluded",
    "routed_sent_back",
}


def collation(dialect: Any) -> str:
    """The byte-for-byte collation of text on the server ``dialect`` (an SQLAlchemy dialect)."""
    if dialect.name == "postgresql":
        return "C"
    return "utf8mb4_nopad_bin" if getattr(dialect, "is_mariadb", False) else "utf8mb4_0900_bin"


def define(dialect: Any, schema: str | None, prefix: str) -> "MetaData":
    """The ledger's tables for the server ``dialect``, named ``prefix`` + their name,
    in ``schema`` (a database, on MariaDB and MySQL) if given."""
    from sqlalchemy import (
        BigInteger,
        Column,
        Index,
        MetaData,
        PrimaryKeyConstraint,
        SmallInteger,
        String,
        Table,
        Text,
        UniqueConstraint,
    )
    from sqlalchemy.dialects import mysql

    mysql_family = dialect.name != "postgresql"
    collate = collation(dialect)

    def column(name: str, *, required: bool = True) -> Column[Any]:
        kind: Any
        if name in _INTEGERS:
            kind = BigInteger()
        elif name in _FLAGS:
            kind = SmallInteger()
        elif name in _KEYS or name == "hash" or name == "digest":
            kind = String(KEY_LENGTH, collation=None if mysql_family else collate)
        elif name in _LONG and mysql_family:
            kind = mysql.LONGTEXT()
        else:
            kind = Text(collation=None if mysql_family else collate)
        # No column takes its value from the database: ``seq`` is the chain's own count.
        return Column(name, kind, nullable=not required, autoincrement=False)

    metadata = MetaData(schema=schema)
    options: dict[str, Any] = (
        {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": collate}
        if mysql_family
        else {}
    )
    nullable_event = {"unit", "from_status"}
    Table(
        f"{prefix}meta",
        metadata,
        column("key"),
        column("value"),
        PrimaryKeyConstraint("key"),
        **options,
    )
    Table(
        f"{prefix}events",
        metadata,
        *(column(name, required=name not in nullable_event) for name in EVENT_ROW),
        PrimaryKeyConstraint("seq"),
        UniqueConstraint("subject", "record_id", "version", name=f"{prefix}events_by_record"),
        **options,
    )
    issues = Table(
        f"{prefix}issues",
        metadata,
        *(column(name, required=name in _REQUIRED_ISSUE) for name in ISSUE_ROW),
        column("digest", required=False),
        PrimaryKeyConstraint("id"),
        **options,
    )
    Index(f"{prefix}issues_by_unit", issues.c.unit)
    Index(f"{prefix}issues_by_received", issues.c.received_us)
    Index(f"{prefix}issues_by_deadline", issues.c.status, issues.c.deadline_us)
    Index(f"{prefix}issues_by_original", issues.c.duplicate_of)
    lines = Table(
        f"{prefix}issue_lines",
        metadata,
        *(column(name, required=name in _REQUIRED_ISSUE) for name in ISSUE_ROW),
        column("from_us"),
        column("until_us", required=False),
        column("digest", required=False),
        PrimaryKeyConstraint("id", "version"),
        **options,
    )
    Index(f"{prefix}issue_lines_by_span", lines.c.from_us, lines.c.until_us)
    Table(
        f"{prefix}dispatch_lines",
        metadata,
        *(column(name, required=name not in _UNTIL_CLOSED) for name in DISPATCH_ROW),
        PrimaryKeyConstraint("issue_id", "n"),
        **options,
    )
    Table(
        f"{prefix}pledges",
        metadata,
        *(column(name, required=name not in {"unit", "parent"}) for name in PLEDGE_ROW),
        column("digest", required=False),
        PrimaryKeyConstraint("id"),
        **options,
    )
    outbox = Table(
        f"{prefix}{OUTBOX}",
        metadata,
        *(column(name, required=name not in _PENDING) for name in OUTBOX_ROW),
        PrimaryKeyConstraint("id"),
        **options,
    )
    Index(f"{prefix}outbox_pending", outbox.c.sent_us, outbox.c.seq, outbox.c.n)
    return metadata


_UNTIL_CLOSED = {"answered_us", "returned_us"}
"""The dispatch lines' columns that are null while a dispatch is open."""
_PENDING = {"sent_at", "sent_us"}
"""The outbox's columns that are null while a message is pending."""


def outbox_made(connection: "Connection", metadata: "MetaData", prefix: str) -> None:
    """Make the outbox table where it is missing (a ledger made before it):
    outside the chain, with no change of schema."""
    table_of(metadata, prefix, OUTBOX).create(connection, checkfirst=True)


def outbox_present(connection: "Connection", metadata: "MetaData", prefix: str) -> bool:
    """Whether the ledger has its outbox table."""
    from sqlalchemy import inspect

    return bool(inspect(connection).has_table(f"{prefix}{OUTBOX}", schema=metadata.schema))


def table_of(metadata: "MetaData", prefix: str, name: str) -> "Table":
    """The table the store's queries call ``name``."""
    schema = metadata.schema
    key = f"{schema}.{prefix}{name}" if schema else f"{prefix}{name}"
    return metadata.tables[key]


def present(connection: "Connection", metadata: "MetaData", prefix: str) -> set[str]:
    """Which of the ledger's tables the database holds, by their names in the queries."""
    from sqlalchemy import inspect

    found = set(inspect(connection).get_table_names(schema=metadata.schema))
    return {name for name in TABLES if f"{prefix}{name}" in found}


def not_a_ledger(where: str, problem: str, hint: str = "") -> NotALedgerError:
    return NotALedgerError(field="database", value=where, problem=problem, hint=hint)


def check_meta(where: str, meta: dict[str, str]) -> None:
    """Refuse a ``meta`` table that is not a banshishi ledger's, or one of a newer
    schema than this banshishi reads."""
    if meta.get("format") != FORMAT:
        raise not_a_ledger(where, "holds tables named as a ledger's, but not a banshishi ledger")
    schema = meta.get("schema", "")
    if too_new(schema):
        raise not_a_ledger(where, f"holds a {too_new(schema)}", "Upgrade banshishi.")
    if int(schema) < SCHEMA and any(n not in MIGRATIONS for n in range(int(schema), SCHEMA)):
        raise not_a_ledger(
            where,
            f"holds a ledger of schema {schema!r}, which no step upgrades",
            "Export its events with the banshishi that wrote it (`banshishi export`) and"
            " import them into a new ledger (`banshishi import`).",
        )


@contextlib.contextmanager
def creation_lock(connection: "Connection", name: str, timeout: float) -> Iterator[None]:
    """Keep two processes from making the same ledger's tables at once: a lock
    named ``name``, held to the end of the transaction on PostgreSQL, and until
    the block ends on MariaDB and MySQL (where DDL commits by itself)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
        yield
        return
    name = name[-64:]
    connection.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (name, timeout))
    try:
        yield
    finally:
        connection.exec_driver_sql("SELECT RELEASE_LOCK(%s)", (name,))


def check_columns(connection: "Connection", metadata: "MetaData", prefix: str, where: str) -> None:
    """Refuse a ledger with a table lacking a column (dropped or renamed outside
    banshishi), before any query meets it."""
    from sqlalchemy import inspect

    inspector = inspect(connection)
    for name in TABLES:
        table = table_of(metadata, prefix, name)
        found = {
            column["name"] for column in inspector.get_columns(table.name, schema=metadata.schema)
        }
        missing = [column.name for column in table.columns if column.name not in found]
        if missing:
            raise not_a_ledger(
                where,
                f"holds a banshishi ledger whose {table.name} table lacks the column {missing[0]}",
                "It was changed outside banshishi; restore it from a copy or an export.",
            )


def check_keys(appends: Sequence[Append]) -> None:
    """Refuse a record id longer than a server ledger keeps, before anything is written."""
    for append in appends:
        if len(append.record_id) > KEY_LENGTH:
            raise InvalidValueError(
                field=f"{append.subject.value}_id",
                value=append.record_id[:40] + "…",
                problem=f"is longer than the {KEY_LENGTH} characters a server ledger keeps",
            )
