"""Pledge completion (践诺率): the rate DOMAIN.md's published table is made of."""

from collections.abc import Iterable

from pendulum import DateTime

from ._breakdown import Breakdown
from ._pledge import Pledge, PledgeStatus
from ._time import optional_moment


def pledge_completion_rate(
    pledges: Iterable[Pledge], *, as_of: DateTime | None = None
) -> Breakdown[Pledge]:
    """Pledges fulfilled by ``as_of``, out of pledges claimed by then and not withdrawn.

    Withdrawn pledges are listed in ``excluded``.
    """
    as_of = optional_moment(as_of, field="as_of")
    claimed: list[Pledge] = []
    withdrawn: list[Pledge] = []
    for pledge in pledges:
        if not pledge.claimed_as_of(as_of):
            continue
        (withdrawn if pledge.status is PledgeStatus.WITHDRAWN else claimed).append(pledge)
    return Breakdown.of(claimed, lambda pledge: pledge.fulfilled_as_of(as_of), withdrawn)
