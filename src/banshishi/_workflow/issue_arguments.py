"""The steps of :class:`IssueWorkflow` and the arguments they take.

The arguments every event may take are the fields of :class:`Arguments`; which
event takes which, and which are required, is in :data:`EVENT_ARGUMENTS`;
:data:`ISSUE_STEPS` gathers them for :func:`make_step`.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit, as_limit, check_limit_text
from banshishi._core.errors import BanshishiError
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import check_optional_aware, optional_aware_datetime
from banshishi._core.validators import (
    as_tuple,
    field_name,
    items_of,
    member_of,
    of_type,
    optional_text,
    text,
    whole_number,
)
from banshishi._model.assessment import ExclusionGrounds
from banshishi._model.evaluation import AppealGrounds, Evaluation, Feedback, VisitOutcome
from banshishi._model.milestone import Milestone
from banshishi._model.vocabulary import DismissalReason, SlaLevel, Subject, Track

from .step import Steps


def _as_member(kind: type[LabelledEnum], value: object) -> object:
    if isinstance(value, str) and not isinstance(value, kind):
        try:
            return kind(value)
        except BanshishiError:
            return value  # the validator reports it, naming the field
    return value


def _as_track(value: object) -> object:
    return _as_member(Track, value)


def _as_reason(value: object) -> object:
    return _as_member(DismissalReason, value)


def _as_level(value: object) -> object:
    return _as_member(SlaLevel, value)


def _as_grounds(value: object) -> object:
    return _as_member(AppealGrounds, value)


def _as_outcome(value: object) -> object:
    return _as_member(VisitOutcome, value)


def _as_exclusion(value: object) -> object:
    return _as_member(ExclusionGrounds, value)


def _check_limit(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    check_limit_text(field_name(instance, attribute), value)
    of_type(TimeLimit, optional=True)(instance, attribute, value)


@final
@attrs.frozen(kw_only=True)
class Arguments:
    """Every argument a workflow event can take; each event takes a few of them.

    This class is the one definition of their types and checks: the engines check
    each argument given against its field here, and the audit events store them
    as this class writes them to JSON.
    """

    unit: str | None = attrs.field(default=None, validator=optional_text)
    """transfer: the responsible (lead) unit; dispatch: the unit the work is handed down to."""
    person: str | None = attrs.field(default=None, validator=optional_text)
    """transfer, sign_for: the responsible person (责任人)."""
    deadline: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    """transfer, sign_for, extend: when the work is due (完成时限); rate, revisit,
    redo: when the rectification they open is due."""
    extension: TimeLimit | None = attrs.field(
        default=None, converter=as_limit, validator=_check_limit
    )
    """extend: how much later the deadline falls, counted from the current one (延期)."""
    requirements: str | None = attrs.field(default=None, validator=optional_text)
    """transfer, dispatch: the work requirements (工作要求)."""
    co_units: tuple[str, ...] | None = attrs.field(
        default=None,
        converter=as_tuple,
        validator=attrs.validators.optional(items_of(text(), unique=True)),
    )
    """transfer, change_track: the co-units of a 共办 item."""
    supervising_unit: str | None = attrs.field(default=None, validator=optional_text)
    """transfer, escalate, change_track: the unit one level up that supervises a 督办 item."""
    supervisor: str | None = attrs.field(default=None, validator=optional_text)
    """transfer, escalate, change_track: the person supervising a 督办 item."""
    milestones: tuple[Milestone, ...] | None = attrs.field(
        default=None,
        converter=as_tuple,
        validator=attrs.validators.optional(items_of(of_type(Milestone))),
    )
    """transfer, add_milestones: milestones of a 盯办 item."""
    milestone: str | None = attrs.field(default=None, validator=optional_text)
    """complete_milestone: the name of the milestone done."""
    track: Track | None = attrs.field(
        default=None, converter=_as_track, validator=member_of(Track, optional=True)
    )
    """change_track: the new track; transfer: the track the item is handled on,
    if the transfer sets it (a routed transfer takes its rule's)."""
    reason: DismissalReason | None = attrs.field(
        default=None,
        converter=_as_reason,
        validator=member_of(DismissalReason, optional=True),
    )
    """dismiss: why the issue is dismissed."""
    original: str | None = attrs.field(default=None, validator=optional_text)
    """dismiss: the id of the original issue, for a duplicate."""
    feedback: Feedback | None = attrs.field(
        default=None, validator=of_type(Feedback, optional=True)
    )
    """answer: the answer given to the requester."""
    evaluation: Evaluation | None = attrs.field(
        default=None, validator=of_type(Evaluation, optional=True)
    )
    """rate: the rating given."""
    level: SlaLevel | None = attrs.field(
        default=None, converter=_as_level, validator=member_of(SlaLevel, optional=True)
    )
    """urge: how the item stood against its deadline when urged (临期 or 超期)."""
    round: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(whole_number(1))
    )
    """appeal: the handling round whose rating is appealed (the latest rated one if omitted)."""
    grounds: AppealGrounds | None = attrs.field(
        default=None, converter=_as_grounds, validator=member_of(AppealGrounds, optional=True)
    )
    """appeal: why the rating should not count."""
    due: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    """schedule_visit: when the follow-up visit is due; dispatch: the sub-unit's deadline."""
    outcome: VisitOutcome | None = attrs.field(
        default=None, converter=_as_outcome, validator=member_of(VisitOutcome, optional=True)
    )
    """revisit: what the follow-up visit found."""
    provisional: bool | None = attrs.field(default=None, validator=of_type(bool, optional=True))
    """transfer, sign_for, extend, rate, revisit, redo, restate_deadline: the
    deadline was counted through a provisional year (no official schedule yet)."""
    limit: TimeLimit | None = attrs.field(default=None, converter=as_limit, validator=_check_limit)
    """transfer, sign_for, rate, revisit, redo, restate_deadline: the time limit
    the deadline is counted with (instead of the policy's); recorded with every
    provisional deadline, so it can be counted again on the official schedule."""
    previous: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    """restate_deadline: the deadline in force before it was restated."""
    contacted: bool | None = attrs.field(default=None, validator=of_type(bool, optional=True))
    """revisit: the requester says the handling unit contacted them (是否联系)."""
    satisfied: bool | None = attrs.field(default=None, validator=of_type(bool, optional=True))
    """revisit: the requester says they are satisfied with the handling (是否满意)."""
    exclusion_grounds: ExclusionGrounds | None = attrs.field(
        default=None, converter=_as_exclusion, validator=member_of(ExclusionGrounds, optional=True)
    )
    """request_exclusion: why the issue should not count in the assessment."""
    routing_rule: str | None = attrs.field(default=None, validator=optional_text)
    """transfer: the key of the routing catalogue's rule the transfer follows
    (:attr:`RoutingRule.key`), so routing accuracy can be counted by rule."""
    answer: str | None = attrs.field(default=None, validator=optional_text)
    """report_up: what the sub-unit reports up, the result of its handling."""


_COUNTED = frozenset({"deadline", "provisional", "limit"})
"""The arguments of a step that sets a deadline, given or counted from a limit."""

EVENT_ARGUMENTS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = MappingProxyType(
    {
        # event: (arguments it takes, arguments it requires)
        "transfer": (
            frozenset(
                {
                    "unit",
                    "person",
                    "requirements",
                    "co_units",
                    "supervising_unit",
                    "supervisor",
                    "milestones",
                    "track",
                    "routing_rule",
                }
                | _COUNTED
            ),
            frozenset({"unit"}),
        ),
        "sign_for": (frozenset({"person"}) | _COUNTED, frozenset()),
        "send_back": (frozenset(), frozenset()),
        "dismiss": (frozenset({"reason", "original"}), frozenset({"reason"})),
        "report_part": (frozenset(), frozenset()),
        "urge": (frozenset({"level"}), frozenset()),
        "sign_off": (frozenset(), frozenset()),
        "escalate": (
            frozenset({"supervising_unit", "supervisor"}),
            frozenset({"supervising_unit"}),
        ),
        "change_track": (
            frozenset({"track", "co_units", "supervising_unit", "supervisor"}),
            frozenset({"track"}),
        ),
        "add_milestones": (frozenset({"milestones"}), frozenset({"milestones"})),
        "complete_milestone": (frozenset({"milestone"}), frozenset({"milestone"})),
        "resolve": (frozenset(), frozenset()),
        "answer": (frozenset({"feedback"}), frozenset({"feedback"})),
        "rate": (frozenset({"evaluation"}) | _COUNTED, frozenset({"evaluation"})),
        "close": (frozenset(), frozenset()),
        "redo": (_COUNTED, frozenset()),
        "extend": (frozenset({"deadline", "extension", "provisional"}), frozenset()),
        "appeal": (frozenset({"round", "grounds"}), frozenset({"grounds"})),
        "void_rating": (frozenset(), frozenset()),
        "reject_appeal": (frozenset(), frozenset()),
        "schedule_visit": (frozenset({"due"}), frozenset({"due"})),
        "revisit": (
            frozenset({"outcome", "contacted", "satisfied"}) | _COUNTED,
            frozenset({"outcome"}),
        ),
        "restate_deadline": (_COUNTED | {"previous"}, frozenset({"deadline", "previous"})),
        "request_exclusion": (frozenset({"exclusion_grounds"}), frozenset({"exclusion_grounds"})),
        "approve_exclusion": (frozenset(), frozenset()),
        "reject_exclusion": (frozenset(), frozenset()),
        "mark_confidential": (frozenset(), frozenset()),
        "unmark_confidential": (frozenset(), frozenset()),
        # 二级/三级承办: the sub-unit's own deadline is ``due``, not ``deadline``,
        # which is the issue's wherever an event records it.
        "dispatch": (frozenset({"unit", "due", "requirements"}), frozenset({"unit", "due"})),
        "report_up": (frozenset({"answer"}), frozenset({"answer"})),
        "hand_back": (frozenset(), frozenset()),
    }
)
"""For each workflow event: the :class:`Arguments` it takes and those it requires."""

NEEDS_NOTE = frozenset(
    {
        "send_back",
        "dismiss",
        "escalate",
        "change_track",
        "redo",
        "extend",
        "appeal",
        "void_rating",
        "reject_appeal",
        "request_exclusion",
        "approve_exclusion",
        "reject_exclusion",
        "mark_confidential",
        "unmark_confidential",
        "hand_back",
    }
)
"""Events that must say why in their note: a return, a dismissal, a track change,
a redo (the rectification note), an extension (the reason for 延期), an appeal
and the reviewer's decision on it, a request for exclusion from the assessment
and its decision, a change to the confidential flag, and a sub-unit's return up
the chain (逐级退回)."""

RECEIVE = "receive"
"""The name of the event that puts an issue on the record; it has no source status."""


ISSUE_STEPS = Steps(Subject.ISSUE, Arguments, EVENT_ARGUMENTS, NEEDS_NOTE, RECEIVE)
"""The steps of :class:`IssueWorkflow`."""
