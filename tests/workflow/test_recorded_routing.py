"""The first routed transfer an issue holds without its history (``Issue.routed``,
as a ledger file's row carries it), and what an export shows of a confidential
issue's routing, deadlines and requests for exclusion."""

import attrs
import pytest

from banshishi import (
    BanshishiError,
    ChronologyError,
    Exclusion,
    ExclusionGrounds,
    ExclusionOutcome,
    IssueSummary,
    Ledger,
    RoutedTransfer,
    RoutingCatalogue,
    RoutingRule,
    Track,
    withheld,
)
from both_engines import both, step
from cast import DISPATCHER, LEAD, handler
from working_time import sh

T = sh(2026, 9, 21, 9)
CATALOGUE = RoutingCatalogue([RoutingRule(category="03", unit=LEAD, id="BJ-12345-017")])


def routed_then_sent_back():
    """An issue routed by the catalogue, then sent back by the unit, with its history."""
    case = both(T, Track.IMMEDIATE)
    decision = CATALOGUE.route_code("0399", None)
    assert decision is not None
    step(case, "transfer", DISPATCHER, T.add(hours=1), **decision.transfer_arguments())
    step(case, "send_back", handler(LEAD), T.add(hours=3), note="不属于本单位职责")
    return case.ledger.issue(case.issue.id)


def test_a_bare_issue_reads_its_recorded_routed_transfer_from_its_own_moment_on():
    issue = routed_then_sent_back()
    recorded = issue.routing_as_of()
    assert recorded == RoutedTransfer(
        rule="BJ-12345-017", unit=LEAD, at=T.add(hours=1), sent_back=True
    )
    bare = attrs.evolve(issue, history=(), routed=recorded)
    assert bare.routing_as_of(T) is None
    assert bare.routing_as_of(T.add(hours=1)) == recorded
    assert bare.routing_as_of() == recorded
    line = IssueSummary.of(bare, version=0, as_of=T.add(days=1))
    assert (line.routing_rule, line.routed_unit, line.routed_sent_back) == (
        "BJ-12345-017",
        LEAD,
        True,
    )
    assert attrs.evolve(issue, history=()).routing_as_of() is None  # without it: none


def test_a_recorded_routed_transfer_before_the_receipt_is_refused_naming_it():
    issue = routed_then_sent_back()
    early = RoutedTransfer(rule="BJ-12345-017", unit=LEAD, at=T.subtract(hours=1))
    with pytest.raises(ChronologyError) as caught:
        attrs.evolve(issue, history=(), routed=early)
    assert caught.value.field == "Issue.routed.at"


@pytest.mark.parametrize(("name", "value"), [("rule", " "), ("unit", ""), ("sent_back", "no")])
def test_a_routed_transfer_checks_its_fields(name, value):
    fields = {"rule": "R1", "unit": LEAD, "at": T, "sent_back": False}
    with pytest.raises(BanshishiError) as caught:
        RoutedTransfer(**(fields | {name: value}))
    assert caught.value.field.endswith(name)


def test_a_withheld_confidential_issue_keeps_its_routing_and_deadlines_but_no_grounds_text():
    issue = routed_then_sent_back()
    asked = Exclusion(
        grounds=ExclusionGrounds.FORCE_MAJEURE,
        requested_at=T.add(hours=4),
        requested_by=LEAD,
        explanation="张三家中失火",
        outcome=ExclusionOutcome.APPROVED,
        decided_at=T.add(hours=5),
        decided_by="reviewer",
        reason="情况属实",
    )
    secret = attrs.evolve(issue, confidential=True, exclusions=(asked,))
    shown = withheld(secret)
    for moment in (T.add(hours=2), T.add(hours=4), None):
        assert shown.routing_as_of(moment) == secret.routing_as_of(moment)
        assert shown.deadline_as_of(moment) == secret.deadline_as_of(moment)
    assert [(x.explanation, x.reason) for x in shown.exclusions] == [("", "")]
    assert shown.excluded_as_of(None)
    assert all(event.note == "" for event in shown.history)


def test_a_bare_issue_with_a_recorded_routed_transfer_keeps_it_on_its_line_after_a_step():
    issue = routed_then_sent_back()
    bare = attrs.evolve(issue, history=(), routed=issue.routing_as_of())
    ledger = Ledger()
    ledger.add(bare)
    ledger.apply(bare.id, "transfer", actor=DISPATCHER, at=T.add(hours=5), unit=LEAD,
                 deadline=T.add(days=3))  # fmt: skip
    line = ledger.summary(bare.id)  # read off the row in place
    assert line == IssueSummary.of(ledger.issue(bare.id), version=ledger.version(bare.id))
    assert (line.routing_rule, line.routed_sent_back) == ("BJ-12345-017", True)
