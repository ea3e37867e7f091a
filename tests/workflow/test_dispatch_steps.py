"""Multi-level dispatch (二级/三级承办) on both engines and through replay: the
responsible unit hands the work down (dispatch), the sub-unit answers up
(report_up) or hands it back (hand_back, 逐级退回); the item is resolved only
once the chain is clear."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from banshishi import (
    ChronologyError,
    Dispatch,
    InvalidValueError,
    IssueStatus,
    Ledger,
    LedgerStore,
    Level,
    PreconditionError,
    RoleError,
    TransitionRefusedError,
    Unit,
    UnitTree,
    WorkflowPolicy,
    replay,
)
from banshishi.testing.strategies import issue_histories
from both_engines import ISSUE_ID, Both, assert_replays, both, refused, step
from cast import CENTRE, CLERK, DISPATCHER, LEAD, REVIEWER, handler
from working_time import sh

STREET, COMMUNITY, FAR = "street-east", "community-3", "street-west"
TREE = UnitTree(
    [
        Unit(id="city", name="某市", level=Level.CITY),
        Unit(id=CENTRE, name="市12345热线", level=Level.CITY, parent="city"),
        Unit(id=LEAD, name="区住建委", level=Level.COUNTY, parent="city"),
        Unit(id=STREET, name="东街道", level=Level.TOWNSHIP, parent=LEAD),
        Unit(id=COMMUNITY, name="三社区", level=Level.VILLAGE, parent=STREET),
        Unit(id=FAR, name="西街道", level=Level.TOWNSHIP, parent="city"),
    ]
)
IN_TREE = WorkflowPolicy(units=TREE)
DEADLINE = sh(2026, 9, 30, 18)  # the issue's, given on transfer


def handling(policy: WorkflowPolicy = IN_TREE) -> Both:
    """An item transferred to LEAD with a deadline of DEADLINE and signed for."""
    case = both(sh(2026, 9, 21, 9), policy=policy)
    step(case, "transfer", DISPATCHER, sh(2026, 9, 21, 9, 30), unit=LEAD, deadline=DEADLINE)
    step(case, "sign_for", handler(), sh(2026, 9, 21, 10))
    return case


def two_levels(policy: WorkflowPolicy = IN_TREE) -> Both:
    case = handling(policy)
    step(case, "dispatch", handler(), sh(2026, 9, 21, 11), unit=STREET, due=sh(2026, 9, 28, 18))
    step(case, "dispatch", handler(STREET), sh(2026, 9, 21, 14), unit=COMMUNITY,
         due=sh(2026, 9, 25, 18), requirements="入户核实")  # fmt: skip
    return case


def test_the_work_goes_down_two_levels_and_comes_back_up_on_both_engines() -> None:
    case = two_levels()
    assert [(d.level, d.unit, d.from_unit) for d in case.issue.dispatches] == [
        (2, STREET, LEAD),
        (3, COMMUNITY, STREET),
    ]
    assert case.issue.dispatches[1].requirements == "入户核实"
    assert case.issue.deadline == DEADLINE  # the issue's own deadline is untouched
    step(case, "report_up", handler(COMMUNITY), sh(2026, 9, 22, 9), answer="已修复路灯")
    step(case, "report_up", handler(STREET), sh(2026, 9, 22, 10), answer="经核实已修复")
    assert all(not d.is_open and d.on_time for d in case.issue.dispatches)
    assert case.issue.dispatches[0].answer == "经核实已修复"
    assert case.issue.dispatches[0].answered_at == sh(2026, 9, 22, 10)
    step(case, "resolve", handler(), sh(2026, 9, 22, 11))
    assert case.issue.status is IssueStatus.RESOLVED
    assert_replays(case, IN_TREE)


def test_a_hand_back_returns_the_work_one_level_with_the_note_as_reason() -> None:
    case = two_levels()
    step(case, "hand_back", handler(COMMUNITY), sh(2026, 9, 22, 9), note="不属本社区")
    third = case.issue.dispatches[1]
    assert (third.returned_at, third.reason) == (sh(2026, 9, 22, 9), "不属本社区")
    assert case.issue.dispatches[0].is_open  # still with the street office
    # The street office may hand it down again, or back up to the lead unit.
    step(case, "hand_back", handler(STREET), sh(2026, 9, 22, 10), note="需区级协调")
    step(case, "dispatch", handler(), sh(2026, 9, 22, 11), unit=STREET, due=DEADLINE)
    assert [d.level for d in case.issue.dispatches] == [2, 3, 2]
    assert_replays(case, IN_TREE)


def test_resolve_send_back_and_dismiss_wait_for_the_chain() -> None:
    case = two_levels()
    error = refused(case, PreconditionError, "resolve", handler(), sh(2026, 9, 22, 9))
    assert error.field == "resolve.dispatches"
    assert error.value == [STREET, COMMUNITY]
    refused(case, PreconditionError, "send_back", handler(), sh(2026, 9, 22, 9), note="非本单位")
    refused(case, PreconditionError, "dismiss", DISPATCHER, sh(2026, 9, 22, 9), note="撤回",
            reason="withdrawn")  # fmt: skip


def test_a_later_sub_deadline_is_refused_naming_it() -> None:
    case = handling()
    later = DEADLINE.add(minutes=1)
    error = refused(case, ChronologyError, "dispatch", handler(), sh(2026, 9, 21, 11),
                    unit=STREET, due=later)  # fmt: skip
    assert (error.field, error.value) == ("dispatch.due", later)
    step(case, "dispatch", handler(), sh(2026, 9, 21, 11), unit=STREET, due=DEADLINE)
    error = refused(case, ChronologyError, "dispatch", handler(STREET), sh(2026, 9, 21, 12),
                    unit=COMMUNITY, due=later)  # fmt: skip
    assert "level 2" in str(error)
    past = sh(2026, 9, 21, 11)
    error = refused(case, ChronologyError, "dispatch", handler(STREET), sh(2026, 9, 21, 12),
                    unit=COMMUNITY, due=past)  # fmt: skip
    assert error.value == past


def test_only_a_unit_under_the_holder_is_handed_the_work() -> None:
    case = handling()
    at = sh(2026, 9, 21, 11)
    error = refused(case, PreconditionError, "dispatch", handler(), at, unit=FAR, due=DEADLINE)
    assert (error.field, error.value) == ("dispatch.unit", FAR)
    error = refused(case, PreconditionError, "dispatch", handler(), at, unit="nowhere",
                    due=DEADLINE)  # fmt: skip
    assert "not a unit of this deployment" in str(error)
    refused(case, PreconditionError, "dispatch", handler(), at, unit=LEAD, due=DEADLINE)


def test_without_a_tree_any_unit_outside_the_chain_will_do() -> None:
    case = handling(WorkflowPolicy())
    step(case, "dispatch", handler(), sh(2026, 9, 21, 11), unit=FAR, due=DEADLINE)
    error = refused(case, PreconditionError, "dispatch", handler(FAR), sh(2026, 9, 21, 12),
                    unit=LEAD, due=DEADLINE)  # fmt: skip
    assert (error.field, error.value) == ("dispatch.unit", LEAD)


def test_one_open_dispatch_per_level() -> None:
    case = handling()
    step(case, "dispatch", handler(), sh(2026, 9, 21, 11), unit=STREET, due=DEADLINE)
    error = refused(case, PreconditionError, "dispatch", handler(), sh(2026, 9, 21, 12),
                    unit=COMMUNITY, due=DEADLINE)  # fmt: skip
    assert (error.field, error.value) == ("dispatch.actor.unit", LEAD)


@pytest.mark.parametrize(
    ("event", "actor", "field"),
    [
        ("dispatch", handler(STREET), "dispatch.actor.unit"),  # holds nothing yet
        ("dispatch", DISPATCHER, "dispatch.actor.role"),
        ("report_up", handler(), "report_up.actor.unit"),  # the lead unit answers nobody
        ("report_up", REVIEWER, "report_up.actor.role"),
        ("hand_back", handler(FAR), "hand_back.actor.unit"),
    ],
)
def test_the_wrong_actor_is_refused(event: str, actor: object, field: str) -> None:
    case = handling()
    if event != "dispatch":
        step(case, "dispatch", handler(), sh(2026, 9, 21, 11), unit=STREET, due=DEADLINE)
    args = {"dispatch": {"unit": COMMUNITY, "due": DEADLINE}, "report_up": {"answer": "好"}}
    error = refused(case, RoleError, event, actor, sh(2026, 9, 21, 12), note="理由",
                    **args.get(event, {}))  # fmt: skip
    assert error.field == field


def test_a_level_with_one_open_under_it_neither_answers_up_nor_hands_back() -> None:
    case = two_levels()
    at = sh(2026, 9, 22, 9)
    error = refused(case, PreconditionError, "report_up", handler(STREET), at, answer="好")
    assert (error.field, error.value) == ("report_up.dispatches", [COMMUNITY])
    refused(case, PreconditionError, "hand_back", handler(STREET), at, note="退回")


def test_what_the_steps_need_is_checked_before_the_chain() -> None:
    case = two_levels()
    at = sh(2026, 9, 22, 9)
    refused(case, InvalidValueError, "report_up", handler(COMMUNITY), at)  # no answer
    refused(case, InvalidValueError, "report_up", handler(COMMUNITY), at, answer="  ")
    refused(case, InvalidValueError, "hand_back", handler(COMMUNITY), at)  # no reason
    refused(case, InvalidValueError, "dispatch", handler(COMMUNITY), at, unit=FAR)  # no due


def test_dispatch_is_only_taken_in_progress() -> None:
    case = both(sh(2026, 9, 21, 9), policy=IN_TREE)
    step(case, "transfer", DISPATCHER, sh(2026, 9, 21, 9, 30), unit=LEAD, deadline=DEADLINE)
    at = sh(2026, 9, 21, 10)
    error = refused(
        case, TransitionRefusedError, "dispatch", handler(), at, unit=STREET, due=DEADLINE
    )
    assert "transferred" in str(error) or "已转办" in str(error)


def test_the_steps_go_through_a_store_and_back(tmp_path: Path) -> None:
    case = handling()
    steps = [
        ("dispatch", handler(), sh(2026, 9, 21, 11), "", {"unit": STREET, "due": DEADLINE}),
        (
            "dispatch",
            handler(STREET),
            sh(2026, 9, 21, 12),
            "",
            {"unit": COMMUNITY, "due": DEADLINE},
        ),
        ("hand_back", handler(COMMUNITY), sh(2026, 9, 22, 9), "不属本社区", {}),
        ("report_up", handler(STREET), sh(2026, 9, 22, 10), "", {"answer": "已修复"}),
    ]
    with LedgerStore.open(tmp_path / "l.db", create=True, policy=IN_TREE) as store:
        store.receive(case.fresh(), actor=CLERK)
        store.apply(ISSUE_ID, "transfer", actor=DISPATCHER, at=sh(2026, 9, 21, 9, 30), unit=LEAD,
                    deadline=DEADLINE)  # fmt: skip
        store.apply(ISSUE_ID, "sign_for", actor=handler(), at=sh(2026, 9, 21, 10))
        for event, actor, at, note, args in steps:
            step(case, event, actor, at, note, **args)
            store.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args)
    with LedgerStore.open(tmp_path / "l.db", policy=IN_TREE) as store:
        stored = store.issue(ISSUE_ID)
    assert stored.dispatches == case.issue.dispatches
    assert [d.is_open for d in stored.dispatches] == [False, False]
    assert all(isinstance(d, Dispatch) for d in stored.dispatches)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issue_histories(max_steps=25))
def test_every_sub_deadline_is_no_later_than_the_level_above_when_made(history) -> None:  # type: ignore[no-untyped-def]
    ledger = Ledger(policy=history.policy)
    history.apply_to(ledger)
    issue = ledger.issue(history.issue.id)
    events = ledger.history(issue.id)
    assert replay(events, policy=history.policy) == issue
    steps = [k for k, event in enumerate(events) if event.name == "dispatch"]
    for index, made in enumerate(issue.dispatches):
        earlier = (d.as_of(made.dispatched_at) for d in issue.dispatches[:index])
        chain = sorted((d for d in earlier if d is not None and d.is_open), key=lambda d: d.level)
        assert [d.level for d in chain] == list(range(2, made.level))  # one per level
        # The unit responsible when it was made (a later send-back may clear it).
        then = replay(events[: steps[index]], policy=history.policy).responsible_unit
        assert made.from_unit == (chain[-1].unit if chain else then)
        limit = chain[-1].deadline if chain else issue.deadline_as_of(made.dispatched_at)
        assert limit is not None
        assert made.deadline <= limit
