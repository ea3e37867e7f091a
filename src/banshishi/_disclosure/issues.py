"""Disclosure lists (公示): issues and pledges as they stood at a moment, in the
form they may be published for public supervision.

:func:`disclose_issues` (here) and :func:`disclose_pledges` (in
``_disclosure_pledges``) return frozen records with everything a published
list shows and nothing it must not: the requester's name is masked, the place
is cut to its community, and every text is scrubbed of mobile and ID numbers
and of the name of the person the line is about (see ``_masking``); a
confidential issue (保密件) is never listed. Masking is
on unless the caller passes ``mask=False``, for an internal copy. The writers
in ``_disclosure_output`` turn the records into CSV, JSON or a printable page.
"""

from collections.abc import Callable, Iterable, Iterator
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError
from banshishi._core.time import as_datetime, check_aware, check_optional_aware
from banshishi._core.validators import (
    flag,
    items_given,
    items_of,
    iterable_given,
    member_of,
    of_type,
)
from banshishi._metrics.summary import IssueSummary
from banshishi._model.issue import Issue
from banshishi._model.milestone import Milestone
from banshishi._model.pledge import PledgeListKind, PledgerKind
from banshishi._model.rate import Rate
from banshishi._model.units import UnitTree
from banshishi._model.vocabulary import IssueStatus, PledgeStatus, Track, Urgency

from .masking import mask_address, mask_person, scrub_text


@final
@attrs.frozen(kw_only=True)
class DisclosedMilestone:
    """One milestone (节点) as published: its name, whether it was done by the
    list's moment, and when it is due."""

    name: str = attrs.field(validator=of_type(str))
    done: bool = attrs.field(validator=of_type(bool))
    due: DateTime | None = attrs.field(default=None, validator=check_optional_aware)


_milestones = items_of(of_type(DisclosedMilestone))


@final
@attrs.frozen(kw_only=True)
class DisclosedIssue:
    """One line of an issue list: what was asked, who handles it, where it stands.

    ``unit`` is the responsible unit's name ("" before transfer); ``requester``
    the requester's name, masked ("" for an anonymous one); ``place`` the
    address of the problem, cut to its community. ``progress`` is the milestone
    weight done by the list's moment (``—`` with no milestones); ``overdue``
    says the issue was overdue (:meth:`IssueSummary.is_overdue`: not yet answered
    in its round, with its deadline passed).
    """

    id: str = attrs.field(validator=of_type(str))
    title: str = attrs.field(validator=of_type(str))
    category: str = attrs.field(validator=of_type(str))
    urgency: Urgency = attrs.field(validator=member_of(Urgency))
    track: Track = attrs.field(validator=member_of(Track))
    unit: str = attrs.field(validator=of_type(str))
    status: IssueStatus = attrs.field(validator=member_of(IssueStatus))
    received_at: DateTime = attrs.field(validator=check_aware)
    deadline: DateTime | None = attrs.field(validator=check_optional_aware)
    overdue: bool = attrs.field(validator=of_type(bool))
    progress: Rate = attrs.field(validator=of_type(Rate))
    milestones: tuple[DisclosedMilestone, ...] = attrs.field(validator=_milestones)
    requester: str = attrs.field(validator=of_type(str))
    place: str = attrs.field(validator=of_type(str))


@final
@attrs.frozen(kw_only=True)
class DisclosedPledge:
    """One line of a pledge list: the promise, who made it, how far it has got.

    ``goal`` is a key project's charter goal ("" otherwise); ``pledger`` the
    name shown for whoever pledged (masked for a party member); ``unit`` the
    unit's name. ``progress`` is rolled up through the project's parts (``—``
    when the project's weights do not allow it); ``overdue`` says the pledge
    was marked 已逾期 or was open past its deadline.
    """

    id: str = attrs.field(validator=of_type(str))
    title: str = attrs.field(validator=of_type(str))
    goal: str = attrs.field(validator=of_type(str))
    pledger: str = attrs.field(validator=of_type(str))
    pledger_kind: PledgerKind = attrs.field(validator=member_of(PledgerKind))
    list_kind: PledgeListKind = attrs.field(validator=member_of(PledgeListKind))
    unit: str = attrs.field(validator=of_type(str))
    deadline: DateTime | None = attrs.field(validator=check_optional_aware)
    status: PledgeStatus = attrs.field(validator=member_of(PledgeStatus))
    overdue: bool = attrs.field(validator=of_type(bool))
    progress: Rate = attrs.field(validator=of_type(Rate))
    milestones: tuple[DisclosedMilestone, ...] = attrs.field(validator=_milestones)


@final
@attrs.frozen(kw_only=True)
class IssueDisclosure:
    """An issue list as of ``at``; ``masked`` is False only for an internal copy."""

    at: DateTime = attrs.field(validator=check_aware)
    masked: bool = attrs.field(validator=of_type(bool))
    items: tuple[DisclosedIssue, ...] = attrs.field(validator=items_of(of_type(DisclosedIssue)))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[DisclosedIssue]:
        return iter(self.items)


@final
@attrs.frozen(kw_only=True)
class PledgeDisclosure:
    """A pledge list as of ``at``; ``masked`` is False only for an internal copy."""

    at: DateTime = attrs.field(validator=check_aware)
    masked: bool = attrs.field(validator=of_type(bool))
    items: tuple[DisclosedPledge, ...] = attrs.field(validator=items_of(of_type(DisclosedPledge)))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[DisclosedPledge]:
        return iter(self.items)


def keep_text(text: str) -> str:
    return text


def scrubber(names: tuple[str, ...]) -> Callable[[str], str]:
    """:func:`scrub_text` with ``names`` (the people a line is about) masked too."""

    def clean(text: str) -> str:
        return scrub_text(text, names=names)

    return clean


def unit_names(units: object) -> Callable[[str | None], str]:
    """A function giving a unit id's name from ``units`` (the id when unknown)."""
    if units is not None and not isinstance(units, UnitTree):
        raise InvalidTypeError(field="units", value=units, problem="must be a UnitTree or None")

    def name(unit_id: str | None) -> str:
        if unit_id is None:
            return ""
        if units is not None and unit_id in units:
            return units[unit_id].name
        return unit_id

    return name


def milestones_as_of(
    milestones: Iterable[Milestone], at: DateTime, clean: Callable[[str], str]
) -> tuple[DisclosedMilestone, ...]:
    return tuple(
        DisclosedMilestone(
            name=clean(m.name), done=m.done_at is not None and m.done_at <= at, due=m.due
        )
        for m in milestones
    )


def _done_share(milestones: tuple[DisclosedMilestone, ...], plan: Iterable[Milestone]) -> Rate:
    weights = [m.weight for m in plan]
    done = sum(w for w, m in zip(weights, milestones, strict=True) if m.done)
    return Rate(done, sum(weights))


def disclose_issues(
    issues: Iterable[Issue], *, at: DateTime, units: UnitTree | None = None, mask: bool = True
) -> IssueDisclosure:
    """The issues as they stood at ``at``, ready to publish, in the order given.

    Issues not yet received at ``at`` are left out, and so are dismissed ones (不予受理):
    they were never taken on, may have been withdrawn by the person who raised them,
    and count in no rate. Confidential ones (保密件, ``Issue.confidential``) are left out
    too, with or without ``mask``: a list made to be published never holds them (they
    still count in every figure). The list is published now, whatever ``at``: an issue
    is left out if it was confidential at ``at`` or is now (as given), so one marked
    since is not listed about a moment before, nor one whose mark was lifted since
    about a moment the mark covered. Unit names come from ``units`` when given (else the
    unit ids are shown). With ``mask`` (the default) the requester's name is masked,
    the problem's address cut to its community, and every text scrubbed of mobile and
    ID numbers and of the requester's name (张三丰反映… → 张**反映…, see :func:`scrub_text`);
    the requester's own address, mobile and ID number are never part of a line, nor
    are the description and other free text, where people write what no rule can find.
    """
    given = items_given(issues, Issue, field="issues")
    lines = disclosed_issues(given, at=at, units=units, mask=mask)  # checks what it is given
    return IssueDisclosure(
        at=as_datetime(at, field="at"), masked=flag(mask, field="mask"), items=tuple(lines)
    )


def disclosed_issues(
    issues: Iterable[Issue], *, at: DateTime, units: UnitTree | None = None, mask: bool = True
) -> Iterator[DisclosedIssue]:
    """The lines of :func:`disclose_issues`, one at a time as ``issues`` are read
    (an issue that is not an :class:`Issue` is refused when reached): for a list
    written as it is made, in memory that does not grow with the ledger."""
    given = iterable_given(issues, field="issues", of="Issue")
    at = as_datetime(at, field="at")
    unit_name = unit_names(units)
    masked = flag(mask, field="mask")
    return _lines(given, at, unit_name, masked)


def _lines(
    issues: Iterable[object], at: DateTime, unit_name: Callable[[str | None], str], masked: bool
) -> Iterator[DisclosedIssue]:
    scrub = scrubber(()) if masked else keep_text  # ids and unit names: numbers only
    for index, issue in enumerate(issues):
        if not isinstance(issue, Issue):
            raise InvalidTypeError(field=f"issues[{index}]", value=issue, problem="must be a Issue")
        status = issue.status_as_of(at)
        if status is None or status is IssueStatus.DISMISSED:
            continue
        if issue.confidential or issue.confidential_as_of(at):  # then or now: published now
            continue
        known = () if issue.requester is None else (issue.requester.name,)
        clean = scrubber(known) if masked else keep_text  # texts that may mention the requester
        summary = IssueSummary.of(issue, version=0, as_of=at)
        milestones = milestones_as_of(issue.milestones, at, clean)
        requester = "" if issue.requester is None else issue.requester.name
        if masked and issue.requester is not None:
            requester = mask_person(issue.requester)["name"] or ""
        place = "" if issue.location is None else issue.location.address
        yield DisclosedIssue(
            id=scrub(issue.id),
            title=clean(issue.title),
            category=clean(issue.category),
            urgency=issue.urgency,
            track=issue.track,
            unit=scrub(unit_name(issue.responsible_unit)),
            status=status,
            received_at=issue.received_at,
            deadline=summary.deadline,
            overdue=summary.is_overdue(at),
            progress=_done_share(milestones, issue.milestones),
            milestones=milestones,
            requester=clean(requester),
            place=clean(mask_address(place)) if masked else place,
        )
