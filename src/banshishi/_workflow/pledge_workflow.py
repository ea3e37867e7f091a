"""The life of a pledge as one state machine: the single definition of it.

:class:`PledgeWorkflow` declares the statuses, the steps between them and the
checks on each; the pledge ledger's bulk engine runs the same table, read off
this class, and the audit events are the same :class:`Event` an issue's are.
"""

from types import MappingProxyType
from typing import ClassVar

from statemachine import State

from banshishi._core.errors import TransitionRefusedError
from banshishi._model.pledge import Pledge, PledgeListKind
from banshishi._model.vocabulary import PledgeStatus

from . import completion as fill
from . import guards as g
from . import pledge_checks as c
from .machine import RecordMachine, loops, moves
from .machine import allowed_events as _allowed
from .machine import refusal as _refusal
from .pledge_arguments import PLEDGE_STEPS
from .pledge_effects import settle_pledge
from .transition_table import derive_rules, index_rules

PLEDGE_MODEL_FIELDS = (
    "id",
    "pledger",
    "list_kind",
    "claimed_at",
    "deadline",
    "charter",
    "milestones",
    "published_at",
    "fulfilled_at",
    "withdrawn_at",
)
"""The fields a model must have for the pledge workflow to read and change it."""


class PledgeWorkflow(RecordMachine):
    """The life of a pledge: 拟定 → 已公示 → 推进中 → 已践诺, or 已逾期, or 已撤回.

    Bind it to a :class:`Pledge` (or your own record with the fields in
    ``model_fields``). Each step takes the actor, the moment ``at`` (the
    clock's now by default), a ``note`` and the step's own arguments, returns
    the audit :class:`Event` and appends it to the pledge's ``history``::

        workflow = PledgeWorkflow(pledge, clock=clock)
        workflow.publish(actor=leader, deadline=due)

    A refused step raises and changes nothing. A pledge is fulfilled (践诺/销号)
    only when every milestone is done, and only a supervisor or a reviewer
    strikes it off. An overdue pledge can still be fulfilled late, or given a
    new deadline (``extend``), which puts it back in progress.
    """

    draft = State("拟定", value=PledgeStatus.DRAFT, initial=True)
    published = State("已公示", value=PledgeStatus.PUBLISHED)
    in_progress = State("推进中", value=PledgeStatus.IN_PROGRESS)
    overdue = State("已逾期", value=PledgeStatus.OVERDUE)
    fulfilled = State("已践诺", value=PledgeStatus.FULFILLED, final=True)
    withdrawn = State("已撤回", value=PledgeStatus.WITHDRAWN, final=True)

    publish = draft.to(published, validators=[c.by_pledge_keeper, c.publication_complete])
    start = published.to(in_progress, validators=[c.by_pledge_keeper])
    add_milestones = loops(
        (draft, published, in_progress, overdue), [c.by_pledge_keeper, g.new_milestones_fit]
    )
    complete_milestone = in_progress.to.itself(
        validators=[c.by_pledge_keeper, g.milestone_open]
    ) | overdue.to.itself(validators=[c.by_pledge_keeper, g.milestone_open])
    fulfil = in_progress.to(
        fulfilled, validators=[c.by_pledge_verifier, c.fulfilment_due]
    ) | overdue.to(fulfilled, validators=[c.by_pledge_verifier, c.fulfilment_due])
    lapse = published.to(overdue, validators=[c.by_pledge_timer, c.lapse_due]) | in_progress.to(
        overdue, validators=[c.by_pledge_timer, c.lapse_due]
    )
    extend = (
        published.to.itself(validators=[c.by_pledge_extender, c.pledge_extension_allowed])
        | in_progress.to.itself(validators=[c.by_pledge_extender, c.pledge_extension_allowed])
        | overdue.to(in_progress, validators=[c.by_pledge_extender, c.pledge_extension_allowed])
    )
    withdraw = moves((draft, published, in_progress, overdue), withdrawn, [c.by_pledge_keeper])

    # Completing the arguments, before any check of the step (see ``completion``).
    completions = MappingProxyType({"publish": fill.publication_deadline})
    steps = PLEDGE_STEPS
    model_fields: ClassVar[tuple[str, ...]] = PLEDGE_MODEL_FIELDS
    record_type = Pledge
    created_field = "claimed_at"
    model_vocabulary = MappingProxyType({"list_kind": PledgeListKind})
    settle = staticmethod(settle_pledge)


PLEDGE_RULES = derive_rules(PledgeWorkflow)
"""Every transition of :class:`PledgeWorkflow`, in the order the class declares them."""

PLEDGE_TABLE = index_rules(PLEDGE_RULES)
"""The candidate rules for each (pledge status, step), in declaration order."""


def pledge_refusal(event: str, status: PledgeStatus) -> TransitionRefusedError:
    """The error for ``event`` asked of a pledge in ``status`` where it cannot happen."""
    return _refusal(PledgeWorkflow, event, status)


def pledge_allowed_events(status: PledgeStatus) -> list[str]:
    """The steps that may follow ``status``, in the order the class declares them."""
    return _allowed(PledgeWorkflow, status)
