"""Extending a deadline (延期): who may, by how much, and what the new deadline is.

Every expected deadline below is derived by hand from the State Council's 2025 and
2026 schedules, not read off the library; the comment next to each one shows the
count (the days of 2026 that differ from an ordinary week are listed in
tests/working_time.py). Office hours are 09:00-12:00 and 13:30-17:30 (seven hours
a day) in Asia/Shanghai unless a test says otherwise.
Both engines (IssueWorkflow and Ledger) take every
workflow step here, and must agree.
"""

import datetime as dt

import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    ChronologyError,
    Command,
    DismissalReason,
    Evaluation,
    Feedback,
    FeedbackMethod,
    InvalidTypeError,
    InvalidValueError,
    IssueStatus,
    PreconditionError,
    Rating,
    RoleError,
    TransitionRefusedError,
    UnknownYearError,
    WorkflowPolicy,
    WorkingHours,
    format_instant,
)
from banshishi._workflow.policy import DEFAULT_POLICY
from both_engines import (
    CENTRE,
    CLERK,
    DISPATCHER,
    ISSUE_ID,
    LEAD,
    REQUESTER,
    Both,
    S,
    assert_replays,
    both,
    extendable,
    handler,
    refused,
    step,
    without_history,
)
from cast import LEADER, PLATFORM, REVIEWER, SUPERVISOR
from cast import REQUESTER as CALLER
from working_time import DAYS, HRS, at_time, sh

# -- 9. extend (延期) ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.TRANSFERRED, S.IN_PROGRESS])
@pytest.mark.parametrize("approver", [DISPATCHER, SUPERVISOR, LEADER])
def test_an_extension_is_counted_from_the_current_deadline(
    status: IssueStatus, approver: Actor
) -> None:
    case = extendable(status)
    event = step(
        case,
        "extend",
        approver,
        sh(2026, 9, 23, 11),
        note="需协调住建部门",
        extension="5 working days",
    )
    # From Thu 09-24 17:30 (not after the cut-off, so it counts from 09-24): 中秋
    # 09-25..27; 09-28 (1), 09-29 (2), 09-30 (3); 国庆; 10-08 (4), 10-09 (5).
    expected = sh(2026, 10, 9, 17, 30)
    assert case.issue.deadline == expected
    assert case.issue.status is status
    assert (event.name, event.from_status, event.to_status) == ("extend", status, status)
    assert event.note == "需协调住建部门"
    assert dict(event.data) == {"extension": "5 working days", "deadline": format_instant(expected)}
    assert (event.actor, event.role) == (approver.id, approver.role)
    assert_replays(case, DEFAULT_POLICY)
    assert_replays(case, WorkflowPolicy(working_hours=WorkingHours(cutoff=at_time(9))))


def test_extensions_chain_and_an_explicit_deadline_is_taken_as_it_stands() -> None:
    case = extendable()
    step(case, "extend", SUPERVISOR, sh(2026, 9, 23, 11), note="需协调", extension=DAYS(5))
    assert case.issue.deadline == sh(2026, 10, 9, 17, 30)
    # Both given (as a replay gives them): the deadline is used as is, not counted.
    chosen = sh(2026, 10, 16, 17, 30)
    event = step(
        case,
        "extend",
        LEADER,
        sh(2026, 9, 23, 12),
        note="领导批准",
        deadline=chosen,
        extension="1 working day",
    )
    assert case.issue.deadline == chosen
    assert dict(event.data) == {"deadline": format_instant(chosen), "extension": "1 working day"}
    # A deadline alone records no extension.
    later = sh(2026, 10, 19, 12)
    event = step(case, "extend", DISPATCHER, sh(2026, 9, 23, 13), note="再延", deadline=later)
    assert dict(event.data) == {"deadline": format_instant(later)}
    # Hours from Mon 10-19 12:00: the lunch break, then 13:30 + 2 h = 15:30.
    step(case, "extend", DISPATCHER, sh(2026, 9, 23, 14), note="补充材料", extension="2个工作小时")
    assert case.issue.deadline == sh(2026, 10, 19, 15, 30)
    assert [e.name for e in case.issue.history].count("extend") == 4
    assert_replays(case, DEFAULT_POLICY)


def test_an_extension_of_a_deadline_at_the_close_runs_on_the_next_working_day() -> None:
    case = extendable()
    step(
        case,
        "extend",
        DISPATCHER,
        sh(2026, 9, 23, 11),
        note="等待回复",
        extension="2 working hours",
    )
    # The deadline Thu 09-24 17:30 is the end of the day; Fri 09-25 is 中秋, the
    # weekend follows: Mon 09-28 09:00 + 2 h = 11:00.
    assert case.issue.deadline == sh(2026, 9, 28, 11)


def test_an_extension_of_a_deadline_on_a_day_off_counts_from_the_next_working_day() -> None:
    case = both(sh(2026, 3, 2, 9))
    step(case, "transfer", DISPATCHER, sh(2026, 3, 2, 10), unit=LEAD, deadline=sh(2026, 3, 7, 12))
    step(case, "extend", DISPATCHER, sh(2026, 3, 2, 11), note="延期", extension="1 working day")
    # Sat 03-07 is off: counts from Mon 03-09, +1 -> Tue 03-10 17:30.
    assert case.issue.deadline == sh(2026, 3, 10, 17, 30)


@pytest.mark.parametrize(
    "actor",
    [
        handler(),
        handler(CENTRE),
        CALLER,
        PLATFORM,
        CLERK,
        REVIEWER,
    ],
    ids=lambda actor: actor.role.value + "-" + actor.id,
)
def test_only_a_dispatcher_supervisor_or_leader_may_extend(actor: Actor) -> None:
    case = extendable()
    error = refused(
        case,
        RoleError,
        "extend",
        actor,
        sh(2026, 9, 23, 11),
        note="延期",
        extension="1 working day",
    )
    assert (error.field, error.value) == ("extend.actor.role", actor.role)


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_an_extension_must_give_its_reason(note: str) -> None:
    case = extendable()
    error = refused(
        case,
        InvalidValueError,
        "extend",
        DISPATCHER,
        sh(2026, 9, 23, 11),
        note=note,
        extension=DAYS(1),
    )
    assert error.field == "extend.note"


def test_an_extension_needs_an_extension_or_a_deadline() -> None:
    case = extendable()
    error = refused(case, PreconditionError, "extend", DISPATCHER, sh(2026, 9, 23, 11), note="延期")
    assert error.field == "extend.extension"
    error = refused(
        case,
        PreconditionError,
        "extend",
        DISPATCHER,
        sh(2026, 9, 23, 11),
        note="延期",
        extension=None,
        deadline=None,
    )
    assert error.field == "extend.extension"


@pytest.mark.parametrize(
    ("extension", "kind"),
    [
        ("five days", InvalidValueError),  # text, but not a time limit
        ("0 working days", InvalidValueError),
        ("5 days", InvalidValueError),
        (dt.timedelta(days=5), InvalidTypeError),
        (5, InvalidTypeError),
    ],
)
def test_a_bad_extension_is_refused(extension: object, kind: type[Exception]) -> None:
    case = extendable()
    error = refused(
        case,
        kind,
        "extend",
        DISPATCHER,
        sh(2026, 9, 23, 11),
        note="延期",
        extension=extension,
    )
    assert error.field == "extend.extension"


def test_a_new_deadline_must_be_later_than_the_current_one() -> None:
    case = extendable()
    current = case.issue.deadline
    assert current == sh(2026, 9, 24, 17, 30)
    for deadline in (current, current.subtract(minutes=1), sh(2026, 9, 23, 12)):
        error = refused(
            case,
            ChronologyError,
            "extend",
            DISPATCHER,
            sh(2026, 9, 23, 11),
            note="延期",
            deadline=deadline,
        )
        assert (error.field, error.value) == ("extend.deadline", deadline)
    # Given together with an extension, the deadline is still checked.
    error = refused(
        case,
        ChronologyError,
        "extend",
        DISPATCHER,
        sh(2026, 9, 23, 11),
        note="延期",
        deadline=current,
        extension="3 working days",
    )
    assert error.field == "extend.deadline"


def test_an_overdue_item_must_be_extended_past_the_step() -> None:
    case = both(sh(2026, 3, 2, 9))
    step(case, "transfer", DISPATCHER, sh(2026, 3, 2, 10), unit=LEAD, deadline=sh(2026, 3, 2, 11))
    on = sh(2026, 3, 4, 10)  # Wed: the deadline Mon 11:00 is long past
    # Later than the current deadline, but not after the step itself.
    error = refused(
        case, ChronologyError, "extend", SUPERVISOR, on, note="延期", deadline=sh(2026, 3, 3, 9)
    )
    assert error.field == "extend.deadline"
    error = refused(case, ChronologyError, "extend", SUPERVISOR, on, note="延期", deadline=on)
    assert error.field == "extend.deadline"
    # Counted: Mon 11:00 + 1 working hour is Mon 12:00, before the step.
    error = refused(case, ChronologyError, "extend", SUPERVISOR, on, note="延期", extension=HRS(1))
    assert error.field == "extend.deadline"
    # Mon 11:00 + 2 working days: counts from Mon 03-02 -> Wed 03-04 17:30, after it.
    step(case, "extend", SUPERVISOR, on, note="延期", extension=DAYS(2))
    assert case.issue.deadline == sh(2026, 3, 4, 17, 30)


def test_a_strict_policy_refuses_an_extension_into_a_year_the_calendar_lacks() -> None:
    case = both(sh(2026, 12, 28, 9), policy=WorkflowPolicy(provisional_years=0))
    step(case, "transfer", DISPATCHER, sh(2026, 12, 28, 9, 30), unit=LEAD)
    # Mon 12-28 +1 -> Tue 12-29 17:30; +5 from there would need 2027.
    assert case.issue.deadline == sh(2026, 12, 29, 17, 30)
    error = refused(
        case,
        UnknownYearError,
        "extend",
        DISPATCHER,
        sh(2026, 12, 28, 10),
        note="延期",
        extension="5 working days",
    )
    assert (error.field, error.year) == ("extend.extension", 2027)  # type: ignore[attr-defined]
    assert case.issue.status is S.TRANSFERRED
    assert len(case.issue.history) == 1
    # Two working days still fit: 12-30 (1), 12-31 (2).
    step(case, "extend", DISPATCHER, sh(2026, 12, 28, 10), note="延期", extension="2 working days")
    assert case.issue.deadline == sh(2026, 12, 31, 17, 30)


def _feedback(at: DateTime) -> Feedback:
    return Feedback(at=at, content="已修复", method=FeedbackMethod.PHONE, unit=CENTRE)


def reach_elsewhere(status: IssueStatus) -> Both:
    """An 即办 item on both engines, driven to a status extend does not leave from."""
    case = both(sh(2026, 3, 2, 9))
    hour = iter(range(10, 17))

    def at() -> DateTime:
        return sh(2026, 3, 2, next(hour))

    centre = handler(CENTRE)
    if status is S.DISMISSED:
        step(case, "dismiss", DISPATCHER, at(), note="测试来电", reason=DismissalReason.INVALID)
    elif status is S.RETURNED:
        step(case, "transfer", DISPATCHER, at(), unit=LEAD)
        step(case, "send_back", handler(), at(), note="不属于本单位职责")
    elif status is not S.RECEIVED:
        step(case, "sign_for", centre, at())
        step(case, "resolve", centre, at())
        if status is not S.RESOLVED:
            moment = at()
            step(case, "answer", centre, moment, feedback=_feedback(moment))
            if status is S.CLOSED:
                moment = at()
                rating = Evaluation(
                    issue_id=ISSUE_ID,
                    rating=Rating.SATISFIED,
                    resolved=True,
                    at=moment,
                    rater=REQUESTER.id,
                )
                step(case, "rate", CALLER, moment, evaluation=rating)
    assert case.issue.status is status
    return case


@pytest.mark.parametrize(
    "status", [S.RECEIVED, S.RETURNED, S.RESOLVED, S.ANSWERED, S.CLOSED, S.DISMISSED]
)
def test_extend_is_only_for_transferred_and_in_progress_items(status: IssueStatus) -> None:
    case = reach_elsewhere(status)
    error = refused(
        case,
        TransitionRefusedError,
        "extend",
        DISPATCHER,
        sh(2026, 3, 2, 18),
        note="延期",
        extension="1 working day",
    )
    assert (error.field, error.value) == ("extend.status", status)


def test_a_batch_of_extensions_agrees_with_the_machine() -> None:
    case = extendable()
    commands = [
        Command(
            issue_id=ISSUE_ID,
            event="extend",
            actor=SUPERVISOR,
            at=sh(2026, 9, 23, 11),
            note="需协调",
            args={"extension": "5 working days"},
        ),
        Command(  # refused: not later than the deadline the first one set
            issue_id=ISSUE_ID,
            event="extend",
            actor=SUPERVISOR,
            at=sh(2026, 9, 23, 12),
            note="再延",
            args={"deadline": sh(2026, 10, 9, 17, 30)},
        ),
        Command(
            issue_id=ISSUE_ID, event="extend", actor=handler(), at=sh(2026, 9, 23, 12), note="x"
        ),
    ]
    refusals = case.ledger.apply_many(commands)
    assert [(r.index, type(r.error), r.error.field) for r in refusals] == [
        (1, ChronologyError, "extend.deadline"),
        (2, RoleError, "extend.actor.role"),
    ]
    case.workflow.extend(
        actor=SUPERVISOR, at=sh(2026, 9, 23, 11), note="需协调", extension="5 working days"
    )
    assert case.ledger.history(ISSUE_ID)[-1] == case.issue.history[-1]
    assert without_history(case.ledger.issue(ISSUE_ID)) == without_history(case.issue)
    assert case.issue.deadline == sh(2026, 10, 9, 17, 30)
