"""The SLA sweep: green, yellow and red items, refusals that change nothing and
what the sweep leaves alone, the clock, wrong input and the end of the calendar.

Urging and escalation are in test_urging.py, properties over random ledgers in
test_sweep_properties.py.

Every threshold here is derived by hand from China's official 2026 calendar and
the default working hours (09:00–12:00 and 13:30–17:30, Asia/Shanghai, cut-off at
17:30 inclusive): 1 working day from a moment is the close (17:30) of the first
working day after the day the moment counts from (its own day when that is a
working day and the moment is not after 17:30, else the next working day). The
2026 days used are listed in sweep_cases.py.
"""

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    BanshishiError,
    ChronologyError,
    DismissalReason,
    Evaluation,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Ledger,
    NaiveDatetimeError,
    Rating,
    Role,
    RoleError,
    SlaLevel,
    SweepRules,
    TimeLimit,
    Track,
    UnknownYearError,
    WorkflowPolicy,
    sla_level,
    sweep,
)
from cast import REQUESTER
from sweep_cases import (
    CLERK,
    DISPATCHER,
    ESCALATE,
    MICRO,
    MON_1400,
    POLICY,
    SWEEPER_ID,
    T0,
    TREE,
    WED_CLOSE,
    S,
    assert_urged,
    handler,
    histories,
    levels_of,
    new_issue,
    new_ledger,
    open_item,
    sh,
    three_lights,
    urges,
)

# From Monday 2 March before 17:30, one working day runs out at the close of Tuesday 3 March.
TUE_CLOSE = sh(2026, 3, 3, 17, 30)


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
