"""One issue on both engines (IssueWorkflow and Ledger), and steps that both must
take, or refuse, alike. The people and units are the county of tests/cast.py.
"""

import dataclasses
from typing import Any

import pytest
from pendulum import DateTime

from banshishi import (
    Actor,
    BanshishiError,
    Channel,
    Event,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    RequestType,
    Track,
    Urgency,
    WorkflowPolicy,
    replay,
)
from banshishi._workflow.policy import DEFAULT_POLICY
from cast import CENTRE, CLERK, DISPATCHER, LEAD, handler
from cast import ZHANG as REQUESTER
from working_time import sh

S = IssueStatus


ISSUE_ID = "2026-dl-001"


def intake(received_at: DateTime, track: Track, request_type: RequestType | None = None) -> Issue:
    return Issue(
        id=ISSUE_ID,
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=received_at,
        track=track,
        request_type=request_type,
        requester=REQUESTER,
        received_by=CENTRE,
    )


@dataclasses.dataclass
class Both:
    """One issue on both engines: the machine bound to an Issue, and a Ledger."""

    issue: Issue
    workflow: IssueWorkflow
    ledger: Ledger
    received_at: DateTime
    track: Track
    request_type: RequestType | None = None

    def fresh(self) -> Issue:
        return intake(self.received_at, self.track, self.request_type)


def both(
    received_at: DateTime,
    track: Track = Track.IMMEDIATE,
    policy: WorkflowPolicy = DEFAULT_POLICY,
    request_type: RequestType | None = None,
) -> Both:
    issue = intake(received_at, track, request_type)
    ledger = Ledger(policy=policy)
    ledger.receive(intake(received_at, track, request_type), actor=CLERK)
    workflow = IssueWorkflow(issue, policy=policy)
    return Both(issue, workflow, ledger, received_at, track, request_type)


def without_history(issue: Issue) -> dict[str, Any]:
    record = issue.as_record()
    del record["history"]
    return record


def step(case: Both, event: str, actor: Actor, at: DateTime, note: str = "", **args: Any) -> Event:
    """Take one step on both engines; both accept it and record the same event."""
    taken = getattr(case.workflow, event)(actor=actor, at=at, note=note, **args)
    status = case.ledger.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args)
    assert status is case.issue.status
    assert case.ledger.history(ISSUE_ID)[-1] == taken
    assert without_history(case.ledger.issue(ISSUE_ID)) == without_history(case.issue)
    return taken


def refused(
    case: Both,
    error: type[BanshishiError],
    event: str,
    actor: Actor,
    at: DateTime,
    note: str = "",
    **args: Any,
) -> BanshishiError:
    """The step is refused on both engines, alike, and changes nothing on either."""
    before = case.issue.as_record()
    kept = case.ledger.issue(ISSUE_ID)
    with pytest.raises(error) as on_machine:
        getattr(case.workflow, event)(actor=actor, at=at, note=note, **args)
    with pytest.raises(error) as on_ledger:
        case.ledger.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args)
    assert type(on_machine.value) is type(on_ledger.value) is error
    assert on_machine.value.field == on_ledger.value.field
    assert case.issue.as_record() == before
    assert case.workflow.current_state_value == before["status"]
    assert case.ledger.issue(ISSUE_ID) == kept
    assert len(case.ledger.history(ISSUE_ID)) == len(before["history"]) + 1  # + receive
    return on_machine.value


def assert_replays(case: Both, policy: WorkflowPolicy) -> None:
    """Both records rebuild the same issue under ``policy``."""
    assert replay(case.ledger.history(ISSUE_ID), policy=policy) == case.ledger.issue(ISSUE_ID)
    assert replay(case.issue.history, start=case.fresh(), policy=policy) == case.issue


def extendable(
    status: IssueStatus = S.IN_PROGRESS, policy: WorkflowPolicy = DEFAULT_POLICY
) -> Both:
    """An 即办 item received Wed 2026-09-23, transferred at 09:30 with the default
    limit (counts from Wed -> Thu 09-24 17:30), and signed for when asked."""
    case = both(sh(2026, 9, 23, 9), policy=policy)
    step(case, "transfer", DISPATCHER, sh(2026, 9, 23, 9, 30), unit=LEAD)
    assert case.issue.deadline == sh(2026, 9, 24, 17, 30)
    if status is S.IN_PROGRESS:
        step(case, "sign_for", handler(), sh(2026, 9, 23, 10))
    assert case.issue.status is status
    return case
