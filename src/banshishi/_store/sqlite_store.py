"""The SQLite backend: one file, in WAL mode, from Python's standard library.

Writers take the database's write lock for the whole of an append
(``BEGIN IMMEDIATE``), check every record's version, extend the hash chain and
write the events and summary lines, then commit: a batch lands whole or not
at all, and a writer killed half-way leaves the last commit intact. Readers
are never blocked. A file is opened only after its header and its ``meta``
table say it is a banshishi ledger; anything else is refused untouched.

This module opens the file and answers the :class:`EventStore` interface; the
work is done beside it: the file and its tables in ``sqlite_file``, the chain
extended in ``sqlite_chain``, read back in ``sqlite_reads``, the summary lines
in ``sqlite_lines`` (their rows in ``sqlite_rows``).
"""

import os
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, final

from pendulum import DateTime

from banshishi._core.errors import (
    InvalidTypeError,
    InvalidValueError,
    StoreError,
)
from banshishi._core.time import Clock, SystemClock, check_clock
from banshishi._metrics.facts import Facts
from banshishi._metrics.summary import IssueSummary, PledgeSummary, micros
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, Subject, Track
from banshishi._notify.message import Message
from banshishi._workflow.engine import collector_paused
from banshishi._workflow.policy import DEFAULT_POLICY

from . import outbox_rows as outbox
from .chain_check import check_chain
from .chain_key import HeadReceipt, chain_key_given, key_needed, key_problem
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
from .line_upgrade import lines_kept, read_lines_here, upgrade_lines
from .policy_history import (
    POLICY_ID,
    POLICY_SUBJECT,
    PolicyAppend,
    StoredPolicy,
)
from .schema_upgrade import finish, legacy_units, provisional_column, upgrade
from .sqlite_chain import (
    Rows,
    Transaction,
    link_appends,
    sealed_head,
    write_events,
    write_head,
)
from .sqlite_file import (
    POLICY_KEPT,
    chain_kind,
    check_file,
    check_meta,
    connect_read_only,
    create_ledger,
    failure,
    read_meta,
    refuse,
)
from .sqlite_lines import Within, fact_counts, facts_at, issue_lines, pledge_lines, write_lines
from .sqlite_period import overdue_lines, period_flows
from .sqlite_reads import kept_version, read_events, read_records
from .unit_history import (
    TREE_ID,
    TREE_SUBJECT,
    StoredUnitTree,
    UnitTreeAppend,
)


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
            self._sealed = self._lines_up_to_date(key)
            self._outbox = self._outbox_made()
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

    def _lines_up_to_date(self, key: bytes | None) -> bool:
        """Keep every issue's lines through time, as schema 3 does (see
        ``line_upgrade``); returns whether they are bound to their events (a
        ledger that cannot be upgraded here is read through lines built for this
        connection only)."""
        if lines_kept(self._db):
            return True
        stored = list(self.policy_history())
        policy = stored[-1].change.policy if stored else DEFAULT_POLICY
        if self.read_only or (self._keyed and key is None):
            try:
                read_lines_here(self._db, policy)
            except sqlite3.Error as error:
                raise failure(self.path, error) from None
            return False
        with self._writing():
            upgrade_lines(self._db, policy, key)
        return True

    def _outbox_made(self) -> bool:
        """Make the outbox table where it is missing (a ledger made before it),
        outside the chain and with no change of schema; returns whether the
        ledger has one (one opened for reading only may not)."""
        found = "SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'outbox'"
        if self._db.execute(found).fetchone()[0]:
            return True
        if self.read_only:
            return False
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            for statement in outbox.SQLITE_OUTBOX.split(";"):
                if statement.strip():
                    self._db.execute(statement)
        return True

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

    def _writing(self) -> Transaction:
        if self.read_only:
            raise StoreError(
                field="path",
                value=str(self.path),
                problem="is open for reading only",
                hint="Open it without read_only=True to write.",
            )
        return Transaction(self._db, self.path)

    def version(self, subject: Subject, record_id: str) -> int:
        if not isinstance(record_id, str):
            raise InvalidTypeError(
                field=f"{getattr(subject, 'value', subject)}_id",
                value=record_id,
                problem="must be a string",
            )
        return kept_version(self._db, subject.value, record_id)

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
            raise key_needed(str(self.path), "write to")
        # The rows hold no cycles: pausing the collector keeps a large batch from
        # triggering full collections over everything else the process holds.
        with collector_paused(), self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            seq, previous = sealed_head(self._db, key)
            head = seq
            rows: Rows = []
            if policy is not None:
                seq, previous = policy_rows(self._db, policy, seq, previous, key, rows)
            if units is not None:
                seq, previous = self._tree_rows(units, seq, previous, rows)
            seq, previous = link_appends(self._db, appends, seq, previous, key, rows)
            write_events(self._db, rows)
            write_lines(self._db, appends, rows, issues, pledges, key)
            write_head(self._db, seq, previous, key)
            outbox.write_messages(self._db, messages, seq, continued=seq == head)
        if units is not None:
            self._old = ""  # a tree saved brought an old ledger up to date
        return seq

    def _tree_rows(
        self, units: UnitTreeAppend, seq: int, previous: str, rows: Rows
    ) -> tuple[int, str]:
        """Add the rows of new versions of the unit tree, checked against its version."""
        if self._old:  # (rolled back with the rest if the tree is stale)
            finish(self._db)  # a new tree replaces an old one that could not be chained
        return tree_rows(self._db, units, seq, previous, self._key, rows)

    # -- reading --------------------------------------------------------------------------

    def events(
        self,
        subject: Subject | None = None,
        record_id: str | None = None,
        *,
        until: DateTime | None = None,
    ) -> Iterator[StoredEvent]:
        return read_events(self._db, self.path, subject, record_id, until=until)

    def records(self, subject: Subject) -> Iterator[tuple[str, list[StoredEvent]]]:
        return read_records(self._db, subject)

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
        return issue_lines(
            self._db,
            as_of=as_of,
            units=units,
            status=status,
            track=track,
            received_from=received_from,
            received_before=received_before,
            overdue_at=overdue_at,
        )

    def issue_fact_counts(
        self,
        *,
        at: DateTime,
        group: str | tuple[str, ...] | None = None,
        as_of: DateTime | None = None,
        within: Within | None = None,
    ) -> Iterator[tuple[Any, Facts, int]]:
        return fact_counts(self._db, at=at, group=group, as_of=as_of, within=within)

    def dispatch_counts(
        self, *, at: DateTime, as_of: DateTime | None = None
    ) -> list[tuple[int, int, int, int, int, int]]:
        stood = None if as_of is None else micros(as_of)
        return dispatch_counts(self._db, at=micros(at), as_of=stood)

    def dispatches_due(self, *, by: DateTime) -> list[tuple[str, int]]:
        return dispatches_due(self._db, micros(by))

    def issue_facts_at(
        self, *, moments: Sequence[DateTime], within: Within | None = None
    ) -> Iterator[tuple[int, Facts, int]]:
        return facts_at(self._db, moments, within)

    def period_flows(
        self,
        *,
        moments: Sequence[DateTime],
        sinces: Sequence[DateTime],
        within: Within | None = None,
    ) -> list[tuple[int, int, int]]:
        return period_flows(self._db, moments=moments, sinces=sinces, within=within)

    def overdue_lines(
        self, *, at: DateTime, within: Within | None = None
    ) -> Iterator[tuple[IssueSummary, str, str | None]]:
        return overdue_lines(self._db, at=at, within=within)

    def pledge_summaries(self) -> Iterator[PledgeSummary]:
        return pledge_lines(self._db)

    def units(self) -> UnitTree | None:
        if self._old:
            return legacy_units(self._db)
        last = last_tree(self._db)
        if last is None:
            return None
        if self._tree is None or self._tree[:2] != last:
            for stored in stored_trees(self._db, self.path, last[0]):  # the one version
                self._tree = (stored.seq, stored.hash, stored.tree)
        return None if self._tree is None else self._tree[2]

    def units_version(self) -> int:
        return kept_version(self._db, TREE_SUBJECT, TREE_ID)

    def unit_history(self) -> Iterator[StoredUnitTree]:
        return iter(stored_trees(self._db, self.path))

    def policy_version(self) -> int:
        """How many versions of the policy the chain holds (0 if none)."""
        return kept_version(self._db, POLICY_SUBJECT, POLICY_ID)

    def policy_history(self) -> Iterator[StoredPolicy]:
        return stored_policies(self._db, self.path)

    def policy_kept(self) -> bool:
        return read_meta(self._db).get(POLICY_KEPT[0]) == POLICY_KEPT[1]

    def head(self) -> HeadReceipt:
        return head_receipt(read_meta(self._db), "file")

    def verify(self, *, expect_head: HeadReceipt | None = None) -> ChainReport:
        if self._keyed and self._key is None:
            raise key_needed(str(self.path), "verify")
        expect = None
        if expect_head is not None:
            expect = HeadReceipt.parse(expect_head, field="expect_head")
        try:
            report = check_chain(self._db, key=self._key, expect=expect, sealed=self._sealed)
        except sqlite3.Error as error:
            problem = f"cannot be read as a ledger ({error}): it was changed outside banshishi"
            return ChainReport(intact=False, events=0, problem=f"the file {problem}")
        if report and self._old:
            problem = f"the unit tree is outside the hash chain: {self._old}"
            return ChainReport(intact=False, events=report.events, problem=problem)
        return report

    def duplicates_of(self, issue_id: str) -> list[str]:
        return outbox.duplicate_ids(self._db, issue_id)

    # -- the outbox -----------------------------------------------------------------------

    def pending_messages(self, *, limit: int | None = None) -> list[Message]:
        limit = outbox.limit_given(limit)
        return outbox.pending_messages(self._db, limit) if self._outbox else []

    def mark_sent(self, message_ids: Sequence[str], *, at: DateTime) -> int:
        ids, moment = outbox.ids_given(message_ids), outbox.moment_given(at)
        with self._writing():
            self._db.execute("BEGIN IMMEDIATE")
            return outbox.mark_sent(self._db, ids, moment)

    def message_counts(self) -> dict[str, int]:
        if not self._outbox:
            return {"pending": 0, "sent": 0}
        return outbox.message_counts(self._db)

    def close(self) -> None:
        self._db.close()
