"""What the simulated county's 12345 platform adds to the closed loop: its routing
catalogue (派单目录), returning callers whose new matter repeats one closed lately
(重复诉求), confidential matters (保密件), the requester's answers on a follow-up
visit (回访) and requests to leave an issue out of the assessment (不纳入考核)."""

import random
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from banshishi._model.assessment import ExclusionGrounds
from banshishi._model.evaluation import VisitOutcome
from banshishi._model.issue import Issue
from banshishi._model.vocabulary import RequestType
from banshishi._workflow.routing import RoutingCatalogue, RoutingRule

from .campaign_data import _CATALOGUE, _TOWNSHIPS, _VILLAGES

REPEAT_DAYS = 30
"""A matter raised again by the same requester within this many days of the
earlier one's closure is a repeat request (重复诉求)."""

# The county's catalogue: a matter's field (its category) goes to the department
# that answers for it, anywhere in the county; matters of community life and of
# herding go to the township where they happen (the place prefix is the township's
# division code). Some fields hold matters of a village too (a leaking stairwell
# under 物业管理): the catalogue sends them to the department, which sends them
# back, so routing accuracy stays below 100%. Other matters (公共服务, 养老服务) are
# left to the dispatcher.
_BY_FIELD = (
    ("市政设施", "chengguan"),
    ("环境", "chengguan"),
    ("停车", "chengguan"),
    ("供水", "shuiwu"),
    ("供电", "gongdian"),
    ("供暖", "reli"),
    ("物业管理", "zhujian"),
    ("住房", "zhujian"),
    ("劳动保障", "renshe"),
    ("道路交通", "jiaotong"),
    ("医疗保障", "yibao"),
    ("教育", "jiaoyu"),
)
_BY_PLACE = ("社区治理", "农牧业")
ROUTING = RoutingCatalogue(
    [
        RoutingRule(category=field, unit=unit, id=f"PD{n:03d}")
        for n, (field, unit) in enumerate(_BY_FIELD, 1)
    ]
    + [
        RoutingRule(
            category=field,
            place=f"150125{t:03d}",
            unit=tid,
            id=f"PD{len(_BY_FIELD) + k * len(_TOWNSHIPS) + t:03d}",
        )
        for k, field in enumerate(_BY_PLACE)
        for t, tid in enumerate(_TOWNSHIPS, 1)
    ]
)


KINDS = {kind[0]: kind for kind in _CATALOGUE}
"""The lines of the county's catalogue of issues, by title."""
_PLACES = {village[2]: village for village in _VILLAGES}


class _Noted(Protocol):
    @property
    def issue(self) -> Issue: ...


_Case = TypeVar("_Case", bound=_Noted)


def returning_from(rng: random.Random, cases: Sequence[_Case]) -> _Case | None:
    """Now and then a requester calls again about a matter raised some days ago:
    the case of that matter, or ``None``."""
    if len(cases) < 200 or rng.random() >= 0.025:
        return None
    earlier = rng.choice(cases[-600:-100])
    return earlier if earlier.issue.requester is not None else None


def place_of(issue: Issue) -> tuple[str, str, str, str]:
    """The village (id, township id, division code, name) where ``issue`` happens."""
    code = issue.location.division_code if issue.location is not None else None
    if code is None:
        raise AssertionError(f"the simulated issue {issue.id} has no division code")
    return _PLACES[code]


def confidential_at_intake(rng: random.Random, request_type: RequestType) -> bool:
    """A report of wrongdoing (举报) is often taken in as confidential."""
    return request_type is RequestType.REPORT and rng.random() < 0.25


def marked_later(rng: random.Random, request_type: RequestType | None, confidential: bool) -> bool:
    """A few more are marked confidential by the dispatcher before transfer."""
    return request_type is RequestType.REPORT and not confidential and rng.random() < 0.1


def visit_answers(rng: random.Random, outcome: VisitOutcome) -> dict[str, Any]:
    """What the requester says on a visit that reached them: whether the unit
    contacted them (是否联系) and whether they are satisfied (是否满意)."""
    if outcome is VisitOutcome.UNREACHABLE:
        return {}
    contacted = rng.random() < (0.93 if outcome is VisitOutcome.RESOLVED else 0.6)
    satisfied = outcome is VisitOutcome.RESOLVED and rng.random() < (0.9 if contacted else 0.5)
    return {"contacted": contacted, "satisfied": satisfied}


_EXCLUSION_NOTES = {
    ExclusionGrounds.UNREASONABLE: "诉求超出合理范围，申请不纳入考核",
    ExclusionGrounds.OUTSIDE_JURISDICTION: "事项不属于本县管辖，申请不纳入考核",
    ExclusionGrounds.NO_POLICY_BASIS: "诉求无政策依据，申请不纳入考核",
    ExclusionGrounds.FORCE_MAJEURE: "受汛期强降雨影响无法按期办理，申请不纳入考核",
    ExclusionGrounds.REQUESTER_CAUSE: "诉求人拒绝配合现场核实，申请不纳入考核",
    ExclusionGrounds.HISTORICAL: "属历史遗留问题，需上级统筹解决，申请不纳入考核",
}


def exclusion_request(rng: random.Random) -> tuple[ExclusionGrounds, str]:
    """The grounds of a unit's request to leave an issue out of the assessment, and its note."""
    grounds = rng.choice(list(ExclusionGrounds))
    return grounds, _EXCLUSION_NOTES[grounds]


EXCLUSION_DECISIONS = {
    True: ("approve_exclusion", "经审核，理由成立，同意不纳入考核"),
    False: ("reject_exclusion", "经审核，理由不充分，不予认定"),
}
"""A reviewer's decision on a request for exclusion (approved or not): the step and its note."""
