"""The SLA sweep: green, yellow and red items, urging once per level and deadline,
escalation to 督办 one level up, refusals that change nothing, and idempotency.

Every threshold here is derived by hand from China's official 2026 calendar and
the default working hours (09:00–12:00 and 13:30–17:30, Asia/Shanghai, cut-off at
17:30 inclusive): 1 working day from a moment is the close (17:30) of the first
working day after the day the moment counts from (its own day when that is a
working day and the moment is not after 17:30, else the next working day).

2026 days used: 2–6 and 9–13 March are plain working weeks (Mon–Fri); 7–8 March a
weekend. 春节: Sat 14 Feb is a worked day (调休), 15–23 Feb are off, Tue 24 Feb is
worked. 国庆/中秋: 1–7 Oct off, Thu 8 Oct worked. 元旦: Sun 4 Jan is a worked day.
Thu 31 Dec is a working day and the last day the calendar knows.
"""

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from pendulum import DateTime

from banshishi import (
    Actor,
    BanshishiError,
    Channel,
    ChronologyError,
    DismissalReason,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    Level,
    NaiveDatetimeError,
    Person,
    Rating,
    Role,
    RoleError,
    SlaLevel,
    SweepReport,
    SweepRules,
    TimeLimit,
    Track,
    Unit,
    UnitTree,
    UnknownYearError,
    Urgency,
    WorkflowPolicy,
    parse_instant,
    sla_level,
    sweep,
)

S = IssueStatus
ZONE = "Asia/Shanghai"


def sh(*parts: int) -> DateTime:
    """A moment in Asia/Shanghai: sh(2026, 3, 2, 9) is Monday 2 March 2026, 09:00."""
    return pendulum.datetime(*parts, tz=ZONE)


MICRO = dt.timedelta(microseconds=1)
T0 = sh(2026, 3, 2, 9)  # Monday 09:00, the start of a plain working week
MON_1400 = sh(2026, 3, 2, 14)
# From Monday 2 March before 17:30, one working day runs out at the close of Tuesday 3 March.
TUE_CLOSE = sh(2026, 3, 3, 17, 30)
WED_CLOSE = sh(2026, 3, 4, 17, 30)

# -- the cast ------------------------------------------------------------------------------

TREE = UnitTree(
    [
        Unit(id="up", name="县政府", level=Level.COUNTY),
        *(Unit(id=u, name=u, level=Level.TOWNSHIP, parent="up") for u in ("u1", "u2", "centre")),
    ]
)
POLICY = WorkflowPolicy(units=TREE)
"""The ledgers below have a unit tree. With default rules (no escalation) the tree only
makes transfers name known units (a ledger without one is swept in its own test)."""

ZHANG = Person(id="p-zhang", name="张桂兰")
REQUESTER = Actor(id=ZHANG.id, role=Role.REQUESTER)
CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="disp", role=Role.DISPATCHER, unit="centre")
REVIEWER = Actor(id="rev", role=Role.REVIEWER)
SUPERVISOR = Actor(id="sup", role=Role.SUPERVISOR, unit="up")
SWEEPER_ID = "sla-sweep"
NOTES = {SlaLevel.DUE_SOON: "临期催办", SlaLevel.OVERDUE: "超期催办"}
OPEN = frozenset({S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED})


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


def urge_levels(ledger: Ledger, issue_id: str) -> list[object]:
    return [event.data.get("level") for event in urges(ledger, issue_id)]


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


# -- 1. sorting into green, yellow and red ---------------------------------------------------


def test_a_sweep_of_a_ledger_without_a_unit_tree_works_with_default_rules() -> None:
    """Escalation is off by default, so no unit tree is needed. (An earlier _sweep.py
    failed here with a bare AssertionError in _escalate.)"""
    ledger = new_ledger(policy=WorkflowPolicy())  # the default policy: no unit tree
    open_item(ledger, "red", T0.add(hours=3))  # due Monday 12:00
    report = sweep(ledger, MON_1400)
    assert report.overdue == ("red",)
    assert report.urged == ("red",)


def test_classification_boundaries_are_exact() -> None:
    """At Monday 10:00 the due-soon threshold is the close of Tuesday (counted from
    Monday, a working day, before the cut-off): Tuesday 17:30."""
    at = sh(2026, 3, 2, 10)
    ledger = new_ledger()
    open_item(ledger, "just-past", at - MICRO)  # deadline one microsecond before: overdue
    open_item(ledger, "due-now", at)  # deadline == at is not yet overdue
    open_item(ledger, "at-threshold", TUE_CLOSE)  # deadline == threshold is due soon
    open_item(ledger, "past-threshold", TUE_CLOSE + MICRO)  # one microsecond later: on track
    report = sweep(ledger, at, rules=SweepRules(urge=False))
    assert report.at == at
    assert report.overdue == ("just-past",)
    assert report.due_soon == ("due-now", "at-threshold")
    assert report.on_track == ("past-threshold",)
    assert report.counts() == {SlaLevel.ON_TRACK: 1, SlaLevel.DUE_SOON: 2, SlaLevel.OVERDUE: 1}
    assert report.urged == report.escalated == ()
    assert not report.changed


THRESHOLDS = [
    pytest.param(sh(2026, 3, 2, 10), TUE_CLOSE, id="working-morning"),
    # 17:30 is the cut-off itself and counts as the same day
    pytest.param(sh(2026, 3, 2, 17, 30), TUE_CLOSE, id="at-the-cutoff"),
    # a microsecond after the cut-off counts from Tuesday, so one working day ends Wednesday
    pytest.param(sh(2026, 3, 2, 17, 30) + MICRO, WED_CLOSE, id="after-the-cutoff"),
    # Friday 6 March counts from Friday; the next working day is Monday 9 March
    pytest.param(sh(2026, 3, 6, 12), sh(2026, 3, 9, 17, 30), id="over-a-weekend"),
    # Saturday 7 March counts from Monday 9; one working day more is Tuesday 10
    pytest.param(sh(2026, 3, 7, 10), sh(2026, 3, 10, 17, 30), id="on-a-weekend"),
    # Friday 13 Feb evening counts from the worked Saturday 14; then 春节 to Tuesday 24
    pytest.param(sh(2026, 2, 13, 18), sh(2026, 2, 24, 17, 30), id="over-spring-festival"),
    # Wednesday 30 Sep evening counts from Thursday 8 Oct; one more is Friday 9 Oct
    pytest.param(sh(2026, 9, 30, 18), sh(2026, 10, 9, 17, 30), id="over-national-day"),
    # Sunday 4 Jan is a worked day: 08:00 counts from it, so the threshold is Monday 5 Jan
    pytest.param(sh(2026, 1, 4, 8), sh(2026, 1, 5, 17, 30), id="worked-sunday"),
]


@pytest.mark.parametrize(("at", "threshold"), THRESHOLDS)
def test_thresholds_follow_the_2026_calendar(at: DateTime, threshold: DateTime) -> None:
    assert sla_level(at - MICRO, at) is SlaLevel.OVERDUE
    assert sla_level(at, at) is SlaLevel.DUE_SOON
    assert sla_level(threshold, at) is SlaLevel.DUE_SOON
    assert sla_level(threshold + MICRO, at) is SlaLevel.ON_TRACK
    # The sweep draws the same line.
    start = at.subtract(hours=1)
    ledger = new_ledger(start)
    open_item(ledger, "edge", threshold, at=start)
    open_item(ledger, "beyond", threshold + MICRO, at=start)
    report = sweep(ledger, at)
    assert report.due_soon == ("edge",)
    assert report.on_track == ("beyond",)
    assert report.urged == ("edge",)


LEADS = [
    # elapsed time: two hours after Monday 10:00 is 12:00 exactly
    pytest.param(dt.timedelta(hours=2), sh(2026, 3, 2, 10), sh(2026, 3, 2, 12), id="timedelta"),
    # working hours: 11:00–12:00 is one hour, the second runs 13:30–14:30
    pytest.param("2 working hours", sh(2026, 3, 2, 11), sh(2026, 3, 2, 14, 30), id="hours-text"),
    pytest.param("2个工作小时", sh(2026, 3, 2, 11), sh(2026, 3, 2, 14, 30), id="hours-chinese"),
    pytest.param(
        TimeLimit.working_hours(2), sh(2026, 3, 2, 11), sh(2026, 3, 2, 14, 30), id="hours"
    ),
    # three working days from Monday 10:00: Tuesday, Wednesday, Thursday 5 March at 17:30
    pytest.param(TimeLimit.working_days(3), sh(2026, 3, 2, 10), sh(2026, 3, 5, 17, 30), id="days"),
    pytest.param("3 working days", sh(2026, 3, 2, 10), sh(2026, 3, 5, 17, 30), id="days-text"),
]


@pytest.mark.parametrize(("lead", "at", "threshold"), LEADS)
def test_the_due_soon_lead_may_be_any_limit(lead: Any, at: DateTime, threshold: DateTime) -> None:
    assert sla_level(threshold, at, due_soon_within=lead) is SlaLevel.DUE_SOON
    assert sla_level(threshold + MICRO, at, due_soon_within=lead) is SlaLevel.ON_TRACK
    ledger = new_ledger()
    open_item(ledger, "edge", threshold)
    open_item(ledger, "beyond", threshold + MICRO)
    report = sweep(ledger, at, rules=SweepRules(due_soon_within=lead))
    assert report.due_soon == ("edge",)
    assert report.on_track == ("beyond",)


# Monday 2 March 18:00 in Shanghai is after the cut-off, so it counts from Tuesday and the
# threshold is Wednesday 17:30. In UTC the same instant is 10:00, before a 17:30 cut-off: a
# library reading the wall clock of the zone it was given would say Tuesday 17:30 instead.
EVENING = sh(2026, 3, 2, 18)
ELSEWHERE = [
    pytest.param(EVENING, id="shanghai"),
    pytest.param(EVENING.in_timezone("UTC"), id="utc"),
    pytest.param(EVENING.in_timezone("America/New_York"), id="new-york"),
    pytest.param(EVENING.in_timezone("Asia/Urumqi"), id="urumqi"),
    pytest.param(
        dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), id="stdlib-utc"
    ),  # the same instant as a stdlib datetime
    pytest.param(
        dt.datetime(2026, 3, 2, 11, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin")), id="stdlib-berlin"
    ),
]


@pytest.mark.parametrize("at", ELSEWHERE)
def test_sla_level_is_the_same_from_any_time_zone(at: Any) -> None:
    for deadline in (WED_CLOSE, WED_CLOSE.in_timezone("UTC")):
        assert sla_level(deadline, at) is SlaLevel.DUE_SOON
        assert sla_level(deadline + MICRO, at) is SlaLevel.ON_TRACK
        assert sla_level(EVENING.in_timezone("Europe/London") - MICRO, at) is SlaLevel.OVERDUE


@pytest.mark.parametrize("at", ELSEWHERE)
def test_a_sweep_sorts_alike_from_any_time_zone(at: Any) -> None:
    ledger = new_ledger()
    open_item(ledger, "soon", WED_CLOSE)
    open_item(ledger, "later", WED_CLOSE + MICRO)
    open_item(ledger, "late", EVENING - MICRO)
    report = sweep(ledger, at)
    assert report.at == EVENING
    assert levels_of(report) == (("later",), ("soon",), ("late",))
    assert [event.at for event in urges(ledger, "soon")] == [EVENING]


def test_sla_level_refuses_bad_input() -> None:
    with pytest.raises(InvalidTypeError) as caught:
        sla_level(WED_CLOSE, T0, policy="default")  # type: ignore[arg-type]
    assert caught.value.field == "policy"
    with pytest.raises(InvalidValueError) as caught:  # text, but not a time limit
        sla_level(WED_CLOSE, T0, due_soon_within="soon")  # type: ignore[arg-type]
    assert caught.value.field == "due_soon_within"
    with pytest.raises(InvalidValueError) as caught:
        sla_level(WED_CLOSE, T0, due_soon_within=dt.timedelta(0))
    assert caught.value.field == "due_soon_within"
    with pytest.raises(NaiveDatetimeError) as caught:
        sla_level(dt.datetime(2026, 3, 4, 17, 30), T0)  # type: ignore[arg-type]
    assert caught.value.field == "deadline"
    with pytest.raises(InvalidTypeError) as caught:
        sla_level(WED_CLOSE, "2026-03-02T09:00:00+08:00")  # type: ignore[arg-type]
    assert caught.value.field == "at"


def test_sweep_rules_defaults_and_checks() -> None:
    rules = SweepRules()
    assert rules.due_soon_within == TimeLimit.working_days(1)
    assert rules.urge is True
    assert rules.escalate_overdue is False
    assert rules.actor == Actor(id=SWEEPER_ID, role=Role.SYSTEM)
    assert SweepRules(due_soon_within="2个工作日").due_soon_within == TimeLimit.working_days(2)
    with pytest.raises(InvalidValueError) as caught:
        SweepRules(due_soon_within=dt.timedelta(seconds=-1))
    assert caught.value.field == "SweepRules.due_soon_within"
    with pytest.raises(InvalidValueError) as caught:  # text, but not a time limit
        SweepRules(due_soon_within="a while")
    assert caught.value.field == "SweepRules.due_soon_within"
    with pytest.raises(InvalidTypeError) as caught:
        SweepRules(urge="yes")  # type: ignore[arg-type]
    assert caught.value.field == "SweepRules.urge"
    with pytest.raises(InvalidTypeError) as caught:
        SweepRules(escalate_overdue=1)  # type: ignore[arg-type]
    assert caught.value.field == "SweepRules.escalate_overdue"
    with pytest.raises(InvalidTypeError) as caught:
        SweepRules(actor="sla-sweep")  # type: ignore[arg-type]
    assert caught.value.field == "SweepRules.actor"


# -- 2. urging -------------------------------------------------------------------------------


def three_lights() -> Ledger:
    """At Monday 14:00 (threshold Tuesday 17:30): one green, one yellow, two red."""
    ledger = new_ledger()
    open_item(ledger, "green", WED_CLOSE)
    open_item(ledger, "yellow", sh(2026, 3, 3, 12))
    open_item(ledger, "red", sh(2026, 3, 2, 12), status=S.IN_PROGRESS)
    open_item(ledger, "red-resolved", sh(2026, 3, 2, 13), status=S.RESOLVED)
    return ledger


def test_yellow_and_red_items_are_urged_with_an_audit_event() -> None:
    ledger = three_lights()
    before = histories(ledger)
    report = sweep(ledger, MON_1400)
    assert levels_of(report) == (("green",), ("yellow",), ("red", "red-resolved"))
    assert report.urged == ("yellow", "red", "red-resolved")
    assert report.escalated == ()
    assert dict(report.refused) == {}
    assert report.changed
    after = histories(ledger)
    assert after["green"] == before["green"]
    for issue_id, level, status in (
        ("yellow", SlaLevel.DUE_SOON, S.TRANSFERRED),
        ("red", SlaLevel.OVERDUE, S.IN_PROGRESS),
        ("red-resolved", SlaLevel.OVERDUE, S.RESOLVED),
    ):
        assert after[issue_id][:-1] == before[issue_id]  # exactly one event added
        assert_urged(after[issue_id][-1], level, MON_1400, status)
        assert ledger.status(issue_id) is status


def test_a_second_sweep_at_the_same_moment_changes_nothing() -> None:
    ledger = three_lights()
    first = sweep(ledger, MON_1400)
    before = histories(ledger)
    again = sweep(ledger, MON_1400)
    assert not again.changed
    assert again.urged == again.escalated == ()
    assert levels_of(again) == levels_of(first)
    assert histories(ledger) == before


def test_urge_false_sorts_without_urging() -> None:
    ledger = three_lights()
    before = histories(ledger)
    report = sweep(ledger, MON_1400, rules=SweepRules(urge=False))
    assert levels_of(report) == (("green",), ("yellow",), ("red", "red-resolved"))
    assert report.urged == ()
    assert histories(ledger) == before


def test_a_yellow_item_turning_red_is_urged_again_as_overdue() -> None:
    ledger = new_ledger()
    deadline = sh(2026, 3, 3, 12)  # Tuesday noon
    open_item(ledger, "a", deadline)
    assert sweep(ledger, MON_1400).urged == ("a",)  # yellow
    assert not sweep(ledger, sh(2026, 3, 2, 16)).changed  # still yellow: not again
    at_deadline = sweep(ledger, deadline)  # deadline == at: still yellow
    assert at_deadline.due_soon == ("a",)
    assert not at_deadline.changed
    turned = sweep(ledger, deadline + MICRO)  # now red
    assert turned.overdue == ("a",)
    assert turned.urged == ("a",)
    assert not sweep(ledger, sh(2026, 3, 4, 10)).changed  # red again later: not again
    events = urges(ledger, "a")
    assert [event.data["level"] for event in events] == ["due_soon", "overdue"]
    assert_urged(events[1], SlaLevel.OVERDUE, deadline + MICRO, S.TRANSFERRED)


def test_an_item_red_at_its_first_sweep_is_urged_once_as_overdue() -> None:
    ledger = new_ledger()
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    sweep(ledger, MON_1400)
    sweep(ledger, sh(2026, 3, 2, 15))
    sweep(ledger, sh(2026, 3, 5, 10))
    assert urge_levels(ledger, "a") == ["overdue"]


def test_an_urge_without_a_level_does_not_stand_for_the_sweeps() -> None:
    ledger = new_ledger()
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    ledger.apply("a", "urge", actor=SUPERVISOR, at=sh(2026, 3, 2, 13), note="电话催办")
    assert sweep(ledger, MON_1400).urged == ("a",)
    assert urge_levels(ledger, "a") == [None, "overdue"]


def test_the_rules_actor_is_recorded() -> None:
    ledger = new_ledger()
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    sweep(ledger, MON_1400, rules=SweepRules(actor=DISPATCHER))
    [event] = urges(ledger, "a")
    assert (event.actor, event.role, event.unit) == ("disp", Role.DISPATCHER, "centre")


# -- 3. a new deadline starts urging afresh ----------------------------------------------------


def extend(ledger: Ledger) -> DateTime:
    """Red at Monday 14:00; extended by 2 working days from its deadline (Monday 12:00,
    which counts from Monday) to Wednesday 17:30."""
    ledger.apply(
        "a",
        "extend",
        actor=DISPATCHER,
        at=sh(2026, 3, 2, 14, 30),
        note="需协调",
        extension="2 working days",
    )
    assert ledger.issue("a").deadline == WED_CLOSE
    # Monday 15:00: threshold Tuesday 17:30, so green now.
    assert sweep(ledger, sh(2026, 3, 2, 15)).on_track == ("a",)
    return WED_CLOSE


def answered_late(ledger: Ledger) -> None:
    """Signed for, resolved and answered after its deadline had passed."""
    for minute, event, actor, args in (
        (10, "sign_for", handler(), {}),
        (20, "resolve", handler(), {}),
    ):
        ledger.apply("a", event, actor=actor, at=sh(2026, 3, 2, 14, minute), **args)
    assert not sweep(ledger, sh(2026, 3, 2, 14, 25)).changed  # same deadline: not again
    answered = sh(2026, 3, 2, 14, 30)
    feedback = Feedback(at=answered, content="已修复", method=FeedbackMethod.PHONE)
    ledger.apply("a", "answer", actor=handler(), at=answered, feedback=feedback)


def rectify(ledger: Ledger) -> DateTime:
    """Answered late, then rated dissatisfied: the bad rating sends it back for
    整改 (rectification) with a new deadline."""
    answered_late(ledger)
    rated = sh(2026, 3, 2, 14, 40)
    bad = Evaluation(
        issue_id="a", rating=Rating.DISSATISFIED, resolved=False, at=rated, rater=ZHANG.id
    )
    new = sh(2026, 3, 2, 16)
    ledger.apply("a", "rate", actor=REQUESTER, at=rated, evaluation=bad, deadline=new)
    assert (ledger.issue("a").round, ledger.status("a")) == (2, S.IN_PROGRESS)
    return new


def redo(ledger: Ledger) -> DateTime:
    """Answered late, then ordered redone (核查整改) with a new deadline."""
    answered_late(ledger)
    new = sh(2026, 3, 2, 16)
    ledger.apply("a", "redo", actor=REVIEWER, at=sh(2026, 3, 2, 14, 50), note="整改", deadline=new)
    assert ledger.issue("a").round == 2
    return new


def transfer_again(ledger: Ledger) -> DateTime:
    """Sent back by the unit, then transferred to another with a new deadline."""
    ledger.apply("a", "send_back", actor=handler(), at=sh(2026, 3, 2, 14, 10), note="不属于本单位")
    returned = sweep(ledger, sh(2026, 3, 2, 14, 15))  # a returned item has no deadline
    assert levels_of(returned) == ((), (), ())
    new = sh(2026, 3, 2, 15)
    ledger.apply(
        "a", "transfer", actor=DISPATCHER, at=sh(2026, 3, 2, 14, 20), unit="u2", deadline=new
    )
    return new


def sign_for_later(ledger: Ledger) -> DateTime:
    """Signed for with a later deadline than the transfer gave."""
    new = sh(2026, 3, 2, 16)
    ledger.apply("a", "sign_for", actor=handler(), at=sh(2026, 3, 2, 14, 10), deadline=new)
    return new


@pytest.mark.parametrize("change", [extend, rectify, redo, transfer_again, sign_for_later])
def test_a_changed_deadline_is_urged_again(change: Any) -> None:
    ledger = new_ledger()
    old = sh(2026, 3, 2, 12)
    open_item(ledger, "a", old)
    assert sweep(ledger, MON_1400).urged == ("a",)  # red: urged as overdue
    new = change(ledger)
    assert ledger.issue("a").deadline == new
    # Once the new deadline has passed the item is red again, and urged again.
    late = new + MICRO
    report = sweep(ledger, late)
    assert report.overdue == ("a",)
    assert report.urged == ("a",)
    assert not sweep(ledger, late).changed
    events = urges(ledger, "a")
    assert [event.data["level"] for event in events][-1] == "overdue"
    assert events[0].at == MON_1400
    assert_urged(events[-1], SlaLevel.OVERDUE, late, ledger.status("a"))


def test_an_extension_is_urged_yellow_then_red_again() -> None:
    ledger = new_ledger()
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    sweep(ledger, MON_1400)
    extend(ledger)
    # Tuesday 18:00 is after the cut-off: counts from Wednesday, threshold Thursday 17:30.
    assert sweep(ledger, sh(2026, 3, 3, 18)).due_soon == ("a",)
    assert sweep(ledger, WED_CLOSE + MICRO).overdue == ("a",)
    assert urge_levels(ledger, "a") == ["overdue", "due_soon", "overdue"]


def test_a_deadline_restated_unchanged_is_not_urged_again() -> None:
    ledger = new_ledger()
    deadline = sh(2026, 3, 2, 17)
    open_item(ledger, "a", deadline)
    assert sweep(ledger, sh(2026, 3, 2, 10)).urged == ("a",)  # due soon
    ledger.apply("a", "sign_for", actor=handler(), at=sh(2026, 3, 2, 11), deadline=deadline)
    assert ledger.issue("a").deadline == deadline  # nothing changed
    assert not sweep(ledger, sh(2026, 3, 2, 12)).changed
    assert urge_levels(ledger, "a") == ["due_soon"]


def test_urges_in_an_added_history_count() -> None:
    """An issue's audit history, carried to another ledger, keeps the sweep idempotent."""
    ledger = new_ledger()
    open_item(ledger, "yellow", sh(2026, 3, 3, 12))
    open_item(ledger, "red", sh(2026, 3, 2, 12))
    sweep(ledger, MON_1400, rules=SweepRules(escalate_overdue=True))
    copy = new_ledger()
    for issue_id in ledger:
        copy.add(ledger.issue(issue_id))
    before = histories(copy)
    assert before == histories(ledger)
    again = sweep(copy, MON_1400, rules=SweepRules(escalate_overdue=True))
    assert not again.changed
    assert histories(copy) == before
    # A deadline set on the copy itself still starts afresh.
    copy.apply(
        "red",
        "extend",
        actor=DISPATCHER,
        at=sh(2026, 3, 2, 15),
        note="延期",
        deadline=sh(2026, 3, 2, 16),
    )
    assert copy.issue("red").track is Track.SUPERVISED
    assert sweep(copy, sh(2026, 3, 2, 16) + MICRO).urged == ("red",)


def test_urges_recorded_by_the_workflow_count_on_the_ledger() -> None:
    """An issue moved with IssueWorkflow (its events kept as they are) and urged there
    at the overdue level is not urged again at that level once on a ledger."""
    issue = new_issue("a")
    workflow = IssueWorkflow(issue, policy=POLICY, clock=FixedClock(T0))
    workflow.transfer(actor=DISPATCHER, at=T0, unit="u1", deadline=sh(2026, 3, 2, 12))
    workflow.urge(
        actor=Actor(id=SWEEPER_ID, role=Role.SYSTEM),
        at=sh(2026, 3, 2, 13),
        note="超期催办",
        level="overdue",
    )
    ledger = new_ledger()
    ledger.add(issue)
    report = sweep(ledger, MON_1400)
    assert report.overdue == ("a",)
    assert not report.changed
    assert urge_levels(ledger, "a") == ["overdue"]


# -- 4. escalation ------------------------------------------------------------------------------


def escalation_ledger() -> Ledger:
    ledger = new_ledger()
    red = sh(2026, 3, 2, 12)
    open_item(ledger, "late", red)
    open_item(ledger, "working", red, status=S.IN_PROGRESS, unit="u2")
    open_item(ledger, "resolved", red, status=S.RESOLVED)
    open_item(ledger, "soon", sh(2026, 3, 3, 12))
    open_item(ledger, "supervised", red, track=Track.SUPERVISED)
    open_item(ledger, "top", red, unit="up")  # "up" has no unit above it
    return ledger


ESCALATE = SweepRules(escalate_overdue=True)


def test_red_items_are_escalated_to_the_parent_unit() -> None:
    ledger = escalation_ledger()
    before = histories(ledger)
    report = sweep(ledger, MON_1400, rules=ESCALATE)
    assert report.overdue == ("late", "working", "resolved", "supervised", "top")
    assert report.due_soon == ("soon",)
    assert report.urged == ("late", "working", "resolved", "soon", "supervised", "top")
    # Only red items in 已转办/办理中 and not yet 督办 are raised; "top" has nowhere to go.
    assert report.escalated == ("late", "working")
    assert set(report.refused) == {"top"}
    error = report.refused["top"]
    assert isinstance(error, InvalidValueError)
    assert error.field == "escalate.supervising_unit"
    assert error.value == "up"
    after = histories(ledger)
    for issue_id, status in (("late", S.TRANSFERRED), ("working", S.IN_PROGRESS)):
        *rest, urge, escalate = after[issue_id]
        assert tuple(rest) == before[issue_id]
        assert_urged(urge, SlaLevel.OVERDUE, MON_1400, status)
        assert escalate.name == "escalate"
        assert (escalate.actor, escalate.role) == (SWEEPER_ID, Role.SYSTEM)
        assert escalate.at == MON_1400
        assert escalate.note == "超期提级督办"
        assert dict(escalate.data) == {"supervising_unit": "up"}
        assert escalate.from_status is escalate.to_status is status
        issue = ledger.issue(issue_id)
        assert issue.track is Track.SUPERVISED
        assert issue.supervising_unit == TREE[issue.responsible_unit].parent == "up"
        assert issue.status is status
    for issue_id in ("resolved", "soon", "supervised", "top"):
        assert [event.name for event in after[issue_id][len(before[issue_id]) :]] == ["urge"]
    assert ledger.issue("top").track is Track.IMMEDIATE
    assert ledger.issue("resolved").track is Track.IMMEDIATE


def test_a_second_escalating_sweep_changes_nothing() -> None:
    ledger = escalation_ledger()
    first = sweep(ledger, MON_1400, rules=ESCALATE)
    before = histories(ledger)
    again = sweep(ledger, MON_1400, rules=ESCALATE)
    assert not again.changed
    assert again.escalated == ()
    assert levels_of(again) == levels_of(first)
    assert set(again.refused) == {"top"}  # still nowhere to go, and still nothing done
    assert histories(ledger) == before


def test_escalation_without_urging() -> None:
    ledger = escalation_ledger()
    report = sweep(ledger, MON_1400, rules=SweepRules(escalate_overdue=True, urge=False))
    assert report.urged == ()
    assert report.escalated == ("late", "working")
    assert all(not urges(ledger, issue_id) for issue_id in ledger)
    assert ledger.history("late")[-1].name == "escalate"


def test_escalation_needs_a_unit_tree_and_changes_nothing_without_one() -> None:
    ledger = new_ledger(policy=WorkflowPolicy())
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    before = histories(ledger)
    with pytest.raises(InvalidValueError) as caught:
        sweep(ledger, MON_1400, rules=ESCALATE)
    assert caught.value.field == "SweepRules.escalate_overdue"
    assert histories(ledger) == before  # not even urged


# -- 5. refusals and what the sweep leaves alone -------------------------------------------------


def test_a_step_the_workflow_refuses_is_reported_and_changes_nothing() -> None:
    ledger = new_ledger()
    open_item(ledger, "fine", sh(2026, 3, 2, 11))
    open_item(ledger, "recorded-later", sh(2026, 3, 2, 12))
    # Signed for on Tuesday: a sweep dated Monday 14:00 cannot record a step before that.
    ledger.apply("recorded-later", "sign_for", actor=handler(), at=sh(2026, 3, 3, 10))
    before = histories(ledger)
    report = sweep(ledger, MON_1400)
    assert report.overdue == ("fine", "recorded-later")  # still sorted
    assert report.urged == ("fine",)
    assert set(report.refused) == {"recorded-later"}
    error = report.refused["recorded-later"]
    assert isinstance(error, ChronologyError)
    assert error.field == "urge.at"
    assert ledger.history("recorded-later") == before["recorded-later"]
    assert isinstance(report.refused, Mapping)
    with pytest.raises(TypeError):
        report.refused["x"] = error  # type: ignore[index]


def test_an_escalation_the_workflow_refuses_changes_nothing() -> None:
    ledger = new_ledger()
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    ledger.apply("a", "sign_for", actor=handler(), at=sh(2026, 3, 3, 10))
    before = ledger.history("a")
    report = sweep(ledger, MON_1400, rules=ESCALATE)
    assert report.urged == report.escalated == ()
    error = report.refused["a"]
    assert isinstance(error, ChronologyError)
    assert error.field in {"urge.at", "escalate.at"}
    assert ledger.history("a") == before
    assert ledger.issue("a").track is Track.IMMEDIATE


def test_a_sweep_actor_who_may_not_urge_is_refused_for_every_item() -> None:
    ledger = three_lights()
    before = histories(ledger)
    report = sweep(ledger, MON_1400, rules=SweepRules(actor=handler()))
    assert report.urged == ()
    assert not report.changed
    assert set(report.refused) == {"yellow", "red", "red-resolved"}
    for error in report.refused.values():
        assert isinstance(error, RoleError)
        assert error.field == "urge.actor.role"
    assert histories(ledger) == before


def test_items_not_running_against_a_deadline_are_left_alone() -> None:
    ledger = new_ledger()
    red = sh(2026, 3, 2, 12)
    ledger.receive(new_issue("received"), actor=CLERK)
    open_item(ledger, "returned", red)
    ledger.apply(
        "returned", "send_back", actor=handler(), at=T0.add(minutes=1), note="不属于本单位"
    )
    open_item(ledger, "dismissed", red)
    ledger.apply(
        "dismissed",
        "dismiss",
        actor=DISPATCHER,
        at=T0.add(minutes=1),
        reason=DismissalReason.INVALID,
        note="测试来电",
    )
    for issue_id in ("answered", "closed"):
        open_item(ledger, issue_id, red, status=S.RESOLVED)
        at = T0.add(minutes=3)
        feedback = Feedback(at=at, content="已修复", method=FeedbackMethod.PHONE)
        ledger.apply(issue_id, "answer", actor=handler(), at=at, feedback=feedback)
    good = Evaluation(
        issue_id="closed", rating=Rating.SATISFIED, resolved=True, at=T0.add(minutes=4)
    )
    ledger.apply("closed", "rate", actor=REQUESTER, at=T0.add(minutes=4), evaluation=good)
    open_item(ledger, "control", red)
    statuses = {issue_id: ledger.status(issue_id) for issue_id in ledger}
    assert statuses == {
        "received": S.RECEIVED,
        "returned": S.RETURNED,
        "dismissed": S.DISMISSED,
        "answered": S.ANSWERED,
        "closed": S.CLOSED,
        "control": S.TRANSFERRED,
    }
    assert ledger.issue("answered").deadline == red  # answered items keep their deadline
    before = histories(ledger)
    report = sweep(ledger, sh(2026, 3, 9, 10), rules=ESCALATE)  # a week late for all
    assert levels_of(report) == ((), (), ("control",))
    assert report.urged == report.escalated == ("control",)
    assert dict(report.refused) == {}
    after = histories(ledger)
    assert {i: h for i, h in after.items() if i != "control"} == {
        i: h for i, h in before.items() if i != "control"
    }


def test_a_self_signed_item_runs_against_the_policys_limit() -> None:
    """即办 signed for by the receiving unit at Monday 09:00 is due in 1 working day:
    Tuesday 17:30, which at Monday 10:00 is exactly the due-soon threshold."""
    ledger = new_ledger()
    ledger.receive(new_issue("a"), actor=CLERK)
    ledger.apply("a", "sign_for", actor=handler("centre"), at=T0)
    assert ledger.issue("a").deadline == TUE_CLOSE
    report = sweep(ledger, sh(2026, 3, 2, 10))
    assert report.due_soon == ("a",)
    assert report.urged == ("a",)


def test_an_empty_ledger_sweeps_to_an_empty_report() -> None:
    report = sweep(new_ledger(), MON_1400, rules=ESCALATE)
    assert levels_of(report) == ((), (), ())
    assert report.counts() == dict.fromkeys(SlaLevel, 0)
    assert not report.changed


# -- 6. the clock, wrong input, the end of the calendar ------------------------------------------


def test_a_sweep_without_a_moment_reads_the_ledgers_clock() -> None:
    clock = FixedClock(MON_1400)
    ledger = Ledger(policy=POLICY, clock=clock)
    open_item(ledger, "a", sh(2026, 3, 3, 12))  # yellow on Monday afternoon
    report = sweep(ledger)
    assert report.at == MON_1400
    assert report.due_soon == ("a",)
    assert urges(ledger, "a")[-1].at == MON_1400
    clock.advance(days=1)  # Tuesday 14:00: past Tuesday noon
    report = sweep(ledger)
    assert report.at == sh(2026, 3, 3, 14)
    assert report.overdue == ("a",)
    assert_urged(urges(ledger, "a")[-1], SlaLevel.OVERDUE, sh(2026, 3, 3, 14), S.TRANSFERRED)
    # A moment given outright wins over the clock.
    assert sweep(ledger, sh(2026, 3, 3, 11)).due_soon == ("a",)


@pytest.mark.parametrize(
    ("call", "error", "field"),
    [
        (lambda ledger: sweep("ledger"), InvalidTypeError, "ledger"),
        (lambda ledger: sweep(ledger.history), InvalidTypeError, "ledger"),
        (lambda ledger: sweep(ledger, rules={"urge": False}), InvalidTypeError, "rules"),
        (lambda ledger: sweep(ledger, rules=SweepRules), InvalidTypeError, "rules"),
        (lambda ledger: sweep(ledger, "2026-03-02T14:00+08:00"), InvalidTypeError, "at"),
        (lambda ledger: sweep(ledger, dt.datetime(2026, 3, 2, 14)), NaiveDatetimeError, "at"),
    ],
)
def test_wrong_input_is_refused_before_anything_changes(
    call: Any, error: type[BanshishiError], field: str
) -> None:
    ledger = three_lights()
    before = histories(ledger)
    with pytest.raises(error) as caught:
        call(ledger)
    assert caught.value.field == field
    assert histories(ledger) == before


def test_under_a_strict_policy_a_threshold_past_the_calendar_raises_and_changes_nothing() -> None:
    """On Thursday 31 Dec 10:00, one working day on falls in 2027, which a strict
    policy's calendar does not know; two working hours on is 12:00 the same day,
    which it does."""
    strict = WorkflowPolicy(units=TREE, provisional_years=0)
    ledger = new_ledger(sh(2026, 12, 30, 9), policy=strict)
    open_item(ledger, "a", sh(2026, 12, 31, 12), at=sh(2026, 12, 30, 9))
    before = histories(ledger)
    at = sh(2026, 12, 31, 10)
    with pytest.raises(UnknownYearError) as caught:
        sweep(ledger, at)
    assert caught.value.year == 2027
    assert histories(ledger) == before
    with pytest.raises(UnknownYearError):
        sla_level(sh(2026, 12, 31, 12), at, policy=strict)
    report = sweep(ledger, at, rules=SweepRules(due_soon_within="2 working hours"))
    assert report.due_soon == ("a",)
    assert report.urged == ("a",)


def test_by_default_the_sweep_counts_its_threshold_into_a_provisional_year() -> None:
    """The same moment under the default policy: one working day on is Monday
    4 January 2027 (provisionally), so the item due at 12:00 today is due soon."""
    ledger = new_ledger(sh(2026, 12, 30, 9))
    open_item(ledger, "a", sh(2026, 12, 31, 12), at=sh(2026, 12, 30, 9))
    at = sh(2026, 12, 31, 10)
    assert sla_level(sh(2027, 1, 4, 17, 30), at) is SlaLevel.DUE_SOON
    assert sla_level(sh(2027, 1, 5, 9), at) is SlaLevel.ON_TRACK
    report = sweep(ledger, at)
    assert (report.due_soon, report.urged) == (("a",), ("a",))


# -- 7. properties over random ledgers ----------------------------------------------------------

BASE = sh(2026, 1, 5, 9)  # Monday 5 January; every moment below stays before mid-December
PATHS = (
    "received",
    "transferred",
    "in_progress",
    "resolved",
    "answered",
    "closed",
    "returned",
    "dismissed",
    "extended",
    "self_signed",
    "supervised",
)
LEAD_TIMES = (
    TimeLimit.working_days(1),
    TimeLimit.working_days(3),
    TimeLimit.working_hours(2),
    dt.timedelta(hours=5),
)


def build(
    ledger: Ledger, issue_id: str, path: str, start: DateTime, deadline: DateTime, unit: str
) -> None:
    """Put one issue on ``ledger`` and move it along ``path``, a minute per step."""
    track = Track.SUPERVISED if path == "supervised" else Track.IMMEDIATE
    ledger.receive(new_issue(issue_id, at=start, track=track), actor=CLERK)
    if path == "received":
        return
    if path == "self_signed":
        ledger.apply(issue_id, "sign_for", actor=handler("centre"), at=start)
        return
    if path == "supervised":
        unit = "u1"  # the supervising unit must be the handling unit's parent
    extra = {"supervising_unit": "up"} if path == "supervised" else {}
    ledger.apply(
        issue_id, "transfer", actor=DISPATCHER, at=start, unit=unit, deadline=deadline, **extra
    )
    at = start.add(minutes=1)
    if path == "returned":
        ledger.apply(issue_id, "send_back", actor=handler(unit), at=at, note="不属于本单位")
    elif path == "dismissed":
        ledger.apply(
            issue_id,
            "dismiss",
            actor=DISPATCHER,
            at=at,
            reason=DismissalReason.INVALID,
            note="无效",
        )
    elif path == "extended":
        ledger.apply(
            issue_id, "extend", actor=DISPATCHER, at=at, note="延期", extension="2 working days"
        )
    elif path in ("in_progress", "resolved", "answered", "closed"):
        ledger.apply(issue_id, "sign_for", actor=handler(unit), at=at)
        if path == "in_progress":
            return
        ledger.apply(issue_id, "resolve", actor=handler(unit), at=start.add(minutes=2))
        if path == "resolved":
            return
        at = start.add(minutes=3)
        feedback = Feedback(at=at, content="已修复", method=FeedbackMethod.PHONE)
        ledger.apply(issue_id, "answer", actor=handler(unit), at=at, feedback=feedback)
        if path == "closed":
            good = Evaluation(issue_id=issue_id, rating=Rating.SATISFIED, resolved=True, at=at)
            ledger.apply(issue_id, "rate", actor=REQUESTER, at=at, evaluation=good)


@st.composite
def random_ledgers(draw: st.DrawFn) -> Ledger:
    ledger = new_ledger(BASE)
    for index in range(draw(st.integers(1, 6))):
        start = BASE.add(minutes=draw(st.integers(0, 60 * 24 * 300)))  # to early November
        deadline = start.add(minutes=draw(st.integers(1, 60 * 24 * 20)))
        path = draw(st.sampled_from(PATHS))
        unit = draw(st.sampled_from(("u1", "u2", "up")))
        build(ledger, f"i-{index}", path, start, deadline, unit)
    return ledger


def moments_near(ledger: Ledger) -> st.SearchStrategy[DateTime]:
    """Moments around the ledger's deadlines (some before its last events, too)."""
    deadlines = [ledger.issue(i).deadline for i in ledger]
    anchors = [d for d in deadlines if d is not None] or [BASE]
    return st.builds(
        lambda anchor, shift, micro: anchor.add(minutes=shift, microseconds=micro),
        st.sampled_from(anchors),
        st.integers(-60 * 24 * 3, 60 * 24 * 3),
        st.sampled_from((0, 1, -1)),
    )


def check_sorting(ledger: Ledger, report: SweepReport, rules: SweepRules) -> None:
    """Every open item with a deadline is in exactly the list its level says."""
    expected: dict[SlaLevel, list[str]] = {level: [] for level in SlaLevel}
    for issue_id in ledger:
        issue = ledger.issue(issue_id)
        if issue.status in OPEN and issue.deadline is not None:
            level = sla_level(
                issue.deadline, report.at, policy=POLICY, due_soon_within=rules.due_soon_within
            )
            # red is simply "past the deadline", whatever the lead time
            assert (level is SlaLevel.OVERDUE) == (issue.deadline < report.at)
            expected[level].append(issue_id)
    assert report.on_track == tuple(expected[SlaLevel.ON_TRACK])
    assert report.due_soon == tuple(expected[SlaLevel.DUE_SOON])
    assert report.overdue == tuple(expected[SlaLevel.OVERDUE])
    assert set(report.urged) <= set(report.due_soon) | set(report.overdue)
    assert set(report.escalated) <= set(report.overdue)
    assert not set(report.escalated) & set(report.refused)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_sweeping_twice_at_the_same_moment_changes_nothing(data: st.DataObject) -> None:
    ledger = data.draw(random_ledgers())
    rules = SweepRules(
        due_soon_within=data.draw(st.sampled_from(LEAD_TIMES)),
        escalate_overdue=data.draw(st.booleans()),
    )
    first_at, second_at = sorted(data.draw(st.lists(moments_near(ledger), min_size=2, max_size=2)))
    for at in (first_at, second_at):
        before = histories(ledger)
        first = sweep(ledger, at, rules=rules)
        check_sorting(ledger, first, rules)
        after = histories(ledger)
        # What changed is exactly one urge (and maybe an escalation) per item reported so.
        for issue_id, history in after.items():
            added = [event.name for event in history[len(before[issue_id]) :]]
            assert history[: len(before[issue_id])] == before[issue_id]
            expected = ["urge"] if issue_id in first.urged else []
            expected += ["escalate"] if issue_id in first.escalated else []
            assert added == expected
        again = sweep(ledger, at, rules=rules)
        assert not again.changed
        assert again.urged == again.escalated == ()
        assert levels_of(again) == levels_of(first)
        assert set(again.refused) == set(first.refused)
        assert histories(ledger) == after
        label(first)


def label(report: SweepReport) -> None:
    """Say what a sweep met, so the statistics show the cases are reached."""
    for name in ("due_soon", "overdue", "urged", "escalated", "refused"):
        if getattr(report, name):
            note_event(f"a sweep had {name} items")


# -- 8. a ledger swept on a timer, among other steps ---------------------------------------------

LAST = sh(2026, 11, 30, 9)  # the clock stops moving on here, so every threshold stays in 2026
GAPS = ({"minutes": 7}, {"minutes": 45}, {"hours": 3}, {"hours": 20}, {"days": 2})


def deadline_of(event: Event) -> DateTime | None:
    text = event.data.get("deadline")
    return None if text is None else parse_instant(str(text))


class SweepMachine(RuleBasedStateMachine):
    """Items received and transferred, a clock that moves on, sweeps, extensions and
    answers, in any order; the sweep's record must stay sound throughout."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(T0)
        self.ledger = Ledger(policy=POLICY, clock=self.clock)
        self.ids: list[str] = []

    def items_in(self, *statuses: IssueStatus) -> list[str]:
        return [i for i in self.ids if self.ledger.status(i) in statuses]

    @precondition(lambda self: len(self.ids) < 6)
    @rule(minutes=st.integers(1, 60 * 24 * 6), unit=st.sampled_from(("u1", "u2")))
    def receive_and_transfer(self, minutes: int, unit: str) -> None:
        now = self.clock.now()
        issue_id = f"i-{len(self.ids)}"
        self.ledger.receive(new_issue(issue_id, at=now), actor=CLERK)
        self.ledger.apply(
            issue_id, "transfer", actor=DISPATCHER, unit=unit, deadline=now.add(minutes=minutes)
        )
        self.ids.append(issue_id)

    @precondition(lambda self: self.clock.now() < LAST)
    @rule(gap=st.sampled_from(GAPS))
    def advance(self, gap: dict[str, int]) -> None:
        self.clock.advance(**gap)

    @rule(escalate=st.booleans(), urge=st.booleans())
    def sweep_now(self, escalate: bool, urge: bool) -> None:
        rules = SweepRules(escalate_overdue=escalate, urge=urge)
        now = self.clock.now()
        report = sweep(self.ledger, rules=rules)
        assert report.at == now
        check_sorting(self.ledger, report, rules)
        assert dict(report.refused) == {}  # every step is dated now, the latest moment
        if not urge:
            assert report.urged == ()
        for issue_id in report.urged:
            level = SlaLevel.DUE_SOON if issue_id in report.due_soon else SlaLevel.OVERDUE
            assert_urged(urges(self.ledger, issue_id)[-1], level, now, self.ledger.status(issue_id))
        for issue_id in report.escalated:
            assert self.ledger.issue(issue_id).track is Track.SUPERVISED
        before = histories(self.ledger)
        again = sweep(self.ledger, rules=rules)
        assert not again.changed
        assert levels_of(again) == levels_of(report)
        assert histories(self.ledger) == before
        label(report)

    @precondition(lambda self: self.items_in(S.TRANSFERRED, S.IN_PROGRESS))
    @rule(data=st.data(), days=st.integers(1, 3))
    def extend(self, data: st.DataObject, days: int) -> None:
        issue_id = data.draw(st.sampled_from(self.items_in(S.TRANSFERRED, S.IN_PROGRESS)))
        before = self.ledger.issue(issue_id)
        try:
            self.ledger.apply(
                issue_id,
                "extend",
                actor=DISPATCHER,
                note="需协调",
                extension=f"{days} working days",
            )
        except ChronologyError:
            # Long overdue: the extended deadline would still be in the past.
            assert self.ledger.issue(issue_id) == before
            return
        deadline = self.ledger.issue(issue_id).deadline
        assert before.deadline is not None
        assert deadline is not None
        assert deadline > before.deadline
        assert deadline > self.clock.now()

    @precondition(lambda self: self.items_in(S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED))
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        issue_id = data.draw(
            st.sampled_from(self.items_in(S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED))
        )
        issue = self.ledger.issue(issue_id)
        unit = issue.responsible_unit
        assert unit is not None
        if issue.status is S.TRANSFERRED:
            self.ledger.apply(issue_id, "sign_for", actor=handler(unit))
        if issue.status is not S.RESOLVED:
            if issue.track is Track.SUPERVISED:  # escalated by a sweep: signed off first
                self.ledger.apply(issue_id, "sign_off", actor=SUPERVISOR)
            self.ledger.apply(issue_id, "resolve", actor=handler(unit))
        if data.draw(st.booleans()):  # sometimes it stays resolved, still open
            now = self.clock.now()
            feedback = Feedback(at=now, content="已办理", method=FeedbackMethod.PHONE)
            self.ledger.apply(issue_id, "answer", actor=handler(unit), feedback=feedback)
            assert self.ledger.status(issue_id) is S.ANSWERED

    @invariant()
    def urged_once_per_level_and_deadline_at_that_level(self) -> None:
        for issue_id in self.ids:
            deadline: DateTime | None = None
            seen: set[tuple[str, DateTime]] = set()
            for event in self.ledger.history(issue_id):
                if "deadline" in event.data:
                    deadline = deadline_of(event)
                if event.name != "urge":
                    continue
                assert deadline is not None
                assert (event.actor, event.role) == (SWEEPER_ID, Role.SYSTEM)
                level = SlaLevel(event.data["level"])
                key = (level.value, deadline)
                assert key not in seen, (issue_id, key)
                seen.add(key)
                # urged at a moment when the item stood at that level (default lead time)
                assert sla_level(deadline, event.at, policy=POLICY) is level
                assert event.note == NOTES[level]

    @invariant()
    def escalations_go_one_level_up_when_red(self) -> None:
        for issue_id in self.ids:
            deadline: DateTime | None = None
            escalated = 0
            for event in self.ledger.history(issue_id):
                if "deadline" in event.data:
                    deadline = deadline_of(event)
                if event.name == "escalate":
                    escalated += 1
                    assert deadline is not None
                    assert deadline < event.at  # only red items are raised
                    assert (event.actor, event.role) == (SWEEPER_ID, Role.SYSTEM)
            assert escalated <= 1
            if escalated:
                issue = self.ledger.issue(issue_id)
                assert issue.track is Track.SUPERVISED
                assert issue.responsible_unit is not None
                assert issue.supervising_unit == TREE[issue.responsible_unit].parent


SweepMachine.TestCase.settings = settings(
    stateful_step_count=25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestSweepMachine = SweepMachine.TestCase


def test_events_carry_their_deadline_as_text_the_invariants_can_read() -> None:
    """The stateful invariants read deadlines back from the audit data; make sure that
    reading works, so they do not pass vacuously."""
    ledger = new_ledger()
    open_item(ledger, "a", sh(2026, 3, 2, 12))
    [transfer] = [event for event in ledger.history("a") if event.name == "transfer"]
    assert deadline_of(transfer) == sh(2026, 3, 2, 12)
