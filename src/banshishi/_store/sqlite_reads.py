"""Reading the chain of a ledger's SQLite file back: the events in chain order or
record by record, and the versions of the records kept with the ledger (the
unit tree, the policy)."""

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pendulum import DateTime

from banshishi._core.errors import InvalidValueError, StoreError
from banshishi._core.time import as_datetime
from banshishi._model.vocabulary import Subject

from .event_store import StoredEvent
from .policy_history import POLICY_SUBJECT
from .sql_dialect import Db
from .sqlite_file import (
    AT,
    DATA,
    EVENT,
    RECORD_ID,
    SELECT_EVENTS,
    SEQ,
    VERSION,
    failure,
)
from .sqlite_rows import stored_event
from .unit_history import TREE_SUBJECT

_C = TypeVar("_C")


def read_events(
    db: Db,
    path: Path,
    subject: Subject | None = None,
    record_id: str | None = None,
    *,
    until: DateTime | None = None,
) -> Iterator[StoredEvent]:
    """Events in chain order, of one subject or one record if given (see
    :meth:`EventStore.events`); a damaged file is a StoreError."""
    where: list[str] = []
    params: list[Any] = []
    if subject is not None:
        where.append("subject = ?")
        params.append(subject.value)
    else:
        where.append("subject NOT IN (?, ?)")  # the tree's and policy's versions are not
        params += [TREE_SUBJECT, POLICY_SUBJECT]  # events
    if record_id is not None:
        where.append("record_id = ?")
        params.append(record_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    order = "version" if record_id is not None else "seq"
    query = f"{SELECT_EVENTS} {clause} ORDER BY {order}"
    moment = None if until is None else as_datetime(until, field="until")
    rows: Iterator[Any] | None = None
    while True:
        try:
            rows = rows or db.execute(query, params)
            row = next(rows, None)
        except sqlite3.DatabaseError as error:  # a damaged file: verify says where
            raise failure(path, error, opening=False) from None
        if row is None:
            return
        stored = stored_event(row)
        if moment is None or stored.event.at <= moment:
            yield stored


def read_records(db: Db, subject: Subject) -> Iterator[tuple[str, list[StoredEvent]]]:
    """Each record's events together, record by record."""
    current: str | None = None
    events: list[StoredEvent] = []
    query = f"{SELECT_EVENTS} WHERE subject = ? ORDER BY record_id, version"
    for row in db.execute(query, (subject.value,)):
        if row[RECORD_ID] != current:
            if current is not None:
                yield current, events
            current, events = row[RECORD_ID], []
        events.append(stored_event(row))
    if current is not None:
        yield current, events


def kept_version(db: Db, subject: str, record_id: str) -> int:
    """The last version of a record in the chain: an issue, a pledge, or a record
    kept with the ledger (the tree, the policy); 0 if it has none."""
    row = db.execute(
        "SELECT max(version) FROM events WHERE subject = ? AND record_id = ?",
        (subject, record_id),
    ).fetchone()
    return int(row[0] or 0)


def kept_versions(
    db: Db,
    path: Path,
    where: str,
    params: Sequence[object],
    read: Callable[[str, Any], _C],
    what: str,
) -> Iterator[tuple[Any, _C]]:
    """The rows of a kept record's versions that match ``where``, each with its
    change as ``read`` rebuilds it; one that cannot be read is a StoreError."""
    query = f"{SELECT_EVENTS} WHERE {where} ORDER BY version"
    try:
        rows = db.execute(query, params).fetchall()
    except sqlite3.DatabaseError as error:  # a damaged file: verify says where
        raise failure(path, error, opening=False) from None
    for row in rows:
        try:
            change = read(row[AT], row[EVENT])
        except InvalidValueError as error:
            raise StoreError(
                field=f"version {row[VERSION]} of {what} (event {row[SEQ]})",
                value=row[EVENT][DATA],
                problem=f"cannot be read: {error}",
                hint="The file was changed outside banshishi; `banshishi verify` says where.",
            ) from None
        yield row, change
