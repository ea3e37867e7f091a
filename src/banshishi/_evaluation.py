"""Evaluations (好差评): how a rater judged the handling of one issue."""

from typing import final

import attrs
from pendulum import DateTime

from ._labels import LabelledEnum
from ._rating import Rating
from ._time import aware_datetime, check_aware
from ._validators import identifier, member_of, of_type, optional_text, text, whole_number


@final
class RaterKind(LabelledEnum):
    """Who gave a rating."""

    REQUESTER = "requester", "诉求人"  # the person who raised the issue
    CITIZEN = "citizen", "群众"  # a member of the public
    PARTY_MEMBER = "party_member", "普通党员"  # an ordinary party member
    DEPUTY = "deputy", "两代表一委员"  # a deputy to a congress or a CPPCC committee member
    SERVICE_RECIPIENT = "service_recipient", "服务对象"  # someone the service was for


@final
@attrs.frozen(kw_only=True)
class Evaluation:
    """One rating of one issue (一事一评) in one round.

    ``round`` is 1 for the first answer and goes up each time a bad rating sends
    the issue back for a redo. ``resolved`` is the rater's own yes/no on whether
    the problem is solved, which the resolution rate (解决率) counts.
    """

    issue_id: str = attrs.field(validator=identifier())
    rating: Rating = attrs.field(validator=member_of(Rating))
    resolved: bool = attrs.field(validator=of_type(bool))
    at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    rater_kind: RaterKind = attrs.field(default=RaterKind.REQUESTER, validator=member_of(RaterKind))
    rater: str | None = attrs.field(default=None, validator=optional_text)
    """The rater's id; ``None`` for an anonymous rating."""
    comment: str = attrs.field(default="", validator=text(required=False))
    round: int = attrs.field(default=1, validator=whole_number(1))
