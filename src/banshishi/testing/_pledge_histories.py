"""Histories the pledge workflow accepts: a new pledge, who claimed it, and steps
that :class:`PledgeLedger` and :class:`LedgerStore` take one after another.

As for issues (see ``_histories``), each step is planned to fit the pledge as it
stands and tried on a ledger in memory: a refused one is planned again, up to a
few times, and otherwise the history ends there.

Import them from :mod:`banshishi.testing.strategies`.
"""

from typing import Any, final

import attrs
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi._core.errors import BanshishiError
from banshishi._model.milestone import Milestone
from banshishi._model.people import Actor, Role
from banshishi._model.pledge import Pledge, PledgeListKind, PledgerKind, ProjectCharter
from banshishi._model.vocabulary import PledgeStatus
from banshishi._store.ledger_store import LedgerStore
from banshishi._workflow.command import PledgeCommand
from banshishi._workflow.pledge_ledger import PledgeLedger
from banshishi._workflow.pledge_workflow import pledge_allowed_events
from banshishi._workflow.policy import DEFAULT_POLICY, WorkflowPolicy

from ._histories import ATTEMPTS, HISTORY_START, PLATFORM, REVIEWER
from ._records import new_pledges
from ._values import SHANGHAI, Zones, moments

S = PledgeStatus

GAPS = ({"minutes": 1}, {"hours": 3}, {"days": 1}, {"days": 20}, {"days": 65})
"""How far apart two steps are; 65 days outlast the usual deadline, so pledges lapse."""
NOTE = "情况说明"
SUPERVISOR = Actor(id="supervisor", role=Role.SUPERVISOR, unit="inspection")


@final
@attrs.frozen(kw_only=True)
class PledgeHistory:
    """A new pledge, who claimed it, and the steps the workflow accepts after it.

    ``statuses`` holds the pledge's status after each step; the steps were
    accepted under ``policy``."""

    pledge: Pledge
    claimer: Actor
    steps: tuple[PledgeCommand, ...]
    statuses: tuple[PledgeStatus, ...]
    policy: WorkflowPolicy = DEFAULT_POLICY

    @property
    def status(self) -> PledgeStatus:
        """Where the history leaves the pledge."""
        return self.statuses[-1] if self.statuses else S.DRAFT

    def apply_to(self, ledger: PledgeLedger | LedgerStore) -> PledgeStatus:
        """Claim the pledge on ``ledger`` (a :class:`PledgeLedger` or a
        :class:`LedgerStore`), take every step in turn, and return the status they
        leave it in. A refused step raises, as the ledger does."""
        ledger.claim(self.pledge, actor=self.claimer)
        status = S.DRAFT
        apply = ledger.apply_pledge if isinstance(ledger, LedgerStore) else ledger.apply
        for step in self.steps:
            status = apply(
                step.pledge_id,
                step.event,
                actor=step.actor,
                at=step.at,
                note=step.note,
                **step.args,
            )
        return status


def keeper_of(pledge: Pledge) -> Actor:
    """Who keeps ``pledge``: the pledger, or a member acting for the team or
    organisation that pledged."""
    if pledge.pledger_kind is PledgerKind.LEADER:
        return Actor(id=pledge.pledger, role=Role.LEADER)
    if pledge.pledger_kind is PledgerKind.PARTY_MEMBER:
        return Actor(id=pledge.pledger, role=Role.PARTY_MEMBER)
    role = Role.LEADER if pledge.pledger_kind is PledgerKind.LEADERSHIP_TEAM else Role.PARTY_MEMBER
    return Actor(id=f"member.{pledge.pledger}", role=role, unit=pledge.pledger)


def _forward(pledge: Pledge) -> str | None:
    """The step that takes ``pledge`` on towards fulfilment, so that many histories get there."""
    if pledge.status is S.DRAFT:
        return "publish"
    if pledge.status is S.PUBLISHED:
        return "start"
    if any(milestone.done_at is None for milestone in pledge.milestones):
        return "complete_milestone"
    return "fulfil" if pledge.status in (S.IN_PROGRESS, S.OVERDUE) else None


def _event(draw: st.DrawFn, pledge: Pledge) -> str:
    allowed = pledge_allowed_events(pledge.status)
    going_on = [event for event in allowed if event != "withdraw"]
    forward = _forward(pledge)
    pick = draw(st.integers(0, 99))
    if forward in going_on and pick < 50:
        return forward
    if going_on and pick < 97:
        return draw(st.sampled_from(going_on))
    return "withdraw"


def _actor(draw: st.DrawFn, event: str, keeper: Actor) -> Actor:
    who = {
        "fulfil": (REVIEWER, SUPERVISOR),
        "lapse": (PLATFORM, SUPERVISOR),
        "extend": (SUPERVISOR,) + ((keeper,) if keeper.role is Role.LEADER else ()),
    }
    return draw(st.sampled_from(who.get(event, (keeper, SUPERVISOR))))


def _charter(pledge: Pledge, keeper: Actor, at: DateTime) -> ProjectCharter:
    return ProjectCharter(
        goal=pledge.title,
        measures=("选址改造", "引入运营"),
        lead=keeper.id,
        task_force=("civil-affairs",),
        deadline=at.add(days=60),
    )


def _arguments(
    draw: st.DrawFn, event: str, pledge: Pledge, keeper: Actor, at: DateTime
) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if event == "publish":
        if pledge.list_kind is PledgeListKind.KEY_PROJECT:
            charter = pledge.charter or _charter(pledge, keeper, at)
            if charter.deadline > at:
                args["charter"] = charter
            else:
                args["charter"] = attrs.evolve(charter, deadline=at.add(days=60))
            args["deadline"] = args["charter"].deadline
        else:
            args["deadline"] = at.add(days=draw(st.sampled_from((10, 60))))
    elif event == "extend":
        base = max(at, pledge.deadline or at)
        args["deadline"] = base.add(days=draw(st.sampled_from((10, 30))))
    elif event == "add_milestones":
        taken = {milestone.name for milestone in pledge.milestones}
        fresh = [name for name in ("走访摸底", "上门服务", "验收") if name not in taken] or ["?"]
        names = draw(st.lists(st.sampled_from(fresh), min_size=1, max_size=2, unique=True))
        args["milestones"] = tuple(Milestone(name=name, weight=2) for name in names)
    elif event == "complete_milestone":
        undone = [m.name for m in pledge.milestones if m.done_at is None] or ["?"]
        args["milestone"] = draw(st.sampled_from(undone))
    return args


@st.composite
def pledge_histories(
    draw: st.DrawFn,
    *,
    policy: WorkflowPolicy = DEFAULT_POLICY,
    pledges: st.SearchStrategy[Pledge] | None = None,
    max_steps: int = 12,
    timezones: Zones = SHANGHAI,
) -> PledgeHistory:
    """Pledges with histories the workflow accepts: up to ``max_steps`` steps each,
    from claim through publication, milestones, lapses and extensions to
    fulfilment or withdrawal. The pledge is drawn from ``pledges``
    (:func:`new_pledges` claimed from 2025 on unless told) and claimed by its
    keeper (the pledger, or a member acting for the team that pledged)."""
    if pledges is None:
        pledges = new_pledges(
            claimed_at=moments(after=HISTORY_START, timezones=timezones), timezones=timezones
        )
    pledge = draw(pledges)
    keeper = keeper_of(pledge)
    ledger = PledgeLedger(policy=policy)
    ledger.claim(pledge, actor=keeper)
    steps: list[PledgeCommand] = []
    statuses: list[PledgeStatus] = []
    at = pledge.claimed_at
    for _ in range(draw(st.integers(0, max_steps))):
        current = ledger.pledge(pledge.id)
        if not pledge_allowed_events(current.status):
            break
        at = at.add(**draw(st.sampled_from(GAPS)))
        for _attempt in range(ATTEMPTS):
            event = _event(draw, current)
            actor = _actor(draw, event, keeper)
            moment = at.in_timezone(draw(st.sampled_from(timezones)))
            args = _arguments(draw, event, current, keeper, moment)
            note = NOTE if event in ("extend", "withdraw") or draw(st.booleans()) else ""
            step = PledgeCommand(
                pledge_id=pledge.id, event=event, actor=actor, at=moment, note=note, args=args
            )
            try:
                status = ledger.apply(pledge.id, event, actor=actor, at=moment, note=note, **args)
            except BanshishiError:
                continue
            steps.append(step)
            statuses.append(status)
            break
        else:
            break
    return PledgeHistory(
        pledge=pledge, claimer=keeper, steps=tuple(steps), statuses=tuple(statuses), policy=policy
    )
