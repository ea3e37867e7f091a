"""Routing accuracy (派单准确率): of the issues routed by the catalogue, those whose
unit did not send them back, by each issue's first routed transfer, whole, per
rule and per unit, as of any moment."""

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    Issue,
    IssueStatus,
    Ledger,
    NaiveDatetimeError,
    Rate,
    RoutingAccuracy,
    RoutingCatalogue,
    RoutingRule,
    routing_accuracy,
)
from banshishi.testing.strategies import IssueHistory, issue_histories
from cast import CLERK, DISPATCHER, LEAD, OTHER, handler, new_issue
from working_time import sh

T = sh(2026, 3, 2, 9)
CATALOGUE = RoutingCatalogue(
    [RoutingRule(category="03", unit=LEAD), RoutingRule(category="07", unit=OTHER, id="R-7")]
)


def routed(ledger: Ledger, issue_id: str, category: str, at: DateTime) -> None:
    decision = CATALOGUE.route_code(category, None)
    assert decision is not None
    ledger.apply(issue_id, "transfer", actor=DISPATCHER, at=at, **decision.transfer_arguments())


def county() -> Ledger:
    """Four issues: two routed to LEAD by rule 03/* (one sent back, then routed to
    OTHER by R-7), one routed to OTHER by R-7, one transferred by hand."""
    ledger = Ledger()
    for number in range(1, 5):
        ledger.receive(new_issue(f"A-{number}", received_at=T, received_by=CLERK.unit), actor=CLERK)
    routed(ledger, "A-1", "0301", T.add(hours=1))
    routed(ledger, "A-2", "0302", T.add(hours=1))
    ledger.apply("A-2", "send_back", actor=handler(LEAD), at=T.add(hours=2), note="非本单位职责")
    routed(ledger, "A-2", "0701", T.add(hours=3))
    routed(ledger, "A-3", "0701", T.add(hours=1))
    ledger.apply("A-4", "transfer", actor=DISPATCHER, at=T.add(hours=1), unit=LEAD)
    return ledger


def test_accuracy_per_rule_and_unit_counts_each_issue_by_its_first_routed_transfer():
    issues = list(county().issues())
    assert routing_accuracy(issues) == RoutingAccuracy(
        overall=Rate(2, 3),
        by_rule={"03/*": Rate(1, 2), "R-7": Rate(1, 1)},
        by_unit={LEAD: Rate(1, 2), OTHER: Rate(1, 1)},
    )
    before_the_return = routing_accuracy(issues, as_of=T.add(hours=1, minutes=30))
    assert before_the_return.by_rule == {"03/*": Rate(2, 2), "R-7": Rate(1, 1)}
    assert routing_accuracy(issues, as_of=T).overall == Rate(0, 0)
    assert list(routing_accuracy(issues).by_rule) == ["03/*", "R-7"]  # sorted


def test_a_dismissed_issue_leaves_the_rate_as_it_leaves_every_rate():
    ledger = county()
    ledger.apply(
        "A-3", "dismiss", actor=DISPATCHER, at=T.add(hours=4), note="无效诉求", reason="invalid"
    )
    assert ledger.issue("A-3").status is IssueStatus.DISMISSED
    issues = list(ledger.issues())
    assert routing_accuracy(issues).by_rule == {"03/*": Rate(1, 2)}
    assert routing_accuracy(issues, as_of=T.add(hours=3)).by_rule["R-7"] == Rate(1, 1)


def test_a_naive_as_of_is_refused_with_the_librarys_own_error():
    with pytest.raises(NaiveDatetimeError):
        routing_accuracy([], as_of=T.naive())  # type: ignore[arg-type]


def brute_force(issues: list[Issue], as_of: DateTime) -> tuple[dict[str, list[int]], int, int]:
    """Per rule [accurate, routed], read straight off each history's events."""
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    accurate = total = 0
    for issue in issues:
        events = [event for event in issue.history if event.at <= as_of]
        if not events or events[-1].to_status is IssueStatus.DISMISSED:
            continue
        names = [event.name for event in events]
        ruled = [
            i for i, e in enumerate(events) if e.name == "transfer" and e.data.get("routing_rule")
        ]
        if not ruled:
            continue
        first = ruled[0]
        later = names[first + 1 :]
        upto = later.index("transfer") if "transfer" in later else len(later)
        good = "send_back" not in later[:upto]
        rule = str(events[first].data["routing_rule"])
        by_rule[rule][0] += good
        by_rule[rule][1] += 1
        accurate += good
        total += 1
    return dict(by_rule), accurate, total


def issues_of(histories: list[IssueHistory]) -> list[Issue]:
    found = {}
    for history in histories:
        ledger = Ledger(policy=history.policy)
        history.apply_to(ledger)
        found[history.issue.id] = ledger.issue(history.issue.id)
    return list(found.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    histories=st.lists(issue_histories(max_steps=10), min_size=1, max_size=4),
    offset=st.integers(0, 40 * 24),
)
def test_rules_and_units_add_up_to_the_whole_and_agree_with_brute_force(histories, offset):
    issues = issues_of(histories)
    as_of = min(issue.received_at for issue in issues).add(hours=offset)
    accuracy = routing_accuracy(issues, as_of=as_of)
    assert sum(accuracy.by_rule.values(), Rate(0, 0)) == accuracy.overall
    assert sum(accuracy.by_unit.values(), Rate(0, 0)) == accuracy.overall
    by_rule, accurate, total = brute_force(issues, as_of)
    assert accuracy.overall == Rate(accurate, total)
    assert {rule: Rate(*counts) for rule, counts in by_rule.items()} == accuracy.by_rule
    for issue in issues:
        found = issue.routing_as_of(as_of)
        if found is not None and issue.status_as_of(as_of) is not IssueStatus.DISMISSED:
            assert found.at <= as_of
            assert found.rule in accuracy.by_rule
