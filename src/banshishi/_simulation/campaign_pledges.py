"""The pledges of the simulated quarter: a key project with weighted parts, and
leaders', party members' and organisations' own items, some taking on an issue."""

import bisect
import random
from collections.abc import Sequence
from typing import Any

import pendulum
from pendulum import DateTime

from banshishi._model.issue import Issue
from banshishi._model.milestone import Milestone
from banshishi._model.people import Actor, Role
from banshishi._model.pledge import Pledge, PledgeListKind, PledgerKind, ProjectCharter
from banshishi._model.vocabulary import Track
from banshishi._workflow.command import PledgeCommand, Refusal
from banshishi._workflow.pledge_ledger import PledgeLedger

from .campaign_data import (
    _LEADER,
    _ORG_DEPT,
    _PLATFORM,
    _PLEDGE_KINDS,
    _PLEDGE_TITLES,
    _REVIEWERS,
    _TOWNSHIPS,
    _VILLAGES,
    END,
    START,
    ZONE,
    _pledge_milestones,
    _staff,
)

_PledgeStep = tuple[DateTime, str, Actor, str, dict[str, Any]]


class PledgeCampaign:
    """Claims and keeps the quarter's pledges on ``pledges``; ``issues`` are the
    issues received, in order, for pledges that take one on."""

    def __init__(
        self,
        rng: random.Random,
        pledges: PledgeLedger,
        issues: Sequence[Issue],
        count: int,
        *,
        start: DateTime = START,
        end: DateTime = END,
    ) -> None:
        self.start, self.end = start, end
        # The key project's dates are those of the 2026 quarter, moved with the start.
        self.shift = (start.date() - START.date()).days
        self.rng = rng
        self.pledges = pledges
        self.issues = issues
        self.count = count

    def simulate(self) -> None:
        """About one pledge per twenty issues: a key project with its parts, then
        leaders', members' and organisations' own items, some claiming an issue."""
        rng, commands = self.rng, self._key_project()
        ordinary = max(3, self.count // 20 - 5)
        withdrawn = rng.sample(range(ordinary), 1 if ordinary < 40 else 2)
        received = [issue.received_at for issue in self.issues]
        for n in range(ordinary):
            kind, list_kind = rng.choices(list(_PLEDGE_KINDS), list(_PLEDGE_KINDS.values()))[0]
            actor, pledger = self._pledger(kind)
            claimed = self.start.add(days=rng.randint(0, 71), minutes=rng.randint(540, 1020))
            publish = claimed.add(minutes=rng.randint(1440, 4320))
            deadline = publish.add(days=rng.randint(20, 75)).at(17, 30)
            finish = publish + (deadline - publish) * rng.uniform(0.35, 1.25)
            issue, title = None, rng.choice(_PLEDGE_TITLES)
            known_by = bisect.bisect(received, claimed)
            recent = self.issues[max(0, known_by - 200) : known_by]
            known = [i for i in recent if i.track is not Track.IMMEDIATE]
            if known and rng.random() < 0.3:  # a leader or member takes on a citizen's issue
                issue, title = (chosen := rng.choice(known)).id, f"领办群众诉求：{chosen.title}"
            pledge = Pledge(
                id=f"PL-{self.start.year}-{n + 1:04d}",
                title=title,
                pledger=pledger,
                pledger_kind=kind,
                list_kind=list_kind,
                claimed_at=claimed,
                unit=actor.unit,
                issue=issue,
                deadline=deadline,
                milestones=_pledge_milestones(rng.randint(2, 4)),
            )
            ending = "withdraw" if n in withdrawn else "fulfil"
            commands += self._keep(pledge, actor, publish, finish, ending=ending)
        check(self.pledges.apply_many(commands))

    def _key_project(self) -> list[PledgeCommand]:
        """A county leader's 重点民生项目 with its charter, and four townships' parts."""
        key = f"KP-{self.start.year}-01"

        def on(month: int, day: int, hour: int, minute: int = 0) -> DateTime:
            when = pendulum.datetime(2026, month, day, hour, minute, tz=ZONE)
            return when.add(days=self.shift)

        charter = ProjectCharter(
            goal="完成城区12个老旧小区改造，加装电梯30部",
            measures=("摸底", "分片施工", "验收"),
            lead=_LEADER.id,
            task_force=("zhujian", "gongdian", "t1", "t2"),
            deadline=on(12, 31, 17, 30),
        )
        steps = (
            Milestone(name="立项"),
            Milestone(name="资金拨付"),
            Milestone(name="竣工", weight=2),
        )
        project = Pledge(
            id=key,
            title="城区老旧小区改造和加装电梯",
            pledger=_LEADER.id,
            unit="county",
            pledger_kind=PledgerKind.LEADER,
            list_kind=PledgeListKind.KEY_PROJECT,
            claimed_at=on(7, 2, 9, 30),
            milestones=steps,
        )
        commands = self._keep(project, _LEADER, on(7, 6, 10), on(8, 31, 16), charter=charter)
        for tid, weight, deadline, finish in (
            ("t1", 3, on(9, 15, 17, 30), on(8, 20, 15)),
            ("t2", 2, on(9, 15, 17, 30), on(9, 8, 11)),
            ("t3", 2, on(11, 30, 17, 30), on(11, 20, 16)),
            ("t6", 1, on(11, 30, 17, 30), on(12, 20, 16)),
        ):
            part = Pledge(
                id=f"{key}-{tid}",
                title=f"{_TOWNSHIPS[tid][0]}老旧小区改造",
                pledger=tid,
                unit=tid,
                pledger_kind=PledgerKind.LEADERSHIP_TEAM,
                list_kind=PledgeListKind.LIVELIHOOD_PLAN,
                claimed_at=on(7, 8, 9),
                parent=key,
                weight=weight,
                deadline=deadline,
                milestones=_pledge_milestones(3),
            )
            leader = _staff(Role.LEADER, tid, "ld")
            commands += self._keep(part, leader, on(7, 10, 9), finish, ending="fulfil")
        return commands

    def _pledger(self, kind: PledgerKind) -> tuple[Actor, str]:
        """Who acts on a pledge of ``kind``, and the pledger's id."""
        rng = self.rng
        village, town = rng.choice(_VILLAGES)[0], rng.choice(list(_TOWNSHIPS))
        if kind is PledgerKind.LEADER:
            actor = rng.choice((_LEADER, _staff(Role.LEADER, town, "ld")))
            return actor, actor.id
        if kind is PledgerKind.PARTY_MEMBER:
            number = rng.randint(1, 30)
            member = Actor(id=f"pm-{village}-{number}", role=Role.PARTY_MEMBER, unit=village)
            return member, member.id
        if kind is PledgerKind.ORGANISATION:  # the village party branch, by its secretary
            return _staff(Role.PARTY_MEMBER, village, "sec"), village
        return _staff(Role.LEADER, town, "ld"), town

    def _keep(
        self,
        pledge: Pledge,
        actor: Actor,
        publish: DateTime,
        finish: DateTime,
        *,
        ending: str = "open",
        charter: ProjectCharter | None = None,
    ) -> list[PledgeCommand]:
        """Claim ``pledge``; return its later steps up to the end of the quarter: published,
        started, milestones done towards ``finish``, then fulfilled or withdrawn (or
        neither yet, for an open ``ending``)."""
        rng = self.rng
        self.pledges.claim(pledge, actor=actor)
        start = publish.add(days=1)
        steps: list[_PledgeStep] = [
            (publish, "publish", actor, "", {"charter": charter} if charter else {}),
            (start, "start", actor, "", {}),
        ]
        names = [milestone.name for milestone in pledge.milestones]
        if ending == "withdraw":
            note = "因上级统一规划，该事项并入县级项目实施，撤回承诺"
            names = []
            steps.append((start.add(days=rng.randint(3, 12)), "withdraw", actor, note, {}))
        for k, name in enumerate(names[:-1] if ending == "open" else names, 1):
            at = start + (finish - start) * (k / len(names))
            steps.append((at, "complete_milestone", actor, "", {"milestone": name}))
        if ending == "fulfil":
            done = finish.add(minutes=rng.randint(1200, 5760))
            verifier = _ORG_DEPT if rng.random() < 0.7 else rng.choice(_REVIEWERS)
            steps.append((done, "fulfil", verifier, "经核验已兑现承诺，予以销号", {}))
            steps += self._late(pledge, done)
        steps.sort(key=lambda step: step[0])
        return [
            PledgeCommand(pledge_id=pledge.id, event=event, actor=who, at=at, note=note, args=args)
            for at, event, who, note, args in steps
            if at <= self.end
        ]

    def _late(self, pledge: Pledge, done: DateTime) -> list[_PledgeStep]:
        """A pledge kept after its deadline is marked overdue, and often given more time."""
        if pledge.deadline is None or done <= pledge.deadline.add(days=1):
            return []
        lapsed = pledge.deadline.add(days=1)
        steps: list[_PledgeStep] = [(lapsed, "lapse", _PLATFORM, "", {})]
        if done > lapsed.add(days=3) and self.rng.random() < 0.6:
            later = {"deadline": pledge.deadline.add(days=30)}
            steps.append((lapsed.add(days=2), "extend", _ORG_DEPT, "受汛期影响，同意延期", later))
        return steps


def check(refused: tuple[Refusal, ...]) -> None:
    """A refused step is a bug in the simulation: stop at the first one."""
    if refused:
        first = refused[0]
        raise RuntimeError(
            f"the simulation took {len(refused)} step(s) the workflow refused; "
            f"the first: {first.command!r}: {first.error}"
        )
