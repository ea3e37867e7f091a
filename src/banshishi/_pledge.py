"""Pledges (认领/承诺/践诺): livelihood items that leaders, members and organisations claim."""

from fractions import Fraction
from typing import Any, cast, final

import attrs
from pendulum import DateTime

from ._errors import ChronologyError, InconsistentRecordError, InvalidTypeError, InvalidValueError
from ._labels import LabelledEnum
from ._time import (
    aware_datetime,
    check_aware,
    check_optional_aware,
    optional_aware_datetime,
    optional_moment,
)
from ._validators import field_name, member_of, optional_text, text


@final
class PledgeListKind(LabelledEnum):
    """The kind of list a pledge is published on."""

    LIVELIHOOD_PLAN = "livelihood_plan", "民生实事计划"  # a team's or organisation's plan
    SERVICE_LIST = "service_list", "为民办事清单"  # a leader's or member's own list
    KEY_PROJECT = "key_project", "重点民生项目"  # a key project claimed by a senior leader
    VANGUARD_POST = "vanguard_post", "党员先锋岗/责任区"  # a vanguard post or responsibility zone
    COMMUNITY_CLAIM = "community_claim", "双报到认领"  # claimed in the member's home community


@final
class PledgerKind(LabelledEnum):
    """Who made a pledge."""

    LEADERSHIP_TEAM = "leadership_team", "领导班子"  # a leadership team as a whole
    LEADER = "leader", "领导班子成员"  # one member of a leadership team
    ORGANISATION = "organisation", "基层党组织"  # a grassroots party organisation
    PARTY_MEMBER = "party_member", "党员"  # an individual party member


@final
class PledgeStatus(LabelledEnum):
    """Where a pledge stands."""

    DRAFT = "draft", "拟定"  # written, not yet published
    PUBLISHED = "published", "已公示"  # published for public supervision
    IN_PROGRESS = "in_progress", "推进中"  # work under way
    FULFILLED = "fulfilled", "已践诺"  # delivered and struck off (销号)
    OVERDUE = "overdue", "已逾期"  # past its deadline and not delivered
    WITHDRAWN = "withdrawn", "已撤回"  # withdrawn with a reason; in no denominator


def as_progress(value: Fraction | int) -> Fraction:
    """attrs converter: an ``int`` becomes a ``Fraction``; other values go to the validator."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    return cast(Fraction, value)


def _check_progress(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    name = field_name(instance, attribute)
    if not isinstance(value, Fraction):
        raise InvalidTypeError(
            field=name,
            value=value,
            problem="must be a Fraction between 0 and 1",
            hint="Write three quarters done as Fraction(3, 4).",
        )
    if not 0 <= value <= 1:
        raise InvalidValueError(field=name, value=value, problem="must lie between 0 and 1")


@final
@attrs.frozen(kw_only=True)
class Pledge:
    """A livelihood item someone has claimed and publicly promised to deliver.

    ``pledger`` is the id of the person or organisation that claimed it, and
    ``unit`` the id of the unit it is reported under. ``progress`` is the share
    done, an exact fraction from 0 to 1. A fulfilled pledge has ``fulfilled_at``
    and full progress; a withdrawn one is left out of completion rates.
    """

    id: str = attrs.field(validator=text())
    title: str = attrs.field(validator=text())
    pledger: str = attrs.field(validator=text())
    pledger_kind: PledgerKind = attrs.field(validator=member_of(PledgerKind))
    list_kind: PledgeListKind = attrs.field(validator=member_of(PledgeListKind))
    claimed_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    unit: str | None = attrs.field(default=None, validator=optional_text)
    deadline: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    status: PledgeStatus = attrs.field(
        default=PledgeStatus.PUBLISHED, validator=member_of(PledgeStatus)
    )
    progress: Fraction = attrs.field(
        default=Fraction(0), converter=as_progress, validator=_check_progress
    )
    fulfilled_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )

    def __attrs_post_init__(self) -> None:
        for name in ("deadline", "fulfilled_at"):
            moment = getattr(self, name)
            if moment is not None and moment < self.claimed_at:
                raise ChronologyError(
                    field=f"Pledge.{name}", value=moment, problem="is before the pledge was claimed"
                )
        fulfilled = self.status is PledgeStatus.FULFILLED
        if fulfilled != (self.fulfilled_at is not None):
            raise InconsistentRecordError(
                field="Pledge.fulfilled_at",
                value=self.fulfilled_at,
                problem=f"must be set exactly when the pledge is fulfilled ({self.status.value!r})",
            )
        if fulfilled and self.progress != 1:
            raise InconsistentRecordError(
                field="Pledge.progress",
                value=self.progress,
                problem="must be 1 for a fulfilled pledge",
            )

    def fulfilled_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the pledge had been fulfilled by ``moment`` (now if ``None``)."""
        moment = optional_moment(moment, field="Pledge.fulfilled_as_of.moment")
        if self.fulfilled_at is None:
            return False
        return moment is None or self.fulfilled_at <= moment

    def claimed_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the pledge had been claimed by ``moment`` (now if ``None``)."""
        moment = optional_moment(moment, field="Pledge.claimed_as_of.moment")
        return moment is None or self.claimed_at <= moment
