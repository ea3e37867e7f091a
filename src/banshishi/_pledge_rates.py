"""Pledge completion (践诺率): the rate DOMAIN.md's published table is made of."""

from collections.abc import Iterable

from pendulum import DateTime

from ._breakdown import Breakdown
from ._pledge import Pledge, PledgeStatus
from ._time import optional_moment
from ._validators import items_given

_NOT_PUBLIC = frozenset({PledgeStatus.DRAFT, PledgeStatus.WITHDRAWN})


def pledge_completion_rate(
    pledges: Iterable[Pledge], *, as_of: DateTime | None = None
) -> Breakdown[Pledge]:
    """Pledges fulfilled by ``as_of``, out of pledges claimed by then and made public.

    Drafts (not yet published, so not yet a public promise) and withdrawn
    pledges are listed in ``excluded``. Both are judged by their current status,
    as a pledge records no time for either.
    """
    as_of = optional_moment(as_of, field="as_of")
    claimed: list[Pledge] = []
    withdrawn: list[Pledge] = []
    for pledge in items_given(pledges, Pledge, field="pledges"):
        if not pledge.claimed_as_of(as_of):
            continue
        (withdrawn if pledge.status in _NOT_PUBLIC else claimed).append(pledge)
    return Breakdown.of(claimed, lambda pledge: pledge.fulfilled_as_of(as_of), withdrawn)
