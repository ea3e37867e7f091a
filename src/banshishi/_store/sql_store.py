"""The server backend: a ledger in a PostgreSQL or MariaDB/MySQL database,
through SQLAlchemy 2 Core, on the caller's engine or one made from a URL.

It keeps the guarantees of the SQLite file (``sqlite_store``): each call is one
transaction; an append locks the chain's head (``SELECT ... FOR UPDATE`` on its
``meta`` row) for its whole length, so appends are serialised and the chain is
extended one writer at a time, while readers are never blocked; records are
checked against their versions inside that lock; a batch lands whole or not at
all. The queries are the SQLite backend's own, read through ``sql_connection``;
the tables are made and checked by ``sql_schema``.
"""

import contextlib
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, final

from pendulum import DateTime

from banshishi._core.errors import (
    InvalidTypeError,
    InvalidValueError,
    StoreError,
)
from banshishi._core.time import Clock, check_clock
from banshishi._metrics.facts import Facts
from banshishi._metrics.summary import IssueSummary, PledgeSummary, micros
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, Subject, Track
from banshishi._notify.message import Message
from banshishi._workflow.engine import collector_paused

from . import outbox_rows as outbox
from .chain_check import check_chain
from .chain_key import (
    KEYED,
    UNKEYED,
    HeadReceipt,
    chain_key_given,
    key_needed,
    key_problem,
)
from .dispatch_rows import dispatch_counts, dispatches_due
from .event_store import Append, ChainReport, StoredEvent
from .kept_records import (
    head_receipt,
    last_tree,
    policy_rows,
    stored_policies,
    stored_trees,
    tree_rows,
)
from .policy_history import (
    POLICY_ID,
    POLICY_SUBJECT,
    PolicyAppend,
    StoredPolicy,
)
from .sql_connection import SqlDb, database_error, engine_for, first_connection, shown
from .sql_dialect import Dialect
from .sql_schema import (
    TABLES,
    check_columns,
    check_keys,
    check_meta,
    creation_lock,
    define,
    not_a_ledger,
    outbox_made,
    outbox_present,
    present,
    table_of,
)
from .sqlite_chain import Rows, link_appends, sealed_head, write_events, write_head
from .sqlite_file import POLICY_KEPT, first_meta, read_meta
from .sqlite_lines import Within, fact_counts, facts_at, issue_lines, pledge_lines, write_lines
from .sqlite_period import overdue_lines, period_flows
from .sqlite_reads import kept_version, read_events, read_records
from .unit_history import (
    TREE_ID,
    TREE_SUBJECT,
    StoredUnitTree,
    UnitTreeAppend,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

T = TypeVar("T")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")
_PREFIX = re.compile(r"[A-Za-z0-9_]{0,20}")
_HEAD_LOCK = 'SELECT value FROM meta WHERE "key" = ? FOR UPDATE'


@final
class SqlEventStore:
    """A ledger kept in a server database: PostgreSQL (through psycopg 3) or
    MariaDB/MySQL (through PyMySQL), by SQLAlchemy 2 Core.

    ``database`` is a database URL (``postgresql+psycopg://user@host/db``,
    ``mysql+pymysql://user@host/db``) or an SQLAlchemy :class:`~sqlalchemy.Engine`
    the system already has, whose pool and dialect are then used (and not
    disposed of by :meth:`close`). A URL without a password takes it from the
    environment variable ``BANSHISHI_DB_PASSWORD`` if set; no message ever
    shows it.

    The ledger's tables are named ``prefix`` followed by ``events``, ``issues``,
    ``issue_lines``, ``pledges`` and ``meta``, in ``schema`` if given (a schema on
    PostgreSQL, a database on MariaDB and MySQL, which must exist), so a ledger
    can live beside the system's own tables, and several ledgers in one database.
    ``create=True`` makes the tables where there are none; tables that are there
    are opened only if they hold a banshishi ledger. ``read_only``, ``timeout``
    (how long a writer waits for another's lock, in seconds), ``chain_key`` and
    ``clock`` are as for :class:`SqliteEventStore`.
    """

    def __init__(
        self,
        database: "str | Engine",
        *,
        schema: str | None = None,
        prefix: str = "",
        create: bool = False,
        read_only: bool = False,
        timeout: float = 30.0,
        chain_key: bytes | str | None = None,
        clock: Clock | None = None,
    ) -> None:
        if schema is not None and (not isinstance(schema, str) or not _NAME.fullmatch(schema)):
            raise InvalidValueError(
                field="schema", value=schema, problem="must be a plain name (letters, digits, _)"
            )
        if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
            raise InvalidValueError(
                field="prefix", value=prefix, problem="must be letters, digits and _ (at most 20)"
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise InvalidTypeError(
                field="timeout", value=timeout, problem="must be a number of seconds"
            )
        for name, flag in (("create", create), ("read_only", read_only)):
            if not isinstance(flag, bool):
                raise InvalidTypeError(field=name, value=flag, problem="must be True or False")
        if read_only and create:
            raise InvalidValueError(
                field="create", value=create, problem="cannot be True with read_only=True"
            )
        check_clock(clock, field="clock")
        key = chain_key_given(chain_key)
        self._engine, self._owned = engine_for(database)
        self.read_only = read_only
        self._timeout = timeout
        name = self._engine.dialect.name
        self._dialect = Dialect("postgresql" if name == "postgresql" else "mysql")
        where = shown(self._engine.url)
        self.where = (
            where
            + (f" (schema {schema})" if schema else "")
            + (f" (tables {prefix}*)" if prefix else "")
        )
        self._path = Path(self.where)  # what the shared readers name in their messages
        first_connection(self._engine, self.where)
        self._metadata = define(self._engine.dialect, schema, prefix)
        self._prefix = prefix
        quote = self._engine.dialect.identifier_preparer.format_table
        self._tables = {
            name: quote(table_of(self._metadata, prefix, name)) for name in (*TABLES, outbox.OUTBOX)
        }
        self._tree: tuple[int, str, UnitTree] | None = None
        try:
            meta = self._open(create, key)
            self._keyed = meta.get("chain", UNKEYED) == KEYED
            problem = key_problem(self._keyed, key, meta.get("key_check"), self.where)
            if problem is not None:
                raise problem
            self._outbox_made()
        except BaseException:
            self.close()
            raise
        self._key = key

    # -- the transaction every call runs in ----------------------------------------------

    @contextlib.contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[SqlDb]:
        if write and self.read_only:
            raise StoreError(
                field="database",
                value=self.where,
                problem="is open for reading only",
                hint="Open it without read_only=True to write.",
            )
        try:
            with self._engine.connect() as connection:
                if self._dialect.name == "mysql":
                    connection = connection.execution_options(isolation_level="READ COMMITTED")
                if not write:  # rows streamed: a million lines never sit in memory at once
                    connection = connection.execution_options(stream_results=True)
                with connection.begin():
                    db = SqlDb(connection, self._dialect, self._tables, self.where)
                    if write:
                        self._wait_at_most(connection)
                    try:
                        yield db
                    finally:
                        db.finish()
        except Exception as error:
            # The driver's errors (connecting, committing) told as the library's;
            # the library's own (a stale version, a bad value) pass as they are.
            if type(error).__module__.startswith(("sqlalchemy", "psycopg", "pymysql")):
                raise database_error(error, self.where) from error
            raise

    def _wait_at_most(self, connection: "Connection") -> None:
        """Make the transaction wait for another writer's lock at most ``timeout``."""
        if self._dialect.name == "postgresql":
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(self._timeout * 1000)}")
            # The version check asks for hundreds of ids at once; a generic plan,
            # once psycopg prepares the query, may scan every event for them.
            connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        else:
            connection.exec_driver_sql(
                f"SET SESSION innodb_lock_wait_timeout = {max(1, round(self._timeout))}"
            )

    def _reading(self, read: Callable[[SqlDb], Iterator[T]]) -> Iterator[T]:
        with self._transaction() as db:
            yield from read(db)

    def _read(self, read: Callable[[SqlDb], T]) -> T:
        with self._transaction() as db:
            return read(db)

    # -- opening --------------------------------------------------------------------------

    def _open(self, create: bool, key: bytes | None) -> dict[str, str]:
        """Make the tables if asked and there are none; check the ledger's ``meta``."""
        with self._transaction(write=create) as db:
            if not create:
                return self._check(db, create, key)
            with creation_lock(db.connection, f"banshishi:{self.where}", self._timeout):
                return self._check(db, create, key)

    def _check(self, db: SqlDb, create: bool, key: bytes | None) -> dict[str, str]:
        connection = db.connection
        found = present(connection, self._metadata, self._prefix)
        if not found:
            if not create:
                raise not_a_ledger(
                    self.where, "holds no banshishi ledger", "Create one with create=True."
                )
            self._metadata.create_all(connection)
            rows = first_meta(key)
            db.executemany('INSERT INTO meta ("key", value) VALUES (?, ?)', rows)
        elif found != set(TABLES):
            missing = sorted(set(TABLES) - found)[0]
            raise not_a_ledger(
                self.where,
                f"holds a banshishi ledger without its {self._prefix}{missing} table",
                "It was changed outside banshishi; restore it from a copy or an export.",
            )
        check_columns(connection, self._metadata, self._prefix, self.where)
        meta = read_meta(db)
        check_meta(self.where, meta)
        self._outbox = outbox_present(connection, self._metadata, self._prefix)
        return meta

    def _outbox_made(self) -> None:
        """Make the outbox table of a ledger made before it, when opened for writing."""
        if not self._outbox and not self.read_only:
            name = f"banshishi:{self.where}"
            with (
                self._transaction(write=True) as db,
                creation_lock(db.connection, name, self._timeout),
            ):
                outbox_made(db.connection, self._metadata, self._prefix)
            self._outbox = True

    # -- writing --------------------------------------------------------------------------

    def version(self, subject: Subject, record_id: str) -> int:
        if not isinstance(record_id, str):
            raise InvalidTypeError(
                field=f"{getattr(subject, 'value', subject)}_id",
                value=record_id,
                problem="must be a string",
            )
        return self._read(lambda db: kept_version(db, subject.value, record_id))

    def append(
        self,
        appends: Sequence[Append],
        *,
        issues: Sequence[IssueSummary] = (),
        pledges: Sequence[PledgeSummary] = (),
        units: UnitTreeAppend | None = None,
        policy: PolicyAppend | None = None,
        messages: Sequence[Message] = (),
    ) -> int:
        key = self._key
        if self._keyed and key is None:
            raise key_needed(self.where, "write to")
        check_keys(appends)
        with collector_paused(), self._transaction(write=True) as db:
            db.execute(_HEAD_LOCK, ("head_seq",)).fetchone()
            seq, previous = sealed_head(db, key)
            head = seq
            rows: Rows = []
            if policy is not None:
                seq, previous = policy_rows(db, policy, seq, previous, key, rows)
            if units is not None:
                seq, previous = tree_rows(db, units, seq, previous, key, rows)
            seq, previous = link_appends(db, appends, seq, previous, key, rows)
            write_events(db, rows)
            write_lines(db, appends, rows, issues, pledges, key)
            write_head(db, seq, previous, key)
            outbox.write_messages(db, messages, seq, continued=seq == head)
        return seq

    # -- reading --------------------------------------------------------------------------

    def events(
        self,
        subject: Subject | None = None,
        record_id: str | None = None,
        *,
        until: DateTime | None = None,
    ) -> Iterator[StoredEvent]:
        return self._reading(
            lambda db: read_events(db, self._path, subject, record_id, until=until)
        )

    def records(self, subject: Subject) -> Iterator[tuple[str, list[StoredEvent]]]:
        return self._reading(lambda db: read_records(db, subject))

    def issue_summaries(
        self,
        *,
        units: Collection[str] | None = None,
        status: Collection[IssueStatus] | None = None,
        track: Collection[Track] | None = None,
        received_from: DateTime | None = None,
        received_before: DateTime | None = None,
        overdue_at: DateTime | None = None,
        as_of: DateTime | None = None,
    ) -> Iterator[IssueSummary]:
        return self._reading(
            lambda db: issue_lines(
                db,
                as_of=as_of,
                units=units,
                status=status,
                track=track,
                received_from=received_from,
                received_before=received_before,
                overdue_at=overdue_at,
            )
        )

    def issue_fact_counts(
        self,
        *,
        at: DateTime,
        group: str | tuple[str, ...] | None = None,
        as_of: DateTime | None = None,
        within: Within | None = None,
    ) -> Iterator[tuple[Any, Facts, int]]:
        return self._reading(
            lambda db: fact_counts(db, at=at, group=group, as_of=as_of, within=within)
        )

    def dispatch_counts(
        self, *, at: DateTime, as_of: DateTime | None = None
    ) -> list[tuple[int, int, int, int, int, int]]:
        stood = None if as_of is None else micros(as_of)
        return self._read(lambda db: dispatch_counts(db, at=micros(at), as_of=stood))

    def dispatches_due(self, *, by: DateTime) -> list[tuple[str, int]]:
        return self._read(lambda db: dispatches_due(db, micros(by)))

    def issue_facts_at(
        self, *, moments: Sequence[DateTime], within: Within | None = None
    ) -> Iterator[tuple[int, Facts, int]]:
        return self._reading(lambda db: facts_at(db, moments, within))

    def period_flows(
        self,
        *,
        moments: Sequence[DateTime],
        sinces: Sequence[DateTime],
        within: Within | None = None,
    ) -> list[tuple[int, int, int]]:
        return self._read(
            lambda db: period_flows(db, moments=moments, sinces=sinces, within=within)
        )

    def overdue_lines(
        self, *, at: DateTime, within: Within | None = None
    ) -> Iterator[tuple[IssueSummary, str, str | None]]:
        return self._reading(lambda db: overdue_lines(db, at=at, within=within))

    def pledge_summaries(self) -> Iterator[PledgeSummary]:
        return self._reading(pledge_lines)

    def units(self) -> UnitTree | None:
        last = self._read(last_tree)
        if last is None:
            return None
        if self._tree is None or self._tree[:2] != last:
            for stored in self._read(lambda db: stored_trees(db, self._path, last[0])):
                self._tree = (stored.seq, stored.hash, stored.tree)
        return None if self._tree is None else self._tree[2]

    def units_version(self) -> int:
        return self._read(lambda db: kept_version(db, TREE_SUBJECT, TREE_ID))

    def unit_history(self) -> Iterator[StoredUnitTree]:
        return iter(self._read(lambda db: stored_trees(db, self._path)))

    def policy_version(self) -> int:
        """How many versions of the policy the chain holds (0 if none)."""
        return self._read(lambda db: kept_version(db, POLICY_SUBJECT, POLICY_ID))

    def policy_history(self) -> Iterator[StoredPolicy]:
        return iter(self._read(lambda db: list(stored_policies(db, self._path))))

    def policy_kept(self) -> bool:
        return self._read(read_meta).get(POLICY_KEPT[0]) == POLICY_KEPT[1]

    def head(self) -> HeadReceipt:
        return head_receipt(self._read(read_meta), "database")

    def verify(self, *, expect_head: HeadReceipt | None = None) -> ChainReport:
        if self._keyed and self._key is None:
            raise key_needed(self.where, "verify")
        expect = None
        if expect_head is not None:
            expect = HeadReceipt.parse(expect_head, field="expect_head")
        return self._read(lambda db: check_chain(db, key=self._key, expect=expect))

    def duplicates_of(self, issue_id: str) -> list[str]:
        return self._read(lambda db: outbox.duplicate_ids(db, issue_id))

    # -- the outbox -----------------------------------------------------------------------

    def pending_messages(self, *, limit: int | None = None) -> list[Message]:
        limit = outbox.limit_given(limit)
        if not self._outbox:
            return []
        return self._read(lambda db: outbox.pending_messages(db, limit))

    def mark_sent(self, message_ids: Sequence[str], *, at: DateTime) -> int:
        ids, moment = outbox.ids_given(message_ids), outbox.moment_given(at)
        with self._transaction(write=True) as db:
            return outbox.mark_sent(db, ids, moment)

    def message_counts(self) -> dict[str, int]:
        if not self._outbox:
            return {"pending": 0, "sent": 0}
        return self._read(outbox.message_counts)

    def close(self) -> None:
        if self._owned:
            self._engine.dispose()
