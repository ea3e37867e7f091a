"""A ledger's SQLite file: its tables, the check that a file is a banshishi
ledger (reading it only), and the making of a new one."""

import os
import sqlite3
import uuid
from pathlib import Path

from ._errors import NotALedgerError
from ._event_store import GENESIS

FORMAT = "banshishi-ledger"
SCHEMA = 2
"""The ledger file's layout. 2 added ``issues.deadline_provisional``; a ledger of
schema 1 is brought up to date when it is opened for writing (:func:`migrate`)."""
_HEADER = b"SQLite format 3\x00"

EVENT_COLUMNS = "name, actor, unit, role, from_status, to_status, note, data"
SELECT_EVENTS = f"SELECT seq, subject, record_id, version, at, {EVENT_COLUMNS}, hash FROM events"
ISSUE_COLUMNS = (
    "id, version, status, track, channel, urgency, unit, received_by, category, received_us, "
    "deadline_us, on_time, signed_for, handed_over, returned, answered, redone, rating, resolved, "
    "deadline_provisional"
)
ISSUE_PLACEHOLDERS = ", ".join("?" * len(ISSUE_COLUMNS.split(",")))
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
    rating TEXT, resolved INTEGER, deadline_provisional INTEGER NOT NULL DEFAULT 0
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


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring a ledger written by an earlier banshishi up to :data:`SCHEMA`, in one
    transaction (another process may be doing the same: the second finds it done).

    Schema 1 lacked ``issues.deadline_provisional``. No deadline could be counted
    past the last official year then, so every line gets 0, which is the truth."""
    if _schema(db) == SCHEMA:
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            if _schema(db) == 1:
                db.execute(
                    "ALTER TABLE issues ADD COLUMN deadline_provisional INTEGER NOT NULL DEFAULT 0"
                )
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    except sqlite3.Error as error:
        raise refuse(path, f"cannot be brought up to schema {SCHEMA} ({error})") from None


def _schema(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return int(row[0])
