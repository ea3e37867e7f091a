"""The ledger kept in a store (台账): every step written as an audit event, the
current state read from summary lines, any past state rebuilt from the events.

A :class:`LedgerStore` takes the same steps as the in-memory :class:`Ledger`
and :class:`PledgeLedger` (it uses them, record by record, as a cache) and
writes what each step recorded to its :class:`EventStore`. A write names the
version it was made against; if the store has moved on, it is refused and the
cached record is dropped, so nothing half-done stays in memory or on disk.
"""

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, final

from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError
from banshishi._core.time import Clock, as_datetime, check_clock
from banshishi._core.validators import iterable_given, whole_given
from banshishi._model.event import Event
from banshishi._model.issue import Issue
from banshishi._model.people import Actor
from banshishi._model.pledge import Pledge
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, PledgeStatus, Subject
from banshishi._notify.templates import DEFAULT_TEMPLATES, MessageTemplates, check_templates
from banshishi._workflow.command import Command, PledgeCommand
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.pledge_ledger import PledgeLedger
from banshishi._workflow.policy import WorkflowPolicy, check_policy
from banshishi._workflow.receipt import check_receiver
from banshishi._workflow.restatement import HOLIDAY_SCHEDULE, Restatement
from banshishi._workflow.sweep import DEFAULT_SWEEP_RULES, SweepReport, SweepRules
from banshishi._workflow.trusted_replay import trusted_replay, trusted_replay_pledge

from . import batch as store_batch
from . import kept_policy, rebuild, store_reading, store_sweep
from .chain_key import HeadReceipt
from .event_store import ChainReport, EventStore
from .ledger_figures import LedgerFigures
from .ledger_outbox import LedgerOutbox
from .policy_history import PolicyAppend, PolicyChange, StoredPolicy
from .record_cache import RecordCache, Touched
from .store_location import open_backend
from .store_sweep import Progress
from .unit_history import StoredUnitTree, UnitTreeChange


@final
class LedgerStore(LedgerFigures, LedgerOutbox):
    """Issues and pledges kept in an :class:`EventStore`, moved through their workflows.

    Open one on a file with :meth:`open`; steps are those of :class:`Ledger`
    and :class:`PledgeLedger`, and each call writes its events in one
    transaction. ``policy`` and ``clock`` play the same part as for a ledger.
    Each step's messages go to the outbox in the words of ``templates`` (none
    if ``None``; see :meth:`pending_messages`).
    """

    def __init__(
        self,
        store: EventStore,
        *,
        policy: WorkflowPolicy | None = None,
        clock: Clock | None = None,
        templates: MessageTemplates | None = DEFAULT_TEMPLATES,
    ) -> None:
        if policy is not None:
            check_policy(policy, field="LedgerStore.policy")
        if not isinstance(store, EventStore):
            raise InvalidTypeError(
                field="store", value=store, problem="must implement the EventStore protocol"
            )
        self._store = store
        checked = Ledger(clock=clock).clock  # the clock as a ledger takes it
        kept, self._policy_version = kept_policy.settle(store, policy, checked)
        self._cache = RecordCache(store, kept, clock, check_templates(templates))

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        read_only: bool = False,
        policy: WorkflowPolicy | None = None,
        clock: Clock | None = None,
        timeout: float = 30.0,
        chain_key: bytes | str | None = None,
        schema: str | None = None,
        prefix: str = "",
        templates: MessageTemplates | None = DEFAULT_TEMPLATES,
    ) -> "LedgerStore":
        """The ledger at ``path``: an SQLite file (:class:`SqliteEventStore`), or a
        database URL such as ``postgresql+psycopg://user@host/db`` (:class:`SqlEventStore`,
        tables in ``schema``, named with ``prefix``). ``create`` makes one where there
        is none; what is not a banshishi ledger raises :class:`NotALedgerError`,
        untouched. ``read_only`` refuses every write (:class:`StoreError`);
        ``chain_key`` keys the hash chain and is never written to the ledger.

        The ledger keeps its :class:`WorkflowPolicy` in the chain and opens under
        it; a ``policy`` that differs is refused (:class:`StoreError`; see
        :meth:`change_policy`). A new ledger takes ``policy`` (default if ``None``)."""
        if policy is not None:
            check_policy(policy, field="LedgerStore.policy")
        check_clock(clock, field="LedgerStore.clock")
        store = open_backend(
            path,
            create=create,
            read_only=read_only,
            timeout=timeout,
            chain_key=chain_key,
            clock=clock,
            schema=schema,
            prefix=prefix,
        )
        return cls(store, policy=policy, clock=clock, templates=templates)

    @property
    def store(self) -> EventStore:
        """The backend the events are kept in."""
        return self._store

    @property
    def policy(self) -> WorkflowPolicy:
        """The policy every step is checked under: the one the ledger keeps."""
        return self._cache.issues.policy

    def policy_version(self) -> int:
        """How many versions of the policy the ledger holds (0: the default, never changed)."""
        return self._policy_version

    def policy_history(self) -> tuple[StoredPolicy, ...]:
        """Every version of the policy kept with the ledger, oldest first: which
        rules applied from when, set by whom and why."""
        return tuple(self._store.policy_history())

    def change_policy(
        self,
        policy: WorkflowPolicy,
        *,
        actor: Actor | None = None,
        at: DateTime | None = None,
        note: str = "",
    ) -> None:
        """Keep ``policy`` with the ledger from ``at`` (the clock's now if
        ``None``) on: a new version in the hash chain, by ``actor``, with a note
        saying why. Steps taken from then on, in any process that opens the
        ledger, are checked under it; steps already taken keep what they
        recorded. Refused with :class:`ConcurrencyError` if another process
        changed the policy since this one opened the ledger."""
        check_policy(policy, field="policy")
        moment = self._cache.issues.clock.now() if at is None else at
        change = PolicyChange(policy=policy, at=moment, actor=actor, note=note)
        kept_policy.record(self._store, change, self._policy_version)
        self._policy_version += 1
        self._cache.use(policy)

    def close(self) -> None:
        """Close the backend; the object cannot be used afterwards."""
        self._store.close()

    def __enter__(self) -> "LedgerStore":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------

    def receive(self, issue: Issue, *, actor: Actor, note: str = "") -> None:
        """Receive a new issue (as :meth:`Ledger.receive`) and write its first event."""
        self._write(partial(self._cache.receive, issue, actor, note))

    def receive_many(
        self, issues: Iterable[Issue | tuple[Issue, Actor]], *, actor: Actor | None = None
    ) -> int:
        """Receive every issue, all in one transaction: if any is refused, none is
        written (:class:`BatchRefusedError`). Returns how many were received.

        Each item is an issue received by ``actor``, or an ``(issue, actor)``
        pair naming its own receiver, so issues taken in by different units go
        in one batch; a bare issue without ``actor`` is refused."""
        check_receiver(actor)
        items = list(iterable_given(issues, field="issues"))
        self._write(partial(self._cache.receive_each, items, actor))
        return len(items)

    def claim(self, pledge: Pledge, *, actor: Actor, note: str = "") -> None:
        """Claim a new pledge (as :meth:`PledgeLedger.claim`) and write its first event."""
        self._write(partial(self._cache.claim, pledge, actor, note))

    def apply(
        self,
        issue_id: str,
        event: str,
        *,
        actor: Actor,
        at: DateTime | None = None,
        note: str = "",
        expected_version: int | None = None,
        **args: Any,
    ) -> IssueStatus:
        """Take one step on one issue (as :meth:`Ledger.apply`) and write it.

        With ``expected_version`` (the version the caller read), the step is
        refused with :class:`ConcurrencyError` if the issue has moved on since.
        """
        take = self._cache.take
        self._write(
            partial(take, Subject.ISSUE, issue_id, event, actor, at, note, expected_version, args)
        )
        return self._cache.issues.status(issue_id)

    def apply_pledge(
        self,
        pledge_id: str,
        event: str,
        *,
        actor: Actor,
        at: DateTime | None = None,
        note: str = "",
        expected_version: int | None = None,
        **args: Any,
    ) -> PledgeStatus:
        """Take one step on one pledge (as :meth:`PledgeLedger.apply`) and write it."""
        take = self._cache.take
        self._write(
            partial(take, Subject.PLEDGE, pledge_id, event, actor, at, note, expected_version, args)
        )
        return self._cache.pledges.status(pledge_id)

    def apply_many(self, commands: Iterable[Command | PledgeCommand]) -> int:
        """Take every command's step in turn and write them all in one transaction.

        Unlike :meth:`Ledger.apply_many`, a batch is all or nothing: the first
        refused step raises :class:`BatchRefusedError` (its ``index`` and
        ``error`` say which and why) and nothing is written. Returns the number
        of events written.
        """
        items = list(iterable_given(commands, field="commands"))
        return self._write(partial(self._cache.command_each, items))

    def write_ledgers(
        self,
        issues: Ledger | None = None,
        pledges: PledgeLedger | None = None,
        *,
        batch_size: int = 5_000,
        progress: Progress | None = None,
    ) -> int:
        """Write every record of in-memory ledgers to the store as new records,
        ``batch_size`` records per transaction; returns the events written.

        Each record's history must begin with the step that created it
        (``receive`` or ``claim``), so the store can rebuild it. A batch that
        fails leaves the batches before it written.
        """
        batch_size = whole_given(batch_size, field="batch_size", minimum=1)
        books = store_batch.books_given(issues, pledges)
        return store_batch.write_books(self._store, books, batch_size, progress)

    def write_histories(
        self,
        histories: Iterable[tuple[str, Sequence[Event]]],
        *,
        units: Iterable[UnitTreeChange] = (),
        policies: Iterable[PolicyChange] = (),
    ) -> int:
        """Write whole histories of new records, each rebuilt (and so checked)
        step by step first, all in one transaction; returns the events written.

        Each history is ``(record_id, events)``, one record's events from its
        ``receive`` or ``claim``. If any cannot be rebuilt or is already stored,
        nothing is written. ``units`` (versions of the unit tree) and
        ``policies`` (of the policy: the last becomes the ledger's, and the
        histories are rebuilt under it) are written in the same transaction,
        after the ledger's own, and counted among the events written."""
        changes = store_batch.policy_changes(policies, field="policies")
        policy = changes[-1].policy if changes else self.policy
        batch = store_batch.histories_batch(histories, self._store, policy)
        batch.units = store_batch.tree_changes(units, field="units")
        batch.policy = PolicyAppend(changes=changes, expected_version=self._policy_version)
        written = batch.write(self._store)
        if changes:
            self._policy_version += len(changes)
            self._cache.use(policy)
        return written

    def save_units(
        self,
        tree: UnitTree,
        *,
        actor: Actor | None = None,
        at: DateTime | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> None:
        """Keep ``tree`` with the ledger, for reports by unit: a new version of the
        tree, linked into the hash chain like an event, dated ``at`` (by the
        clock if ``None``). With ``expected_version`` (the :meth:`units_version`
        read), refused with :class:`ConcurrencyError` if the tree has moved on."""
        moment = self._cache.issues.clock.now() if at is None else at
        store_batch.tree_batch(tree, moment, actor, note, expected_version).write(self._store)

    # -- reading --------------------------------------------------------------------------

    def units_version(self) -> int:
        """How many versions of the unit tree the ledger holds (0 if none)."""
        return self._store.units_version()

    def unit_history(self) -> tuple[StoredUnitTree, ...]:
        """Every version of the unit tree, oldest first."""
        return tuple(self._store.unit_history())

    def head(self) -> HeadReceipt:
        """The chain's head as the store records it, unchecked (see :meth:`verify`)."""
        return self._store.head()

    def version(self, issue_id: str) -> int:
        """How many events the issue has in the store (0 if none)."""
        return self._store.version(Subject.ISSUE, issue_id)

    def pledge_version(self, pledge_id: str) -> int:
        """How many events the pledge has in the store (0 if none)."""
        return self._store.version(Subject.PLEDGE, pledge_id)

    def issue(self, issue_id: str) -> Issue:
        """The issue as it stands, rebuilt from its events (trusted: see docs/store.md)."""
        return trusted_replay(self.history(issue_id), policy=self.policy)

    def history(self, issue_id: str) -> tuple[Event, ...]:
        """The issue's events in the store, oldest first."""
        return rebuild.stored_history(self._store, Subject.ISSUE, issue_id)

    def pledge(self, pledge_id: str) -> Pledge:
        """The pledge as it stands, rebuilt from its events."""
        return trusted_replay_pledge(self.pledge_history(pledge_id), policy=self.policy)

    def pledge_history(self, pledge_id: str) -> tuple[Event, ...]:
        """The pledge's events in the store, oldest first."""
        return rebuild.stored_history(self._store, Subject.PLEDGE, pledge_id)

    def issues(self, *, as_of: DateTime | None = None) -> Iterator[Issue]:
        """Every issue rebuilt from its events; with ``as_of``, from the events up
        to that moment only (issues received later are left out)."""
        return rebuild.rebuilt_issues(self._store, self.policy, as_of)

    def pledges(self, *, as_of: DateTime | None = None) -> Iterator[Pledge]:
        """Every pledge rebuilt from its events (up to ``as_of`` if given)."""
        return rebuild.rebuilt_pledges(self._store, self.policy, as_of)

    def ledger(self, *, as_of: DateTime | None = None) -> Ledger:
        """A new in-memory :class:`Ledger` of every issue as it stood at ``as_of``
        (now if ``None``), rebuilt from the events."""
        return rebuild.rebuilt_ledger(self._store, self.policy, as_of)

    def pledge_ledger(self, *, as_of: DateTime | None = None) -> PledgeLedger:
        """A new in-memory :class:`PledgeLedger` of every pledge as it stood at ``as_of``."""
        return rebuild.rebuilt_pledge_ledger(self._store, self.policy, as_of)

    def verify(
        self, *, deep: bool = False, expect_head: HeadReceipt | str | None = None
    ) -> ChainReport:
        """Check the hash chain over every event, and every summary line against
        the digest binding it to its event (see docs/store.md for what each check
        shows, and what it cannot). ``deep`` also rebuilds every record, and every
        version of the unit tree, from its events and compares its whole summary
        line (about a millisecond per record). ``expect_head`` is a receipt kept
        from before (:attr:`ChainReport.head`, or its text): the chain must still
        hold its events, unchanged."""
        receipt = (
            None if expect_head is None else HeadReceipt.parse(expect_head, field="expect_head")
        )
        report = self._store.verify(expect_head=receipt)
        return (
            store_batch.deep_check(self._store, report, self.policy) if report and deep else report
        )

    def restate_deadlines(
        self,
        *,
        at: DateTime,
        dry_run: bool = False,
        actor: Actor = HOLIDAY_SCHEDULE,
        policy: WorkflowPolicy | None = None,
    ) -> tuple[Restatement, ...]:
        """Count every open provisional deadline again on the policy's calendar
        (one with the newly published schedule) and write each that changes as a
        ``restate_deadline`` step at ``at``, all in one transaction. ``dry_run``
        only says what would change. See :func:`restatement_of`.

        ``policy`` (with ``dry_run`` only) counts on another policy than the
        ledger's: what a change of policy to it would restate. To restate for
        real, change the ledger's policy first (:meth:`change_policy`)."""
        return store_reading.restate(self, as_datetime(at, field="at"), dry_run, actor, policy)

    def sweep(
        self,
        *,
        at: DateTime,
        rules: SweepRules = DEFAULT_SWEEP_RULES,
        dry_run: bool = False,
        batch_size: int = 1_000,
        progress: Progress | None = None,
    ) -> SweepReport:
        """:func:`sweep` over the ledger kept here, reading only the items due soon or
        overdue; see :func:`sweep_store` (and docs/store.md, "The daily sweep").
        Unless ``dry_run``, each dispatch still open and due soon or overdue
        also owes the unit holding it a reminder of its own deadline, in the
        outbox (once per dispatch and level)."""
        templates = self._cache.templates
        return store_sweep.sweep_store(
            self, at, rules, dry_run, batch_size, progress, templates=templates
        )

    # -- internals ------------------------------------------------------------------------

    def _write(self, work: Callable[[Touched], None]) -> int:
        """Run ``work`` on the cached records and write what it recorded in one
        transaction (see :class:`RecordCache`)."""
        return self._cache.write(work, self._policy_version)
