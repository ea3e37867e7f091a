"""How an issue's status reads in Open311, both ways, from one table.

GeoReport v2 knows two statuses, ``open`` and ``closed``. mySociety's extension
(used by FixMyStreet and the councils it reports to) names finer ones, such as
``ACTION_SCHEDULED`` or ``NOT_COUNCILS_RESPONSIBILITY``. Our closed loop is finer
again in some places (已办理, 已反馈) and coarser in others, so neither side maps
one to one. :data:`OPEN311_STATUSES` is the single table both directions read:

- exporting, the first row for the issue's status whose condition holds gives
  the extended status;
- importing, the one row of an extended status marked ``reads_as`` gives ours,
  unless the request carries our own status code (``external_status_code``)
  naming another row of that extended status.

The plain ``open`` and ``closed`` are the ``OPEN`` and ``CLOSED`` members, so a
plain request reads through the same table.

>>> OPEN311_STATUSES[0].status.value, OPEN311_STATUSES[0].open311.value
('received', 'OPEN')
"""

from collections.abc import Callable
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InconsistentRecordError, UnknownValueError
from banshishi._core.labels import LabelledEnum
from banshishi._model.issue import Issue
from banshishi._model.vocabulary import DismissalReason, IssueStatus

Condition = Callable[[Issue, DateTime], bool]


@final
class Open311Status(LabelledEnum):
    """The statuses of mySociety's Open311 extension, plain ``OPEN`` and ``CLOSED`` included.

    FixMyStreet reads them case-blind, with ``_`` or spaces between the words.
    """

    OPEN = "OPEN", "待处理"  # reported, nothing more said; GeoReport v2's plain "open"
    FOR_TRIAGE = "FOR_TRIAGE", "待分拣"  # waiting to be sorted and sent on
    INVESTIGATING = "INVESTIGATING", "调查核实中"  # the body is looking into it
    ACTION_SCHEDULED = "ACTION_SCHEDULED", "已安排处理"  # work ordered or planned
    IN_PROGRESS = "IN_PROGRESS", "处理中"  # work under way
    REOPEN = "REOPEN", "重新打开"  # reopened after being reported fixed or closed
    FIXED = "FIXED", "已修复"  # the body reports the problem fixed
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION", "不再处理"  # closed without a fix
    NOT_COUNCILS_RESPONSIBILITY = "NOT_COUNCILS_RESPONSIBILITY", "非本机关职责"  # not theirs
    DUPLICATE = "DUPLICATE", "重复报告"  # the same problem is already reported
    INTERNAL_REFERRAL = "INTERNAL_REFERRAL", "内部转交"  # passed to another part of the body
    CANCELLED = "CANCELLED", "已取消"  # withdrawn or cancelled
    CLOSED = "CLOSED", "已关闭"  # closed, nothing more said; GeoReport v2's plain "closed"

    @property
    def is_open(self) -> bool:
        """Whether FixMyStreet counts the status as open (its "fixed" ones are closed)."""
        return self in _OPEN_IN_FIXMYSTREET

    @classmethod
    def read(cls, value: object, *, field: str) -> "Open311Status":
        """The member ``value`` names, read as FixMyStreet does: ``"action scheduled"``,
        ``"action_scheduled"`` and ``"ACTION_SCHEDULED"`` are one status."""
        if isinstance(value, str):
            key = "_".join(value.replace("_", " ").split()).upper()
            if key in cls.__members__:
                return cls.__members__[key]
        raise UnknownValueError(
            field=field,
            value=value,
            problem="is not an Open311 status",
            hint="Expected open or closed, or one of mySociety's: "
            + ", ".join(member.value for member in cls)
            + ".",
        )


_OPEN_IN_FIXMYSTREET = frozenset(
    {
        Open311Status.OPEN,
        Open311Status.FOR_TRIAGE,
        Open311Status.INVESTIGATING,
        Open311Status.ACTION_SCHEDULED,
        Open311Status.IN_PROGRESS,
        Open311Status.REOPEN,
    }
)


# -- export conditions: each docstring's first line is what the docs table shows ------------


def always(issue: Issue, at: DateTime) -> bool:
    """otherwise"""
    return True


def redone(issue: Issue, at: DateTime) -> bool:
    """in a second or later round (重办)"""
    return issue.round > 1


def rated_resolved(issue: Issue, at: DateTime) -> bool:
    """the latest live evaluation says resolved"""
    latest = issue.latest_evaluation_as_of(at)
    return latest is not None and latest.resolved


def rated_unresolved(issue: Issue, at: DateTime) -> bool:
    """the latest live evaluation says not resolved"""
    latest = issue.latest_evaluation_as_of(at)
    return latest is not None and not latest.resolved


def dismissed_as_duplicate(issue: Issue, at: DateTime) -> bool:
    """dismissed as a duplicate (`duplicate_of` set)"""
    return issue.duplicate_of is not None or dismissal_reason(issue) is DismissalReason.DUPLICATE


def withdrawn(issue: Issue, at: DateTime) -> bool:
    """withdrawn by the requester"""
    return dismissal_reason(issue) is DismissalReason.WITHDRAWN


def dismissal_reason(issue: Issue) -> DismissalReason | None:
    """The reason the last dismissal in the history gave, if it gave a known one: by
    its value, its label or a former label, as a step reads it (a history kept by
    hand, or by an older version, may spell 重复诉求 for 重复件)."""
    for event in reversed(issue.history):
        if event.to_status is IssueStatus.DISMISSED and event.from_status is not event.to_status:
            reason = event.data.get("reason")
            try:
                return DismissalReason(reason) if isinstance(reason, str) else None
            except UnknownValueError:
                return None
    return None


@final
@attrs.frozen(kw_only=True)
class Open311StatusRow:
    """One row of :data:`OPEN311_STATUSES`: our ``status`` and the ``open311`` one.

    ``when`` is the condition for exporting ``status`` as ``open311`` (``None``
    for a status that is only ever read). ``reads_as`` marks the row that reading
    ``open311`` gives when the request does not name our status itself. ``why``
    says why the two match.
    """

    status: IssueStatus
    open311: Open311Status
    when: Condition | None
    reads_as: bool
    why: str

    @property
    def coarse(self) -> str:
        """The GeoReport v2 status an issue in this row is exported with."""
        return "open" if self.status.is_open else "closed"


def _row(
    status: IssueStatus,
    open311: Open311Status,
    when: Condition | None,
    *,
    reads_as: bool,
    why: str,
) -> Open311StatusRow:
    return Open311StatusRow(status=status, open311=open311, when=when, reads_as=reads_as, why=why)


_S, _O = IssueStatus, Open311Status

OPEN311_STATUSES: tuple[Open311StatusRow, ...] = (
    _row(_S.RECEIVED, _O.OPEN, always, reads_as=True, why="taken in, not yet sent anywhere"),
    _row(_S.RECEIVED, _O.FOR_TRIAGE, None, reads_as=True, why="waiting for the dispatcher"),
    _row(
        _S.TRANSFERRED,
        _O.INVESTIGATING,
        always,
        reads_as=True,
        why="a unit has it and has not yet signed for it",
    ),
    _row(
        _S.TRANSFERRED,
        _O.ACTION_SCHEDULED,
        None,
        reads_as=True,
        why="work ordered; we do not claim a unit signed for it",
    ),
    _row(_S.IN_PROGRESS, _O.REOPEN, redone, reads_as=True, why="back in hand after a redo"),
    _row(_S.IN_PROGRESS, _O.IN_PROGRESS, always, reads_as=True, why="the unit is handling it"),
    _row(
        _S.RESOLVED,
        _O.IN_PROGRESS,
        always,
        reads_as=False,
        why="work done, requester not yet answered: the loop is still open",
    ),
    _row(
        _S.ANSWERED,
        _O.IN_PROGRESS,
        always,
        reads_as=False,
        why="answered, awaiting the rating: the loop is still open",
    ),
    _row(
        _S.RETURNED,
        _O.INTERNAL_REFERRAL,
        always,
        reads_as=True,
        why="a unit sent it back; the centre re-transfers it within government",
    ),
    _row(_S.CLOSED, _O.FIXED, rated_resolved, reads_as=True, why="closed, and the rater agrees"),
    _row(
        _S.CLOSED,
        _O.NO_FURTHER_ACTION,
        rated_unresolved,
        reads_as=True,
        why="closed though the rater says it is not solved",
    ),
    _row(_S.CLOSED, _O.CLOSED, always, reads_as=True, why="closed with no live rating"),
    _row(
        _S.DISMISSED,
        _O.DUPLICATE,
        dismissed_as_duplicate,
        reads_as=True,
        why="the same matter is already on the ledger",
    ),
    _row(_S.DISMISSED, _O.CANCELLED, withdrawn, reads_as=True, why="the requester withdrew it"),
    _row(
        _S.DISMISSED,
        _O.NOT_COUNCILS_RESPONSIBILITY,
        always,
        reads_as=True,
        why="not a matter for the platform (invalid, or no reason recorded)",
    ),
)
"""Our statuses and mySociety's, in export order; see the module docstring."""


def open311_status(issue: Issue, *, at: DateTime) -> Open311StatusRow:
    """The row ``issue`` is exported by: the first for its status whose condition holds."""
    rows = (row for row in OPEN311_STATUSES if row.status is issue.status and row.when)
    found = next((row for row in rows if row.when is not None and row.when(issue, at)), None)
    assert found is not None, "each status has a row exported always"
    return found


def issue_status(
    open311: Open311Status, *, ours: IssueStatus | None = None, field: str
) -> IssueStatus:
    """The status ``open311`` reads as; ``ours`` (a request's own status code) picks
    among the rows of ``open311`` and must be one of them. ``field`` names ``ours``."""
    rows = [row for row in OPEN311_STATUSES if row.open311 is open311]
    if ours is None:
        return next(row.status for row in rows if row.reads_as)
    if all(row.status is not ours for row in rows):
        raise InconsistentRecordError(
            field=field,
            value=ours.value,
            problem=f"cannot be the status of a request marked {open311.value}",
            hint="Allowed: " + ", ".join(row.status.value for row in rows) + ".",
        )
    return ours
