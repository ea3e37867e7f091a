"""Completing the arguments is one phase, run by both engines (and so by replay)
before any check: the machine and the ledger complete the same arguments for the
same steps, the audit event records exactly them, and replay completes them again
to the same.

The walks are those of ``test_engines`` and ``test_pledge_workflow``; the phase is
watched by wrapping ``complete`` where each engine calls it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import issue_walks as issues
import pledge_steps as pledges
from banshishi import (
    Actor,
    Channel,
    FixedClock,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    PledgeWorkflow,
    PreconditionError,
    Role,
    RoleError,
    Track,
    UnknownYearError,
    Urgency,
    WorkflowPolicy,
    replay,
    replay_pledge,
)
from banshishi._model.event import thaw_data
from banshishi._workflow import engine, machine
from banshishi._workflow.completion import Completion, complete
from banshishi._workflow.guards import transfer_complete
from banshishi._workflow.issue_arguments import ISSUE_STEPS
from banshishi._workflow.pledge_arguments import PLEDGE_STEPS
from banshishi._workflow.step import Steps, arguments_data, make_step

WALKS = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Watch:
    """``complete`` as one engine calls it, keeping what it completed, step by step."""

    def __init__(self) -> None:
        self.completed: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, completions: dict[str, Completion], model: Any, step: Any) -> None:
        # It never refuses: an error from here fails the test, not the step.
        try:
            complete(completions, model, step)
        except Exception as error:  # pragma: no cover - reported as a failure
            raise AssertionError(f"completing {step.event} raised {error!r}") from error
        self.completed.append((step.event, dict(step.args)))

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        taken, self.completed = self.completed, []
        return taken


@contextmanager
def watched() -> Iterator[tuple[Watch, Watch]]:
    """Watch the completion phase of the machine and of the bulk engine."""
    on_machine, on_engine = Watch(), Watch()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(machine, "complete", on_machine)
        patch.setattr(engine, "complete", on_engine)
        yield on_machine, on_engine


def recorded_as(event: Any, completed: list[tuple[str, dict[str, Any]]], steps: Steps) -> None:
    """The accepted step's event records exactly the arguments completed for it."""
    [(name, args)] = completed
    assert event.name == name
    assert thaw_data(event.data) == arguments_data(args, steps)


@WALKS
@given(data=st.data())
def test_both_engines_complete_the_same_arguments_and_record_them(data: st.DataObject) -> None:
    draw = issues.HypothesisDraw(data)
    intake = issues.draw_intake(draw)
    policy = draw.choice(issues.POLICIES)
    detour = draw.choice((None, IssueStatus.RETURNED, IssueStatus.TRANSFERRED))
    machine_clock, ledger_clock = FixedClock(issues.T0), FixedClock(issues.T0)
    issue = intake.issue()
    workflow = IssueWorkflow(issue, policy=policy, clock=machine_clock)
    ledger = issues.walk_ledger(policy, ledger_clock)
    ledger.receive(intake.issue(), actor=issues.CLERK)
    accepted: list[tuple[str, dict[str, Any]]] = []
    at = issues.T0
    with watched() as (on_machine, on_engine):
        for _ in range(draw.integer(1, 60)):
            if issue.status is IssueStatus.DISMISSED:
                break
            at = at.add(**draw.choice(issues.GAPS))
            call = issues.plan_step(draw, issue, at, detour=detour)
            outcome = issues.on_machine(workflow, machine_clock, call)
            assert issues.on_ledger(ledger, ledger_clock, issues.ISSUE_ID, call) == outcome
            completed = on_machine.take()
            assert on_engine.take() == completed
            if outcome[0] == "accepted":
                recorded_as(issue.history[-1], completed, ISSUE_STEPS)
                assert ledger.history(issues.ISSUE_ID)[-1] == issue.history[-1]
                accepted += completed
        rebuilt = replay(ledger.history(issues.ISSUE_ID), policy=policy)
        assert on_engine.take() == accepted
    assert rebuilt == ledger.issue(issues.ISSUE_ID)


@WALKS
@given(data=st.data())
def test_both_pledge_engines_complete_the_same_arguments_and_record_them(
    data: st.DataObject,
) -> None:
    kind = data.draw(st.sampled_from(list(pledges.KINDS)), label="kind")
    fields = pledges.draw_claim_fields(data, kind)
    pledge = pledges.new_pledge(kind, **fields)
    workflow = PledgeWorkflow(pledge, clock=FixedClock(pledges.T0))
    ledger = pledges.claimed(pledges.new_pledge(kind, **fields))
    accepted: list[tuple[str, dict[str, Any]]] = []
    with watched() as (on_machine, on_engine):
        for _ in range(data.draw(st.integers(1, 20), label="steps")):
            call = pledges.draw_call(data, pledge, pledges.KEEPERS[kind])
            outcome = pledges.on_machine(workflow, call)
            assert pledges.on_ledger(ledger, pledge.id, call) == outcome
            completed = on_machine.take()
            assert on_engine.take() == completed
            if outcome[0] == "accepted":
                recorded_as(pledge.history[-1], completed, PLEDGE_STEPS)
                assert ledger.history(pledge.id)[-1] == pledge.history[-1]
                accepted += completed
        rebuilt = replay_pledge(ledger.history(pledge.id))
        assert on_engine.take() == accepted
    assert rebuilt == ledger.pledge(pledge.id)


# -- what completing does, and does not ------------------------------------------------------

YEAR_END = pendulum.datetime(2026, 12, 31, 10, tz="Asia/Shanghai")
"""A working Thursday; one working day later is in 2027, which a strict policy lacks."""
STRICT = WorkflowPolicy(provisional_years=0)
DISPATCHER = Actor(id="disp", role=Role.DISPATCHER)
HANDLER = Actor(id="h", role=Role.HANDLER, unit="water")


def received(at: pendulum.DateTime = YEAR_END) -> Issue:
    return Issue(
        id="i-1",
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=at.subtract(hours=1),
        track=Track.IMMEDIATE,
        received_by="centre",
    )


@pytest.mark.parametrize(
    ("actor", "error", "field"),
    [
        (HANDLER, RoleError, "transfer.actor.role"),
        (DISPATCHER, UnknownYearError, "transfer.deadline"),
    ],
)
def test_a_count_that_fails_leaves_the_refusal_to_the_checks_in_their_order(
    actor: Actor, error: type[Exception], field: str
) -> None:
    """Completing cannot count into a year the calendar lacks; it does not refuse
    the step for that, so a step by the wrong actor is refused for that first, on
    both engines, and a right one for the year."""
    with pytest.raises(error) as on_machine:
        IssueWorkflow(received(), policy=STRICT).transfer(actor=actor, at=YEAR_END, unit="water")
    ledger = Ledger(policy=STRICT)
    ledger.add(received())
    with pytest.raises(error) as on_engine:
        ledger.apply("i-1", "transfer", actor=actor, at=YEAR_END, unit="water")
    assert on_machine.value.field == on_engine.value.field == field  # type: ignore[attr-defined]


def test_arguments_given_are_kept_as_they_are() -> None:
    """A step that lacks nothing keeps its very arguments."""
    issue = received(pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"))
    step = make_step(
        "transfer",
        IssueStatus.RECEIVED,
        DISPATCHER,
        issue.received_at.add(hours=1),
        "",
        {"unit": "water", "deadline": issue.received_at.add(days=3)},
        not_before=issue.received_at,
        policy=WorkflowPolicy(),
        steps=ISSUE_STEPS,
    )
    given = step.args
    complete(IssueWorkflow.completions, issue, step)
    assert step.args is given


def test_a_check_given_arguments_not_completed_refuses_them() -> None:
    """The checks do not complete: a transfer whose deadline was left out and never
    counted is refused, naming the deadline."""
    issue = received(pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai"))
    step = make_step(
        "transfer",
        IssueStatus.RECEIVED,
        DISPATCHER,
        issue.received_at.add(hours=1),
        "",
        {"unit": "water"},
        not_before=issue.received_at,
        policy=WorkflowPolicy(),
        steps=ISSUE_STEPS,
    )
    with pytest.raises(PreconditionError) as refused:
        transfer_complete(issue, step)
    assert refused.value.field == "transfer.deadline"
    assert "deadline" not in step.args
    complete(IssueWorkflow.completions, issue, step)
    transfer_complete(issue, step)  # counted from 即办's one working day, it passes
    assert step.args["deadline"] == WorkflowPolicy().deadline_for(Track.IMMEDIATE, step.at)
    assert step.args["deadline"] == pendulum.datetime(2026, 3, 3, 17, 30, tz="Asia/Shanghai")
