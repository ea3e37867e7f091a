"""A transfer that follows the routing catalogue (按目录派单): the decision's unit,
co-units, track and time limit, and the rule's key recorded with the transfer,
alike on both engines and through replay; the deadline counted from the rule's
limit on the policy's calendar; refusals of a rule the deployment cannot follow;
and the issue's reading of its first routed transfer."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banshishi import (
    InvalidTypeError,
    InvalidValueError,
    IssueStatus,
    PreconditionError,
    RoutedTransfer,
    RoutingCatalogue,
    RoutingDecision,
    RoutingRule,
    TimeLimit,
    Track,
    WorkflowPolicy,
)
from both_engines import assert_replays, both, refused, step
from cast import CO_UNITS, DISPATCHER, LEAD, OTHER, SUPERVISING, UNITS, handler
from working_time import sh

CATALOGUE = RoutingCatalogue(
    [
        RoutingRule(unit=OTHER),  # the catch-all: 01/…, anywhere
        RoutingRule(
            category="0301",
            place="4401",
            unit=LEAD,
            co_units=CO_UNITS,
            track=Track.JOINT,
            time_limit="10 working days",
        ),
        RoutingRule(category="03", unit=LEAD, id="BJ-12345-017"),
    ]
)
T = sh(2026, 9, 21, 9)  # a Monday before the autumn holidays


def decided(category: str, place: str | None = None) -> RoutingDecision:
    decision = CATALOGUE.route_code(category, place)
    assert decision is not None
    return decision


def test_a_routed_transfer_takes_the_rules_unit_co_units_track_and_limit_on_both_engines():
    case = both(T, Track.IMMEDIATE)
    decision = decided("030102", "440103001")
    assert decision.transfer_arguments() == {
        "unit": LEAD,
        "co_units": CO_UNITS,
        "track": Track.JOINT,
        "limit": TimeLimit.working_days(10),
        "routing_rule": "0301/4401",
    }
    at = T.add(minutes=30)
    event = step(case, "transfer", DISPATCHER, at, **decision.transfer_arguments())
    issue = case.issue
    assert (issue.responsible_unit, issue.co_units, issue.track) == (LEAD, CO_UNITS, Track.JOINT)
    # Ten working days from Monday 09-21: 22-24, 28-30, 10-08, 10-09, Saturday 10-10
    # (a make-up working day) and 10-12, skipping 中秋 (09-25) and 国庆 (10-01 to 10-07).
    assert issue.deadline == case.ledger.issue(issue.id).deadline == sh(2026, 10, 12, 17, 30)
    assert issue.deadline == case.ledger.policy.after(at, TimeLimit.working_days(10))
    assert event.data["routing_rule"] == "0301/4401"
    assert event.data["limit"] == "10 working days"
    assert_replays(case, WorkflowPolicy())


def test_a_rule_without_track_co_units_or_limit_leaves_them_to_the_issue_and_the_policy():
    case = both(T, Track.IMMEDIATE)
    arguments = decided("0399").transfer_arguments()
    assert arguments == {"unit": LEAD, "routing_rule": "BJ-12345-017"}
    step(case, "transfer", DISPATCHER, T.add(hours=1), **arguments)
    assert case.issue.track is Track.IMMEDIATE
    assert case.issue.deadline == case.ledger.policy.deadline_for(Track.IMMEDIATE, T.add(hours=1))
    assert case.ledger.history(case.issue.id)[-1].data["routing_rule"] == "BJ-12345-017"


limits = st.one_of(
    st.builds(TimeLimit.working_days, st.integers(1, 20)),
    st.builds(TimeLimit.working_hours, st.integers(1, 48)),
)
moments = st.builds(
    lambda day, minute: sh(2026, 9, 21, 0).add(days=day, minutes=minute),
    st.integers(0, 30),
    st.integers(0, 24 * 60 - 1),
)


@settings(max_examples=30, deadline=None)
@given(limit=limits, received=moments, track=st.sampled_from([Track.IMMEDIATE, Track.TRACKED]))
def test_the_rules_limit_is_counted_on_the_policys_calendar_as_a_tracks_limit_is(
    limit, received, track
):
    policy = WorkflowPolicy(time_limits={track: limit})
    by_rule = both(received, Track.IMMEDIATE)
    by_track = both(received, Track.IMMEDIATE, policy)
    rule = RoutingRule(category="07", unit=LEAD, track=track, time_limit=limit)
    at = received.add(minutes=30)
    step(
        by_rule,
        "transfer",
        DISPATCHER,
        at,
        **RoutingDecision(rule=rule, row=2).transfer_arguments(),
    )
    step(by_track, "transfer", DISPATCHER, at, unit=LEAD, track=track)
    assert by_rule.issue.deadline == by_track.issue.deadline == policy.after(at, limit)
    assert by_rule.issue.track is track
    assert_replays(by_rule, WorkflowPolicy())


def test_a_rule_naming_a_unit_the_tree_lacks_is_refused_naming_the_rule():
    policy = WorkflowPolicy(units=UNITS)
    for rule, field in (
        (RoutingRule(category="05", unit="county-parks"), "transfer.unit"),
        (RoutingRule(category="05", unit=LEAD, co_units=("nowhere",)), "transfer.co_units"),
    ):
        case = both(T, Track.IMMEDIATE, policy)
        arguments = RoutingDecision(rule=rule, row=3).transfer_arguments()
        error = refused(
            case, PreconditionError, "transfer", DISPATCHER, T.add(hours=1), **arguments
        )
        assert error.field == field
        assert "routing rule '05/*'" in error.problem
        assert "catalogue" in error.hint


def test_a_routed_supervised_item_still_needs_its_supervising_unit():
    case = both(T, Track.IMMEDIATE)
    rule = RoutingRule(category="09", unit=LEAD, track=Track.SUPERVISED, time_limit="5个工作日")
    arguments = RoutingDecision(rule=rule, row=2).transfer_arguments()
    error = refused(case, PreconditionError, "transfer", DISPATCHER, T.add(hours=1), **arguments)
    assert error.field == "transfer.supervising_unit"
    step(case, "transfer", DISPATCHER, T.add(hours=1), supervising_unit=SUPERVISING, **arguments)
    assert (case.issue.track, case.issue.supervising_unit) == (Track.SUPERVISED, SUPERVISING)


def test_a_rule_with_an_elapsed_limit_gives_no_transfer_arguments():
    rule = RoutingRule(unit=LEAD, time_limit=dt.timedelta(hours=2))
    with pytest.raises(InvalidValueError) as caught:
        RoutingDecision(rule=rule, row=2).transfer_arguments()
    assert caught.value.field == "RoutingRule.time_limit"


@pytest.mark.parametrize(
    ("bad", "error"), [("", InvalidValueError), ("  ", InvalidValueError), (17, InvalidTypeError)]
)
def test_a_routing_rule_that_is_not_text_is_refused_on_both_engines(bad, error):
    case = both(T, Track.IMMEDIATE)
    at = T.add(hours=1)
    refusal = refused(case, error, "transfer", DISPATCHER, at, unit=LEAD, routing_rule=bad)
    assert refusal.field.endswith("routing_rule")


def test_the_issue_reads_its_first_routed_transfer_and_whether_it_came_back():
    case = both(T, Track.IMMEDIATE)
    first, back, second = T.add(hours=1), T.add(hours=3), T.add(hours=5)
    assert case.issue.routing_as_of(T) is None
    step(case, "transfer", DISPATCHER, first, **decided("0399").transfer_arguments())
    step(case, "send_back", handler(LEAD), back, note="不属于本单位职责")
    step(case, "transfer", DISPATCHER, second, **decided("0701").transfer_arguments())
    issue = case.ledger.issue(case.issue.id)
    routed = RoutedTransfer(rule="BJ-12345-017", unit=LEAD, at=first, sent_back=False)
    assert issue.routing_as_of(first.subtract(minutes=1)) is None
    assert issue.routing_as_of(first) == routed
    assert issue.routing_as_of(back.subtract(seconds=1)).accurate
    assert issue.routing_as_of(back) == RoutedTransfer(
        rule="BJ-12345-017", unit=LEAD, at=first, sent_back=True
    )
    assert issue.routing_as_of() == issue.routing_as_of(second)  # still the first one
    assert case.issue.routing_as_of() == issue.routing_as_of()


def test_a_transfer_without_a_rule_is_not_a_routed_one_and_a_later_routed_one_counts():
    case = both(T, Track.IMMEDIATE)
    step(case, "transfer", DISPATCHER, T.add(hours=1), unit=OTHER)
    step(case, "send_back", handler(OTHER), T.add(hours=2), note="不属于本单位职责")
    assert case.issue.routing_as_of() is None
    step(case, "transfer", DISPATCHER, T.add(hours=3), **decided("0399").transfer_arguments())
    step(case, "sign_for", handler(LEAD), T.add(hours=4))
    routed = case.issue.routing_as_of()
    assert routed is not None
    assert (routed.unit, routed.accurate) == (LEAD, True)
    assert case.issue.status is IssueStatus.IN_PROGRESS
