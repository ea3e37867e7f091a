"""The evaluation tests' cases: an issue answered and ready to be rated, the
IssueWorkflow bound to it and the clock it reads, and the ratings, appeals and
decisions they take. The people and units are the county of tests/cast.py.
"""

import dataclasses
from typing import Any

import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    AppealGrounds,
    Channel,
    Evaluation,
    Event,
    Feedback,
    FeedbackMethod,
    FixedClock,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Person,
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
    HANDLER,
    LEAD,
    REQUESTER,
    REVIEWER,
    SUPERVISING,
    SUPERVISOR,
    T0,
    ZHANG,
    handler,
)

S = IssueStatus
ISSUE_ID = "2026-0302-001"


@dataclasses.dataclass
class Case:
    """An issue, the workflow bound to it, and the clock the workflow reads."""

    issue: Issue
    workflow: IssueWorkflow
    clock: FixedClock

    def tick(self, **interval: int) -> DateTime:
        """Move the clock on (an hour unless told) and return the new moment."""
        return self.clock.advance(**(interval or {"hours": 1})).now()


def fresh_issue(
    track: Track = Track.IMMEDIATE, at: DateTime = T0, requester: Person | None = ZHANG
) -> Issue:
    return Issue(
        id=ISSUE_ID,
        title="小区周边共享单车不够用",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=at,
        received_by=CENTRE,
        track=track,
        requester=requester,
    )


def new_case(
    track: Track = Track.IMMEDIATE,
    *,
    policy: WorkflowPolicy | None = None,
    at: DateTime = T0,
    requester: Person | None = ZHANG,
) -> Case:
    issue = fresh_issue(track, at, requester)
    clock = FixedClock(at)
    options = {} if policy is None else {"policy": policy}
    return Case(issue, IssueWorkflow(issue, clock=clock, **options), clock)


def do_the_work(case: Case) -> None:
    """What the track asks before the item may be resolved, in the current round."""
    if case.issue.track is Track.JOINT:
        for unit in CO_UNITS:
            case.workflow.report_part(actor=handler(unit), at=case.tick())
    elif case.issue.track is Track.SUPERVISED:
        case.workflow.sign_off(actor=SUPERVISOR, at=case.tick())


def answer(case: Case) -> Event:
    at = case.tick()
    feedback = Feedback(at=at, content="已增投车辆", method=FeedbackMethod.PHONE, unit=LEAD)
    return case.workflow.answer(actor=HANDLER, at=at, feedback=feedback)


def handle_and_answer(case: Case) -> Event:
    """From 办理中: the track's work, resolve and answer."""
    do_the_work(case)
    case.workflow.resolve(actor=HANDLER, at=case.tick())
    return answer(case)


def answered(track: Track = Track.IMMEDIATE, **options: Any) -> Case:
    """A case transferred to LEAD, handled and answered in round 1."""
    case = new_case(track, **options)
    transfer: dict[str, Any] = {"unit": LEAD, "deadline": DUE}
    if track is Track.JOINT:
        transfer["co_units"] = CO_UNITS
    if track is Track.SUPERVISED:
        transfer |= {"supervising_unit": SUPERVISING, "supervisor": SUPERVISOR.id}
    case.workflow.transfer(actor=DISPATCHER, at=case.tick(), **transfer)
    case.workflow.sign_for(actor=HANDLER, at=case.tick())
    handle_and_answer(case)
    assert case.issue.status is S.ANSWERED
    return case


def evaluation(
    case: Case,
    rating: Rating,
    at: DateTime,
    actor: Actor = REQUESTER,
    **fields: Any,
) -> Evaluation:
    """A rating of the issue's current round; by default the requester's, or, for
    a rater, one of their own kind (a deputy), or, for a reviewer, the requester's
    rating the reviewer records."""
    if actor.role is Role.RATER:
        fields = {"rater_kind": RaterKind.DEPUTY, "rater": actor.id, **fields}
    elif actor.role is Role.REQUESTER:
        fields = {"rater": actor.id, **fields}
    return Evaluation(
        issue_id=case.issue.id,
        rating=rating,
        resolved=rating.counts_as_satisfied(),
        at=at,
        round=fields.pop("round", case.issue.round),
        **fields,
    )


def rate(
    case: Case, rating: Rating, actor: Actor = REQUESTER, *, note: str = "", **args: Any
) -> Event:
    at = case.tick()
    fields = args.pop("fields", {})
    given = evaluation(case, rating, at, actor, **fields)
    return case.workflow.rate(actor=actor, at=at, evaluation=given, note=note, **args)


def appeal(case: Case, actor: Actor = HANDLER, **args: Any) -> Event:
    args = {"grounds": AppealGrounds.MALICIOUS, **args}
    note = args.pop("note", "评价人与诉求无关，系恶意差评")
    return case.workflow.appeal(actor=actor, at=case.tick(), note=note, **args)


def decide(case: Case, event: str, actor: Actor = REVIEWER, note: str = "经核实") -> Event:
    return getattr(case.workflow, event)(actor=actor, at=case.tick(), note=note)


def refused(case: Case, error: type[Exception], call: Any) -> Any:
    """Run ``call``, which must raise exactly ``error`` and change nothing at all."""
    before = case.issue.as_record()
    with pytest.raises(error) as caught:
        call()
    assert type(caught.value) is error
    assert case.issue.as_record() == before
    assert case.workflow.current_state_value == before["status"]
    return caught.value


def rectification_due(at: DateTime, policy: WorkflowPolicy | None = None) -> DateTime:
    policy = policy or WorkflowPolicy()
    return policy.after(at, policy.rectification_limit)
