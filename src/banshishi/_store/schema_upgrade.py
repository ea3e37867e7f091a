"""Bringing a ledger written by an earlier banshishi up to the current schema.

Schema 1 had no ``issues.deadline_provisional`` column (:func:`provisional_column`
adds it). It also kept the unit tree as one JSON text in a ``units`` table,
outside the hash chain, so an edit of the tree went unseen. Opening such a ledger appends
the tree it holds to the chain as the tree's first version, drops the table and
records schema 2, all in one transaction: the events already chained are left
exactly as they were, so their hashes (and any head receipt kept) still hold.
"""

import json
import sqlite3
from collections.abc import Callable

from pendulum import DateTime

from banshishi._core.errors import BanshishiError, StoreError
from banshishi._model.converter import structure
from banshishi._model.units import Unit, UnitTree

from .chain_key import UNKEYED
from .event_store import link
from .sqlite_file import INSERT_EVENTS, SCHEMA, read_head, read_meta
from .unit_history import TREE_ID, TREE_SUBJECT, UnitTreeChange, tree_columns

UPGRADE_NOTE = "kept outside the hash chain by an earlier banshishi; chained on upgrade"
"""The note of a unit tree's first version when it was brought into the chain."""


def upgrade(db: sqlite3.Connection, now: Callable[[], DateTime]) -> str:
    """Bring a schema 1 ledger open on ``db`` to schema 2, dating the chained
    tree by ``now()``. Returns ``""`` when the ledger is current, or why it could
    not be brought up to date (then it is left exactly as it was, and read as an
    old ledger whose tree no check covers)."""
    if read_meta(db).get("schema") != "1":
        return ""
    try:
        db.execute("BEGIN IMMEDIATE")
        problem = _upgrade(db, now)
        db.execute("ROLLBACK" if problem else "COMMIT")
    except BaseException as error:
        if db.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error).lower():
            return "it was written by an earlier banshishi, and is read-only here"
        raise
    return problem


def _upgrade(db: sqlite3.Connection, now: Callable[[], DateTime]) -> str:
    meta = read_meta(db)
    if meta.get("schema") != "1":
        return ""  # another process brought it up to date while this one waited
    try:
        tree = legacy_units(db)
    except StoreError as error:
        return str(error)
    if tree is not None:
        seq, previous = read_head(meta)
        at, columns = tree_columns(UnitTreeChange(tree=tree, at=now(), note=UPGRADE_NOTE))
        seq += 1
        previous = link(previous, seq, TREE_SUBJECT, TREE_ID, 1, at, columns)
        db.execute(INSERT_EVENTS, (seq, TREE_SUBJECT, TREE_ID, 1, at, *columns, previous))
        db.executemany(
            "UPDATE meta SET value = ? WHERE key = ?",
            [(str(seq), "head_seq"), (previous, "head_hash")],
        )
    finish(db)
    return ""


def provisional_column(db: sqlite3.Connection) -> None:
    """Add ``issues.deadline_provisional`` where a schema 1 ledger lacks it, as 0 on
    every line: no earlier banshishi counted a deadline into a year without its
    official schedule. A ledger that cannot be written is read through a view
    that adds the column, in this connection only."""
    columns = {row[1] for row in db.execute("PRAGMA main.table_info(issues)")}
    if "deadline_provisional" in columns:
        return
    try:
        db.execute("ALTER TABLE issues ADD COLUMN deadline_provisional INTEGER NOT NULL DEFAULT 0")
    except sqlite3.OperationalError as error:
        if "readonly" not in str(error).lower():
            raise
        db.execute(
            "CREATE TEMP VIEW issues AS SELECT *, 0 AS deadline_provisional FROM main.issues"
        )


def finish(db: sqlite3.Connection) -> None:
    """The last step of the tree's upgrade, inside the caller's transaction: the
    old table goes and schema 2 is recorded (also taken when a new tree is saved
    over an old one that could not be read); ``line_upgrade`` takes it on to
    the current schema."""
    db.execute("DROP TABLE IF EXISTS units")
    db.execute("UPDATE meta SET value = '2' WHERE key = 'schema' AND value = '1'")
    lines = "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = 'issue_lines'"
    if db.execute(lines).fetchone():  # its lines were kept through time already
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA),))
    db.execute("INSERT OR IGNORE INTO meta VALUES ('chain', ?)", (UNKEYED,))


def legacy_units(db: sqlite3.Connection) -> UnitTree | None:
    """The tree a schema 1 ledger keeps in its ``units`` table, if one was saved;
    a table missing, doubled or unreadable raises :class:`StoreError`."""
    try:
        rows = db.execute("SELECT body FROM units LIMIT 2").fetchall()
    except sqlite3.Error as error:
        raise _bad_tree(f"cannot be read ({error})") from None
    if not rows:
        return None
    if len(rows) > 1:
        raise _bad_tree("holds more than one tree")
    try:
        units = json.loads(rows[0][0])
        if not isinstance(units, list):
            raise _bad_tree("is not a list of units")
        return UnitTree(structure(item, Unit) for item in units)
    except StoreError:
        raise
    except (BanshishiError, ValueError, TypeError, RecursionError) as error:
        raise _bad_tree(f"cannot be read ({type(error).__name__}: {error})") from None


def _bad_tree(problem: str) -> StoreError:
    return StoreError(
        field="the unit tree saved outside the chain",
        value="units table",
        problem=problem,
        hint="The file was changed outside banshishi. Saving the tree again (save_units) "
        "replaces it, in the chain.",
    )
