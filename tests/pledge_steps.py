"""The pledge tests' cast, and the steps it takes.

李 (a party member) pledges on his own 为民办事清单 and acts for his branch, whose
民生实事计划 it is; 刘 is a member of the county leadership team, which claimed a key
project (重点民生项目) with its 实事项目书. Supervisors and reviewers verify delivery
before a pledge is struck off (销号); the platform marks pledges overdue. Times are
Asia/Shanghai, from Monday 2 March 2026.

Cases are driven the ordinary way (``reach``); ``draw_call`` plans a random step
for both engines (PledgeWorkflow and PledgeLedger). The workflow tests and the
store tests use them.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    Actor,
    BanshishiError,
    Event,
    FixedClock,
    Milestone,
    Pledge,
    PledgeLedger,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    PledgeWorkflow,
    ProjectCharter,
    Role,
)
from banshishi._workflow.pledge_arguments import PLEDGE_EVENT_ARGUMENTS
from banshishi._workflow.pledge_workflow import pledge_allowed_events
from cast import PLATFORM, REVIEWER, T0

S = PledgeStatus
EVENTS = tuple(PLEDGE_EVENT_ARGUMENTS)
OPEN = (S.DRAFT, S.PUBLISHED, S.IN_PROGRESS, S.OVERDUE)
FINAL = (S.FULFILLED, S.WITHDRAWN)

DUE = T0.add(days=60)

BRANCH = "branch-3"  # 李's party branch (a grassroots organisation)
TEAM = "county-team"  # the county leadership team

MEMBER = Actor(id="li.member", role=Role.PARTY_MEMBER, unit=BRANCH)
OTHER_MEMBER = Actor(id="wang.member", role=Role.PARTY_MEMBER, unit="branch-9")
LEADER = Actor(id="liu.leader", role=Role.LEADER, unit=TEAM)
OTHER_LEADER = Actor(id="sun.leader", role=Role.LEADER, unit="township-team")
SUPERVISOR = Actor(id="zhou.supervise", role=Role.SUPERVISOR, unit="county-inspection")
DISPATCHER = Actor(id="wang.dispatch", role=Role.DISPATCHER)
HANDLER = Actor(id="town.handler", role=Role.HANDLER, unit="town-office")

CHARTER = ProjectCharter(
    goal="建成社区养老服务站",
    measures=["选址改造", "配齐设施", "引入运营"],
    lead=LEADER.id,
    task_force=["county-civil-affairs", "town-office"],
    deadline=T0.add(days=90),
)

KINDS: dict[str, dict[str, Any]] = {
    "member": {
        "title": "为独居老人每月上门一次",
        "pledger": MEMBER.id,
        "pledger_kind": PledgerKind.PARTY_MEMBER,
        "list_kind": PledgeListKind.SERVICE_LIST,
    },
    "branch": {
        "title": "修缮村卫生室",
        "pledger": BRANCH,
        "pledger_kind": PledgerKind.ORGANISATION,
        "list_kind": PledgeListKind.LIVELIHOOD_PLAN,
    },
    "key": {
        "title": "社区养老服务站",
        "pledger": TEAM,
        "pledger_kind": PledgerKind.LEADERSHIP_TEAM,
        "list_kind": PledgeListKind.KEY_PROJECT,
    },
    "leader": {
        "title": "解决货车司机停车难",
        "pledger": LEADER.id,
        "pledger_kind": PledgerKind.LEADER,
        "list_kind": PledgeListKind.SERVICE_LIST,
    },
}
"""The pledges of the cast, by who made them."""

KEEPERS = {"member": MEMBER, "branch": MEMBER, "key": LEADER, "leader": LEADER}
"""Who keeps each kind of pledge: the pledger, or someone acting for it."""


def new_pledge(kind: str = "member", **fields: Any) -> Pledge:
    return Pledge(**{"id": f"2026-{kind}-001", "claimed_at": T0, **KINDS[kind], **fields})


@dataclasses.dataclass
class Case:
    """A pledge, the workflow bound to it, and the clock the workflow reads."""

    pledge: Pledge
    workflow: PledgeWorkflow
    clock: FixedClock
    keeper: Actor

    def tick(self, **interval: int) -> DateTime:
        """Move the clock on (an hour unless told) and return the new moment."""
        return self.clock.advance(**(interval or {"hours": 1})).now()


def new_case(kind: str = "member", **fields: Any) -> Case:
    pledge = new_pledge(kind, **fields)
    clock = FixedClock(T0)
    return Case(pledge, PledgeWorkflow(pledge, clock=clock), clock, KEEPERS[kind])


def publish(case: Case) -> Event:
    if case.pledge.list_kind is PledgeListKind.KEY_PROJECT:
        return case.workflow.publish(actor=case.keeper, at=case.tick(), charter=CHARTER)
    return case.workflow.publish(actor=case.keeper, at=case.tick(), deadline=DUE)


def reach(status: PledgeStatus, kind: str = "member", **fields: Any) -> Case:
    """A case driven the ordinary way to ``status``."""
    case = new_case(kind, **fields)
    workflow = case.workflow
    if status is S.WITHDRAWN:
        workflow.withdraw(actor=case.keeper, at=case.tick(), note="与村级计划重复")
    elif status is not S.DRAFT:
        publish(case)
        if status in (S.IN_PROGRESS, S.OVERDUE, S.FULFILLED):
            workflow.start(actor=case.keeper, at=case.tick())
        if status is S.OVERDUE:
            case.clock.advance(days=100)
            workflow.lapse(actor=PLATFORM, at=case.tick())
        if status is S.FULFILLED:
            workflow.fulfil(actor=REVIEWER, at=case.tick())
    assert case.pledge.status is status, "the set-up itself went wrong"
    return case


def with_milestones(status: PledgeStatus = S.IN_PROGRESS) -> Case:
    case = reach(status)
    case.workflow.add_milestones(
        actor=MEMBER,
        at=case.tick(),
        milestones=[Milestone(name="走访摸底", weight=1), Milestone(name="上门服务", weight=3)],
    )
    return case


def refused(case: Case, error: type[Exception], call: Callable[[], object]) -> Any:
    """Run ``call``, which must raise exactly ``error`` and change nothing at all."""
    before = attrs.evolve(case.pledge)
    state = case.workflow.current_state_value
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    assert case.pledge == before
    assert case.workflow.current_state_value == state == before.status
    return caught.value


def names(case: Case) -> list[str]:
    return [event.name for event in case.pledge.history]


def claimed(*pledges: Pledge, actor: Actor = SUPERVISOR) -> PledgeLedger:
    ledger = PledgeLedger(clock=FixedClock(T0))
    for pledge in pledges:
        ledger.claim(pledge, actor=actor)
    return ledger


SCRIPT: list[tuple[str, Actor, int, str, dict[str, Any]]] = [
    # event, actor, hours after T0, note, arguments
    ("add_milestones", LEADER, 1, "", {"milestones": [Milestone(name="选址", weight=1)]}),
    ("publish", LEADER, 2, "", {"charter": CHARTER}),
    ("start", LEADER, 3, "", {}),
    ("add_milestones", SUPERVISOR, 4, "", {"milestones": [Milestone(name="运营", weight=2)]}),
    ("complete_milestone", LEADER, 5, "", {"milestone": "选址"}),
    ("lapse", PLATFORM, 24 * 91, "", {}),
    ("extend", SUPERVISOR, 24 * 92, "追加资金后延期", {"deadline": T0.add(days=120)}),
    ("complete_milestone", LEADER, 24 * 100, "", {"milestone": "运营"}),
    ("fulfil", REVIEWER, 24 * 101, "现场核验", {}),
]
"""The key project's whole life, with a lapse and an extension on the way."""


def scripted() -> tuple[Case, PledgeLedger]:
    case = new_case("key")
    ledger = claimed(new_pledge("key"), actor=LEADER)
    pledge_id = case.pledge.id
    for event, actor, hours, note, args in SCRIPT:
        at = T0.add(hours=hours)
        getattr(case.workflow, event)(actor=actor, at=at, note=note, **args)
        assert ledger.apply(pledge_id, event, actor=actor, at=at, note=note, **args) is (
            case.pledge.status
        )
    return case, ledger


CAST = (
    MEMBER,
    OTHER_MEMBER,
    LEADER,
    OTHER_LEADER,
    SUPERVISOR,
    REVIEWER,
    PLATFORM,
    DISPATCHER,
    HANDLER,
)
PLAUSIBLE = {"fulfil": (REVIEWER, SUPERVISOR), "lapse": (PLATFORM,), "extend": (SUPERVISOR, LEADER)}
"""Who usually takes the steps the pledger does not."""
NAMES = ("选址", "施工", "验收")
GAPS = ({"minutes": 0}, {"hours": 1}, {"days": 1}, {"days": 20}, {"days": 65})
LATE_CHARTER = attrs.evolve(CHARTER, deadline=T0.add(days=200))


@attrs.frozen
class Call:
    """One step asked of both engines."""

    event: str
    actor: Actor
    at: DateTime
    note: str
    args: dict[str, Any]


def draw_claim_fields(data: st.DataObject, kind: str, at: DateTime = T0) -> dict[str, Any]:
    """What a pledge of ``kind`` may carry when claimed at ``at``."""
    fields: dict[str, Any] = {"claimed_at": at}
    # Any pledge may be claimed with a deadline; a key project's charter replaces it
    # on publication.
    if data.draw(st.booleans(), label="claimed deadline"):
        fields["deadline"] = at.add(days=60)
    if kind == "key" and data.draw(st.booleans(), label="claimed charter"):
        fields["charter"] = CHARTER
    if data.draw(st.booleans(), label="claimed milestones"):
        fields["milestones"] = [Milestone(name=NAMES[0], weight=2)]
    return fields


def draw_call(data: st.DataObject, pledge: Pledge, keeper: Actor) -> Call:
    """A plausible step on ``pledge`` as it stands: mostly one its status allows, by a
    fitting actor, with arguments that fit; sometimes not."""
    now = pledge.history[-1].at if pledge.history else pledge.claimed_at
    # Mostly a step the status allows, rarely a withdrawal (it ends the story).
    allowed = [event for event in pledge_allowed_events(pledge.status) if event != "withdraw"]
    pick = data.draw(st.integers(0, 9), label="which kind of event")
    if allowed and pick < 8:
        event = data.draw(st.sampled_from(allowed), label="event")
    elif pick == 8:
        event = "withdraw"
    else:
        event = data.draw(st.sampled_from(EVENTS), label="any event")
    fits = data.draw(st.integers(0, 19), label="fitting?") < 17
    if fits:
        actor = data.draw(st.sampled_from(PLAUSIBLE.get(event, (keeper, SUPERVISOR))))
    else:
        actor = data.draw(st.sampled_from(CAST), label="any actor")
    if data.draw(st.integers(0, 19), label="backwards?") == 0:
        at = now.subtract(minutes=1)
    elif event == "lapse" and fits and pledge.deadline is not None:
        at = max(now, pledge.deadline).add(hours=1)
    else:
        at = now.add(**data.draw(st.sampled_from(GAPS), label="gap"))
    note = data.draw(st.sampled_from(("情况说明", "情况说明", "情况说明", "", " ")), label="note")
    args: dict[str, Any] = {}
    key = pledge.list_kind is PledgeListKind.KEY_PROJECT
    if event in ("publish", "extend"):
        usual = None if key and event == "publish" else at.add(days=60)
        choices = (
            usual,
            usual,
            usual,
            None,
            at,
            at.add(days=10),
            CHARTER.deadline,
            T0.add(days=200),
        )
        deadline = data.draw(st.sampled_from(choices), label="deadline")
        if deadline is not None:
            args["deadline"] = deadline
    if event == "publish":
        charters = (CHARTER, CHARTER, LATE_CHARTER, None) if key else (None,) * 9 + (CHARTER,)
        charter = data.draw(st.sampled_from(charters), label="charter")
        if charter is not None:
            args["charter"] = charter
    used = [milestone.name for milestone in pledge.milestones]
    if event == "add_milestones" and data.draw(st.integers(0, 9), label="give milestones") > 0:
        fresh = [name for name in NAMES if name not in used]
        pool = fresh if fits and fresh else NAMES
        chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2))
        done = data.draw(st.integers(0, 9), label="done already?") == 0
        args["milestones"] = [
            Milestone(name=name, weight=2, done_at=at if done else None) for name in chosen
        ]
    if event == "complete_milestone":
        undone = [m.name for m in pledge.milestones if m.done_at is None]
        pool = undone if fits and undone else [*NAMES, "无此节点"]
        args["milestone"] = data.draw(st.sampled_from(pool), label="milestone")
    if data.draw(st.integers(0, 19), label="stray argument?") == 0:
        args["unit"] = "town-office"
    return Call(event, actor, at, note, args)


Outcome = tuple[Any, ...]


def outcome(call: Callable[[], object], status: Callable[[], PledgeStatus]) -> Outcome:
    try:
        call()
    except BanshishiError as error:
        return ("refused", type(error), error.field)
    return ("accepted", status())


def on_machine(workflow: PledgeWorkflow, call: Call) -> Outcome:
    step = getattr(workflow, call.event)
    return outcome(
        lambda: step(actor=call.actor, at=call.at, note=call.note, **call.args),
        lambda: workflow.model.status,
    )


def on_ledger(ledger: PledgeLedger, pledge_id: str, call: Call) -> Outcome:
    return outcome(
        lambda: ledger.apply(
            pledge_id, call.event, actor=call.actor, at=call.at, note=call.note, **call.args
        ),
        lambda: ledger.status(pledge_id),
    )


def same_pledge(on_the_ledger: Pledge, bound: Pledge) -> None:
    """The ledger's pledge is the bound one, with the claim event in front."""
    assert on_the_ledger.history[0].name == "claim"
    assert on_the_ledger.history[1:] == bound.history
    assert attrs.evolve(on_the_ledger, history=()) == attrs.evolve(bound, history=())
