"""A store and a ledger side by side, step by random step.

A stateful test drives a LedgerStore and a Ledger (and their pledge sides) with
random steps, batches, second writers and reopenings; they must agree throughout.
The random steps are those of tests/issue_walks.py (plan_step and its draws) and
tests/pledge_steps.py (draw_call).
"""

import functools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from pendulum import DateTime

import pledge_steps as pw
from banshishi import (
    Actor,
    BanshishiError,
    BatchRefusedError,
    ChainReport,
    Command,
    ConcurrencyError,
    DuplicateError,
    IssueSummary,
    Ledger,
    LedgerStore,
    PledgeCommand,
    PledgeLedger,
    SweepRules,
    WorkflowPolicy,
    sweep,
)
from banshishi._workflow.policy import DEFAULT_POLICY
from banshishi._workflow.replay import replay
from issue_walks import (
    CLERK,
    GAPS,
    POLICIES,
    REVIEWER,
    T0,
    THE_REQUESTER,
    Call,
    Draw,
    HypothesisDraw,
    draw_intake,
    plan_step,
)
from store_helpers import (
    CENTRE,
    Outcome,
    apply_call,
    by_id,
    open_new,
    outcome,
    pledge_summary_of,
    rates_of,
    snapshot,
    summary_of,
    sweep_outcome,
)


def command_of(issue_id: str, call: Call) -> Command:
    return Command(
        issue_id=issue_id,
        event=call.event,
        actor=call.actor,
        at=call.at,
        note=call.note,
        args=call.args,
    )


# -- 9. a store and a ledger side by side, step by random step -------------------------------


class StoreMachine(RuleBasedStateMachine):
    """A LedgerStore and an in-memory Ledger and PledgeLedger (the mirror) taking the same
    random steps: single steps, small batches (some with refused steps), a second writer
    on the same file, stale versions, SLA sweeps, and reopenings of the store in a new
    instance."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.path = folder / "machine.db"
        self.policy = DEFAULT_POLICY
        self.store = open_new(self.path)
        self.ledger = Ledger()
        self.pledges = PledgeLedger()
        self.keepers: dict[str, Actor] = {}
        self.stale: dict[str, int] = {}
        """Issues another instance wrote to: the version the main store saw before."""
        self.now = T0

    # -- setting up, and moving time on --

    @initialize(policy=st.sampled_from(POLICIES), data=st.data())
    def open_store(self, policy: WorkflowPolicy, data: st.DataObject) -> None:
        self.store.close()
        self.policy = policy
        self.store = LedgerStore.open(self.path, policy=policy)
        self.ledger = Ledger(policy=policy)
        self.pledges = PledgeLedger(policy=policy)
        draw = HypothesisDraw(data)
        intake = draw_intake(draw)
        self.ledger.receive(intake.issue("i-1", T0), actor=CLERK)
        self.store.receive(intake.issue("i-1", T0), actor=CLERK)
        kind = data.draw(st.sampled_from(list(pw.KINDS)), label="pledge kind")
        fields = pw.draw_claim_fields(data, kind)
        self.pledges.claim(pw.new_pledge(kind, id="p-1", **fields), actor=pw.SUPERVISOR)
        self.store.claim(pw.new_pledge(kind, id="p-1", **fields), actor=pw.SUPERVISOR)
        self.keepers["p-1"] = pw.KEEPERS[kind]

    def tick(self, draw: Draw) -> DateTime:
        self.now = self.now.add(**draw.choice(GAPS))
        return self.now

    def teardown(self) -> None:
        self.store.close()

    def contents(self) -> tuple[Any, ...]:
        return snapshot(self.store)

    # -- rules --

    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        """A new issue while there are fewer than four, else an id received already."""
        draw = HypothesisDraw(data)
        at = self.tick(draw)
        again = len(self.ledger) >= 4 or draw.chance(10)
        issue_id = draw.choice(list(self.ledger)) if again else f"i-{len(self.ledger) + 1}"
        actor = draw.choice((CLERK, CLERK, CENTRE, REVIEWER, THE_REQUESTER))
        intake = draw_intake(draw)
        before = self.contents()
        expected = outcome(
            functools.partial(self.ledger.receive, intake.issue(issue_id, at), actor=actor)
        )
        got = outcome(
            functools.partial(self.store.receive, intake.issue(issue_id, at), actor=actor)
        )
        if again:  # the store looks for the id first, the ledger checks the receiver first
            assert got[:2] == ("refused", DuplicateError)
            assert expected[0] == "refused"
        else:
            assert got == expected
        if got[0] == "refused":
            assert self.contents() == before
        note_event(f"receive {got[0]}")

    def plan(self, draw: Draw, issue_id: str, ledger: Ledger | None = None) -> Call:
        return plan_step(draw, (ledger or self.ledger).issue(issue_id), self.tick(draw))

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One step, on the store and on the mirror, made as a caller must make it: now
        and then naming the version just read and, if refused with ConcurrencyError,
        reading again and retrying once. Only an issue another instance wrote to since
        this store last touched it may be refused so."""
        draw = HypothesisDraw(data)
        issue_id = draw.choice(list(self.ledger))
        call = self.plan(draw, issue_id)
        named = draw.chance(40)

        def attempt() -> Outcome:
            extra = {"expected_version": self.store.version(issue_id)} if named else {}
            return outcome(functools.partial(apply_call, self.store, issue_id, call, **extra))

        expected = outcome(functools.partial(apply_call, self.ledger, issue_id, call))
        got = attempt()
        if issue_id in self.stale and got[:2] == ("refused", ConcurrencyError):
            note_event("step on a stale copy refused, then retried")
            got = attempt()
        self.stale.pop(issue_id, None)
        assert got == expected, call
        note_event(f"step {got[0]}" + (" naming its version" if named else ""))

    @rule(data=st.data())
    def pledge_step(self, data: st.DataObject) -> None:
        pledge_id = data.draw(st.sampled_from(sorted(self.keepers)), label="pledge")
        call = pw.draw_call(data, self.pledges.pledge(pledge_id), self.keepers[pledge_id])
        kwargs = {"actor": call.actor, "at": call.at, "note": call.note, **call.args}
        expected = outcome(functools.partial(self.pledges.apply, pledge_id, call.event, **kwargs))
        got = outcome(functools.partial(self.store.apply_pledge, pledge_id, call.event, **kwargs))
        assert got == expected, call

    @rule(data=st.data())
    def stale_version(self, data: st.DataObject) -> None:
        """A step named against a version the issue is not at is refused; nothing changes."""
        draw = HypothesisDraw(data)
        issue_id = draw.choice(list(self.ledger))
        version = self.store.version(issue_id)
        stale = self.stale.get(issue_id, version + draw.choice((-1, 1, 5)))
        call = self.plan(draw, issue_id)
        before = self.contents()
        with pytest.raises(ConcurrencyError) as caught:
            apply_call(self.store, issue_id, call, expected_version=stale)
        assert caught.value.field == f"issue {issue_id!r} version"
        assert self.contents() == before

    @rule(data=st.data())
    def second_writer(self, data: st.DataObject) -> None:
        """Another instance on the same file takes a step (the mirror takes it too)."""
        draw = HypothesisDraw(data)
        issue_id = draw.choice(list(self.ledger))
        call = self.plan(draw, issue_id)
        version = self.store.version(issue_id)
        with LedgerStore.open(self.path, policy=self.policy) as other:
            expected = outcome(functools.partial(apply_call, self.ledger, issue_id, call))
            got = outcome(functools.partial(apply_call, other, issue_id, call))
        assert got == expected, call
        if got[0] == "accepted":
            self.stale.setdefault(issue_id, version)
        note_event(f"second writer {got[0]}")

    @rule(data=st.data(), size=st.integers(1, 4))
    def batch(self, data: st.DataObject, size: int) -> None:
        """A few commands in one batch: all written if the mirror takes every one of them
        in turn, else refused at the first the mirror refuses, with nothing written."""
        draw = HypothesisDraw(data)
        fresh = [issue_id for issue_id in self.ledger if issue_id not in self.stale]
        if not fresh:
            return
        planning, planning_pledges = self.twins()
        commands: list[Command | PledgeCommand] = []
        for _ in range(size):
            if draw.chance(20):
                pledge_id = draw.choice(sorted(self.keepers))
                call = pw.draw_call(
                    data, planning_pledges.pledge(pledge_id), self.keepers[pledge_id]
                )
                taken = outcome(
                    functools.partial(
                        planning_pledges.apply,
                        pledge_id,
                        call.event,
                        actor=call.actor,
                        at=call.at,
                        note=call.note,
                        **call.args,
                    )
                )
                command: Command | PledgeCommand = PledgeCommand(
                    pledge_id=pledge_id,
                    event=call.event,
                    actor=call.actor,
                    at=call.at,
                    note=call.note,
                    args=call.args,
                )
            elif draw.chance(5):
                command = command_of("nobody", self.plan(draw, fresh[0], planning))
                taken = ("refused",)
            else:
                issue_id = draw.choice(fresh)
                call = self.plan(draw, issue_id, planning)
                taken = outcome(functools.partial(apply_call, planning, issue_id, call))
                command = command_of(issue_id, call)
            # Most steps the plan refuses are left out, so that many batches go through.
            if taken[0] == "accepted" or draw.chance(30):
                commands.append(command)
        # What the mirror does with the batch, one command at a time.
        issues, pledges = self.twins()
        refused: tuple[int, type[BanshishiError], str] | None = None
        for index, command in enumerate(commands):
            if isinstance(command, Command):
                book: Any = issues
                record_id = command.issue_id
            else:
                book, record_id = pledges, command.pledge_id
            result = outcome(
                functools.partial(
                    book.apply,
                    record_id,
                    command.event,
                    actor=command.actor,
                    at=command.at,
                    note=command.note,
                    **command.args,
                )
            )
            if result[0] == "refused":
                refused = (index, result[1], result[2])
                break
        before = self.contents()
        if refused is None:
            assert self.store.apply_many(commands) == len(commands)
            self.ledger, self.pledges = issues, pledges
            note_event(f"batch of {len(commands)} written")
            return
        note_event(f"batch of {len(commands)} refused at {refused[0]}")
        with pytest.raises(BatchRefusedError) as caught:
            self.store.apply_many(commands)
        error = caught.value
        assert (error.index, type(error.error), error.error.field) == refused
        assert error.__cause__ is error.error
        assert self.contents() == before

    @rule(data=st.data())
    def sweep(self, data: st.DataObject) -> None:
        """The SLA sweep, now or later, on the store and on the mirror: the same findings
        and steps (the store's invariants check its events), in batches of any size,
        after a dry run that writes nothing; escalating only under a unit tree."""
        draw = HypothesisDraw(data)
        self.now = self.now.add(**draw.choice(({"hours": 0}, *GAPS, {"days": 30})))
        escalate = self.policy.units is not None and draw.chance(50)
        rules = SweepRules(escalate_overdue=escalate)
        before = self.contents()
        dry = self.store.sweep(at=self.now, rules=rules, dry_run=True)
        assert self.contents() == before
        got = self.store.sweep(at=self.now, rules=rules, batch_size=draw.choice((1, 3, 100)))
        expected = sweep(self.ledger, self.now, rules=rules)
        assert sweep_outcome(got) == sweep_outcome(expected)
        assert dry.counts() == got.counts()
        for issue_id in (*got.urged, *got.escalated):
            self.stale.pop(issue_id, None)  # read afresh to be swept
        note_event(f"sweep urged {min(len(got.urged), 2)}+, escalated {bool(got.escalated)}")

    def twins(self) -> tuple[Ledger, PledgeLedger]:
        """Copies of the mirror, to plan on or to try a batch on."""
        issues = Ledger(policy=self.policy)
        for issue in self.ledger.issues():
            issues.add(issue)
        pledges = PledgeLedger(policy=self.policy)
        for pledge in self.pledges.pledges():
            pledges.add(pledge)
        return issues, pledges

    @rule()
    def reopen(self) -> None:
        """A new instance on the file: every record it rebuilds is the mirror's."""
        self.store.close()
        self.store = LedgerStore.open(self.path, policy=self.policy)
        self.stale.clear()
        assert list(self.store.issues()) == sorted(self.ledger.issues(), key=lambda i: i.id)
        assert list(self.store.pledges()) == sorted(self.pledges.pledges(), key=lambda p: p.id)

    # -- invariants --

    @invariant()
    def same_histories_and_versions(self) -> None:
        for issue_id in self.ledger:
            history = self.ledger.history(issue_id)
            assert self.store.history(issue_id) == history
            assert self.store.version(issue_id) == len(history)
        for pledge_id in self.pledges:
            history = self.pledges.history(pledge_id)
            assert self.store.pledge_history(pledge_id) == history
            assert self.store.pledge_version(pledge_id) == len(history)

    @invariant()
    def summaries_are_the_mirrors(self) -> None:
        lines = by_id(self.store.summaries())
        issues = list(self.ledger.issues())
        assert lines == {issue.id: summary_of(issue) for issue in issues}
        assert {line.id: line.status for line in lines.values()} == {
            issue_id: self.ledger.status(issue_id) for issue_id in self.ledger
        }
        assert by_id(self.store.pledge_summaries()) == {
            pledge.id: pledge_summary_of(pledge) for pledge in self.pledges.pledges()
        }
        assert self.store.figures(at=self.now).rates() == rates_of(issues)

    @invariant()
    def lines_through_time_are_the_issues_as_they_stood(self) -> None:
        # At the moment of each issue's last event, and just before it, the store's
        # lines are those of every issue rebuilt from its events up to then.
        moments = {self.ledger.history(i)[-1].at for i in self.ledger}
        for moment in sorted(moments)[-2:]:
            for at in (moment, moment.subtract(microseconds=1)):
                expected = {}
                for issue_id in self.ledger:
                    events = [e for e in self.ledger.history(issue_id) if e.at <= at]
                    if events:
                        issue = replay(events, policy=self.policy)
                        expected[issue_id] = IssueSummary.of(issue, version=len(events))
                assert by_id(self.store.summaries_as_of(at)) == expected

    @invariant()
    def the_chain_is_intact(self) -> None:
        events = sum(len(self.ledger.history(i)) for i in self.ledger) + sum(
            len(self.pledges.history(p)) for p in self.pledges
        )
        events += self.store.policy_version()  # a policy other than the default, kept
        assert self.store.verify() == ChainReport(
            intact=True, events=events, head=self.store.head()
        )


def test_a_store_and_a_ledger_side_by_side(tmp_path_factory: pytest.TempPathFactory) -> None:
    run_state_machine_as_test(
        lambda: StoreMachine(tmp_path_factory.mktemp("machine")),
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
