"""One meaning of "an issue's unit", and transfers only in a period's flow.

Every figure by unit counts an issue under its responsible unit, else the unit
that received it; a dismissed issue keeps the responsible unit it had. The flow's
"transferred" counts transfers (转办) only: a send-back is not one.
"""

from collections import Counter
from pathlib import Path

import pendulum

from banshishi import (
    Actor,
    Channel,
    DismissalReason,
    Issue,
    Ledger,
    LedgerStore,
    Role,
    Track,
    Urgency,
    WorkflowPolicy,
    by_unit,
    periodic_report,
    report_rows,
)
from banshishi import IssueSummary as Line

SH = "Asia/Shanghai"
MONDAY = pendulum.datetime(2026, 6, 1, 9, tz=SH)
FRIDAY = pendulum.datetime(2026, 6, 5, 18, tz=SH)
CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK, unit="county")
DISPATCHER = Actor(id="dispatch", role=Role.DISPATCHER, unit="county")
WATER = Actor(id="w", role=Role.HANDLER, unit="water")
COUNTY_HANDLER = Actor(id="c", role=Role.HANDLER, unit="county")
POLICY = WorkflowPolicy(time_limits={Track.IMMEDIATE: "1 working day"})


def cases() -> Ledger:
    ledger = Ledger(policy=POLICY)
    for n, issue_id in enumerate(("waiting", "handled", "dismissed", "sent-back", "self-signed")):
        ledger.receive(
            Issue(
                id=issue_id,
                title="诉求",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=MONDAY.add(minutes=n),
                received_by="county",
            ),
            actor=CLERK,
        )
    at = MONDAY.add(hours=1)
    for issue_id in ("handled", "dismissed", "sent-back"):
        ledger.apply(issue_id, "transfer", actor=DISPATCHER, at=at, unit="water")
        ledger.apply(issue_id, "sign_for", actor=WATER, at=at.add(minutes=5))
    ledger.apply(
        "dismissed",
        "dismiss",
        actor=DISPATCHER,
        at=at.add(hours=1),
        note="测试来电",
        reason=DismissalReason.INVALID,
    )
    ledger.apply("sent-back", "send_back", actor=WATER, at=at.add(hours=1), note="不属于本单位")
    # A 即办 item the county's own hotline signs for, then sends back: never transferred.
    ledger.apply("self-signed", "sign_for", actor=COUNTY_HANDLER, at=at)
    ledger.apply("self-signed", "send_back", actor=COUNTY_HANDLER, at=at.add(hours=2), note="转交")
    return ledger


EXPECTED = {"county": 3, "water": 2}  # waiting, sent-back, self-signed; handled, dismissed


def test_every_figure_by_unit_counts_an_issue_under_the_same_unit(tmp_path: Path) -> None:
    ledger = cases()
    issues = list(ledger.issues())
    assert Counter(by_unit(issue) for issue in issues) == EXPECTED
    lines = [Line.of(issue, version=len(issue.history)) for issue in issues]
    counted = report_rows(lines, at=FRIDAY, by="unit")
    assert {row.group: row.figures.received for row in counted} == {**EXPECTED, "all": 5}
    periodic = periodic_report(issues, period="week", at=FRIDAY)
    assert {row.group: row.figures.received for row in periodic.by_unit} == EXPECTED
    with LedgerStore.open(tmp_path / "l.db", create=True, policy=POLICY) as store:
        store.write_ledgers(ledger)
        folded = store.report(at=FRIDAY, by="unit")
        assert folded == counted
        dashboard = store.dashboard(at=FRIDAY)
        assert {row.group: row.figures.received for row in dashboard.by_unit} == {
            **EXPECTED,
            "all": 5,
        }
        assert sorted(line.id for line in store.summaries(unit="county")) == [
            "self-signed",
            "sent-back",
            "waiting",
        ]
    assert Counter(line.home_unit for line in lines) == EXPECTED


def test_a_send_back_is_not_a_transfer_in_the_flow() -> None:
    report = periodic_report(cases().issues(), period="week", at=FRIDAY)
    assert (report.flow.collected, report.flow.transferred) == (5, 3)
