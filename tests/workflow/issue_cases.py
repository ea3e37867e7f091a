"""The workflow machine's cases: an issue, the IssueWorkflow bound to it and the
clock it reads, driven the ordinary way to any status with the arguments a
well-behaved caller gives. The people and units are the county of tests/cast.py.
"""

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    Channel,
    DismissalReason,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    FixedClock,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Milestone,
    RaterKind,
    Rating,
    Role,
    Track,
    Urgency,
    WorkflowPolicy,
)
from cast import (
    CENTRE,
    CO_UNITS,
    DISPATCHER,
    DUE,
    LEAD,
    REQUESTER,
    SUPERVISING,
    SUPERVISOR,
    T0,
    ZHANG,
    handler,
)

S = IssueStatus


TITLES = {
    Track.IMMEDIATE: "小区周边共享单车不够用，早高峰借不到车",
    Track.JOINT: "牧民买牛缺资金，贷款难",
    Track.SUPERVISED: "60周岁以上非本地户籍老人办不了老年乘车卡",
    Track.TRACKED: "货车司机缺少休息站和停车场",
}
URGENCY = {
    Track.IMMEDIATE: Urgency.URGENT,
    Track.JOINT: Urgency.DIFFICULT,
    Track.SUPERVISED: Urgency.WORRYING,
    Track.TRACKED: Urgency.LONGED_FOR,
}


@dataclasses.dataclass
class Case:
    """An issue, the workflow bound to it, and the clock the workflow reads."""

    issue: Issue
    workflow: IssueWorkflow
    clock: FixedClock

    def tick(self, **interval: int) -> DateTime:
        """Move the clock on (an hour unless told) and return the new moment."""
        return self.clock.advance(**(interval or {"hours": 1})).now()


def new_case(track: Track = Track.IMMEDIATE, *, policy: WorkflowPolicy | None = None, **fields):
    issue = Issue(
        **{
            "id": "2026-0302-001",
            "title": TITLES[track],
            "channel": Channel.HOTLINE,
            "urgency": URGENCY[track],
            "received_at": T0,
            "received_by": CENTRE,
            "requester": ZHANG,
            **fields,
        }
    )
    clock = FixedClock(T0)
    options = {} if policy is None else {"policy": policy}
    return Case(issue, IssueWorkflow(issue, clock=clock, **options), clock)


def transfer_args(track: Track) -> dict[str, Any]:
    args: dict[str, Any] = {"unit": LEAD, "deadline": DUE}
    if track is Track.JOINT:
        args["co_units"] = CO_UNITS
    if track is Track.SUPERVISED:
        args |= {"supervising_unit": SUPERVISING, "supervisor": SUPERVISOR.id}
    return args


def transfer(case: Case, **overrides: Any) -> Event:
    args = {**transfer_args(case.issue.track), **overrides}
    return case.workflow.transfer(actor=DISPATCHER, at=case.tick(), **args)


def do_the_work(case: Case) -> None:
    """What the item's track asks before it may be resolved."""
    workflow, track = case.workflow, case.issue.track
    if track is Track.JOINT:
        for unit in case.issue.co_units:
            workflow.report_part(actor=handler(unit), at=case.tick())
    elif track is Track.SUPERVISED:
        workflow.sign_off(actor=SUPERVISOR, at=case.tick())
    elif track is Track.TRACKED:
        workflow.add_milestones(
            actor=handler(), at=case.tick(), milestones=[Milestone(name="选址")]
        )
        workflow.complete_milestone(actor=handler(), at=case.tick(), milestone="选址")


def answer(case: Case, actor: Actor | None = None) -> Event:
    at = case.tick()
    feedback = Feedback(at=at, content="已办理并电话回访", method=FeedbackMethod.PHONE, unit=LEAD)
    return case.workflow.answer(actor=actor or handler(), at=at, feedback=feedback)


def evaluation(case: Case, rating: Rating, at: DateTime, **fields: Any) -> Evaluation:
    fields = {"rater": ZHANG.id, "round": case.issue.round, **fields}
    resolved = rating.counts_as_satisfied()
    return Evaluation(issue_id=case.issue.id, rating=rating, resolved=resolved, at=at, **fields)


def rate(case: Case, rating: Rating = Rating.SATISFIED, actor: Actor = REQUESTER) -> Event:
    at = case.tick()
    if actor.role is Role.REQUESTER:
        given = evaluation(case, rating, at, rater=actor.id)
    elif actor.role is Role.RATER:
        given = evaluation(case, rating, at, rater=actor.id, rater_kind=RaterKind.DEPUTY)
    else:  # a reviewer records the requester's rating, the only kind allowed by default
        given = evaluation(case, rating, at, rater=None)
    return case.workflow.rate(actor=actor, at=at, evaluation=given)


def reach(status: IssueStatus, track: Track = Track.IMMEDIATE, **options: Any) -> Case:
    """A case on ``track`` driven the ordinary way to ``status``."""
    case = new_case(track, **options)
    workflow = case.workflow
    if status is S.DISMISSED:
        workflow.dismiss(
            actor=DISPATCHER,
            at=case.tick(),
            reason=DismissalReason.INVALID,
            note="测试来电，无内容",
        )
    elif status is not S.RECEIVED:
        transfer(case)
        if status is S.RETURNED:
            workflow.send_back(actor=handler(), at=case.tick(), note="不属于本单位职责")
        elif status is not S.TRANSFERRED:
            workflow.sign_for(actor=handler(), at=case.tick())
            if status is not S.IN_PROGRESS:
                do_the_work(case)
                workflow.resolve(actor=handler(), at=case.tick())
                if status is not S.RESOLVED:
                    answer(case)
                    if status is S.CLOSED:
                        rate(case, Rating.SATISFIED)
    assert case.issue.status is status, "the set-up itself went wrong"
    return case


def rated_badly(track: Track = Track.IMMEDIATE, **options: Any) -> Case:
    """An answered item the requester rated 不满意 (dissatisfied), which sent it
    back to 办理中 for rectification in round 2."""
    case = reach(S.ANSWERED, track, **options)
    rate(case, Rating.DISSATISFIED)
    return case


def tracked_with_milestones() -> Case:
    case = reach(S.IN_PROGRESS, Track.TRACKED)
    case.workflow.add_milestones(
        actor=handler(), at=case.tick(), milestones=[Milestone(name="选址"), Milestone(name="建成")]
    )
    return case


def refused(case: Case, error: type[Exception], call: Callable[[], object]) -> Exception:
    """Run ``call``, which must raise exactly ``error`` and change nothing at all."""
    before = case.issue.as_record()
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    assert case.issue.as_record() == before
    assert case.workflow.current_state_value == before["status"]
    return caught.value


def names(case: Case) -> list[str]:
    return [event.name for event in case.issue.history]


def order_redo(case: Case, actor: Actor) -> Event:
    return case.workflow.redo(actor=actor, at=case.tick(), deadline=DUE.add(days=5), note="整改")


def rate_round_one_again(case: Case) -> Event:
    at = case.tick()
    return case.workflow.rate(
        actor=REQUESTER, at=at, evaluation=evaluation(case, Rating.SATISFIED, at, round=1)
    )
