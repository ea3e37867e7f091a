"""The main job until the command line exists: rates for a small built-in ledger.

``python -m banshishi`` prints DOMAIN's published pledge figures rebuilt from
pledge lists, then every issue rate for an example county, by track and by
township (rolled up the unit tree), and the issues behind the worst shortfall.
The ledger is generated from a fixed seed, so the output is the same every run.
"""

import random
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import pendulum
from pendulum import DateTime

from ._breakdown import Breakdown
from ._channel import Channel
from ._evaluation import Evaluation
from ._feedback import Feedback, FeedbackMethod
from ._grouping import by_unit, grouped
from ._issue import Issue
from ._issue_rates import (
    completion_rate,
    on_time_completion_rate,
    redo_rate,
    response_rate,
    return_rate,
)
from ._pledge import Pledge, PledgeListKind, PledgerKind
from ._pledge_rates import pledge_completion_rate
from ._rating import Rating
from ._satisfaction import resolution_rate, satisfaction_rate
from ._status import IssueStatus, PledgeStatus
from ._track import Track, Urgency
from ._unit import Level, Unit, UnitTree

AS_OF = pendulum.datetime(2026, 6, 30, 18, tz="Asia/Shanghai")
START = pendulum.datetime(2026, 4, 1, 8, tz="Asia/Shanghai")

#: DOMAIN.md's published pledge figures: (pledger kind, list kind, items, done).
PUBLISHED_PLEDGES = (
    (PledgerKind.LEADERSHIP_TEAM, PledgeListKind.LIVELIHOOD_PLAN, 1_248, 432),
    (PledgerKind.LEADER, PledgeListKind.SERVICE_LIST, 2_410, 902),
    (PledgerKind.ORGANISATION, PledgeListKind.LIVELIHOOD_PLAN, 21_776, 12_471),
    (PledgerKind.PARTY_MEMBER, PledgeListKind.SERVICE_LIST, 291_528, 168_288),
)


def example_units() -> UnitTree:
    """A county with three townships, two villages or communities under each."""
    units = [Unit(id="county", name="示例县", level=Level.COUNTY)]
    for t, town in enumerate(("东城街道", "西山镇", "北河苏木"), start=1):
        units.append(Unit(id=f"t{t}", name=town, level=Level.TOWNSHIP, parent="county"))
        for v in (1, 2):
            units.append(
                Unit(id=f"t{t}v{v}", name=f"{town}{v}村", level=Level.VILLAGE, parent=f"t{t}")
            )
    return UnitTree(units)


def example_pledges() -> list[Pledge]:
    """Pledge lists whose completion reproduces DOMAIN.md's printed rates."""
    pledges: list[Pledge] = []
    for pledger_kind, list_kind, items, done in PUBLISHED_PLEDGES:
        template = Pledge(
            id="-",
            title="民生实事",
            pledger="-",
            pledger_kind=pledger_kind,
            list_kind=list_kind,
            claimed_at=START,
            status=PledgeStatus.IN_PROGRESS,
        )
        fulfilled = attrs.evolve(template, status=PledgeStatus.FULFILLED, fulfilled_at=AS_OF)
        for n in range(items):
            pledge = fulfilled if n < done else template
            pledges.append(attrs.evolve(pledge, id=f"{list_kind.value}-{n}", pledger=f"p{n}"))
    return pledges


_NAMED_CASES = (
    ("共享单车不够用", Urgency.URGENT, "t1v1", "新增站点175个、车辆3,500辆投入使用"),
    ("牧民缺少生产资金", Urgency.DIFFICULT, "t3v1", "银行、企业、政府联动授信"),
    ("外地老人办不了老年乘车卡", Urgency.WORRYING, "county", "2021年6月8日起免费办理"),
    ("货车司机缺少休息场所", Urgency.LONGED_FOR, "t2", "建成司机之家和货车停车场"),
)


def example_issues(tree: UnitTree, *, seed: int = 2026, count: int = 400) -> list[Issue]:
    """DOMAIN.md's four track examples plus ``count`` seeded issues across the units."""
    rng = random.Random(seed)
    issues = [
        _issue(f"case-{n}", title, urgency, unit, rng, done=True, answer=answer)
        for n, (title, urgency, unit, answer) in enumerate(_NAMED_CASES, start=1)
    ]
    unit_ids = [unit.id for unit in tree]
    for n in range(1, count + 1):
        issues.append(
            _issue(
                f"2026-{n:05d}",
                rng.choice(("路灯不亮", "楼道漏水", "供暖不足", "道路破损", "停车难")),
                rng.choice(list(Urgency)),
                rng.choice(unit_ids),
                rng,
                done=rng.random() < 0.7,
                answer="已处理并电话反馈",
            )
        )
    return issues


def _issue(
    issue_id: str,
    title: str,
    urgency: Urgency,
    unit: str,
    rng: random.Random,
    *,
    done: bool,
    answer: str,
) -> Issue:
    received = START.add(days=rng.randrange(80), hours=rng.randrange(10))
    deadline = received.add(days=rng.choice((1, 5, 15, 30)))
    issue = Issue(
        id=issue_id,
        title=title,
        channel=rng.choice(list(Channel)),
        urgency=urgency,
        received_at=received,
        received_by="county",
        responsible_unit=unit,
        deadline=deadline,
        status=IssueStatus.IN_PROGRESS if rng.random() < 0.9 else IssueStatus.TRANSFERRED,
    )
    if rng.random() < 0.03:
        issue.status = IssueStatus.DISMISSED
        return issue
    if not done:
        if rng.random() < 0.1:
            issue.status = IssueStatus.RETURNED
        return issue
    answered = received.add(hours=rng.randrange(4, 24 * 20))
    closed = answered.add(days=1)
    rating = rng.choices(list(Rating), weights=(50, 30, 10, 7, 3))[0]
    return attrs.evolve(
        issue,
        status=IssueStatus.CLOSED,
        closed_at=closed,
        feedback=(Feedback(at=answered, content=answer, method=FeedbackMethod.PHONE, unit=unit),),
        evaluations=(
            Evaluation(
                issue_id=issue_id,
                rating=rating,
                resolved=not rating.is_bad and rng.random() < 0.95,
                at=closed,
            ),
        ),
    )


ISSUE_RATES = (
    ("办结率 completion", completion_rate),
    ("按期办结率 on time", on_time_completion_rate),
    ("响应率 response", response_rate),
    ("满意率 satisfaction", satisfaction_rate),
    ("解决率 resolution", resolution_rate),
    ("退回率 returns", return_rate),
    ("重办率 redos", redo_rate),
)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterator[str]:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [_pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        yield "  " + "  ".join(cells).rstrip()


def _cells(result: Breakdown[Any]) -> list[str]:
    rate = result.rate
    return [f"{rate.numerator:,}", f"{rate.denominator:,}", rate.format()]


def report(as_of: DateTime = AS_OF) -> str:
    """The demo's whole output as one string."""
    lines = [f"banshishi demo: an example ledger as of {as_of.format('YYYY-MM-DD HH:mm zz')}", ""]
    lines.append("Pledge completion, rebuilt from pledge lists (DOMAIN.md's published figures)")
    by_list = grouped(
        pledge_completion_rate,
        example_pledges(),
        by=lambda p: (p.pledger_kind, p.list_kind),
        as_of=as_of,
    )
    rows = [[f"{k.label} {lk.label}", *_cells(b)] for (k, lk), b in by_list.items()]
    lines += _table(["list", "done", "items", "rate"], rows)

    tree = example_units()
    issues = example_issues(tree)
    lines += ["", f"Issue rates for {tree['county'].name}: {len(issues)} issues"]
    rows = [[name, *_cells(rate(issues, as_of=as_of))] for name, rate in ISSUE_RATES]
    lines += _table(["rate", "counted", "out of", "rate"], rows)

    lines += ["", "Completion by track (四办)"]
    by_track = grouped(completion_rate, issues, by=lambda i: i.track, as_of=as_of)
    rows = [[t.label, *_cells(by_track[t])] for t in Track if t in by_track]
    lines += _table(["track", "closed", "issues", "rate"], rows)

    lines += ["", "Completion by unit, each including everything under it"]
    rolled = tree.roll_up(grouped(completion_rate, issues, by=by_unit, as_of=as_of))
    top = min(unit.level.depth for unit in tree)
    rows = [
        ["  " * (tree.level_of(uid).depth - top) + tree[uid].name, *_cells(result)]
        for uid, result in rolled.items()
    ]
    lines += _table(["unit", "closed", "issues", "rate"], rows)

    worst = min(
        (uid for uid in rolled if tree.level_of(uid) is Level.VILLAGE),
        key=lambda uid: rolled[uid].rate.value or 0,
    )
    open_items = rolled[worst].shortfall
    lines += ["", f"Not yet closed in {tree[worst].name} ({len(open_items)}), first five:"]
    lines += [f"  {i.id}  {i.title}  due {i.deadline:%Y-%m-%d}" for i in open_items[:5]]
    return "\n".join(lines)


def main() -> None:
    print(report())
