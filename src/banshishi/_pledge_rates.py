"""Pledge completion (践诺率): the rate DOMAIN.md's published table is made of."""

from collections.abc import Iterable

from pendulum import DateTime

from ._breakdown import Breakdown
from ._pledge import Pledge
from ._time import optional_moment
from ._validators import items_given


def pledge_completion_rate(
    pledges: Iterable[Pledge], *, as_of: DateTime | None = None
) -> Breakdown[Pledge]:
    """Pledges fulfilled by ``as_of``, out of pledges that stood as public
    promises then (published and not withdrawn; see :meth:`Pledge.public_as_of`).

    Pledges claimed by then but not public (drafts, withdrawn ones) are listed in
    ``excluded``. Per list kind, pledger or unit, group with :func:`grouped`;
    for a unit and everything under it, add the groups up with
    :meth:`UnitTree.roll_up`.
    """
    as_of = optional_moment(as_of, field="as_of")
    public: list[Pledge] = []
    left_out: list[Pledge] = []
    for pledge in items_given(pledges, Pledge, field="pledges"):
        if not pledge.claimed_as_of(as_of):
            continue
        (public if pledge.public_as_of(as_of) else left_out).append(pledge)
    return Breakdown.of(public, lambda pledge: pledge.fulfilled_as_of(as_of), left_out)
