"""The SLA sweep urges: once per level and deadline, afresh when a new deadline is
set, and escalates to 督办 one level up.

Every threshold here is derived by hand from China's official 2026 calendar and
the default working hours (09:00–12:00 and 13:30–17:30, Asia/Shanghai, cut-off at
17:30 inclusive): 1 working day from a moment is the close (17:30) of the first
working day after the day the moment counts from (its own day when that is a
working day and the moment is not after 17:30, else the next working day). The
2026 days used are listed in sweep_cases.py.
"""

from typing import Any

import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    Evaluation,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InvalidValueError,
    IssueWorkflow,
    Ledger,
    Rating,
    Role,
    SlaLevel,
    SweepRules,
    Track,
    WorkflowPolicy,
    sweep,
)
from cast import REQUESTER
from sweep_cases import (
    DISPATCHER,
    ESCALATE,
    MICRO,
    MON_1400,
    POLICY,
    SUPERVISOR,
    SWEEPER_ID,
    T0,
    TREE,
    WED_CLOSE,
    ZHANG,
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

REVIEWER = Actor(id="rev", role=Role.REVIEWER)


def urge_levels(ledger: Ledger, issue_id: str) -> list[object]:
    return [event.data.get("level") for event in urges(ledger, issue_id)]


# -- 2. urging -------------------------------------------------------------------------------


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
