"""A ledger's SQLite file: its tables, the check that a file is a banshishi
ledger (reading it only), opening one for reading only, what SQLite's errors
mean for a ledger, the making of a new one, and its ``meta`` table."""

import os
import sqlite3
import stat
import sys
from collections.abc import Collection, Iterable
from pathlib import Path

from banshishi._core.errors import NotALedgerError, StoreBusyError, StoreError
from banshishi._core.staging import clean_stale, private_name, remove_with_side_files, said_of

from .chain_key import KEYED, UNKEYED, key_check, seal
from .dispatch_rows import DISPATCH_ROW, DISPATCHES_TABLE
from .event_store import GENESIS
from .outbox_rows import SQLITE_OUTBOX
from .sql_dialect import Db

FORMAT = "banshishi-ledger"
SCHEMA = 4
"""Schema 1 kept the unit tree in a table of its own, outside the hash chain,
and had no ``issues.deadline_provisional``; schema 2 keeps the tree's versions in
the chain and has the column; schema 3 keeps every version of each issue's
summary line with the span it held (``issue_lines``), the two facts a period's
flow needs (``transferred``, ``answered_us``), and binds each line to the event
that produced it (``digest``); schema 4 adds to each line the facts of a 12345
platform's assessment (``ADDED_IN_4``). An older ledger is brought up to date
when opened: see ``schema_upgrade`` and ``line_upgrade``."""
_HEADER = b"SQLite format 3\x00"

EVENT_FIELDS = ("name", "actor", "unit", "role", "from_status", "to_status", "note", "data")
"""An event's columns, in the order ``encode`` gives them (``at`` is kept apart)."""
EVENT_ROW = ("seq", "subject", "record_id", "version", "at", *EVENT_FIELDS, "hash")
"""The ``events`` table's columns, in the order its rows are written and read."""
ISSUE_ROW = (
    "id",
    "version",
    "status",
    "track",
    "channel",
    "urgency",
    "unit",
    "received_by",
    "category",
    "received_us",
    "deadline_us",
    "on_time",
    "signed_for",
    "handed_over",
    "returned",
    "answered",
    "redone",
    "rating",
    "resolved",
    "deadline_provisional",
    "transferred",
    "answered_us",
    "request_type",
    "confidential",
    "excluded",
    "first_rating",
    "visit_contacted",
    "visit_solved",
    "visit_satisfied",
    "repeat_of",
    "duplicate_of",
    "routing_rule",
    "routed_unit",
    "routed_sent_back",
    "dispatches",
)
"""The ``issues`` table's columns (an :class:`IssueSummary`'s fields), in the
order ``issue_row`` writes them."""
SPAN = ("from_us", "until_us")
"""The span a line of ``issue_lines`` held: from the moment of the event that
opened it (that version's) to that of the next (``NULL`` while it holds)."""
DIGEST = "digest"
"""The column binding a summary line to the event that produced it (see ``line_seal``)."""
LINE_ROW = (*ISSUE_ROW, *SPAN, DIGEST)
"""The ``issue_lines`` table's columns, in the order they are written."""
PLEDGE_ROW = (
    "id",
    "version",
    "status",
    "pledger",
    "pledger_kind",
    "list_kind",
    "unit",
    "parent",
    "public",
    "fulfilled",
)
"""The ``pledges`` table's columns (a :class:`PledgeSummary`'s fields), in the
order ``pledge_row`` writes them."""


def listed(columns: Iterable[str]) -> str:
    """Columns (or SQL expressions) as a comma-separated list."""
    return ", ".join(columns)


def marks(columns: Collection[str]) -> str:
    """One ``?`` placeholder per column, comma-separated."""
    return ", ".join("?" * len(columns))


SEQ, SUBJECT, RECORD_ID, VERSION, AT, HASH = map(
    EVENT_ROW.index, ("seq", "subject", "record_id", "version", "at", "hash")
)
"""Where each of these lies in a row of :data:`EVENT_ROW`."""
EVENT = slice(EVENT_ROW.index(EVENT_FIELDS[0]), EVENT_ROW.index(EVENT_FIELDS[-1]) + 1)
"""Where an event's columns (:data:`EVENT_FIELDS`) lie in a row of :data:`EVENT_ROW`."""
TO_STATUS, DATA = map(EVENT_FIELDS.index, ("to_status", "data"))
"""Where these lie among an event's columns (:data:`EVENT_FIELDS`)."""
SELECT_EVENTS = f"SELECT {listed(EVENT_ROW)} FROM events"
INSERT_EVENTS = f"INSERT INTO events ({listed(EVENT_ROW)}) VALUES ({marks(EVENT_ROW)})"

_LINE_FIELDS = """status TEXT NOT NULL, track TEXT NOT NULL,
    channel TEXT NOT NULL, urgency TEXT NOT NULL, unit TEXT, received_by TEXT,
    category TEXT NOT NULL, received_us INTEGER NOT NULL, deadline_us INTEGER,
    on_time INTEGER, signed_for INTEGER NOT NULL, handed_over INTEGER NOT NULL,
    returned INTEGER NOT NULL, answered INTEGER NOT NULL, redone INTEGER NOT NULL,
    rating TEXT, resolved INTEGER, deadline_provisional INTEGER NOT NULL DEFAULT 0,
    transferred INTEGER NOT NULL DEFAULT 0, answered_us INTEGER,
    request_type TEXT, confidential INTEGER NOT NULL DEFAULT 0,
    excluded INTEGER NOT NULL DEFAULT 0, first_rating TEXT, visit_contacted INTEGER,
    visit_solved INTEGER, visit_satisfied INTEGER, repeat_of TEXT, duplicate_of TEXT,
    routing_rule TEXT, routed_unit TEXT, routed_sent_back INTEGER NOT NULL DEFAULT 0,
    dispatches TEXT"""
"""A summary line's columns after its id and version, as both line tables hold them."""
ADDED_IN_4 = ISSUE_ROW[ISSUE_ROW.index("request_type") :]
"""The columns schema 4 added to both line tables: a ledger of schema 3 has its
lines built again, since each line's digest binds all of its values."""
CURRENT_TABLE = f"id TEXT PRIMARY KEY, version INTEGER NOT NULL, {_LINE_FIELDS}, digest TEXT"
"""The ``issues`` table's columns: each issue's current line."""
DUE_INDEX = "CREATE INDEX IF NOT EXISTS issues_by_deadline ON issues (status, deadline_us);"
"""What the sweep's query for items due soon or overdue reads: a range, not a scan."""
ISSUE_INDEXES = (
    "CREATE INDEX issues_by_unit ON issues (unit);",
    "CREATE INDEX issues_by_received ON issues (received_us);",
    DUE_INDEX,
    "CREATE INDEX issues_by_original ON issues (duplicate_of);",
)
"""The indexes of the ``issues`` table."""
LINES_TABLE = f"""CREATE TABLE issue_lines (
    id TEXT NOT NULL, version INTEGER NOT NULL, {_LINE_FIELDS},
    from_us INTEGER NOT NULL, until_us INTEGER, digest TEXT,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;"""
"""Every version of each issue's summary line, with the span it held."""
_PLEDGE_TABLE = listed("id TEXT PRIMARY KEY" if name == "id" else name for name in PLEDGE_ROW)
_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    at TEXT NOT NULL,
    name TEXT NOT NULL, actor TEXT NOT NULL, unit TEXT, role TEXT NOT NULL,
    from_status TEXT, to_status TEXT NOT NULL, note TEXT NOT NULL, data TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (subject, record_id, version)
);
CREATE TABLE issues ({CURRENT_TABLE});
{chr(10).join(ISSUE_INDEXES)}
CREATE TABLE pledges ({_PLEDGE_TABLE}, digest TEXT);
{LINES_TABLE}
{DISPATCHES_TABLE}
{SQLITE_OUTBOX}
"""


def refuse(path: Path, problem: str, hint: str = "") -> NotALedgerError:
    return NotALedgerError(field="path", value=str(path), problem=problem, hint=hint)


def check_file(path: Path) -> None:
    """Refuse anything that is not an SQLite database holding a banshishi ledger,
    reading it only (the read-only connection cannot change it)."""
    header = _header(path)
    if header != _HEADER:
        problem = "is empty" if not header else "is not an SQLite database"
        raise refuse(path, f"{problem}, so not a banshishi ledger")
    # Reading a WAL-mode database makes SQLite create its -wal and -shm files:
    # remove those this check made if the file is refused.
    made = [side for side in side_files(path) if not side.exists()]
    try:
        probe = connect_read_only(path)
        try:
            check_meta(path, probe)
        finally:
            probe.close()
    except NotALedgerError:
        for side in made:
            side.unlink(missing_ok=True)
        raise


def _header(path: Path) -> bytes:
    """The first bytes of ``path``, which must be a regular file: opened without
    blocking and checked before a byte is read, so a FIFO or a device given as
    a ledger is refused at once instead of waiting for a writer or reading forever."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except IsADirectoryError:
        raise refuse(path, "is a directory, not a ledger file") from None
    except OSError as error:
        raise refuse(path, f"cannot be read ({error.strerror})") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise refuse(path, "is a directory, not a ledger file")
        if not stat.S_ISREG(mode):
            raise refuse(path, "is not a regular file (a FIFO or a device?), so not a ledger")
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            return file.read(len(_HEADER))
    except OSError as error:
        raise refuse(path, f"cannot be read ({error.strerror})") from None
    finally:
        os.close(descriptor)


def side_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def connect_read_only(path: Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection that can only read the database at ``path``.

    SQLite reads a WAL-mode database through its -shm file, which it makes if
    it is missing. Where it cannot (a read-only folder, another user's folder)
    and there is no log with changes in it, the file is opened as immutable:
    no -shm is needed, and the file holds everything committed. With a log
    that cannot be shared, the file is refused rather than read without it.
    """
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.Error as error:
        raise failure(path, error) from None
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the -shm
        return db
    except sqlite3.Error as error:
        db.close()
        code = getattr(error, "sqlite_errorcode", _SQLITE_ERROR) & 0xFF
        if code not in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
            raise failure(path, error) from None
        wal = side_files(path)[0]
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                field="path",
                value=str(path),
                problem=f"cannot be read: SQLite cannot share its log {wal.name} from here "
                f"({error})",
                hint="Read it where you may write, or once its writer has closed it.",
            ) from None
    try:
        return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise failure(path, error) from None


def check_meta(path: Path, db: sqlite3.Connection) -> None:
    """Refuse the database ``db`` unless its ``meta`` table says it is a banshishi
    ledger of a schema this version reads."""
    try:
        rows = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as error:
        raise failure(path, error) from None
    if rows.get("format") != FORMAT:
        raise refuse(path, "is an SQLite database but not a banshishi ledger")
    schema = rows.get("schema", "")
    if too_new(schema):
        raise refuse(path, f"is a {too_new(schema)}", "Upgrade banshishi.")
    _check_tables(path, db, schema)


def too_new(schema: str) -> str:
    """What is wrong with a ledger recording ``schema`` as its schema: one newer
    than this banshishi reads (or no schema at all); ``""`` if nothing."""
    if schema.isascii() and schema.isdigit() and int(schema) <= SCHEMA:
        return ""
    return f"ledger of schema {schema!r}, newer than this banshishi reads ({SCHEMA})"


TABLES = {
    "meta": ("key", "value"),
    "events": EVENT_ROW,
    "issues": (*ISSUE_ROW, DIGEST),
    "pledges": (*PLEDGE_ROW, DIGEST),
    "issue_lines": LINE_ROW,
    "dispatch_lines": DISPATCH_ROW,
}
"""Every table a ledger has, with the columns the library reads from it."""

SCHEMA_3_TABLES = {
    **{name: columns for name, columns in TABLES.items() if name != "dispatch_lines"},
    "issues": tuple(name for name in TABLES["issues"] if name not in ADDED_IN_4),
    "issue_lines": tuple(name for name in LINE_ROW if name not in ADDED_IN_4),
}
"""What a schema 3 ledger must have before it is brought up to date."""
_BEFORE_3 = ("transferred", "answered_us", DIGEST, *ADDED_IN_4)
SCHEMA_2_TABLES = {
    "meta": ("key", "value"),
    "events": EVENT_ROW,
    "issues": tuple(name for name in ISSUE_ROW if name not in _BEFORE_3),
    "pledges": PLEDGE_ROW,
}
"""What a schema 2 ledger must have before it is brought up to date."""
SCHEMA_1_TABLES = {
    **SCHEMA_2_TABLES,
    "issues": tuple(n for n in SCHEMA_2_TABLES["issues"] if n != "deadline_provisional"),
}
"""What a schema 1 ledger must have before it is brought up to date (its unit
tree's ``units`` table is checked by the upgrade, which tells a missing one
from a damaged one)."""


def _check_tables(path: Path, db: sqlite3.Connection, schema: str) -> None:
    """Refuse a ledger with a table or a column dropped (or renamed) outside
    banshishi, before any query meets it."""
    tables = {"1": SCHEMA_1_TABLES, "2": SCHEMA_2_TABLES, "3": SCHEMA_3_TABLES}.get(schema, TABLES)
    try:
        found = {
            table: {row[1] for row in db.execute(f"PRAGMA main.table_info({table})")}
            for table in tables
        }
    except sqlite3.DatabaseError as error:
        raise refuse(path, f"is a banshishi ledger that cannot be read ({error})") from None
    for table, columns in tables.items():
        if not found[table]:
            raise refuse(path, f"is a banshishi ledger without its {table} table", _EDITED)
        missing = [name for name in columns if name not in found[table]]
        if missing:
            raise refuse(
                path,
                f"is a banshishi ledger whose {table} table lacks the column {missing[0]}",
                _EDITED,
            )


_EDITED = "The file was changed outside banshishi; restore it from a copy or an export."


# SQLite's primary result codes (an extended code's low byte).
_SQLITE_ERROR, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 1, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26
_NOT_A_LEDGER = (_SQLITE_ERROR, _SQLITE_CORRUPT, _SQLITE_NOTADB)


def failure(
    path: Path, error: sqlite3.Error, doing: str = "cannot be read", *, opening: bool = True
) -> StoreError:
    """What an SQLite error met on ``path`` means: the file is not a ledger (when
    ``opening``: no ``meta`` table, not a database, damaged); the disk is full;
    another writer holds the lock; or the file cannot be read or written
    (permissions, input/output)."""
    code = getattr(error, "sqlite_errorcode", _SQLITE_ERROR) & 0xFF
    if opening and code in _NOT_A_LEDGER:
        return refuse(path, f"is an SQLite database but not a banshishi ledger ({error})")
    if code == _SQLITE_FULL or (code == _SQLITE_IOERR and disk_full(path)):
        return StoreError(
            field="path",
            value=str(path),
            problem=f"{doing}: the disk is full ({error})",
            hint="Free some space on the disk and try again.",
        )
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreBusyError(
            field="path",
            value=str(path),
            problem="is locked by another writer",
            hint="Try again, or give a longer timeout.",
        )
    return StoreError(field="path", value=str(path), problem=f"{doing} ({error})")


def disk_full(path: Path) -> bool:
    """Whether the file system holding ``path`` has next to no room left (less
    than 1 MiB for this user), which is why SQLite's write just failed."""
    if sys.platform == "win32":
        return False
    try:
        space = os.statvfs(path.parent)
    except OSError:
        return False
    free = space.f_bfree if os.geteuid() == 0 else space.f_bavail
    return free * space.f_frsize < 1 << 20


def create_ledger(path: Path, key: bytes | None = None) -> None:
    """Make a new, empty ledger at ``path`` unless one appears there first; with
    ``key``, its chain is keyed (the key itself is not written).

    The ledger is built under a private name beside ``path`` and then linked
    into place, which fails if ``path`` exists: another process creating the
    same ledger at the same moment never sees a half-made file.
    """
    clean_stale(path)
    temporary = private_name(path, "new")
    try:
        with said_of(path, temporary):
            build_ledger(temporary, key)
        os.link(temporary, path)
    except FileExistsError:
        pass  # someone else made it first: open theirs
    except OSError as error:
        raise refuse(path, f"cannot be created ({error.strerror or error})") from None
    finally:
        remove_with_side_files(temporary)


def build_ledger(path: Path, key: bytes | None = None) -> None:
    """Make a new, empty ledger at ``path``, a private name nothing else uses
    (see ``_staging``); refused if a file is there already. With ``key``, its
    chain is keyed (the key itself is not written)."""
    meta = first_meta(key)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}")
            db.executemany("INSERT INTO meta VALUES (?, ?)", meta)
            db.execute("COMMIT")
        finally:
            db.close()  # the last connection to close folds the WAL into the file
    except OSError as error:
        raise refuse(path, f"cannot be created ({error.strerror or error})") from None
    except sqlite3.Error as error:
        raise failure(path, error, "cannot be created", opening=False) from None


def first_meta(key: bytes | None) -> list[tuple[str, str]]:
    """The ``meta`` rows of a new, empty ledger (keyed with ``key`` if given: its
    check and the head's seal, never the key itself)."""
    meta = [
        ("format", FORMAT),
        ("schema", str(SCHEMA)),
        ("head_seq", "0"),
        ("head_hash", GENESIS),
        ("chain", UNKEYED if key is None else KEYED),
        POLICY_KEPT,
    ]
    if key is not None:
        meta += [("key_check", key_check(key)), ("head_seal", seal(key, 0, GENESIS))]
    return meta


POLICY_KEPT = ("policy", "chained")
"""The ``meta`` row of a ledger that keeps its policy in the chain: one made by
this banshishi, or an older one whose policy has since been recorded."""


def read_meta(db: Db) -> dict[str, str]:
    """The ``meta`` table, as a mapping."""
    return {str(key): str(value) for key, value in db.execute('SELECT "key", value FROM meta')}


def read_head(meta: dict[str, str]) -> tuple[int, str]:
    """The last event's sequence number and hash, as the ``meta`` table records them."""
    seq, head = meta.get("head_seq", ""), meta.get("head_hash")
    if not (seq.isascii() and seq.isdigit() and len(seq) < 19) or head is None:
        raise StoreError(
            field="meta",
            value=(seq, head),
            problem="does not record the chain's head",
            hint="The file was changed outside banshishi.",
        )
    return int(seq), head


def chain_kind(meta: dict[str, str], path: Path) -> bool:
    """Whether the ledger's chain is keyed (a ledger that does not say is not)."""
    kind = meta.get("chain", UNKEYED)
    if kind not in (KEYED, UNKEYED):
        raise refuse(path, f"records a kind of hash chain this banshishi does not know: {kind!r}")
    return kind == KEYED
