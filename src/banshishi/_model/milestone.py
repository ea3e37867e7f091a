"""Milestones (节点) of a 盯办 item, and the progress they add up to."""

from collections.abc import Iterable
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.time import check_optional_aware, optional_aware_datetime
from banshishi._core.validators import text, whole_number

from .rate import Rate


@final
@attrs.frozen(kw_only=True)
class Milestone:
    """One step of a tracked (盯办) item, with its share of the work.

    ``weight`` is a whole number; progress is the done weight over the total
    weight, so two milestones of weight 1 and 3 count 25% and 75%. ``due`` is the
    target date; ``done_at`` is set when the handling unit reports it done.
    """

    name: str = attrs.field(validator=text())
    weight: int = attrs.field(default=1, validator=whole_number(1))
    due: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    done_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )

    @property
    def is_done(self) -> bool:
        """True once the milestone has been reported done."""
        return self.done_at is not None


def milestone_progress(milestones: Iterable[Milestone]) -> Rate:
    """Done weight out of total weight, as a :class:`Rate` (``—`` with no milestones).

    >>> import pendulum
    >>> done = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
    >>> plan = [Milestone(name="选址", weight=1, done_at=done), Milestone(name="建成", weight=3)]
    >>> milestone_progress(plan).format()
    '25.0%'
    """
    done = total = 0
    for milestone in milestones:
        total += milestone.weight
        if milestone.done_at is not None:
            done += milestone.weight
    return Rate(done, total)
