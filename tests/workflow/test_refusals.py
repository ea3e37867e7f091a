"""Refusals change nothing: a step the workflow machine refuses leaves the issue,
its history and the machine's state as they were."""

import datetime as dt
from functools import partial

import pendulum
import pytest

from banshishi import (
    ChronologyError,
    InvalidTypeError,
    InvalidValueError,
    NaiveDatetimeError,
    PreconditionError,
    Rating,
    RoleError,
    Track,
    TransitionRefusedError,
)
from cast import LEADER, REVIEWER
from issue_cases import (
    CENTRE,
    CO_UNITS,
    DISPATCHER,
    DUE,
    LEAD,
    REQUESTER,
    SUPERVISING,
    T0,
    ZHANG,
    S,
    evaluation,
    handler,
    names,
    rate,
    rate_round_one_again,
    rated_badly,
    reach,
    refused,
)

# -- 3. refusals change nothing ------------------------------------------------------------


REFUSALS = [
    # (set-up, the refused call, the error, its field)
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.close(actor=REVIEWER, at=c.tick(), note="已核实"),
        TransitionRefusedError,
        "close.status",
        id="close-from-received",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        lambda c: c.workflow.resolve(actor=handler(), at=c.tick()),
        TransitionRefusedError,
        "resolve.status",
        id="resolve-before-signing-for",
    ),
    pytest.param(
        partial(reach, S.RESOLVED),
        lambda c: rate(c, Rating.SATISFIED),
        TransitionRefusedError,
        "rate.status",
        id="rate-before-any-answer",
    ),
    pytest.param(
        partial(reach, S.RESOLVED),
        lambda c: c.workflow.dismiss(actor=DISPATCHER, at=c.tick(), reason="invalid", note="x"),
        TransitionRefusedError,
        "dismiss.status",
        id="dismiss-after-the-work",
    ),
    pytest.param(
        partial(reach, S.DISMISSED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=c.tick(), unit=LEAD),
        TransitionRefusedError,
        "transfer.status",
        id="transfer-from-dismissed",
    ),
    pytest.param(
        partial(reach, S.DISMISSED),
        lambda c: c.workflow.change_track(
            actor=DISPATCHER, at=c.tick(), track=Track.JOINT, co_units=CO_UNITS, note="x"
        ),
        TransitionRefusedError,
        "change_track.status",
        id="change_track-from-dismissed",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.send("frobnicate", actor=DISPATCHER, at=c.tick()),
        TransitionRefusedError,
        "event",
        id="not-a-workflow-event",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=c.tick(), unit=LEAD, urgency="急"),
        InvalidValueError,
        "transfer.urgency",
        id="unknown-argument",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        lambda c: c.workflow.resolve(actor=handler(), at=c.tick(), note="好了", deadline=DUE),
        InvalidValueError,
        "resolve.deadline",
        id="argument-of-another-step",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=c.tick(), deadline=DUE),
        InvalidValueError,
        "transfer.unit",
        id="missing-unit",
    ),
    pytest.param(
        rated_badly,
        lambda c: c.workflow.redo(actor=DISPATCHER, at=c.tick(), note="整改"),
        TransitionRefusedError,
        "redo.status",
        id="redo-while-already-rectifying",
    ),
    pytest.param(
        partial(reach, S.ANSWERED),
        lambda c: c.workflow.rate(
            actor=REQUESTER,
            at=c.tick(),
            evaluation=evaluation(c, Rating.SATISFIED, c.clock.now()),
            deadline=DUE.add(days=5),
        ),
        PreconditionError,
        "rate.deadline",
        id="deadline-with-a-good-rating",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(
            actor=DISPATCHER, at=c.tick(), unit=LEAD, deadline=dt.datetime(2026, 3, 12, 18)
        ),
        NaiveDatetimeError,
        "transfer.deadline",
        id="naive-deadline",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(
            actor=DISPATCHER, at=pendulum.naive(2026, 3, 2, 10), unit=LEAD
        ),
        NaiveDatetimeError,
        "transfer.at",
        id="naive-at",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=T0.add(hours=3), unit=LEAD, deadline=T0),
        ChronologyError,
        "transfer.deadline",
        id="deadline-before-the-step",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at=T0.subtract(minutes=1), unit=LEAD),
        ChronologyError,
        "transfer.at",
        id="at-before-receipt",
    ),
    pytest.param(
        partial(reach, S.TRANSFERRED),
        lambda c: c.workflow.sign_for(
            actor=handler(), at=c.issue.history[-1].at.subtract(microseconds=1)
        ),
        ChronologyError,
        "sign_for.at",
        id="at-before-the-last-event",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        lambda c: c.workflow.send_back(actor=handler(), at=c.tick()),
        InvalidValueError,
        "send_back.note",
        id="send_back-without-note",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.dismiss(actor=DISPATCHER, at=c.tick(), reason="invalid", note="  "),
        InvalidValueError,
        "dismiss.note",
        id="dismiss-with-blank-note",
    ),
    pytest.param(
        partial(reach, S.IN_PROGRESS),
        lambda c: c.workflow.escalate(actor=LEADER, at=c.tick(), supervising_unit=SUPERVISING),
        InvalidValueError,
        "escalate.note",
        id="escalate-without-note",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.change_track(actor=DISPATCHER, at=c.tick(), track=Track.TRACKED),
        InvalidValueError,
        "change_track.note",
        id="change_track-without-note",
    ),
    pytest.param(
        partial(reach, S.ANSWERED),
        lambda c: c.workflow.redo(actor=DISPATCHER, at=c.tick(), deadline=DUE.add(days=5)),
        InvalidValueError,
        "redo.note",
        id="redo-without-note",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(DISPATCHER, unit=LEAD),
        InvalidTypeError,
        "transfer.args",
        id="positional-arguments",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=ZHANG, at=c.tick(), unit=LEAD),
        InvalidTypeError,
        "transfer.actor",
        id="actor-not-an-actor",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=DISPATCHER, at="2026-03-02T10:00+08:00", unit=LEAD),
        InvalidTypeError,
        "transfer.at",
        id="at-as-text",
    ),
    pytest.param(
        partial(reach, S.RECEIVED),
        lambda c: c.workflow.transfer(actor=handler(), at=c.tick(), unit=LEAD),
        RoleError,
        "transfer.actor.role",
        id="wrong-role",
    ),
    pytest.param(
        partial(reach, S.CLOSED),  # closed by a satisfied rating of round 1
        rate_round_one_again,
        PreconditionError,
        "rate.evaluation",
        id="second-rating-in-a-round",
    ),
]


@pytest.mark.parametrize(("setup", "call", "error", "field"), REFUSALS)
def test_a_refused_step_leaves_the_issue_exactly_as_it_was(setup, call, error, field):
    case = setup()
    refusal = refused(case, error, lambda: call(case))
    assert refusal.field == field
    assert field in str(refusal)


def test_a_refusal_from_a_final_status_says_nothing_may_follow():
    case = reach(S.DISMISSED)
    error = refused(
        case,
        TransitionRefusedError,
        lambda: case.workflow.dismiss(actor=DISPATCHER, at=case.tick(), reason="invalid", note="x"),
    )
    assert error.value is S.DISMISSED
    assert "final" in error.hint


def test_the_workflow_goes_on_normally_after_a_refusal():
    case = reach(S.IN_PROGRESS)
    with pytest.raises(InvalidValueError):
        case.workflow.send_back(actor=handler(), at=case.tick(), note="")
    event = case.workflow.send_back(actor=handler(), at=case.tick(), note="不属于本单位职责")
    assert (event.to_status, case.issue.status) == (S.RETURNED, S.RETURNED)
    assert names(case)[-1] == "send_back"


def test_a_step_may_share_the_moment_of_the_last_event():
    case = reach(S.TRANSFERRED)
    last = case.issue.history[-1].at
    event = case.workflow.sign_for(actor=handler(), at=last)
    assert event.at == last


@pytest.mark.parametrize(
    ("setup", "step"),
    [
        pytest.param(
            partial(reach, S.RECEIVED),
            lambda c, at: c.workflow.transfer(actor=DISPATCHER, at=at, unit=LEAD, deadline=at),
            id="transfer",
        ),
        pytest.param(
            partial(reach, S.RECEIVED),
            lambda c, at: c.workflow.sign_for(actor=handler(CENTRE), at=at, deadline=at),
            id="sign_for-self",
        ),
        pytest.param(
            partial(reach, S.TRANSFERRED),
            lambda c, at: c.workflow.sign_for(actor=handler(), at=at, deadline=at),
            id="sign_for-after-transfer",
        ),
        pytest.param(
            partial(reach, S.ANSWERED),
            lambda c, at: c.workflow.redo(actor=DISPATCHER, at=at, deadline=at, note="整改"),
            id="redo",
        ),
        pytest.param(
            partial(reach, S.ANSWERED),
            lambda c, at: c.workflow.rate(
                actor=REQUESTER,
                at=at,
                evaluation=evaluation(c, Rating.DISSATISFIED, at),
                deadline=at,
            ),
            id="rate-bad",
        ),
        pytest.param(
            partial(reach, S.CLOSED),
            lambda c, at: c.workflow.revisit(
                actor=REVIEWER, at=at, outcome="unresolved", deadline=at
            ),
            id="revisit-unresolved",
        ),
    ],
)
def test_every_step_that_sets_a_deadline_refuses_one_not_after_the_step(setup, step):
    case = setup()
    at = case.tick()
    error = refused(case, ChronologyError, lambda: step(case, at))
    assert error.field.endswith(".deadline")
