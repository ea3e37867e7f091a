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
import uuid
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, final

from pendulum import DateTime

from ._channel import Channel
from ._converter import structure, unstructure
from ._errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidTypeError,
    NotALedgerError,
    StoreBusyError,
    StoreError,
)
from ._event_store import GENESIS, Append, ChainReport, StoredEvent, decode, encode, link
from ._figures import Facts
from ._pledge import PledgeListKind, PledgerKind
from ._rating import Rating
from ._status import IssueStatus, PledgeStatus, Subject
from ._summary import IssueSummary, PledgeSummary, micros
from ._time import as_datetime
from ._track import Track, Urgency
from ._unit import Unit, UnitTree

FORMAT = "banshishi-ledger"
SCHEMA = 1
_HEADER = b"SQLite format 3\x00"
_IDS_PER_QUERY = 500
_GROUP_KEYS = {
    "unit": "unit",
    "track": "track",
    "channel": "channel",
    "urgency": "urgency",
    "hour": "received_us / 3600000000",
}
"""What :meth:`SqliteEventStore.issue_fact_counts` may group by: a column, or
the hour of receipt (hours since 1970 UTC)."""
_STATUS = {member.value: member for member in IssueStatus}
_RATING = {member.value: member for member in Rating}

_EVENT_COLUMNS = "name, actor, unit, role, from_status, to_status, note, data"
_ISSUE_COLUMNS = (
    "id, version, status, track, channel, urgency, unit, received_by, category, received_us, "
    "deadline_us, on_time, signed_for, handed_over, returned, answered, redone, rating, resolved"
)
_PLEDGE_COLUMNS = (
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
CREATE TABLE pledges ({_PLEDGE_COLUMNS.replace("id,", "id TEXT PRIMARY KEY,")});
CREATE TABLE units (body TEXT NOT NULL);
"""


def _refuse(path: Path, problem: str, hint: str = "") -> NotALedgerError:
    return NotALedgerError(field="path", value=str(path), problem=problem, hint=hint)


def _check_file(path: Path) -> None:
    """Refuse anything that is not an SQLite database holding a banshishi ledger,
    reading it only (the read-only connection cannot change it)."""
    if path.is_dir():
        raise _refuse(path, "is a directory, not a ledger file")
    with path.open("rb") as file:
        header = file.read(len(_HEADER))
    if header != _HEADER:
        problem = "is empty" if not header else "is not an SQLite database"
        raise _refuse(path, f"{problem}, so not a banshishi ledger")
    # Reading a WAL-mode database makes SQLite create its -wal and -shm files:
    # remove those this check made if the file is refused.
    made = [side for side in _side_files(path) if not side.exists()]
    try:
        _check_meta(path)
    except NotALedgerError:
        for side in made:
            side.unlink(missing_ok=True)
        raise


def _side_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _check_meta(path: Path) -> None:
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = dict(probe.execute("SELECT key, value FROM meta").fetchall())
        finally:
            probe.close()
    except sqlite3.DatabaseError as error:
        raise _refuse(path, f"is an SQLite database but not a banshishi ledger ({error})") from None
    if rows.get("format") != FORMAT:
        raise _refuse(path, "is an SQLite database but not a banshishi ledger")
    schema = rows.get("schema", "")
    if not schema.isdigit() or int(schema) > SCHEMA:
        raise _refuse(
            path,
            f"is a ledger of schema {schema!r}, newer than this banshishi reads ({SCHEMA})",
            "Upgrade banshishi.",
        )


def _create(path: Path) -> None:
    """Make a new, empty ledger at ``path`` unless one appears there first.

    The ledger is built under a temporary name beside ``path`` and then linked
    into place, which fails if ``path`` exists: another process creating the
    same ledger at the same moment never sees a half-made file.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.new")
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
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # someone else made it first: open theirs
    finally:
        for leftover in (temporary, *_side_files(temporary)):
            leftover.unlink(missing_ok=True)


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
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise _refuse(self.path, "does not exist", "Create one with create=True.")
            if not self.path.parent.is_dir():
                raise _refuse(self.path, "is in a folder that does not exist")
            _create(self.path)
        _check_file(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
        except sqlite3.Error as error:
            raise _refuse(self.path, f"cannot be opened ({error})") from None
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB: a large batch's index pages

    # -- writing --------------------------------------------------------------------------

    def _writing(self) -> "_Transaction":
        return _Transaction(self._db, self.path)

    def version(self, subject: Subject, record_id: str) -> int:
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
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            meta = dict(self._db.execute("SELECT key, value FROM meta"))
            seq, previous = int(meta["head_seq"]), meta["head_hash"]
            rows: list[tuple[Any, ...]] = []
            versions = self._versions(appends)
            for append in appends:
                subject = append.subject.value
                record_id = append.record_id
                version = versions.get((subject, record_id), 0)
                if version != append.expected_version:
                    raise _stale(append, version)
                for event in append.events:
                    seq += 1
                    version += 1
                    at, columns = encode(event)
                    previous = link(previous, seq, subject, record_id, version, at, columns)
                    rows.append((seq, subject, record_id, version, at, *columns, previous))
            self._db.executemany(
                f"INSERT INTO events (seq, subject, record_id, version, at, "
                f"{_EVENT_COLUMNS}, hash) VALUES ({', '.join('?' * 14)})",
                rows,
            )
            self._db.executemany(
                f"INSERT OR REPLACE INTO issues ({_ISSUE_COLUMNS}) VALUES ({', '.join('?' * 19)})",
                [_issue_row(line) for line in issues],
            )
            self._db.executemany(
                f"INSERT OR REPLACE INTO pledges ({_PLEDGE_COLUMNS}) "
                f"VALUES ({', '.join('?' * 10)})",
                [_pledge_row(line) for line in pledges],
            )
            self._db.executemany(
                "UPDATE meta SET value = ? WHERE key = ?",
                [(str(seq), "head_seq"), (previous, "head_hash")],
            )
        return seq

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
        query = (
            f"SELECT seq, subject, record_id, version, at, {_EVENT_COLUMNS}, hash FROM events "
            f"{clause} ORDER BY {order}"
        )
        moment = None if until is None else as_datetime(until, field="until")
        for row in self._db.execute(query, params):
            stored = _stored(row)
            if moment is None or stored.event.at <= moment:
                yield stored

    def records(self, subject: Subject) -> Iterator[tuple[str, list[StoredEvent]]]:
        current: str | None = None
        events: list[StoredEvent] = []
        query = (
            f"SELECT seq, subject, record_id, version, at, {_EVENT_COLUMNS}, hash FROM events "
            "WHERE subject = ? ORDER BY record_id, version"
        )
        for row in self._db.execute(query, (subject.value,)):
            if row[2] != current:
                if current is not None:
                    yield current, events
                current, events = row[2], []
            events.append(_stored(row))
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
            where.append("status NOT IN ('closed', 'dismissed') AND deadline_us < ?")
            params.append(micros(as_datetime(overdue_at, field="overdue_at")))
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        cursor = self._db.execute(f"SELECT {_ISSUE_COLUMNS} FROM issues {clause}", params)
        cursor.arraysize = 10_000
        while rows := cursor.fetchmany():
            yield from map(_issue_line, rows)

    def issue_fact_counts(
        self, *, at: DateTime, group: str | None = None
    ) -> Iterator[tuple[Any, Facts, int]]:
        # Only identical lines are merged here; what they count for is decided by
        # figures_of_facts, as for lines read one by one.
        key = "NULL" if group is None else _GROUP_KEYS[group]
        query = (
            f"SELECT {key}, status, status NOT IN ('closed', 'dismissed') AND deadline_us < ?, "
            "signed_for, on_time, handed_over, returned, answered, redone, rating, resolved, "
            "count(*) FROM issues GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
        )
        now = micros(as_datetime(at, field="at"))
        for row in self._db.execute(query, (now,)):
            (value, status, late, signed, on_time, handed, returned, answered, redone, rating,
             resolved, count) = row  # fmt: skip
            facts: Facts = (
                _STATUS[status], bool(late), bool(signed),
                None if on_time is None else bool(on_time), bool(handed), bool(returned),
                bool(answered), bool(redone), None if rating is None else _RATING[rating],
                None if resolved is None else bool(resolved),
            )  # fmt: skip
            yield value, facts, count

    def pledge_summaries(self) -> Iterator[PledgeSummary]:
        for row in self._db.execute(f"SELECT {_PLEDGE_COLUMNS} FROM pledges ORDER BY rowid"):
            yield _pledge_line(row)

    def units(self) -> UnitTree | None:
        row = self._db.execute("SELECT body FROM units").fetchone()
        if row is None:
            return None
        return UnitTree(structure(item, Unit) for item in json.loads(row[0]))

    def verify(self) -> ChainReport:
        previous, expected = GENESIS, 1
        versions: dict[tuple[str, str], int] = {}
        statuses: dict[tuple[str, str], str] = {}
        count = 0
        query = f"SELECT seq, subject, record_id, version, at, {_EVENT_COLUMNS}, hash FROM events"
        for row in self._db.execute(f"{query} ORDER BY seq"):
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
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        if int(meta["head_seq"]) != count or meta["head_hash"] != previous:
            problem = (
                f"the chain ends at event {count} but the ledger's head records event "
                f"{meta['head_seq']}: events were removed from the end"
            )
            return ChainReport(intact=False, events=count, first_bad=count + 1, problem=problem)
        problem = _summary_problem(self._db, versions, statuses)
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
            self._db.execute("COMMIT")
            return
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            raise StoreBusyError(
                field="path", value=str(self._path), problem="is locked by another writer",
                hint="Try again, or give a longer timeout.",
            ) from error  # fmt: skip
        if isinstance(error, sqlite3.IntegrityError):
            raise ConcurrencyError(
                field="events.version", value=str(error), problem="collided with another writer's",
                hint="Read the records again and retry.",
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
    has one line, at its version and in the status its last event left it."""
    seen: set[tuple[str, str]] = set()
    for subject, table in ((Subject.ISSUE, "issues"), (Subject.PLEDGE, "pledges")):
        for record_id, version, status in db.execute(f"SELECT id, version, status FROM {table}"):
            key = (subject.value, record_id)
            seen.add(key)
            if versions.get(key) != version:
                return (
                    f"the summary of {subject.value} {record_id!r} is at version {version}, "
                    f"the events at {versions.get(key, 0)}"
                )
            if statuses[key] != status:
                return (
                    f"the summary of {subject.value} {record_id!r} says {status!r}, "
                    f"its events {statuses[key]!r}"
                )
    for kind, record_id in sorted(versions.keys() - seen):
        return f"{kind} {record_id!r} has events but no summary line"
    return ""


def _stale(append: Append, actual: int) -> Exception:
    subject = append.subject.value
    if append.expected_version == 0:
        return DuplicateError(
            field=f"{subject}_id", value=append.record_id, problem="is already in the store"
        )
    return ConcurrencyError(
        field=f"{subject} {append.record_id!r} version",
        value=append.expected_version,
        problem=f"is stale: the store holds version {actual}",
        hint="Someone else wrote first; read the record again and retry.",
    )


def _stored(row: Sequence[Any]) -> StoredEvent:
    return StoredEvent(
        seq=row[0],
        record_id=row[2],
        version=row[3],
        event=decode(row[1], row[4], row[5:13]),
        hash=row[13],
    )


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _issue_row(line: IssueSummary) -> tuple[Any, ...]:
    return (
        line.id, line.version, line.status.value, line.track.value, line.channel.value,
        line.urgency.value, line.unit, line.received_by, line.category, line.received_us,
        line.deadline_us, _flag(line.on_time), int(line.signed_for), int(line.handed_over),
        int(line.returned), int(line.answered), int(line.redone),
        None if line.rating is None else line.rating.value, _flag(line.resolved),
    )  # fmt: skip


def _issue_line(row: Sequence[Any]) -> IssueSummary:
    (record_id, version, status, track, channel, urgency, unit, received_by, category,
     received_us, deadline_us, on_time, signed_for, handed_over, returned, answered, redone,
     rating, resolved) = row  # fmt: skip
    return IssueSummary(
        id=record_id,
        version=version,
        status=IssueStatus(status),
        track=Track(track),
        channel=Channel(channel),
        urgency=Urgency(urgency),
        unit=unit,
        received_by=received_by,
        category=category,
        received_us=received_us,
        deadline_us=deadline_us,
        on_time=None if on_time is None else bool(on_time),
        signed_for=bool(signed_for),
        handed_over=bool(handed_over),
        returned=bool(returned),
        answered=bool(answered),
        redone=bool(redone),
        rating=None if rating is None else Rating(rating),
        resolved=None if resolved is None else bool(resolved),
    )


def _pledge_row(line: PledgeSummary) -> tuple[Any, ...]:
    return (
        line.id, line.version, line.status.value, line.pledger, line.pledger_kind.value,
        line.list_kind.value, line.unit, line.parent, int(line.public), int(line.fulfilled),
    )  # fmt: skip


def _pledge_line(row: Sequence[Any]) -> PledgeSummary:
    return PledgeSummary(
        id=row[0],
        version=row[1],
        status=PledgeStatus(row[2]),
        pledger=row[3],
        pledger_kind=PledgerKind(row[4]),
        list_kind=PledgeListKind(row[5]),
        unit=row[6],
        parent=row[7],
        public=bool(row[8]),
        fulfilled=bool(row[9]),
    )
