"""The closed loop (闭环) as one state machine: the single definition of the workflow.

:class:`IssueWorkflow` declares every status, every step between them, and the
checks on each step. The ledger's bulk engine, the diagram and the docs' table
of transitions are all read off this class (see ``_transition_table``).
"""

from typing import Any, ClassVar

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from . import _guards as g
from . import _role_checks as who
from ._effects import settle
from ._errors import InvalidTypeError, TransitionRefusedError
from ._issue import Issue
from ._policy import DEFAULT_POLICY, WorkflowPolicy
from ._status import IssueStatus
from ._step import EVENT_ARGUMENTS, Step, make_step
from ._time import Clock, SystemClock, check_clock

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
)
"""The fields a model must have for the workflow to read and change it."""


class IssueWorkflow(StateMachine):
    """The life of an issue, from receipt to closure, on any of the four tracks.

    Bind it to the object that holds the issue: a :class:`Issue`, or your own
    record (an ORM row, a dict-backed object) with the fields in
    ``MODEL_FIELDS`` and a status field named by ``state_field``. Each step is
    a method taking the actor, the moment (``at``, defaulting to the clock's
    now), a ``note`` and the step's own arguments::

        workflow = IssueWorkflow(issue, clock=clock)
        workflow.transfer(actor=dispatcher, unit="water-bureau", deadline=due)

    A step returns its audit :class:`Event`, which is also appended to the
    model's ``history``. A refused step raises a :class:`WorkflowError` (or an
    input error for bad arguments) and changes nothing.

    No path reaches 已办结 (closed) without an answer: closing is only possible
    from 已反馈 (answered), and only ``answer``, which needs a ``Feedback``,
    leads there.
    """

    received = State("已受理", value=IssueStatus.RECEIVED, initial=True)
    transferred = State("已转办", value=IssueStatus.TRANSFERRED)
    in_progress = State("办理中", value=IssueStatus.IN_PROGRESS)
    resolved = State("已办理", value=IssueStatus.RESOLVED)
    answered = State("已反馈", value=IssueStatus.ANSWERED)
    closed = State("已办结", value=IssueStatus.CLOSED)
    returned = State("已退回", value=IssueStatus.RETURNED)
    dismissed = State("不予受理", value=IssueStatus.DISMISSED, final=True)

    transfer = received.to(
        transferred, validators=[who.by_dispatcher, g.transfer_complete, g.transfer_milestones]
    ) | returned.to(
        transferred, validators=[who.by_dispatcher, g.transfer_complete, g.transfer_milestones]
    )
    sign_for = transferred.to(
        in_progress, validators=[who.by_responsible_handler, g.deadline_later]
    ) | received.to(in_progress, validators=[who.by_receiving_handler, g.self_sign_allowed])
    send_back = transferred.to(returned, validators=[who.by_responsible_handler]) | in_progress.to(
        returned, validators=[who.by_responsible_handler]
    )
    dismiss = (
        received.to(dismissed, validators=[who.by_dismisser, g.dismissal_grounds])
        | transferred.to(dismissed, validators=[who.by_dismisser, g.dismissal_grounds])
        | returned.to(dismissed, validators=[who.by_dismisser, g.dismissal_grounds])
        | in_progress.to(dismissed, validators=[who.by_dismisser, g.dismissal_grounds])
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
        answered.to(closed, validators=[who.by_rater, g.rating_due], cond=[g.rating_closes])
        | answered.to.itself(validators=[who.by_rater, g.rating_due])
        | closed.to.itself(validators=[who.by_rater, g.rating_due])
    )
    close = answered.to(closed, validators=[who.by_closer, g.closure_allowed])
    redo = answered.to(in_progress, validators=[who.by_redo_orderer, g.redo_warranted]) | closed.to(
        in_progress, validators=[who.by_redo_orderer, g.redo_warranted]
    )

    model_fields: ClassVar[tuple[str, ...]] = MODEL_FIELDS

    def __init__(
        self,
        model: Any,
        *,
        state_field: str = "status",
        policy: WorkflowPolicy = DEFAULT_POLICY,
        clock: Clock | None = None,
    ) -> None:
        if not isinstance(policy, WorkflowPolicy):
            raise InvalidTypeError(
                field="IssueWorkflow.policy", value=policy, problem="must be a WorkflowPolicy"
            )
        check_clock(clock, field="IssueWorkflow.clock")
        if not isinstance(state_field, str) or not state_field:
            raise InvalidTypeError(
                field="IssueWorkflow.state_field", value=state_field, problem="must be a name"
            )
        if isinstance(model, Issue) and state_field != "status":
            raise InvalidTypeError(
                field="IssueWorkflow.state_field",
                value=state_field,
                problem="must be 'status' for an Issue",
            )
        missing = [name for name in MODEL_FIELDS if not hasattr(model, name)]
        if missing:
            raise InvalidTypeError(
                field="IssueWorkflow.model",
                value=model,
                problem=f"lacks the fields {missing}",
                hint="Give it every field in IssueWorkflow.model_fields.",
            )
        self.policy = policy
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._pending: tuple[object, Step] | None = None
        super().__init__(model=model, state_field=state_field)

    # -- callbacks python-statemachine calls ----------------------------------------------

    def prepare_event(self, event_data: Any) -> dict[str, Step]:
        """Check the request once per event and hand every check the same Step."""
        trigger = event_data.trigger_data
        if str(trigger.event) not in EVENT_ARGUMENTS:
            return {}  # entering the initial state of a record that had none: not a step
        pending = self._pending
        if pending is None or pending[0] is not trigger:
            pending = (trigger, self._step(trigger, event_data.transition.source.value))
            self._pending = pending
        return {"step": pending[1]}

    def on_transition(self, model: Any, step: Step, target: State) -> Any:
        """Apply the accepted step: its effect, the status, closed_at and the audit event."""
        changes = settle(model, step, target.value)
        event = step.to_event()
        if isinstance(model, Issue):
            model.update(status=step.target, history=(*model.history, event), **changes)
            return event
        if not hasattr(model, "closed_at"):
            del changes["closed_at"]
        for name, value in changes.items():
            setattr(model, name, value)
        if hasattr(model, "history"):
            model.history = (*model.history, event)
        return event

    # -- helpers ----------------------------------------------------------------------------

    def _step(self, trigger: Any, source: IssueStatus) -> Step:
        kwargs = dict(trigger.kwargs)
        event = str(trigger.event)
        if trigger.args:
            raise InvalidTypeError(
                field=f"{event}.args",
                value=trigger.args,
                problem="must be given by name",
                hint="Call e.g. transfer(actor=..., unit=..., deadline=...).",
            )
        actor = kwargs.pop("actor", None)
        at = kwargs.pop("at", None)
        note = kwargs.pop("note", "")
        return make_step(
            event,
            IssueStatus(source),
            actor,
            self.clock.now() if at is None else at,
            note,
            kwargs,
            not_before=last_moment(self.model),
            policy=self.policy,
        )

    # python-statemachine raises its own TransitionNotAllowed from these two entry
    # points (every event goes through both); the library's callers get a
    # TransitionRefusedError instead.

    def _put_nonblocking(self, trigger_data: Any, internal: bool = False) -> None:
        try:
            super()._put_nonblocking(trigger_data, internal=internal)
        except TransitionNotAllowed as refused:
            name = str(refused.event) if refused.event is not None else "event"
            raise refusal(name, IssueStatus(self.current_state_value)) from None

    def _processing_loop(self, caller_future: Any = None) -> Any:
        try:
            return super()._processing_loop(caller_future)
        except TransitionNotAllowed as refused:
            name = str(refused.event) if refused.event is not None else "event"
            raise refusal(name, IssueStatus(self.current_state_value)) from None
        finally:
            self._pending = None


def last_moment(model: Any) -> Any:
    """The latest moment on a model's record: its last event, or its receipt."""
    history = getattr(model, "history", None)
    return history[-1].at if history else model.received_at


def refusal(event: str, status: IssueStatus) -> TransitionRefusedError:
    """The error for ``event`` asked of an issue in ``status`` where it cannot happen."""
    if event not in EVENT_ARGUMENTS:
        return TransitionRefusedError(
            field="event",
            value=event,
            problem="is not a workflow event",
            hint=f"Choose one of {', '.join(EVENT_ARGUMENTS)}.",
        )
    allowed = allowed_events(status)
    return TransitionRefusedError(
        field=f"{event}.status",
        value=status,
        problem=f"does not allow {event}",
        hint=f"From {status.label} the steps are: {', '.join(allowed) or 'none (it is final)'}.",
    )


def allowed_events(status: IssueStatus) -> list[str]:
    """The events that may follow ``status``, in the order the class declares them."""
    state = IssueWorkflow.states_map[status]
    return list(dict.fromkeys(str(event) for t in state.transitions for event in t.events))
