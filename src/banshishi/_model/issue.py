"""The issue (诉求/问题): one citizen's demand, from intake to closure."""

from bisect import bisect_right
from contextvars import ContextVar
from typing import Any, cast, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError, InvalidValueError
from banshishi._core.time import (
    aware_datetime,
    check_aware,
    check_optional_aware,
    optional_aware_datetime,
    optional_moment,
    parse_instant,
)
from banshishi._core.validators import (
    identifier,
    items_of,
    member_of,
    of_type,
    optional_text,
    text,
    whole_number,
)

from .assessment import Exclusion
from .dispatch import Dispatch
from .evaluation import Appeal, Evaluation, Feedback, Rectification, Visit, VisitOutcome
from .event import Event
from .issue_rules import NEEDS_FEEDBACK, check_issue, is_closure
from .location import Location
from .milestone import Milestone, milestone_progress
from .people import Person
from .rate import Rate
from .routed_transfer import RoutedTransfer, first_routed_transfer
from .vocabulary import Channel, IssueStatus, RequestType, TargetGroup, Track, Urgency

SIGNED_FOR_STATUSES = frozenset(
    {IssueStatus.IN_PROGRESS, IssueStatus.RESOLVED, IssueStatus.ANSWERED, IssueStatus.CLOSED}
)
"""The statuses of an issue a responsible unit has signed for (办理中 or later)."""

CONFIDENTIAL_MARKS = {"mark_confidential": True, "unmark_confidential": False}
"""The steps that set the confidential flag after intake, and what they set it to."""


def _at(event: Event) -> DateTime:
    return event.at


def sets_deadline(event: Event) -> bool:
    return "deadline" in event.data or event.name == "send_back"


def _default_track(issue: "Issue") -> Track:
    # Defaults are computed before validators run, so a bad urgency must not crash
    # here; the urgency validator reports it.
    urgency = issue.urgency
    return urgency.default_track if isinstance(urgency, Urgency) else Track.IMMEDIATE


# Set while Issue.update builds its candidate, so that the record rules run once,
# afterwards, knowing which fields the caller changed.
_RULES_DEFERRED: ContextVar[bool] = ContextVar("banshishi_issue_rules_deferred", default=False)


def _recheck(instance: "Issue", attribute: "attrs.Attribute[Any]", value: Any) -> Any:
    """on_setattr hook: check the record as it would be, before the value is set."""
    record = instance.as_record()
    record[attribute.name] = value
    check_issue(record, changed=frozenset({attribute.name}))
    return value


@final
@attrs.define(kw_only=True, on_setattr=[attrs.setters.convert, attrs.setters.validate, _recheck])
class Issue:
    """A demand, opinion or problem raised by a citizen, and everything done about it.

    Required: ``id``, ``title``, ``channel``, ``urgency`` and ``received_at``. The
    ``track`` follows from the urgency (急→即办, 难→共办, 愁→督办, 盼→盯办) unless
    given. A ``requester`` of ``None`` is an anonymous one.

    Units and staff are referred to by id (``responsible_unit``, ``co_units``,
    ``supervisor``, …); the requester is kept as a ``Person`` because feedback has
    to reach them.

    Every field is checked when the issue is built and whenever it is set, and so
    are the rules that tie fields together (see ``_issue_rules``): nothing happens
    before ``received_at``, nothing is answered or closed before any feedback,
    ``closed_at`` is set exactly when the issue is closed, the ``history`` is an
    ordered chain ending in ``status``, and evaluations belong to this issue. A
    refused change leaves the issue as it was.

    Fields that must agree change together through :meth:`update`, which applies
    several fields at once or none of them.
    """

    id: str = attrs.field(validator=identifier())
    title: str = attrs.field(validator=text())
    channel: Channel = attrs.field(validator=member_of(Channel))
    urgency: Urgency = attrs.field(validator=member_of(Urgency))
    received_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    track: Track = attrs.field(
        default=attrs.Factory(_default_track, takes_self=True), validator=member_of(Track)
    )
    description: str = attrs.field(default="", validator=text(required=False))
    category: str = attrs.field(default="", validator=text(required=False))
    """The field the problem belongs to: roads, heating, water, schools, elderly care, …"""
    request_type: RequestType | None = attrs.field(
        default=None, validator=member_of(RequestType, optional=True)
    )
    """What the requester asks for (诉求类型: 咨询, 求助, 建议, 投诉, 举报, 表扬), which
    may set the time limit (``WorkflowPolicy.type_limits``); ``None``: not classified."""
    confidential: bool = attrs.field(default=False, validator=of_type(bool))
    """A confidential matter (保密件), marked at intake (or later, by the
    ``mark_confidential`` step): never in a disclosure list, and its content withheld
    from every export unless an unmasked exchange is asked for (see ``withheld``).
    What is published now about a past moment withholds an issue confidential then
    or now (see ``confidential_as_of``). It counts in every figure like any other issue."""
    target_groups: frozenset[TargetGroup] = attrs.field(
        default=frozenset(), validator=items_of(member_of(TargetGroup), container=frozenset)
    )
    location: Location | None = attrs.field(
        default=None, validator=of_type(Location, optional=True)
    )
    requester: Person | None = attrs.field(default=None, validator=of_type(Person, optional=True))
    received_by: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the unit that took the issue in (the centre, the hotline)."""
    responsible_unit: str | None = attrs.field(default=None, validator=optional_text)
    responsible_person: str | None = attrs.field(default=None, validator=optional_text)
    requirements: str = attrs.field(default="", validator=text(required=False))
    """The work requirements (工作要求) given on transfer."""
    deadline: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    co_units: tuple[str, ...] = attrs.field(default=(), validator=items_of(text(), unique=True))
    """Ids of the units that share a 共办 item with the responsible (lead) unit."""
    supervising_unit: str | None = attrs.field(default=None, validator=optional_text)
    supervisor: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the person supervising a 督办 item for the supervising unit."""
    signed_off_by: str | None = attrs.field(default=None, validator=optional_text)
    """The supervisor who signed off the work on a 督办 item in this round."""
    parts_reported: tuple[str, ...] = attrs.field(
        default=(), validator=items_of(text(), unique=True)
    )
    """The co-units of a 共办 item that have reported their part done in this round."""
    milestones: tuple[Milestone, ...] = attrs.field(
        default=(), validator=items_of(of_type(Milestone))
    )
    """The milestones of a 盯办 item; see :attr:`progress`."""
    round: int = attrs.field(default=1, validator=whole_number(1))
    """1 for the first handling; one more for each redo (重办) after a bad rating."""
    duplicate_of: str | None = attrs.field(default=None, validator=identifier(optional=True))
    """For an issue dismissed as a duplicate: the id of the original."""
    status: IssueStatus = attrs.field(
        default=IssueStatus.RECEIVED, validator=member_of(IssueStatus)
    )
    closed_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    feedback: tuple[Feedback, ...] = attrs.field(default=(), validator=items_of(of_type(Feedback)))
    evaluations: tuple[Evaluation, ...] = attrs.field(
        default=(), validator=items_of(of_type(Evaluation))
    )
    rectifications: tuple[Rectification, ...] = attrs.field(
        default=(), validator=items_of(of_type(Rectification))
    )
    """Every rectification (整改) opened on the issue, oldest first."""
    appeals: tuple[Appeal, ...] = attrs.field(default=(), validator=items_of(of_type(Appeal)))
    """The handling unit's appeals against ratings (申诉), with their decisions."""
    visits: tuple[Visit, ...] = attrs.field(default=(), validator=items_of(of_type(Visit)))
    """Follow-up visits (回访), scheduled and made."""
    exclusions: tuple[Exclusion, ...] = attrs.field(
        default=(), validator=items_of(of_type(Exclusion))
    )
    """Requests to leave the issue out of the assessment (不纳入考核), with their decisions."""
    repeat_of: str | None = attrs.field(default=None, validator=identifier(optional=True))
    """A repeat request (重复诉求): the id of the earlier, closed issue the same requester
    raised about the same matter, recorded at intake (see ``find_repeat``) and never
    changed after. Unlike a duplicate, a repeat is a new issue that counts as any other."""
    dispatches: tuple[Dispatch, ...] = attrs.field(
        default=(), validator=items_of(of_type(Dispatch))
    )
    """The work handed down to units under the responsible one (二级/三级承办), oldest first."""
    routed: RoutedTransfer | None = attrs.field(
        default=None, validator=of_type(RoutedTransfer, optional=True)
    )
    """The first routed transfer made before the recorded history begins (an issue
    read from a ledger file, which keeps no steps): what :meth:`routing_as_of`
    reads when the history has none. Steps never set it; ``None`` for most issues."""
    history: tuple[Event, ...] = attrs.field(default=(), validator=items_of(of_type(Event)))

    def __attrs_post_init__(self) -> None:
        if not _RULES_DEFERRED.get():
            check_issue(self.as_record())

    def __delattr__(self, name: str) -> None:
        raise InvalidTypeError(
            field=f"Issue.{name}",
            value=None,
            problem="cannot be deleted",
            hint="Set it to None or to its default instead.",
        )

    @property
    def progress(self) -> Rate:
        """The share of milestone weight done (``—`` when there are no milestones)."""
        return milestone_progress(self.milestones)

    def as_record(self) -> dict[str, Any]:
        """The fields as a plain dict (a shallow copy; the values are shared)."""
        return {field.name: getattr(self, field.name) for field in attrs.fields(Issue)}

    def update(self, **changes: Any) -> None:
        """Set several fields at once: all are checked together, and if any check
        fails nothing changes.

        This is how to move fields that must agree, such as closing an issue::

            issue.update(status=IssueStatus.CLOSED, closed_at=moment)
        """
        names = {field.name for field in attrs.fields(Issue)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise InvalidValueError(
                field="Issue.update", value=unknown, problem="names fields an Issue does not have"
            )
        deferred = _RULES_DEFERRED.set(True)
        try:
            candidate = attrs.evolve(self, **changes)  # each field's own checks
        finally:
            _RULES_DEFERRED.reset(deferred)
        check_issue(candidate.as_record(), changed=frozenset(changes))
        for name in changes:
            # Already checked as a whole on the candidate; bypass the per-field hooks.
            object.__setattr__(self, name, getattr(candidate, name))

    # -- the issue as it stood at a moment -------------------------------------------------
    #
    # Rates are asked "as of" a moment. With a history, the answer is read off the
    # events. Without one (a ledger imported from a spreadsheet), the issue is taken
    # to have had its current status since it was received, except that a closed
    # issue counts as in progress before its closed_at.

    def status_as_of(self, moment: DateTime | None = None) -> IssueStatus | None:
        """The status at ``moment`` (now if ``None``); ``None`` if not yet received."""
        moment = optional_moment(moment, field="Issue.status_as_of.moment")
        if moment is None:
            return self.status
        if moment < self.received_at:
            return None
        if self.history:
            seen = bisect_right(self.history, moment, key=_at)
            # An Issue's history holds issue events only (see _issue_rules).
            if seen == 0:
                return cast(IssueStatus, self.history[0].from_status or IssueStatus.RECEIVED)
            return cast(IssueStatus, self.history[seen - 1].to_status)
        if self.closed_at is not None and moment < self.closed_at:
            return IssueStatus.IN_PROGRESS
        return self.status

    def closed_at_as_of(self, moment: DateTime | None = None) -> DateTime | None:
        """When the issue was last closed, if it stood closed at ``moment``.

        ``None`` if it was open then, or if the closure happened before the first
        recorded event (a history imported mid-life), so its time is unknown.
        """
        if self.status_as_of(moment) is not IssueStatus.CLOSED:
            return None
        if not self.history:
            return self.closed_at
        closures = (event.at for event in reversed(self._events_until(moment)) if is_closure(event))
        return next(closures, None)

    def deadline_as_of(self, moment: DateTime | None = None) -> DateTime | None:
        """The deadline in force at ``moment``: the one set by the last transfer,
        signing, redo or extension (延期) recorded by then.

        An issue whose history records no deadline (one built by hand, or
        imported without its steps) has only ``deadline`` to go by.
        """
        moment = optional_moment(moment, field="Issue.deadline_as_of.moment")
        if moment is None or not any(sets_deadline(event) for event in self.history):
            return self.deadline
        deadline: DateTime | None = None
        for event in self._events_until(moment):
            text = event.data.get("deadline")
            if text is not None:
                deadline = parse_instant(str(text), field="Event.data.deadline")
            elif event.name == "send_back":
                deadline = None
        return deadline

    def deadline_provisional_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the deadline in force at ``moment`` (see :meth:`deadline_as_of`)
        was counted through a provisional year, with no official holiday schedule
        yet: it may be restated (``restate_deadline``) once the schedule is out."""
        moment = optional_moment(moment, field="Issue.deadline_provisional_as_of.moment")
        events = self.history if moment is None else self._events_until(moment)
        for event in reversed(events):
            if sets_deadline(event):
                return event.data.get("provisional") is True
        return False

    def signed_for_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether a responsible unit had taken the issue on (办理中 or later) by ``moment``."""
        return self._reached(SIGNED_FOR_STATUSES, moment)

    def transferred_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the issue had been transferred to a unit by ``moment``."""
        if self.history:
            return self._reached({IssueStatus.TRANSFERRED}, moment)
        status = self.status_as_of(moment)
        return status is not None and status not in (IssueStatus.RECEIVED, IssueStatus.DISMISSED)

    def returned_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether a unit had sent the issue back (退回) by ``moment``."""
        return self._reached({IssueStatus.RETURNED}, moment)

    def routing_as_of(self, moment: DateTime | None = None) -> RoutedTransfer | None:
        """The issue's first routed transfer (one naming a ``routing_rule``) by
        ``moment``, with whether the unit had sent it back by then; ``None`` if
        it had none (see :mod:`routed_transfer` for why the first).

        One recorded in ``routed`` predates the history, so it is the first, from
        its own moment on, as it was recorded (sent back or not).
        """
        moment = optional_moment(moment, field="Issue.routing_as_of.moment")
        routed = self.routed
        if routed is not None and (moment is None or routed.at <= moment):
            return routed
        return first_routed_transfer(self._events_until(moment))

    def redone_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the issue had been sent back for a redo (重办) after an answer by ``moment``.

        Without a history (an issue imported from a spreadsheet), a ``round``
        past the first is the only trace of a redo, and counts as one.
        """
        if not self.history:
            return self.round > 1 and self.status_as_of(moment) is not None
        return any(
            event.from_status in NEEDS_FEEDBACK and event.to_status is IssueStatus.IN_PROGRESS
            for event in self._events_until(moment)
        )

    def answer_times(self) -> tuple[DateTime, ...]:
        """When each answer in ``feedback`` counts from, in the same order.

        An answer counts from the ``answer`` step that recorded it (the event's
        moment), not from ``Feedback.at``, which may be earlier: a figure asked as
        of a moment then reads what the record showed at that moment. Answers
        given before the recorded history begins (an issue imported without its
        steps, or with a history recorded from mid-life) have only their
        ``Feedback.at`` to go by.
        """
        steps = [event.at for event in self.history if event.name == "answer"]
        before = len(self.feedback) - len(steps)
        if before < 0:  # more answer steps than answers: a hand-edited history
            steps = steps[-len(self.feedback) :] if self.feedback else []
            before = 0
        return (*(item.at for item in self.feedback[:before]), *steps)

    def answered_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the requester had been answered by ``moment`` (in any round),
        each answer counted from its step (see :meth:`answer_times`)."""
        moment = optional_moment(moment, field="Issue.answered_as_of.moment")
        return any(moment is None or at <= moment for at in self.answer_times())

    def answered_at_as_of(self, moment: DateTime | None = None) -> DateTime | None:
        """When the answer of the round standing at ``moment`` was given, if the
        issue stood answered (已反馈) or closed then; ``None`` otherwise, or if
        no answer is on record by then.

        This is where the handling unit's clock stops: an answered item is not
        overdue, and a closed one was completed on time when this answer came by
        its deadline (see docs/metrics.md).
        """
        moment = optional_moment(moment, field="Issue.answered_at_as_of.moment")
        if self.status_as_of(moment) not in NEEDS_FEEDBACK:
            return None
        given = [at for at in self.answer_times() if moment is None or at <= moment]
        return max(given, default=None)

    def latest_evaluation_as_of(self, moment: DateTime | None = None) -> Evaluation | None:
        """The most recent live evaluation given by ``moment``: the one that counts.

        A rating voided on appeal by ``moment`` is passed over.
        """
        given = self.live_evaluations_as_of(moment)
        return max(given, key=lambda e: (e.round, e.at)) if given else None

    def live_evaluations_as_of(self, moment: DateTime | None = None) -> tuple[Evaluation, ...]:
        """The evaluations given by ``moment`` and not voided on appeal by then,
        each counted from its step (see :meth:`evaluation_times`)."""
        moment = optional_moment(moment, field="Issue.live_evaluations_as_of.moment")
        voided = self.voided_ratings_as_of(moment)
        times = self.evaluation_times() if moment is not None else ()
        return tuple(
            e
            for index, e in enumerate(self.evaluations)
            if (moment is None or times[index] <= moment) and index not in voided
        )

    def evaluation_times(self) -> tuple[DateTime, ...]:
        """When each rating in ``evaluations`` counts from, in the same order: the
        ``rate`` step that recorded it (as an answer counts from its ``answer``
        step, see :meth:`answer_times`), or ``Evaluation.at`` for a rating given
        before the recorded history begins."""
        steps = [event.at for event in self.history if event.name == "rate"]
        before = len(self.evaluations) - len(steps)
        if before < 0:  # more rate steps than ratings: a hand-edited history
            steps = steps[-len(self.evaluations) :] if self.evaluations else []
            before = 0
        return (*(item.at for item in self.evaluations[:before]), *steps)

    def confidential_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the issue was confidential (保密件) at ``moment`` (now if ``None``):
        the first ``mark_confidential`` or ``unmark_confidential`` after ``moment``
        says what the flag was before it; with none, it was as it is."""
        moment = optional_moment(moment, field="Issue.confidential_as_of.moment")
        if moment is not None:
            for event in self.history[bisect_right(self.history, moment, key=_at) :]:
                if event.name in CONFIDENTIAL_MARKS:
                    return not CONFIDENTIAL_MARKS[event.name]
        return self.confidential

    def excluded_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether a reviewer had approved leaving the issue out of the assessment
        by ``moment`` (ever, if ``None``): it then counts in every count but in
        no assessed rate's denominator."""
        moment = optional_moment(moment, field="Issue.excluded_as_of.moment")
        return any(item.approved_by(moment) for item in self.exclusions)

    def visit_answers_as_of(self, moment: DateTime | None = None) -> "Visit | None":
        """The latest follow-up visit made by ``moment`` that reached the
        requester: the one whose answers the 回访 rates count; ``None`` if none."""
        moment = optional_moment(moment, field="Issue.visit_answers_as_of.moment")
        reached = [
            visit
            for visit in self.visits
            if visit.done_by(moment) and visit.outcome is not VisitOutcome.UNREACHABLE
        ]
        return max(reached, key=lambda visit: visit.done_at or self.received_at, default=None)

    def voided_ratings_as_of(self, moment: DateTime | None = None) -> frozenset[int]:
        """Positions in ``evaluations`` of the ratings voided on appeal by ``moment``."""
        return frozenset(appeal.rating for appeal in self.appeals if appeal.voided_by(moment))

    def merged_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the issue stood dismissed as a duplicate (重复件, 并件) of an
        original (``duplicate_of``) at ``moment``: counted once, through the original."""
        return self.duplicate_of is not None and self.status_as_of(moment) is IssueStatus.DISMISSED

    def dispatches_as_of(self, moment: DateTime | None = None) -> tuple[Dispatch, ...]:
        """The dispatches made by ``moment``, each as it stood then (see ``Dispatch.as_of``)."""
        moment = optional_moment(moment, field="Issue.dispatches_as_of.moment")
        if moment is None:
            return self.dispatches
        stood = (dispatch.as_of(moment) for dispatch in self.dispatches)
        return tuple(dispatch for dispatch in stood if dispatch is not None)

    def _events_until(self, moment: DateTime | None) -> tuple[Event, ...]:
        moment = optional_moment(moment, field="moment")
        if moment is None:
            return self.history
        return self.history[: bisect_right(self.history, moment, key=_at)]

    def _reached(
        self, statuses: frozenset[IssueStatus] | set[IssueStatus], moment: DateTime | None
    ) -> bool:
        status = self.status_as_of(moment)
        if status is None:
            return False
        if status in statuses:
            return True
        # A history recorded from mid-life starts from a status reached before it.
        if self.history and self.history[0].from_status in statuses:
            return True
        return any(event.to_status in statuses for event in self._events_until(moment))
