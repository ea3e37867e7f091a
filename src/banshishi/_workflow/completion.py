"""Completing a step's arguments: the first phase of every step, before any check.

A step is taken in four phases, the same on the state machines, on the ledgers'
bulk engine and in replay (which takes every step again on a ledger):

1. **complete the arguments**: fill in what the caller left out and the record
   and the policy decide: a deadline counted from a time limit on the policy's
   calendar, the rating round an appeal is against, a pledge's date from its
   charter (this module);
2. **check**: the role checks, validators and conditions each transition names
   (``role_checks``, ``guards``, ``evaluation_checks``, ``pledge_checks``),
   which read the record and the step and raise, and never write;
3. **apply the effects**: the fields the step changes (``effects``);
4. **record the event**: the accepted step becomes the audit :class:`Event`,
   its data the completed arguments.

Each workflow declares its completions in one table, event by event, beside its
transitions (``IssueWorkflow.completions``, ``PledgeWorkflow.completions``).
A completion is a function of ``(model, step)`` returning the step's arguments
completed: the same mapping when there is nothing to add. It never refuses a
step: what it cannot fill in (the policy sets no time limit, the calendar lacks
a year the count runs through) it leaves out, and the checks refuse the step for
it in their usual order, so a step by the wrong actor is refused for that first.
"""

from collections.abc import Callable, Mapping
from typing import Any

from banshishi._core.errors import UnknownYearError
from banshishi._model.evaluation import VisitOutcome
from banshishi._model.vocabulary import IssueStatus

from .step import Step

Completion = Callable[[Any, Step], Mapping[str, Any]]
"""A completion: ``(model, step)`` to the step's arguments, completed."""


def complete(completions: Mapping[str, Completion], model: Any, step: Step) -> None:
    """Complete ``step``'s arguments by its event's completion in ``completions``:
    the one place a step's arguments change between its request and its event."""
    completion = completions.get(step.event)
    if completion is not None:
        step.args = completion(model, step)


def counted(step: Step, start: Any, limit: Any, *, by_extension: bool = False) -> Mapping[str, Any]:
    """The step's arguments with its deadline counted: ``limit`` from ``start``
    on the policy's calendar. A deadline that ran through a provisional year is
    marked so, with the limit it was counted with (an extension is its own
    record of that), so it can be counted again once the official schedule is
    out. A year the calendar lacks leaves the arguments as they are, and the
    checks refuse the step, naming the year."""
    given: Mapping[str, Any] = step.args
    try:
        deadline = step.policy.after(start, limit)
    except UnknownYearError:
        return given
    args = {**given, "deadline": deadline}
    args.pop("provisional", None)
    if step.policy.is_provisional(deadline, limit):
        args["provisional"] = True
        if not by_extension:
            args["limit"] = limit
    return args


def track_limit(model: Any, step: Step) -> Any:
    """The limit a deadline left out is counted with on a transfer, or on signing
    for an item never transferred (自办): the ``limit`` given with the step, else
    the policy's time limit for the item's track (the one the step sets, if it
    does) and request type (:meth:`WorkflowPolicy.limit_for`; ``None`` if it
    sets none). A model
    bound to the workflow without a ``request_type`` (a plain record) has none."""
    if "limit" in step.args:
        return step.args["limit"]
    track = step.args.get("track", model.track)
    return step.policy.limit_for(track, getattr(model, "request_type", None))


def rectification_limit(step: Step) -> Any:
    """The limit a rectification's deadline left out is counted with: the
    ``limit`` given with the step, else the policy's ``rectification_limit``."""
    return step.args.get("limit", step.policy.rectification_limit)


# -- the issue's completions ------------------------------------------------------------------


def transfer_deadline(model: Any, step: Step) -> Mapping[str, Any]:
    """转办 without a deadline: counted from the step, by :func:`track_limit`."""
    args: Mapping[str, Any] = step.args
    if "deadline" in args:
        return args
    limit = track_limit(model, step)
    return args if limit is None else counted(step, step.at, limit)


def sign_for_deadline(model: Any, step: Step) -> Mapping[str, Any]:
    """签收 without a deadline: on an item never transferred (自办) as on a
    transfer; on a transferred one (whose transfer set the deadline) only from a
    ``limit`` given with the step."""
    args: Mapping[str, Any] = step.args
    if "deadline" in args:
        return args
    self_signed = step.source is IssueStatus.RECEIVED
    limit = track_limit(model, step) if self_signed else args.get("limit")
    return args if limit is None else counted(step, step.at, limit)


def extension_deadline(model: Any, step: Step) -> Mapping[str, Any]:
    """延期 by an ``extension`` without a new deadline: the extension counted
    from the deadline in force."""
    args: Mapping[str, Any] = step.args
    if "deadline" in args or "extension" not in args or model.deadline is None:
        return args
    return counted(step, model.deadline, args["extension"], by_extension=True)


def rectification_deadline(model: Any, step: Step) -> Mapping[str, Any]:
    """重办 (and any step opening 整改) without a deadline: counted from the step,
    by :func:`rectification_limit`."""
    args: Mapping[str, Any] = step.args
    if "deadline" in args:
        return args
    return counted(step, step.at, rectification_limit(step))


def rating_deadline(model: Any, step: Step) -> Mapping[str, Any]:
    """A bad rating opens 整改, which gets its deadline; any other rating none."""
    args: Mapping[str, Any] = step.args
    if args["evaluation"].rating.is_bad:
        return rectification_deadline(model, step)
    return args


def visit_deadline(model: Any, step: Step) -> Mapping[str, Any]:
    """A visit that finds the problem unresolved opens 整改, which gets its deadline."""
    args: Mapping[str, Any] = step.args
    if args["outcome"] is VisitOutcome.UNRESOLVED:
        return rectification_deadline(model, step)
    return args


def appeal_round(model: Any, step: Step) -> Mapping[str, Any]:
    """申诉 naming no round: the latest round rated."""
    args: Mapping[str, Any] = step.args
    if "round" in args:
        return args
    round_ = max((given.round for given in model.evaluations), default=None)
    return args if round_ is None else {**args, "round": round_}


# -- the pledge's completions -----------------------------------------------------------------


def publication_deadline(model: Any, step: Step) -> Mapping[str, Any]:
    """公示 without a deadline: the charter's (a key project's date is its
    charter's, replacing one given at the claim), else the one given at the claim."""
    args: Mapping[str, Any] = step.args
    if "deadline" in args:
        return args
    charter = args.get("charter", model.charter)
    deadline = charter.deadline if charter is not None else model.deadline
    return args if deadline is None else {**args, "deadline": deadline}
