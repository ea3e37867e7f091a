"""One line per record: what the dashboard, the queries and the rates need to
know about an issue or a pledge, without its history.

The store keeps these lines beside the events, written in the same transaction,
as the snapshot a ledger opens from. :meth:`IssueSummary.of` writes an issue's
facts as the rate functions read them (:class:`IssueAsOf`), so the definitions
stay in one place. :func:`issue_summary_of_row` is a second reading of the same
facts, off a ledger's row in place, kept only because it is fast (no
:class:`Issue` is built): ``tests/metrics/test_summary_paths.py`` proves it gives
the line :meth:`IssueSummary.of` gives, over generated issues and steps.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, final

import attrs
import pendulum
from pendulum import DateTime

from banshishi._core.errors import InvalidValueError
from banshishi._core.time import DEFAULT_TIMEZONE
from banshishi._model.dispatch import Dispatch
from banshishi._model.evaluation import VisitOutcome
from banshishi._model.event import Event
from banshishi._model.home_unit import home_unit
from banshishi._model.issue import SIGNED_FOR_STATUSES, Issue, sets_deadline
from banshishi._model.issue_rules import NEEDS_FEEDBACK
from banshishi._model.pledge import Pledge, PledgeListKind, PledgerKind
from banshishi._model.routed_transfer import first_routed_transfer
from banshishi._model.vocabulary import (
    Channel,
    IssueStatus,
    PledgeStatus,
    Rating,
    RequestType,
    Track,
    Urgency,
)

from .facts import OPEN_STATUSES, IssueAsOf, on_time, overdue


def micros(moment: dt.datetime) -> int:
    """``moment`` as whole microseconds since 1970-01-01 UTC (what the store indexes)."""
    # The standard library's subtraction: pendulum's builds an Interval, 20 times slower.
    delta = _subtract(moment, _UTC_EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int, timezone: str = DEFAULT_TIMEZONE) -> DateTime:
    """The inverse of :func:`micros`, in ``timezone``."""
    return _EPOCH.add(microseconds=value).in_timezone(timezone)


_EPOCH = pendulum.datetime(1970, 1, 1, tz="UTC")
_UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_subtract = dt.datetime.__sub__


@final
@attrs.frozen(kw_only=True)
class DispatchLine:
    """One dispatch as an issue's summary line keeps it: its ``level``, the
    ``unit`` it went to, and its moments as whole microseconds since 1970 UTC
    (``answered_us`` and ``returned_us`` ``None`` until it is answered up or
    handed back)."""

    level: int
    unit: str
    dispatched_us: int
    deadline_us: int
    answered_us: int | None = None
    returned_us: int | None = None


def dispatch_lines(dispatches: Iterable[Dispatch]) -> tuple[DispatchLine, ...]:
    """The lines of ``dispatches`` (an issue's, in the order they were made)."""
    return tuple(
        DispatchLine(
            level=item.level,
            unit=item.unit,
            dispatched_us=micros(item.dispatched_at),
            deadline_us=micros(item.deadline),
            answered_us=None if item.answered_at is None else micros(item.answered_at),
            returned_us=None if item.returned_at is None else micros(item.returned_at),
        )
        for item in dispatches
    )


@final
@attrs.frozen(kw_only=True)
class IssueSummary:
    """An issue in one line, as it stood at ``version`` (its number of events).

    Times are whole microseconds since 1970 UTC (``received_us``,
    ``deadline_us``); :attr:`received_at` and :attr:`deadline` turn them back
    into moments. ``deadline_provisional`` says the deadline was counted through
    a year with no official holiday schedule yet. The flags answer the questions
    the rates ask: ``signed_for`` (响应), ``handed_over`` (transferred or
    returned: the 退回率 denominator), ``returned``, ``answered``, ``redone``;
    ``on_time`` is ``None`` unless the issue is closed with a deadline to judge
    it by, and says whether the answer that led to the closure came by that
    deadline (:func:`on_time`). ``rating`` and ``resolved`` are from the latest
    live evaluation. ``unit`` is the responsible unit; :attr:`home_unit` is the
    unit the issue counts under.
    """

    id: str
    version: int
    status: IssueStatus
    track: Track
    channel: Channel
    urgency: Urgency
    unit: str | None
    received_by: str | None
    category: str
    received_us: int
    deadline_us: int | None
    deadline_provisional: bool
    on_time: bool | None
    signed_for: bool
    handed_over: bool
    returned: bool
    answered: bool
    redone: bool
    rating: Rating | None
    resolved: bool | None
    transferred: bool = False
    """Transferred (转办) to a unit at least once: what a period's flow counts
    (a send-back is not a transfer)."""
    answered_us: int | None = None
    """When the answer of the round standing was given, if the issue stands
    answered (已反馈) or closed (:meth:`Issue.answered_at_as_of`): where the
    handling unit's clock stopped."""
    request_type: RequestType | None = None
    """What the requester asked for (诉求类型); ``None``: not classified."""
    confidential: bool = False
    """A confidential matter (保密件), as marked at this version."""
    excluded: bool = False
    """Left out of the assessment (不纳入考核) by a reviewer's approval."""
    first_rating: Rating | None = None
    """The live rating of the earliest round rated (首次满意度)."""
    visit_contacted: bool | None = None
    """The answers given to the latest follow-up visit that reached the requester
    (是否联系, 是否解决, 是否满意); ``None`` where not asked or no visit reached them."""
    visit_solved: bool | None = None
    visit_satisfied: bool | None = None
    repeat_of: str | None = None
    """A repeat request (重复诉求): the earlier, closed issue it names."""
    duplicate_of: str | None = None
    """Dismissed as a duplicate (重复件): the original it is linked to."""
    routing_rule: str | None = None
    """The rule of the routing catalogue its first routed transfer followed, the
    unit that transfer went to, and whether that unit sent it back (派单准确率)."""
    routed_unit: str | None = None
    routed_sent_back: bool = False
    dispatches: tuple[DispatchLine, ...] = ()
    """The work handed down the chain of units (二级/三级承办), each dispatch as
    it stood at this version, in the order they were made."""

    @property
    def received_at(self) -> DateTime:
        """When the issue was received (in the default zone)."""
        return from_micros(self.received_us)

    @property
    def deadline(self) -> DateTime | None:
        """The deadline in force (in the default zone), if any."""
        return None if self.deadline_us is None else from_micros(self.deadline_us)

    @property
    def home_unit(self) -> str | None:
        """The unit the issue counts under in every figure by unit: the responsible
        unit, else the unit that received it (see :func:`home_unit`)."""
        return home_unit(self.unit, self.received_by)

    def is_open(self) -> bool:
        """Whether the issue still waits for someone (neither closed nor dismissed)."""
        return self.status in OPEN_STATUSES

    def is_overdue(self, at: DateTime) -> bool:
        """Whether the issue is overdue at ``at``: not yet answered in this round,
        with its deadline passed (see :func:`overdue`)."""
        return self.overdue_at_micros(micros(at))

    def overdue_at_micros(self, now: int) -> bool:
        """:meth:`is_overdue` at ``now``, given as :func:`micros` (for bulk use)."""
        return overdue(self.status, self.deadline_us, now)

    @classmethod
    def of(cls, issue: Issue, *, version: int, as_of: DateTime | None = None) -> "IssueSummary":
        """The line for ``issue`` as it stood at ``as_of`` (now if ``None``), read
        through the same :class:`Issue` methods the rates use.

        With ``as_of``, the rate facts (status, deadline, flags, rating) are those
        of then, while the descriptive fields (unit, track, channel, urgency,
        category) are the issue's present ones; :meth:`LedgerStore.summaries_as_of`
        rebuilds the issue as it stood instead, and has those of then too.
        """
        status = issue.status_as_of(as_of)
        if status is None:
            raise InvalidValueError(
                field="as_of", value=as_of, problem=f"is before issue {issue.id!r} was received"
            )
        facts = IssueAsOf(issue, as_of, status)
        routing = facts.routing
        deadline = facts.deadline
        answered = facts.answered_at
        return cls(
            id=issue.id,
            version=version,
            status=status,
            track=issue.track,
            channel=issue.channel,
            urgency=issue.urgency,
            unit=issue.responsible_unit,
            received_by=issue.received_by,
            category=issue.category,
            received_us=micros(issue.received_at),
            deadline_us=None if deadline is None else micros(deadline),
            deadline_provisional=facts.deadline_provisional,
            on_time=facts.on_time,
            signed_for=facts.signed_for,
            handed_over=facts.handed_over,
            returned=facts.returned,
            answered=facts.answered,
            redone=facts.redone,
            rating=facts.rating,
            resolved=facts.resolved,
            transferred=facts.transferred,
            answered_us=None if answered is None else micros(answered),
            request_type=issue.request_type,
            confidential=issue.confidential_as_of(as_of),
            excluded=facts.excluded,
            first_rating=facts.first_rating,
            visit_contacted=facts.visit_contacted,
            visit_solved=facts.visit_solved,
            visit_satisfied=facts.visit_satisfied,
            repeat_of=issue.repeat_of,
            duplicate_of=issue.duplicate_of if status is IssueStatus.DISMISSED else None,
            routing_rule=None if routing is None else routing.rule,
            routed_unit=None if routing is None else routing.unit,
            routed_sent_back=routing is not None and routing.sent_back,
            dispatches=dispatch_lines(issue.dispatches_as_of(as_of)),
        )


def issue_summary_of_row(issue_id: str, row: Any, width: int) -> IssueSummary | None:
    """The line for a ledger row as it stands now, read off the row in place.

    Returns ``None`` for a row with no history (an issue added bare), which the
    caller summarises through :meth:`IssueSummary.of` instead.
    """
    history = row.history
    if not history:
        return None
    sources = history[5::width]
    steps = list(zip(sources, history[6::width], strict=True))
    targets = frozenset(history[6::width])
    first = sources[0]
    status = row.status
    closing = IssueStatus.CLOSED
    # Judged only when the closure is on record, as Issue.closed_at_as_of says.
    closed_at = closure_in(history, width) if status is closing else None
    deadline = row.deadline
    voided = {appeal.rating for appeal in row.appeals if appeal.voided_by(None)}
    live = [e for index, e in enumerate(row.evaluations) if index not in voided]
    latest = max(live, key=lambda e: (e.round, e.at)) if live else None
    earliest = min(live, key=lambda e: (e.round, e.at)) if live else None
    visited = [v for v in row.visits if v.is_done and v.outcome is not VisitOutcome.UNREACHABLE]
    visit = max(visited, key=lambda v: v.done_at, default=None)
    # One recorded on the row (read from a ledger file) predates the history.
    routing = row.routed or first_routed_transfer(_events_in_place(history, width))

    def reached(wanted: frozenset[IssueStatus]) -> bool:
        return status in wanted or first in wanted or not targets.isdisjoint(wanted)

    returned = reached(frozenset({IssueStatus.RETURNED}))
    transferred = reached(frozenset({IssueStatus.TRANSFERRED}))
    answered_at = last_answer_in(row, width) if status in NEEDS_FEEDBACK else None
    return IssueSummary(
        id=issue_id,
        version=len(history) // width,
        status=status,
        track=row.track,
        channel=row.channel,
        urgency=row.urgency,
        unit=row.responsible_unit,
        received_by=row.received_by,
        category=row.category,
        received_us=micros(row.received_at),
        deadline_us=None if deadline is None else micros(deadline),
        deadline_provisional=deadline_provisional_in(history, width),
        on_time=None
        if closed_at is None
        else on_time(last_answer_in(row, width, closed_at), deadline),
        signed_for=reached(SIGNED_FOR_STATUSES),
        handed_over=returned or transferred,
        returned=returned,
        answered=bool(row.feedback),
        redone=any(
            source in NEEDS_FEEDBACK and target is IssueStatus.IN_PROGRESS
            for source, target in steps
        ),
        rating=None if latest is None else latest.rating,
        resolved=None if latest is None else latest.resolved,
        transferred=transferred,
        answered_us=None if answered_at is None else micros(answered_at),
        request_type=row.request_type,
        confidential=row.confidential,
        excluded=any(item.approved_by(None) for item in row.exclusions),
        first_rating=None if earliest is None else earliest.rating,
        visit_contacted=None if visit is None else visit.contacted,
        visit_solved=None if visit is None else visit.outcome is VisitOutcome.RESOLVED,
        visit_satisfied=None if visit is None else visit.satisfied,
        repeat_of=row.repeat_of,
        duplicate_of=row.duplicate_of if status is IssueStatus.DISMISSED else None,
        routing_rule=None if routing is None else routing.rule,
        routed_unit=None if routing is None else routing.unit,
        routed_sent_back=routing is not None and routing.sent_back,
        dispatches=dispatch_lines(row.dispatches) if row.dispatches else (),
    )


def _events_in_place(history: Any, width: int) -> Iterator[Any]:
    """What :func:`first_routed_transfer` reads of each step of a flat row history
    (its name, moment and data), without building the events."""
    for first in range(0, len(history), width):
        name = history[first]
        if isinstance(name, Event):
            yield name
            continue
        args = history[first + 4]
        # Only a transfer's data is read (its rule and unit): no dict for the rest.
        routed = name == "transfer" and type(args) is tuple
        data = dict(zip(args[::2], args[1::2], strict=True)) if routed else {}
        yield _Step(name, history[first + 2], data)


@attrs.frozen
class _Step:
    name: str
    at: Any
    data: dict[str, Any]


def closure_in(history: Any, width: int) -> dt.datetime | None:
    """When a flat row history last closed the issue (as :meth:`Issue.closed_at_as_of`
    finds it, read in place); ``None`` if no step on record closed it."""
    for first in range(len(history) - width, -1, -width):
        if (
            history[first + 6] is IssueStatus.CLOSED
            and history[first + 5] is not IssueStatus.CLOSED
        ):
            name = history[first]
            at: dt.datetime = name.at if isinstance(name, Event) else history[first + 2]
            return at
    return None


def last_answer_in(row: Any, width: int, by: dt.datetime | None = None) -> dt.datetime | None:
    """When the latest answer of a row given by ``by`` (if given) counts from, read
    in place as :meth:`Issue.answer_times` reads it: from its ``answer`` step, or
    from ``Feedback.at`` for an answer given before the recorded history."""
    history = row.history
    steps: list[dt.datetime] = []
    for first in range(0, len(history), width):
        name = history[first]
        if isinstance(name, Event):
            if name.name == "answer":
                steps.append(name.at)
        elif name == "answer":
            steps.append(history[first + 2])
    feedback = row.feedback
    before = len(feedback) - len(steps)
    if before < 0:
        steps = steps[-len(feedback) :] if feedback else []
        before = 0
    given = (*(item.at for item in feedback[:before]), *steps)
    return max((at for at in given if by is None or at <= by), default=None)


def deadline_provisional_in(history: Any, width: int) -> bool:
    """Whether the last step of a flat row history that set the deadline marked it
    provisional (as :meth:`Issue.deadline_provisional_as_of`, read in place)."""
    for first in range(len(history) - width, -1, -width):
        name = history[first]
        if isinstance(name, Event):
            if sets_deadline(name):
                return name.data.get("provisional") is True
            continue
        if name == "send_back":
            return False
        args = history[first + 4]
        given = dict(zip(args[::2], args[1::2], strict=True)) if type(args) is tuple else args
        if given and "deadline" in given:
            return given.get("provisional") is True
    return False


@final
@attrs.frozen(kw_only=True)
class PledgeSummary:
    """A pledge in one line, as it stood at ``version``: who pledged what, and
    whether it counts as a public promise (``public``) and as kept (``fulfilled``)."""

    id: str
    version: int
    status: PledgeStatus
    pledger: str
    pledger_kind: PledgerKind
    list_kind: PledgeListKind
    unit: str | None
    parent: str | None
    public: bool
    fulfilled: bool

    @classmethod
    def of(cls, pledge: Pledge, *, version: int) -> "PledgeSummary":
        """The line for ``pledge`` as it stands, through the :class:`Pledge` methods."""
        return cls(
            id=pledge.id,
            version=version,
            status=pledge.status,
            pledger=pledge.pledger,
            pledger_kind=pledge.pledger_kind,
            list_kind=pledge.list_kind,
            unit=pledge.unit,
            parent=pledge.parent,
            public=pledge.public_as_of(),
            fulfilled=pledge.fulfilled_as_of(),
        )
