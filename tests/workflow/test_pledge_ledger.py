"""Pledges in bulk: the PledgeLedger takes the same steps as the workflow, replay
rebuilds a pledge from its audit events, JSON round trips, and the two engines
agree step by random step.

The cast (pledge_steps.py): 李 (a party member) pledges on his own 为民办事清单 and
acts for his branch, whose 民生实事计划 it is; 刘 is a member of the county
leadership team, which claimed a key project (重点民生项目) with its 实事项目书.
Supervisors and reviewers verify delivery before a pledge is struck off (销号); the
platform marks pledges overdue. Times are Asia/Shanghai, from Monday 2 March 2026.
"""

import json

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from banshishi import (
    BanshishiError,
    DuplicateError,
    Event,
    FixedClock,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Milestone,
    NotFoundError,
    Pledge,
    PledgeCommand,
    PledgeLedger,
    PledgeStatus,
    PledgeWorkflow,
    PreconditionError,
    Refusal,
    Role,
    RoleError,
    Subject,
    TransitionRefusedError,
    replay_pledge,
    structure,
    unstructure,
)
from pledge_steps import (
    BRANCH,
    CAST,
    CHARTER,
    DISPATCHER,
    DUE,
    HANDLER,
    KEEPERS,
    KINDS,
    LEADER,
    MEMBER,
    OTHER_LEADER,
    OTHER_MEMBER,
    PLATFORM,
    REVIEWER,
    SCRIPT,
    SUPERVISOR,
    T0,
    Call,
    S,
    claimed,
    draw_call,
    draw_claim_fields,
    new_pledge,
    on_ledger,
    on_machine,
    reach,
    same_pledge,
    scripted,
    with_milestones,
)

# -- 8. the ledger: claiming, and the same steps in bulk -------------------------------------


def test_a_claim_puts_a_draft_on_the_ledger_with_its_claim_event():
    pledge = new_pledge(deadline=DUE, milestones=[Milestone(name="走访摸底")], unit=BRANCH)
    ledger = PledgeLedger()
    ledger.claim(pledge, actor=MEMBER, note="支部大会认领")
    (claim,) = ledger.history(pledge.id)
    assert (claim.name, claim.from_status, claim.to_status) == ("claim", None, S.DRAFT)
    assert (claim.actor, claim.role, claim.unit, claim.at) == (MEMBER.id, MEMBER.role, BRANCH, T0)
    assert (claim.note, claim.subject) == ("支部大会认领", Subject.PLEDGE)
    assert claim.data == {
        "id": "2026-member-001",
        "title": "为独居老人每月上门一次",
        "pledger": MEMBER.id,
        "pledger_kind": "party_member",
        "list_kind": "service_list",
        "claimed_at": "2026-03-02T09:00:00+08:00[Asia/Shanghai]",
        "unit": BRANCH,
        "issue": None,
        "deadline": "2026-05-01T09:00:00+08:00[Asia/Shanghai]",
        "charter": None,
        "milestones": ({"name": "走访摸底", "weight": 1, "due": None, "done_at": None},),
        "parent": None,
        "weight": None,
    }
    assert ledger.pledge(pledge.id) == attrs.evolve(pledge, history=(claim,))
    assert ledger.status(pledge.id) is S.DRAFT
    assert (len(ledger), list(ledger), pledge.id in ledger) == (1, [pledge.id], True)


@pytest.mark.parametrize(
    ("actor", "field"),
    [
        (OTHER_MEMBER, "claim.actor.id"),
        (OTHER_LEADER, "claim.actor.id"),
        (HANDLER, "claim.actor.role"),
        (REVIEWER, "claim.actor.role"),
        (PLATFORM, "claim.actor.role"),
    ],
    ids=["other-member", "other-leader", "handler", "reviewer", "platform"],
)
def test_only_the_pledger_a_supervisor_or_a_dispatcher_claims(actor, field):
    ledger = claimed(new_pledge("key", id="other"))
    with pytest.raises(RoleError) as caught:
        ledger.claim(new_pledge(), actor=actor)
    assert caught.value.field == field
    assert list(ledger) == ["other"]
    for fine in (MEMBER, SUPERVISOR, DISPATCHER):
        ledger.claim(new_pledge(id=f"by-{fine.id}"), actor=fine)
    assert len(ledger) == 4


@pytest.mark.parametrize(
    ("pledge", "error", "field"),
    [
        (new_pledge(id="other"), DuplicateError, "Pledge.id"),
        (
            new_pledge(status=S.PUBLISHED, published_at=T0),
            InconsistentRecordError,
            "Pledge.status",
        ),
        (
            new_pledge(milestones=[Milestone(name="a", done_at=T0)]),
            InconsistentRecordError,
            "Pledge.milestones",
        ),
        ("2026-member-001", InvalidTypeError, "pledge"),
    ],
    ids=["duplicate", "not-a-draft", "milestone-done", "not-a-pledge"],
)
def test_a_claim_that_cannot_be_is_refused_and_leaves_the_ledger_as_it_was(pledge, error, field):
    ledger = claimed(new_pledge(id="other"))
    before = ledger.pledge("other")
    with pytest.raises(error) as caught:
        ledger.claim(pledge, actor=SUPERVISOR)
    assert caught.value.field == field
    assert list(ledger) == ["other"]
    assert ledger.pledge("other") == before


def test_a_pledge_with_history_is_claimed_only_through_add():
    for case in (reach(S.WITHDRAWN), with_milestones(S.DRAFT)):
        with pytest.raises(InconsistentRecordError) as caught:
            claimed(case.pledge)
        assert (caught.value.field, caught.value.value) == ("Pledge.status", case.pledge.status)
        assert "add()" in caught.value.hint


def test_add_takes_a_pledge_under_way_as_it_stands():
    case = with_milestones()
    ledger = PledgeLedger()
    ledger.add(case.pledge)
    assert ledger.pledge(case.pledge.id) == case.pledge
    assert ledger.history(case.pledge.id) == case.pledge.history
    at = case.tick()
    status = ledger.apply(
        case.pledge.id, "complete_milestone", actor=MEMBER, at=at, milestone="走访摸底"
    )
    case.workflow.complete_milestone(actor=MEMBER, at=at, milestone="走访摸底")
    assert status is S.IN_PROGRESS
    assert ledger.pledge(case.pledge.id) == case.pledge
    with pytest.raises(DuplicateError):
        ledger.add(case.pledge)


def test_the_ledger_keeps_its_own_copy_of_each_pledge():
    pledge = new_pledge()
    ledger = claimed(pledge)
    pledge.title = "改过的标题"
    got = ledger.pledge(pledge.id)
    assert got.title == KINDS["member"]["title"]
    got.update(unit="elsewhere", milestones=(Milestone(name="a"),))
    assert (ledger.pledge(pledge.id).unit, ledger.pledge(pledge.id).milestones) == (None, ())


def test_the_same_steps_through_the_ledger_give_the_same_pledge_and_history():
    case, ledger = scripted()
    pledge = ledger.pledge(case.pledge.id)
    assert pledge.history[0].name == "claim"
    assert pledge.history[1:] == case.pledge.history
    assert ledger.history(case.pledge.id) == pledge.history
    assert attrs.evolve(pledge, history=()) == attrs.evolve(case.pledge, history=())
    assert pledge.status is S.FULFILLED
    assert pledge.deadline == T0.add(days=120)
    assert [e.name for e in pledge.history] == ["claim", *(step[0] for step in SCRIPT)]
    assert ledger.counts() == {S.FULFILLED: 1}
    assert list(ledger.pledges()) == [pledge]


def test_a_step_on_the_ledger_without_at_is_dated_by_its_clock():
    clock = FixedClock(T0.add(hours=7))
    ledger = PledgeLedger(clock=clock)
    ledger.claim(new_pledge(), actor=MEMBER)
    ledger.apply("2026-member-001", "publish", actor=MEMBER, deadline=DUE)
    assert ledger.pledge("2026-member-001").published_at == T0.add(hours=7)


def test_the_ledger_refuses_what_the_workflow_refuses_and_changes_nothing():
    ledger = claimed(new_pledge(), new_pledge("key"))
    before = list(ledger.pledges())
    attempts = [
        ("2026-member-001", "start", MEMBER, {}, TransitionRefusedError, "start.status"),
        ("2026-member-001", "publish", MEMBER, {}, PreconditionError, "publish.deadline"),
        (
            "2026-key-001",
            "publish",
            LEADER,
            {"deadline": DUE},
            PreconditionError,
            "publish.charter",
        ),
        ("2026-key-001", "publish", OTHER_LEADER, {}, RoleError, "publish.actor.id"),
        ("2026-member-001", "withdraw", MEMBER, {}, InvalidValueError, "withdraw.note"),
        ("2026-member-001", "nonsense", MEMBER, {}, TransitionRefusedError, "event"),
        ("2026-member-001", "claim", MEMBER, {}, TransitionRefusedError, "event"),
        ("nobody", "publish", MEMBER, {}, NotFoundError, "pledge_id"),
    ]
    for pledge_id, event, actor, args, error, field in attempts:
        with pytest.raises(error) as caught:
            ledger.apply(pledge_id, event, actor=actor, at=T0.add(hours=1), **args)
        assert type(caught.value) is error
        assert caught.value.field == field, (event, caught.value)
    assert list(ledger.pledges()) == before
    with pytest.raises(NotFoundError) as missing:
        ledger.pledge("nobody")
    assert (missing.value.field, missing.value.value) == ("pledge_id", "nobody")


def test_a_batch_applies_what_it_can_and_reports_the_rest():
    ledger = claimed(new_pledge(), new_pledge("branch"))
    member, branch = "2026-member-001", "2026-branch-001"
    publish = PledgeCommand(
        pledge_id=member, event="publish", actor=MEMBER, at=T0, args={"deadline": DUE}
    )
    commands = [
        publish,
        PledgeCommand(pledge_id=branch, event="start", actor=MEMBER, at=T0),
        PledgeCommand(pledge_id=member, event="start", actor=OTHER_MEMBER, at=T0),
        PledgeCommand(pledge_id=member, event="start", actor=MEMBER, at=T0),
        PledgeCommand(pledge_id="nobody", event="start", actor=MEMBER, at=T0),
        PledgeCommand(pledge_id=branch, event="withdraw", actor=MEMBER, at=T0, note="合并"),
    ]
    refusals = ledger.apply_many(iter(commands))
    assert all(type(refusal) is Refusal for refusal in refusals)
    assert [(r.index, type(r.error), r.error.field) for r in refusals] == [
        (1, TransitionRefusedError, "start.status"),
        (2, RoleError, "start.actor.id"),
        (4, NotFoundError, "pledge_id"),
    ]
    assert all(refusal.command is commands[refusal.index] for refusal in refusals)
    assert ledger.status(member) is S.IN_PROGRESS
    assert ledger.status(branch) is S.WITHDRAWN
    assert [e.name for e in ledger.history(member)] == ["claim", "publish", "start"]
    assert ledger.counts() == {S.IN_PROGRESS: 1, S.WITHDRAWN: 1}


def test_a_batch_holds_pledge_commands_only():
    ledger = claimed(new_pledge())
    good = PledgeCommand(pledge_id="2026-member-001", event="publish", actor=MEMBER, at=T0)
    with pytest.raises(InvalidTypeError) as caught:
        ledger.apply_many([good, ("2026-member-001", "start")])
    assert (caught.value.field, caught.value.value) == ("commands[1]", ("2026-member-001", "start"))


# -- 9. replay and JSON ----------------------------------------------------------------------


def test_replay_rebuilds_the_pledge_from_its_claim_event():
    case, ledger = scripted()
    pledge = ledger.pledge(case.pledge.id)
    assert replay_pledge(ledger.history(case.pledge.id)) == pledge
    # Every prefix of the history is a pledge that could have stood.
    for end in range(1, len(pledge.history)):
        partial = replay_pledge(pledge.history[:end])
        assert partial.history == pledge.history[:end]
        assert partial.status is pledge.history[end - 1].to_status


def test_replay_from_a_given_start_rebuilds_a_history_without_its_claim():
    case, _ = scripted()
    rebuilt = replay_pledge(case.pledge.history, start=new_pledge("key"))
    assert rebuilt == case.pledge


def test_replay_keeps_what_was_claimed():
    pledge = new_pledge("key", charter=CHARTER, milestones=[Milestone(name="选址", weight=2)])
    ledger = claimed(pledge, actor=LEADER)
    ledger.apply(pledge.id, "publish", actor=LEADER, at=T0.add(hours=1))
    rebuilt = replay_pledge(ledger.history(pledge.id))
    assert (rebuilt.charter, rebuilt.milestones, rebuilt.deadline) == (
        CHARTER,
        pledge.milestones,
        CHARTER.deadline,
    )
    assert rebuilt == ledger.pledge(pledge.id)


def test_replay_needs_a_start_without_a_claim_and_a_start_without_history():
    case, _ = scripted()
    with pytest.raises(InvalidValueError) as caught:
        replay_pledge(case.pledge.history)
    assert caught.value.field == "events"
    with pytest.raises(InconsistentRecordError) as started:
        replay_pledge(case.pledge.history, start=case.pledge)
    assert started.value.field == "start.history"


def test_a_history_that_could_not_have_happened_does_not_replay():
    case, ledger = scripted()
    history = list(ledger.history(case.pledge.id))
    struck_off_by_the_pledger = [*history[:-1], attrs.evolve(history[-1], role=Role.LEADER)]
    with pytest.raises(RoleError) as caught:
        replay_pledge(struck_off_by_the_pledger)
    assert caught.value.field == "fulfil.actor.role"
    # A step that replays to another status than the one recorded.
    lapse = next(i for i, e in enumerate(history) if e.name == "lapse")
    claimed_elsewhere = [
        *history[:lapse],
        attrs.evolve(history[lapse], to_status=S.WITHDRAWN),
        *history[lapse + 1 :],
    ]
    with pytest.raises(InconsistentRecordError) as other:
        replay_pledge(claimed_elsewhere)
    assert other.value.field == f"events[{lapse}]"


def through_json(pledge: Pledge) -> Pledge:
    return structure(json.loads(json.dumps(unstructure(pledge), ensure_ascii=False)), Pledge)


def test_a_pledge_with_its_history_goes_through_json_and_back():
    case, ledger = scripted()
    for pledge in (case.pledge, ledger.pledge(case.pledge.id)):
        restored = through_json(pledge)
        assert restored == pledge
        assert restored.history == pledge.history
        assert restored.charter == CHARTER
        assert restored.fulfilled_at.timezone_name == "Asia/Shanghai"
        assert all(event.subject is Subject.PLEDGE for event in restored.history)
    data = unstructure(case.pledge)
    assert data["status"] == "fulfilled"
    assert "progress" not in data
    assert data["history"][0]["subject"] == "pledge"


# -- 10. the two engines agree, step by random step ------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_the_machine_and_the_ledger_take_and_refuse_the_same_steps(data):
    kind = data.draw(st.sampled_from(list(KINDS)), label="kind")
    fields = draw_claim_fields(data, kind)
    pledge = new_pledge(kind, **fields)
    workflow = PledgeWorkflow(pledge, clock=FixedClock(T0))
    ledger = claimed(new_pledge(kind, **fields), actor=SUPERVISOR)
    for _ in range(data.draw(st.integers(1, 20), label="steps")):
        call = draw_call(data, pledge, KEEPERS[kind])
        before, mirror = ledger.pledge(pledge.id), attrs.evolve(pledge)
        expected = on_machine(workflow, call)
        got = on_ledger(ledger, pledge.id, call)
        assert got == expected, call
        same_pledge(ledger.pledge(pledge.id), pledge)
        if got[0] == "refused":
            assert ledger.pledge(pledge.id) == before
            assert pledge == mirror
            note_event(f"refused with {got[1].__name__}")
        else:
            note_event(f"reached {got[1].value}")
    history = ledger.history(pledge.id)
    assert replay_pledge(history) == ledger.pledge(pledge.id)
    assert replay_pledge(pledge.history, start=new_pledge(kind, **fields)) == pledge
    assert through_json(ledger.pledge(pledge.id)) == ledger.pledge(pledge.id)
    assert through_json(pledge) == pledge


# -- 11. a ledger of pledges keeps its invariants --------------------------------------------


class PledgeLedgerMachine(RuleBasedStateMachine):
    """A few pledges on a ledger, moved one step or one batch at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.ledger = PledgeLedger(clock=FixedClock(T0))
        self.kinds: dict[str, str] = {}
        self.histories: dict[str, tuple[Event, ...]] = {}
        self.now = T0

    def snapshot(self, ledger: PledgeLedger | None = None) -> dict[str, Pledge]:
        ledger = self.ledger if ledger is None else ledger
        return {pledge_id: ledger.pledge(pledge_id) for pledge_id in ledger}

    @initialize(data=st.data())
    def first_claim(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(list(KINDS)), label="kind")
        fields = draw_claim_fields(data, kind, self.now)
        self.ledger.claim(new_pledge(kind, id="p0", **fields), actor=KEEPERS[kind])
        self.kinds["p0"] = kind

    @rule(data=st.data())
    def claim(self, data: st.DataObject) -> None:
        """A new pledge while there are fewer than three; else the same id again."""
        kind = data.draw(st.sampled_from(list(KINDS)), label="kind")
        again = len(self.kinds) >= 3 or data.draw(st.integers(0, 9), label="again?") == 0
        pledge_id = data.draw(st.sampled_from(list(self.kinds))) if again else f"p{len(self.kinds)}"
        actor = KEEPERS[kind] if data.draw(st.booleans()) else data.draw(st.sampled_from(CAST))
        self.now = self.now.add(hours=1)
        pledge = new_pledge(kind, id=pledge_id, **draw_claim_fields(data, kind, self.now))
        before = self.snapshot()
        error: BanshishiError | None = None
        try:
            self.ledger.claim(pledge, actor=actor)
        except (DuplicateError, RoleError) as caught:
            error = caught
        if error is None:
            assert not again
            self.kinds[pledge_id] = kind
            return
        if isinstance(error, DuplicateError):
            assert again
            assert error.field == "Pledge.id"
        else:
            assert actor.role not in (Role.SUPERVISOR, Role.DISPATCHER)
            assert error.field in ("claim.actor.role", "claim.actor.id")
        assert self.snapshot() == before

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        pledge_id = data.draw(st.sampled_from(list(self.kinds)), label="pledge")
        keeper = KEEPERS[self.kinds[pledge_id]]
        call = draw_call(data, self.ledger.pledge(pledge_id), keeper)
        before = self.snapshot()
        got = on_ledger(self.ledger, pledge_id, call)
        if got[0] == "refused":
            assert self.snapshot() == before  # a refused step changes nothing, anywhere
        else:
            assert len(self.ledger.history(pledge_id)) == len(before[pledge_id].history) + 1
            assert self.ledger.history(pledge_id)[-1].name == call.event

    @rule(data=st.data(), size=st.integers(1, 4))
    def batch(self, data: st.DataObject, size: int) -> None:
        """A batch does what the same steps one at a time do, on a twin ledger."""
        twin = PledgeLedger()
        for pledge in self.ledger.pledges():
            twin.add(pledge)
        commands: list[PledgeCommand] = []
        for _ in range(size):
            pledge_id = data.draw(st.sampled_from([*self.kinds, "nobody"]), label="pledge")
            keeper = KEEPERS.get(self.kinds.get(pledge_id, "member"), MEMBER)
            planned = twin.pledge(pledge_id) if pledge_id in twin else new_pledge(id=pledge_id)
            call = draw_call(data, planned, keeper)
            commands.append(
                PledgeCommand(
                    pledge_id=pledge_id,
                    event=call.event,
                    actor=call.actor,
                    at=call.at,
                    note=call.note,
                    args=call.args,
                )
            )
            on_ledger(twin, pledge_id, call)  # keeps the twin a step ahead for planning
        twin = PledgeLedger()
        for pledge in self.ledger.pledges():
            twin.add(pledge)
        expected = []
        for index, command in enumerate(commands):
            before = self.snapshot(twin)
            call = Call(command.event, command.actor, command.at, command.note, dict(command.args))
            got = on_ledger(twin, command.pledge_id, call)
            if got[0] == "refused":
                assert self.snapshot(twin) == before
                expected.append((index, got[1], got[2]))
        refusals = self.ledger.apply_many(commands)
        assert [(r.index, type(r.error), r.error.field) for r in refusals] == expected
        assert all(refusal.command is commands[refusal.index] for refusal in refusals)
        assert self.snapshot() == self.snapshot(twin)

    @invariant()
    def pledges_hold_together(self) -> None:
        assert list(self.ledger) == list(self.kinds)
        counts: dict[PledgeStatus, int] = {}
        for pledge_id in self.kinds:
            pledge = self.ledger.pledge(pledge_id)
            history = pledge.history
            assert (history[0].name, history[0].from_status) == ("claim", None)
            assert all(event.subject is Subject.PLEDGE for event in history)
            assert pledge.status is history[-1].to_status is self.ledger.status(pledge_id)
            if pledge.status is S.FULFILLED:
                assert all(milestone.done_at is not None for milestone in pledge.milestones)
                assert pledge.fulfilled_at == history[-1].at
            else:
                assert pledge.fulfilled_at is None
            published = [event.at for event in history if event.name == "publish"]
            assert pledge.published_at == (published[0] if published else None)
            previous = self.histories.get(pledge_id, ())
            assert history[: len(previous)] == previous  # the history only grows
            if history != previous:
                assert replay_pledge(history) == pledge
                self.histories[pledge_id] = history
            counts[pledge.status] = counts.get(pledge.status, 0) + 1
        assert self.ledger.counts() == counts

    def teardown(self) -> None:
        for status in self.ledger.counts():
            note_event(f"ledger held a {status.value} pledge")


PledgeLedgerMachine.TestCase.settings = settings(
    stateful_step_count=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestPledgeLedgerInvariants = PledgeLedgerMachine.TestCase
