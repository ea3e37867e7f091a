"""Which messages a step owes: derived from its event and the issue after it.

:func:`messages_for` is pure: the same event, issue and templates give the same
messages, with the same ids, so writing them again keeps one of each. A step
owes:

- ``receive``: the requester is told the number and the time limit (受理告知);
- ``transfer``: the responsible unit and each co-unit are assigned the matter;
- ``answer``: the requester is told of the answer and invited to rate it, and
  the requester of each duplicate linked to the issue (dismissed as its
  duplicate) is told of the answer under their own number;
- a rating, a follow-up visit or an order that reopens the issue for
  rectification (整改): the requester is told, and the unit assigned again;
- ``urge`` (the sweep's 临期 and 超期催办): the responsible unit is reminded,
  once per deadline and level (the message's id is made from the deadline);
- ``escalate``: the responsible unit and the supervising unit are told;
- ``dispatch`` (下派): the unit the work is handed down to is assigned it, with
  the deadline the dispatch gave it;
- ``report_up``: the unit above (the one that handed the work down) is told
  the answer reported up awaits it; ``hand_back`` (逐级退回): it is told the work
  came back, and why;
- ``extend`` (延期): the requester is told the new deadline.

The sweep's reminders of a dispatch's own deadline are made by
:func:`dispatch_reminder`.

A step on an issue with no requester on record owes the requester nothing.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit
from banshishi._core.errors import InvalidValueError
from banshishi._disclosure.masking import scrub_text
from banshishi._metrics.summary import micros
from banshishi._model.dispatch import Dispatch
from banshishi._model.event import Event
from banshishi._model.issue import Issue
from banshishi._model.issue_view import IssueView
from banshishi._model.vocabulary import IssueStatus, SlaLevel
from banshishi._workflow.policy import WorkflowPolicy

from .message import REQUESTER, Message, MessageKind, message_id
from .templates import DEFAULT_TEMPLATES, MessageTemplates

_REOPENING = frozenset({"rate", "redo", "revisit"})
_FROM_DONE = frozenset({IssueStatus.ANSWERED, IssueStatus.CLOSED})
IssueLike = Issue | IssueView
"""What a message reads an issue from: the issue, or its view (``Ledger.view``)."""
CONFIDENTIAL_TITLE = "保密件"
"""What a message shows for the title of a confidential issue."""
CONFIDENTIAL_TEXT = "保密件，请登录系统查看"
"""What a message shows for free text (a reason) about a confidential issue."""


def owes_messages(event: Event) -> bool:
    """Whether a step recorded as ``event`` may owe messages (a quick look at its
    name, before the issue is built)."""
    return event.from_status is None or event.name in _STEPS or event.name in _REOPENING


def messages_for(
    event: Event,
    issue: IssueLike,
    *,
    version: int,
    templates: MessageTemplates = DEFAULT_TEMPLATES,
    policy: WorkflowPolicy | None = None,
    duplicates: Sequence[IssueLike] = (),
) -> list[Message]:
    """The messages the step recorded as ``event`` owes, ``issue`` being the issue
    after it, at ``version`` (its events counted, this one included), in the
    words of ``templates``. ``policy`` gives the time limit told at receipt;
    ``duplicates`` are the issues dismissed as duplicates of ``issue`` (their
    requesters hear of its answer)."""
    made = _Made(event, issue, version, templates, policy)
    if event.from_status is None:
        made.to_requester(MessageKind.RECEIVED)
    elif event.name in _REOPENING:
        if event.to_status is IssueStatus.IN_PROGRESS and event.from_status in _FROM_DONE:
            made.to_requester(MessageKind.REOPENED)
            made.to_units(MessageKind.ASSIGNED, _assigned(issue))
    elif event.name in _STEPS:
        _STEPS[event.name](made, duplicates)
    return made.messages


class _Made:
    """The messages of one step, made as the step's rule asks for them."""

    def __init__(
        self,
        event: Event,
        issue: IssueLike,
        version: int,
        templates: MessageTemplates,
        policy: WorkflowPolicy | None,
    ) -> None:
        self.event, self.issue, self.version = event, issue, version
        self.templates, self.policy = templates, policy
        self.messages: list[Message] = []

    def to_requester(self, kind: MessageKind, about: IssueLike | None = None) -> None:
        """Tell the requester of ``about`` (the step's issue if ``None``)."""
        about = about or self.issue
        if about.requester is None:
            return
        key = f"{self.issue.id}#{self.version}"
        self._add(kind, about, REQUESTER, (key, kind.value, f"{REQUESTER}:{about.id}"))

    def to_units(
        self,
        kind: MessageKind,
        units: Sequence[str],
        *,
        by_deadline: bool = False,
        said: Mapping[str, str] | None = None,
    ) -> None:
        """Tell each of ``units``; with ``by_deadline``, once per deadline. ``said``
        replaces the values of the fields it names (a dispatch's own deadline)."""
        issue = self.issue
        key = f"{issue.id}#{self.version}"
        if by_deadline and issue.deadline is not None:
            key = f"{issue.id}@{micros(issue.deadline)}"
        for unit in dict.fromkeys(units):
            self._add(kind, issue, unit, (key, kind.value, unit), said)

    def _add(
        self,
        kind: MessageKind,
        about: IssueLike,
        recipient: str,
        parts: tuple[str, ...],
        said: Mapping[str, str] | None = None,
    ) -> None:
        values = {**_values(about, self.issue, recipient, self.policy), **(said or {})}
        self.messages.append(
            _message(
                parts, about, kind, recipient, self.templates.render(kind, values), self.event.at
            )
        )


def _message(
    parts: tuple[str, ...],
    about: IssueLike,
    kind: MessageKind,
    recipient: str,
    text: str,
    at: DateTime,
) -> Message:
    return Message(
        id=message_id(*parts),
        record_id=about.id,
        kind=kind,
        recipient=recipient,
        text=text,
        created_at=at,
    )


def _assigned(issue: IssueLike) -> list[str]:
    """The units a matter is assigned to: the responsible unit and the co-units."""
    lead = [] if issue.responsible_unit is None else [issue.responsible_unit]
    return [*lead, *issue.co_units]


def _transfer(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    made.to_units(MessageKind.ASSIGNED, _assigned(made.issue))


def _answer(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    made.to_requester(MessageKind.ANSWERED)
    made.to_requester(MessageKind.INVITED_TO_RATE)
    for duplicate in duplicates:
        if duplicate.id != made.issue.id:
            made.to_requester(MessageKind.ANSWERED, duplicate)


def _urge(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    level = made.event.data.get("level")
    deadline = made.issue.deadline
    if level is None and deadline is not None:  # urged by hand: as things stood
        level = SlaLevel.OVERDUE if made.event.at > deadline else SlaLevel.DUE_SOON
    kind = MessageKind.OVERDUE if level == SlaLevel.OVERDUE else MessageKind.DUE_SOON
    unit = made.issue.responsible_unit
    made.to_units(kind, [] if unit is None else [unit], by_deadline=True)


def _escalate(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    issue = made.issue
    units = [unit for unit in (issue.responsible_unit, issue.supervising_unit) if unit]
    made.to_units(MessageKind.ESCALATED, units)


def _dispatch(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    """下派: the unit the work is handed down to is assigned it, as on a transfer,
    with the deadline the dispatch gave it (the one it must meet)."""
    event = made.event
    made_now = [
        item
        for item in made.issue.dispatches
        if (item.unit, item.from_unit, item.dispatched_at)
        == (event.data.get("unit"), event.unit, event.at)
    ]
    for item in made_now[-1:]:  # the last, should one unit have made two at one moment
        made.to_units(MessageKind.ASSIGNED, [item.unit], said=_dispatch_said(item))


def _report_up(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    """上报: the unit above is told the answer reported up awaits it."""
    for item in _closed_by(made, "answered_at"):
        said = {**_dispatch_said(item), **_above(made.issue, item, made.event.at)}
        made.to_units(MessageKind.REPORTED_UP, [item.from_unit], said=said)


def _hand_back(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    """逐级退回: the unit above is told the work came back, and why."""
    for item in _closed_by(made, "returned_at"):
        said = {
            **_dispatch_said(item),
            **_above(made.issue, item, made.event.at),
            "reason": shown_text(made.issue, item.reason),
        }
        made.to_units(MessageKind.HANDED_BACK, [item.from_unit], said=said)


def _extend(made: _Made, duplicates: Sequence[IssueLike]) -> None:
    """延期: the requester is told the new deadline."""
    made.to_requester(MessageKind.EXTENDED)


_STEPS: dict[str, Callable[[_Made, Sequence[IssueLike]], None]] = {
    "transfer": _transfer,
    "dispatch": _dispatch,
    "report_up": _report_up,
    "hand_back": _hand_back,
    "extend": _extend,
    "answer": _answer,
    "urge": _urge,
    "escalate": _escalate,
}
"""The steps that owe messages (besides receipt and reopening), by name."""


def _values(
    about: IssueLike, issue: IssueLike, recipient: str, policy: WorkflowPolicy | None
) -> dict[str, str]:
    """Every field a template may name, for a message about ``about`` (the
    issue as its recipient knows it) owed by a step on ``issue``."""
    return {
        "number": about.id,
        "title": shown_title(about),
        "time_limit": _limit_text(about, policy),
        "deadline": deadline_text(issue.deadline),
        "unit": recipient,
        "track": issue.track.label,
        "supervising_unit": issue.supervising_unit or "",
        "sub_unit": "",
        "reason": "",
    }


def _closed_by(made: _Made, moment: str) -> list[Dispatch]:
    """The dispatch the step's unit closed (answered up, or handed back) at the
    step's moment: one, on the issue after the step (the last, should a unit
    have closed two at one moment)."""
    event = made.event
    closed = [
        item
        for item in made.issue.dispatches
        if item.unit == event.unit and getattr(item, moment) == event.at
    ]
    return closed[-1:]


def _dispatch_said(item: Dispatch) -> dict[str, str]:
    """The fields of a message about ``item``: its deadline, and the unit below."""
    return {"deadline": deadline_text(item.deadline), "sub_unit": item.unit}


def _above(issue: IssueLike, item: Dispatch, at: DateTime) -> dict[str, str]:
    """The deadline of the unit above ``item`` (the one that handed it down), as
    things stood at ``at``: its own dispatch's, or the issue's at level 1."""
    for upper in issue.dispatches:
        stood = upper.as_of(at)
        if stood is not None and stood.is_open and upper.unit == item.from_unit:
            return {"deadline": deadline_text(upper.deadline)}
    return {"deadline": deadline_text(issue.deadline)}


def shown_title(issue: IssueLike) -> str:
    """The title as a message shows it: none for a confidential issue, and
    otherwise with mobiles, ID numbers and the requester's name masked."""
    if issue.confidential:
        return CONFIDENTIAL_TITLE
    return shown_text(issue, issue.title)


def shown_text(issue: IssueLike, text: str) -> str:
    """Free text about ``issue`` (a reason given for handing it back) as a message
    shows it: with mobiles, ID numbers and the requester's name masked; none of
    a confidential issue's (read in the system)."""
    if issue.confidential:
        return CONFIDENTIAL_TEXT
    names = () if issue.requester is None else (issue.requester.name,)
    return scrub_text(text, names=names)


def deadline_text(deadline: DateTime | None) -> str:
    """A deadline as a message says it: 2026年5月12日17:30 (in its own zone)."""
    if deadline is None:
        return "待定"
    day = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    return f"{day}{deadline.hour:02d}:{deadline.minute:02d}"


def _limit_text(issue: IssueLike, policy: WorkflowPolicy | None) -> str:
    limit = None if policy is None else policy.limit_for(issue.track, issue.request_type)
    if isinstance(limit, TimeLimit):
        return f"{limit.amount}个{limit.unit.label}"
    if isinstance(limit, dt.timedelta):
        hours = limit.total_seconds() / 3600
        return f"{hours:g}小时"
    return "按规定时限"


_REMINDERS = MappingProxyType(
    {
        SlaLevel.DUE_SOON: MessageKind.DISPATCH_DUE_SOON,
        SlaLevel.OVERDUE: MessageKind.DISPATCH_OVERDUE,
    }
)


def dispatch_reminder(
    issue: IssueLike,
    dispatch: Dispatch,
    *,
    level: SlaLevel,
    at: DateTime,
    templates: MessageTemplates = DEFAULT_TEMPLATES,
) -> Message:
    """The reminder (临期 or 超期催办, by ``level``) owed at ``at`` to the unit
    ``dispatch`` handed ``issue``'s work down to, of the dispatch's own deadline.

    Its id is made from the issue, the dispatch's moment and deadline, the kind
    and the unit, so a dispatch is reminded once per level however often the
    sweep runs, and a dispatch made again (after a hand-back) is reminded again.
    """
    kind = _REMINDERS.get(level)
    if kind is None:
        raise InvalidValueError(
            field="level",
            value=level,
            problem="is not a level that owes a reminder",
            hint="Give SlaLevel.DUE_SOON or SlaLevel.OVERDUE.",
        )
    if dispatch not in issue.dispatches:
        raise InvalidValueError(
            field="dispatch",
            value=dispatch,
            problem=f"is not one of the dispatches of issue {issue.id!r}",
            hint="Give one of issue.dispatches.",
        )
    key = f"{issue.id}~{micros(dispatch.dispatched_at)}@{micros(dispatch.deadline)}"
    values = {**_values(issue, issue, dispatch.unit, None), **_dispatch_said(dispatch)}
    parts = (key, kind.value, dispatch.unit)
    return _message(parts, issue, kind, dispatch.unit, templates.render(kind, values), at)
