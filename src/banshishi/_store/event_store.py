"""The store interface: what a backend keeps for a ledger, and the rows it hands back.

A backend keeps two things: the audit events, append-only, each with its
record's version and a link in one hash chain (the unit tree's versions are
links of the same chain); and one summary line per record, written in the same
transaction as the record's events (the snapshot a ledger opens from). Beside
them, outside the chain, it keeps the outbox: the messages each step owes,
written in the step's transaction and marked sent by the host. SQLite
is the one backend the library ships (:class:`SqliteEventStore`); another
(PostgreSQL, say) implements :class:`EventStore` and passes the same tests.
"""

import hashlib
import hmac
import json
from collections.abc import Collection, Iterator, Sequence
from typing import Any, Protocol, final, runtime_checkable

import attrs
from pendulum import DateTime

from banshishi._core.errors import ConcurrencyError
from banshishi._core.json_input import read_json
from banshishi._core.time import format_instant, parse_instant
from banshishi._metrics.facts import Facts
from banshishi._metrics.summary import IssueSummary, PledgeSummary
from banshishi._model.event import Event
from banshishi._model.people import Role
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import STATUSES, IssueStatus, Subject, Track
from banshishi._notify.message import Message

from .chain_key import HeadReceipt
from .policy_history import PolicyAppend, StoredPolicy
from .unit_history import StoredUnitTree, UnitTreeAppend

GENESIS = "0" * 64
"""The hash the first event's chain link starts from."""


@final
@attrs.frozen(kw_only=True)
class Append:
    """Events for one record, written only if the record still stands at
    ``expected_version`` (the number of events it has; 0 for a new record). An
    append of no events writes nothing: it only checks the version of a record
    the write read and depends on."""

    record_id: str
    events: tuple[Event, ...]
    expected_version: int

    @property
    def subject(self) -> Subject:
        """Whether the events are an issue's or a pledge's (read off the first)."""
        return self.events[0].subject if self.events else Subject.ISSUE


@final
@attrs.frozen(kw_only=True)
class StoredEvent:
    """An event as the store keeps it: its place in the chain (``seq``, from 1),
    the record it belongs to and that record's version after it, and its hash."""

    seq: int
    record_id: str
    version: int
    event: Event
    hash: str


@final
@attrs.frozen(kw_only=True)
class ChainReport:
    """The outcome of checking a store's hash chain.

    ``intact`` is true only when every event is where the chain says, unchanged,
    and the summary lines match the events. ``events`` counts the events found
    sound, in chain order (the unit tree's versions are events of the chain
    too). Otherwise ``first_bad`` is the
    sequence number of the first event found wrong or missing (``None`` when
    the events are sound and a summary line is not, or when the place of a
    change cannot be known) and ``problem`` says what. ``head`` is the receipt
    of the chain checked (only when intact): keep it to check against later.
    """

    intact: bool
    events: int
    first_bad: int | None = None
    problem: str = ""
    head: HeadReceipt | None = None

    def __bool__(self) -> bool:
        return self.intact


def stale_version(subject: Subject, record_id: str, got: int, actual: int) -> ConcurrencyError:
    """The refusal of a write made against version ``got`` of a record now at ``actual``."""
    return ConcurrencyError(
        field=f"{subject.value} {record_id!r} version",
        value=got,
        problem=f"is stale: the store holds version {actual}",
        hint="Someone else wrote first; read the record again and retry.",
    )


@runtime_checkable
class EventStore(Protocol):
    """What :class:`LedgerStore` needs from a backend."""

    def version(self, subject: Subject, record_id: str) -> int:
        """How many events the record has (0 if the store has none)."""
        ...

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
        """Write every append, summary line and version of the unit tree and of
        the policy in one transaction, or nothing, with the ``messages`` the
        steps owe in the outbox (a message whose id is there already is kept once).

        ``issues`` holds the summary line after every issue event appended, in
        the order of the appends and their events (the store keeps every version
        of an issue's line, with the span it held); ``pledges`` holds each
        pledge's line at its new version.

        Raises :class:`ConcurrencyError` (or :class:`DuplicateError` for a new
        record that exists) when a record, the unit tree or the policy does not
        stand at its expected version. Returns the sequence number of the last
        event written.
        """
        ...

    def events(
        self,
        subject: Subject | None = None,
        record_id: str | None = None,
        *,
        until: DateTime | None = None,
    ) -> Iterator[StoredEvent]:
        """Events in chain order, of one subject or one record if given, and
        only those at or before ``until`` if given."""
        ...

    def records(self, subject: Subject) -> Iterator[tuple[str, list[StoredEvent]]]:
        """Each record's events together, record by record."""
        ...

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
        """The issue lines that match every filter given (``units`` by the unit
        each issue counts under, as ``_home_unit`` says; ``overdue_at`` by the
        overdue rule of ``IssueSummary.is_overdue``); with ``as_of``, each line
        as it stood then (what the events up to then made it), of the issues
        recorded by then."""
        ...

    def issue_fact_counts(
        self,
        *,
        at: DateTime,
        group: str | tuple[str, ...] | None = None,
        as_of: DateTime | None = None,
        within: tuple[DateTime, Collection[str]] | None = None,
    ) -> Iterator[tuple[Any, Facts, int]]:
        """Every issue line reduced to its group key and its :class:`Facts` (overdue
        judged at ``at``), identical ones merged with how many there are; with
        ``as_of``, the lines as they stood then; with ``within`` (a moment and
        units), only the issues whose line at that moment counts under one of
        the units. A backend that folds in SQL reads each fact as ``FACT_SQL``
        gives it.

        ``group`` is ``None`` (the key is ``None``), ``unit`` (the unit the issue
        counts under: responsible, else receiving; see ``_home_unit``),
        ``track``, ``channel`` or ``urgency`` (the member), or ``hour`` (whole
        hours since 1970 UTC of receipt, rounded down); a tuple of these
        groups by all of them at once, and the key is the tuple of values. A backend may answer this
        in the database: a million lines fold into a few thousand.
        """
        ...

    def dispatch_counts(
        self, *, at: DateTime, as_of: DateTime | None = None
    ) -> list[tuple[int, int, int, int, int, int]]:
        """The dispatches of each level as they stood at ``as_of`` (as they stand
        if ``None``), lowest level first: (level, dispatched, answered up,
        answered up by their deadline, handed back, open past their deadline at
        ``at``). A backend reads each as ``dispatch_rows.COUNTS_SQL`` does."""
        ...

    def dispatches_due(self, *, by: DateTime) -> list[tuple[str, int]]:
        """The dispatches still open that are due by ``by``, as (issue id, place
        among the issue's dispatches, from 0), by issue and place."""
        ...

    def issue_facts_at(
        self,
        *,
        moments: Sequence[DateTime],
        within: tuple[DateTime, Collection[str]] | None = None,
    ) -> Iterator[tuple[int, Facts, int]]:
        """The fact counts of the issue lines that held at each of ``moments``
        (overdue judged at that moment; ``within`` as for
        :meth:`issue_fact_counts`), each keyed by the moment's position: several
        moments in one pass over the lines."""
        ...

    def period_flows(
        self,
        *,
        moments: Sequence[DateTime],
        sinces: Sequence[DateTime],
        within: tuple[DateTime, Collection[str]] | None = None,
    ) -> list[tuple[int, int, int]]:
        """The flow of each span between consecutive ``moments`` (what a periodic
        report's flow says): of the issues recorded by the span's end, how many
        were collected (not recorded at its start, received at or after its
        ``sinces`` entry), transferred for the first time and closed in it. The
        issues counted are those recorded by the last moment (and ``within``, as
        for :meth:`issue_fact_counts`)."""
        ...

    def overdue_lines(
        self, *, at: DateTime, within: tuple[DateTime, Collection[str]] | None = None
    ) -> Iterator[tuple[IssueSummary, str, str | None]]:
        """Each issue overdue at ``at`` (its line as it stood then), with the title
        and the requester's name it was received with."""
        ...

    def pledge_summaries(self) -> Iterator[PledgeSummary]:
        """Every pledge line."""
        ...

    def units(self) -> UnitTree | None:
        """The unit tree as its last version in the chain has it (``None`` if none)."""
        ...

    def units_version(self) -> int:
        """How many versions of the unit tree the chain holds (0 if none)."""
        ...

    def unit_history(self) -> Iterator[StoredUnitTree]:
        """Every version of the unit tree, oldest first."""
        ...

    def policy_history(self) -> Iterator[StoredPolicy]:
        """Every version of the policy kept with the ledger, oldest first."""
        ...

    def policy_kept(self) -> bool:
        """Whether the ledger keeps its policy (one made by this banshishi, or one
        whose policy was recorded since): with no version, it runs under
        :data:`DEFAULT_POLICY`. ``False`` for a ledger made before."""
        ...

    def head(self) -> HeadReceipt:
        """The chain's head as the store records it (not checked: see :meth:`verify`)."""
        ...

    def verify(self, *, expect_head: HeadReceipt | None = None) -> ChainReport:
        """Check the hash chain and the summary lines against the events, and
        with ``expect_head``, that the chain still holds that receipt's events
        unchanged."""
        ...

    def duplicates_of(self, issue_id: str) -> list[str]:
        """The ids of the issues dismissed as duplicates of ``issue_id``, in order."""
        ...

    def pending_messages(self, *, limit: int | None = None) -> list[Message]:
        """The outbox's messages not yet sent, oldest first (in the order the
        steps owing them were written), at most ``limit`` if given."""
        ...

    def mark_sent(self, message_ids: Sequence[str], *, at: DateTime) -> int:
        """Mark the messages sent at ``at``, in one transaction; one marked before
        keeps its first moment, and an id not in the outbox raises
        :class:`NotFoundError` (nothing is marked). Returns how many were marked now."""
        ...

    def message_counts(self) -> dict[str, int]:
        """How many messages the outbox holds ``pending`` and ``sent``."""
        ...

    def close(self) -> None:
        """Release the backend's resources."""
        ...


# -- the event's columns, and its link in the chain ------------------------------------

# Compact JSON; frozen event data holds tuples (written as lists) and read-only
# mappings (written as objects, through ``default``).
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=dict).encode

EventColumns = tuple[str, str, str | None, str, str | None, str, str, str]
"""name, actor, unit, role, from_status, to_status, note, data (JSON text); ``at``
is kept apart because the store also indexes it."""


def encode(event: Event) -> tuple[str, EventColumns]:
    """An event's moment as text, and its other columns."""
    source = event.from_status
    # ``_value_`` is the member's plain attribute: ``.value`` goes through a descriptor.
    return format_instant(event.at), (
        event.name,
        event.actor,
        event.unit,
        event.role._value_,
        None if source is None else source._value_,
        event.to_status._value_,
        event.note,
        _to_json(event.data),
    )


def decode(subject: str, at: str, columns: Sequence[Any]) -> Event:
    """The event stored as ``columns`` (in the order :func:`encode` gives)."""
    name, actor, unit, role, source, target, note, data = columns
    kind = STATUSES[Subject(subject)]
    return Event(
        name=name,
        actor=actor,
        unit=unit,
        role=Role(role),
        at=parse_instant(at, field="event.at"),
        from_status=None if source is None else kind(source),
        to_status=kind(target),
        note=note,
        data=read_json(data, field="event.data"),
        subject=Subject(subject),
    )


def link(
    previous: str,
    seq: int,
    subject: str,
    record_id: str,
    version: int,
    at: str,
    columns: Sequence[Any],
    key: bytes | None = None,
) -> str:
    """The hash of one event's link: its content and place, chained to the one before.

    SHA-256 (hex) of the previous link's hash followed by each field as
    ``<length>:<text>`` (``~`` for null), in the order seq, subject, record_id,
    version, at, then the columns of :func:`encode`: unambiguous, and simple to
    compute again in any language. With ``key`` (a keyed chain), HMAC-SHA256
    of the same text under the key.
    """
    fields = (str(seq), subject, record_id, str(version), at, *columns)
    text = "".join(["~" if value is None else f"{len(value)}:{value}" for value in fields])
    message = f"{previous}{text}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
