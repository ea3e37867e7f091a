"""Duplicate candidates and repeat requests, against brute-force definitions: who is
the same requester, which place is the same, the window's bounds, the order, and
time zones."""

from datetime import timedelta
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    Channel,
    DuplicateCandidate,
    Feedback,
    FeedbackMethod,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    Location,
    MatchReason,
    Person,
    Urgency,
    duplicate_candidates,
    find_repeat,
    repeat_rate,
)

T0 = pendulum.datetime(2026, 6, 1, 9, tz="Asia/Shanghai")
PEOPLE = (
    Person(id="p1", name="甲", mobile="13800000001"),
    Person(id="p2", name="乙", mobile="13800000001"),  # p1's phone, another id
    Person(id="p3", name="丙", id_number="11010519491231002X"),
    Person(id="p1", name="甲"),  # p1 again, no phone
    Person(id="p4", name="丁"),
)
PLACES = (
    Location(division_code="110105", address="朝阳路1号"),
    Location(division_code="110105", address="朝阳路 1号"),  # the same, spaced
    Location(division_code="110105"),
    Location(division_code="110105", address="建国路9号"),
    Location(division_code="110106", address="朝阳路1号"),
)
STATUSES = (
    IssueStatus.RECEIVED,
    IssueStatus.IN_PROGRESS,
    IssueStatus.CLOSED,
    IssueStatus.DISMISSED,
)
ZONES = ("Asia/Shanghai", "UTC", "America/New_York")


def issue(issue_id: str, received_at: Any, **fields: Any) -> Issue:
    status = fields.pop("status", IssueStatus.RECEIVED)
    if status is IssueStatus.CLOSED:
        closed_at = fields.pop("closed_at", received_at.add(days=1))
        fields |= {"closed_at": closed_at, "feedback": (answer(received_at),)}
    return Issue(id=issue_id, title="同一件事", channel=Channel.HOTLINE,
                 urgency=Urgency.URGENT, received_at=received_at, status=status,
                 **fields)  # fmt: skip


def answer(at: Any) -> Feedback:
    return Feedback(at=at, content="已答复", method=FeedbackMethod.PHONE)


@st.composite
def drawn_issues(draw: st.DrawFn, issue_id: str) -> Issue:
    zone = draw(st.sampled_from(ZONES))
    received = T0.add(hours=draw(st.integers(-96, 96))).in_timezone(zone)
    return issue(
        issue_id,
        received,
        status=draw(st.sampled_from(STATUSES)),
        requester=draw(st.none() | st.sampled_from(PEOPLE)),
        location=draw(st.none() | st.sampled_from(PLACES)),
        category=draw(st.sampled_from(("", "噪音", "路灯"))),
    )


def brute_same_requester(a: Person | None, b: Person | None) -> bool:
    if a is None or b is None:
        return False

    def keys(p: Person) -> set[tuple[str, str | None]]:
        return {("id", p.id), ("mobile", p.mobile), ("id_number", p.id_number)} - {
            ("mobile", None),
            ("id_number", None),
        }

    return bool(keys(a) & keys(b))


def brute_same_place(a: Issue, b: Issue) -> bool:
    if a.location is None or b.location is None:
        return False
    x, y = a.location.address.replace(" ", ""), b.location.address.replace(" ", "")
    return a.location.division_code == b.location.division_code and (x == y or not x or not y)


@settings(max_examples=150)
@given(new=drawn_issues("new"), others=st.lists(st.integers(0, 10**6), max_size=6), data=st.data())
def test_candidates_are_exactly_the_open_issues_matching_within_the_window(new, others, data):
    pool = [data.draw(drawn_issues(f"o{index}")) for index, _ in enumerate(others)]
    window = timedelta(hours=data.draw(st.sampled_from((0, 24, 48, 200))))
    found = duplicate_candidates(new, [new, *pool], window=window)
    expected = {}
    for other in pool:
        gap = abs(other.received_at.timestamp() - new.received_at.timestamp())
        if not other.status.is_open or gap > window.total_seconds():
            continue
        reasons = set()
        if brute_same_requester(new.requester, other.requester):
            reasons.add(MatchReason.SAME_REQUESTER)
        if brute_same_place(new, other) and new.category and new.category == other.category:
            reasons.add(MatchReason.SAME_PLACE)
        if reasons:
            expected[other.id] = reasons
    assert {c.issue.id: set(c.reasons) for c in found} == expected
    keys = [(-len(c.reasons), MatchReason.SAME_REQUESTER not in c.reasons, c.gap, c.issue.id)
            for c in found]  # fmt: skip
    assert keys == sorted(keys)
    assert all(c.gap.total_seconds() == abs(c.issue.received_at.timestamp() -
               new.received_at.timestamp()) for c in found)  # fmt: skip


def test_the_window_holds_its_bound_and_the_order_is_by_grounds_then_time() -> None:
    new = issue("new", T0, requester=PEOPLE[0], location=PLACES[0], category="噪音")
    both = issue("both", T0.subtract(hours=5), requester=PEOPLE[1], location=PLACES[1],
                 category="噪音")  # fmt: skip
    person = issue("person", T0.add(hours=1), requester=PEOPLE[3])
    place = issue("place", T0.subtract(minutes=30), location=PLACES[2], category="噪音")
    edge = issue("edge", T0.add(hours=24), requester=PEOPLE[0])
    outside = issue("outside", T0.add(hours=24, seconds=1), requester=PEOPLE[0])
    found = duplicate_candidates(new, [outside, edge, place, person, both, new],
                                 window=timedelta(hours=24))  # fmt: skip
    assert [c.issue.id for c in found] == ["both", "person", "edge", "place"]
    assert found[0] == DuplicateCandidate(
        issue=both,
        reasons=frozenset({MatchReason.SAME_REQUESTER, MatchReason.SAME_PLACE}),
        gap=timedelta(hours=5),
    )


def test_candidates_read_statuses_as_of_a_moment() -> None:
    new = issue("new", T0.add(days=3), requester=PEOPLE[0])
    later_closed = issue("old", T0, requester=PEOPLE[0], status=IssueStatus.CLOSED,
                         closed_at=T0.add(days=5))  # fmt: skip
    window = timedelta(days=7)
    assert duplicate_candidates(new, [later_closed], window=window) == ()
    [open_then] = duplicate_candidates(new, [later_closed], window=window, as_of=T0.add(days=4))
    assert open_then.issue.id == "old"


def test_bad_arguments_are_refused_by_name() -> None:
    new = issue("new", T0)
    with pytest.raises(InvalidValueError) as caught:
        duplicate_candidates(new, [], window=3)  # type: ignore[arg-type]
    assert caught.value.field == "window"
    with pytest.raises(InvalidValueError):
        duplicate_candidates(new, [], window=timedelta(hours=-1))
    with pytest.raises(InvalidTypeError) as wrong:
        duplicate_candidates("new", [], window=timedelta(0))  # type: ignore[arg-type]
    assert wrong.value.field == "issue"
    with pytest.raises(InvalidValueError) as days:
        find_repeat(new, [], within_days=-1, as_of=T0)
    assert days.value.field == "within_days"


# -- repeat requests -----------------------------------------------------------------------


def closed_noise(issue_id: str, closed_at: Any, **fields: Any) -> Issue:
    return issue(issue_id, closed_at.subtract(days=1), status=IssueStatus.CLOSED,
                 closed_at=closed_at, requester=fields.pop("requester", PEOPLE[0]),
                 category=fields.pop("category", "噪音"), **fields)  # fmt: skip


def test_a_repeat_is_found_up_to_exactly_n_days_after_the_closure() -> None:
    earlier = closed_noise("old", T0)
    for delta, found in ((timedelta(days=7), True), (timedelta(days=7, microseconds=1), False),
                         (timedelta(0), True), (timedelta(seconds=-1), False)):  # fmt: skip
        new = issue("new", T0 + delta, requester=PEOPLE[1], category="噪音")
        got = find_repeat(new, [earlier, new], within_days=7, as_of=new.received_at)
        assert (got is earlier) is found, delta


def test_the_window_counts_24_hour_days_across_zones_and_a_dst_change() -> None:
    # New York leaves summer time on 2026-11-01: seven calendar days there are 7 days
    # and an hour; the window counts 168 hours, whatever the zones.
    closed = pendulum.datetime(2026, 10, 29, 12, tz="America/New_York")
    earlier = closed_noise("old", closed)
    just = issue("new", closed.in_timezone("Asia/Shanghai").add(hours=168), requester=PEOPLE[3],
                 category="噪音")  # fmt: skip
    late = issue("late", closed.add(days=7), requester=PEOPLE[3], category="噪音")
    assert find_repeat(just, [earlier], within_days=7, as_of=just.received_at) is earlier
    assert find_repeat(late, [earlier], within_days=7, as_of=late.received_at) is None


def test_the_latest_closure_wins_and_other_matters_or_people_do_not_count() -> None:
    first = closed_noise("a", T0)
    second = closed_noise("b", T0.add(days=1))
    other_matter = closed_noise("c", T0.add(days=2), category="路灯")
    other_person = closed_noise("d", T0.add(days=2), requester=PEOPLE[4])
    no_category = closed_noise("e", T0.add(days=2), category="")
    still_open = issue("f", T0.add(days=2), requester=PEOPLE[0], category="噪音")
    new = issue("new", T0.add(days=3), requester=PEOPLE[0], category="噪音")
    pool = [first, second, other_matter, other_person, no_category, still_open]
    assert find_repeat(new, pool, within_days=30, as_of=new.received_at) is second
    anonymous = issue("anon", T0.add(days=3), category="噪音")
    assert find_repeat(anonymous, pool, within_days=30, as_of=T0.add(days=3)) is None


def test_a_closure_reopened_by_then_is_not_repeated() -> None:
    reopened = issue(
        "old", T0, requester=PEOPLE[0], category="噪音", status=IssueStatus.IN_PROGRESS
    )
    new = issue("new", T0.add(days=2), requester=PEOPLE[0], category="噪音")
    assert find_repeat(new, [reopened], within_days=7, as_of=new.received_at) is None


@settings(max_examples=120)
@given(new=drawn_issues("new"), others=st.lists(st.integers(0, 5), max_size=6), data=st.data())
def test_find_repeat_agrees_with_a_brute_force_search(new, others, data):
    pool = [data.draw(drawn_issues(f"o{index}")) for index, _ in enumerate(others)]
    days = data.draw(st.integers(0, 5))
    got = find_repeat(new, pool, within_days=days, as_of=new.received_at)
    qualifying = [
        other
        for other in pool
        if other.status is IssueStatus.CLOSED
        and brute_same_requester(new.requester, other.requester)
        and new.category != ""
        and other.category == new.category
        and 0 <= new.received_at.timestamp() - other.closed_at.timestamp() <= days * 86400
    ]
    best = max(qualifying, key=lambda o: (o.closed_at.timestamp(), o.id), default=None)
    assert got is best


def test_the_repeat_rate_counts_repeats_among_counted_issues() -> None:
    plain = issue("a", T0)
    repeat = issue("b", T0.add(days=1), repeat_of="x")
    dismissed = issue("c", T0, repeat_of="x", status=IssueStatus.DISMISSED)
    later = issue("d", T0.add(days=5), repeat_of="x")
    result = repeat_rate([plain, repeat, dismissed, later], as_of=T0.add(days=2))
    assert [i.id for i in result.numerator] == ["b"]
    assert [i.id for i in result.denominator] == ["a", "b"]
    assert [i.id for i in result.excluded] == ["c"]
    assert repeat_rate([plain, repeat, dismissed, later]).rate.format() == "66.7%"
