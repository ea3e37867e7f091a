"""Workflows bound to a system's own records: text in vocabulary fields.

An ORM row keeps the track (and a pledge's list kind) in a text column. The
workflow reads such text as its member before any check, like text in the
status field, so the track rules hold on a row exactly as on an Issue; text
that names no member is refused at bind time, naming the field.
"""

from typing import Any

import pendulum
import pytest

from banshishi import (
    Actor,
    FixedClock,
    InvalidTypeError,
    IssueStatus,
    IssueWorkflow,
    PledgeListKind,
    PledgeWorkflow,
    PreconditionError,
    Role,
    Track,
    UnknownValueError,
)
from banshishi._workflow.pledge_workflow import PLEDGE_MODEL_FIELDS

T0 = pendulum.datetime(2026, 6, 1, 9, tz="Asia/Shanghai")
DISPATCHER = Actor(id="d", role=Role.DISPATCHER, unit="centre")
LEAD = Actor(id="h", role=Role.HANDLER, unit="lead")
CO = Actor(id="c", role=Role.HANDLER, unit="co")
SUPERVISOR = Actor(id="s", role=Role.SUPERVISOR, unit="up")


class Row:
    """What an ORM maps a row to: plain attributes, vocabulary in text columns."""

    def __init__(self, **columns: Any) -> None:
        self.__dict__.update(columns)


def issue_row(track: object, **more: Any) -> Row:
    columns: dict[str, Any] = dict.fromkeys(IssueWorkflow.model_fields) | {
        "id": "row-1", "received_at": T0, "received_by": "centre", "status": "received",
        "track": track, "co_units": [], "parts_reported": [], "milestones": [], "round": 1,
        "feedback": [], "evaluations": [], "rectifications": [], "appeals": [], "visits": [],
        "history": [],
    }  # fmt: skip
    return Row(**(columns | more))


def bound(row: Row) -> IssueWorkflow:
    return IssueWorkflow(row, clock=FixedClock(T0.add(hours=1)))


@pytest.mark.parametrize("text", ["supervised", "督办"])
def test_a_supervised_row_with_text_track_needs_its_sign_off(text: str) -> None:
    row = issue_row(text)
    workflow = bound(row)
    assert row.track is Track.SUPERVISED
    workflow.transfer(actor=DISPATCHER, unit="lead", supervising_unit="up", supervisor="s",
                      deadline=T0.add(days=5))  # fmt: skip
    workflow.sign_for(actor=LEAD)
    with pytest.raises(PreconditionError) as refused:
        workflow.resolve(actor=LEAD)
    assert refused.value.field == "resolve.signed_off_by"
    workflow.sign_off(actor=SUPERVISOR)
    workflow.resolve(actor=LEAD)
    assert row.status is IssueStatus.RESOLVED


def test_a_joint_row_with_text_track_needs_its_co_units_parts() -> None:
    row = issue_row("joint")
    workflow = bound(row)
    with pytest.raises(PreconditionError) as refused:
        workflow.transfer(actor=DISPATCHER, unit="lead", deadline=T0.add(days=5))
    assert refused.value.field == "transfer.co_units"
    workflow.transfer(actor=DISPATCHER, unit="lead", co_units=("co",), deadline=T0.add(days=5))
    workflow.sign_for(actor=LEAD)
    with pytest.raises(PreconditionError) as refused:
        workflow.resolve(actor=LEAD)
    assert refused.value.field == "resolve.parts_reported"
    workflow.report_part(actor=CO)
    workflow.resolve(actor=LEAD)
    assert row.status is IssueStatus.RESOLVED


def test_a_text_track_gets_the_policy_deadline_under_the_default_policy() -> None:
    row = issue_row("immediate")
    bound(row).transfer(actor=DISPATCHER, unit="lead")
    assert row.deadline == pendulum.datetime(2026, 6, 2, 17, 30, tz="Asia/Shanghai")
    assert row.track == "immediate"  # the column keeps its text's value


def test_a_track_changed_to_text_between_steps_is_read_again() -> None:
    row = issue_row(Track.IMMEDIATE)
    workflow = bound(row)
    row.track = "joint"  # the system wrote its own column
    with pytest.raises(PreconditionError) as refused:
        workflow.transfer(actor=DISPATCHER, unit="lead", deadline=T0.add(days=5))
    assert refused.value.field == "transfer.co_units"
    assert row.status == "received"


def test_text_that_names_no_track_is_refused_at_bind_time() -> None:
    with pytest.raises(UnknownValueError) as refused:
        bound(issue_row("jointly"))
    assert refused.value.field == "IssueWorkflow.model.track"
    with pytest.raises(InvalidTypeError) as wrong:
        bound(issue_row(3))
    assert wrong.value.field == "IssueWorkflow.model.track"


def test_a_pledge_row_with_text_list_kind_follows_the_key_project_rules() -> None:
    columns = dict.fromkeys(PLEDGE_MODEL_FIELDS) | {
        "id": "p-1", "pledger": "leader", "list_kind": "key_project", "claimed_at": T0,
        "milestones": [], "status": "draft", "history": [],
    }  # fmt: skip
    row = Row(**columns)
    workflow = PledgeWorkflow(row, clock=FixedClock(T0.add(hours=1)))
    assert row.list_kind is PledgeListKind.KEY_PROJECT
    leader = Actor(id="leader", role=Role.LEADER, unit="county")
    with pytest.raises(PreconditionError) as refused:
        workflow.publish(actor=leader, deadline=T0.add(days=30))
    assert refused.value.field == "publish.charter"
