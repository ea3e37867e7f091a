"""Who may take each pledge step, and what else it needs: the checks
:class:`PledgeWorkflow` names on its transitions and the pledge ledger calls."""

from typing import Any

from banshishi._core.errors import ChronologyError, InconsistentRecordError, RoleError
from banshishi._model.people import Role
from banshishi._model.pledge import PledgeListKind

from .guards import deadline_after, refuse
from .role_checks import role_check
from .step import Step


def _is_pledger(model: Any, step: Step) -> None:
    actor = step.actor
    if actor.role not in (Role.LEADER, Role.PARTY_MEMBER):
        return
    if model.pledger not in (actor.id, actor.unit):
        raise RoleError(
            field=f"{step.event}.actor.id",
            value=actor.id,
            problem="is not the pledger, nor acting for it",
            hint=f"Only {model.pledger!r}, or a supervisor, may.",
        )


by_claimer = role_check(
    "by_claimer",
    {Role.LEADER, Role.PARTY_MEMBER, Role.SUPERVISOR, Role.DISPATCHER},
    "the pledger (a leader or party member, as themself or for their team or organisation), "
    "a supervisor or a dispatcher",
    _is_pledger,
)
by_pledge_keeper = role_check(
    "by_pledge_keeper",
    {Role.LEADER, Role.PARTY_MEMBER, Role.SUPERVISOR},
    "the pledger or a supervisor",
    _is_pledger,
)
by_pledge_verifier = role_check(
    "by_pledge_verifier",
    {Role.SUPERVISOR, Role.REVIEWER},
    "a supervisor or a reviewer, who verify delivery before it is struck off (销号)",
)
by_pledge_timer = role_check(
    "by_pledge_timer", {Role.SYSTEM, Role.SUPERVISOR}, "the platform or a supervisor"
)
by_pledge_extender = role_check(
    "by_pledge_extender", {Role.SUPERVISOR, Role.LEADER}, "a supervisor or a leader"
)


def publication_complete(model: Any, step: Step) -> None:
    """公示 needs a deadline and, for a key project, its charter, whose deadline
    is then the pledge's (a deadline given with the step must agree with it);
    one left out was taken from the charter, or the claim, when the arguments
    were completed, so the audit event records it."""
    charter = step.args.get("charter", model.charter)
    if charter is not None and model.list_kind is not PledgeListKind.KEY_PROJECT:
        raise InconsistentRecordError(
            field=f"{step.event}.charter",
            value=charter.goal,
            problem="belongs to a key project (重点民生项目) only",
        )
    if model.list_kind is PledgeListKind.KEY_PROJECT and charter is None:
        raise refuse(
            step,
            "charter",
            None,
            "is needed to publish a key project",
            "Give its 实事项目书: goal, measures, lead, task force, deadline.",
        )
    deadline = step.args.get("deadline")
    if deadline is None:
        raise refuse(step, "deadline", None, "is needed: a pledge is published with a date")
    if charter is not None and deadline != charter.deadline:
        raise InconsistentRecordError(
            field=f"{step.event}.deadline",
            value=deadline,
            problem=f"differs from the charter's deadline ({charter.deadline.isoformat()})",
        )
    deadline_after(step, deadline)


def fulfilment_due(model: Any, step: Step) -> None:
    """践诺 only when every milestone is done."""
    undone = [milestone.name for milestone in model.milestones if milestone.done_at is None]
    if undone:
        raise refuse(step, "milestones", undone, "are not all done")


def lapse_due(model: Any, step: Step) -> None:
    """A pledge is overdue only once its deadline has passed."""
    if model.deadline is None or step.at <= model.deadline:
        raise refuse(
            step,
            "at",
            step.at,
            "is not past the pledge's deadline"
            + (f" ({model.deadline.isoformat()})" if model.deadline is not None else " (none set)"),
        )


def pledge_extension_allowed(model: Any, step: Step) -> None:
    """A new deadline later than the current one and than the step."""
    deadline = step.args["deadline"]
    if model.deadline is not None and deadline <= model.deadline:
        raise ChronologyError(
            field=f"{step.event}.deadline",
            value=deadline,
            problem=f"is not after the current deadline ({model.deadline.isoformat()})",
        )
    deadline_after(step, deadline)
