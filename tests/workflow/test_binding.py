"""Binding the workflow machine (IssueWorkflow) to a record, an Issue or a user's
own, and what each step returns: its audit event, with JSON data."""

import datetime as dt
import itertools
import json
from types import SimpleNamespace
from typing import Any

import pendulum
import pytest

from banshishi import (
    Actor,
    Channel,
    ChronologyError,
    Evaluation,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InvalidTypeError,
    Issue,
    IssueWorkflow,
    Milestone,
    PreconditionError,
    Rating,
    Role,
    SystemClock,
    Track,
    Urgency,
    parse_instant,
)
from banshishi._model.event import thaw_data
from issue_cases import (
    CENTRE,
    CO_UNITS,
    DISPATCHER,
    DUE,
    LEAD,
    REQUESTER,
    T0,
    ZHANG,
    S,
    answer,
    handler,
    new_case,
    rate,
    reach,
    transfer,
)

# -- 8. binding a user's own record --------------------------------------------------------


def plain_record(**overrides: Any) -> SimpleNamespace:
    """A user's own record of a 盯办 item: the model fields, a ``state`` and a history."""
    fields = {
        "id": "row-7",
        "received_at": T0,
        "received_by": CENTRE,
        "track": Track.TRACKED,
        "requester": ZHANG,
        "responsible_unit": None,
        "responsible_person": None,
        "requirements": "",
        "deadline": None,
        "co_units": (),
        "parts_reported": (),
        "supervising_unit": None,
        "supervisor": None,
        "signed_off_by": None,
        "milestones": (),
        "round": 1,
        "duplicate_of": None,
        "feedback": (),
        "evaluations": (),
        "rectifications": (),
        "appeals": (),
        "visits": (),
        "exclusions": (),
        "confidential": False,
        "dispatches": (),
        "state": S.RECEIVED,
        "history": (),
    }
    return SimpleNamespace(**{**fields, **overrides})


def test_the_plain_record_helper_has_exactly_the_model_fields():
    assert set(vars(plain_record())) == {*IssueWorkflow.model_fields, "state", "history"}


def test_a_plain_record_is_driven_through_its_own_fields():
    record = plain_record()
    clock = FixedClock(T0)
    workflow = IssueWorkflow(record, state_field="state", clock=clock)
    returned = [
        workflow.transfer(
            actor=DISPATCHER,
            at=clock.advance(hours=1).now(),
            unit=LEAD,
            deadline=DUE,
            requirements="两个月内建成",
            milestones=[Milestone(name="选址"), Milestone(name="建成", weight=3)],
        ),
        workflow.sign_for(actor=handler(), at=clock.advance(hours=1).now()),
        workflow.complete_milestone(
            actor=handler(), at=clock.advance(days=5).now(), milestone="选址"
        ),
    ]
    assert record.state is S.IN_PROGRESS
    assert (record.responsible_unit, record.deadline, record.requirements) == (
        LEAD,
        DUE,
        "两个月内建成",
    )
    assert record.responsible_person == handler().id
    assert [m.done_at for m in record.milestones] == [clock.now(), None]
    assert record.history == tuple(returned)
    assert [e.to_status for e in record.history] == [S.TRANSFERRED, S.IN_PROGRESS, S.IN_PROGRESS]
    # The record's last event bounds the next step, as it does for an Issue.
    with pytest.raises(ChronologyError):
        workflow.resolve(actor=handler(), at=T0.add(hours=2))
    with pytest.raises(PreconditionError):  # 建成 is not done
        workflow.resolve(actor=handler(), at=clock.advance(days=1).now())
    assert record.state is S.IN_PROGRESS


def test_a_plain_record_with_closed_at_is_closed_like_an_issue():
    record = plain_record(track=Track.IMMEDIATE, closed_at=None)
    clock = FixedClock(T0)
    workflow = IssueWorkflow(record, state_field="state", clock=clock)
    workflow.sign_for(actor=handler(CENTRE), at=clock.advance(hours=1).now())
    workflow.resolve(actor=handler(CENTRE), at=clock.advance(hours=1).now())
    at = clock.advance(hours=1).now()
    workflow.answer(
        actor=handler(CENTRE),
        at=at,
        feedback=Feedback(at=at, content="已增投车辆", method=FeedbackMethod.TEXT_MESSAGE),
    )
    at = clock.advance(hours=1).now()
    good = Evaluation(issue_id="row-7", rating=Rating.SATISFIED, resolved=True, at=at)
    workflow.rate(actor=REQUESTER, at=at, evaluation=good)
    assert (record.state, record.closed_at, record.evaluations) == (S.CLOSED, at, (good,))
    assert [e.name for e in record.history] == ["sign_for", "resolve", "answer", "rate"]


def test_a_plain_record_without_a_history_still_gets_every_field_changed():
    record = plain_record(track=Track.IMMEDIATE)
    del record.history
    workflow = IssueWorkflow(record, state_field="state", clock=FixedClock(T0))
    event = workflow.sign_for(actor=handler(CENTRE))  # at: the clock's now
    assert event.at == T0
    assert (record.state, record.responsible_unit) == (S.IN_PROGRESS, CENTRE)
    assert not hasattr(record, "history")


def test_a_new_plain_record_with_no_state_yet_starts_as_received():
    # An ORM row just created holds None in its state column; python-statemachine
    # puts such a model in the initial state.
    record = plain_record(state=None)
    workflow = IssueWorkflow(record, state_field="state", clock=FixedClock(T0))
    assert record.state == S.RECEIVED
    workflow.transfer(actor=DISPATCHER, at=T0.add(hours=1), unit=LEAD, deadline=DUE)
    assert record.state is S.TRANSFERRED


def test_a_record_lacking_model_fields_is_refused_naming_them():
    record = plain_record()
    del record.deadline, record.milestones
    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(record, state_field="state")
    assert caught.value.field == "IssueWorkflow.model"
    assert "deadline" in caught.value.problem
    assert "milestones" in caught.value.problem
    assert "co_units" not in caught.value.problem


def test_an_issue_is_bound_through_its_status_field_only():
    issue = new_case().issue
    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(issue, state_field="state")
    assert (caught.value.field, caught.value.value) == ("IssueWorkflow.state_field", "state")
    assert issue.status is S.RECEIVED


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"policy": {"close_on_satisfied_rating": False}}, "IssueWorkflow.policy"),
        ({"policy": None}, "IssueWorkflow.policy"),
        ({"clock": object()}, "IssueWorkflow.clock"),
        ({"clock": "Asia/Shanghai"}, "IssueWorkflow.clock"),
        ({"state_field": ""}, "IssueWorkflow.state_field"),
    ],
)
def test_a_bad_policy_clock_or_state_field_is_refused(options, field):
    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(new_case().issue, **options)
    assert caught.value.field == field


# -- 9. what a step returns ----------------------------------------------------------------


def test_a_transfer_returns_its_audit_event_with_json_data():
    case = new_case(Track.JOINT)
    at = case.tick()
    event = case.workflow.transfer(
        actor=DISPATCHER,
        at=at,
        unit=LEAD,
        co_units=list(CO_UNITS),
        deadline=DUE,
        requirements="协调银行开展牧户贷款",
        note="难事合力共办",
    )
    assert event is case.issue.history[-1]
    assert (event.name, event.actor, event.role, event.unit, event.at) == (
        "transfer",
        DISPATCHER.id,
        Role.DISPATCHER,
        CENTRE,
        at,
    )
    assert (event.from_status, event.to_status, event.note) == (
        S.RECEIVED,
        S.TRANSFERRED,
        "难事合力共办",
    )
    data = thaw_data(event.data)
    assert data == {
        "unit": LEAD,
        "co_units": list(CO_UNITS),
        "deadline": "2026-03-12T18:00:00+08:00[Asia/Shanghai]",
        "requirements": "协调银行开展牧户贷款",
    }
    assert json.loads(json.dumps(data)) == data
    assert parse_instant(data["deadline"]) == DUE


def test_the_events_returned_are_the_history_in_order():
    case = new_case(Track.JOINT)
    workflow = case.workflow
    returned = [
        transfer(case),
        workflow.sign_for(actor=handler(), at=case.tick(), person="ma.handler"),
        workflow.report_part(actor=handler("county-finance"), at=case.tick()),
        workflow.report_part(actor=handler("agri-bank"), at=case.tick()),
        workflow.resolve(actor=handler(), at=case.tick(), note="已发放贷款"),
        answer(case),
        rate(case, Rating.VERY_SATISFIED),
    ]
    assert case.issue.history == tuple(returned)
    chain = [(e.from_status, e.to_status) for e in returned]
    assert all(prev[1] is nxt[0] for prev, nxt in itertools.pairwise(chain))
    assert [e.unit for e in returned[2:4]] == list(CO_UNITS)
    assert returned[1].data == {"person": "ma.handler"}
    assert case.issue.responsible_person == "ma.handler"


def test_answer_and_rate_events_carry_the_feedback_and_rating_as_json():
    case = reach(S.RESOLVED)
    answered = answer(case)
    feedback = thaw_data(answered.data)["feedback"]
    assert (feedback["content"], feedback["method"], feedback["unit"]) == (
        "已办理并电话回访",
        "phone",
        LEAD,
    )
    assert parse_instant(feedback["at"]) == answered.at
    rated = rate(case, Rating.BASICALLY_SATISFIED)
    given = thaw_data(rated.data)["evaluation"]
    assert (given["rating"], given["round"], given["issue_id"], given["rater"]) == (
        "basically_satisfied",
        1,
        case.issue.id,
        ZHANG.id,
    )
    assert case.issue.evaluations[-1].rating is Rating.BASICALLY_SATISFIED


def test_a_step_without_at_happens_at_the_clocks_now():
    case = new_case()
    case.clock.set(T0.add(minutes=25))
    event = case.workflow.transfer(actor=DISPATCHER, unit=LEAD)
    assert event.at == T0.add(minutes=25)
    # One working day from Monday 09:25: the close of Tuesday.
    assert case.issue.deadline == pendulum.datetime(2026, 3, 3, 17, 30, tz="Asia/Shanghai")


@pytest.mark.parametrize("clock", [pendulum.now("Asia/Shanghai"), FixedClock, SystemClock])
def test_a_datetime_or_a_class_is_not_taken_for_a_clock(clock):
    from banshishi import Ledger

    with pytest.raises(InvalidTypeError) as caught:
        IssueWorkflow(plain_record(), state_field="state", clock=clock)
    assert caught.value.field == "IssueWorkflow.clock"
    with pytest.raises(InvalidTypeError) as caught:
        Ledger(clock=clock)
    assert caught.value.field == "Ledger.clock"


def test_a_deadline_taken_from_the_policy_is_recorded_so_replay_needs_no_policy():
    from banshishi import Ledger, WorkflowPolicy, replay

    ledger = Ledger()
    ledger.receive(
        Issue(
            id="bikes",
            title="共享单车不够用",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=T0,
            received_by=CENTRE,
        ),
        actor=Actor(id="clerk", role=Role.INTAKE_CLERK, unit=CENTRE),
    )
    ledger.apply("bikes", "sign_for", actor=handler(CENTRE), at=T0.add(hours=1))
    signed = ledger.history("bikes")[-1]
    assert signed.data["deadline"] == "2026-03-03T17:30:00+08:00[Asia/Shanghai]"
    longer = WorkflowPolicy(time_limits={Track.IMMEDIATE: dt.timedelta(days=3)})
    assert replay(ledger.history("bikes"), policy=longer) == ledger.issue("bikes")


def test_only_a_duplicate_names_an_original_issue():
    from banshishi import DismissalReason, Ledger

    ledger = Ledger()
    ledger.receive(
        Issue(
            id="x",
            title="重复来电",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=T0,
        ),
        actor=Actor(id="clerk", role=Role.INTAKE_CLERK),
    )
    with pytest.raises(PreconditionError) as caught:
        ledger.apply(
            "x",
            "dismiss",
            actor=DISPATCHER,
            at=T0.add(hours=1),
            note="无效",
            reason=DismissalReason.INVALID,
            original="x",
        )
    assert caught.value.field == "dismiss.original"
    assert ledger.issue("x").duplicate_of is None
    assert ledger.status("x") is S.RECEIVED
