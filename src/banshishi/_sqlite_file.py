"""A ledger's SQLite file: its tables, the check that a file is a banshishi
ledger (reading it only), and the making of a new one."""

import os
import sqlite3
import uuid
from pathlib import Path

from ._errors import NotALedgerError
from ._event_store import GENESIS

FORMAT = "banshishi-ledger"
SCHEMA = 1
_HEADER = b"SQLite format 3\x00"

EVENT_COLUMNS = "name, actor, unit, role, from_status, to_status, note, data"
SELECT_EVENTS = f"SELECT seq, subject, record_id, version, at, {EVENT_COLUMNS}, hash FROM events"
ISSUE_COLUMNS = (
    "id, version, status, track, channel, urgency, unit, received_by, category, received_us, "
    "deadline_us, on_time, signed_for, handed_over, returned, answered, redone, rating, resolved"
)
PLEDGE_COLUMNS = (
    "id, version, status, pledger, pledger_kind, list_kind, unit, parent, public, fulfilled"
)

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
CREATE TABLE issues (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL, track TEXT NOT NULL,
    channel TEXT NOT NULL, urgency TEXT NOT NULL, unit TEXT, received_by TEXT,
    category TEXT NOT NULL, received_us INTEGER NOT NULL, deadline_us INTEGER,
    on_time INTEGER, signed_for INTEGER NOT NULL, handed_over INTEGER NOT NULL,
    returned INTEGER NOT NULL, answered INTEGER NOT NULL, redone INTEGER NOT NULL,
    rating TEXT, resolved INTEGER
);
CREATE INDEX issues_by_unit ON issues (unit);
CREATE INDEX issues_by_received ON issues (received_us);
CREATE TABLE pledges ({PLEDGE_COLUMNS.replace("id,", "id TEXT PRIMARY KEY,")});
CREATE TABLE units (body TEXT NOT NULL);
"""


def refuse(path: Path, problem: str, hint: str = "") -> NotALedgerError:
    return NotALedgerError(field="path", value=str(path), problem=problem, hint=hint)


def check_file(path: Path) -> None:
    """Refuse anything that is not an SQLite database holding a banshishi ledger,
    reading it only (the read-only connection cannot change it)."""
    if path.is_dir():
        raise refuse(path, "is a directory, not a ledger file")
    try:
        with path.open("rb") as file:
            header = file.read(len(_HEADER))
    except OSError as error:
        raise refuse(path, f"cannot be read ({error.strerror})") from None
    if header != _HEADER:
        problem = "is empty" if not header else "is not an SQLite database"
        raise refuse(path, f"{problem}, so not a banshishi ledger")
    # Reading a WAL-mode database makes SQLite create its -wal and -shm files:
    # remove those this check made if the file is refused.
    made = [side for side in side_files(path) if not side.exists()]
    try:
        _check_meta(path)
    except NotALedgerError:
        for side in made:
            side.unlink(missing_ok=True)
        raise


def side_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _check_meta(path: Path) -> None:
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = dict(probe.execute("SELECT key, value FROM meta").fetchall())
        finally:
            probe.close()
    except sqlite3.DatabaseError as error:
        raise refuse(path, f"is an SQLite database but not a banshishi ledger ({error})") from None
    if rows.get("format") != FORMAT:
        raise refuse(path, "is an SQLite database but not a banshishi ledger")
    schema = rows.get("schema", "")
    if not (schema.isascii() and schema.isdigit()) or int(schema) > SCHEMA:
        raise refuse(
            path,
            f"is a ledger of schema {schema!r}, newer than this banshishi reads ({SCHEMA})",
            "Upgrade banshishi.",
        )
    _check_tables(path)


TABLES = {
    "meta": "key, value",
    "events": f"seq, subject, record_id, version, at, {EVENT_COLUMNS}, hash",
    "issues": ISSUE_COLUMNS,
    "pledges": PLEDGE_COLUMNS,
    "units": "body",
}
"""Every table a ledger has, with the columns the library reads from it."""


def _check_tables(path: Path) -> None:
    """Refuse a ledger with a table or a column dropped (or renamed) outside
    banshishi, before any query meets it."""
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = {
                table: {row[1] for row in probe.execute(f"PRAGMA table_info({table})")}
                for table in TABLES
            }
        finally:
            probe.close()
    except sqlite3.DatabaseError as error:
        raise refuse(path, f"is a banshishi ledger that cannot be read ({error})") from None
    for table, columns in TABLES.items():
        if not found[table]:
            raise refuse(path, f"is a banshishi ledger without its {table} table", _EDITED)
        missing = [name for name in columns.split(", ") if name not in found[table]]
        if missing:
            raise refuse(
                path,
                f"is a banshishi ledger whose {table} table lacks the column {missing[0]}",
                _EDITED,
            )


_EDITED = "The file was changed outside banshishi; restore it from a copy or an export."


def create_ledger(path: Path) -> None:
    """Make a new, empty ledger at ``path`` unless one appears there first.

    The ledger is built under a temporary name beside ``path`` and then linked
    into place, which fails if ``path`` exists: another process creating the
    same ledger at the same moment never sees a half-made file.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.new")
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}")
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", FORMAT), ("schema", str(SCHEMA)), ("head_seq", "0"),
                 ("head_hash", GENESIS)],
            )  # fmt: skip
            db.execute("COMMIT")
        finally:
            db.close()  # the last connection to close folds the WAL into the file
        os.link(temporary, path)
    except FileExistsError:
        pass  # someone else made it first: open theirs
    except (OSError, sqlite3.Error) as error:
        raise refuse(path, f"cannot be created ({error})") from None
    finally:
        for leftover in (temporary, *side_files(temporary)):
            leftover.unlink(missing_ok=True)
