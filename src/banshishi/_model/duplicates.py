"""Telling the same matter raised twice: duplicate candidates (重复件) and repeat
requests (重复诉求).

Two different things, with two different outcomes:

- a **duplicate** is the same matter raised again while the first issue is still
  open: it is dismissed (``dismiss`` with ``DismissalReason.DUPLICATE``) and
  linked to that open original, whose answer reaches both requesters, and it
  counts once. :func:`duplicate_candidates` suggests which open issues a new one
  may duplicate; a person decides.
- a **repeat request** is the same requester about the same matter again within
  some days after the earlier issue was closed: the earlier answer did not settle
  it. It is a new issue, handled and counted like any other, and it names the
  earlier one in ``Issue.repeat_of`` from intake on. :func:`find_repeat` finds it.

Both are pure functions over issues a caller has at hand (a ``Ledger``'s, a
store's, or a page of them); neither changes anything.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError, InvalidValueError
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import as_datetime, optional_moment
from banshishi._core.validators import items_given

from .issue import Issue
from .people import Person


@final
class MatchReason(LabelledEnum):
    """Why an open issue may be the same matter as another."""

    SAME_REQUESTER = "same_requester", "同一诉求人"  # the same person: id, mobile or ID number
    SAME_PLACE = "same_place", "同一地点同类问题"  # the same place and the same category


@final
@attrs.frozen(kw_only=True)
class DuplicateCandidate:
    """An open issue that may be the same matter as the one asked about, and why."""

    issue: Issue
    reasons: frozenset[MatchReason]
    gap: timedelta
    """How far apart the two were received (never negative)."""


def same_requester(one: Person | None, other: Person | None) -> bool:
    """Whether two requesters are the same person: the same id, or the same mobile
    or ID number (given on both). An anonymous requester is nobody in particular."""
    if one is None or other is None:
        return False
    if one.id == other.id:
        return True
    if one.mobile is not None and one.mobile == other.mobile:
        return True
    return one.id_number is not None and one.id_number == other.id_number


def same_place(one: Issue, other: Issue) -> bool:
    """Whether two issues are at the same place: the same administrative-division
    code and, when both give an address, the same address (blanks ignored)."""
    here, there = one.location, other.location
    if here is None or there is None or here.division_code != there.division_code:
        return False
    a, b = _plain(here.address), _plain(there.address)
    return not a or not b or a == b


def same_matter(one: Issue, other: Issue) -> bool:
    """Whether two issues are about the same kind of matter: the same category,
    given (an issue with no category is about nothing in particular)."""
    return bool(one.category.strip()) and one.category.strip() == other.category.strip()


def duplicate_candidates(
    issue: Issue,
    issues: Iterable[Issue],
    *,
    window: timedelta,
    as_of: DateTime | None = None,
) -> tuple[DuplicateCandidate, ...]:
    """The open issues of ``issues`` that may be the same matter as ``issue``.

    An issue is a candidate when it is another issue (another id), open at
    ``as_of`` (received by then, neither closed nor dismissed; ``None``: as it
    stands), received within ``window`` of ``issue`` (either side, the bound
    included), and either from the same requester (:func:`same_requester`) or at
    the same place (:func:`same_place`) about the same matter (:func:`same_matter`).

    Order: candidates matching on both grounds first, then those from the same
    requester, then those at the same place; within each, the nearest in time
    first, then by id.
    """
    if not isinstance(issue, Issue):
        raise InvalidTypeError(field="issue", value=issue, problem="must be an Issue")
    window = _window(window)
    as_of = optional_moment(as_of, field="as_of")
    found: list[DuplicateCandidate] = []
    for other in items_given(issues, Issue, field="issues"):
        if other.id == issue.id:
            continue
        status = other.status_as_of(as_of)
        if status is None or not status.is_open:
            continue
        gap = _gap(other.received_at, issue.received_at)
        if gap > window:
            continue
        reasons = set()
        if same_requester(issue.requester, other.requester):
            reasons.add(MatchReason.SAME_REQUESTER)
        if same_place(issue, other) and same_matter(issue, other):
            reasons.add(MatchReason.SAME_PLACE)
        if reasons:
            found.append(DuplicateCandidate(issue=other, reasons=frozenset(reasons), gap=gap))
    found.sort(key=_order)
    return tuple(found)


def find_repeat(
    issue: Issue, issues: Iterable[Issue], *, within_days: int, as_of: DateTime
) -> Issue | None:
    """The earlier issue that ``issue`` repeats (重复诉求), or ``None``.

    An issue repeats another when both come from the same requester
    (:func:`same_requester`) about the same matter (:func:`same_matter`), and the
    other stood closed at ``as_of`` (usually ``issue.received_at``: intake), its
    last closure by then no later than ``issue`` was received and at most
    ``within_days`` whole days (of 24 hours, the bound included) before it.
    Moments are compared as instants, whatever their time zones. When several
    qualify, the one closed last wins; then the greatest id.
    """
    if not isinstance(issue, Issue):
        raise InvalidTypeError(field="issue", value=issue, problem="must be an Issue")
    if type(within_days) is not int or within_days < 0:
        raise InvalidValueError(
            field="within_days",
            value=within_days,
            problem="must be a whole number of days, 0 or more",
        )
    as_of = as_datetime(as_of, field="as_of")
    received, window = issue.received_at, timedelta(days=within_days)
    best: tuple[DateTime, str, Issue] | None = None
    for other in items_given(issues, Issue, field="issues"):
        if other.id == issue.id or not same_requester(issue.requester, other.requester):
            continue
        if not same_matter(issue, other):
            continue
        closed = other.closed_at_as_of(as_of)
        if closed is None or not timedelta(0) <= _elapsed(received, closed) <= window:
            continue
        if best is None or (closed, other.id) > best[:2]:
            best = (closed, other.id, other)
    return None if best is None else best[2]


def _order(candidate: DuplicateCandidate) -> tuple[int, bool, timedelta, str]:
    reasons = candidate.reasons
    return (
        -len(reasons),
        MatchReason.SAME_REQUESTER not in reasons,
        candidate.gap,
        candidate.issue.id,
    )


def _elapsed(later: datetime, earlier: datetime) -> timedelta:
    """Plain elapsed time between two instants (pendulum's differences are intervals
    and its additions count calendar days; a repeat's window counts 24-hour days)."""
    # In UTC: two moments in one zone would subtract as wall-clock times, and a
    # change of summer time between them would count an hour too many or too few.
    return datetime.__sub__(later.astimezone(UTC), earlier.astimezone(UTC))


def _gap(one: datetime, other: datetime) -> timedelta:
    return abs(_elapsed(one, other))


def _window(window: object) -> timedelta:
    if not isinstance(window, timedelta) or window < timedelta(0):
        raise InvalidValueError(
            field="window", value=window, problem="must be a duration, zero or more"
        )
    return window


def _plain(address: str) -> str:
    return "".join(address.split())
