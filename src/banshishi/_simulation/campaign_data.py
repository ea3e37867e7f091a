"""The simulated county: its units, staff, the issues people raise there, names,
and the campaign's dates and time limits."""

import functools

import pendulum

from banshishi._calendar.time_limit import TimeLimit
from banshishi._model.evaluation import AppealGrounds
from banshishi._model.milestone import Milestone
from banshishi._model.people import Actor, Role
from banshishi._model.pledge import PledgeListKind, PledgerKind
from banshishi._model.units import Level, Unit, UnitTree
from banshishi._model.vocabulary import Channel, RequestType, TargetGroup, Track, Urgency
from banshishi._workflow.sweep import SweepRules

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
    "zhujian": "县住房和城乡建设局",
    "jiaotong": "县交通运输局",
    "gongdian": "县供电公司",
    "shuiwu": "县水务局",
    "renshe": "县人力资源和社会保障局",
    "minzheng": "县民政局",
    "jiaoyu": "县教育局",
    "yibao": "县医疗保障局",
    "chengguan": "县城市管理综合执法局",
    "reli": "县热力公司",
}
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


def _kind(line: str) -> tuple[str, str, Urgency, RequestType, str, TargetGroup | None]:
    """One line of the catalogue below, read."""
    title, field, label, kind, owner, *group = line.split()
    urgency = next(urgency for urgency in Urgency if urgency.label == label)
    request_type = next(request for request in RequestType if request.label == kind)
    group_of = TargetGroup(group[0]) if group else None
    return title, field, urgency, request_type, owner.strip("-"), group_of


# One kind of issue a line: title, field, 急/难/愁/盼, the request type (诉求类型), the
# department that owns it ("-": the village or township where it happens) and the target
# group it concerns, if any. The county's policy keeps its limits by track, so the types
# change no deadline here.
_CATALOGUE = tuple(
    _kind(line)
    for line in """
小区路灯不亮，夜间出行不便 市政设施 急 求助 chengguan
楼道漏水，墙皮脱落 物业管理 急 求助 -
突发停水，居民生活受影响 供水 急 求助 shuiwu
频繁停电，电压不稳 供电 急 投诉 gongdian
下水道堵塞，污水外溢 市政设施 急 求助 chengguan
窨井盖缺失，存在安全隐患 市政设施 急 求助 chengguan
夜间施工噪音扰民 环境 急 举报 chengguan
电梯故障，老人出行困难 物业管理 急 求助 zhujian elderly
独居老人家中漏雨需要帮助 养老服务 急 求助 - elderly
流浪犬聚集，存在伤人隐患 社区治理 急 投诉 -
拖欠农民工工资 劳动保障 难 举报 renshe flexible_workers
外卖骑手工伤认定难 劳动保障 难 咨询 renshe flexible_workers
道路破损，坑洼不平 道路交通 难 投诉 jiaotong
农村饮用水水质浑浊 供水 难 投诉 shuiwu
物业与业主纠纷长期未解决 物业管理 难 投诉 zhujian
牧民扩大养殖缺少资金 农牧业 难 求助 -
小区停车难，车辆乱停乱放 停车 愁 投诉 chengguan
供暖管网试压漏水，担心冬季供暖 供暖 愁 求助 reli
老旧小区没有电梯，老人上下楼难 住房 愁 建议 zhujian elderly
异地就医医保报销慢 医疗保障 愁 咨询 yibao
孩子入学学位紧张 教育 愁 咨询 jiaoyu children
餐馆油烟扰民长期未解决 环境 愁 投诉 chengguan
盼望增开公交线路 道路交通 盼 建议 jiaotong
建议建设社区老年食堂 养老服务 盼 建议 minzheng elderly
希望增设口袋公园和健身器材 公共服务 盼 建议 -
村组道路硬化 道路交通 盼 建议 jiaotong
盼建快递小哥爱心驿站 公共服务 盼 建议 - flexible_workers
希望开设暑期托管班 教育 盼 建议 jiaoyu children
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
_APPEALS = dict(
    zip(
        AppealGrounds,
        ("诉求人反映的是另一处问题", "诉求超出政策范围，恶意差评", "差评内容不属于本单位承办范围"),
        strict=True,
    )
)
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
    "为独居老人安装烟感报警器",
    "协调增设小区停车位",
    "硬化村组道路2公里",
    "开设暑期托管班",
    "建设社区老年食堂",
    "设立快递小哥爱心驿站",
    "整治背街小巷环境卫生",
    "疏通村内排水沟渠",
    "维修村文化广场路灯",
    "为困难党员送医送药",
    "帮助牧民申请贴息贷款",
    "组织义诊进社区",
)

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


def _pledge_milestones(count: int) -> tuple[Milestone, ...]:
    """The first ``count`` stages of a pledged item; carrying it out weighs double."""
    names = ("走访摸底", "制定方案", "组织实施", "群众评议")[:count]
    return tuple(Milestone(name=name, weight=2 if name == "组织实施" else 1) for name in names)
