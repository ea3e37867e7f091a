"""Extending a ledger's hash chain in its SQLite file: the head a write builds
on, the versions it checks, the linked rows it adds and the head it leaves,
and the transaction around them."""

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from banshishi._core.errors import DuplicateError, StoreBusyError, StoreError

from .chain_key import same, seal
from .chained_record import Columns
from .event_store import Append, encode, link, stale_version
from .sql_dialect import Db
from .sqlite_file import INSERT_EVENTS, failure, marks, read_head, read_meta

_IDS_PER_QUERY = 500

Rows = list[tuple[Any, ...]]
"""Rows of the ``events`` table, as a write gathers them."""


def sealed_head(db: Db, key: bytes | None) -> tuple[int, str]:
    """The last event's sequence number and hash, as the ``meta`` table records
    them; on a keyed chain, refused unless the key's seal is over them (so a
    head cut back by someone without the key is never built on)."""
    meta = read_meta(db)
    seq, head = read_head(meta)
    if key is not None and not same(meta.get("head_seal", ""), seal(key, seq, head)):
        raise StoreError(
            field="meta",
            value=(seq, head),
            problem="records a head that is not sealed with the chain's key",
            hint="The ledger was changed by someone without the key: nothing was written. "
            "Run verify.",
        )
    return seq, head


def link_appends(
    db: Db,
    appends: Sequence[Append],
    seq: int,
    previous: str,
    key: bytes | None,
    rows: Rows,
) -> tuple[int, str]:
    """Add the rows of every append's events, each record checked against its
    stored version and linked into the chain after ``seq`` and ``previous``;
    returns the new head."""
    versions = stored_versions(db, appends)
    for append in appends:
        subject = append.subject.value
        record_id = append.record_id
        version = versions.get((subject, record_id), 0)
        if version != append.expected_version:
            raise stale(append, version)
        versions[(subject, record_id)] = version + len(append.events)
        for event in append.events:
            seq += 1
            version += 1
            at, columns = encode(event)
            previous = link(previous, seq, subject, record_id, version, at, columns, key)
            rows.append((seq, subject, record_id, version, at, *columns, previous))
    return seq, previous


def link_versions(
    subject: str,
    record_id: str,
    version: int,
    versions: Sequence[tuple[str, Columns]],
    seq: int,
    previous: str,
    key: bytes | None,
    rows: Rows,
) -> tuple[int, str]:
    """Add the rows of a kept record's new ``versions`` (after ``version``), each
    linked into the chain after ``seq`` and ``previous``; returns the new head."""
    for at, columns in versions:
        seq, version = seq + 1, version + 1
        previous = link(previous, seq, subject, record_id, version, at, columns, key)
        rows.append((seq, subject, record_id, version, at, *columns, previous))
    return seq, previous


def write_events(db: Db, rows: Rows) -> None:
    """Write the linked rows, inside the caller's transaction."""
    db.executemany(INSERT_EVENTS, rows)


def write_head(db: Db, seq: int, previous: str, key: bytes | None) -> None:
    """Record the chain's new head (sealed, on a keyed chain), inside the caller's
    transaction."""
    head = [(str(seq), "head_seq"), (previous, "head_hash")]
    if key is not None:
        head.append((seal(key, seq, previous), "head_seal"))
    db.executemany('UPDATE meta SET value = ? WHERE "key" = ?', head)


def stored_versions(db: Db, appends: Sequence[Append]) -> dict[tuple[str, str], int]:
    """The stored version of every record ``appends`` name, in a few queries."""
    wanted: dict[str, list[str]] = {}
    for append in appends:
        wanted.setdefault(append.subject.value, []).append(append.record_id)
    found: dict[tuple[str, str], int] = {}
    for subject, ids in wanted.items():
        for first in range(0, len(ids), _IDS_PER_QUERY):
            chunk = ids[first : first + _IDS_PER_QUERY]
            query = (
                "SELECT record_id, max(version) FROM events WHERE subject = ? AND record_id "
                f"IN ({marks(chunk)}) GROUP BY record_id"
            )
            for record_id, version in db.execute(query, (subject, *chunk)):
                found[(subject, record_id)] = version
    return found


def stale(append: Append, actual: int) -> Exception:
    """The refusal of an append made against a version the record is no longer at."""
    subject = append.subject.value
    if append.expected_version == 0:
        return DuplicateError(
            field=f"{subject}_id", value=append.record_id, problem="is already in the store"
        )
    return stale_version(append.subject, append.record_id, append.expected_version, actual)


class Transaction:
    """Commit on success; roll back and translate SQLite's errors on failure."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        if kind is None:
            if not self._db.in_transaction:
                return  # the work committed (or rolled back) itself
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as refused:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise failure(self._path, refused, "could not commit", opening=False) from refused
            return
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            raise StoreBusyError(
                field="path",
                value=str(self._path),
                problem="is locked by another writer",
                hint="Try again, or give a longer timeout.",
            ) from error
        if isinstance(error, sqlite3.Error):
            raise failure(self._path, error, "could not be written", opening=False) from error
