"""A simulated quarter of a county's 12345 hotline and party–mass service centres.

:func:`simulate_campaign` builds an example county, receives issues from 1 July to
30 September 2026 and moves each one through the closed loop on an in-memory
:class:`Ledger`, with an SLA sweep at the close of every working day. Alongside,
leaders and party members claim and keep pledges on a :class:`PledgeLedger`.
Every choice comes from one seeded ``random.Random`` and every step is dated, so
the same arguments always give the same ledgers.
"""

import bisect
import functools
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from typing import Any, final

import attrs
import pendulum
from pendulum import DateTime

from ._actor import Actor
from ._appeal import AppealGrounds
from ._channel import Channel
from ._charter import ProjectCharter
from ._command import Command, PledgeCommand, Refusal
from ._dismissal import DismissalReason
from ._engine import collector_paused
from ._errors import InvalidTypeError, InvalidValueError
from ._evaluation import Evaluation
from ._feedback import Feedback, FeedbackMethod
from ._issue import Issue
from ._ledger import Ledger
from ._location import Location
from ._milestone import Milestone
from ._person import Person, Role
from ._pledge import Pledge, PledgeListKind, PledgerKind
from ._pledge_ledger import PledgeLedger
from ._policy import WorkflowPolicy
from ._rating import Rating
from ._sweep import SweepRules, sweep
from ._target_group import TargetGroup
from ._time import FixedClock
from ._time_limit import TimeLimit
from ._track import Track, Urgency
from ._unit import Level, Unit, UnitTree
from ._visit import VisitOutcome

ZONE = "Asia/Shanghai"
START = pendulum.datetime(2026, 7, 1, tz=ZONE)
END = pendulum.datetime(2026, 9, 30, 20, tz=ZONE)
DAYS = 92
SWEEP_RULES = SweepRules(escalate_overdue=True)
TIME_LIMITS = {
    Track.IMMEDIATE: TimeLimit.working_days(2),
    Track.JOINT: TimeLimit.working_days(15),
    Track.SUPERVISED: TimeLimit.working_days(10),
    Track.TRACKED: TimeLimit.working_days(30),
}
_LIMIT_HOURS = {track: limit.amount * 7 for track, limit in TIME_LIMITS.items()}

_CENTRE = "rexian"
_DEPARTMENTS = {  # county departments and utilities, by unit id
    "zhujian": "县住房和城乡建设局", "jiaotong": "县交通运输局", "gongdian": "县供电公司",
    "shuiwu": "县水务局", "renshe": "县人力资源和社会保障局", "minzheng": "县民政局",
    "jiaoyu": "县教育局", "yibao": "县医疗保障局", "chengguan": "县城市管理综合执法局",
    "reli": "县热力公司",
}  # fmt: skip
_TOWNSHIPS = {  # id: name, villages or communities
    "t1": ("城关街道", "幸福社区 建设路社区 文化社区"),
    "t2": ("东城街道", "东苑社区 朝阳社区"),
    "t3": ("西山镇", "西山村 石门村 柳树沟村"),
    "t4": ("河口镇", "河口村 红星村"),
    "t5": ("北河苏木", "巴音嘎查 乌兰嘎查"),
    "t6": ("南湖镇", "南湖村 新民村 桃园村"),
}
_VILLAGES = tuple(  # id, township id, the place's statistical division code, its name
    (f"{tid}v{v}", tid, f"150125{t:03d}{v:03d}", f"{town}{village}")
    for t, (tid, (town, villages)) in enumerate(_TOWNSHIPS.items(), 1)
    for v, village in enumerate(villages.split(), 1)
)


def _kind(line: str) -> tuple[str, str, Urgency, str, TargetGroup | None]:
    """One line of the catalogue below, read."""
    title, field, label, owner, *group = line.split()
    urgency = next(urgency for urgency in Urgency if urgency.label == label)
    return title, field, urgency, owner.strip("-"), TargetGroup(group[0]) if group else None


# One kind of issue a line: title, field, 急/难/愁/盼, the department that owns it ("-":
# the village or township where it happens) and the target group it concerns, if any.
_CATALOGUE = tuple(
    _kind(line)
    for line in """
小区路灯不亮，夜间出行不便 市政设施 急 chengguan
楼道漏水，墙皮脱落 物业管理 急 -
突发停水，居民生活受影响 供水 急 shuiwu
频繁停电，电压不稳 供电 急 gongdian
下水道堵塞，污水外溢 市政设施 急 chengguan
窨井盖缺失，存在安全隐患 市政设施 急 chengguan
夜间施工噪音扰民 环境 急 chengguan
电梯故障，老人出行困难 物业管理 急 zhujian elderly
独居老人家中漏雨需要帮助 养老服务 急 - elderly
流浪犬聚集，存在伤人隐患 社区治理 急 -
拖欠农民工工资 劳动保障 难 renshe flexible_workers
外卖骑手工伤认定难 劳动保障 难 renshe flexible_workers
道路破损，坑洼不平 道路交通 难 jiaotong
农村饮用水水质浑浊 供水 难 shuiwu
物业与业主纠纷长期未解决 物业管理 难 zhujian
牧民扩大养殖缺少资金 农牧业 难 -
小区停车难，车辆乱停乱放 停车 愁 chengguan
供暖管网试压漏水，担心冬季供暖 供暖 愁 reli
老旧小区没有电梯，老人上下楼难 住房 愁 zhujian elderly
异地就医医保报销慢 医疗保障 愁 yibao
孩子入学学位紧张 教育 愁 jiaoyu children
餐馆油烟扰民长期未解决 环境 愁 chengguan
盼望增开公交线路 道路交通 盼 jiaotong
建议建设社区老年食堂 养老服务 盼 minzheng elderly
希望增设口袋公园和健身器材 公共服务 盼 -
村组道路硬化 道路交通 盼 jiaotong
盼建快递小哥爱心驿站 公共服务 盼 - flexible_workers
希望开设暑期托管班 教育 盼 jiaoyu children
""".strip().splitlines()
)
# Hotline, portal, new media, service centre, suggestion box, mailbox, 随手拍, field
# visit, council, micro-wish, other: the hotline takes the most.
_CHANNEL_WEIGHTS = dict(zip(Channel, (42, 7, 9, 12, 2, 2, 12, 6, 3, 4, 1), strict=True))
_AFTER_HOURS = (Channel.HOTLINE, Channel.MOBILE_PLATFORM, Channel.NEW_MEDIA, Channel.PORTAL)
_LOCAL = frozenset(  # taken in by the village or community itself
    {Channel.SERVICE_CENTRE, Channel.SUGGESTION_BOX, Channel.FIELD_VISIT}
    | {Channel.RESIDENTS_COUNCIL, Channel.MICRO_WISH}
)
_ROUND_WEIGHTS = ((46, 35, 11, 6, 2), (25, 45, 22, 7, 1), (30, 45, 25, 0, 0))  # best first
_ANSWERS = ("已派员现场核实并处理完毕", "已协调相关单位完成维修", "已完成整改，经回访运行正常")
_APPEALS = dict(zip(AppealGrounds, ("诉求人反映的是另一处问题", "诉求超出政策范围，恶意差评",
                                    "差评内容不属于本单位承办范围"), strict=True))  # fmt: skip
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鹏辉国志海燕文亮斌宇浩婷雪"
_MONGOLIAN = ("巴特尔", "其木格", "乌日娜", "斯琴", "额尔敦", "萨仁", "那顺", "图雅")
_MOBILE = ("134", "135", "136", "137", "138", "139", "150", "151", "158", "159", "187", "188")
_PLEDGE_KINDS = {  # who claims, on which list: how often
    (PledgerKind.LEADER, PledgeListKind.SERVICE_LIST): 3,
    (PledgerKind.PARTY_MEMBER, PledgeListKind.VANGUARD_POST): 2,
    (PledgerKind.PARTY_MEMBER, PledgeListKind.COMMUNITY_CLAIM): 2,
    (PledgerKind.PARTY_MEMBER, PledgeListKind.SERVICE_LIST): 2,
    (PledgerKind.ORGANISATION, PledgeListKind.LIVELIHOOD_PLAN): 2,
    (PledgerKind.LEADERSHIP_TEAM, PledgeListKind.LIVELIHOOD_PLAN): 1,
}
_PLEDGE_TITLES = (
    "为独居老人安装烟感报警器", "协调增设小区停车位", "硬化村组道路2公里", "开设暑期托管班",
    "建设社区老年食堂", "设立快递小哥爱心驿站", "整治背街小巷环境卫生", "疏通村内排水沟渠",
    "维修村文化广场路灯", "为困难党员送医送药", "帮助牧民申请贴息贷款", "组织义诊进社区",
)  # fmt: skip

_DISPATCHERS = tuple(Actor(id=f"dispatch-{n}", role=Role.DISPATCHER, unit=_CENTRE) for n in "12")
_REVIEWERS = tuple(Actor(id=f"review-{n}", role=Role.REVIEWER, unit=_CENTRE) for n in "12")
_CLERKS = tuple(Actor(id=f"clerk-{n}", role=Role.INTAKE_CLERK, unit=_CENTRE) for n in "123")
_LEADER = Actor(id="ld-county", role=Role.LEADER, unit="county")
_ORG_DEPT = Actor(id="org-dept", role=Role.SUPERVISOR, unit="county")  # 县委组织部
_PLATFORM = Actor(id="platform", role=Role.SYSTEM)


@functools.cache
def _staff(role: Role, unit: str | None, prefix: str = "h") -> Actor:
    """The one member of ``unit`` who acts in ``role``: a handler unless said otherwise."""
    assert unit is not None, "an actor of a unit needs the unit"
    return Actor(id=f"{prefix}-{unit}", role=role, unit=unit)


def county_units() -> UnitTree:
    """The example county: its hotline centre, ten departments, six townships and
    their villages or communities."""
    units = [Unit(id="county", name="示例县", level=Level.COUNTY)]
    units.append(Unit(id=_CENTRE, name="县12345热线中心", level=Level.COUNTY, parent="county"))
    for uid, name in _DEPARTMENTS.items():
        units.append(Unit(id=uid, name=name, level=Level.COUNTY, parent="county"))
    for tid, (town, _) in _TOWNSHIPS.items():
        units.append(Unit(id=tid, name=town, level=Level.TOWNSHIP, parent="county"))
    for vid, tid, _, place in _VILLAGES:
        units.append(Unit(id=vid, name=place, level=Level.VILLAGE, parent=tid))
    return UnitTree(units)


@final
@attrs.frozen
class Campaign:
    """A simulated quarter: the unit tree, the policy both ledgers use, the two
    ledgers, when it ran and the seed it was drawn from."""

    units: UnitTree
    policy: WorkflowPolicy
    ledger: Ledger
    pledges: PledgeLedger
    start: DateTime
    end: DateTime
    """The moment the campaign stops: every step is at or before it."""
    seed: int


@attrs.define(eq=False)
class _Case:
    """The simulation's notes on one issue: what its next steps need."""

    issue: Issue
    index: int
    town: str
    right_unit: str
    wrong_unit: str | None  # a unit it is first sent to by mistake, which sends it back
    track: Track
    stage: str = "received"
    unit: str | None = None
    co_units: tuple[str, ...] = ()
    parts: set[str] = attrs.Factory(set)  # co-units that reported in this round
    todo: list[str] = attrs.Factory(list)  # milestones not done yet
    supervising: str | None = None
    signed_off: bool = False
    round: int = 1
    appealed: int = 0  # the round whose rating the unit appealed
    visited: bool = False


_PledgeStep = tuple[DateTime, str, Actor, str, dict[str, Any]]


class _Simulation:
    """One run: dated actions in a queue, applied to the ledgers in time order."""

    def __init__(self, issues: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = issues
        self.units = county_units()
        self.policy = WorkflowPolicy(units=self.units, time_limits=TIME_LIMITS)
        self.hours = self.policy.working_hours
        self.ledger = Ledger(policy=self.policy, clock=FixedClock(END))
        self.pledges = PledgeLedger(policy=self.policy, clock=FixedClock(END))
        self.queue: list[tuple[DateTime, int, str, _Case | None]] = []
        self.order = itertools.count()
        self.batch: list[Command] = []
        self.cases: list[_Case] = []
        self.by_id: dict[str, _Case] = {}
        self.days_done = 0

    def run(self, progress: Callable[[int, int], None] | None) -> None:
        """Pledges first, then the issues day by day, sweeping each working evening."""
        self._arrivals()
        self._simulate_pledges()
        for arrival in self.cases:
            self._push(arrival.issue.received_at, "receive", arrival)
        for n in range(DAYS):
            day = START.add(days=n)
            if self.hours.calendar.is_workday(day.date()):
                self._push(day.at(18), "sweep", None)
            if n:
                self._push(day, "tick", None)
        with collector_paused():
            while self.queue and self.queue[0][0] <= END:
                at, _, kind, case = heapq.heappop(self.queue)
                if case is not None:
                    getattr(self, f"_{kind}")(case, at)
                elif kind == "sweep":
                    self._sweep(at)
                elif progress is not None:
                    self.days_done += 1
                    progress(self.days_done, DAYS)
            self._flush()
        if progress is not None:
            progress(DAYS, DAYS)

    def _push(self, at: DateTime, kind: str, case: _Case | None) -> None:
        heapq.heappush(self.queue, (at, next(self.order), kind, case))

    def _step(
        self, case: _Case, event: str, actor: Actor, at: DateTime, note: str = "", **args: Any
    ) -> None:
        """Queue one step of ``case`` for the next batch."""
        issue_id = case.issue.id
        self.batch.append(
            Command(issue_id=issue_id, event=event, actor=actor, at=at, note=note, args=args)
        )

    def _flush(self) -> None:
        batch, self.batch = self.batch, []
        _check(self.ledger.apply_many(batch))

    def _sweep(self, at: DateTime) -> None:
        """The evening SLA sweep; escalated items now need a supervisor's sign-off."""
        self._flush()
        report = sweep(self.ledger, at, rules=SWEEP_RULES)
        if report.refused:
            raise RuntimeError(f"the SLA sweep was refused: {dict(report.refused)}")
        for issue_id in report.escalated:
            case = self.by_id[issue_id]
            case.track, case.signed_off = Track.SUPERVISED, False
            case.supervising = self.units[str(case.unit)].parent

    def _later(self, moment: DateTime, hours: int) -> DateTime:
        """``hours`` working hours after ``moment``, give or take a few minutes."""
        start = moment.add(minutes=self.rng.randint(1, 50))
        return self.hours.deadline(start, TimeLimit.working_hours(max(1, hours)))

    def _elapsed(self, moment: DateTime, low: int, high: int) -> DateTime:
        """Between ``low`` and ``high`` minutes of plain time after ``moment``."""
        return moment.add(minutes=self.rng.randint(low, high))

    # -- intake ---------------------------------------------------------------------------

    def _arrivals(self) -> None:
        """When the issues come in: mostly on working days and in office hours."""
        rng, calendar = self.rng, self.hours.calendar
        days = [START.add(days=n) for n in range(DAYS)]
        weights = [1.0 if calendar.is_workday(day.date()) else 0.3 for day in days]
        moments = []
        for day in rng.choices(days, weights, k=self.count):
            office = calendar.is_workday(day.date()) and rng.random() < 0.85
            moments.append(day.add(minutes=rng.randint(*(510, 1050) if office else (420, 1200))))
        serials: Counter[str] = Counter()
        for at in sorted(moments):
            date = at.strftime("%Y%m%d")
            serials[date] += 1
            case = self._new_case(at, f"RX{date}{serials[date]:04d}")
            self.cases.append(case)
            self.by_id[case.issue.id] = case

    def _new_case(self, at: DateTime, issue_id: str) -> _Case:
        """What comes in at ``at``, where, through which channel, from whom."""
        rng = self.rng
        title, field, urgency, owner, group = rng.choice(_CATALOGUE)
        home, town, code, place = rng.choice(_VILLAGES)
        offered = list(_CHANNEL_WEIGHTS) if self.hours.is_working_moment(at) else _AFTER_HOURS
        channel = rng.choices(offered, [_CHANNEL_WEIGHTS[c] for c in offered])[0]
        right = owner or (home if rng.random() < 0.7 else town)
        wrong = None
        if rng.random() < 0.045:
            wrong = rng.choice([unit for unit in (*_DEPARTMENTS, town) if unit != right])
        groups = {group} if group is not None else set()
        if rng.random() < 0.05:
            groups.add(rng.choice((TargetGroup.LOW_INCOME, TargetGroup.PEOPLE_WITH_DISABILITIES)))
        anonymous = channel not in _LOCAL and rng.random() < 0.04
        issue = Issue(
            id=issue_id, title=title, channel=channel, urgency=urgency, received_at=at,
            description=f"群众通过{channel.label}反映{place}{title}，请核实处理。",
            category=field, target_groups=frozenset(groups),
            location=Location(division_code=code, address=f"{place}{rng.randint(1, 60)}号"),
            requester=None if anonymous else self._person(len(self.cases) + 1, town),
            received_by=home if channel in _LOCAL else _CENTRE,
        )  # fmt: skip
        return _Case(issue, len(self.cases), town, right, wrong, issue.track)

    def _person(self, number: int, town: str) -> Person:
        rng = self.rng
        if town == "t5" and rng.random() < 0.5:  # a sumu: many Mongolian names
            name = rng.choice(_MONGOLIAN)
        else:
            name = rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.randint(1, 2)))
        mobile = rng.choice(_MOBILE) + f"{rng.randrange(10**8):08d}"
        return Person(id=f"p{number:06d}", name=name, mobile=mobile)

    def _receive(self, case: _Case, at: DateTime) -> None:
        """Put the issue on the ledger; then it is dismissed, signed for or transferred."""
        issue, rng = case.issue, self.rng
        local = issue.received_by != _CENTRE
        clerk = _staff(Role.INTAKE_CLERK, issue.received_by, "clerk") if local else _CLERKS[0]
        self.ledger.receive(issue, actor=clerk)
        chance, own = rng.random(), issue.received_by == case.right_unit
        if chance < 0.03:
            self._push(self._later(at, rng.randint(1, 3)), "dismiss", case)
        elif case.track is Track.IMMEDIATE and own and chance < 0.6:
            self._push(self._elapsed(at, 5, 90), "sign", case)  # 即办 by the village itself
        else:
            self._push(self._later(at, rng.randint(1, 3)), "transfer", case)

    def _dismiss(self, case: _Case, at: DateTime) -> None:
        """不予受理 at intake (a duplicate, or no real request), or the requester withdraws."""
        if case.stage == "transferred" and case.issue.requester is not None:
            requester = Actor(id=case.issue.requester.id, role=Role.REQUESTER)
            reason, note = DismissalReason.WITHDRAWN, "问题已自行解决，申请撤回"
            self._step(case, "dismiss", requester, at, note, reason=reason)
        else:
            earlier = self.cases[max(0, case.index - 300) : case.index]
            same = [c.issue.id for c in earlier if c.issue.title == case.issue.title]
            same = same if self.rng.random() < 0.6 else []
            args: dict[str, Any] = {"reason": DismissalReason.INVALID}
            if same:
                args = {"reason": DismissalReason.DUPLICATE, "original": same[-1]}
            note = "与已受理诉求重复" if same else "来电无实质诉求内容"
            self._step(case, "dismiss", self.rng.choice(_DISPATCHERS), at, note, **args)
        case.stage = "dismissed"

    # -- transfer and handling ------------------------------------------------------------

    def _transfer(self, case: _Case, at: DateTime) -> None:
        """转办, with what the track needs; the deadline comes from the policy."""
        rng = self.rng
        unit = case.wrong_unit or case.right_unit
        args: dict[str, Any] = {"unit": unit, "requirements": "请按时限办结并及时反馈诉求人"}
        if case.track is Track.JOINT:  # the township where it happens, often a department too
            others = [d for d in _DEPARTMENTS if d != unit]
            chosen = [case.town] if case.town != unit else []
            chosen += rng.sample(others, 1 if not chosen or rng.random() < 0.4 else 0)
            args["co_units"] = case.co_units = tuple(chosen)
        elif case.track is Track.SUPERVISED:  # one level up
            case.supervising = self.units[unit].parent
            args |= {"supervising_unit": case.supervising, "supervisor": f"sup-{case.supervising}"}
        elif case.track is Track.TRACKED and not case.todo:
            case.todo = ["现场勘查", "制定方案", "组织实施", "验收销号"][: rng.randint(2, 4)]
            args["milestones"] = tuple(self._milestones(at, case.todo))
        self._step(case, "transfer", rng.choice(_DISPATCHERS), at, **args)
        case.unit, case.stage = unit, "transferred"
        if case.wrong_unit is not None:
            self._push(self._later(at, rng.randint(1, 4)), "send_back", case)
        elif case.issue.requester is not None and rng.random() < 0.007:
            self._push(self._elapsed(at, 60, 1800), "dismiss", case)
        else:
            quick = case.track is Track.IMMEDIATE
            self._push(self._later(at, 1 if quick else rng.randint(1, 4)), "sign", case)

    def _milestones(self, at: DateTime, names: list[str]) -> list[Milestone]:
        """Milestones of a 盯办 item, due in turn over its thirty working days."""
        days = [TimeLimit.working_days(30 * k // len(names)) for k in range(1, len(names) + 1)]
        return [
            Milestone(
                name=name, weight=3 if name == "组织实施" else 1, due=self.policy.after(at, limit)
            )
            for name, limit in zip(names, days, strict=True)
        ]

    def _send_back(self, case: _Case, at: DateTime) -> None:
        note = "不属于本单位职责范围，申请退回重新派单"
        self._step(case, "send_back", _staff(Role.HANDLER, case.unit), at, note)
        case.unit, case.wrong_unit, case.stage = None, None, "returned"
        self._push(self._later(at, self.rng.randint(1, 3)), "transfer", case)

    def _sign(self, case: _Case, at: DateTime) -> None:
        if case.stage == "received":  # signed for by the unit that took it in
            case.unit = case.issue.received_by
        self._step(case, "sign_for", _staff(Role.HANDLER, case.unit), at)
        case.stage = "working"
        self._plan(case, at, first=True)

    def _plan(self, case: _Case, start: DateTime, *, first: bool) -> None:
        """Schedule one round of handling: its parts, perhaps an extension or an urging,
        and the moment it is resolved, within the time limit or (sometimes) after it."""
        rng = self.rng
        if first and case.track is Track.IMMEDIATE:
            hours = rng.randint(20, 40) if rng.random() < 0.06 else rng.randint(1, 5)
        else:
            limit = _LIMIT_HOURS[case.track] if first else 35
            late = rng.random() < (0.13 if first else 0.1)
            if late:
                hours = int(limit * rng.uniform(1.05, 1.6)) + 2
            else:
                hours = rng.randint(max(2, limit // 10), limit * 17 // 20)
            if late and first and rng.random() < 0.4:
                self._push(self._later(start, hours // 3), "extend", case)
        parts = len(case.todo) + (len(case.co_units) if case.track is Track.JOINT else 0)
        for k in range(parts):
            self._push(self._later(start, hours * (k + 1) // (parts + 1)), "part", case)
        if case.track is Track.SUPERVISED and hours >= 8 and rng.random() < 0.3:
            self._push(self._later(start, hours // 2), "urge", case)
        self._push(self._later(start, hours), "resolve", case)

    def _part(self, case: _Case, at: DateTime, *, everything: bool = False) -> None:
        """A co-unit reports its part, or the unit completes a milestone; or all that is left."""
        while case.stage == "working":
            joint = case.track is Track.JOINT
            missing = [unit for unit in case.co_units if joint and unit not in case.parts]
            if missing:
                handler = _staff(Role.HANDLER, missing[0])
                self._step(case, "report_part", handler, at, "本单位承办部分已完成")
                case.parts.add(missing[0])
            elif case.todo:
                handler = _staff(Role.HANDLER, case.unit)
                self._step(case, "complete_milestone", handler, at, milestone=case.todo.pop(0))
            if not everything or not (missing[1:] or case.todo):
                return

    def _extend(self, case: _Case, at: DateTime) -> None:
        approver = _LEADER if case.track is Track.TRACKED else self.rng.choice(_DISPATCHERS)
        extension = TimeLimit.working_days(_LIMIT_HOURS[case.track] // 14 + 5)
        self._step(case, "extend", approver, at, "涉及多部门协调，申请延期", extension=extension)

    def _urge(self, case: _Case, at: DateTime) -> None:
        if case.stage in ("working", "resolved"):
            supervisor = _staff(Role.SUPERVISOR, case.supervising, "sup")
            self._step(case, "urge", supervisor, at, "请加快办理进度")

    def _resolve(self, case: _Case, at: DateTime) -> None:
        self._part(case, at, everything=True)
        if case.track is Track.SUPERVISED and not case.signed_off:
            supervisor = _staff(Role.SUPERVISOR, case.supervising, "sup")
            self._step(case, "sign_off", supervisor, at, "经督办核实，同意办结")
            case.signed_off = True
        self._step(case, "resolve", _staff(Role.HANDLER, case.unit), at)
        case.stage = "resolved"
        self._push(self._later(at, self.rng.randint(1, 3)), "answer", case)

    # -- answer, rating and after ---------------------------------------------------------

    def _answer(self, case: _Case, at: DateTime) -> None:
        """反馈 to the requester; then a rating, a call-back, or closure unrated."""
        rng, person = self.rng, case.issue.requester
        actor = rng.choice(_DISPATCHERS) if rng.random() < 0.15 else _staff(Role.HANDLER, case.unit)
        if person is None:
            method = rng.choice((FeedbackMethod.PUBLIC_NOTICE, FeedbackMethod.ONLINE))
        else:
            method = rng.choices(list(FeedbackMethod)[:5], (55, 20, 15, 7, 3))[0]
        content, unit = rng.choice(_ANSWERS), actor.unit
        feedback = Feedback(at=at, content=content, method=method, unit=unit, responder=actor.id)
        self._step(case, "answer", actor, at, feedback=feedback)
        case.stage, chance = "answered", rng.random()
        if person is None:  # nobody to rate it: a reviewer checks and closes it
            self._push(self._later(at, rng.randint(7, 28)), "close", case)
        elif chance < (0.85 if case.round == 1 else 0.93):
            self._push(self._later(at, rng.randint(1, 10)), "rate", case)
        elif chance < 0.95:  # a reviewer calls back and records the rating
            self._push(self._later(at, rng.randint(2, 14)), "call_back", case)
        else:  # never rated: closed once the evaluation window has passed
            self._push(self._later(at.add(days=7), rng.randint(1, 7)), "close", case)

    def _rate(self, case: _Case, at: DateTime, rater: Actor | None = None) -> None:
        """好差评: a good rating closes the issue, a bad one reopens it (and may be appealed)."""
        rng, person = self.rng, case.issue.requester
        assert person is not None, "only a known requester's issue is rated"
        rating = rng.choices(list(Rating), _ROUND_WEIGHTS[min(case.round, 3) - 1])[0]
        resolved = rating.counts_as_satisfied(basically_satisfied=rng.random() < 0.7)
        evaluation = Evaluation(
            issue_id=case.issue.id, rating=rating, resolved=resolved, at=at, rater=person.id,
            round=case.round,
        )  # fmt: skip
        actor = rater or Actor(id=person.id, role=Role.REQUESTER)
        self._step(case, "rate", actor, at, evaluation=evaluation)
        if not rating.is_bad:
            self._closed(case, at)
            return
        if not case.appealed and rng.random() < 0.3:
            case.appealed = case.round
            self._push(self._later(at, rng.randint(2, 16)), "appeal", case)
        self._reopen(case, at)

    def _reopen(self, case: _Case, at: DateTime) -> None:
        """整改: a bad rating or an unresolved visit starts the next round of handling."""
        case.round, case.signed_off, case.stage = case.round + 1, False, "working"
        case.parts.clear()
        self._plan(case, at, first=False)

    def _closed(self, case: _Case, at: DateTime) -> None:
        case.stage = "closed"
        if not case.visited and self.rng.random() < 0.1:
            self._push(self._later(at, self.rng.randint(4, 14)), "plan_visit", case)

    def _close(self, case: _Case, at: DateTime) -> None:
        if case.issue.requester is None:
            self._step(case, "close", _REVIEWERS[0], at, "经现场核实问题已解决，核实办结")
        else:
            self._step(case, "close", _DISPATCHERS[0], at, "评价期满未评价，按期办结")
        self._closed(case, at)

    def _call_back(self, case: _Case, at: DateTime) -> None:
        reviewer = self.rng.choice(_REVIEWERS)
        self._step(case, "revisit", reviewer, at, outcome=VisitOutcome.RESOLVED)
        case.visited = True
        self._rate(case, at, reviewer)

    def _plan_visit(self, case: _Case, at: DateTime) -> None:
        """回访: planned a few working days ahead, usually made a little before it is due."""
        visit = self._later(at, self.rng.randint(7, 28))
        due = visit.add(hours=self.rng.randint(1, 48))
        self._step(case, "schedule_visit", self.rng.choice(_DISPATCHERS), at, due=due)
        case.visited = True
        self._push(visit, "revisit", case)

    def _revisit(self, case: _Case, at: DateTime) -> None:
        outcome = self.rng.choices(list(VisitOutcome), (85, 5, 10))[0]
        self._step(case, "revisit", self.rng.choice(_CLERKS), at, outcome=outcome)
        if outcome is VisitOutcome.UNRESOLVED:
            self._reopen(case, at)

    def _appeal(self, case: _Case, at: DateTime) -> None:
        grounds = self.rng.choice(list(AppealGrounds))
        handler, note = _staff(Role.HANDLER, case.unit), _APPEALS[grounds]
        self._step(case, "appeal", handler, at, note, grounds=grounds, round=case.appealed)
        self._push(self._later(at, self.rng.randint(7, 35)), "decide", case)

    def _decide(self, case: _Case, at: DateTime) -> None:
        reviewer = self.rng.choice(_REVIEWERS)
        if self.rng.random() < 0.4:
            self._step(case, "void_rating", reviewer, at, "经回访核实，申诉理由成立，评价作废")
        else:
            self._step(case, "reject_appeal", reviewer, at, "经核实，差评事由属实，申诉驳回")

    # -- pledges --------------------------------------------------------------------------

    def _simulate_pledges(self) -> None:
        """About one pledge per twenty issues: a key project with its parts, then
        leaders', members' and organisations' own items, some claiming an issue."""
        rng, commands = self.rng, self._key_project()
        ordinary = max(3, self.count // 20 - 5)
        withdrawn = rng.sample(range(ordinary), 1 if ordinary < 40 else 2)
        received = [case.issue.received_at for case in self.cases]
        for n in range(ordinary):
            kind, list_kind = rng.choices(list(_PLEDGE_KINDS), list(_PLEDGE_KINDS.values()))[0]
            actor, pledger = self._pledger(kind)
            claimed = START.add(days=rng.randint(0, 71), minutes=rng.randint(540, 1020))
            publish = self._elapsed(claimed, 1440, 4320)
            deadline = publish.add(days=rng.randint(20, 75)).at(17, 30)
            finish = publish + (deadline - publish) * rng.uniform(0.35, 1.25)
            issue, title = None, rng.choice(_PLEDGE_TITLES)
            known_by = bisect.bisect(received, claimed)
            recent = self.cases[max(0, known_by - 200) : known_by]
            known = [c.issue for c in recent if c.issue.track is not Track.IMMEDIATE]
            if known and rng.random() < 0.3:  # a leader or member takes on a citizen's issue
                issue, title = (chosen := rng.choice(known)).id, f"领办群众诉求：{chosen.title}"
            pledge = Pledge(
                id=f"PL-2026-{n + 1:04d}", title=title, pledger=pledger, pledger_kind=kind,
                list_kind=list_kind, claimed_at=claimed, unit=actor.unit, issue=issue,
                deadline=deadline, milestones=_pledge_milestones(rng.randint(2, 4)),
            )  # fmt: skip
            ending = "withdraw" if n in withdrawn else "fulfil"
            commands += self._keep(pledge, actor, publish, finish, ending=ending)
        _check(self.pledges.apply_many(commands))

    def _key_project(self) -> list[PledgeCommand]:
        """A county leader's 重点民生项目 with its charter, and four townships' parts."""
        key, on = "KP-2026-01", functools.partial(pendulum.datetime, 2026, tz=ZONE)
        charter = ProjectCharter(
            goal="完成城区12个老旧小区改造，加装电梯30部", measures=("摸底", "分片施工", "验收"),
            lead=_LEADER.id, task_force=("zhujian", "gongdian", "t1", "t2"),
            deadline=on(12, 31, 17, 30),
        )  # fmt: skip
        steps = (
            Milestone(name="立项"),
            Milestone(name="资金拨付"),
            Milestone(name="竣工", weight=2),
        )
        project = Pledge(
            id=key, title="城区老旧小区改造和加装电梯", pledger=_LEADER.id, unit="county",
            pledger_kind=PledgerKind.LEADER, list_kind=PledgeListKind.KEY_PROJECT,
            claimed_at=on(7, 2, 9, 30), milestones=steps,
        )  # fmt: skip
        commands = self._keep(project, _LEADER, on(7, 6, 10), on(8, 31, 16), charter=charter)
        for tid, weight, deadline, finish in (
            ("t1", 3, on(9, 15, 17, 30), on(8, 20, 15)),
            ("t2", 2, on(9, 15, 17, 30), on(9, 8, 11)),
            ("t3", 2, on(11, 30, 17, 30), on(11, 20, 16)),
            ("t6", 1, on(11, 30, 17, 30), on(12, 20, 16)),
        ):
            part = Pledge(
                id=f"{key}-{tid}", title=f"{_TOWNSHIPS[tid][0]}老旧小区改造", pledger=tid,
                unit=tid, pledger_kind=PledgerKind.LEADERSHIP_TEAM,
                list_kind=PledgeListKind.LIVELIHOOD_PLAN, claimed_at=on(7, 8, 9), parent=key,
                weight=weight, deadline=deadline, milestones=_pledge_milestones(3),
            )  # fmt: skip
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
        self, pledge: Pledge, actor: Actor, publish: DateTime, finish: DateTime, *,
        ending: str = "open", charter: ProjectCharter | None = None,
    ) -> list[PledgeCommand]:  # fmt: skip
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
            if at <= END
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


def _pledge_milestones(count: int) -> tuple[Milestone, ...]:
    """The first ``count`` stages of a pledged item; carrying it out weighs double."""
    names = ("走访摸底", "制定方案", "组织实施", "群众评议")[:count]
    return tuple(Milestone(name=name, weight=2 if name == "组织实施" else 1) for name in names)


def _check(refused: tuple[Refusal, ...]) -> None:
    """A refused step is a bug in the simulation: stop at the first one."""
    if refused:
        first = refused[0]
        raise RuntimeError(
            f"the simulation took {len(refused)} step(s) the workflow refused; "
            f"the first: {first.command!r}: {first.error}"
        )


def simulate_campaign(
    *, issues: int = 3000, seed: int = 2026, progress: Callable[[int, int], None] | None = None
) -> Campaign:
    """Simulate the quarter, with ``issues`` issues received, drawing every choice from
    ``seed``.

    ``progress(done, total)`` is called once per simulated day, and finally with
    ``done == total``.
    """
    if isinstance(issues, bool) or not isinstance(issues, int):
        raise InvalidTypeError(field="issues", value=issues, problem="must be a whole number")
    if issues < 1:
        raise InvalidValueError(field="issues", value=issues, problem="must be at least 1")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidTypeError(field="seed", value=seed, problem="must be a whole number")
    if progress is not None and not callable(progress):
        raise InvalidTypeError(field="progress", value=progress, problem="must be callable")
    run = _Simulation(issues, seed)
    run.run(progress)
    return Campaign(run.units, run.policy, run.ledger, run.pledges, START, END, seed)
