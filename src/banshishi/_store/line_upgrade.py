"""Bringing a ledger written before schema 3 up to date: every version of each
issue's summary line, with the span it held, built from the events.

Each issue's events are restored by their recorded effects (the trusted
rebuild: they were checked when written; see ``line_history``) and the line
after each is written into ``issue_lines``, its span running from that event's moment
to the next one's, and each current line's dispatches into ``dispatch_lines``;
the current lines gain the facts schemas 3 and 4 added, and every
line is bound to its event (``line_seal``). The events are left exactly as they
were, so the chain and any head receipt still hold. All of it is one
transaction: another process opening the ledger meanwhile waits, then finds it
done.

A ledger that cannot be written here (opened for reading only, or keyed and
opened without its key) is left as it is and given the same tables in this
connection only (SQLite's ``temp`` schema), unbound: every figure can be read
as of any moment, and the upgrade is made the next time it is opened to write.
"""

import sqlite3
from collections.abc import Iterator
from typing import Any

from banshishi._metrics.summary import micros
from banshishi._model.vocabulary import Subject
from banshishi._workflow.policy import WorkflowPolicy

from .dispatch_rows import DISPATCHES_TABLE, fill_dispatches
from .line_history import issue_versions
from .line_seal import line_digest
from .sqlite_file import (
    ADDED_IN_4,
    CURRENT_TABLE,
    DIGEST,
    ISSUE_INDEXES,
    ISSUE_ROW,
    LINE_ROW,
    LINES_TABLE,
    PLEDGE_ROW,
    SCHEMA,
    listed,
    marks,
)
from .sqlite_reads import read_records
from .sqlite_rows import issue_row, pledge_line, pledge_row

_CHUNK = 2_000
_CURRENT = (*ISSUE_ROW, DIGEST)


def lines_kept(db: sqlite3.Connection) -> bool:
    """Whether the ledger keeps its lines through time in its file, with every
    column of the current schema (schema 4, or a schema 1 ledger whose old unit
    tree still waits to be chained)."""
    columns = {row[1] for row in db.execute("PRAGMA main.table_info(issue_lines)")}
    return set(ADDED_IN_4) <= columns


def upgrade_lines(db: sqlite3.Connection, policy: WorkflowPolicy, key: bytes | None) -> None:
    """Build and keep every issue's lines through time, bound to their events,
    in one transaction (see the module's documentation). The line tables hold
    nothing but what the events give, so a ledger of schema 3 has them made
    again with the columns schema 4 added."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if lines_kept(db):  # another process brought it up to date while this one waited
            db.execute("ROLLBACK")
            return
        pledge_columns = {row[1] for row in db.execute("PRAGMA main.table_info(pledges)")}
        db.execute("DROP TABLE IF EXISTS main.issue_lines")
        db.execute("DROP TABLE main.issues")
        db.execute(f"CREATE TABLE main.issues ({CURRENT_TABLE})")
        for index in ISSUE_INDEXES:
            db.execute(index)
        db.execute(LINES_TABLE)
        db.execute("DROP TABLE IF EXISTS main.dispatch_lines")
        db.execute(DISPATCHES_TABLE)
        _fill(db, "main", policy, key, seal=True)
        if DIGEST not in pledge_columns:
            db.execute("ALTER TABLE pledges ADD COLUMN digest TEXT")
            _seal_pledges(db, key)
        # A schema 1 ledger whose old tree could not be chained stays at 1 until it is.
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema' AND value IN ('2', '3')", (str(SCHEMA),)
        )
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def read_lines_here(db: sqlite3.Connection, policy: WorkflowPolicy) -> None:
    """Give a ledger that cannot be upgraded here its lines through time in this
    connection only (``temp`` tables shadowing its own), unbound."""
    db.execute("DROP VIEW IF EXISTS temp.issues")
    db.execute(f"CREATE TEMP TABLE issues ({CURRENT_TABLE})")
    db.execute(LINES_TABLE.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    db.execute(DISPATCHES_TABLE.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    pledge_columns = {row[1] for row in db.execute("PRAGMA main.table_info(pledges)")}
    if DIGEST not in pledge_columns:
        db.execute("CREATE TEMP VIEW pledges AS SELECT *, NULL AS digest FROM main.pledges")
    _fill(db, "temp", policy, None, seal=False)


def _fill(
    db: sqlite3.Connection, schema: str, policy: WorkflowPolicy, key: bytes | None, *, seal: bool
) -> None:
    write_line = f"INSERT INTO {schema}.issue_lines ({listed(LINE_ROW)}) VALUES ({marks(LINE_ROW)})"
    write_current = (
        f"INSERT OR REPLACE INTO {schema}.issues ({listed(_CURRENT)}) VALUES ({marks(_CURRENT)})"
    )
    lines: list[tuple[Any, ...]] = []
    current: list[tuple[Any, ...]] = []
    for line_rows in _lines_of_records(db, policy, key, seal):
        lines += line_rows
        last = line_rows[-1]
        current.append((*last[: len(ISSUE_ROW)], last[-1]))
        if len(current) >= _CHUNK:
            db.executemany(write_line, lines)
            db.executemany(write_current, current)
            lines, current = [], []
    db.executemany(write_line, lines)
    db.executemany(write_current, current)
    fill_dispatches(db, schema)


def _lines_of_records(
    db: sqlite3.Connection, policy: WorkflowPolicy, key: bytes | None, seal: bool
) -> Iterator[list[tuple[Any, ...]]]:
    """Each issue's rows of ``issue_lines`` (bound to their events if ``seal``),
    record by record. The events are read as the rows are written: the writes
    go to tables the reading cursor does not read."""
    for _, stored in read_records(db, Subject.ISSUE):
        versions = issue_versions([s.event for s in stored], policy, checked=False)
        starts = [micros(s.event.at) for s in stored]
        rows = []
        for index, (line, event) in enumerate(zip(versions, stored, strict=True)):
            values = issue_row(line)
            start = starts[index]
            until = starts[index + 1] if index + 1 < len(starts) else None
            digest = line_digest(event.hash, (*values, start), key) if seal else None
            rows.append((*values, start, until, digest))
        yield rows


def _seal_pledges(db: sqlite3.Connection, key: bytes | None) -> None:
    query = (
        f"SELECT {listed('p.' + name for name in PLEDGE_ROW)}, e.hash FROM pledges p "
        "JOIN events e ON e.subject = ? AND e.record_id = p.id AND e.version = p.version"
    )
    sealed = []
    for row in db.execute(query, (Subject.PLEDGE.value,)).fetchall():
        values = pledge_row(pledge_line(row[:-1]))
        sealed.append((line_digest(row[-1], values, key), values[0]))
    db.executemany("UPDATE pledges SET digest = ? WHERE id = ?", sealed)
