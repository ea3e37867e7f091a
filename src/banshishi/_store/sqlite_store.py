"""The SQLite backend: one file, in WAL mode, from Python's standard library.

Writers take the database's write lock for the whole of an append
(``BEGIN IMMEDIATE``), check every record's version, extend the hash chain and
write the events and summary lines, then commit: a batch lands whole or not
at all, and a writer killed half-way leaves the last commit intact. Readers
are never blocked. A file is opened only after its header and its ``meta``
table say it is a banshishi ledger; anything else is refused untouched.
"""

import os
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, final

from pendulum import DateTime

from banshishi._core.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    StoreBusyError,
    StoreError,
)
from banshishi._core.time import Clock, SystemClock, as_datetime, check_clock
from banshishi._metrics.figures import Facts
from banshishi._metrics.summary import IssueSummary, PledgeSummary, micros
from banshishi._model.home_unit import HOME_UNIT_SQL
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, Subject, Track
from banshishi._workflow.engine import collector_paused

from .chain_check import check_chain
from .chain_key import HeadReceipt, chain_key_given, key_needed, key_problem, same, seal
from .chained_record import Columns
from .event_store import (
    Append,
    ChainReport,
    StoredEvent,
    encode,
    link,
    stale_version,
)
from .policy_history import (
    POLICY_ID,
    POLICY_SUBJECT,
    PolicyAppend,
    StoredPolicy,
    policy_change,
    policy_columns,
)
from .schema_upgrade import finish, legacy_units, provisional_column, upgrade
from .sqlite_file import (
    EVENT_COLUMNS,
    ISSUE_COLUMNS,
    ISSUE_PLACEHOLDERS,
    PLEDGE_COLUMNS,
    POLICY_KEPT,
    SELECT_EVENTS,
    chain_kind,
    check_file,
    check_meta,
    connect_read_only,
    create_ledger,
    failure,
    read_head,
    read_meta,
    refuse,
)
from .sqlite_rows import (
    FACT_COLUMNS,
    GROUP_KEYS,
    GROUP_VALUES,
    OVERDUE_SQL,
    decoded,
    facts_of_row,
    issue_line,
    issue_row,
    pledge_line,
    pledge_row,
    stored_event,
)
from .unit_history import (
    TREE_ID,
    TREE_SUBJECT,
    StoredUnitTree,
    UnitTreeAppend,
    tree_change,
    tree_columns,
)

_IDS_PER_QUERY = 500
_C = TypeVar("_C")


@final
class SqliteEventStore:
    """A ledger kept in one SQLite file (WAL mode).

    ``create=True`` makes a new ledger where no file exists; an existing file is
    opened only if it is a banshishi ledger, and never changed otherwise.
    ``read_only=True`` opens it for reading only: nothing can be written through
    it, and a ledger in a read-only folder or another user's can be read.
    ``timeout`` is how long (in seconds) a writer waits for another's lock
    before :class:`StoreBusyError`.

    ``chain_key`` (at least 16 bytes; text is taken as UTF-8) keys the chain
    with HMAC-SHA256: a new ledger is made keyed, and an existing one opens
    only if it was made with that key (:class:`ChainKeyError` otherwise). The
    key is never written to the file. A keyed ledger opened without its key
    can be read, but not written or verified. A ledger written by an earlier
    banshishi is brought up to date on opening, its unit tree chained as the
    tree's first version, dated by ``clock``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        read_only: bool = False,
        timeout: float = 30.0,
        chain_key: bytes | str | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not isinstance(path, str | os.PathLike):
            raise InvalidTypeError(field="path", value=path, problem="must be a file path")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise InvalidTypeError(
                field="timeout", value=timeout, problem="must be a number of seconds"
            )
        check_clock(clock, field="clock")
        key = chain_key_given(chain_key)
        if not isinstance(read_only, bool):
            raise InvalidTypeError(
                field="read_only", value=read_only, problem="must be True or False"
            )
        if read_only and create:
            raise InvalidValueError(
                field="create", value=create, problem="cannot be True with read_only=True"
            )
        self.path = Path(path)
        self.read_only = read_only
        if not self.path.exists():
            if not create:
                raise refuse(self.path, "does not exist", "Create one with create=True.")
            if not self.path.parent.is_dir():
                raise refuse(self.path, "is in a folder that does not exist")
            create_ledger(self.path, key)
        check_file(self.path)
        self._db = self._connect(timeout)
        try:
            meta = read_meta(self._db)
            self._keyed = chain_kind(meta, self.path)
            problem = key_problem(self._keyed, key, meta.get("key_check"), str(self.path))
            if problem is not None:
                raise problem
            self._key = key
            self._tree: tuple[int, str, UnitTree] | None = None
            self._old = self._bring_up_to_date(clock or SystemClock())
        except BaseException:
            self._db.close()
            raise

    def _bring_up_to_date(self, clock: Clock) -> str:
        """Upgrade a ledger written by an earlier banshishi (see ``_schema_upgrade``);
        one opened for reading only is read as it is. Returns why the unit tree is
        still outside the chain, or ``""``."""
        if not self.read_only:
            with self._writing():
                provisional_column(self._db)
                return upgrade(self._db, clock.now)
        try:
            provisional_column(self._db)  # a view adding the column, when it lacks one
            return upgrade(self._db, clock.now)
        except sqlite3.Error as error:
            raise failure(self.path, error) from None

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if self.read_only:
            db = connect_read_only(self.path, timeout=timeout)
            try:
                check_meta(self.path, db)  # the file checked may have been replaced since
                db.execute("PRAGMA cache_size=-65536")
            except BaseException:
                db.close()
                raise
            return db
        try:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
        except sqlite3.Error as error:
            raise failure(self.path, error, "cannot be opened") from None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA cache_size=-65536")  # 64 MiB: a large batch's index pages
        except sqlite3.Error as error:
            db.close()
            raise failure(self.path, error, "cannot be opened for writing") from None
        return db

    # -- writing --------------------------------------------------------------------------

    def _writing(self) -> "_Transaction":
        if self.read_only:
            raise StoreError(
                field="path",
                value=str(self.path),
                problem="is open for reading only",
                hint="Open it without read_only=True to write.",
            )
        return _Transaction(self._db, self.path)

    def version(self, subject: Subject, record_id: str) -> int:
        if not isinstance(record_id, str):
            raise InvalidTypeError(
                field=f"{getattr(subject, 'value', subject)}_id",
                value=record_id,
                problem="must be a string",
            )
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
        units: UnitTreeAppend | None = None,
        policy: PolicyAppend | None = None,
    ) -> int:
        key = self._key
        if self._keyed and key is None:
            raise key_needed(str(self.path), "write to")
        # The rows hold no cycles: pausing the collector keeps a large batch from
        # triggering full collections over everything else the process holds.
        with collector_paused(), self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            seq, previous = self._head()
            rows: list[tuple[Any, ...]] = []
            if policy is not None:
                seq, previous = self._policy_rows(policy, seq, previous, rows)
            if units is not None:
                seq, previous = self._tree_rows(units, seq, previous, rows)
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
                    previous = link(previous, seq, subject, record_id, version, at, columns, key)
                    rows.append((seq, subject, record_id, version, at, *columns, previous))
            self._db.executemany(
                f"INSERT INTO events (seq, subject, record_id, version, at, "
                f"{EVENT_COLUMNS}, hash) VALUES ({', '.join('?' * 14)})",
                rows,
            )
            self._db.executemany(
                f"INSERT OR REPLACE INTO issues ({ISSUE_COLUMNS}) VALUES ({ISSUE_PLACEHOLDERS})",
                [issue_row(line) for line in issues],
            )
            self._db.executemany(
                f"INSERT OR REPLACE INTO pledges ({PLEDGE_COLUMNS}) VALUES ({', '.join('?' * 10)})",
                [pledge_row(line) for line in pledges],
            )
            head = [(str(seq), "head_seq"), (previous, "head_hash")]
            if key is not None:
                head.append((seal(key, seq, previous), "head_seal"))
            self._db.executemany("UPDATE meta SET value = ? WHERE key = ?", head)
        if units is not None:
            self._old = ""  # a tree saved brought an old ledger up to date
        return seq

    def _head(self) -> tuple[int, str]:
        """The last event's sequence number and hash, as the ``meta`` table records
        them; on a keyed chain, refused unless the key's seal is over them (so a
        head cut back by someone without the key is never built on)."""
        meta = read_meta(self._db)
        seq, head = read_head(meta)
        key = self._key
        if key is not None and not same(meta.get("head_seal", ""), seal(key, seq, head)):
            raise StoreError(
                field="meta",
                value=(seq, head),
                problem="records a head that is not sealed with the chain's key",
                hint="The ledger was changed by someone without the key: nothing was written. "
                "Run verify.",
            )
        return seq, head

    def _tree_rows(
        self, units: UnitTreeAppend, seq: int, previous: str, rows: list[tuple[Any, ...]]
    ) -> tuple[int, str]:
        """Add the rows of new versions of the unit tree, checked against its version."""
        version = self.units_version()
        expected = units.expected_version
        if expected is not None and expected != version:
            raise ConcurrencyError(
                field="unit tree version",
                value=expected,
                problem=f"is stale: the store holds version {version}",
                hint="Someone else saved a tree first; read it again and retry.",
            )
        if self._old:
            finish(self._db)  # a new tree replaces an old one that could not be chained
        columns = [tree_columns(change) for change in units.changes]
        return self._link_versions(TREE_SUBJECT, TREE_ID, version, columns, seq, previous, rows)

    def _policy_rows(
        self, policy: PolicyAppend, seq: int, previous: str, rows: list[tuple[Any, ...]]
    ) -> tuple[int, str]:
        """Add the rows of new versions of the policy, checked against its version.
        A ledger written with a policy check keeps its policy from then on: one
        made before this banshishi is marked so on its first such write."""
        version = self.policy_version()
        expected = policy.expected_version
        if expected is not None and expected != version:
            raise ConcurrencyError(
                field="policy version",
                value=expected,
                problem=f"is stale: the ledger's policy is at version {version}",
                hint="Someone else changed the ledger's policy; open it again and retry.",
            )
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", POLICY_KEPT)
        columns = [policy_columns(change) for change in policy.changes]
        return self._link_versions(POLICY_SUBJECT, POLICY_ID, version, columns, seq, previous, rows)

    def _link_versions(
        self,
        subject: str,
        record_id: str,
        version: int,
        versions: Sequence[tuple[str, Columns]],
        seq: int,
        previous: str,
        rows: list[tuple[Any, ...]],
    ) -> tuple[int, str]:
        """Add the rows of a kept record's new ``versions`` (after ``version``), each
        linked into the chain after ``seq`` and ``previous``; returns the new head."""
        for at, columns in versions:
            seq, version = seq + 1, version + 1
            previous = link(previous, seq, subject, record_id, version, at, columns, self._key)
            rows.append((seq, subject, record_id, version, at, *columns, previous))
        return seq, previous

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
                rows = rows or self._db.execute(query, params)
                row = next(rows, None)
            except sqlite3.DatabaseError as error:  # a damaged file: verify says where
                raise failure(self.path, error, opening=False) from None
            if row is None:
                return
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
        for column, wanted in ((HOME_UNIT_SQL, units), ("status", status), ("track", track)):
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
            where.append(OVERDUE_SQL)
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
        if self._old:
            return legacy_units(self._db)
        row = self._db.execute(
            "SELECT seq, hash FROM events WHERE subject = ? AND record_id = ? "
            "ORDER BY version DESC LIMIT 1",
            (TREE_SUBJECT, TREE_ID),
        ).fetchone()
        if row is None:
            return None
        if self._tree is None or self._tree[:2] != tuple(row):
            for stored in self._stored_trees("seq = ?", row[0]):  # the one version
                self._tree = (stored.seq, stored.hash, stored.tree)
        return None if self._tree is None else self._tree[2]

    def units_version(self) -> int:
        return self._kept_version(TREE_SUBJECT, TREE_ID)

    def unit_history(self) -> Iterator[StoredUnitTree]:
        return self._stored_trees("subject = ? AND record_id = ?", TREE_SUBJECT, TREE_ID)

    def _stored_trees(self, where: str, *params: object) -> Iterator[StoredUnitTree]:
        for row, change in self._kept_versions(where, params, tree_change, "the unit tree"):
            yield StoredUnitTree(seq=row[0], version=row[3], change=change, hash=row[13])

    def policy_version(self) -> int:
        """How many versions of the policy the chain holds (0 if none)."""
        return self._kept_version(POLICY_SUBJECT, POLICY_ID)

    def policy_history(self) -> Iterator[StoredPolicy]:
        where, params = "subject = ? AND record_id = ?", (POLICY_SUBJECT, POLICY_ID)
        for row, change in self._kept_versions(where, params, policy_change, "the policy"):
            yield StoredPolicy(seq=row[0], version=row[3], change=change, hash=row[13])

    def _kept_version(self, subject: str, record_id: str) -> int:
        """The last version of a record kept with the ledger (the tree, the policy)."""
        row = self._db.execute(
            "SELECT max(version) FROM events WHERE subject = ? AND record_id = ?",
            (subject, record_id),
        ).fetchone()
        return int(row[0] or 0)

    def _kept_versions(
        self, where: str, params: Sequence[object], read: Callable[[str, Any], _C], what: str
    ) -> Iterator[tuple[Any, _C]]:
        """The rows of a kept record's versions that match ``where``, each with its
        change as ``read`` rebuilds it; one that cannot be read is a StoreError."""
        query = f"{SELECT_EVENTS} WHERE {where} ORDER BY version"
        try:
            rows = self._db.execute(query, params).fetchall()
        except sqlite3.DatabaseError as error:  # a damaged file: verify says where
            raise failure(self.path, error, opening=False) from None
        for row in rows:
            try:
                change = read(row[4], row[5:13])
            except InvalidValueError as error:
                raise StoreError(
                    field=f"version {row[3]} of {what} (event {row[0]})",
                    value=row[12],
                    problem=f"cannot be read: {error}",
                    hint="The file was changed outside banshishi; `banshishi verify` says where.",
                ) from None
            yield row, change

    def policy_kept(self) -> bool:
        return read_meta(self._db).get(POLICY_KEPT[0]) == POLICY_KEPT[1]

    def head(self) -> HeadReceipt:
        seq, head = read_head(read_meta(self._db))
        try:
            return HeadReceipt(events=seq, head=head)
        except InvalidValueError:
            raise StoreError(
                field="meta",
                value=(seq, head),
                problem="does not record the chain's head",
                hint="The file was changed outside banshishi.",
            ) from None

    def verify(self, *, expect_head: HeadReceipt | None = None) -> ChainReport:
        if self._keyed and self._key is None:
            raise key_needed(str(self.path), "verify")
        expect = None
        if expect_head is not None:
            expect = HeadReceipt.parse(expect_head, field="expect_head")
        try:
            report = check_chain(self._db, key=self._key, expect=expect)
        except sqlite3.Error as error:
            problem = f"cannot be read as a ledger ({error}): it was changed outside banshishi"
            return ChainReport(intact=False, events=0, problem=f"the file {problem}")
        if report and self._old:
            problem = f"the unit tree is outside the hash chain: {self._old}"
            return ChainReport(intact=False, events=report.events, problem=problem)
        return report

    def close(self) -> None:
        self._db.close()


class _Transaction:
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


def _stale(append: Append, actual: int) -> Exception:
    subject = append.subject.value
    if append.expected_version == 0:
        return DuplicateError(
            field=f"{subject}_id", value=append.record_id, problem="is already in the store"
        )
    return stale_version(append.subject, append.record_id, append.expected_version, actual)
