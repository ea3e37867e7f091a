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
- ``escalate``: the responsible unit and the supervising unit are told.

A step on an issue with no requester on record owes the requester nothing.
"""

import datetime as dt
from collections.abc import Callable, Sequence

from pendulum import DateTime

from banshishi._calendar.time_limit import TimeLimit
from banshishi._disclosure.masking import scrub_text
from banshishi._metrics.summary import micros
from banshishi._model.event import Event
from banshishi._model.issue import Issue
from banshishi._model.vocabulary import IssueStatus, SlaLevel
from banshishi._workflow.policy import WorkflowPolicy

from .message import REQUESTER, Message, MessageKind, message_id
from .templates import DEFAULT_TEMPLATES, MessageTemplates

_REOPENING = frozenset({"rate", "redo", "revisit"})
_FROM_DONE = frozenset({IssueStatus.ANSWERED, IssueStatus.CLOSED})
CONFIDENTIAL_TITLE = "保密件"
"""What a message shows for the title of a confidential issue."""


def owes_messages(event: Event) -> bool:
    """Whether a step recorded as ``event`` may owe messages (a quick look at its
    name, before the issue is built)."""
    return event.from_status is None or event.name in _STEPS or event.name in _REOPENING


def messages_for(
    event: Event,
    issue: Issue,
    *,
    version: int,
    templates: MessageTemplates = DEFAULT_TEMPLATES,
    policy: WorkflowPolicy | None = None,
    duplicates: Sequence[Issue] = (),
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
        issue: Issue,
        version: int,
        templates: MessageTemplates,
        policy: WorkflowPolicy | None,
    ) -> None:
        self.event, self.issue, self.version = event, issue, version
        self.templates, self.policy = templates, policy
        self.messages: list[Message] = []

    def to_requester(self, kind: MessageKind, about: Issue | None = None) -> None:
        """Tell the requester of ``about`` (the step's issue if ``None``)."""
        about = about or self.issue
        if about.requester is None:
            return
        key = f"{self.issue.id}#{self.version}"
        self._add(kind, about, REQUESTER, (key, kind.value, f"{REQUESTER}:{about.id}"))

    def to_units(
        self, kind: MessageKind, units: Sequence[str], *, by_deadline: bool = False
    ) -> None:
        """Tell each of ``units``; with ``by_deadline``, once per deadline."""
        issue = self.issue
        key = f"{issue.id}#{self.version}"
        if by_deadline and issue.deadline is not None:
            key = f"{issue.id}@{micros(issue.deadline)}"
        for unit in dict.fromkeys(units):
            self._add(kind, issue, unit, (key, kind.value, unit))

    def _add(self, kind: MessageKind, about: Issue, recipient: str, parts: tuple[str, ...]) -> None:
        values = _values(about, self.issue, recipient, self.policy)
        self.messages.append(
            Message(
                id=message_id(*parts),
                record_id=about.id,
                kind=kind,
                recipient=recipient,
                text=self.templates.render(kind, values),
                created_at=self.event.at,
            )
        )


def _assigned(issue: Issue) -> list[str]:
    """The units a matter is assigned to: the responsible unit and the co-units."""
    lead = [] if issue.responsible_unit is None else [issue.responsible_unit]
    return [*lead, *issue.co_units]


def _transfer(made: _Made, duplicates: Sequence[Issue]) -> None:
    made.to_units(MessageKind.ASSIGNED, _assigned(made.issue))


def _answer(made: _Made, duplicates: Sequence[Issue]) -> None:
    made.to_requester(MessageKind.ANSWERED)
    made.to_requester(MessageKind.INVITED_TO_RATE)
    for duplicate in duplicates:
        if duplicate.id != made.issue.id:
            made.to_requester(MessageKind.ANSWERED, duplicate)


def _urge(made: _Made, duplicates: Sequence[Issue]) -> None:
    level = made.event.data.get("level")
    deadline = made.issue.deadline
    if level is None and deadline is not None:  # urged by hand: as things stood
        level = SlaLevel.OVERDUE if made.event.at > deadline else SlaLevel.DUE_SOON
    kind = MessageKind.OVERDUE if level == SlaLevel.OVERDUE else MessageKind.DUE_SOON
    unit = made.issue.responsible_unit
    made.to_units(kind, [] if unit is None else [unit], by_deadline=True)


def _escalate(made: _Made, duplicates: Sequence[Issue]) -> None:
    issue = made.issue
    units = [unit for unit in (issue.responsible_unit, issue.supervising_unit) if unit]
    made.to_units(MessageKind.ESCALATED, units)


def _dispatch(made: _Made, duplicates: Sequence[Issue]) -> None:
    """下派: the unit the work is handed down to is assigned it, as on a transfer."""
    unit = made.event.data.get("unit")
    made.to_units(MessageKind.ASSIGNED, [unit] if isinstance(unit, str) else [])


_STEPS: dict[str, Callable[[_Made, Sequence[Issue]], None]] = {
    "transfer": _transfer,
    "dispatch": _dispatch,
    "answer": _answer,
    "urge": _urge,
    "escalate": _escalate,
}
"""The steps that owe messages (besides receipt and reopening), by name."""


def _values(
    about: Issue, issue: Issue, recipient: str, policy: WorkflowPolicy | None
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
    }


def shown_title(issue: Issue) -> str:
    """The title as a message shows it: none for a confidential issue, and
    otherwise with mobiles, ID numbers and the requester's name masked."""
    if issue.confidential:
        return CONFIDENTIAL_TITLE
    names = () if issue.requester is None else (issue.requester.name,)
    return scrub_text(issue.title, names=names)


def deadline_text(deadline: DateTime | None) -> str:
    """A deadline as a message says it: 2026年5月12日17:30 (in its own zone)."""
    if deadline is None:
        return "待定"
    day = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    return f"{day}{deadline.hour:02d}:{deadline.minute:02d}"


def _limit_text(issue: Issue, policy: WorkflowPolicy | None) -> str:
    limit = None if policy is None else policy.limit_for(issue.track, issue.request_type)
    if isinstance(limit, TimeLimit):
        return f"{limit.amount}个{limit.unit.label}"
    if isinstance(limit, dt.timedelta):
        hours = limit.total_seconds() / 3600
        return f"{hours:g}小时"
    return "按规定时限"
