"""The sweep tests' cast, and the moments they count from.

2026 days used: 2–6 and 9–13 March are plain working weeks (Mon–Fri); 7–8 March a
weekend. 春节: Sat 14 Feb is a worked day (调休), 15–23 Feb are off, Tue 24 Feb is
worked. 国庆/中秋: 1–7 Oct off, Thu 8 Oct worked. 元旦: Sun 4 Jan is a worked day.
Thu 31 Dec is a working day and the last day the calendar knows.
"""

import datetime as dt

import pendulum
from pendulum import DateTime

from banshishi import (
    Actor,
    Channel,
    Event,
    FixedClock,
    Issue,
    IssueStatus,
    Ledger,
    Level,
    Role,
    SlaLevel,
    SweepReport,
    SweepRules,
    Track,
    Unit,
    UnitTree,
    Urgency,
    WorkflowPolicy,
)
from cast import DESK_CLERK as CLERK
from cast import ZHANG

S = IssueStatus
ZONE = "Asia/Shanghai"


def sh(*parts: int) -> DateTime:
    """A moment in Asia/Shanghai: sh(2026, 3, 2, 9) is Monday 2 March 2026, 09:00."""
    return pendulum.datetime(*parts, tz=ZONE)


MICRO = dt.timedelta(microseconds=1)
T0 = sh(2026, 3, 2, 9)  # Monday 09:00, the start of a plain working week
MON_1400 = sh(2026, 3, 2, 14)


WED_CLOSE = sh(2026, 3, 4, 17, 30)


TREE = UnitTree(
    [
        Unit(id="up", name="县政府", level=Level.COUNTY),
        *(Unit(id=u, name=u, level=Level.TOWNSHIP, parent="up") for u in ("u1", "u2", "centre")),
    ]
)
POLICY = WorkflowPolicy(units=TREE)
"""The ledgers below have a unit tree. With default rules (no escalation) the tree only
makes transfers name known units (a ledger without one is swept in its own test)."""

DISPATCHER = Actor(id="disp", role=Role.DISPATCHER, unit="centre")


SUPERVISOR = Actor(id="sup", role=Role.SUPERVISOR, unit="up")
SWEEPER_ID = "sla-sweep"
NOTES = {SlaLevel.DUE_SOON: "临期催办", SlaLevel.OVERDUE: "超期催办"}


def handler(unit: str = "u1") -> Actor:
    return Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit)


def new_issue(issue_id: str, *, at: DateTime = T0, track: Track = Track.IMMEDIATE) -> Issue:
    return Issue(
        id=issue_id,
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=at,
        track=track,
        requester=ZHANG,
        received_by="centre",
    )


def new_ledger(clock_at: DateTime = T0, policy: WorkflowPolicy = POLICY) -> Ledger:
    return Ledger(policy=policy, clock=FixedClock(clock_at))


def open_item(
    ledger: Ledger,
    issue_id: str,
    deadline: DateTime,
    *,
    at: DateTime = T0,
    status: IssueStatus = S.TRANSFERRED,
    unit: str = "u1",
    track: Track = Track.IMMEDIATE,
) -> None:
    """Receive an issue at ``at`` and transfer it with ``deadline``; then, one minute
    apart, sign for it and resolve it as far as ``status`` asks."""
    ledger.receive(new_issue(issue_id, at=at, track=track), actor=CLERK)
    extra = {"supervising_unit": "up"} if track is Track.SUPERVISED else {}
    ledger.apply(
        issue_id, "transfer", actor=DISPATCHER, at=at, unit=unit, deadline=deadline, **extra
    )
    if status in (S.IN_PROGRESS, S.RESOLVED):
        ledger.apply(issue_id, "sign_for", actor=handler(unit), at=at.add(minutes=1))
    if status is S.RESOLVED:
        ledger.apply(issue_id, "resolve", actor=handler(unit), at=at.add(minutes=2))
    assert ledger.status(issue_id) is status, "the set-up itself went wrong"


def histories(ledger: Ledger) -> dict[str, tuple[Event, ...]]:
    return {issue_id: ledger.history(issue_id) for issue_id in ledger}


def urges(ledger: Ledger, issue_id: str) -> list[Event]:
    return [event for event in ledger.history(issue_id) if event.name == "urge"]


def levels_of(report: SweepReport) -> tuple[tuple[str, ...], ...]:
    return (report.on_track, report.due_soon, report.overdue)


def assert_urged(event: Event, level: SlaLevel, at: DateTime, status: IssueStatus) -> None:
    """``event`` is the audit record of the sweep urging an item at ``level``."""
    assert event.name == "urge"
    assert event.actor == SWEEPER_ID
    assert event.role is Role.SYSTEM
    assert event.unit is None
    assert event.at == at
    assert event.from_status is status
    assert event.to_status is status  # urging changes no status
    assert event.note == NOTES[level]
    assert dict(event.data) == {"level": level.value}


def three_lights() -> Ledger:
    """At Monday 14:00 (threshold Tuesday 17:30): one green, one yellow, two red."""
    ledger = new_ledger()
    open_item(ledger, "green", WED_CLOSE)
    open_item(ledger, "yellow", sh(2026, 3, 3, 12))
    open_item(ledger, "red", sh(2026, 3, 2, 12), status=S.IN_PROGRESS)
    open_item(ledger, "red-resolved", sh(2026, 3, 2, 13), status=S.RESOLVED)
    return ledger


ESCALATE = SweepRules(escalate_overdue=True)
