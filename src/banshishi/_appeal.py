"""Appeals (申诉) against a rating, and how a reviewer decided them."""

from typing import final

import attrs
from pendulum import DateTime

from ._errors import InconsistentRecordError
from ._labels import LabelledEnum
from ._time import aware_datetime, check_aware, check_optional_aware, optional_aware_datetime
from ._validators import member_of, optional_text, text, whole_number


@final
class AppealGrounds(LabelledEnum):
    """Why the handling unit says a rating should not count."""

    MISTAKEN = "mistaken", "误评"  # the rater meant something else, or rated the wrong matter
    MALICIOUS = "malicious", "恶意差评"  # a rating given in bad faith
    OUT_OF_SCOPE = (
        "out_of_scope",
        "非承办范围",
    )  # the complaint is about something outside the matter


@final
class AppealOutcome(LabelledEnum):
    """What a reviewer decided on an appeal."""

    VOIDED = "voided", "评价作废"  # upheld: the rating no longer counts
    REJECTED = "rejected", "申诉驳回"  # refused: the rating stands


@final
@attrs.frozen(kw_only=True)
class Appeal:
    """A unit's appeal against one rating, and the reviewer's decision.

    ``rating`` is the position of the appealed rating in ``Issue.evaluations``.
    While ``outcome`` is ``None`` the appeal is pending; a decision sets
    ``outcome``, ``decided_at``, ``decided_by`` and the ``reason`` given. A
    voided rating stays in the issue's evaluations and history, but no rate
    counts it from ``decided_at`` on.
    """

    rating: int = attrs.field(validator=whole_number(0))
    grounds: AppealGrounds = attrs.field(validator=member_of(AppealGrounds))
    filed_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    filed_by: str = attrs.field(validator=text())
    explanation: str = attrs.field(default="", validator=text(required=False))
    outcome: AppealOutcome | None = attrs.field(
        default=None, validator=member_of(AppealOutcome, optional=True)
    )
    decided_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    decided_by: str | None = attrs.field(default=None, validator=optional_text)
    reason: str = attrs.field(default="", validator=text(required=False))

    def __attrs_post_init__(self) -> None:
        decided = self.outcome is not None
        if decided != (self.decided_at is not None) or decided != (self.decided_by is not None):
            raise InconsistentRecordError(
                field="Appeal.decided_at",
                value=self.decided_at,
                problem="and decided_by must be set exactly when the appeal has an outcome",
            )
        if self.decided_at is not None and self.decided_at < self.filed_at:
            raise InconsistentRecordError(
                field="Appeal.decided_at",
                value=self.decided_at,
                problem=f"is before the appeal was filed ({self.filed_at.isoformat()})",
            )

    @property
    def is_pending(self) -> bool:
        """True until a reviewer has decided the appeal."""
        return self.outcome is None

    def voided_by(self, moment: DateTime | None) -> bool:
        """Whether the appeal had voided its rating by ``moment`` (ever, if ``None``)."""
        if self.outcome is not AppealOutcome.VOIDED or self.decided_at is None:
            return False
        return moment is None or self.decided_at <= moment
