"""Pledges (认领/承诺/践诺): livelihood items that leaders, members and
organisations claim, and the project charter (实事项目书) of a key livelihood
project."""

from fractions import Fraction
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import (
    ChronologyError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
)
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import (
    aware_datetime,
    check_aware,
    check_optional_aware,
    optional_aware_datetime,
    optional_moment,
)
from banshishi._core.validators import (
    as_tuple,
    field_name,
    identifier,
    items_of,
    member_of,
    of_type,
    optional_text,
    text,
)

from .event import Event, check_chain
from .milestone import Milestone, milestone_progress
from .vocabulary import PledgeStatus, Subject


@final
@attrs.frozen(kw_only=True)
class ProjectCharter:
    """ "One project, one plan, one leader, one task force, followed to the end":
    the goal, the measures, the leader who leads it, the task force (ids of the
    people or units on it) and the deadline.
    """

    goal: str = attrs.field(validator=text())
    measures: tuple[str, ...] = attrs.field(
        converter=as_tuple, validator=items_of(text(), unique=True)
    )
    lead: str = attrs.field(validator=text())
    """The id of the leader who leads the project (包联领导)."""
    task_force: tuple[str, ...] = attrs.field(
        converter=as_tuple, validator=items_of(text(), unique=True)
    )
    deadline: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)


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


def _check_weight(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    if value is None:
        return
    name = field_name(instance, attribute)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidTypeError(field=name, value=value, problem="must be a whole number or None")
    if value < 0:
        raise InvalidValueError(field=name, value=value, problem="must be 0 or more")


def _recheck(instance: "Pledge", attribute: "attrs.Attribute[Any]", value: Any) -> Any:
    """on_setattr hook: the whole record is checked as it would be, before the set."""
    attrs.evolve(instance, **{attribute.name: value})
    return value


_TIMES = ("deadline", "published_at", "fulfilled_at", "withdrawn_at")


@final
@attrs.define(kw_only=True, on_setattr=[attrs.setters.convert, attrs.setters.validate, _recheck])
class Pledge:
    """A livelihood item someone has claimed and publicly promised to deliver (承诺).

    ``pledger`` is the id of the person, team or organisation that claimed it,
    and ``unit`` the id of the unit it is reported under. A pledge may claim an
    issue (``issue``, the issue's id) or stand on its own. :class:`PledgeWorkflow`
    moves it from 拟定 (draft) through 已公示 (published) and 推进中 (in
    progress) to 已践诺 (fulfilled), or to 已逾期 (overdue) or 已撤回
    (withdrawn); the step moments land in ``published_at``, ``fulfilled_at`` and
    ``withdrawn_at``.

    A key project (重点民生项目) carries its ``charter``. ``milestones`` split
    the work; ``parent`` and ``weight`` place the pledge in a larger project, whose
    progress :class:`PledgeTree` rolls up by weight. ``weight`` ``None`` means
    "not given": see :class:`PledgeTree` for how missing and zero weights count.

    Every field is checked when the pledge is built and whenever it is set, and so
    are the rules that tie fields together; :meth:`update` changes several at once.
    """

    id: str = attrs.field(validator=identifier())
    title: str = attrs.field(validator=text())
    pledger: str = attrs.field(validator=text())
    pledger_kind: PledgerKind = attrs.field(validator=member_of(PledgerKind))
    list_kind: PledgeListKind = attrs.field(validator=member_of(PledgeListKind))
    claimed_at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    unit: str | None = attrs.field(default=None, validator=optional_text)
    issue: str | None = attrs.field(default=None, validator=identifier(optional=True))
    """The id of the issue this pledge claims (认领), if it claims one."""
    deadline: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    charter: ProjectCharter | None = attrs.field(
        default=None, validator=of_type(ProjectCharter, optional=True)
    )
    milestones: tuple[Milestone, ...] = attrs.field(
        default=(), converter=as_tuple, validator=items_of(of_type(Milestone))
    )
    parent: str | None = attrs.field(default=None, validator=identifier(optional=True))
    """The id of the larger pledge or project this one is part of."""
    weight: int | None = attrs.field(default=None, validator=_check_weight)
    """This pledge's share of its parent's progress; ``None`` when not given."""
    status: PledgeStatus = attrs.field(
        default=PledgeStatus.DRAFT, validator=member_of(PledgeStatus)
    )
    published_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    fulfilled_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    withdrawn_at: DateTime | None = attrs.field(
        default=None, converter=optional_aware_datetime, validator=check_optional_aware
    )
    history: tuple[Event, ...] = attrs.field(
        default=(), converter=as_tuple, validator=items_of(of_type(Event))
    )

    def __attrs_post_init__(self) -> None:
        check_pledge(self)

    def __delattr__(self, name: str) -> None:
        raise InvalidTypeError(
            field=f"Pledge.{name}", value=None, problem="cannot be deleted", hint="Set it instead."
        )

    def update(self, **changes: Any) -> None:
        """Set several fields at once: checked together; if any check fails,
        nothing changes."""
        names = {field.name for field in attrs.fields(Pledge)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise InvalidValueError(
                field="Pledge.update", value=unknown, problem="names fields a Pledge does not have"
            )
        candidate = attrs.evolve(self, **changes)
        for name in changes:
            object.__setattr__(self, name, getattr(candidate, name))

    @property
    def progress(self) -> Fraction:
        """This pledge's own progress from 0 to 1: 1 once fulfilled, else the
        done share of its milestones' weight (0 with no milestones).

        A project with parts rolls up through :class:`PledgeTree` instead.
        """
        if self.status is PledgeStatus.FULFILLED:
            return Fraction(1)
        rate = milestone_progress(self.milestones)
        return rate.value if rate.value is not None else Fraction(0)

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

    def never_published(self) -> bool:
        """True when the history starts from the draft and never reaches 已公示."""
        history = self.history
        return (
            bool(history)
            and _from_draft(history[0])
            and not any(event.to_status is PledgeStatus.PUBLISHED for event in history)
        )

    def public_as_of(self, moment: DateTime | None = None) -> bool:
        """Whether the pledge stood as a public promise at ``moment`` (now if
        ``None``): published by then and not withdrawn by then.

        One without ``published_at`` (a list imported as it stands) counts as
        public from its claim unless it is a draft, or its history shows it went
        from draft to withdrawn without being published; one withdrawn with no
        ``withdrawn_at`` never counts.
        """
        moment = optional_moment(moment, field="Pledge.public_as_of.moment")
        if self.status is PledgeStatus.DRAFT or not self.claimed_as_of(moment):
            return False
        if self.published_at is None and self.never_published():
            return False
        if self.published_at is not None and moment is not None and self.published_at > moment:
            return False
        if self.status is PledgeStatus.WITHDRAWN:
            withdrawn = self.withdrawn_at
            return withdrawn is not None and moment is not None and moment < withdrawn
        return True


def _from_draft(event: Event) -> bool:
    return event.from_status in (None, PledgeStatus.DRAFT)


def check_pledge(pledge: Pledge) -> None:
    """Raise the first rule that ``pledge`` breaks."""
    for name in _TIMES:
        moment = getattr(pledge, name)
        if moment is not None and moment < pledge.claimed_at:
            raise ChronologyError(
                field=f"Pledge.{name}", value=moment, problem="is before the pledge was claimed"
            )
    status = pledge.status
    for name, owner in (
        ("fulfilled_at", PledgeStatus.FULFILLED),
        ("withdrawn_at", PledgeStatus.WITHDRAWN),
    ):
        moment = getattr(pledge, name)
        if owner is PledgeStatus.FULFILLED and (status is owner) != (moment is not None):
            raise InconsistentRecordError(
                field=f"Pledge.{name}",
                value=moment,
                problem=f"must be set exactly when the pledge is fulfilled ({status.value!r})",
            )
        if owner is PledgeStatus.WITHDRAWN and moment is not None and status is not owner:
            raise InconsistentRecordError(
                field=f"Pledge.{name}",
                value=moment,
                problem=f"is only for a withdrawn pledge ({status.value!r})",
            )
    if status is PledgeStatus.FULFILLED:
        undone = [m.name for m in pledge.milestones if m.done_at is None]
        if undone:
            raise InconsistentRecordError(
                field="Pledge.milestones",
                value=undone,
                problem="are not all done on a fulfilled pledge",
            )
    if pledge.status is PledgeStatus.DRAFT and pledge.published_at is not None:
        raise InconsistentRecordError(
            field="Pledge.published_at", value=pledge.published_at, problem="is set on a draft"
        )
    if pledge.charter is not None and pledge.list_kind is not PledgeListKind.KEY_PROJECT:
        raise InconsistentRecordError(
            field="Pledge.charter",
            value=pledge.charter.goal,
            problem="belongs to a key project (重点民生项目) only",
        )
    if pledge.parent is not None and pledge.parent == pledge.id:
        raise InconsistentRecordError(
            field="Pledge.parent", value=pledge.parent, problem="is the pledge itself"
        )
    names: set[str] = set()
    for index, milestone in enumerate(pledge.milestones):
        if milestone.name in names:
            raise InconsistentRecordError(
                field=f"Pledge.milestones[{index}].name",
                value=milestone.name,
                problem="is the name of an earlier milestone",
            )
        names.add(milestone.name)
    _check_history(pledge)


def _check_history(pledge: Pledge) -> None:
    check_chain(pledge.history, owner="Pledge", subject=Subject.PLEDGE)
    for index, event in enumerate(pledge.history):
        if event.at < pledge.claimed_at:
            raise ChronologyError(
                field=f"Pledge.history[{index}].at",
                value=event.at,
                problem="is before the pledge was claimed",
            )
    if pledge.history and pledge.history[-1].to_status is not pledge.status:
        raise InconsistentRecordError(
            field="Pledge.status",
            value=pledge.status,
            problem=f"differs from the last event's status {pledge.history[-1].to_status.value!r}",
            hint="Change the status and history together with Pledge.update().",
        )
