"""The preconditions of workflow transitions: what a step needs besides the right actor.

Each check is a function of ``(model, step)``: ``model`` is whatever holds the
issue (an :class:`Issue`, a ledger row, a user's own object with the same field
names) and ``step`` the checked :class:`Step`. Validators return nothing or
raise a :class:`WorkflowError`; conditions return a bool. :class:`IssueWorkflow`
names them on its transitions and the ledger's bulk engine calls the very same
functions, read off the class, so there is one set of rules.

Checks read the model's fields but never its status: the status a step starts
from is ``step.source``. They never write: what a step's arguments lack and the
record or the policy decide (a deadline counted from a time limit, the round an
appeal is against) was filled in before any check ran (see ``completion``); a
check refuses the step when that could not be done.
"""

from collections.abc import Iterable
from typing import Any

from banshishi._core.errors import (
    BanshishiError,
    ChronologyError,
    InconsistentRecordError,
    PreconditionError,
    UnknownYearError,
)
from banshishi._model.dispatch import open_chain
from banshishi._model.people import Role
from banshishi._model.vocabulary import DismissalReason, Track

from .completion import track_limit
from .policy import WorkflowPolicy
from .step import Step


def refuse(step: Step, name: str, value: object, problem: str, hint: str = "") -> PreconditionError:
    return PreconditionError(field=f"{step.event}.{name}", value=value, problem=problem, hint=hint)


def deadline_after(step: Step, deadline: Any) -> None:
    if deadline is not None and deadline <= step.at:
        raise ChronologyError(
            field=f"{step.event}.deadline",
            value=deadline,
            problem=f"is not after the step itself ({step.at.isoformat()})",
        )


def after(step: Step, name: str, start: Any, limit: Any) -> Any:
    """``start`` plus ``limit`` under the step's policy; a year the calendar lacks
    refuses the step, naming the argument it was computing."""
    try:
        return step.policy.after(start, limit)
    except UnknownYearError as error:
        raise error.at(f"{step.event}.{name}") from None


def uncounted(step: Step, name: str, start: Any, limit: Any) -> BanshishiError:
    """Why a deadline that completing the arguments counts from ``limit`` is not
    there: the calendar lacks a year the count runs through, raised here naming
    ``name``, the argument it was counted from. A step whose arguments were not
    completed at all is refused too."""
    after(step, name, start, limit)
    return refuse(
        step, "deadline", None, "was not counted", "Complete the arguments before the checks."
    )


def provisional_counted(step: Step) -> None:
    """A deadline marked provisional says what it was counted with."""
    args = step.args
    if args.get("provisional") and "limit" not in args and "extension" not in args:
        raise refuse(
            step,
            "provisional",
            True,
            "needs the limit the deadline was counted with",
            "Give limit=, so the deadline can be counted again on the official schedule.",
        )


def _policy_deadline(model: Any, step: Step, problem: str) -> None:
    """A deadline given, or counted from the step's ``limit``, else from the
    track's time limit in the policy."""
    if "deadline" in step.args:
        provisional_counted(step)
        return
    limit = track_limit(model, step)
    if limit is None:
        track = step.args.get("track", model.track)
        raise refuse(step, "deadline", None, f"{problem} for {track.label}")
    raise uncounted(step, "deadline", step.at, limit)


def _known_units(policy: WorkflowPolicy, step: Step, names: Iterable[str]) -> None:
    tree = policy.units
    if tree is None:
        return
    for name in names:
        value = step.args.get(name)
        values = value if isinstance(value, tuple) else (value,)
        for unit in values:
            if unit is not None and unit not in tree:
                raise refuse(step, name, unit, "is not a unit of this deployment")


def _one_level_up(policy: WorkflowPolicy, step: Step, handler: Any, supervising: Any) -> None:
    tree = policy.units
    if tree is None or handler is None or supervising is None or handler not in tree:
        return
    parent = tree[handler].parent
    if supervising != parent:
        raise refuse(
            step,
            "supervising_unit",
            supervising,
            "is not one level above the handling unit",
            f"督办 raises an item one level: {handler!r} reports to {parent!r}.",
        )


def _track_needs(model: Any, step: Step, track: Track, unit: Any) -> None:
    """What an item on ``track`` needs: co-units for 共办, a supervisor for 督办."""
    co_units = step.args.get("co_units", model.co_units)
    if track is Track.JOINT and not co_units:
        raise refuse(step, "co_units", co_units, "are needed for a 共办 (joint) item")
    if unit is not None and unit in co_units:
        raise InconsistentRecordError(
            field=f"{step.event}.co_units",
            value=co_units,
            problem=f"must not repeat the lead unit {unit!r}",
        )
    supervising = step.args.get("supervising_unit", model.supervising_unit)
    if track is Track.SUPERVISED:
        if supervising is None:
            raise refuse(
                step,
                "supervising_unit",
                None,
                "is needed for a 督办 (supervised) item",
                "Name the unit one level up that supervises it.",
            )
        _one_level_up(step.policy, step, unit, supervising)


def transfer_complete(model: Any, step: Step) -> None:
    """A transfer names a unit, a deadline (or the track has a time limit), and
    what its track needs."""
    policy, args = step.policy, step.args
    routed_units_known(policy, step)
    _known_units(policy, step, ("unit", "co_units", "supervising_unit"))
    deadline_after(step, args.get("deadline"))
    _track_needs(model, step, args.get("track", model.track), args["unit"])
    _policy_deadline(model, step, "is needed: the policy sets no time limit")


def deadline_later(model: Any, step: Step) -> None:
    """A deadline given with the step, or counted from a limit given with it,
    falls after it."""
    if "deadline" not in step.args and "limit" in step.args:
        raise uncounted(step, "deadline", step.at, step.args["limit"])
    provisional_counted(step)
    deadline_after(step, step.args.get("deadline"))


def self_sign_allowed(model: Any, step: Step) -> None:
    """Only tracks the policy lists (即办 by default) may skip the transfer."""
    policy = step.policy
    if model.track not in policy.self_sign_tracks:
        raise refuse(
            step,
            "track",
            model.track,
            "must be transferred before it is signed for",
            "Only "
            + ", ".join(sorted(t.label for t in policy.self_sign_tracks))
            + " items may be signed for by the receiving unit itself.",
        )
    if step.actor.unit in model.co_units:
        raise InconsistentRecordError(
            field=f"{step.event}.actor.unit",
            value=step.actor.unit,
            problem="is already a co-unit, so it cannot also lead the issue",
        )
    deadline_after(step, step.args.get("deadline"))
    _policy_deadline(model, step, "is needed: no time limit")


def dismissal_grounds(model: Any, step: Step) -> None:
    """A duplicate names the original, which is another issue; nothing else names one."""
    if step.args["reason"] is not DismissalReason.DUPLICATE:
        if "original" in step.args:
            raise refuse(
                step,
                "original",
                step.args["original"],
                "is only for an issue dismissed as a duplicate",
            )
        return
    if step.args["reason"] is DismissalReason.DUPLICATE:
        original = step.args.get("original")
        if original is None or original == model.id:
            raise refuse(
                step,
                "original",
                original,
                "must name the other issue this one duplicates",
            )


def parts_due(model: Any) -> bool:
    """Whether the item's co-units owe parts: on 共办, and on a 共办 item escalated
    (or moved) to 督办 with its co-units kept: supervision comes on top of their
    obligations, it does not release them."""
    track = model.track
    return track is Track.JOINT or (track is Track.SUPERVISED and bool(model.co_units))


def part_due(model: Any, step: Step) -> None:
    """Only the co-units of an item that owes parts report them, each once per round."""
    if not parts_due(model):
        raise refuse(step, "track", model.track, "is not 共办 (joint): there are no parts")
    if step.actor.unit in model.parts_reported:
        raise refuse(step, "actor.unit", step.actor.unit, "has already reported its part")


def sign_off_due(model: Any, step: Step) -> None:
    """Only a 督办 item is signed off, once per round."""
    if model.track is not Track.SUPERVISED:
        raise refuse(step, "track", model.track, "is not 督办 (supervised): nothing to sign off")
    if model.signed_off_by is not None:
        raise refuse(step, "signed_off_by", model.signed_off_by, "has already signed it off")


def escalation_allowed(model: Any, step: Step) -> None:
    """提级: an item not yet supervised goes to 督办 under the unit one level up."""
    if model.track is Track.SUPERVISED:
        raise refuse(step, "track", model.track, "is already 督办 (supervised)")
    _known_units(step.policy, step, ("supervising_unit",))
    _one_level_up(step.policy, step, model.responsible_unit, step.args["supervising_unit"])


def track_change_allowed(model: Any, step: Step) -> None:
    """A change of track goes somewhere new and brings what the new track needs."""
    track = step.args["track"]
    if track is model.track:
        raise refuse(step, "track", track, "is the track the issue is already on")
    _known_units(step.policy, step, ("co_units", "supervising_unit"))
    _track_needs(model, step, track, model.responsible_unit)


def milestones_fit(model: Any, step: Step) -> None:
    """Milestones belong to 盯办 items and have names not already used."""
    if model.track is not Track.TRACKED:
        raise refuse(step, "track", model.track, "is not 盯办 (tracked): it has no milestones")
    new_milestones_fit(model, step)


def new_milestones_fit(model: Any, step: Step) -> None:
    """New milestones have names not already used and are not done yet."""
    names = {milestone.name for milestone in model.milestones}
    for index, milestone in enumerate(step.args.get("milestones", ())):
        if milestone.name in names:
            raise InconsistentRecordError(
                field=f"{step.event}.milestones[{index}].name",
                value=milestone.name,
                problem="is already one of its milestones",
            )
        if milestone.done_at is not None:
            raise refuse(
                step,
                f"milestones[{index}].done_at",
                milestone.done_at,
                "must be empty: a milestone is done through complete_milestone",
            )
        names.add(milestone.name)


def transfer_milestones(model: Any, step: Step) -> None:
    """Milestones given on transfer follow the same rules as added ones."""
    if "milestones" in step.args:
        milestones_fit(model, step)


def milestone_open(model: Any, step: Step) -> None:
    """The named milestone exists and is not done yet."""
    name = step.args["milestone"]
    for milestone in model.milestones:
        if milestone.name == name:
            if milestone.done_at is not None:
                raise refuse(step, "milestone", name, "is already done")
            return
    raise refuse(step, "milestone", name, "is not one of its milestones")


def work_done(model: Any, step: Step) -> None:
    """What the track asks before an item counts as resolved, with no work left
    down the chain of dispatches."""
    chain_clear(model, step)
    track = model.track
    if parts_due(model):
        missing = [unit for unit in model.co_units if unit not in model.parts_reported]
        if missing:
            raise refuse(
                step, "parts_reported", model.parts_reported, f"lack the parts of {missing}"
            )
    if track is Track.SUPERVISED:
        if model.signed_off_by is None:
            raise refuse(
                step, "signed_off_by", None, "is empty: the supervisor has not signed it off"
            )
    elif track is Track.TRACKED:
        if not model.milestones:
            raise refuse(step, "milestones", (), "are needed before a 盯办 item is resolved")
        undone = [m.name for m in model.milestones if m.done_at is None]
        if undone:
            raise refuse(step, "milestones", undone, "are not all done")


def live_rating(model: Any, round_: int) -> int | None:
    """The position in ``model.evaluations`` of the live (not voided) rating of
    ``round_``, if there is one."""
    voided = {appeal.rating for appeal in model.appeals if appeal.voided_by(None)}
    for index, given in enumerate(model.evaluations):
        if given.round == round_ and index not in voided:
            return index
    return None


def within_life(model: Any, step: Step, name: str, moment: Any) -> None:
    if moment < model.received_at or moment > step.at:
        raise ChronologyError(
            field=f"{step.event}.{name}.at",
            value=moment,
            problem="must fall between the issue's receipt and the step",
        )


def feedback_in_time(model: Any, step: Step) -> None:
    """The answer was given between the receipt and the step recording it."""
    within_life(model, step, "feedback", step.args["feedback"].at)


def closure_allowed(model: Any, step: Step) -> None:
    """A reviewer closes on verification, saying how; anyone else only once the
    evaluation window has passed with no rating in this round."""
    if step.actor.role is Role.REVIEWER:
        if not step.note.strip():
            raise refuse(
                step, "note", step.note, "must say how the closure was verified (核实办结)"
            )
        return
    if live_rating(model, model.round) is not None:
        raise refuse(
            step,
            "evaluations",
            model.round,
            "include a rating of this round, so the item is not closed as unrated",
            "A satisfied rating closes it; a bad one calls for a redo.",
        )
    answered = max((item.at for item in model.feedback), default=None)
    if answered is None:
        raise refuse(step, "feedback", (), "is empty: nothing was answered")
    opens = after(step, "at", answered, step.policy.evaluation_window)
    if step.at < opens:
        raise refuse(
            step,
            "at",
            step.at,
            f"is inside the evaluation window, which ends at {opens.isoformat()}",
        )


def extension_allowed(model: Any, step: Step) -> None:
    """延期: a later deadline, given outright or as an extension of the current one.

    An extension alone was counted from the current deadline when the
    arguments were completed; when both are given (as a replayed event records
    them), the deadline is taken as it stands and the extension is kept as the
    record of how it was counted.
    """
    current = model.deadline
    if current is None:
        raise refuse(step, "deadline", None, "is not set on the issue: nothing to extend")
    deadline = step.args.get("deadline")
    extension = step.args.get("extension")
    if deadline is None:
        if extension is None:
            raise refuse(
                step,
                "extension",
                None,
                "is needed, or a new deadline",
                'Give extension="5 working days" or deadline=….',
            )
        raise uncounted(step, "extension", current, extension)
    if step.args.get("provisional") and extension is None:
        provisional_counted(step)
    if deadline <= current:
        raise ChronologyError(
            field=f"{step.event}.deadline",
            value=deadline,
            problem=f"is not after the current deadline ({current.isoformat()})",
        )
    deadline_after(step, deadline)


def restatement_due(model: Any, step: Step) -> None:
    """重算时限: a deadline in force is restated from the one it replaces, which
    the step names, so the audit trail has both."""
    current = model.deadline
    if current is None:
        raise refuse(step, "deadline", None, "is not set on the issue: nothing to restate")
    previous = step.args["previous"]
    if previous != current:
        raise InconsistentRecordError(
            field=f"{step.event}.previous",
            value=previous,
            problem=f"is not the deadline in force ({current.isoformat()})",
        )
    received = model.received_at
    if step.args["deadline"] < received:
        raise ChronologyError(
            field=f"{step.event}.deadline",
            value=step.args["deadline"],
            problem=f"is before the issue was received ({received.isoformat()})",
        )
    provisional_counted(step)


def routed_units_known(policy: WorkflowPolicy, step: Step) -> None:
    """A routed transfer (one naming its ``routing_rule``) to a unit the unit
    tree does not hold is refused, naming the rule: the catalogue is wrong, not
    the dispatcher."""
    rule = step.args.get("routing_rule")
    tree = policy.units
    if rule is None or tree is None:
        return
    for name in ("unit", "co_units"):
        value = step.args.get(name)
        for unit in value if isinstance(value, tuple) else (value,):
            if unit is not None and unit not in tree:
                raise refuse(
                    step,
                    name,
                    unit,
                    f"is not a unit of this deployment, though routing rule {rule!r} names it",
                    "Correct the catalogue (read it with units= to check every row) or add "
                    "the unit to the tree; or transfer without the rule.",
                )


# -- multi-level dispatch (二级/三级承办) -------------------------------------------------


def chain_clear(model: Any, step: Step) -> None:
    """No unit under the responsible one still holds the work (二级/三级承办): it
    is answered up or handed back first."""
    chain = open_chain(model.dispatches)
    if chain:
        raise refuse(
            step,
            "dispatches",
            [item.unit for item in chain],
            "still hold the work handed down to them",
            "Each level answers up (report_up) or hands it back (hand_back) first.",
        )
