"""What the issue rates count, each fact decided in one place.

An issue's :class:`Facts` are what every issue rate needs to know of it: its
status, whether it is overdue, and the flags and rating of its summary line.
They are read three ways, each beside the others here: off an :class:`Issue` as
of a moment (:class:`IssueAsOf`, which :meth:`IssueSummary.of` and the rate
functions both read through), off a summary line (``facts_of``), and off the
store's summary table in SQL (:data:`FACT_SQL`, folded by the database).

The rates are then :data:`ISSUE_RATE_TABLE`: each counts the issues where one
:class:`Fact` holds out of those where another does, among the issues counted
(received and not dismissed). The rate functions over issues, the figures over
summary lines and the store's fold all apply this table; none decides a fact
itself.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import NamedTuple, Protocol, final

import attrs
from pendulum import DateTime

from banshishi._model.evaluation import Evaluation, Visit, VisitOutcome
from banshishi._model.issue import Issue
from banshishi._model.routed_transfer import RoutedTransfer
from banshishi._model.vocabulary import IssueStatus, Rating

OPEN_STATUSES = frozenset(status for status in IssueStatus if status.is_open)
"""Statuses in which an issue still waits for someone: neither closed nor
dismissed (:attr:`IssueStatus.is_open`)."""
DUE_STATUSES = OPEN_STATUSES - {IssueStatus.ANSWERED}
"""Statuses in which an item runs against its deadline: open and not yet answered
in its current round. The handling unit's clock stops at its answer: an answered
item (已反馈) waits for its rating and follow-up, which are not the unit's to hurry,
so it is never overdue. (Every step that reopens an answered item starts a new
round, so 已反馈 is exactly "answered in this round" among the open statuses.)"""


def sql_list(statuses: frozenset[IssueStatus]) -> str:
    """``statuses`` as the items of an SQL ``IN (...)`` list, in a fixed order."""
    return ", ".join(f"'{status.value}'" for status in sorted(statuses))


def overdue(status: IssueStatus, deadline_us: int | None, now: int) -> bool:
    """The one overdue rule: open and not answered in this round (see
    :data:`DUE_STATUSES`), with the deadline in force before ``now`` (times as
    :func:`micros`). :data:`OVERDUE_SQL` is the same rule in SQL."""
    return status in DUE_STATUSES and deadline_us is not None and deadline_us < now


def overdue_sql(moment: str = "?") -> str:
    """The overdue rule (:func:`overdue`) over the summary lines' columns, at the
    moment the SQL expression ``moment`` gives (a parameter by default)."""
    return f"status IN ({sql_list(DUE_STATUSES)}) AND deadline_us < {moment}"


OVERDUE_SQL = overdue_sql()
"""The overdue rule (:func:`overdue`) over the ``issues`` table, at the moment bound to ``?``."""


def on_time(answered: dt.datetime | None, deadline: dt.datetime | None) -> bool | None:
    """The one on-time rule for a closed issue: the answer that led to the closure
    came by the deadline in force; ``None`` when either is unknown."""
    return None if answered is None or deadline is None else answered <= deadline


class Facts(NamedTuple):
    """What the rates count of one issue, named as the summary line's fields:
    ``overdue`` is judged at a moment (the summary's rule at that moment), the
    rest are the line's own. Issues alike in all of these count alike, so a
    store can hand over each combination once with how many issues share it."""

    status: IssueStatus
    overdue: bool
    signed_for: bool
    on_time: bool | None
    handed_over: bool
    returned: bool
    answered: bool
    redone: bool
    rating: Rating | None
    resolved: bool | None
    excluded: bool
    first_rating: Rating | None
    visit_contacted: bool | None
    visit_solved: bool | None
    visit_satisfied: bool | None
    repeat: bool
    routed: bool
    routed_sent_back: bool


_DERIVED_SQL = {
    "overdue": OVERDUE_SQL,
    "repeat": "CASE WHEN repeat_of IS NULL THEN 0 ELSE 1 END",
    "routed": "CASE WHEN routing_rule IS NULL THEN 0 ELSE 1 END",
}
FACT_SQL: Mapping[str, str] = MappingProxyType(
    {name: _DERIVED_SQL.get(name, name) for name in Facts._fields}
)
"""Each field of :class:`Facts` as SQL over the store's summary table, whose
columns are named as the summary line's fields: the column itself, for
``overdue`` the rule at the moment bound to ``?``, and for ``repeat`` and
``routed`` whether the line names an earlier issue or a routing rule."""


class FactsLike(Protocol):
    """Anything the rates' facts can be asked of: :class:`Facts`, a summary line,
    or an issue as of a moment (:class:`IssueAsOf`)."""

    @property
    def status(self) -> IssueStatus: ...
    @property
    def signed_for(self) -> bool: ...
    @property
    def on_time(self) -> bool | None: ...
    @property
    def handed_over(self) -> bool: ...
    @property
    def returned(self) -> bool: ...
    @property
    def answered(self) -> bool: ...
    @property
    def redone(self) -> bool: ...
    @property
    def rating(self) -> Rating | None: ...
    @property
    def resolved(self) -> bool | None: ...
    @property
    def excluded(self) -> bool: ...
    @property
    def first_rating(self) -> Rating | None: ...
    @property
    def visit_contacted(self) -> bool | None: ...
    @property
    def visit_solved(self) -> bool | None: ...
    @property
    def visit_satisfied(self) -> bool | None: ...
    @property
    def repeat(self) -> bool: ...
    @property
    def routed(self) -> bool: ...
    @property
    def routed_sent_back(self) -> bool: ...


@final
@attrs.frozen
class Fact:
    """One question the rates ask of an issue's facts; ``holds`` answers it."""

    name: str
    holds: Callable[[FactsLike], bool] = attrs.field(repr=False)


COUNTED = Fact("counted", lambda f: f.status is not IssueStatus.DISMISSED)
"""Received and not dismissed (不予受理): in the counts of issues handled."""
EXCLUDED = Fact("excluded", lambda f: f.excluded)
"""A reviewer approved leaving it out of the assessment (不纳入考核)."""
ASSESSED = Fact("assessed", lambda f: f.status is not IssueStatus.DISMISSED and not f.excluded)
"""Counted, and not excluded from the assessment: in the rates' denominators."""
CLOSED = Fact("closed", lambda f: f.status is IssueStatus.CLOSED)
"""Closed (已办结): done, for 办结率."""
SIGNED_FOR = Fact("signed_for", lambda f: f.signed_for)
"""A responsible unit had signed for it (办理中 or later): 响应."""
JUDGED = Fact("judged", lambda f: f.on_time is not None)
"""Closed, with a deadline and an answer to judge its timeliness by."""
ANSWERED_ON_TIME = Fact("on_time", lambda f: f.on_time is True)
"""Closed, the answer that led to the closure given by the deadline in force."""
HANDED_OVER = Fact("handed_over", lambda f: f.handed_over)
"""Transferred to a unit, or sent back by one."""
RETURNED = Fact("returned", lambda f: f.returned)
"""Sent back (已退回) by a unit at least once."""
ANSWERED = Fact("answered", lambda f: f.answered)
"""The requester had been answered (反馈), in any round."""
REDONE = Fact("redone", lambda f: f.redone)
"""Sent back for a redo (重办) after an answer at least once."""
RATED = Fact("rated", lambda f: f.rating is not None)
"""Has a live rating."""
SATISFIED = Fact(
    "satisfied",
    lambda f: f.rating is not None and f.rating.counts_as_satisfied(basically_satisfied=False),
)
"""Its latest live rating is 非常满意 or 满意."""
BASICALLY_SATISFIED = Fact("basically_satisfied", lambda f: f.rating is Rating.BASICALLY_SATISFIED)
"""Its latest live rating is 基本满意, satisfied or not as a deployment chooses."""
RESOLVED = Fact("resolved", lambda f: f.resolved is True)
"""Its latest live rater said the problem is solved."""
FIRST_RATED = Fact("first_rated", lambda f: f.first_rating is not None)
"""Has a live rating (its first live one is :data:`FIRST_SATISFIED`'s)."""
FIRST_SATISFIED = Fact(
    "first_satisfied",
    lambda f: (
        f.first_rating is not None and f.first_rating.counts_as_satisfied(basically_satisfied=False)
    ),
)
"""Its first live rating (of the earliest round rated) is 非常满意 or 满意."""
FIRST_BASICALLY_SATISFIED = Fact(
    "first_basically_satisfied", lambda f: f.first_rating is Rating.BASICALLY_SATISFIED
)
"""Its first live rating is 基本满意."""
ASKED_CONTACT = Fact("asked_contact", lambda f: f.visit_contacted is not None)
"""A follow-up visit reached the requester and asked whether the unit contacted them."""
CONTACTED = Fact("contacted", lambda f: f.visit_contacted is True)
"""The requester told the latest visit that reached them the unit contacted them (是否联系)."""
ASKED_SOLVED = Fact("asked_solved", lambda f: f.visit_solved is not None)
"""A follow-up visit reached the requester (and so recorded whether it is solved)."""
VISIT_SOLVED = Fact("visit_solved", lambda f: f.visit_solved is True)
"""The latest visit that reached the requester found the problem solved (是否解决)."""
ASKED_SATISFIED = Fact("asked_satisfied", lambda f: f.visit_satisfied is not None)
"""A follow-up visit reached the requester and asked whether they are satisfied."""
VISIT_SATISFIED = Fact("visit_satisfied", lambda f: f.visit_satisfied is True)
"""The requester told the latest visit that reached them they are satisfied (是否满意)."""
REPEAT = Fact("repeat", lambda f: f.repeat)
"""A repeat request (重复诉求): it names an earlier, closed issue of the same
requester about the same matter (``Issue.repeat_of``)."""
ROUTED = Fact("routed", lambda f: f.routed)
"""Transferred by a rule of the routing catalogue (its first routed transfer)."""
ROUTED_RIGHT = Fact("routed_right", lambda f: f.routed and not f.routed_sent_back)
"""Routed, and the unit it went to did not send it back (派单准确)."""


@final
@attrs.frozen(kw_only=True)
class IssueRate:
    """One issue rate: among the issues assessed (:data:`ASSESSED`: counted and
    not excluded from the assessment), those where ``counts`` holds out of those
    where ``out_of`` holds.

    ``lenient`` holds of issues in the numerator too unless
    ``basically_satisfied=False`` (基本满意). ``left_out`` holds of counted
    issues outside ``out_of`` that the rate leaves out by rule, which a
    :class:`Breakdown` lists in ``excluded`` beside the dismissed ones.
    """

    name: str
    """The attribute of :class:`IssueFigures` that holds it."""
    label: str
    counts: Fact
    out_of: Fact
    lenient: Fact | None = None
    left_out: Fact | None = None

    def counts_in(self, facts: FactsLike, *, basically_satisfied: bool = True) -> bool:
        """Whether an issue in the denominator is in the numerator."""
        lenient = self.lenient
        return self.counts.holds(facts) or (
            basically_satisfied and lenient is not None and lenient.holds(facts)
        )


RESPONSE = IssueRate(name="response", label="响应率", counts=SIGNED_FOR, out_of=COUNTED)
COMPLETION = IssueRate(name="completion", label="办结率", counts=CLOSED, out_of=COUNTED)
ON_TIME = IssueRate(
    name="on_time", label="按期办结率", counts=ANSWERED_ON_TIME, out_of=JUDGED, left_out=CLOSED
)
SATISFACTION = IssueRate(
    name="satisfaction",
    label="满意率",
    counts=SATISFIED,
    out_of=RATED,
    lenient=BASICALLY_SATISFIED,
)
RESOLUTION = IssueRate(name="resolution", label="解决率", counts=RESOLVED, out_of=RATED)
RETURNS = IssueRate(name="returns", label="退回率", counts=RETURNED, out_of=HANDED_OVER)
REDOS = IssueRate(name="redos", label="重办率", counts=REDONE, out_of=ANSWERED)
FIRST_SATISFACTION = IssueRate(
    name="first_satisfaction",
    label="首次满意率",
    counts=FIRST_SATISFIED,
    out_of=FIRST_RATED,
    lenient=FIRST_BASICALLY_SATISFIED,
)
VISIT_RESPONSE = IssueRate(
    name="visit_response", label="回访响应率", counts=CONTACTED, out_of=ASKED_CONTACT
)
VISIT_RESOLUTION = IssueRate(
    name="visit_resolution", label="回访解决率", counts=VISIT_SOLVED, out_of=ASKED_SOLVED
)
VISIT_SATISFACTION = IssueRate(
    name="visit_satisfaction", label="回访满意率", counts=VISIT_SATISFIED, out_of=ASKED_SATISFIED
)
REPEATS = IssueRate(name="repeats", label="重复诉求率", counts=REPEAT, out_of=COUNTED)
ROUTING = IssueRate(name="routing", label="派单准确率", counts=ROUTED_RIGHT, out_of=ROUTED)

LOOP_RATES = (RESPONSE, COMPLETION, ON_TIME, SATISFACTION, RESOLUTION, RETURNS, REDOS)
"""The rates of the closed loop itself, as a campaign reports them."""
ASSESSMENT_RATES = (
    FIRST_SATISFACTION,
    VISIT_RESPONSE,
    VISIT_RESOLUTION,
    VISIT_SATISFACTION,
    REPEATS,
    ROUTING,
)
"""The rates a 12345 platform's assessment adds: first satisfaction, the three
rates of the 回访 (the final satisfaction is 满意率), the repeat-request rate and
routing accuracy."""

ISSUE_RATE_TABLE = (*LOOP_RATES, *ASSESSMENT_RATES)
"""Every issue rate, in the order reports show them; see docs/metrics.md."""


@final
class IssueAsOf:
    """The facts of an issue as it stood at ``as_of`` (now if ``None``), each read
    through the :class:`Issue` methods when first asked, for an issue received by
    then (``status`` is its status then).

    This is the one reading of an issue's facts: :meth:`IssueSummary.of` writes
    them into its line, and the rate functions ask them of the issues they count.
    """

    __slots__ = (
        "_closed",
        "_deadline",
        "_latest",
        "_on_time",
        "_routing",
        "_visit",
        "as_of",
        "issue",
        "status",
    )

    def __init__(self, issue: Issue, as_of: DateTime | None, status: IssueStatus) -> None:
        self.issue = issue
        self.as_of = as_of
        self.status = status
        # The facts read more than once, kept once read (in a 1-tuple: they may be None).
        self._closed: tuple[DateTime | None] | None = None
        self._deadline: tuple[DateTime | None] | None = None
        self._latest: tuple[Evaluation | None] | None = None
        self._on_time: tuple[bool | None] | None = None
        self._visit: tuple[Visit | None] | None = None
        self._routing: tuple[RoutedTransfer | None] | None = None

    @property
    def closed_at(self) -> DateTime | None:
        """When the issue was last closed, if it stood closed (and that is known)."""
        if self._closed is None:
            self._closed = (self.issue.closed_at_as_of(self.as_of),)
        return self._closed[0]

    @property
    def judged_at(self) -> DateTime | None:
        """The moment its deadline is read at: the closure if closed, else ``as_of``."""
        closed = self.closed_at
        return self.as_of if closed is None else closed

    @property
    def deadline(self) -> DateTime | None:
        """The deadline in force at :attr:`judged_at`."""
        if self._deadline is None:
            self._deadline = (self.issue.deadline_as_of(self.judged_at),)
        return self._deadline[0]

    @property
    def deadline_provisional(self) -> bool:
        """Whether that deadline was counted through a provisional year."""
        return self.issue.deadline_provisional_as_of(self.judged_at)

    @property
    def on_time(self) -> bool | None:
        """Closed and answered by the deadline (:func:`on_time`); ``None`` if open,
        or closed with no deadline or answer on record."""
        if self._on_time is None:
            closed = self.closed_at
            answered = None if closed is None else self.issue.answered_at_as_of(closed)
            self._on_time = (None if closed is None else on_time(answered, self.deadline),)
        return self._on_time[0]

    @property
    def signed_for(self) -> bool:
        return self.issue.signed_for_as_of(self.as_of)

    @property
    def transferred(self) -> bool:
        return self.issue.transferred_as_of(self.as_of)

    @property
    def handed_over(self) -> bool:
        return self.transferred or self.returned

    @property
    def answered_at(self) -> DateTime | None:
        """When the answer of the round standing was given; ``None`` unless it
        stood answered or closed (:meth:`Issue.answered_at_as_of`)."""
        return self.issue.answered_at_as_of(self.as_of)

    @property
    def returned(self) -> bool:
        return self.issue.returned_as_of(self.as_of)

    @property
    def answered(self) -> bool:
        return self.issue.answered_as_of(self.as_of)

    @property
    def redone(self) -> bool:
        return self.issue.redone_as_of(self.as_of)

    @property
    def latest(self) -> Evaluation | None:
        """The latest live evaluation given by then: the one that counts."""
        if self._latest is None:
            self._latest = (self.issue.latest_evaluation_as_of(self.as_of),)
        return self._latest[0]

    @property
    def rating(self) -> Rating | None:
        latest = self.latest
        return None if latest is None else latest.rating

    @property
    def resolved(self) -> bool | None:
        latest = self.latest
        return None if latest is None else latest.resolved

    @property
    def excluded(self) -> bool:
        """Left out of the assessment by then (:meth:`Issue.excluded_as_of`)."""
        return self.issue.excluded_as_of(self.as_of)

    @property
    def first_rating(self) -> Rating | None:
        """The rating of the earliest round with a live rating by then (首次满意度)."""
        given = self.issue.live_evaluations_as_of(self.as_of)
        return min(given, key=lambda e: (e.round, e.at)).rating if given else None

    @property
    def visit(self) -> Visit | None:
        """The latest follow-up visit made by then that reached the requester."""
        if self._visit is None:
            self._visit = (self.issue.visit_answers_as_of(self.as_of),)
        return self._visit[0]

    @property
    def visit_contacted(self) -> bool | None:
        visit = self.visit
        return None if visit is None else visit.contacted

    @property
    def visit_solved(self) -> bool | None:
        visit = self.visit
        return None if visit is None else visit.outcome is VisitOutcome.RESOLVED

    @property
    def visit_satisfied(self) -> bool | None:
        visit = self.visit
        return None if visit is None else visit.satisfied

    @property
    def repeat(self) -> bool:
        return self.issue.repeat_of is not None

    @property
    def routing(self) -> RoutedTransfer | None:
        """The issue's first routed transfer by then (:meth:`Issue.routing_as_of`)."""
        if self._routing is None:
            self._routing = (self.issue.routing_as_of(self.as_of),)
        return self._routing[0]

    @property
    def routed(self) -> bool:
        return self.routing is not None

    @property
    def routed_sent_back(self) -> bool:
        routing = self.routing
        return routing is not None and routing.sent_back
