"""Escalating a 共办 item (提级): supervision comes on top of the co-units' parts.

After ``escalate`` the item is 督办 and keeps its co-units; each still reports
its part, and the item is resolved only with every part and the sign-off. Both
engines (the machine, :class:`IssueWorkflow`, and the bulk engine,
:class:`Ledger`) follow the same rule.
"""

from collections.abc import Callable
from typing import Any

import pendulum
import pytest

from banshishi import (
    Actor,
    Channel,
    FixedClock,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    Level,
    PreconditionError,
    Role,
    Track,
    Unit,
    UnitTree,
    Urgency,
    WorkflowPolicy,
)

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
DUE = pendulum.datetime(2026, 3, 20, 18, tz="Asia/Shanghai")
LEAD, CO_UNITS, COUNTY = "county-transport", ("county-finance", "agri-bank"), "county"
UNITS = UnitTree(
    [
        Unit(id="city", name="某市", level=Level.CITY),
        Unit(id="city-12345", name="市12345热线", level=Level.CITY, parent="city"),
        Unit(id=COUNTY, name="某旗", level=Level.COUNTY, parent="city"),
        *(
            Unit(id=unit, name=unit, level=Level.COUNTY, parent=COUNTY)
            for unit in (LEAD, *CO_UNITS)
        ),
    ]
)
POLICY = WorkflowPolicy(units=UNITS)
DISPATCHER = Actor(id="wang", role=Role.DISPATCHER, unit="city-12345")
SUPERVISOR = Actor(id="sun", role=Role.SUPERVISOR, unit=COUNTY)

Step = Callable[..., Any]


def handler(unit: str) -> Actor:
    return Actor(id=f"{unit}.handler", role=Role.HANDLER, unit=unit)


def machine(urgency: Urgency) -> tuple[Step, Callable[[], Issue]]:
    issue = new_issue(urgency)
    workflow = IssueWorkflow(issue, clock=FixedClock(T0), policy=POLICY)
    return lambda event, **args: getattr(workflow, event)(**args), lambda: issue


def bulk(urgency: Urgency) -> tuple[Step, Callable[[], Issue]]:
    ledger = Ledger(policy=POLICY, clock=FixedClock(T0))
    issue = new_issue(urgency)
    ledger.receive(issue, actor=DISPATCHER)
    return (
        lambda event, **args: ledger.apply(issue.id, event, **args),
        lambda: ledger.issue(issue.id),
    )


def new_issue(urgency: Urgency) -> Issue:
    return Issue(
        id="2026-0302-001", title="牧民买牛缺资金，贷款难", channel=Channel.HOTLINE,
        urgency=urgency, received_at=T0, received_by="city-12345",
    )  # fmt: skip


@pytest.mark.parametrize("engine", [machine, bulk], ids=["IssueWorkflow", "Ledger"])
def test_an_escalated_joint_item_still_needs_its_co_units_parts(engine):
    step, issue = engine(Urgency.DIFFICULT)
    hour = iter(range(1, 100))

    def at() -> pendulum.DateTime:
        return T0.add(hours=next(hour))

    step("transfer", actor=DISPATCHER, at=at(), unit=LEAD, deadline=DUE, co_units=CO_UNITS)
    step("sign_for", actor=handler(LEAD), at=at())
    step("report_part", actor=handler(CO_UNITS[0]), at=at())
    step("escalate", actor=DISPATCHER, at=at(), note="两周无进展", supervising_unit=COUNTY,
         supervisor=SUPERVISOR.id)  # fmt: skip
    assert (issue().track, issue().co_units) == (Track.SUPERVISED, CO_UNITS)
    assert issue().parts_reported == CO_UNITS[:1]  # a part reported before stays reported

    step("sign_off", actor=SUPERVISOR, at=at())
    with pytest.raises(PreconditionError) as refused:
        step("resolve", actor=handler(LEAD), at=at())
    assert refused.value.field == "resolve.parts_reported"
    assert CO_UNITS[1] in str(refused.value)
    assert issue().status is IssueStatus.IN_PROGRESS

    step("report_part", actor=handler(CO_UNITS[1]), at=at())
    with pytest.raises(PreconditionError) as again:
        step("report_part", actor=handler(CO_UNITS[1]), at=at())
    assert again.value.field == "report_part.actor.unit"
    assert step("resolve", actor=handler(LEAD), at=at()) is not None
    assert issue().status is IssueStatus.RESOLVED


@pytest.mark.parametrize("engine", [machine, bulk], ids=["IssueWorkflow", "Ledger"])
def test_an_escalated_item_without_co_units_owes_no_parts(engine):
    step, issue = engine(Urgency.URGENT)
    step("transfer", actor=DISPATCHER, at=T0.add(hours=1), unit=LEAD, deadline=DUE)
    step("sign_for", actor=handler(LEAD), at=T0.add(hours=2))
    step("escalate", actor=DISPATCHER, at=T0.add(hours=3), note="群众多次来电",
         supervising_unit=COUNTY)  # fmt: skip
    with pytest.raises(PreconditionError) as refused:
        step("resolve", actor=handler(LEAD), at=T0.add(hours=4))
    assert refused.value.field == "resolve.signed_off_by"  # the sign-off, and nothing more
    step("sign_off", actor=SUPERVISOR, at=T0.add(hours=5))
    step("resolve", actor=handler(LEAD), at=T0.add(hours=6))
    assert issue().status is IssueStatus.RESOLVED
