"""The columns of a ledger file (台账), in one table.

Each :class:`LedgerColumn` says what a spreadsheet user sees (a Chinese header
such as 完成时限, or the English one, ``deadline``), the kind of its cells, what
it holds of an issue, and which model fields it answers for, so that an error
raised while an issue is rebuilt is reported in the column the user must fix.

A ledger row is an issue as it stands, without its history: the facts the
rates are counted from (status, deadline, closure, the answer given, the
rating that counts) and the descriptive fields. One answer and two ratings fit
in a row: the last answer given (for a closed issue, the last given by its
closure, which the closure rests on), the latest live rating and, when it is
another, the first live one (首次满意度). The first routed transfer takes a
group of columns too. The assessment's lists (follow-up visits, requests for
exclusion, dispatches down the chain of units) take a cell each, as JSON.
"""

from collections.abc import Callable
from typing import final

import attrs

from banshishi._model.assessment import Exclusion
from banshishi._model.dispatch import Dispatch
from banshishi._model.evaluation import Evaluation, Feedback, FeedbackMethod, RaterKind, Visit
from banshishi._model.issue import Issue
from banshishi._model.routed_transfer import RoutedTransfer
from banshishi._model.vocabulary import (
    Channel,
    IssueStatus,
    Rating,
    RequestType,
    TargetGroup,
    Track,
    Urgency,
)

from .ledger_cells import (
    Choice,
    Choices,
    Code,
    Kind,
    Language,
    Moment,
    Names,
    Number,
    Records,
    Text,
    Whole,
    YesNo,
)


@final
@attrs.frozen
class Sources:
    """What a row is written from: the issue, and the answer, ratings and routed
    transfer it shows."""

    issue: Issue
    answer: Feedback | None
    rating: Evaluation | None
    first: Evaluation | None
    """The first live rating (of the earliest round), when it is not ``rating``."""
    routed: RoutedTransfer | None

    @classmethod
    def of(cls, issue: Issue) -> "Sources":
        given = issue.feedback
        closed_at = issue.closed_at
        if closed_at is not None:
            given = tuple(answer for answer in given if answer.at <= closed_at)
        # The last of the latest, when two answers share a moment.
        answer = max(reversed(given), key=lambda a: a.at) if given else None
        live = issue.live_evaluations_as_of(None)
        latest = issue.latest_evaluation_as_of(None)
        # The same order as latest_evaluation_as_of's: the first is another rating
        # exactly when it comes strictly before the latest.
        first = min(live, key=lambda e: (e.round, e.at)) if live else None
        return cls(issue, answer, latest, None if first is latest else first, issue.routing_as_of())


@final
@attrs.frozen(kw_only=True)
class LedgerColumn:
    """One column of a ledger file.

    ``key`` is also the English header. A ``required`` column must be in every
    file; any other may be left out, and then reads as blank. ``owns`` names
    the model fields (``Issue.deadline``, ``Person.mobile``; list positions
    dropped) whose errors belong to this column.
    """

    key: str
    zh: str
    kind: Kind
    pick: Callable[[Sources], object]
    required: bool = False
    owns: tuple[str, ...] = ()

    def header(self, language: Language) -> str:
        """The header text in ``language``."""
        return self.zh if language == "zh" else self.key


def _issue_field(key: str, zh: str, kind: Kind, *, required: bool = False) -> LedgerColumn:
    """A column holding the issue's field ``key`` as it is."""
    return LedgerColumn(
        key=key,
        zh=zh,
        kind=kind,
        pick=lambda s: getattr(s.issue, key),
        required=required,
        owns=(f"Issue.{key}",),
    )


_ID = Text(none_if_blank=True)

COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn(
        key="id",
        zh="编号",
        kind=Text(required=True),
        pick=lambda s: s.issue.id,
        required=True,
        owns=("Issue.id", "Evaluation.issue_id", "Issue.evaluations.issue_id"),
    ),
    _issue_field("title", "标题", Text(required=True), required=True),
    _issue_field("channel", "渠道", Choice(Channel, required=True), required=True),
    _issue_field("urgency", "急难愁盼", Choice(Urgency, required=True), required=True),
    _issue_field("track", "办理方式", Choice(Track)),
    _issue_field("request_type", "诉求类型", Choice(RequestType)),
    _issue_field("confidential", "保密", YesNo()),
    _issue_field("repeat_of", "旧工单编号", _ID),
    _issue_field("duplicate_of", "并入工单编号", _ID),
    _issue_field("category", "问题领域", Text()),
    _issue_field("description", "诉求内容", Text()),
    _issue_field("target_groups", "重点群体", Choices(TargetGroup)),
    LedgerColumn(
        key="division_code",
        zh="区划代码",
        kind=Code(),
        pick=lambda s: s.issue.location and s.issue.location.division_code,
        owns=("Location.division_code", "Issue.location"),
    ),
    LedgerColumn(
        key="address",
        zh="问题地址",
        kind=Text(),
        pick=lambda s: s.issue.location and s.issue.location.address,
        owns=("Location.address",),
    ),
    LedgerColumn(
        key="latitude",
        zh="纬度",
        kind=Number(),
        pick=lambda s: s.issue.location and s.issue.location.latitude,
        owns=("Location.latitude",),
    ),
    LedgerColumn(
        key="longitude",
        zh="经度",
        kind=Number(),
        pick=lambda s: s.issue.location and s.issue.location.longitude,
        owns=("Location.longitude",),
    ),
    LedgerColumn(
        key="requester_id",
        zh="诉求人编号",
        kind=_ID,
        pick=lambda s: s.issue.requester and s.issue.requester.id,
        owns=("Person.id", "Issue.requester"),
    ),
    LedgerColumn(
        key="requester",
        zh="诉求人",
        kind=_ID,
        pick=lambda s: s.issue.requester and s.issue.requester.name,
        owns=("Person.name",),
    ),
    LedgerColumn(
        key="mobile",
        zh="联系电话",
        kind=Code(),
        pick=lambda s: s.issue.requester and s.issue.requester.mobile,
        owns=("Person.mobile",),
    ),
    _issue_field("received_by", "受理单位", _ID),
    _issue_field("received_at", "受理时间", Moment(required=True), required=True),
    _issue_field("responsible_unit", "责任单位", _ID),
    _issue_field("responsible_person", "责任人", _ID),
    _issue_field("requirements", "工作要求", Text()),
    _issue_field("deadline", "完成时限", Moment()),
    LedgerColumn(
        key="deadline_provisional",
        zh="时限暂定",
        kind=YesNo(),
        # Read as a note only: a row has no history, so an imported deadline is as given.
        pick=lambda s: None if s.issue.deadline is None else s.issue.deadline_provisional_as_of(),
    ),
    _issue_field("co_units", "协办单位", Names()),
    _issue_field("supervising_unit", "督办单位", _ID),
    _issue_field("supervisor", "督办人", _ID),
    _issue_field("round", "办理轮次", Whole()),
    _issue_field("status", "状态", Choice(IssueStatus, required=True), required=True),
    _issue_field("closed_at", "办结时间", Moment()),
    LedgerColumn(
        key="feedback_at",
        zh="反馈时间",
        kind=Moment(),
        pick=lambda s: s.answer and s.answer.at,
        owns=("Feedback.at", "Issue.feedback"),
    ),
    LedgerColumn(
        key="feedback_method",
        zh="反馈方式",
        kind=Choice(FeedbackMethod),
        pick=lambda s: s.answer and s.answer.method,
        owns=("Feedback.method",),
    ),
    LedgerColumn(
        key="feedback",
        zh="反馈内容",
        kind=_ID,
        pick=lambda s: s.answer and s.answer.content,
        owns=("Feedback.content",),
    ),
    LedgerColumn(
        key="rating",
        zh="满意度",
        kind=Choice(Rating),
        pick=lambda s: s.rating and s.rating.rating,
        owns=("Evaluation.rating", "Issue.evaluations"),
    ),
    LedgerColumn(
        key="resolved",
        zh="是否解决",
        kind=YesNo(),
        pick=lambda s: None if s.rating is None else s.rating.resolved,
        owns=("Evaluation.resolved",),
    ),
    LedgerColumn(
        key="rated_at",
        zh="评价时间",
        kind=Moment(),
        pick=lambda s: s.rating and s.rating.at,
        owns=("Evaluation.at", "Issue.evaluations.at"),
    ),
    LedgerColumn(
        key="rater_kind",
        zh="评价人类型",
        kind=Choice(RaterKind),
        pick=lambda s: s.rating and s.rating.rater_kind,
        owns=("Evaluation.rater_kind",),
    ),
    LedgerColumn(
        key="rater",
        zh="评价人",
        kind=_ID,
        pick=lambda s: s.rating and s.rating.rater,
        owns=("Evaluation.rater",),
    ),
    LedgerColumn(
        key="rating_round",
        zh="评价轮次",
        kind=Whole(),
        pick=lambda s: s.rating and s.rating.round,
        owns=("Evaluation.round", "Issue.evaluations.round"),
    ),
    LedgerColumn(
        key="rating_comment",
        zh="评价意见",
        kind=Text(),
        pick=lambda s: s.rating and s.rating.comment,
        owns=("Evaluation.comment",),
    ),
    LedgerColumn(
        key="first_rating",
        zh="首次满意度",
        kind=Choice(Rating),
        pick=lambda s: s.first and s.first.rating,
        owns=("first.Evaluation.rating",),
    ),
    LedgerColumn(
        key="first_resolved",
        zh="首次是否解决",
        kind=YesNo(),
        pick=lambda s: None if s.first is None else s.first.resolved,
        owns=("first.Evaluation.resolved",),
    ),
    LedgerColumn(
        key="first_rated_at",
        zh="首次评价时间",
        kind=Moment(),
        pick=lambda s: s.first and s.first.at,
        owns=("first.Evaluation.at",),
    ),
    LedgerColumn(
        key="first_rating_round",
        zh="首次评价轮次",
        kind=Whole(),
        pick=lambda s: s.first and s.first.round,
        owns=("first.Evaluation.round",),
    ),
    _issue_field("visits", "回访记录", Records(Visit, "visit")),
    _issue_field("exclusions", "不纳入考核申请", Records(Exclusion, "request for exclusion")),
    LedgerColumn(
        key="routing_rule",
        zh="派单规则",
        kind=Text(none_if_blank=True),
        pick=lambda s: s.routed and s.routed.rule,
        owns=("RoutedTransfer.rule", "Issue.routed"),
    ),
    LedgerColumn(
        key="routed_unit",
        zh="派单单位",
        kind=_ID,
        pick=lambda s: s.routed and s.routed.unit,
        owns=("RoutedTransfer.unit",),
    ),
    LedgerColumn(
        key="routed_at",
        zh="派单时间",
        kind=Moment(),
        pick=lambda s: s.routed and s.routed.at,
        owns=("RoutedTransfer.at", "Issue.routed.at"),
    ),
    LedgerColumn(
        key="routed_sent_back",
        zh="派单被退回",
        kind=YesNo(),
        pick=lambda s: None if s.routed is None else s.routed.sent_back,
        owns=("RoutedTransfer.sent_back",),
    ),
    _issue_field("dispatches", "下派记录", Records(Dispatch, "dispatch")),
)
"""Every column, in the order they are written."""

BY_KEY = {column.key: column for column in COLUMNS}
"""The columns by key (their English header)."""

GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "requester": (("requester_id", "requester", "mobile"), ("requester_id", "requester")),
    "location": (("division_code", "address", "latitude", "longitude"), ("division_code",)),
    "answer": (
        ("feedback_at", "feedback_method", "feedback"),
        ("feedback_at", "feedback_method", "feedback"),
    ),
    "rating": (
        ("rating", "resolved", "rated_at", "rater_kind", "rater", "rating_round", "rating_comment"),
        ("rating", "resolved", "rated_at"),
    ),
    "first_rating": (
        ("first_rating", "first_resolved", "first_rated_at", "first_rating_round"),
        ("first_rating", "first_resolved", "first_rated_at"),
    ),
    "routing": (
        ("routing_rule", "routed_unit", "routed_at", "routed_sent_back"),
        ("routing_rule", "routed_unit", "routed_at"),
    ),
}
"""Columns that together make one record of the issue: (all of them, those a
filled-in record needs). A group left wholly blank is no record at all."""
