"""What the demo's 12345 platform adds to the simulated quarter: transfers routed by
the county's catalogue (some sent back), repeat requests found at intake,
duplicates linked to open originals, confidential reports, the 回访's answers and
requests for exclusion from the assessment, decided both ways."""

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from banshishi import (
    Issue,
    IssueStatus,
    RequestType,
    VisitOutcome,
    find_repeat,
    issue_figures,
    routing_accuracy,
)
from banshishi.simulation import Campaign, simulate_campaign

ISSUES = 2000


@pytest.fixture(scope="module")
def campaign(simulated: Callable[..., Campaign]) -> Campaign:
    return simulated(issues=ISSUES, seed=2026)


@pytest.fixture(scope="module")
def issues(campaign: Campaign) -> dict[str, Issue]:
    return {issue.id: issue for issue in campaign.ledger.issues()}


def test_first_transfers_follow_the_catalogue_and_a_few_are_sent_back(
    campaign: Campaign, issues: dict[str, Issue]
) -> None:
    rules = {rule.key: rule for rule in campaign.routing.rules}
    routed = 0
    for issue in issues.values():
        transfers = [event for event in issue.history if event.name == "transfer"]
        for k, event in enumerate(transfers):
            key = event.data.get("routing_rule")
            if key is None:
                continue
            assert k == 0, "only the first transfer is routed"
            decision = campaign.routing.route(issue)
            assert decision is not None
            assert decision.rule.key == key
            assert event.data["unit"] == rules[key].unit
            # withdrawn, or left out of the assessment: not counted
            routed += issue.status is not IssueStatus.DISMISSED and not issue.excluded_as_of(
                campaign.end
            )
    assert routed > ISSUES / 2
    accuracy = routing_accuracy(issues.values(), as_of=campaign.end)
    assert accuracy.overall.denominator == routed
    overall = accuracy.overall
    assert 0.85 * overall.denominator < overall.numerator < overall.denominator
    wrong = {key for key, rate in accuracy.by_rule.items() if rate.numerator < rate.denominator}
    assert wrong, "some routed matters are sent back"
    assert all(rules[key].place == "" for key in wrong), "a rule by place is always right"
    assert any(rules[key].place for key in accuracy.by_rule), "rules by place are used"


def test_repeat_requests_name_the_matter_they_repeat(
    campaign: Campaign, issues: dict[str, Issue]
) -> None:
    repeats = [issue for issue in issues.values() if issue.repeat_of is not None]
    assert len(repeats) >= 5
    for issue in repeats:
        earlier = issues[str(issue.repeat_of)]
        assert earlier.requester == issue.requester
        assert earlier.category == issue.category
        closed = earlier.closed_at_as_of(issue.received_at)
        assert closed is not None
        assert timedelta(0) <= issue.received_at - closed <= timedelta(days=30)
        others = (other for other in issues.values() if other.id != issue.id)
        found = find_repeat(issue, others, within_days=30, as_of=issue.received_at)
        assert found is not None
        assert found.id == earlier.id


def test_duplicates_are_linked_to_originals_open_when_dismissed(
    issues: dict[str, Issue],
) -> None:
    duplicates = [issue for issue in issues.values() if issue.duplicate_of is not None]
    assert duplicates
    for issue in duplicates:
        dismissal = next(event for event in issue.history if event.name == "dismiss")
        original = issues[str(issue.duplicate_of)]
        status = original.status_as_of(dismissal.at)
        assert status is not None
        assert status.is_open


def test_reports_are_taken_in_or_marked_confidential(issues: dict[str, Issue]) -> None:
    confidential = [issue for issue in issues.values() if issue.confidential]
    assert confidential
    assert {issue.request_type for issue in confidential} == {RequestType.REPORT}
    marked = [i for i in confidential if any(e.name == "mark_confidential" for e in i.history)]
    assert marked, "some are marked after intake"
    assert len(marked) < len(confidential), "most are confidential from intake"


def test_visits_record_the_requesters_answers(issues: dict[str, Issue]) -> None:
    visits = [visit for issue in issues.values() for visit in issue.visits if visit.done_at]
    answers = Counter((visit.contacted, visit.satisfied) for visit in visits)
    assert answers[True, True] > answers[True, False] > 0
    assert answers[False, False] > 0
    for visit in visits:
        if visit.outcome is VisitOutcome.UNREACHABLE:
            assert (visit.contacted, visit.satisfied) == (None, None)
        if visit.outcome is VisitOutcome.UNRESOLVED:
            assert visit.satisfied is False


def test_exclusions_are_requested_and_decided_both_ways(
    campaign: Campaign, issues: dict[str, Issue]
) -> None:
    decided = Counter(
        event.name
        for issue in issues.values()
        for event in issue.history
        if event.name in ("request_exclusion", "approve_exclusion", "reject_exclusion")
    )
    assert decided["approve_exclusion"] > 0
    assert decided["reject_exclusion"] > 0
    assert (
        decided["request_exclusion"] >= decided["approve_exclusion"] + decided["reject_exclusion"]
    )
    excluded = [issue for issue in issues.values() if issue.excluded_as_of(campaign.end)]
    assert len(excluded) == decided["approve_exclusion"]
    assert all(issue.status is not IssueStatus.DISMISSED for issue in excluded)
    summaries = [campaign.ledger.summary(issue_id) for issue_id in issues]
    assert issue_figures(summaries, at=campaign.end).excluded == len(excluded)


def test_the_new_steps_keep_the_campaign_the_same_for_a_seed() -> None:
    first, second = simulate_campaign(issues=400, seed=3), simulate_campaign(issues=400, seed=3)
    one = [(i.repeat_of, i.confidential, i.exclusions, i.visits) for i in first.ledger.issues()]
    two = [(i.repeat_of, i.confidential, i.exclusions, i.visits) for i in second.ledger.issues()]
    assert one == two
    assert first.routing == second.routing
