"""Rows of a ledger's SQLite tables to and from the library's values.

A value the library does not know (a summary line edited by hand, say) raises
:class:`StoreError` naming the record, never a bare ``KeyError``.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from banshishi._core.errors import BanshishiError, StoreError
from banshishi._metrics.facts import FACT_SQL, Facts
from banshishi._metrics.summary import IssueSummary, PledgeSummary
from banshishi._model.home_unit import HOME_UNIT_SQL
from banshishi._model.pledge import PledgeListKind, PledgerKind
from banshishi._model.vocabulary import (
    Channel,
    IssueStatus,
    PledgeStatus,
    Rating,
    RequestType,
    Track,
    Urgency,
)

from .dispatch_rows import decode_dispatches, encode_dispatches
from .event_store import StoredEvent, decode
from .sql_dialect import SQLITE, Dialect
from .sqlite_file import AT, EVENT, HASH, RECORD_ID, SEQ, SUBJECT, VERSION, listed

T = TypeVar("T")

_HOUR = 3_600_000_000
GROUP_KEYS = {
    "unit": HOME_UNIT_SQL,
    "track": "track",
    "channel": "channel",
    "urgency": "urgency",
    "request_type": "request_type",
    "routing_rule": "routing_rule",
    "routed_unit": "routed_unit",
    # Rounded down, as Python's // does (SQLite's / rounds toward zero).
    "hour": SQLITE.floor_div("received_us", str(_HOUR)),
}
"""What the fact counts may group by: a column, or the hour of receipt (hours
since 1970 UTC)."""


def group_column(key: str, dialect: Dialect) -> str:
    """The SQL of the group ``key`` (one of :data:`GROUP_KEYS`) in ``dialect``."""
    if key == "hour":
        return dialect.floor_div("received_us", str(_HOUR))
    return GROUP_KEYS[key]


GROUP_VALUES: dict[str | None, Callable[[Sequence[Any]], Any]] = {
    "track": lambda row: Track(row[0]),
    "channel": lambda row: Channel(row[0]),
    "urgency": lambda row: Urgency(row[0]),
    "request_type": lambda row: None if row[0] is None else RequestType(row[0]),
}
"""How a group key read from a row becomes the library's value, where it is one."""
FACT_COLUMNS = listed(FACT_SQL.values())
"""The fields of :class:`Facts` as SQL over the ``issues`` table (:data:`FACT_SQL`),
overdue judged against the moment bound to ``?``."""


def decoded(subject: str, row: Sequence[Any], build: Callable[[Sequence[Any]], T]) -> T:
    """``build(row)``, with an unknown or malformed value reported as a StoreError."""
    try:
        return build(row)
    except (BanshishiError, KeyError, ValueError, TypeError, IndexError) as error:
        record = row[0] if row else None
        raise StoreError(
            field=f"the stored {subject} {record!r}",
            value=tuple(row),
            problem=f"holds a value this version cannot read ({error})",
            hint="The file was changed outside banshishi; `banshishi verify` says where.",
        ) from None


def _facts(row: Sequence[Any]) -> Facts:
    (status, late, signed, on_time, handed, returned, answered, redone, rating, resolved) = row[:10]
    (excluded, first_rating, contacted, solved, satisfied, repeat, routed, sent_back) = row[10:]
    return Facts(
        IssueStatus(status),
        bool(late),
        bool(signed),
        None if on_time is None else bool(on_time),
        bool(handed),
        bool(returned),
        bool(answered),
        bool(redone),
        None if rating is None else Rating(rating),
        None if resolved is None else bool(resolved),
        bool(excluded),
        None if first_rating is None else Rating(first_rating),
        None if contacted is None else bool(contacted),
        None if solved is None else bool(solved),
        None if satisfied is None else bool(satisfied),
        bool(repeat),
        bool(routed),
        bool(sent_back),
    )


def facts_of_row(row: Sequence[Any]) -> Facts:
    """The facts (see :data:`Facts`) in a row of the fact counts."""
    return decoded("issue summary", row, _facts)


def issue_line(row: Sequence[Any]) -> IssueSummary:
    """The summary line in a row of the ``issues`` table."""
    return decoded("issue summary", row, _issue_from)


def pledge_line(row: Sequence[Any]) -> PledgeSummary:
    """The summary line in a row of the ``pledges`` table."""
    return decoded("pledge summary", row, _pledge_from)


def stored_event(row: Sequence[Any]) -> StoredEvent:
    """The event in a row of the ``events`` table."""
    return StoredEvent(
        seq=row[SEQ],
        record_id=row[RECORD_ID],
        version=row[VERSION],
        event=decoded("event", row, lambda r: decode(r[SUBJECT], r[AT], r[EVENT])),
        hash=row[HASH],
    )


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def issue_row(line: IssueSummary) -> tuple[Any, ...]:
    """The row of the ``issues`` table that keeps ``line`` (columns as ``ISSUE_ROW``)."""
    return (
        line.id,
        line.version,
        line.status.value,
        line.track.value,
        line.channel.value,
        line.urgency.value,
        line.unit,
        line.received_by,
        line.category,
        line.received_us,
        line.deadline_us,
        _flag(line.on_time),
        int(line.signed_for),
        int(line.handed_over),
        int(line.returned),
        int(line.answered),
        int(line.redone),
        None if line.rating is None else line.rating.value,
        _flag(line.resolved),
        int(line.deadline_provisional),
        int(line.transferred),
        line.answered_us,
        None if line.request_type is None else line.request_type.value,
        int(line.confidential),
        int(line.excluded),
        None if line.first_rating is None else line.first_rating.value,
        _flag(line.visit_contacted),
        _flag(line.visit_solved),
        _flag(line.visit_satisfied),
        line.repeat_of,
        line.duplicate_of,
        line.routing_rule,
        line.routed_unit,
        int(line.routed_sent_back),
        encode_dispatches(line.dispatches),
    )


def _issue_from(row: Sequence[Any]) -> IssueSummary:
    (
        record_id,
        version,
        status,
        track,
        channel,
        urgency,
        unit,
        received_by,
        category,
        received_us,
        deadline_us,
        on_time,
        signed_for,
        handed_over,
        returned,
        answered,
        redone,
        rating,
        resolved,
        deadline_provisional,
        transferred,
        answered_us,
        request_type,
        confidential,
        excluded,
        first_rating,
        visit_contacted,
        visit_solved,
        visit_satisfied,
        repeat_of,
        duplicate_of,
        routing_rule,
        routed_unit,
        routed_sent_back,
        dispatches,
    ) = row
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
        deadline_provisional=bool(deadline_provisional),
        on_time=None if on_time is None else bool(on_time),
        signed_for=bool(signed_for),
        handed_over=bool(handed_over),
        returned=bool(returned),
        answered=bool(answered),
        redone=bool(redone),
        rating=None if rating is None else Rating(rating),
        resolved=None if resolved is None else bool(resolved),
        transferred=bool(transferred),
        answered_us=answered_us,
        request_type=None if request_type is None else RequestType(request_type),
        confidential=bool(confidential),
        excluded=bool(excluded),
        first_rating=None if first_rating is None else Rating(first_rating),
        visit_contacted=None if visit_contacted is None else bool(visit_contacted),
        visit_solved=None if visit_solved is None else bool(visit_solved),
        visit_satisfied=None if visit_satisfied is None else bool(visit_satisfied),
        repeat_of=repeat_of,
        duplicate_of=duplicate_of,
        routing_rule=routing_rule,
        routed_unit=routed_unit,
        routed_sent_back=bool(routed_sent_back),
        dispatches=decode_dispatches(dispatches),
    )


def pledge_row(line: PledgeSummary) -> tuple[Any, ...]:
    """The row of the ``pledges`` table that keeps ``line`` (columns as ``PLEDGE_ROW``)."""
    return (
        line.id,
        line.version,
        line.status.value,
        line.pledger,
        line.pledger_kind.value,
        line.list_kind.value,
        line.unit,
        line.parent,
        int(line.public),
        int(line.fulfilled),
    )


def _pledge_from(row: Sequence[Any]) -> PledgeSummary:
    (record_id, version, status, pledger, pledger_kind, list_kind, unit, parent, public, done) = row
    return PledgeSummary(
        id=record_id,
        version=version,
        status=PledgeStatus(status),
        pledger=pledger,
        pledger_kind=PledgerKind(pledger_kind),
        list_kind=PledgeListKind(list_kind),
        unit=unit,
        parent=parent,
        public=bool(public),
        fulfilled=bool(done),
    )
