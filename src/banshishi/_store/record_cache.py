"""The records a :class:`LedgerStore` moves, cached in in-memory ledgers, and the
write that puts what their steps recorded in the store.

A write runs its work on the cached records, noting the version each record it
touches stands at in the store, then writes the events recorded since, in one
transaction. A record is read from the store (rebuilt from its events) when a
write first touches it (applying each stored step's effects again, see
``trusted_replay``), and kept while the store holds it at the version cached;
on any failure, every record the write touched is dropped from the cache, so
nothing half-done stays in memory.
"""

from collections.abc import Callable, Mapping
from typing import Any, final

from pendulum import DateTime

from banshishi._core.errors import DuplicateError, InvalidTypeError
from banshishi._core.time import Clock
from banshishi._core.validators import whole_given
from banshishi._metrics.summary import IssueSummary
from banshishi._model.issue import Issue
from banshishi._model.people import Actor
from banshishi._model.pledge import Pledge
from banshishi._model.vocabulary import Subject
from banshishi._notify.message import Message
from banshishi._notify.owed import messages_for, owes_messages
from banshishi._notify.templates import DEFAULT_TEMPLATES, MessageTemplates
from banshishi._workflow.engine import Book, collector_paused
from banshishi._workflow.ledger import Ledger
from banshishi._workflow.pledge_ledger import PledgeLedger
from banshishi._workflow.policy import WorkflowPolicy
from banshishi._workflow.receipt import receipt
from banshishi._workflow.trusted_replay import restore, trusted_replay

from . import batch as store_batch
from .event_store import EventStore, stale_version
from .rebuild import stored_history

Touched = dict[tuple[Subject, str], int]
"""The records a write touched, each with the version the store held it at before."""


@final
class RecordCache:
    """The issues and pledges the writes of one :class:`LedgerStore` work on,
    moved under ``policy`` and dated by ``clock`` as on a ledger; the messages
    each step owes are written in the words of ``templates`` (none if ``None``)."""

    def __init__(
        self,
        store: EventStore,
        policy: WorkflowPolicy,
        clock: Clock | None,
        templates: MessageTemplates | None = DEFAULT_TEMPLATES,
    ) -> None:
        self._store = store
        self._clock = clock
        self._templates = templates
        self._lines: dict[str, list[IssueSummary]] = {}
        """Each issue's summary line after each step of the write under way."""
        self._messages: list[Message] = []
        """The messages the steps of the write under way owe."""
        self.use(policy)

    def use(self, policy: WorkflowPolicy) -> None:
        """Move records under ``policy`` from now on (nothing cached is kept)."""
        self.issues = Ledger(policy=policy, clock=self._clock)
        self.pledges = PledgeLedger(policy=policy, clock=self._clock)

    def book(self, subject: Subject) -> Book:
        """The ledger the records of ``subject`` are cached in."""
        return self.issues if subject is Subject.ISSUE else self.pledges

    def write(self, work: Callable[[Touched], None], policy_version: int | None) -> int:
        """Run ``work`` on the cached records, then write what it recorded in one
        transaction, only if the ledger's policy still stands at ``policy_version``;
        on any failure, drop every record it touched from the cache. Returns the
        events written."""
        touched: Touched = {}
        self._lines, self._messages = {}, []
        try:
            with collector_paused():
                work(touched)
                lines, owed = self._lines, self._messages
                return store_batch.commit(
                    self._store, touched, self.book, policy_version, lines, owed
                )
        except BaseException:
            self._forget(touched)
            raise
        finally:
            self._lines, self._messages = {}, []

    # -- the work of a write ----------------------------------------------------------------

    def receive(self, issue: Issue, actor: Actor, note: str, touched: Touched) -> None:
        """Receive a new issue."""
        self._new(Subject.ISSUE, getattr(issue, "id", None), touched)
        self.issues.receive(issue, actor=actor, note=note)
        self._taken(Subject.ISSUE, issue.id)

    def receive_each(self, items: list[Any], actor: Actor | None, touched: Touched) -> None:
        """Receive every item (an issue, or an ``(issue, receiver)`` pair); the first
        refused raises :class:`BatchRefusedError`."""
        for index, item in enumerate(items):
            with store_batch.refused_item(index, item, "issues"):
                issue, receiver = receipt(index, item, actor)
                self.receive(issue, receiver, "", touched)

    def claim(self, pledge: Pledge, actor: Actor, note: str, touched: Touched) -> None:
        """Claim a new pledge."""
        self._new(Subject.PLEDGE, getattr(pledge, "id", None), touched)
        self.pledges.claim(pledge, actor=actor, note=note)

    def take(
        self,
        subject: Subject,
        record_id: str,
        event: str,
        actor: Actor,
        at: DateTime | None,
        note: str,
        expected: int | None,
        args: dict[str, Any],
        touched: Touched,
    ) -> None:
        """Take one step on one record, refused if the store no longer holds it
        at ``expected`` (if given)."""
        self._touch(subject, record_id, touched, expected)
        self._read_original(subject, event, args, touched)
        self.book(subject).take_step(record_id, event, actor, at, note, args)
        self._taken(subject, record_id)

    def command_each(self, commands: list[Any], touched: Touched) -> None:
        """Take every command's step in turn; the first refused raises
        :class:`BatchRefusedError`."""
        for index, command in enumerate(commands):
            with store_batch.refused_item(index, command, "commands"):
                subject, record_id = store_batch.command_target(command)
                self._touch(subject, record_id, touched, None)
                self._read_original(subject, command.event, command.args, touched)
                self.book(subject).take_step(
                    record_id, command.event, command.actor, command.at, command.note, command.args
                )
                self._taken(subject, record_id)

    # -- internals ------------------------------------------------------------------------

    @property
    def templates(self) -> MessageTemplates | None:
        """The words the messages are written in (``None``: no messages are written)."""
        return self._templates

    def _taken(self, subject: Subject, record_id: str) -> None:
        """Note an issue's summary line as a step left it: the store keeps every version."""
        if subject is Subject.ISSUE:
            self._lines.setdefault(record_id, []).append(self.issues.summary(record_id))
            if self._templates is not None:
                self._messages += self._owed(record_id, self._templates)

    def _owed(self, record_id: str, templates: MessageTemplates) -> list[Message]:
        """The messages the step just taken on the issue owes (see ``messages_for``)."""
        book = self.issues
        version = book.version(record_id)
        (event,) = book.events(record_id, version - 1, keep=True)
        if not owes_messages(event):
            return []
        answered = event.name == "answer"
        duplicates = linked_duplicates(self._store, record_id, book.policy) if answered else []
        return messages_for(
            event,
            book.view(record_id),  # no Issue built: what the messages read, in place
            version=version,
            templates=templates,
            policy=book.policy,
            duplicates=duplicates,
        )

    def _read_original(self, subject: Subject, event: str, args: Any, touched: Touched) -> None:
        """Cache the original a ``dismiss`` names, if the store holds it, so that the
        ledger checks the duplicate against it (``originals``); one the store lacks
        stays uncached, and the ledger refuses the step for it."""
        original = args.get("original") if isinstance(args, Mapping) else None
        if subject is not Subject.ISSUE or event != "dismiss" or type(original) is not str:
            return
        if self._store.version(Subject.ISSUE, original):
            self._touch(Subject.ISSUE, original, touched, None)

    def _new(self, subject: Subject, record_id: object, touched: Touched) -> None:
        if isinstance(record_id, str):
            if self._store.version(subject, record_id):
                raise DuplicateError(
                    field=f"{subject.value}_id", value=record_id, problem="is already in the store"
                )
            touched[(subject, record_id)] = 0

    def _touch(
        self, subject: Subject, record_id: str, touched: Touched, expected: int | None
    ) -> None:
        """Make sure the record is cached and current, and note its version before
        this write (once per write)."""
        if not isinstance(record_id, str):
            raise InvalidTypeError(
                field=f"{subject.value}_id", value=record_id, problem="must be a string"
            )
        key = (subject, record_id)
        if key in touched:
            return
        book = self.book(subject)
        actual = self._store.version(subject, record_id)
        if expected is not None and whole_given(expected, field="expected_version") != actual:
            raise stale_version(subject, record_id, expected, actual)
        if record_id in book:
            cached = book.version(record_id)
            if cached != actual:
                book.discard(record_id)  # a retry reads it again
                if expected is not None:  # the caller has read the version the store holds
                    self._hydrate(subject, record_id)
                    touched[key] = actual
                    return
                raise stale_version(subject, record_id, cached, actual)
        if record_id not in book:
            self._hydrate(subject, record_id)
        touched[key] = actual

    def _hydrate(self, subject: Subject, record_id: str) -> None:
        events = stored_history(self._store, subject, record_id)
        # Trusted: the store checked these events as it wrote them (see trusted_replay).
        restore(events, policy=self.issues.policy, into=self.book(subject))

    def _forget(self, touched: Touched) -> None:
        for subject, record_id in touched:
            self.book(subject).discard(record_id)


def linked_duplicates(store: EventStore, issue_id: str, policy: WorkflowPolicy) -> list[Issue]:
    """The issues dismissed as duplicates of ``issue_id``, rebuilt from their
    events: whose requesters hear of its answer. The one place the store finds
    them (``EventStore.duplicates_of``)."""
    return [
        trusted_replay(stored_history(store, Subject.ISSUE, duplicate), policy=policy)
        for duplicate in store.duplicates_of(issue_id)
    ]
