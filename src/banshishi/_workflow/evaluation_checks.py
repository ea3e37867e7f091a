"""The checks on the evaluation loop: rating (好差评), appeals (申诉), follow-up
visits (回访) and rectification (整改).

Like the checks in ``_guards``, each is a function of ``(model, step)`` that
:class:`IssueWorkflow` names on its transitions and the ledger calls directly.
A step that opens a rectification without a deadline got one when its
arguments were completed, from the policy's ``rectification_limit`` (see
``completion``); the checks here only read it.
"""

from typing import Any

from banshishi._core.errors import InconsistentRecordError
from banshishi._model.evaluation import RaterKind, VisitOutcome
from banshishi._model.people import Role

from .completion import rectification_limit
from .guards import deadline_after, live_rating, provisional_counted, refuse, uncounted, within_life
from .step import Step


def _rectification_deadline(model: Any, step: Step, opens: bool, why: str) -> None:
    """A step that opens a rectification has a deadline: given, or from the policy.
    One that does not may not name one."""
    deadline = step.args.get("deadline")
    if not opens:
        for name in ("deadline", "limit", "provisional"):
            if name in step.args:
                raise refuse(step, name, step.args[name], f"is only for {why}")
        return
    if deadline is None:
        raise uncounted(step, "deadline", step.at, rectification_limit(step))
    provisional_counted(step)
    deadline_after(step, deadline)


def rating_due(model: Any, step: Step) -> None:
    """One live rating per round (一事一评), for this issue, by a rater the
    policy allows; a bad rating gets its rectification deadline."""
    evaluation = step.args["evaluation"]
    if evaluation.issue_id != model.id:
        raise InconsistentRecordError(
            field=f"{step.event}.evaluation.issue_id",
            value=evaluation.issue_id,
            problem=f"is not this issue ({model.id!r})",
        )
    if evaluation.round != model.round:
        raise InconsistentRecordError(
            field=f"{step.event}.evaluation.round",
            value=evaluation.round,
            problem=f"is not the issue's current round ({model.round})",
        )
    if live_rating(model, model.round) is not None:
        raise refuse(
            step,
            "evaluation",
            evaluation.rating,
            f"repeats a rating: round {model.round} has been rated already",
            "Each matter is rated once per round (一事一评).",
        )
    within_life(model, step, "evaluation", evaluation.at)
    _rater_allowed(step, evaluation)
    _rectification_deadline(model, step, evaluation.rating.is_bad, "a bad rating, which opens 整改")


def _rater_allowed(step: Step, evaluation: Any) -> None:
    kind = evaluation.rater_kind
    allowed = step.policy.rater_kinds
    if kind not in allowed:
        raise refuse(
            step,
            "evaluation.rater_kind",
            kind,
            "may not rate under this deployment's policy",
            "Allowed: " + ", ".join(sorted(k.label for k in allowed)) + ".",
        )
    role = step.actor.role
    if role is Role.REQUESTER:
        if kind is not RaterKind.REQUESTER:
            raise InconsistentRecordError(
                field=f"{step.event}.evaluation.rater_kind",
                value=kind,
                problem="must be the requester's when the requester rates",
            )
        if evaluation.rater not in (None, step.actor.id):
            raise InconsistentRecordError(
                field=f"{step.event}.evaluation.rater",
                value=evaluation.rater,
                problem=f"is not the requester acting ({step.actor.id!r})",
            )
    elif role is Role.RATER:
        if kind is RaterKind.REQUESTER:
            raise InconsistentRecordError(
                field=f"{step.event}.evaluation.rater_kind",
                value=kind,
                problem="cannot be the requester's: the requester rates as themself",
            )
        if evaluation.rater != step.actor.id:
            raise InconsistentRecordError(
                field=f"{step.event}.evaluation.rater",
                value=evaluation.rater,
                problem=f"is not the rater acting ({step.actor.id!r})",
            )


def rating_closes(model: Any, step: Step) -> bool:
    """Condition: a satisfied rating closes the item (unless the policy says not)."""
    return bool(
        step.policy.close_on_satisfied_rating
        and step.args["evaluation"].rating.counts_as_satisfied()
    )


def rating_rectifies(model: Any, step: Step) -> bool:
    """Condition: a bad rating (不满意, 非常不满意) sends the item back for 整改."""
    return bool(step.args["evaluation"].rating.is_bad)


def redo_warranted(model: Any, step: Step) -> None:
    """重办 on an order: the note says what to put right; the deadline is given
    or comes from the policy's rectification limit."""
    _rectification_deadline(model, step, True, "a redo")


def appeal_allowed(model: Any, step: Step) -> None:
    """申诉: one appeal at a time, against a live rating that is not satisfied,
    and only once per rating."""
    pending = [appeal for appeal in model.appeals if appeal.is_pending]
    if pending:
        raise refuse(
            step, "appeals", pending[0].rating, "include one still pending", "Decide it first."
        )
    round_ = step.args.get("round")  # the latest rated, if none was named (completion)
    index = None if round_ is None else live_rating(model, round_)
    if index is None:
        raise refuse(step, "round", round_, "has no live rating to appeal")
    rating = model.evaluations[index].rating
    if rating.counts_as_satisfied(basically_satisfied=False):
        raise refuse(step, "round", round_, f"was rated {rating.label}: nothing to appeal")
    if any(appeal.rating == index for appeal in model.appeals):
        raise refuse(step, "round", round_, "has had its rating appealed already")


def appeal_pending(model: Any, step: Step) -> None:
    """A reviewer decides the appeal that is pending."""
    if not any(appeal.is_pending for appeal in model.appeals):
        raise refuse(step, "appeals", len(model.appeals), "include none pending to decide")


def visit_schedulable(model: Any, step: Step) -> None:
    """A visit is scheduled for a moment after the step."""
    due = step.args["due"]
    if due <= step.at:
        raise refuse(step, "due", due, f"is not after the step ({step.at.isoformat()})")


def visit_recorded(model: Any, step: Step) -> None:
    """A visit that finds the problem unresolved opens a rectification; the
    requester's answers (是否联系, 是否满意) come only from a visit that reached them."""
    if step.args["outcome"] is VisitOutcome.UNREACHABLE:
        for name in ("contacted", "satisfied"):
            if name in step.args:
                raise refuse(
                    step, name, step.args[name], "is the requester's answer: the visit missed them"
                )
    unresolved = step.args["outcome"] is VisitOutcome.UNRESOLVED
    _rectification_deadline(model, step, unresolved, "a visit that found the problem unresolved")


def visit_reopens(model: Any, step: Step) -> bool:
    """Condition: the visit found the problem unresolved."""
    return step.args["outcome"] is VisitOutcome.UNRESOLVED
