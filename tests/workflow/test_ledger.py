"""The bulk engine (Ledger): a ledger of many issues keeps its invariants, and
apply_many applies a batch of commands."""

import contextlib
import gc
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from pendulum import DateTime

from banshishi import (
    Actor,
    BanshishiError,
    ChronologyError,
    Command,
    DuplicateError,
    Event,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    NotFoundError,
    Rate,
    Refusal,
    RoleError,
    TransitionRefusedError,
    WorkflowPolicy,
    completion_rate,
    replay,
)
from banshishi._workflow.policy import DEFAULT_POLICY
from issue_walks import (
    ACTORS,
    CLERK,
    DISPATCHER,
    GAPS,
    HANDLERS,
    PLATFORM,
    POLICIES,
    RECEIVERS,
    STATES,
    T0,
    Call,
    Draw,
    HypothesisDraw,
    Intake,
    S,
    draw_intake,
    new_issue,
    on_ledger,
    on_machine,
    plan_step,
    without_history,
)

# -- 3. a ledger of many issues keeps its invariants ----------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """A ledger of several issues, moved one step or one batch at a time, with an
    IssueWorkflow mirror of every issue to say what each step should do."""

    def __init__(self) -> None:
        super().__init__()
        self.policy = DEFAULT_POLICY
        self.ledger = Ledger()
        self.clock = FixedClock(T0)
        self.received: list[str] = []
        self.mirrors: dict[str, tuple[Issue, IssueWorkflow, FixedClock]] = {}
        self.histories: dict[str, tuple[Event, ...]] = {}
        self.now = T0

    @initialize(policy=st.sampled_from(POLICIES), data=st.data())
    def open_ledger(self, policy: WorkflowPolicy, data: st.DataObject) -> None:
        self.policy = policy
        # Unlinked: the mirrors see one issue each, so the ledger checks no original
        # across its issues (tests/workflow/test_duplicate_links.py does).
        self.ledger = Ledger(policy=policy, clock=self.clock, linked=False)
        self.take_in(draw_intake(HypothesisDraw(data)), "i-1", CLERK)

    def tick(self, draw: Draw) -> DateTime:
        self.now = self.now.add(**draw.choice(GAPS))
        return self.now

    def take_in(self, intake: Intake, issue_id: str, actor: Actor) -> None:
        """Receive an issue on the ledger, and its mirror; check what the ledger says."""
        at = self.now
        again = issue_id in self.received
        count = len(self.ledger)
        try:
            self.ledger.receive(intake.issue(issue_id, at), actor=actor)
        except DuplicateError:
            assert again
        except RoleError:
            assert actor.role not in RECEIVERS
        else:
            assert not again
            assert actor.role in RECEIVERS
            self.received.append(issue_id)
            clock = FixedClock(at)
            issue = intake.issue(issue_id, at)
            self.mirrors[issue_id] = (
                issue,
                IssueWorkflow(issue, policy=self.policy, clock=clock),
                clock,
            )
            return
        assert len(self.ledger) == count

    @precondition(lambda self: len(self.received) < 3)
    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        draw = HypothesisDraw(data)
        self.tick(draw)
        intake = draw_intake(draw)
        again = draw.chance(10)
        issue_id = draw.choice(self.received) if again else f"i-{len(self.received) + 1}"
        actor = draw.choice(ACTORS) if draw.chance(30) else CLERK
        self.take_in(intake, issue_id, actor)

    def command(self, draw: Draw, at: DateTime) -> tuple[str, Call]:
        issue_id = draw.choice(self.received)
        return issue_id, plan_step(draw, self.mirrors[issue_id][0], at)

    @rule(data=st.data(), size=st.integers(1, 10))
    def steps(self, data: st.DataObject, size: int) -> None:
        """A few steps on one issue, each one on the ledger and on the mirror."""
        draw = HypothesisDraw(data)
        issue_id = draw.choice(self.received)
        issue, workflow, clock = self.mirrors[issue_id]
        for _ in range(size):
            call = plan_step(draw, issue, self.tick(draw))
            before = self.ledger.issue(issue_id)
            expected = on_machine(workflow, clock, call)
            got = on_ledger(self.ledger, self.clock, issue_id, call)
            assert got == expected, (call, expected, got)
            if got[0] == "refused":
                assert self.ledger.issue(issue_id) == before

    @rule(data=st.data())
    def unknown_issue(self, data: st.DataObject) -> None:
        draw = HypothesisDraw(data)
        call = plan_step(draw, new_issue(), self.tick(draw))
        with pytest.raises(NotFoundError):
            self.ledger.apply("nobody", call.event, actor=call.actor, at=call.at, **call.args)

    @rule(data=st.data(), size=st.integers(1, 5), collecting=st.booleans())
    def batch(self, data: st.DataObject, size: int, collecting: bool) -> None:
        draw = HypothesisDraw(data)
        commands: list[Command] = []
        expected: list[tuple[int, type[BanshishiError], str]] = []
        for index in range(size):
            # Planned against the issue as it stands mid-batch, then made of the mirror.
            issue_id, call = self.command(draw, self.tick(draw))
            commands.append(
                Command(
                    issue_id=issue_id,
                    event=call.event,
                    actor=call.actor,
                    at=call.at,
                    note=call.note,
                    args=call.args,
                )
            )
            _, workflow, clock = self.mirrors[issue_id]
            outcome = on_machine(workflow, clock, attrs.evolve(call, dated=True))
            if outcome[0] == "refused":
                expected.append((index, outcome[1], outcome[2]))
        was = gc.isenabled()
        if not collecting:
            gc.disable()
        try:
            refusals = self.ledger.apply_many(iter(commands))
            assert gc.isenabled() is collecting
        finally:
            if was:
                gc.enable()
        assert all(type(refusal) is Refusal for refusal in refusals)
        assert all(refusal.command is commands[refusal.index] for refusal in refusals)
        got = [(r.index, type(r.error), r.error.field) for r in refusals]
        assert got == expected

    @invariant()
    def no_issue_lost_or_duplicated(self) -> None:
        assert list(self.ledger) == self.received
        assert len(self.ledger) == len(set(self.received)) == len(self.received)
        assert all(issue_id in self.ledger for issue_id in self.received)

    @invariant()
    def issues_hold_together(self) -> None:
        for issue_id in self.received:
            issue = self.ledger.issue(issue_id)
            assert type(issue.status) is IssueStatus
            assert issue.status in STATES
            assert issue.status is self.ledger.status(issue_id)
            if issue.status is S.CLOSED:
                assert issue.feedback, issue_id
                assert issue.closed_at is not None
            mirror = self.mirrors[issue_id][0]
            assert without_history(issue) == without_history(mirror)
            assert issue.history[1:] == mirror.history
            # The history only grows, and replays to the issue whenever it has grown.
            history = issue.history
            previous = self.histories.get(issue_id, ())
            assert history[: len(previous)] == previous
            if history != previous:
                assert replay(history, policy=self.policy) == issue
                self.histories[issue_id] = history

    @invariant()
    def rates_are_counted_right(self) -> None:
        issues = list(self.ledger.issues())
        statuses = Counter(issue.status for issue in issues)
        assert self.ledger.counts() == statuses
        # Counted again from the mirrors, which the ledger never sees.
        mirrored = Counter(issue.status for issue, _, _ in self.mirrors.values())
        assert mirrored == statuses
        # Issues left out of the assessment are in no rate's denominator.
        assessed = [
            issue
            for issue, _, _ in self.mirrors.values()
            if issue.status is not S.DISMISSED and not issue.excluded_as_of(None)
        ]
        closed = sum(issue.status is S.CLOSED for issue in assessed)
        assert self.ledger.completion_rate() == Rate(closed, len(assessed))
        assert self.ledger.completion_rate() == completion_rate(issues).rate

    def teardown(self) -> None:
        for status in sorted(self.ledger.counts(), key=list(IssueStatus).index):
            note_event(f"ledger held a {status.value} issue")


LedgerMachine.TestCase.settings = settings(
    stateful_step_count=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestLedgerInvariants = LedgerMachine.TestCase


# -- 4. apply_many --------------------------------------------------------------------------


def two_issues() -> Ledger:
    ledger = Ledger()
    ledger.receive(new_issue("a"), actor=CLERK)
    ledger.receive(new_issue("b"), actor=CLERK)
    return ledger


def mixed_batch() -> list[Command]:
    def at(minutes: int) -> DateTime:
        return T0.add(minutes=minutes)

    centre, u1 = HANDLERS["centre"], HANDLERS["u1"]
    transfer = {"unit": "u1", "deadline": T0.add(days=5)}
    return [
        Command(issue_id="a", event="sign_for", actor=centre, at=at(1)),
        Command(issue_id="a", event="transfer", actor=DISPATCHER, at=at(2), args=transfer),
        Command(issue_id="missing", event="urge", actor=PLATFORM, at=at(3)),
        Command(issue_id="b", event="transfer", actor=u1, at=at(4), args=transfer),
        Command(issue_id="b", event="transfer", actor=DISPATCHER, at=at(5), args=transfer),
        Command(issue_id="b", event="sign_for", actor=u1, at=at(4)),
        Command(issue_id="b", event="urge", actor=PLATFORM, at=at(6), args={"unit": "u2"}),
        Command(issue_id="b", event="sign_for", actor=u1, at=at(7)),
        Command(issue_id="a", event="resolve", actor=centre, at=at(8)),
        Command(issue_id="b", event="fly", actor=u1, at=at(9)),
    ]


@pytest.mark.parametrize("collecting", [True, False])
def test_apply_many_reports_refusals_and_applies_the_rest(collecting: bool) -> None:
    ledger = two_issues()
    commands = mixed_batch()
    was = gc.isenabled()
    if not collecting:
        gc.disable()
    try:
        refusals = ledger.apply_many(commands)
        assert gc.isenabled() is collecting
    finally:
        if was:
            gc.enable()
    assert [(r.index, r.command, type(r.error), r.error.field) for r in refusals] == [
        (1, commands[1], TransitionRefusedError, "transfer.status"),
        (2, commands[2], NotFoundError, "issue_id"),
        (3, commands[3], RoleError, "transfer.actor.role"),
        (5, commands[5], ChronologyError, "sign_for.at"),
        (6, commands[6], InvalidValueError, "urge.unit"),
        (9, commands[9], TransitionRefusedError, "event"),
    ]
    assert [event.name for event in ledger.history("a")] == ["receive", "sign_for", "resolve"]
    assert [event.name for event in ledger.history("b")] == ["receive", "transfer", "sign_for"]
    assert ledger.status("a") is S.RESOLVED
    assert ledger.status("b") is S.IN_PROGRESS
    # The same commands one by one give the same ledger.
    one_by_one = two_issues()
    for command in commands:
        with contextlib.suppress(BanshishiError):
            one_by_one.apply(
                command.issue_id,
                command.event,
                actor=command.actor,
                at=command.at,
                note=command.note,
                **command.args,
            )
    assert list(one_by_one.issues()) == list(ledger.issues())


def test_apply_many_of_nothing_refuses_nothing() -> None:
    was = gc.isenabled()
    assert two_issues().apply_many([]) == ()
    assert gc.isenabled() is was


def failing_commands() -> Iterator[Command]:
    yield mixed_batch()[0]
    raise RuntimeError("the source of commands broke")


@pytest.mark.parametrize("collecting", [True, False])
@pytest.mark.parametrize(
    ("commands", "error"),
    [
        (lambda: [mixed_batch()[0], "sign_for"], InvalidTypeError),
        (failing_commands, RuntimeError),
    ],
)
def test_apply_many_restores_the_collector_when_it_raises(
    collecting: bool, commands: Callable[[], Any], error: type[Exception]
) -> None:
    ledger = two_issues()
    was = gc.isenabled()
    if not collecting:
        gc.disable()
    try:
        with pytest.raises(error):
            ledger.apply_many(commands())
        assert gc.isenabled() is collecting
        with pytest.raises(DuplicateError):
            ledger.receive_many([new_issue("c"), new_issue("a")], actor=CLERK)
        assert gc.isenabled() is collecting
    finally:
        if was:
            gc.enable()
    # Not a transaction: what was applied before the failure stays applied.
    assert ledger.status("a") is S.IN_PROGRESS
    assert "c" in ledger
