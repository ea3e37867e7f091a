"""What follows the handling of an issue: the answer, the rating, the appeal,
the visit and the rectification.

Evaluations (好差评): how a rater judged the handling of one issue.

Feedback (反馈): the answer given to the person who raised an issue.

Appeals (申诉) against a rating, and how a reviewer decided them.

Follow-up visits (回访) after an issue is answered or closed.

Rectifications (整改): an answered issue sent back to be put right.
"""

from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import ChronologyError, InconsistentRecordError
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import (
    aware_datetime,
    check_aware,
    check_optional_aware,
    optional_aware_datetime,
)
from banshishi._core.validators import (
    identifier,
    member_of,
    of_type,
    optional_text,
    text,
    whole_number,
)

from .vocabulary import Rating


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


@final
class FeedbackMethod(LabelledEnum):
    """How the answer reached the requester."""

    PHONE = "phone", "电话"  # a call to the requester
    TEXT_MESSAGE = "text_message", "短信"  # an SMS
    ONLINE = "online", "网上"  # a reply on the platform, app or account it came in on
    IN_PERSON = "in_person", "上门"  # a visit or a face-to-face talk
    WRITTEN = "written", "书面"  # a letter or written reply
    PUBLIC_NOTICE = "public_notice", "公示"  # posted publicly, for anonymous requesters


@final
@attrs.frozen(kw_only=True)
class Feedback:
    """An answer to the requester about what was done.

    Collection, transfer and feedback together close the loop, so an issue can
    only be answered or closed once it has at least one of these.
    """

    at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    content: str = attrs.field(validator=text())
    method: FeedbackMethod = attrs.field(validator=member_of(FeedbackMethod))
    unit: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the unit that answered."""
    responder: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the person who answered."""


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
        check_decision(self, "Appeal", self.filed_at, "the appeal was filed", "appeal")

    @property
    def is_pending(self) -> bool:
        """True until a reviewer has decided the appeal."""
        return self.outcome is None

    def voided_by(self, moment: DateTime | None) -> bool:
        """Whether the appeal had voided its rating by ``moment`` (ever, if ``None``)."""
        if self.outcome is not AppealOutcome.VOIDED or self.decided_at is None:
            return False
        return moment is None or self.decided_at <= moment


def check_decision(
    record: Any, owner: str, since: DateTime, since_what: str, noun: str = "request"
) -> None:
    """A request decided by a reviewer (an appeal, a request for exclusion) has its
    ``outcome``, ``decided_at`` and ``decided_by`` all set or none, and is not
    decided before ``since``."""
    decided = record.outcome is not None
    if decided != (record.decided_at is not None) or decided != (record.decided_by is not None):
        raise InconsistentRecordError(
            field=f"{owner}.decided_at",
            value=record.decided_at,
            problem=f"and decided_by must be set exactly when the {noun} has an outcome",
        )
    if record.decided_at is not None and record.decided_at < since:
        raise InconsistentRecordError(
            field=f"{owner}.decided_at",
            value=record.decided_at,
            problem=f"is before {since_what} ({since.isoformat()})",
        )


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
    the visit followed up. A visit that reached the requester may record their
    answers to the assessment's questions (``contacted``, ``satisfied``; the
    ``outcome`` answers whether the problem is solved), which the 回访 rates count.
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
    contacted: bool | None = attrs.field(default=None, validator=of_type(bool, optional=True))
    """是否联系: the requester says the handling unit contacted them about the
    matter; ``None`` when not asked (or the requester was not reached)."""
    satisfied: bool | None = attrs.field(default=None, validator=of_type(bool, optional=True))
    """是否满意: the requester says they are satisfied with the handling; ``None``
    when not asked (or not reached). Whether the problem is solved (是否解决) is
    the ``outcome``."""

    def __attrs_post_init__(self) -> None:
        done = self.done_at is not None
        if done != (self.outcome is not None) or done != (self.visitor is not None):
            raise InconsistentRecordError(
                field="Visit.outcome",
                value=self.outcome,
                problem="and visitor must be set exactly when the visit is done",
            )
        reached = done and self.outcome is not VisitOutcome.UNREACHABLE
        for name in ("contacted", "satisfied"):
            if getattr(self, name) is not None and not reached:
                raise InconsistentRecordError(
                    field=f"Visit.{name}",
                    value=getattr(self, name),
                    problem="is the requester's answer: only for a visit made that reached them",
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
