"""The simulated quarter behind ``banshishi demo``: the same seed gives the same ledgers,
every record is created and moved through the workflow, every kind of outcome
occurs, the rates are plausible, and bad arguments are refused."""

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    DismissalReason,
    Event,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    Pledge,
    PledgeListKind,
    PledgeStatus,
    Rating,
    Role,
    Track,
    Urgency,
    completion_rate,
    satisfaction_rate,
)
from banshishi.simulation import Campaign, simulate_campaign

ISSUES = 2000
OPEN = frozenset(IssueStatus) - {IssueStatus.CLOSED, IssueStatus.DISMISSED}


@pytest.fixture(scope="module")
def campaign(simulated: Callable[..., Campaign]) -> Campaign:
    return simulated(issues=ISSUES, seed=2026)


@pytest.fixture(scope="module")
def issues(campaign: Campaign) -> tuple[Issue, ...]:
    return tuple(campaign.ledger.issues())


@pytest.fixture(scope="module")
def pledges(campaign: Campaign) -> tuple[Pledge, ...]:
    return tuple(campaign.pledges.pledges())


def named(issue: Issue, name: str) -> list[Event]:
    return [event for event in issue.history if event.name == name]


def every_event(campaign: Campaign) -> Iterator[Event]:
    for issue_id in campaign.ledger:
        yield from campaign.ledger.history(issue_id)
    for pledge_id in campaign.pledges:
        yield from campaign.pledges.history(pledge_id)


# -- determinism ---------------------------------------------------------------------------


def test_the_same_arguments_give_the_same_ledgers() -> None:
    first, second = simulate_campaign(issues=300, seed=7), simulate_campaign(issues=300, seed=7)
    assert list(first.ledger) == list(second.ledger)
    for issue_id in first.ledger:
        assert first.ledger.history(issue_id) == second.ledger.history(issue_id)
        assert first.ledger.issue(issue_id) == second.ledger.issue(issue_id)
    assert list(first.pledges) == list(second.pledges)
    for pledge_id in first.pledges:
        assert first.pledges.pledge(pledge_id) == second.pledges.pledge(pledge_id)
    assert (first.start, first.end, first.seed) == (second.start, second.end, 7)


def test_another_seed_gives_another_ledger() -> None:
    first, second = simulate_campaign(issues=300, seed=7), simulate_campaign(issues=300, seed=8)
    assert len(first.ledger) == len(second.ledger) == 300
    histories = [[first.ledger.history(i) for i in first.ledger]]
    histories.append([second.ledger.history(i) for i in second.ledger])
    assert histories[0] != histories[1]


# -- how records are made and moved -----------------------------------------------------


def test_every_record_starts_with_its_creating_event(
    issues: tuple[Issue, ...], pledges: tuple[Pledge, ...]
) -> None:
    assert len(issues) == ISSUES
    assert all(issue.history[0].name == "receive" for issue in issues)
    assert all(issue.history[0].from_status is None for issue in issues)
    assert all(pledge.history[0].name == "claim" for pledge in pledges)
    assert ISSUES // 20 <= len(pledges) <= ISSUES // 20 + 5


def test_every_step_falls_within_the_quarter(campaign: Campaign) -> None:
    moments = [event.at for event in every_event(campaign)]
    assert moments
    assert min(moments) >= campaign.start
    assert max(moments) <= campaign.end


def test_every_track_urgency_and_channel_kind_occurs(issues: tuple[Issue, ...]) -> None:
    received_on = Counter(Track(str(issue.history[0].data["track"])) for issue in issues)
    assert set(received_on) == set(Track)
    assert {issue.urgency for issue in issues} == set(Urgency)
    channels = Counter(issue.channel for issue in issues)
    assert channels.most_common(1)[0][0].value == "hotline"
    assert len(channels) >= 8


def test_most_issues_come_in_during_office_hours(
    campaign: Campaign, issues: tuple[Issue, ...]
) -> None:
    hours = campaign.policy.working_hours
    in_office = sum(hours.is_working_moment(issue.received_at) for issue in issues)
    assert 0.6 < in_office / len(issues) < 0.95


def test_requesters_are_people_with_chinese_names_and_mobiles(issues: tuple[Issue, ...]) -> None:
    people = [issue.requester for issue in issues if issue.requester is not None]
    assert len(people) > 0.9 * len(issues)
    assert all(len(p.name) >= 2 and "\u4e00" <= p.name[0] <= "\u9fff" for p in people)
    assert all(p.mobile is not None and len(p.mobile) == 11 for p in people)


# -- outcomes ------------------------------------------------------------------------------


def test_closed_open_and_dismissed_issues_all_occur(issues: tuple[Issue, ...]) -> None:
    statuses = Counter(issue.status for issue in issues)
    assert statuses[IssueStatus.CLOSED] > len(issues) / 2
    open_share = sum(statuses[status] for status in OPEN) / len(issues)
    assert 0.08 < open_share < 0.25
    reasons = {str(event.data["reason"]) for i in issues for event in named(i, "dismiss")}
    assert reasons >= {DismissalReason.DUPLICATE.value, DismissalReason.INVALID.value}
    assert any(issue.duplicate_of is not None for issue in issues)


def test_overdue_items_are_urged_and_escalated(
    campaign: Campaign, issues: tuple[Issue, ...]
) -> None:
    overdue_open = [
        issue
        for issue in issues
        if issue.status in OPEN and issue.deadline is not None and issue.deadline < campaign.end
    ]
    assert overdue_open
    escalated = [(issue, event) for issue in issues for event in named(issue, "escalate")]
    assert escalated
    for issue, event in escalated:
        deadline = issue.deadline_as_of(event.at)
        assert deadline is not None
        assert deadline < event.at
        assert event.role is Role.SYSTEM
    urged = Counter(str(e.data.get("level")) for i in issues for e in named(i, "urge"))
    assert urged["overdue"] > 0
    assert urged["due_soon"] > 0


def test_returned_issues_are_transferred_again(issues: tuple[Issue, ...]) -> None:
    returned = [issue for issue in issues if named(issue, "send_back")]
    assert returned
    names = [[event.name for event in issue.history] for issue in returned]
    assert any(n.index("send_back") < len(n) - 1 - n[::-1].index("transfer") for n in names)


def test_extensions_appeals_visits_and_rectifications_occur(issues: tuple[Issue, ...]) -> None:
    assert any(named(issue, "extend") for issue in issues)
    assert any(issue.appeals for issue in issues)
    decided = {a.outcome for issue in issues for a in issue.appeals if a.outcome is not None}
    assert len(decided) == 2
    assert any(issue.visits for issue in issues)
    rectified = [issue for issue in issues if issue.rectifications]
    assert rectified
    assert any(issue.round > 1 and issue.status is IssueStatus.CLOSED for issue in rectified)


def test_the_rates_are_plausible(issues: tuple[Issue, ...]) -> None:
    completion = completion_rate(issues).rate.value
    satisfaction = satisfaction_rate(issues).rate.value
    assert completion is not None
    assert 0.6 <= completion <= 0.95
    assert satisfaction is not None
    assert satisfaction >= 0.85
    first = [e.rating for issue in issues for e in issue.evaluations if e.round == 1]
    bad = sum(rating.is_bad for rating in first) / len(first)
    assert 0.04 < bad < 0.12
    assert Counter(first).most_common(2)[0][0] in (Rating.VERY_SATISFIED, Rating.SATISFIED)


# -- pledges -------------------------------------------------------------------------------


def test_pledges_are_kept_fulfilled_and_withdrawn(
    campaign: Campaign, pledges: tuple[Pledge, ...]
) -> None:
    counts = Counter(pledge.status for pledge in pledges)
    assert counts[PledgeStatus.FULFILLED] > len(pledges) / 2
    assert counts[PledgeStatus.IN_PROGRESS]
    withdrawn = [pledge for pledge in pledges if pledge.status is PledgeStatus.WITHDRAWN]
    assert withdrawn
    assert all(pledge.history[-1].note for pledge in withdrawn)
    claimers = {pledge.history[0].role for pledge in pledges}
    assert {Role.LEADER, Role.PARTY_MEMBER} <= claimers
    claimed = [pledge.issue for pledge in pledges if pledge.issue is not None]
    assert claimed
    assert all(issue_id in campaign.ledger for issue_id in claimed)


def test_the_key_project_has_a_charter_and_weighted_parts(
    campaign: Campaign, pledges: tuple[Pledge, ...]
) -> None:
    keys = [pledge for pledge in pledges if pledge.list_kind is PledgeListKind.KEY_PROJECT]
    assert keys
    key = keys[0]
    assert key.charter is not None
    assert key.deadline == key.charter.deadline
    parts = [pledge for pledge in pledges if pledge.parent == key.id]
    assert len(parts) >= 2
    assert all(part.weight for part in parts)
    assert {part.status for part in parts} >= {PledgeStatus.FULFILLED, PledgeStatus.IN_PROGRESS}
    assert 0 < campaign.pledges.progress(key.id) < 1


# -- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "error", "field"),
    [
        ({"issues": 0}, InvalidValueError, "issues"),
        ({"issues": -1}, InvalidValueError, "issues"),
        ({"issues": "3"}, InvalidTypeError, "issues"),
        ({"issues": True}, InvalidTypeError, "issues"),
        ({"seed": 1.5}, InvalidTypeError, "seed"),
    ],
)
def test_bad_arguments_are_refused_with_the_library_errors(
    arguments: dict[str, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as raised:
        simulate_campaign(**arguments)  # type: ignore[arg-type]
    assert getattr(raised.value, "field", None) == field
    assert getattr(raised.value, "value", None) == next(iter(arguments.values()))


def test_progress_is_reported_day_by_day_up_to_the_total() -> None:
    calls: list[tuple[int, int]] = []
    simulate_campaign(issues=20, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (92, 92)
    assert calls == [(day, 92) for day in range(1, 93)]


def test_a_single_issue_is_enough() -> None:
    one = simulate_campaign(issues=1, seed=3)
    assert list(one.ledger.counts().values()) == [1]
    (issue_id,) = one.ledger
    assert one.ledger.history(issue_id)[0].name == "receive"
    assert len(one.pledges) >= 5


@settings(max_examples=10)
@given(issues=st.integers(1, 40), seed=st.integers(-(10**12), 10**12))
def test_any_seed_simulates_without_a_refused_step(issues: int, seed: int) -> None:
    campaign = simulate_campaign(issues=issues, seed=seed)
    assert len(campaign.ledger) == issues
    assert all(campaign.start <= event.at <= campaign.end for event in every_event(campaign))
    assert all(campaign.ledger.history(i)[0].name == "receive" for i in campaign.ledger)
