"""Exclusion from assessment (不纳入考核): an issue a reviewer agrees should not
count against the handling unit.

A 12345 platform assesses its units by rates (响应率, 办结率, 满意率, …). Some
matters cannot fairly count against anyone: an unreasonable demand (不合理诉求),
a matter outside every unit's jurisdiction, a delay caused by force majeure. The
handling unit asks for the issue to be left out, giving its grounds; a reviewer
approves or rejects the request. An approved exclusion leaves the issue in every
count (received, closed, overdue, …) and takes it out of the denominators of the
assessed rates from the moment it is approved (see docs/metrics.md).
"""

from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.labels import LabelledEnum
from banshishi._core.time import (
    aware_datetime,
    check_aware,
    check_optional_aware,
    optional_aware_datetime,
)
from banshishi._core.validators import member_of, optional_text, text

from .evaluation import check_decision


@final
class ExclusionGrounds(LabelledEnum):
    """Why an issue should not count in the assessment of the unit handling it."""

    UNREASONABLE = "unreasonable", "不合理诉求"  # a demand no unit could or should meet
    OUTSIDE_JURISDICTION = "outside_jurisdiction", "非管辖范围"  # no unit here answers for it
    NO_POLICY_BASIS = "no_policy_basis", "无政策依据"  # beyond what law and policy provide
    FORCE_MAJEURE = "force_majeure", "不可抗力"  # weather, disaster, an emergency elsewhere
    REQUESTER_CAUSE = "requester_cause", "诉求人原因"  # the requester refused or withdrew help
    HISTORICAL = "historical", "历史遗留问题"  # a problem left over that needs higher decisions


@final
class ExclusionOutcome(LabelledEnum):
    """What a reviewer decided on a request for exclusion."""

    APPROVED = "approved", "同意不纳入考核"  # the issue is left out of the assessed rates
    REJECTED = "rejected", "不予认定"  # it stays in


@final
@attrs.frozen(kw_only=True)
class Exclusion:
    """A request to leave an issue out of the assessment, and its decision.

    While ``outcome`` is ``None`` the request is pending; a decision sets
    ``outcome``, ``decided_at``, ``decided_by`` and the ``reason`` given.
    """

    grounds: ExclusionGrounds = attrs.field(validator=member_of(ExclusionGrounds))
    requested_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    requested_by: str = attrs.field(validator=text())
    explanation: str = attrs.field(default="", validator=text(required=False))
    outcome: ExclusionOutcome | None = attrs.field(
        default=None, validator=member_of(ExclusionOutcome, optional=True)
    )
    decided_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    decided_by: str | None = attrs.field(default=None, validator=optional_text)
    reason: str = attrs.field(default="", validator=text(required=False))

    def __attrs_post_init__(self) -> None:
        check_decision(self, "Exclusion", self.requested_at, "the exclusion was requested")

    @property
    def is_pending(self) -> bool:
        """True until a reviewer has decided the request."""
        return self.outcome is None

    def approved_by(self, moment: DateTime | None) -> bool:
        """Whether the exclusion had been approved by ``moment`` (ever, if ``None``)."""
        if self.outcome is not ExclusionOutcome.APPROVED or self.decided_at is None:
            return False
        return moment is None or self.decided_at <= moment
