"""Rectifications (整改): an answered issue sent back to be put right."""

from typing import final

import attrs
from pendulum import DateTime

from ._errors import ChronologyError
from ._labels import LabelledEnum
from ._time import aware_datetime, check_aware, check_optional_aware, optional_aware_datetime
from ._validators import member_of, whole_number


@final
class RectificationCause(LabelledEnum):
    """What opened a rectification."""

    BAD_RATING = "bad_rating", "差评整改"  # a 不满意 or 非常不满意 rating
    VISIT = "visit", "回访未解决"  # a follow-up visit found the problem unresolved
    ORDERED = "ordered", "核查整改"  # a dispatcher, reviewer or supervisor ordered it


@final
@attrs.frozen(kw_only=True)
class Rectification:
    """One rectification: the issue's handling ``round`` it opened, by when it is
    due, and when the new answer was given (``answered_at``, ``None`` while open).

    ``rating`` is the position in ``Issue.evaluations`` of the bad rating that
    opened it (``None`` for one opened by a visit or an order).
    """

    round: int = attrs.field(validator=whole_number(2))
    cause: RectificationCause = attrs.field(validator=member_of(RectificationCause))
    opened_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    deadline: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    rating: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(whole_number(0))
    )
    answered_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )

    def __attrs_post_init__(self) -> None:
        for name in ("deadline", "answered_at"):
            moment = getattr(self, name)
            if moment is not None and moment < self.opened_at:
                raise ChronologyError(
                    field=f"Rectification.{name}",
                    value=moment,
                    problem="is before the rectification was opened "
                    f"({self.opened_at.isoformat()})",
                )

    def answered_by(self, moment: DateTime | None) -> bool:
        """Whether the rectified work had been answered by ``moment`` (at all, if ``None``)."""
        return self.answered_at is not None and (moment is None or self.answered_at <= moment)
