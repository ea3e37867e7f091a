"""What each accepted workflow step changes on the issue.

An effect is a function of ``(model, step)`` returning the fields to change,
computed before anything is changed; the engine then applies them together
with the new status, ``closed_at`` and the audit entry. Both engines use these
functions, so a step does the same to an :class:`Issue`, a ledger row or a
user's own object.
"""

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from banshishi._model.assessment import Exclusion, ExclusionOutcome
from banshishi._model.dispatch import Dispatch, open_chain
from banshishi._model.evaluation import (
    Appeal,
    AppealOutcome,
    Rectification,
    RectificationCause,
    Visit,
)
from banshishi._model.vocabulary import IssueStatus, Track

from .dispatch_checks import closed_dispatch
from .guards import live_rating

Effect = Callable[[Any, Any], dict[str, Any]]


def transfer(model: Any, step: Any) -> dict[str, Any]:
    args = step.args
    changes = {
        "responsible_unit": args["unit"],
        "responsible_person": args.get("person"),
        # Given, or computed from the policy by the transfer's checks, which add
        # it to the arguments: the audit event records it, and a replay under
        # another policy rebuilds the same issue.
        "deadline": step.args["deadline"],
        "parts_reported": (),
        "signed_off_by": None,
    }
    for name in ("requirements", "co_units", "supervising_unit", "supervisor", "track"):
        if name in args:
            changes[name] = args[name]
    if "milestones" in args:
        changes["milestones"] = model.milestones + args["milestones"]
    return changes


def sign_for(model: Any, step: Any) -> dict[str, Any]:
    changes = {"responsible_person": step.args.get("person", step.actor.id)}
    if step.source is IssueStatus.RECEIVED:
        # Signed for by the receiving unit itself (即办): it becomes responsible.
        changes["responsible_unit"] = step.actor.unit
        changes["deadline"] = step.args["deadline"]  # given, or set by the checks
    elif "deadline" in step.args:
        changes["deadline"] = step.args["deadline"]
    return changes


def send_back(model: Any, step: Any) -> dict[str, Any]:
    return {
        "responsible_unit": None,
        "responsible_person": None,
        "deadline": None,
        "co_units": (),
        "parts_reported": (),
        "signed_off_by": None,
    }


def dismiss(model: Any, step: Any) -> dict[str, Any]:
    original = step.args.get("original")
    return {"duplicate_of": original} if original is not None else {}


def report_part(model: Any, step: Any) -> dict[str, Any]:
    return {"parts_reported": (*model.parts_reported, step.actor.unit)}


def nothing(model: Any, step: Any) -> dict[str, Any]:
    return {}


def sign_off(model: Any, step: Any) -> dict[str, Any]:
    return {"signed_off_by": step.actor.id}


def escalate(model: Any, step: Any) -> dict[str, Any]:
    return {
        "track": Track.SUPERVISED,
        "supervising_unit": step.args["supervising_unit"],
        "supervisor": step.args.get("supervisor"),
        "signed_off_by": None,
    }


def change_track(model: Any, step: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {"track": step.args["track"], "signed_off_by": None}
    for name in ("co_units", "supervising_unit", "supervisor"):
        if name in step.args:
            changes[name] = step.args[name]
    if "co_units" in changes:
        kept = tuple(unit for unit in model.parts_reported if unit in changes["co_units"])
        changes["parts_reported"] = kept
    return changes


def add_milestones(model: Any, step: Any) -> dict[str, Any]:
    return {"milestones": model.milestones + step.args["milestones"]}


def complete_milestone(model: Any, step: Any) -> dict[str, Any]:
    name = step.args["milestone"]
    return {
        "milestones": tuple(
            attrs.evolve(milestone, done_at=step.at) if milestone.name == name else milestone
            for milestone in model.milestones
        )
    }


def answer(model: Any, step: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {"feedback": (*model.feedback, step.args["feedback"])}
    rectifications = model.rectifications
    if rectifications and rectifications[-1].answered_at is None:
        # The new answer completes the rectification this round was opened for.
        done = attrs.evolve(rectifications[-1], answered_at=step.at)
        changes["rectifications"] = (*rectifications[:-1], done)
    return changes


def _rectify(
    model: Any, step: Any, cause: RectificationCause, rating: int | None = None
) -> dict[str, Any]:
    """整改: a new round, due by the deadline the step's checks settled."""
    deadline = step.args["deadline"]
    opened = Rectification(
        round=model.round + 1, cause=cause, opened_at=step.at, deadline=deadline, rating=rating
    )
    return {
        "round": model.round + 1,
        "deadline": deadline,
        "signed_off_by": None,
        "parts_reported": (),
        "rectifications": (*model.rectifications, opened),
    }


def rate(model: Any, step: Any) -> dict[str, Any]:
    changes = {"evaluations": (*model.evaluations, step.args["evaluation"])}
    if step.target is IssueStatus.IN_PROGRESS:
        changes |= _rectify(model, step, RectificationCause.BAD_RATING, len(model.evaluations))
    return changes


def redo(model: Any, step: Any) -> dict[str, Any]:
    return _rectify(model, step, RectificationCause.ORDERED)


def appeal(model: Any, step: Any) -> dict[str, Any]:
    index = live_rating(model, step.args["round"])
    assert index is not None, "appeal_allowed found the rating"
    filed = Appeal(
        rating=index,
        grounds=step.args["grounds"],
        filed_at=step.at,
        filed_by=step.actor.id,
        explanation=step.note,
    )
    return {"appeals": (*model.appeals, filed)}


def _decide(
    model: Any, step: Any, outcome: AppealOutcome | ExclusionOutcome, field: str = "appeals"
) -> dict[str, Any]:
    """A reviewer's decision on the pending request in ``field`` (an appeal, or a
    request for exclusion from the assessment)."""
    decided = tuple(
        attrs.evolve(
            item, outcome=outcome, decided_at=step.at, decided_by=step.actor.id, reason=step.note
        )
        if item.is_pending
        else item
        for item in getattr(model, field)
    )
    return {field: decided}


def void_rating(model: Any, step: Any) -> dict[str, Any]:
    return _decide(model, step, AppealOutcome.VOIDED)


def reject_appeal(model: Any, step: Any) -> dict[str, Any]:
    return _decide(model, step, AppealOutcome.REJECTED)


def schedule_visit(model: Any, step: Any) -> dict[str, Any]:
    return {"visits": (*model.visits, Visit(round=model.round, due=step.args["due"]))}


def revisit(model: Any, step: Any) -> dict[str, Any]:
    outcome = step.args["outcome"]
    made = {"done_at": step.at, "outcome": outcome, "visitor": step.actor.id}
    made |= {name: step.args[name] for name in ("contacted", "satisfied") if name in step.args}
    visits = list(model.visits)
    # A visit planned in this round is the one made; one planned in an earlier
    # round and never made stays on record as missed.
    planned = [
        i for i, visit in enumerate(visits) if not visit.is_done and visit.round == model.round
    ]
    if planned:
        first = min(planned, key=lambda i: visits[i].due)
        visits[first] = attrs.evolve(visits[first], **made)
    else:
        visits.append(Visit(round=model.round, **made))
    changes: dict[str, Any] = {"visits": tuple(visits)}
    if step.target is IssueStatus.IN_PROGRESS:
        changes |= _rectify(model, step, RectificationCause.VISIT)
    return changes


def new_deadline(model: Any, step: Any) -> dict[str, Any]:
    """延期 and 重算时限: the deadline given, or counted by the checks."""
    return {"deadline": step.args["deadline"]}


def request_exclusion(model: Any, step: Any) -> dict[str, Any]:
    asked = Exclusion(
        grounds=step.args["exclusion_grounds"],
        requested_at=step.at,
        requested_by=step.actor.id,
        explanation=step.note,
    )
    return {"exclusions": (*model.exclusions, asked)}


def approve_exclusion(model: Any, step: Any) -> dict[str, Any]:
    return _decide(model, step, ExclusionOutcome.APPROVED, "exclusions")


def reject_exclusion(model: Any, step: Any) -> dict[str, Any]:
    return _decide(model, step, ExclusionOutcome.REJECTED, "exclusions")


def mark_confidential(model: Any, step: Any) -> dict[str, Any]:
    return {"confidential": True}


def unmark_confidential(model: Any, step: Any) -> dict[str, Any]:
    return {"confidential": False}


def dispatch(model: Any, step: Any) -> dict[str, Any]:
    """下派: one level below the last unit holding the work (the checks saw it is the actor)."""
    args = step.args
    made = Dispatch(
        level=len(open_chain(model.dispatches)) + 2,
        unit=args["unit"],
        from_unit=step.actor.unit,
        dispatched_at=step.at,
        deadline=args["due"],
        requirements=args.get("requirements", ""),
    )
    return {"dispatches": (*model.dispatches, made)}


def report_up(model: Any, step: Any) -> dict[str, Any]:
    return closed_dispatch(model, step, answered_at=step.at, answer=step.args["answer"])


def hand_back(model: Any, step: Any) -> dict[str, Any]:
    """逐级退回: the work goes back up one level, the note saying why."""
    return closed_dispatch(model, step, returned_at=step.at, reason=step.note)


EFFECTS: Mapping[str, Effect] = MappingProxyType(
    {
        "transfer": transfer,
        "sign_for": sign_for,
        "send_back": send_back,
        "dismiss": dismiss,
        "report_part": report_part,
        "urge": nothing,
        "sign_off": sign_off,
        "escalate": escalate,
        "change_track": change_track,
        "add_milestones": add_milestones,
        "complete_milestone": complete_milestone,
        "resolve": nothing,
        "answer": answer,
        "rate": rate,
        "close": nothing,
        "redo": redo,
        "extend": new_deadline,
        "restate_deadline": new_deadline,
        "appeal": appeal,
        "void_rating": void_rating,
        "reject_appeal": reject_appeal,
        "schedule_visit": schedule_visit,
        "revisit": revisit,
        "request_exclusion": request_exclusion,
        "approve_exclusion": approve_exclusion,
        "reject_exclusion": reject_exclusion,
        "mark_confidential": mark_confidential,
        "unmark_confidential": unmark_confidential,
        "dispatch": dispatch,
        "report_up": report_up,
        "hand_back": hand_back,
    }
)
"""The effect of each workflow event, by event name."""


def closed_at_after(current: Any, step: Any) -> Any:
    """``closed_at`` once ``step`` is applied: set on closing, kept while closed,
    cleared on reopening."""
    if step.target is not IssueStatus.CLOSED:
        return None
    return current if step.source is IssueStatus.CLOSED else step.at


def accept(effects: Mapping[str, Effect], model: Any, step: Any, target: Any) -> dict[str, Any]:
    """Accept ``step`` as going to ``target`` and return the fields its effect in
    ``effects`` changes on ``model``."""
    step.target = target  # some effects depend on where the step goes
    changes = effects[step.event](model, step)
    step.accept(target)
    return changes


def settle(model: Any, step: Any, target: Any) -> dict[str, Any]:
    """Accept ``step`` as going to ``target`` and return every field it changes on
    ``model``: its event's effect and ``closed_at``. Both engines apply these."""
    changes = accept(EFFECTS, model, step, target)
    changes["closed_at"] = closed_at_after(getattr(model, "closed_at", None), step)
    return changes
