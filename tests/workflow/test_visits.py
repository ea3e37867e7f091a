"""Follow-up visits (回访) in the evaluation loop: scheduling, revisiting, outcomes."""

import pytest

from banshishi import (
    InvalidTypeError,
    InvalidValueError,
    PreconditionError,
    Rating,
    Rectification,
    RectificationCause,
    RoleError,
    TransitionRefusedError,
    Visit,
    VisitOutcome,
)
from banshishi._model.event import thaw_data
from cast import CLERK, LEADER, PLATFORM
from evaluation_cases import (
    DISPATCHER,
    DUE,
    HANDLER,
    LEAD,
    REQUESTER,
    REVIEWER,
    SUPERVISOR,
    S,
    answered,
    rate,
    rectification_due,
    refused,
)

# -- 8. follow-up visits (回访) ----------------------------------------------------------------


@pytest.mark.parametrize("actor", [DISPATCHER, REVIEWER, CLERK, PLATFORM])
@pytest.mark.parametrize("closed", [False, True], ids=["answered", "closed"])
def test_a_visit_is_scheduled_for_the_round(actor, closed):
    case = answered()
    if closed:
        rate(case, Rating.SATISFIED)
    due = case.clock.now().add(days=3)
    event = case.workflow.schedule_visit(actor=actor, at=case.tick(), due=due)
    status = S.CLOSED if closed else S.ANSWERED
    assert (event.from_status, event.to_status) == (status, status)
    assert case.issue.visits == (Visit(round=1, due=due),)
    assert not case.issue.visits[0].is_done


def test_a_visit_is_due_after_it_is_scheduled():
    case = answered()
    at = case.tick()
    for due in (at, at.subtract(hours=1)):
        error = refused(
            case,
            PreconditionError,
            lambda d=due: case.workflow.schedule_visit(actor=REVIEWER, at=at, due=d),
        )
        assert (error.field, error.value) == ("schedule_visit.due", due)
    error = refused(
        case, InvalidValueError, lambda: case.workflow.schedule_visit(actor=REVIEWER, at=at)
    )
    assert error.field == "schedule_visit.due"


@pytest.mark.parametrize("actor", [HANDLER, REQUESTER, SUPERVISOR, LEADER])
def test_only_the_centre_or_a_reviewer_schedules_visits(actor):
    case = answered()
    error = refused(
        case,
        RoleError,
        lambda: case.workflow.schedule_visit(actor=actor, at=case.tick(), due=DUE.add(days=9)),
    )
    assert error.field == "schedule_visit.actor.role"


@pytest.mark.parametrize("event", ["schedule_visit", "revisit"])
@pytest.mark.parametrize("status", [S.TRANSFERRED, S.IN_PROGRESS, S.RESOLVED])
def test_visits_follow_an_answer(event, status):
    case = answered()
    rate(case, Rating.DISSATISFIED)  # back in progress
    if status is S.TRANSFERRED:
        case.workflow.send_back(actor=HANDLER, at=case.tick(), note="不属于本单位职责")
        case.workflow.transfer(actor=DISPATCHER, at=case.tick(), unit=LEAD, deadline=DUE)
    elif status is S.RESOLVED:
        case.workflow.resolve(actor=HANDLER, at=case.tick())
    args = {"due": DUE.add(days=9)} if event == "schedule_visit" else {"outcome": "resolved"}
    error = refused(
        case,
        TransitionRefusedError,
        lambda: getattr(case.workflow, event)(actor=REVIEWER, at=case.tick(), **args),
    )
    assert error.field == f"{event}.status"


@pytest.mark.parametrize("outcome", [VisitOutcome.RESOLVED, VisitOutcome.UNREACHABLE])
def test_a_visit_made_marks_the_earliest_due_one_done(outcome):
    case = answered()
    later, sooner = case.clock.now().add(days=9), case.clock.now().add(days=2)
    case.workflow.schedule_visit(actor=DISPATCHER, at=case.tick(), due=later)
    case.workflow.schedule_visit(actor=DISPATCHER, at=case.tick(), due=sooner)
    at = case.tick(days=2)
    event = case.workflow.revisit(actor=CLERK, at=at, outcome=outcome.value)
    assert (event.to_status, case.issue.round) == (S.ANSWERED, 1)
    assert case.issue.visits == (
        Visit(round=1, due=later),
        Visit(round=1, due=sooner, done_at=at, outcome=outcome, visitor=CLERK.id),
    )
    again = case.tick()
    case.workflow.revisit(actor=REVIEWER, at=again, outcome=outcome)
    assert case.issue.visits[0] == Visit(
        round=1, due=later, done_at=again, outcome=outcome, visitor=REVIEWER.id
    )


def test_a_visit_made_unscheduled_is_recorded_as_done():
    case = answered()
    rate(case, Rating.SATISFIED)
    at = case.tick()
    event = case.workflow.revisit(actor=REVIEWER, at=at, outcome=VisitOutcome.RESOLVED)
    assert (event.from_status, event.to_status) == (S.CLOSED, S.CLOSED)
    assert case.issue.visits == (
        Visit(round=1, done_at=at, outcome=VisitOutcome.RESOLVED, visitor=REVIEWER.id),
    )


@pytest.mark.parametrize("closed", [False, True], ids=["answered", "closed"])
def test_a_visit_that_finds_the_problem_unresolved_reopens_the_item(closed):
    case = answered()
    if closed:
        rate(case, Rating.SATISFIED)
    case.workflow.schedule_visit(actor=DISPATCHER, at=case.tick(), due=DUE.add(days=30))
    at = case.tick()
    event = case.workflow.revisit(actor=REVIEWER, at=at, outcome=VisitOutcome.UNRESOLVED)
    due = rectification_due(at)
    assert (event.to_status, case.issue.round, case.issue.deadline) == (S.IN_PROGRESS, 2, due)
    assert case.issue.closed_at is None
    assert case.issue.rectifications == (
        Rectification(round=2, cause=RectificationCause.VISIT, opened_at=at, deadline=due),
    )
    assert case.issue.visits[0].outcome is VisitOutcome.UNRESOLVED
    assert thaw_data(event.data)["outcome"] == "unresolved"


def test_an_unresolved_visit_may_give_the_rectification_deadline_and_no_other_may():
    case = answered()
    error = refused(
        case,
        PreconditionError,
        lambda: case.workflow.revisit(
            actor=REVIEWER, at=case.tick(), outcome=VisitOutcome.RESOLVED, deadline=DUE.add(days=9)
        ),
    )
    assert error.field == "revisit.deadline"
    due = DUE.add(days=9)
    case.workflow.revisit(
        actor=REVIEWER, at=case.tick(), outcome=VisitOutcome.UNRESOLVED, deadline=due
    )
    assert case.issue.deadline == due == case.issue.rectifications[-1].deadline


@pytest.mark.parametrize(
    ("actor", "args", "error", "field"),
    [
        (HANDLER, {"outcome": "resolved"}, RoleError, "revisit.actor.role"),
        (PLATFORM, {"outcome": "resolved"}, RoleError, "revisit.actor.role"),
        (REQUESTER, {"outcome": "resolved"}, RoleError, "revisit.actor.role"),
        (REVIEWER, {}, InvalidValueError, "revisit.outcome"),
        (REVIEWER, {"outcome": "maybe"}, InvalidTypeError, "revisit.outcome"),
    ],
)
def test_a_visit_is_made_by_someone_who_visits_and_says_what_it_found(actor, args, error, field):
    case = answered()
    refusal = refused(
        case, error, lambda: case.workflow.revisit(actor=actor, at=case.tick(), **args)
    )
    assert refusal.field == field
