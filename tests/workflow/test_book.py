"""What a ledger offers a store: the Book interface (take_step, version, events,
summary, discard), the reading of a row's steps the sweep uses, and the pledge
tree over records that read like pledges.

The store caches records in a ledger and writes what each step recorded; these
tests pin what it relies on, through the public interface only: a record read
back through it is the record the ledger returns, whatever the record.
"""

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import strategies
from banshishi import (
    Actor,
    BanshishiError,
    Channel,
    Command,
    Event,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    IssueSummary,
    Ledger,
    NotFoundError,
    Pledge,
    PledgeLedger,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    PledgeSummary,
    PledgeTree,
    Role,
    TransitionRefusedError,
    Urgency,
)
from banshishi._workflow.engine import steps_of

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="disp", role=Role.DISPATCHER)
HANDLER = Actor(id="h-u1", role=Role.HANDLER, unit="u1")
PLATFORM = Actor(id="platform", role=Role.SYSTEM)
FEW = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])


def received(issue_id: str = "i-1") -> Issue:
    return Issue(
        id=issue_id,
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=T0,
        received_by="centre",
    )


def moved_ledger() -> Ledger:
    """One issue received, transferred with a deadline, urged and signed for."""
    ledger = Ledger()
    ledger.receive(received(), actor=CLERK)
    deadline = T0.add(days=10)
    ledger.apply(
        "i-1", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1", deadline=deadline
    )
    ledger.apply("i-1", "urge", actor=PLATFORM, at=T0.add(hours=2))
    ledger.apply("i-1", "sign_for", actor=HANDLER, at=T0.add(hours=3))
    return ledger


# -- a record read back through the interface is the record ---------------------------------


@FEW
@given(issue=strategies.issues())
def test_an_issue_read_back_is_the_issue_the_ledger_returns(issue: Issue) -> None:
    ledger = Ledger()
    ledger.add(issue)
    record = ledger.issue(issue.id)
    assert ledger.version(issue.id) == len(record.history) == len(issue.history)
    assert ledger.events(issue.id) == record.history == ledger.history(issue.id)
    for start in range(len(issue.history) + 2):
        assert ledger.events(issue.id, start) == record.history[start:]
    assert ledger.summary(issue.id) == IssueSummary.of(record, version=len(issue.history))


@FEW
@given(pledge=strategies.pledges())
def test_a_pledge_read_back_is_the_pledge_the_ledger_returns(pledge: Pledge) -> None:
    ledger = PledgeLedger()
    ledger.add(pledge)
    record = ledger.pledge(pledge.id)
    assert ledger.version(pledge.id) == len(record.history) == len(pledge.history)
    for start in range(len(pledge.history) + 2):
        assert ledger.events(pledge.id, start) == record.history[start:]
    assert ledger.summary(pledge.id) == PledgeSummary.of(record, version=len(pledge.history))


@FEW
@given(issue=strategies.issues(), start=st.integers(min_value=0, max_value=6))
def test_keeping_the_events_changes_nothing_that_is_read(issue: Issue, start: int) -> None:
    ledger = Ledger()
    ledger.add(issue)
    before = (ledger.issue(issue.id), ledger.summary(issue.id), ledger.version(issue.id))
    kept = ledger.events(issue.id, start, keep=True)
    assert kept == issue.history[start:]
    assert (ledger.issue(issue.id), ledger.summary(issue.id), ledger.version(issue.id)) == before


def test_events_kept_on_a_moved_issue_are_not_built_again() -> None:
    ledger = moved_ledger()
    before = (ledger.issue("i-1"), ledger.summary("i-1"))
    assert ledger.version("i-1") == 4
    built = ledger.events("i-1", 1)
    assert [event.name for event in built] == ["transfer", "urge", "sign_for"]
    assert ledger.events("i-1", 1) is not built  # not kept: built anew on each read
    assert ledger.events("i-1", 1)[0] is not built[0]
    kept = ledger.events("i-1", 1, keep=True)
    assert kept == built
    assert all(again is event for again, event in zip(ledger.events("i-1", 1), kept, strict=True))
    assert (ledger.issue("i-1"), ledger.summary("i-1")) == before
    assert ledger.version("i-1") == 4


def test_the_summary_of_a_received_issue_is_read_off_its_row() -> None:
    ledger = moved_ledger()
    line = ledger.summary("i-1")
    assert line == IssueSummary.of(ledger.issue("i-1"), version=4)
    assert (line.status, line.unit, line.version) == (IssueStatus.IN_PROGRESS, "u1", 4)


def test_the_summary_of_an_issue_added_without_history_is_at_version_0() -> None:
    ledger = Ledger()
    ledger.add(received())
    assert ledger.version("i-1") == 0
    assert ledger.events("i-1") == ()
    assert ledger.summary("i-1") == IssueSummary.of(received(), version=0)


@pytest.mark.parametrize("start", [-1, "1", 1.0, True])
def test_events_refuse_a_start_that_is_not_a_version(start: Any) -> None:
    ledger = moved_ledger()
    with pytest.raises((InvalidTypeError, InvalidValueError), match="start"):
        ledger.events("i-1", start)
    assert ledger.version("i-1") == 4


@pytest.mark.parametrize("read", ["version", "events", "summary"])
@pytest.mark.parametrize("record_id", ["nobody", 7, None])
def test_a_record_not_on_the_ledger_is_not_found(read: str, record_id: Any) -> None:
    for ledger in (moved_ledger(), PledgeLedger()):
        with pytest.raises(NotFoundError, match="is not on the ledger"):
            getattr(ledger, read)(record_id)


# -- taking a step with its arguments as one mapping --------------------------------------------


def test_take_step_is_apply_with_the_arguments_as_one_mapping() -> None:
    applied, taken = Ledger(), Ledger()
    for ledger in (applied, taken):
        ledger.receive(received(), actor=CLERK)
    args = {"unit": "u1", "deadline": T0.add(days=10)}
    status = applied.apply("i-1", "transfer", actor=DISPATCHER, at=T0.add(hours=1), **args)
    assert taken.take_step("i-1", "transfer", DISPATCHER, T0.add(hours=1), "", args) is status
    assert status is IssueStatus.TRANSFERRED
    assert taken.issue("i-1") == applied.issue("i-1")
    assert taken.history("i-1") == applied.history("i-1")


def test_take_step_without_a_moment_is_dated_by_the_clock() -> None:
    ledger = Ledger(clock=FixedClock(T0.add(hours=5)))
    ledger.receive(received(), actor=CLERK)
    ledger.take_step("i-1", "transfer", DISPATCHER, None, "", {"unit": "u1"})
    assert ledger.history("i-1")[-1].at == T0.add(hours=5)


def test_take_step_takes_the_arguments_a_command_holds() -> None:
    ledger = moved_ledger()
    command = Command(issue_id="i-1", event="resolve", actor=HANDLER, at=T0.add(hours=4))
    ledger.take_step(
        command.issue_id, command.event, command.actor, command.at, command.note, command.args
    )
    assert ledger.status("i-1") is IssueStatus.RESOLVED


@pytest.mark.parametrize("args", [None, [("unit", "u1")], "unit=u1"])
def test_take_step_refuses_arguments_that_are_not_a_mapping(args: Any) -> None:
    ledger = Ledger()
    ledger.receive(received(), actor=CLERK)
    with pytest.raises(InvalidTypeError, match="args"):
        ledger.take_step("i-1", "transfer", DISPATCHER, T0.add(hours=1), "", args)
    assert ledger.version("i-1") == 1
    assert ledger.status("i-1") is IssueStatus.RECEIVED


def test_a_refused_step_changes_nothing() -> None:
    ledger = moved_ledger()
    before = ledger.issue("i-1")
    with pytest.raises(TransitionRefusedError):
        ledger.take_step("i-1", "close", PLATFORM, T0.add(hours=4), "", {})
    assert ledger.issue("i-1") == before


# -- discarding a record ----------------------------------------------------------------------


def test_discard_takes_a_record_off_the_ledger_and_only_that() -> None:
    ledger = moved_ledger()
    ledger.receive(received("i-2"), actor=CLERK)
    ledger.discard("i-1")
    assert list(ledger) == ["i-2"]
    assert "i-1" not in ledger
    with pytest.raises(NotFoundError):
        ledger.status("i-1")
    ledger.receive(received("i-1"), actor=CLERK)  # the id is free again
    assert ledger.version("i-1") == 1


@pytest.mark.parametrize("record_id", ["nobody", 7, None, ["i-1"]])
def test_discarding_what_is_not_on_the_ledger_does_nothing(record_id: Any) -> None:
    ledger = moved_ledger()
    ledger.discard(record_id)
    assert list(ledger) == ["i-1"]
    assert ledger.version("i-1") == 4


# -- the steps of a row, for the sweep ----------------------------------------------------------


def test_the_steps_of_a_row_give_each_step_name_and_arguments() -> None:
    ledger = moved_ledger()
    [(_, row)] = ledger.rows_in(frozenset(IssueStatus))
    assert list(steps_of(row)) == [
        ("receive", {}),
        ("transfer", {"unit": "u1", "deadline": T0.add(days=10)}),
        ("urge", {}),
        ("sign_for", {}),
    ]
    kept = ledger.events("i-1", 2, keep=True)
    assert list(steps_of(row))[2:] == [(event, {}) for event in kept]


@FEW
@given(issue=strategies.issues())
def test_the_steps_of_an_added_issue_are_its_events(issue: Issue) -> None:
    ledger = Ledger()
    ledger.add(issue)
    rows = dict(ledger.rows_in(frozenset(IssueStatus)))
    assert list(steps_of(rows[issue.id])) == [(event, {}) for event in issue.history]


# -- the pledge tree over records that read like pledges --------------------------------------


def part(pledge_id: str, parent: str | None, **changes: Any) -> Pledge:
    pledge = Pledge(
        id=pledge_id,
        title=pledge_id,
        pledger="county",
        pledger_kind=PledgerKind.LEADERSHIP_TEAM,
        list_kind=PledgeListKind.KEY_PROJECT,
        claimed_at=T0,
        parent=parent,
        status=PledgeStatus.IN_PROGRESS,
    )
    return attrs.evolve(pledge, **changes)


@st.composite
def projects(draw: st.DrawFn) -> list[Pledge]:
    """Pledges with distinct ids, each under an earlier one or none."""
    drawn = draw(st.lists(strategies.pledges(), min_size=1, max_size=8))
    made: list[Pledge] = []
    for index, pledge in enumerate(drawn):
        parent = draw(st.none() | st.sampled_from([p.id for p in made])) if made else None
        made.append(attrs.evolve(pledge, id=f"p{index}", parent=parent))
    return made


def outcome(build: Callable[[], PledgeTree], ids: list[str]) -> tuple[str, object]:
    """What building a tree gives: each pledge's progress, or the refusal."""
    try:
        tree = build()
    except BanshishiError as error:  # the two ways must refuse alike
        return "refused", (type(error), str(error))
    return "built", [tree.progress(pledge_id) for pledge_id in ids]


@FEW
@given(pledges=projects())
def test_a_tree_of_records_is_the_tree_of_the_pledges(pledges: list[Pledge]) -> None:
    ids = [pledge.id for pledge in pledges]
    assert outcome(lambda: PledgeTree.of_records(pledges), ids) == outcome(
        lambda: PledgeTree(pledges), ids
    )


@FEW
@given(pledges=projects())
def test_the_ledger_tree_is_the_tree_of_its_pledges(pledges: list[Pledge]) -> None:
    ledger = PledgeLedger()
    for pledge in pledges:
        ledger.add(pledge)
    ids = list(ledger)
    assert outcome(ledger.tree, ids) == outcome(lambda: PledgeTree(ledger.pledges()), ids)


def test_a_subtree_passes_over_the_parent_outside_it() -> None:
    west = part("west", "road", weight=3, status=PledgeStatus.FULFILLED, fulfilled_at=T0)
    pledges = [part("road", "county-plan"), part("east", "road", weight=1), west]
    with pytest.raises(NotFoundError, match="county-plan"):
        PledgeTree.of_records(pledges)
    tree = PledgeTree.of_records(pledges, subtree=True)
    assert tree.progress("road") == Fraction(3, 4)
    assert tree.children("road") == ("east", "west")


@pytest.mark.parametrize("records", [[object()], [Event], ["road"]])
def test_records_that_do_not_read_like_pledges_are_refused(records: list[Any]) -> None:
    with pytest.raises(InvalidTypeError, match="records"):
        PledgeTree.of_records(records)
