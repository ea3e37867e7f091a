"""Follow-up visits (回访) after an issue is answered or closed."""

from typing import final

import attrs
from pendulum import DateTime

from ._errors import InconsistentRecordError
from ._labels import LabelledEnum
from ._time import check_optional_aware, optional_aware_datetime
from ._validators import member_of, optional_text, whole_number


@final
class VisitOutcome(LabelledEnum):
    """What a follow-up visit found."""

    RESOLVED = "resolved", "已解决"  # the problem is solved
    UNRESOLVED = "unresolved", "未解决"  # it is not: the issue is reopened for rectification
    UNREACHABLE = "unreachable", "未联系上"  # the person could not be reached


@final
@attrs.frozen(kw_only=True)
class Visit:
    """One follow-up visit (回访): planned with ``due``, done at ``done_at``.

    A visit scheduled ahead has ``due`` and no ``done_at`` yet; a visit made
    without being scheduled has ``done_at`` and no ``due``. ``outcome`` and
    ``visitor`` are set exactly when it is done. ``round`` is the handling round
    the visit followed up.
    """

    round: int = attrs.field(validator=whole_number(1))
    due: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    done_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    outcome: VisitOutcome | None = attrs.field(
        default=None, validator=member_of(VisitOutcome, optional=True)
    )
    visitor: str | None = attrs.field(default=None, validator=optional_text)

    def __attrs_post_init__(self) -> None:
        done = self.done_at is not None
        if done != (self.outcome is not None) or done != (self.visitor is not None):
            raise InconsistentRecordError(
                field="Visit.outcome",
                value=self.outcome,
                problem="and visitor must be set exactly when the visit is done",
            )
        if self.due is None and not done:
            raise InconsistentRecordError(
                field="Visit.due", value=None, problem="is needed for a visit not yet made"
            )

    @property
    def is_done(self) -> bool:
        """True once the visit has been made and its outcome recorded."""
        return self.done_at is not None

    def done_by(self, moment: DateTime | None) -> bool:
        """Whether the visit had been made by ``moment`` (at all, if ``None``)."""
        return self.done_at is not None and (moment is None or self.done_at <= moment)
