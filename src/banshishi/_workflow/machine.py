"""What both workflows share: binding a state machine to a record, checking each
request once, completing its arguments, applying the accepted step and keeping
the audit event.

:class:`IssueWorkflow` and :class:`PledgeWorkflow` declare their own states,
steps and checks; this base runs them. It has no states of its own, so
python-statemachine treats it as abstract.
"""

from collections.abc import Mapping
from functools import reduce
from operator import or_
from types import MappingProxyType
from typing import Any, ClassVar

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed

from banshishi._core.errors import BanshishiError, InvalidTypeError, TransitionRefusedError
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import Clock, SystemClock, check_clock
from banshishi._model.vocabulary import Status

from .completion import Completion, complete
from .policy import DEFAULT_POLICY, WorkflowPolicy, check_policy
from .step import Step, Steps, make_step


class RecordMachine(StateMachine):
    """The machinery of a workflow bound to one record. Library-internal base."""

    steps: ClassVar[Steps]
    """The workflow's steps and their arguments."""
    completions: ClassVar[Mapping[str, Completion]] = MappingProxyType({})
    """For each step that has one, how its arguments are completed before any
    check runs (see ``completion``)."""
    model_fields: ClassVar[tuple[str, ...]]
    """The fields a model must have for the workflow to read and change it."""
    record_type: ClassVar[type[Any]]
    """The library's own record class (:class:`Issue`, :class:`Pledge`)."""
    created_field: ClassVar[str]
    """The field holding the moment the record was created."""
    model_vocabulary: ClassVar[Mapping[str, type[LabelledEnum]]] = MappingProxyType({})
    """The model fields that hold a vocabulary member; text in them (as an ORM's
    text column holds it) is read as the member, like text in the status field."""

    @staticmethod
    def settle(model: Any, step: Step, target: Any) -> dict[str, Any]:
        """Accept ``step`` as going to ``target`` and return every field it changes."""
        raise NotImplementedError  # each workflow names its own (see ``_effects.settle``)

    def __init__(
        self,
        model: Any,
        *,
        state_field: str = "status",
        policy: WorkflowPolicy = DEFAULT_POLICY,
        clock: Clock | None = None,
    ) -> None:
        name = type(self).__name__
        check_policy(policy, field=f"{name}.policy")
        check_clock(clock, field=f"{name}.clock")
        if not isinstance(state_field, str) or not state_field:
            raise InvalidTypeError(
                field=f"{name}.state_field", value=state_field, problem="must be a name"
            )
        record = self.record_type.__name__
        if isinstance(model, self.record_type) and state_field != "status":
            raise InvalidTypeError(
                field=f"{name}.state_field",
                value=state_field,
                problem=f"must be 'status' for a {record}",
            )
        missing = [field for field in self.model_fields if not hasattr(model, field)]
        if missing:
            raise InvalidTypeError(
                field=f"{name}.model",
                value=model,
                problem=f"lacks the fields {missing}",
                hint=f"Give it every field in {name}.model_fields.",
            )
        self.policy = policy
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._pending: tuple[object, Step] | None = None
        self._read_vocabulary(model)
        super().__init__(model=model, state_field=state_field)

    # -- callbacks python-statemachine calls ----------------------------------------------

    def prepare_event(self, event_data: Any) -> dict[str, Step]:
        """Check the request and complete its arguments once per event, and hand
        every check the same Step."""
        trigger = event_data.trigger_data
        if str(trigger.event) not in self.steps.takes:
            return {}  # entering the initial state of a record that had none: not a step
        pending = self._pending
        if pending is None or pending[0] is not trigger:
            pending = (trigger, self._step(trigger, event_data.transition.source.value))
            self._pending = pending
        return {"step": pending[1]}

    def on_transition(self, model: Any, step: Step, target: State) -> Any:
        """Apply the accepted step: its effect, the status and the audit event."""
        changes = type(self).settle(model, step, target.value)
        event = step.to_event()
        if isinstance(model, self.record_type):
            model.update(status=step.target, history=(*model.history, event), **changes)
            return event
        for name, value in changes.items():
            if name == "closed_at" and not hasattr(model, name):
                continue  # a user's own record need not keep closed_at
            setattr(model, name, value)
        if hasattr(model, "history"):
            model.history = (*model.history, event)
        return event

    # -- helpers ----------------------------------------------------------------------------

    def _read_vocabulary(self, model: Any) -> None:
        """Turn text in the model's vocabulary fields into members, so the checks
        see the same values on any model; text that is no member is refused,
        naming the field, before anything else happens."""
        for name, kind in self.model_vocabulary.items():
            value = getattr(model, name)
            if isinstance(value, kind) or value is None:
                continue
            if not isinstance(value, str):
                raise InvalidTypeError(
                    field=f"{type(self).__name__}.model.{name}",
                    value=value,
                    problem=f"must be a {kind.__name__} or its text",
                )
            try:
                member = kind(value)
            except BanshishiError as error:
                raise error.at(f"{type(self).__name__}.model.{name}") from None
            setattr(model, name, member)  # equal to the text: an ORM writes it back the same

    def _step(self, trigger: Any, source: Status) -> Step:
        self._read_vocabulary(self.model)
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
        status_type = type(self.states[0].value)
        step = make_step(
            event,
            status_type(source),
            actor,
            self.clock.now() if at is None else at,
            note,
            kwargs,
            not_before=last_moment(self.model, self.created_field),
            policy=self.policy,
            steps=self.steps,
        )
        complete(self.completions, self.model, step)
        return step

    # python-statemachine raises its own TransitionNotAllowed from these two entry
    # points (every event goes through both); the library's callers get a
    # TransitionRefusedError instead.

    def _put_nonblocking(self, trigger_data: Any, internal: bool = False) -> None:
        try:
            super()._put_nonblocking(trigger_data, internal=internal)
        except TransitionNotAllowed as refused:
            raise self._refusal(refused) from None

    def _processing_loop(self, caller_future: Any = None) -> Any:
        try:
            return super()._processing_loop(caller_future)
        except TransitionNotAllowed as refused:
            raise self._refusal(refused) from None
        finally:
            self._pending = None

    def _refusal(self, refused: TransitionNotAllowed) -> TransitionRefusedError:
        name = str(refused.event) if refused.event is not None else "event"
        status = self.states_map[self.current_state_value].value
        return refusal(type(self), name, status)


def loops(states: tuple[State, ...], validators: list[Any]) -> Any:
    """The same step from each of ``states`` back to itself, with the same checks."""
    return reduce(or_, (state.to.itself(validators=validators) for state in states))


def moves(states: tuple[State, ...], target: State, validators: list[Any]) -> Any:
    """The same step from each of ``states`` to ``target``, with the same checks."""
    return reduce(or_, (state.to(target, validators=validators) for state in states))


def last_moment(model: Any, created_field: str = "received_at") -> Any:
    """The latest moment on a model's record: its last event, or its creation."""
    history = getattr(model, "history", None)
    return history[-1].at if history else getattr(model, created_field)


def refusal(machine: type[RecordMachine], event: str, status: Status) -> TransitionRefusedError:
    """The error for ``event`` asked of a record in ``status`` where it cannot happen."""
    if event not in machine.steps.takes:
        return TransitionRefusedError(
            field="event",
            value=event,
            problem="is not a workflow event",
            hint=f"Choose one of {', '.join(machine.steps.takes)}.",
        )
    allowed = allowed_events(machine, status)
    return TransitionRefusedError(
        field=f"{event}.status",
        value=status,
        problem=f"does not allow {event}",
        hint=f"From {status.label} the steps are: {', '.join(allowed) or 'none (it is final)'}.",
    )


def allowed_events(machine: type[RecordMachine], status: Status) -> list[str]:
    """The events that may follow ``status``, in the order the class declares them."""
    state = machine.states_map[status]
    return list(dict.fromkeys(str(event) for t in state.transitions for event in t.events))
