"""A restated deadline never falls before the issue was received: both engines
refuse it alike (found by the differential walk in test_engines.py)."""

import pendulum
import pytest

from banshishi import (
    Actor,
    ChronologyError,
    FixedClock,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    Role,
)
from cast import DESK_CLERK, new_issue

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
DISPATCHER = Actor(id="d", role=Role.DISPATCHER)
PLATFORM = Actor(id="platform", role=Role.SYSTEM)
DUE = T0.add(days=1)


def transferred() -> Ledger:
    ledger = Ledger(clock=FixedClock(T0))
    ledger.receive(new_issue("i", received_at=T0, received_by="centre"), actor=DESK_CLERK)
    ledger.apply("i", "transfer", actor=DISPATCHER, at=T0.add(minutes=1), unit="u1", deadline=DUE)
    return ledger


@pytest.mark.parametrize("earlier", [T0.subtract(days=1), T0.subtract(minutes=1)])
def test_the_ledger_refuses_a_restated_deadline_before_receipt(earlier: pendulum.DateTime) -> None:
    ledger = transferred()
    with pytest.raises(ChronologyError) as refused:
        ledger.apply(
            "i",
            "restate_deadline",
            actor=PLATFORM,
            at=T0.add(hours=1),
            previous=DUE,
            deadline=earlier,
        )
    assert refused.value.field == "restate_deadline.deadline"
    issue = ledger.issue("i")  # nothing half-changed: the record still reads back
    assert (issue.status, issue.deadline, len(issue.history)) == (IssueStatus.TRANSFERRED, DUE, 2)


def test_the_machine_refuses_it_the_same_way() -> None:
    issue = transferred().issue("i")
    machine = IssueWorkflow(issue, clock=FixedClock(T0.add(hours=1)))
    with pytest.raises(ChronologyError) as refused:
        machine.restate_deadline(
            actor=PLATFORM, at=T0.add(hours=1), previous=DUE, deadline=T0.subtract(days=1)
        )
    assert refused.value.field == "restate_deadline.deadline"


def test_a_restated_deadline_at_the_receipt_itself_is_taken() -> None:
    ledger = transferred()
    ledger.apply(
        "i", "restate_deadline", actor=PLATFORM, at=T0.add(hours=1), previous=DUE, deadline=T0
    )
    assert ledger.issue("i").deadline == T0
