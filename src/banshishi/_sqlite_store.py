"""The SQLite backend: one file, in WAL mode, from Python's standard library.

Writers take the database's write lock for the whole of an append
(``BEGIN IMMEDIATE``), check every record's version, extend the hash chain and
write the events and summary lines, then commit: a batch lands whole or not
at all, and a writer killed half-way leaves the last commit intact. Readers
are never blocked. A file is opened only after its header and its ``meta``
table say it is a banshishi ledger; anything else is refused untouched.
"""

import json
import os
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, final

from pendulum import DateTime

from ._converter import unstructure
from ._engine import collector_paused
from ._errors import (
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    StoreBusyError,
    StoreError,
)
from ._event_store import (
    GENESIS,
    Append,
    ChainReport,
    StoredEvent,
    encode,
    link,
    stale_version,
)
from ._figures import Facts
from ._sqlite_file import (
    EVENT_COLUMNS,
    ISSUE_COLUMNS,
    PLEDGE_COLUMNS,
    SELECT_EVENTS,
    check_file,
    create_ledger,
    refuse,
)
from ._sqlite_rows import (
    FACT_COLUMNS,
    GROUP_KEYS,
    GROUP_VALUES,
    OPEN_SQL,
    decoded,
    facts_of_row,
    issue_line,
    issue_row,
    pledge_line,
    pledge_row,
    stored_event,
    unit_tree,
)
from ._status import IssueStatus, Subject
from ._summary import IssueSummary, PledgeSummary, micros
from ._time import as_datetime
from ._track import Track
from ._unit import UnitTree

_IDS_PER_QUERY = 500


@final
class SqliteEventStore:
    """A ledger kept in one SQLite file (WAL mode).

    ``create=True`` makes a new ledger where no file exists; an existing file is
    opened only if it is a banshishi ledger, and never changed otherwise.
    ``timeout`` is how long (in seconds) a writer waits for another's lock
    before :class:`StoreBusyError`.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False,
                 timeout: float = 30.0) -> None:  # fmt: skip
        if not isinstance(path, str | os.PathLike):
            raise InvalidTypeError(field="path", value=path, problem="must be a file path")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise InvalidTypeError(
                field="timeout", value=timeout, problem="must be a number of seconds"
            )
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise refuse(self.path, "does not exist", "Create one with create=True.")
            if not self.path.parent.is_dir():
                raise refuse(self.path, "is in a folder that does not exist")
            create_ledger(self.path)
        check_file(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
        except sqlite3.Error as error:
            raise refuse(self.path, f"cannot be opened ({error})") from None
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB: a large batch's index pages

    # -- writing --------------------------------------------------------------------------

    def _writing(self) -> "_Transaction":
        return _Transaction(self._db, self.path)

    def version(self, subject: Subject, record_id: str) -> int:
        if not isinstance(record_id, str):
            raise InvalidTypeError(
                field=f"{getattr(subject, 'value', subject)}_id", value=record_id,
                problem="must be a string",
            )  # fmt: skip
        row = self._db.execute(
            "SELECT max(version) FROM events WHERE subject = ? AND record_id = ?",
            (subject.value, record_id),
        ).fetchone()
        return int(row[0] or 0)

    def append(
        self,
        appends: Sequence[Append],
        *,
        issues: Sequence[IssueSummary] = (),
        pledges: Sequence[PledgeSummary] = (),
    ) -> int:
        # The rows hold no cycles: pausing the collector keeps a large batch from
        # triggering full collections over everything else the process holds.
        with collector_paused(), self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            seq, previous = self._head()
            rows: list[tuple[Any, ...]] = []
            versions = self._versions(appends)
            for append in appends:
                subject = append.subject.value
                record_id = append.record_id
                version = versions.get((subject, record_id), 0)
                if version != append.expected_version:
                    raise _stale(append, version)
                versions[(subject, record_id)] = version + len(append.events)
                for event in append.events:
                    seq += 1
                    version += 1
                    at, columns = encode(event)
                    previous = link(previous, seq, subject, record_id, version, at, columns)
                    rows.append((seq, subject, record_id, version, at, *columns, previous))
            self._db.executemany(
                f"INSERT INTO events (seq, subject, record_id, version, at, "
                f"{EVENT_COLUMNS}, hash) VALUES ({', '.join('?' * 14)})",
                rows,
            )
            self._db.executemany(
                f"INSERT OR REPLACE INTO issues ({ISSUE_COLUMNS}) VALUES ({', '.join('?' * 19)})",
                [issue_row(line) for line in issues],
            )
            self._db.executemany(
                f"INSERT OR REPLACE INTO pledges ({PLEDGE_COLUMNS}) VALUES ({', '.join('?' * 10)})",
                [pledge_row(line) for line in pledges],
            )
            self._db.executemany(
                "UPDATE meta SET value = ? WHERE key = ?",
                [(str(seq), "head_seq"), (previous, "head_hash")],
            )
        return seq

    def _head(self) -> tuple[int, str]:
        """The last event's sequence number and hash, as the ``meta`` table records them."""
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        seq, head = meta.get("head_seq", ""), meta.get("head_hash")
        if not (seq.isascii() and seq.isdigit()) or not isinstance(head, str):
            raise StoreError(
                field="meta", value=(seq, head), problem="does not record the chain's head",
                hint="The file was changed outside banshishi.",
            )  # fmt: skip
        return int(seq), head

    def _versions(self, appends: Sequence[Append]) -> dict[tuple[str, str], int]:
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
                    f"IN ({', '.join('?' * len(chunk))}) GROUP BY record_id"
                )
                for record_id, version in self._db.execute(query, (subject, *chunk)):
                    found[(subject, record_id)] = version
        return found

    def save_units(self, tree: UnitTree) -> None:
        if not isinstance(tree, UnitTree):
            raise InvalidTypeError(field="units", value=tree, problem="must be a UnitTree")
        body = json.dumps([unstructure(unit) for unit in tree], ensure_ascii=False)
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM units")
            self._db.execute("INSERT INTO units VALUES (?)", (body,))

    # -- reading --------------------------------------------------------------------------

    def events(
        self,
        subject: Subject | None = None,
        record_id: str | None = None,
        *,
        until: DateTime | None = None,
    ) -> Iterator[StoredEvent]:
        where: list[str] = []
        params: list[Any] = []
        if subject is not None:
            where.append("subject = ?")
            params.append(subject.value)
        if record_id is not None:
            where.append("record_id = ?")
            params.append(record_id)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        order = "version" if record_id is not None else "seq"
        query = f"{SELECT_EVENTS} {clause} ORDER BY {order}"
        moment = None if until is None else as_datetime(until, field="until")
        for row in self._db.execute(query, params):
            stored = stored_event(row)
            if moment is None or stored.event.at <= moment:
                yield stored

    def records(self, subject: Subject) -> Iterator[tuple[str, list[StoredEvent]]]:
        current: str | None = None
        events: list[StoredEvent] = []
        query = f"{SELECT_EVENTS} WHERE subject = ? ORDER BY record_id, version"
        for row in self._db.execute(query, (subject.value,)):
            if row[2] != current:
                if current is not None:
                    yield current, events
                current, events = row[2], []
            events.append(stored_event(row))
        if current is not None:
            yield current, events

    def issue_summaries(
        self,
        *,
        units: Collection[str] | None = None,
        status: Collection[IssueStatus] | None = None,
        track: Collection[Track] | None = None,
        received_from: DateTime | None = None,
        received_before: DateTime | None = None,
        overdue_at: DateTime | None = None,
    ) -> Iterator[IssueSummary]:
        where: list[str] = []
        params: list[Any] = []
        for column, wanted in (("unit", units), ("status", status), ("track", track)):
            if wanted is not None:
                values = [getattr(item, "value", item) for item in wanted]
                where.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "0")
                params += values
        if received_from is not None:
            where.append("received_us >= ?")
            params.append(micros(as_datetime(received_from, field="received_from")))
        if received_before is not None:
            where.append("received_us < ?")
            params.append(micros(as_datetime(received_before, field="received_before")))
        if overdue_at is not None:
            where.append(f"status IN ({OPEN_SQL}) AND deadline_us < ?")
            params.append(micros(as_datetime(overdue_at, field="overdue_at")))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        cursor = self._db.execute(f"SELECT {ISSUE_COLUMNS} FROM issues {clause}", params)
        cursor.arraysize = 10_000
        while rows := cursor.fetchmany():
            yield from map(issue_line, rows)

    def issue_fact_counts(
        self, *, at: DateTime, group: str | tuple[str, ...] | None = None
    ) -> Iterator[tuple[Any, Facts, int]]:
        keys = () if group is None else (group,) if isinstance(group, str) else tuple(group)
        for key in keys:
            if key not in GROUP_KEYS:
                raise InvalidValueError(
                    field="group", value=key, problem=f"must be one of {', '.join(GROUP_KEYS)}"
                )
        counts = self._fact_counts(micros(as_datetime(at, field="at")), keys)
        if isinstance(group, str):
            return ((key[0], facts, n) for key, facts, n in counts)
        if group is None:
            return ((None, facts, n) for _, facts, n in counts)
        return counts

    def _fact_counts(self, now: int, keys: tuple[str, ...]) -> Iterator[tuple[Any, Facts, int]]:
        # Only identical lines are merged here; what they count for is decided by
        # figures_of_facts, as for lines read one by one.
        width = len(keys)
        selected = "".join(f"{GROUP_KEYS[key]}, " for key in keys)
        positions = ", ".join(str(n) for n in range(1, width + 11))
        query = f"SELECT {selected}{FACT_COLUMNS}, count(*) FROM issues GROUP BY {positions}"
        readers = [GROUP_VALUES.get(key) for key in keys]
        for row in self._db.execute(query, (now,)):
            values = tuple(
                row[n] if read is None else decoded("issue summary", row[n:], read)
                for n, read in enumerate(readers)
            )
            yield values, facts_of_row(row[width : width + 10]), row[width + 10]

    def pledge_summaries(self) -> Iterator[PledgeSummary]:
        for row in self._db.execute(f"SELECT {PLEDGE_COLUMNS} FROM pledges ORDER BY rowid"):
            yield pledge_line(row)

    def units(self) -> UnitTree | None:
        row = self._db.execute("SELECT body FROM units").fetchone()
        if row is None:
            return None
        return unit_tree(row[0])

    def verify(self) -> ChainReport:
        try:
            return self._verify()
        except sqlite3.DatabaseError as error:  # a damaged file: a finding, not a crash
            return ChainReport(intact=False, events=0, problem=f"the file cannot be read ({error})")

    def _verify(self) -> ChainReport:
        previous, expected = GENESIS, 1
        versions: dict[tuple[str, str], int] = {}
        statuses: dict[tuple[str, str], str] = {}
        count = 0
        for row in self._db.execute(f"{SELECT_EVENTS} ORDER BY seq"):
            seq, subject, record_id, version, at = row[:5]
            columns, stored = row[5:13], row[13]
            where = f"event {seq} ({subject} {record_id!r}, version {version})"
            if seq != expected:
                missing = f"events {expected}–{seq - 1} are" if seq > expected + 1 else None
                problem = f"{missing or f'event {expected} is'} missing before {where}"
                return ChainReport(intact=False, events=count, first_bad=expected, problem=problem)
            key = (subject, record_id)
            if version != versions.get(key, 0) + 1:
                problem = f"{where} does not follow version {versions.get(key, 0)} of its record"
                return ChainReport(intact=False, events=count, first_bad=seq, problem=problem)
            computed = link(previous, seq, subject, record_id, version, at, columns)
            if computed != stored:
                problem = f"{where} does not match its hash: it was changed, or inserted"
                return ChainReport(intact=False, events=count, first_bad=seq, problem=problem)
            versions[key] = version
            statuses[key] = columns[5]
            previous, expected, count = stored, expected + 1, count + 1
        try:
            head_seq, head_hash = self._head()
        except StoreError as error:
            return ChainReport(intact=False, events=count, problem=str(error))
        if head_seq != count:
            problem = (
                f"the chain ends at event {count} but the ledger's head records event "
                f"{head_seq}: events were removed from the end"
            )
            return ChainReport(intact=False, events=count, first_bad=count + 1, problem=problem)
        if head_hash != previous:
            problem = (
                f"the ledger's head records another hash for event {count}: "
                "the last event was changed"
            )
            return ChainReport(intact=False, events=count, first_bad=count or None, problem=problem)
        problem = _summary_problem(self._db, versions, statuses) or _units_problem(self._db)
        if problem:
            return ChainReport(intact=False, events=count, problem=problem)
        return ChainReport(intact=True, events=count)

    def close(self) -> None:
        self._db.close()


class _Transaction:
    """Commit on success; roll back and translate SQLite's errors on failure."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self._path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _: object) -> None:  # fmt: skip
        if kind is None:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as failure:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(
                    field="path", value=str(self._path), problem=f"could not commit ({failure})"
                ) from failure
            return
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            raise StoreBusyError(
                field="path", value=str(self._path), problem="is locked by another writer",
                hint="Try again, or give a longer timeout.",
            ) from error  # fmt: skip
        if isinstance(error, sqlite3.Error):
            raise StoreError(
                field="path", value=str(self._path), problem=f"could not be written ({error})"
            ) from error


def _summary_problem(
    db: sqlite3.Connection,
    versions: dict[tuple[str, str], int],
    statuses: dict[tuple[str, str], str],
) -> str:
    """What is wrong with the summary lines, judged by the events: each record
    has one line that can be read, at its version and in the status its last
    event left it."""
    seen: set[tuple[str, str]] = set()
    tables = (
        (Subject.ISSUE, f"SELECT {ISSUE_COLUMNS} FROM issues", issue_line),
        (Subject.PLEDGE, f"SELECT {PLEDGE_COLUMNS} FROM pledges", pledge_line),
    )
    for subject, query, read in tables:
        for row in db.execute(query):
            try:
                line: IssueSummary | PledgeSummary = read(row)
            except StoreError as error:
                return str(error)
            key = (subject.value, line.id)
            seen.add(key)
            if versions.get(key) != line.version:
                return (
                    f"the summary of {subject.value} {line.id!r} is at version {line.version}, "
                    f"the events at {versions.get(key, 0)}"
                )
            if statuses[key] != line.status.value:
                return (
                    f"the summary of {subject.value} {line.id!r} says {line.status.value!r}, "
                    f"its events {statuses[key]!r}"
                )
    for kind, record_id in sorted(versions.keys() - seen):
        return f"{kind} {record_id!r} has events but no summary line"
    return ""


def _units_problem(db: sqlite3.Connection) -> str:
    """What is wrong with the unit tree kept beside the chain, if it cannot be read."""
    for (body,) in db.execute("SELECT body FROM units"):
        try:
            unit_tree(body)
        except StoreError as error:
            return str(error)
    return ""


def _stale(append: Append, actual: int) -> Exception:
    subject = append.subject.value
    if append.expected_version == 0:
        return DuplicateError(
            field=f"{subject}_id", value=append.record_id, problem="is already in the store"
        )
    return stale_version(append.subject, append.record_id, append.expected_version, actual)
