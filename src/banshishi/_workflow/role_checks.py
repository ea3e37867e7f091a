"""Who may take each workflow step: the role checks that :class:`IssueWorkflow`
names first on every transition.

Each is a validator of ``(model, step)`` built by :func:`role_check`: the actor
must act in one of its roles and, for some, for the right unit or as the right
person. ``ROLE_CHECKS`` keeps, for each, the roles it admits and who that is in
words, which the docs' table of transitions reads.
"""

from collections.abc import Callable, Iterable
from typing import Any

from banshishi._core.errors import RoleError
from banshishi._model.dispatch import open_chain
from banshishi._model.people import Role
from banshishi._model.vocabulary import DismissalReason

from .step import Step

Check = Callable[[Any, Step], None]


ROLE_CHECKS: dict[Check, tuple[frozenset[Role], str]] = {}
"""For each role check: the roles it lets through and who that is, in words.
The docs' table of transitions reads who may take each step from here."""


def role_check(name: str, roles: Iterable[Role], who: str, also: Check | None = None) -> Check:
    """A validator saying who may take a step: one of ``roles`` and, when ``also``
    is given, passing that further check (the right unit, the right person)."""
    allowed = frozenset(roles)

    def check(model: Any, step: Step) -> None:
        if step.actor.role not in allowed:
            raise RoleError(
                field=f"{step.event}.actor.role",
                value=step.actor.role,
                problem=f"may not {step.event.replace('_', ' ')} this {step.steps.subject.value}",
                hint=f"Only {who} may.",
            )
        if also is not None:
            also(model, step)

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"Only {who} may take this step."
    ROLE_CHECKS[check] = (allowed, who)
    return check


def _refuse_unit(step: Step, problem: str, hint: str) -> RoleError:
    return RoleError(
        field=f"{step.event}.actor.unit", value=step.actor.unit, problem=problem, hint=hint
    )


def _of_responsible_unit(model: Any, step: Step) -> None:
    unit = model.responsible_unit
    if step.actor.role is Role.HANDLER and (unit is None or step.actor.unit != unit):
        raise _refuse_unit(
            step,
            "is not the responsible unit",
            f"Only a handler of {model.responsible_unit!r} may act on this issue.",
        )


def _of_receiving_unit(model: Any, step: Step) -> None:
    if model.received_by is None or step.actor.unit != model.received_by:
        raise _refuse_unit(
            step,
            "is not the unit that received the issue",
            f"Only a handler of the receiving unit {model.received_by!r} may sign for it "
            "without a transfer.",
        )


def _of_co_unit(model: Any, step: Step) -> None:
    if step.actor.unit not in model.co_units:
        raise _refuse_unit(
            step, "is not a co-unit of this issue", f"The co-units are {list(model.co_units)}."
        )


def _is_assigned_supervisor(model: Any, step: Step) -> None:
    actor = step.actor
    if model.supervisor is not None:
        if actor.id != model.supervisor:
            raise RoleError(
                field=f"{step.event}.actor.id",
                value=actor.id,
                problem="is not the issue's supervisor",
                hint=f"Only {model.supervisor!r} may sign it off.",
            )
    elif model.supervising_unit is None or actor.unit != model.supervising_unit:
        raise _refuse_unit(
            step,
            "is not the supervising unit",
            f"Only a supervisor of {model.supervising_unit!r} may sign it off.",
        )


def _may_dismiss(model: Any, step: Step) -> None:
    if step.actor.role is not Role.REQUESTER:
        return
    if step.args["reason"] is not DismissalReason.WITHDRAWN:
        raise RoleError(
            field=f"{step.event}.actor.role",
            value=step.actor.role,
            problem="may only withdraw an issue, not dismiss it otherwise",
        )
    _is_requester(model, step)


def _is_requester(model: Any, step: Step) -> None:
    if step.actor.role is not Role.REQUESTER:
        return
    requester = model.requester
    if requester is None or requester.id != step.actor.id:
        raise RoleError(
            field=f"{step.event}.actor.id",
            value=step.actor.id,
            problem="is not the person who raised the issue",
            hint="An anonymous issue can be rated by a reviewer."
            if requester is None
            else "Only the requester, or a reviewer, may.",
        )


by_receiver = role_check(
    "by_receiver",
    {Role.REQUESTER, Role.INTAKE_CLERK, Role.DISPATCHER, Role.HANDLER, Role.SYSTEM},
    "the requester, an intake clerk, a dispatcher, a handler or the platform",
)
by_dispatcher = role_check("by_dispatcher", {Role.DISPATCHER}, "a dispatcher")
by_responsible_handler = role_check(
    "by_responsible_handler",
    {Role.HANDLER},
    "a handler of the responsible unit",
    _of_responsible_unit,
)
by_receiving_handler = role_check(
    "by_receiving_handler", {Role.HANDLER}, "a handler of the receiving unit", _of_receiving_unit
)
by_co_unit_handler = role_check(
    "by_co_unit_handler", {Role.HANDLER}, "a handler of a co-unit", _of_co_unit
)
by_assigned_supervisor = role_check(
    "by_assigned_supervisor", {Role.SUPERVISOR}, "the assigned supervisor", _is_assigned_supervisor
)
by_urger = role_check(
    "by_urger",
    {Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER, Role.SYSTEM},
    "a supervisor, a dispatcher, a leader or the platform",
)
by_system = role_check("by_system", {Role.SYSTEM}, "the platform itself")
by_escalator = role_check(
    "by_escalator",
    {Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.SYSTEM},
    "a dispatcher, a supervisor, a leader or the platform",
)
by_dispatcher_or_leader = role_check(
    "by_dispatcher_or_leader", {Role.DISPATCHER, Role.LEADER}, "a dispatcher or a leader"
)
by_dismisser = role_check(
    "by_dismisser",
    {Role.DISPATCHER, Role.INTAKE_CLERK, Role.REQUESTER},
    "a dispatcher or an intake clerk (or the requester, to withdraw it)",
    _may_dismiss,
)
by_planner = role_check(
    "by_planner",
    {Role.HANDLER, Role.DISPATCHER},
    "a handler of the responsible unit or a dispatcher",
    _of_responsible_unit,
)
by_answerer = role_check(
    "by_answerer",
    {Role.HANDLER, Role.DISPATCHER, Role.INTAKE_CLERK},
    "a handler of the responsible unit, a dispatcher or an intake clerk",
    _of_responsible_unit,
)
by_rater = role_check(
    "by_rater",
    {Role.REQUESTER, Role.RATER, Role.REVIEWER},
    "the requester, a rater the policy allows, or a reviewer recording a rating",
    _is_requester,
)
by_closer = role_check(
    "by_closer",
    {Role.REVIEWER, Role.DISPATCHER, Role.SYSTEM},
    "a reviewer (verified closure), or a dispatcher or the platform once the "
    "evaluation window has passed",
)
by_redo_orderer = role_check(
    "by_redo_orderer",
    {Role.DISPATCHER, Role.REVIEWER, Role.SUPERVISOR},
    "a dispatcher, a reviewer or a supervisor",
)
by_extension_approver = role_check(
    "by_extension_approver",
    {Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER},
    "a dispatcher, a supervisor or a leader (who approve extensions)",
)
by_reviewer = role_check("by_reviewer", {Role.REVIEWER}, "a reviewer (who decides appeals)")
by_appellant = role_check(
    "by_appellant",
    {Role.HANDLER},
    "a handler of the responsible unit (who may appeal a rating)",
    _of_responsible_unit,
)
by_visit_planner = role_check(
    "by_visit_planner",
    {Role.DISPATCHER, Role.REVIEWER, Role.INTAKE_CLERK, Role.SYSTEM},
    "a dispatcher, a reviewer, an intake clerk or the platform",
)
by_visitor = role_check(
    "by_visitor",
    {Role.REVIEWER, Role.INTAKE_CLERK, Role.DISPATCHER},
    "a reviewer, an intake clerk or a dispatcher (who make follow-up visits)",
)
by_exclusion_requester = role_check(
    "by_exclusion_requester",
    {Role.HANDLER, Role.DISPATCHER},
    "a handler of the responsible unit, or a dispatcher (who may ask to leave it out of the"
    " assessment)",
    _of_responsible_unit,
)
by_marker = role_check(
    "by_marker",
    {Role.DISPATCHER, Role.INTAKE_CLERK, Role.LEADER},
    "a dispatcher, an intake clerk or a leader (who may mark a matter confidential)",
)


# -- multi-level dispatch (二级/三级承办) -------------------------------------------------


def _holds_work(model: Any, step: Step) -> None:
    chain = [model.responsible_unit, *(item.unit for item in open_chain(model.dispatches))]
    if step.actor.unit is None or step.actor.unit not in chain:
        raise _refuse_unit(
            step,
            "does not hold the work",
            f"Only a handler of the responsible unit or of a unit it was handed down to "
            f"({[unit for unit in chain if unit is not None]}) may hand it down.",
        )


def _of_dispatched_unit(model: Any, step: Step) -> None:
    held = [item.unit for item in open_chain(model.dispatches)]
    if step.actor.unit not in held:
        raise _refuse_unit(
            step,
            "was not handed the work",
            f"Only a handler of a unit the work is with ({held}) may answer it up or hand it back.",
        )


by_work_holder = role_check(
    "by_work_holder",
    {Role.HANDLER},
    "a handler of the unit holding the work (the responsible unit, or the unit it was "
    "last handed down to)",
    _holds_work,
)
by_dispatched_handler = role_check(
    "by_dispatched_handler",
    {Role.HANDLER},
    "a handler of the unit the work was handed down to",
    _of_dispatched_unit,
)
