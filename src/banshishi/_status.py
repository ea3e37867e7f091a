"""Where an issue stands in the closed loop (闭环)."""

from typing import final

from ._labels import LabelledEnum


@final
class IssueStatus(LabelledEnum):
    """The status of an issue. The workflow decides which changes are allowed."""

    RECEIVED = "received", "已受理"  # accepted at intake, not yet sent anywhere
    TRANSFERRED = "transferred", "已转办"  # sent to a responsible unit with a deadline
    IN_PROGRESS = "in_progress", "办理中"  # the responsible unit has signed for it
    RESOLVED = "resolved", "已办理"  # the unit has done the work
    ANSWERED = "answered", "已反馈"  # the result was fed back to the requester
    CLOSED = "closed", "已办结"  # closed (办结/销号); counts as done
    RETURNED = "returned", "已退回"  # sent back by a unit that is not responsible
    DISMISSED = "dismissed", "不予受理"  # duplicate, invalid or withdrawn; in no denominator

    @property
    def is_open(self) -> bool:
        """True while someone still owes work on the issue."""
        return self not in (IssueStatus.CLOSED, IssueStatus.DISMISSED)


@final
class PledgeStatus(LabelledEnum):
    """Where a pledge stands. :class:`PledgeWorkflow` decides which changes are allowed."""

    DRAFT = "draft", "拟定"  # claimed and written, not yet published
    PUBLISHED = "published", "已公示"  # published for public supervision
    IN_PROGRESS = "in_progress", "推进中"  # work under way
    FULFILLED = "fulfilled", "已践诺"  # delivered and struck off (销号)
    OVERDUE = "overdue", "已逾期"  # past its deadline and not delivered
    WITHDRAWN = "withdrawn", "已撤回"  # withdrawn with a reason; in no denominator

    @property
    def is_open(self) -> bool:
        """True while the pledge still owes work: neither fulfilled nor withdrawn."""
        return self not in (PledgeStatus.FULFILLED, PledgeStatus.WITHDRAWN)


@final
class Subject(LabelledEnum):
    """What an audit event is about: an issue or a pledge."""

    ISSUE = "issue", "诉求"  # an issue moved by IssueWorkflow
    PLEDGE = "pledge", "承诺"  # a pledge moved by PledgeWorkflow


Status = IssueStatus | PledgeStatus
"""A status of either workflow."""

STATUSES: dict[Subject, type[IssueStatus] | type[PledgeStatus]] = {
    Subject.ISSUE: IssueStatus,
    Subject.PLEDGE: PledgeStatus,
}
"""The status vocabulary of each subject."""
