"""The closed loop (闭环) as one state machine: the single definition of the workflow.

:class:`IssueWorkflow` declares every status, every step between them, and the
checks on each step. The ledger's bulk engine, the diagram and the docs' table
of transitions are all read off this class (see ``_transition_table``).
"""

from types import MappingProxyType
from typing import ClassVar

from statemachine import State

from banshishi._core.errors import TransitionRefusedError
from banshishi._model.issue import Issue
from banshishi._model.vocabulary import IssueStatus, Track

from . import assessment_checks as a
from . import completion as fill
from . import dispatch_checks as d
from . import evaluation_checks as e
from . import guards as g
from . import role_checks as who
from .effects import settle
from .issue_arguments import ISSUE_STEPS
from .machine import RecordMachine, loops
from .machine import allowed_events as _allowed
from .machine import refusal as _refusal

MODEL_FIELDS = (
    "id",
    "received_at",
    "received_by",
    "track",
    "requester",
    "responsible_unit",
    "responsible_person",
    "requirements",
    "deadline",
    "co_units",
    "parts_reported",
    "supervising_unit",
    "supervisor",
    "signed_off_by",
    "milestones",
    "round",
    "duplicate_of",
    "feedback",
    "evaluations",
    "rectifications",
    "appeals",
    "visits",
    "exclusions",
    "confidential",
    "dispatches",
)
"""The fields a model must have for the workflow to read and change it."""


class IssueWorkflow(RecordMachine):
    """The life of an issue, from receipt to closure, on any of the four tracks.

    Bind it to the object that holds the issue: a :class:`Issue`, or your own
    record (an ORM row, a dict-backed object) with the fields in
    ``model_fields`` and a status field named by ``state_field``. Each step is
    a method taking the actor, the moment (``at``, defaulting to the clock's
    now), a ``note`` and the step's own arguments::

        workflow = IssueWorkflow(issue, clock=clock)
        workflow.transfer(actor=dispatcher, unit="water-bureau", deadline=due)

    A step returns its audit :class:`Event`, which is also added to the
    model's ``history``: the field is replaced by a tuple holding one more event
    (a list you bound is not appended to in place). A refused step raises a
    :class:`WorkflowError` (or an input error for bad arguments) and changes
    nothing.

    No path reaches 已办结 (closed) without an answer: closing is only possible
    from 已反馈 (answered), and only ``answer``, which needs a ``Feedback``,
    leads there. A bad rating, a follow-up visit that finds the problem
    unresolved, or an order to redo sends the item back to 办理中 for
    rectification (整改), in a new round.
    """

    received = State("已受理", value=IssueStatus.RECEIVED, initial=True)
    transferred = State("已转办", value=IssueStatus.TRANSFERRED)
    in_progress = State("办理中", value=IssueStatus.IN_PROGRESS)
    resolved = State("已办理", value=IssueStatus.RESOLVED)
    answered = State("已反馈", value=IssueStatus.ANSWERED)
    closed = State("已办结", value=IssueStatus.CLOSED)
    returned = State("已退回", value=IssueStatus.RETURNED)
    dismissed = State("不予受理", value=IssueStatus.DISMISSED, final=True)
    # Where an appeal may be decided: anywhere but before any transfer and after a
    # dismissal (a check asks for a pending appeal). It is filed where a unit is
    # responsible for the item, by that unit.
    _RATED = (transferred, in_progress, resolved, answered, closed, returned)
    _HANDLED = (in_progress, resolved, answered, closed)
    _LIVE = (received, transferred, in_progress, resolved, answered, closed, returned)

    transfer = received.to(
        transferred, validators=[who.by_dispatcher, g.transfer_complete, g.transfer_milestones]
    ) | returned.to(
        transferred, validators=[who.by_dispatcher, g.transfer_complete, g.transfer_milestones]
    )
    sign_for = transferred.to(
        in_progress, validators=[who.by_responsible_handler, g.deadline_later]
    ) | received.to(in_progress, validators=[who.by_receiving_handler, g.self_sign_allowed])
    send_back = transferred.to(returned, validators=[who.by_responsible_handler]) | in_progress.to(
        returned, validators=[who.by_responsible_handler, g.chain_clear]
    )
    dismiss = (
        received.to(dismissed, validators=[who.by_dismisser, g.dismissal_grounds])
        | transferred.to(dismissed, validators=[who.by_dismisser, g.dismissal_grounds])
        | returned.to(dismissed, validators=[who.by_dismisser, g.dismissal_grounds])
        | in_progress.to(
            dismissed, validators=[who.by_dismisser, g.dismissal_grounds, g.chain_clear]
        )
    )
    report_part = in_progress.to.itself(validators=[who.by_co_unit_handler, g.part_due])
    urge = (
        transferred.to.itself(validators=[who.by_urger])
        | in_progress.to.itself(validators=[who.by_urger])
        | resolved.to.itself(validators=[who.by_urger])
    )
    sign_off = in_progress.to.itself(validators=[who.by_assigned_supervisor, g.sign_off_due])
    extend = transferred.to.itself(
        validators=[who.by_extension_approver, g.extension_allowed]
    ) | in_progress.to.itself(validators=[who.by_extension_approver, g.extension_allowed])
    restate_deadline = (
        transferred.to.itself(validators=[who.by_system, g.restatement_due])
        | in_progress.to.itself(validators=[who.by_system, g.restatement_due])
        | resolved.to.itself(validators=[who.by_system, g.restatement_due])
        | answered.to.itself(validators=[who.by_system, g.restatement_due])
    )
    escalate = transferred.to.itself(
        validators=[who.by_escalator, g.escalation_allowed]
    ) | in_progress.to.itself(validators=[who.by_escalator, g.escalation_allowed])
    change_track = (
        received.to.itself(validators=[who.by_dispatcher_or_leader, g.track_change_allowed])
        | transferred.to.itself(validators=[who.by_dispatcher_or_leader, g.track_change_allowed])
        | in_progress.to.itself(validators=[who.by_dispatcher_or_leader, g.track_change_allowed])
        | returned.to.itself(validators=[who.by_dispatcher_or_leader, g.track_change_allowed])
    )
    add_milestones = transferred.to.itself(
        validators=[who.by_planner, g.milestones_fit]
    ) | in_progress.to.itself(validators=[who.by_planner, g.milestones_fit])
    complete_milestone = in_progress.to.itself(
        validators=[who.by_responsible_handler, g.milestone_open]
    )
    resolve = in_progress.to(resolved, validators=[who.by_responsible_handler, g.work_done])
    answer = resolved.to(answered, validators=[who.by_answerer, g.feedback_in_time])
    rate = (
        answered.to(closed, validators=[who.by_rater, e.rating_due], cond=[e.rating_closes])
        | answered.to(
            in_progress, validators=[who.by_rater, e.rating_due], cond=[e.rating_rectifies]
        )
        | answered.to.itself(validators=[who.by_rater, e.rating_due])
        | closed.to(in_progress, validators=[who.by_rater, e.rating_due], cond=[e.rating_rectifies])
        | closed.to.itself(validators=[who.by_rater, e.rating_due])
    )
    close = answered.to(closed, validators=[who.by_closer, g.closure_allowed])
    redo = answered.to(in_progress, validators=[who.by_redo_orderer, e.redo_warranted]) | closed.to(
        in_progress, validators=[who.by_redo_orderer, e.redo_warranted]
    )
    appeal = loops(_HANDLED, [who.by_appellant, e.appeal_allowed])
    void_rating = loops(_RATED, [who.by_reviewer, e.appeal_pending])
    reject_appeal = loops(_RATED, [who.by_reviewer, e.appeal_pending])
    schedule_visit = answered.to.itself(
        validators=[who.by_visit_planner, e.visit_schedulable]
    ) | closed.to.itself(validators=[who.by_visit_planner, e.visit_schedulable])
    revisit = (
        answered.to(
            in_progress, validators=[who.by_visitor, e.visit_recorded], cond=[e.visit_reopens]
        )
        | answered.to.itself(validators=[who.by_visitor, e.visit_recorded])
        | closed.to(
            in_progress, validators=[who.by_visitor, e.visit_recorded], cond=[e.visit_reopens]
        )
        | closed.to.itself(validators=[who.by_visitor, e.visit_recorded])
    )
    request_exclusion = loops(_RATED, [who.by_exclusion_requester, a.exclusion_requestable])
    approve_exclusion = loops(_RATED, [who.by_reviewer, a.exclusion_pending])
    reject_exclusion = loops(_RATED, [who.by_reviewer, a.exclusion_pending])
    mark_confidential = loops(_LIVE, [who.by_marker, a.marking_changes])
    unmark_confidential = loops(_LIVE, [who.by_marker, a.marking_changes])
    # 二级/三级承办: the work handed down the chain of units and back up.
    dispatch = in_progress.to.itself(validators=[who.by_work_holder, d.dispatch_allowed])
    report_up = in_progress.to.itself(validators=[who.by_dispatched_handler, d.chain_bottom])
    hand_back = in_progress.to.itself(validators=[who.by_dispatched_handler, d.chain_bottom])

    # Completing the arguments, before any check of the step (see ``completion``).
    completions = MappingProxyType(
        {
            "transfer": fill.transfer_deadline,
            "sign_for": fill.sign_for_deadline,
            "extend": fill.extension_deadline,
            "rate": fill.rating_deadline,
            "redo": fill.rectification_deadline,
            "appeal": fill.appeal_round,
            "revisit": fill.visit_deadline,
        }
    )
    steps = ISSUE_STEPS
    model_fields: ClassVar[tuple[str, ...]] = MODEL_FIELDS
    record_type = Issue
    created_field = "received_at"
    model_vocabulary = MappingProxyType({"track": Track})
    settle = staticmethod(settle)


def refusal(event: str, status: IssueStatus) -> TransitionRefusedError:
    """The error for ``event`` asked of an issue in ``status`` where it cannot happen."""
    return _refusal(IssueWorkflow, event, status)


def allowed_events(status: IssueStatus) -> list[str]:
    """The events that may follow ``status``, in the order the class declares them."""
    return _allowed(IssueWorkflow, status)
