"""The two engines agree: IssueWorkflow (the machine) and Ledger (the bulk engine).

Random sequences of steps (tests/issue_walks.py), with actors of every role and
plausible (sometimes wrong) arguments, go through both engines; every step must be
accepted or refused alike and leave the same issue. Histories replay to the issue
they came from, tampered ones do not, and the transition table is the class.
"""

import datetime as dt
from collections import Counter
from types import SimpleNamespace
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    Evaluation,
    Event,
    FixedClock,
    Issue,
    IssueStatus,
    IssueWorkflow,
    Ledger,
    PreconditionError,
    Rate,
    Rating,
    Role,
    Track,
    TransitionRefusedError,
    VisitOutcome,
    WorkflowPolicy,
    replay,
)
from banshishi._workflow.issue_arguments import EVENT_ARGUMENTS
from banshishi._workflow.issue_workflow import MODEL_FIELDS, allowed_events
from banshishi._workflow.transition_table import RULES, TABLE
from issue_walks import (
    CLERK,
    DISPATCHER,
    EVENTS,
    FEEDBACK,
    HANDLERS,
    ISSUE_ID,
    PLATFORM,
    REVIEWER,
    STATES,
    T0,
    THE_REQUESTER,
    Call,
    Draw,
    HypothesisDraw,
    RandomDraw,
    S,
    assert_same_issue,
    drive,
    label,
    new_issue,
    on_ledger,
    on_machine,
    scripted_loop,
)

# -- 1. the engines agree -------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_machine_and_ledger_agree_step_by_step(data: st.DataObject) -> None:
    run = drive(HypothesisDraw(data))
    label(run)
    assert_same_issue(run.ledger, run.issue)
    assert run.ledger.issue(ISSUE_ID).history[1:] == run.issue.history


def test_event_names_are_the_workflow_events() -> None:
    assert len(EVENTS) == 31
    assert {str(event.id) for event in IssueWorkflow.events} == set(EVENTS)


def walk_coverage(seeds: range) -> tuple[set[tuple[str, IssueStatus, IssueStatus]], Counter[str]]:
    """Seeded random walks through both engines (checked step by step, as in the
    test above): the transitions they take and the errors they are refused with."""
    taken: set[tuple[str, IssueStatus, IssueStatus]] = set()
    refusals: Counter[str] = Counter()
    for seed in seeds:
        run = drive(RandomDraw(seed), most=80, stop=False)
        for _, outcome in run.calls:
            if outcome[0] == "refused":
                refusals[outcome[1].__name__] += 1
        for event in run.issue.history:
            assert event.from_status is not None
            taken.add((event.name, event.from_status, event.to_status))
    return taken, refusals


def test_seeded_walks_agree_and_take_every_transition() -> None:
    """Deterministic walks (the same generator, a fixed seed each) agree on both
    engines and between them take every transition of the class: closing by
    rating and by closure, rating a closed item, a bad rating reopening it,
    orders to redo, visits, appeals filed and decided in every status included."""
    taken, refusals = walk_coverage(range(200, 500))
    declared = {(rule.event, rule.source, rule.target) for rule in RULES}
    assert declared == taken
    assert taken <= declared
    # and they are refused for every kind of reason, too
    assert {"TransitionRefusedError", "RoleError", "PreconditionError"} <= set(refusals)
    assert {"InvalidValueError", "ChronologyError", "InconsistentRecordError"} <= set(refusals)


@pytest.mark.parametrize("track", list(Track))
def test_a_scripted_full_loop_closes_on_both_engines(track: Track) -> None:
    machine_clock, ledger_clock = FixedClock(T0), FixedClock(T0)
    issue = new_issue(track=track)
    workflow = IssueWorkflow(issue, clock=machine_clock)
    ledger = Ledger(clock=ledger_clock)
    ledger.receive(new_issue(track=track), actor=CLERK)
    at = T0.add(days=3)
    for event, actor, args, note, status in scripted_loop(track):
        at = at.add(days=8) if event == "close" else at.add(minutes=10)
        call = Call(event, actor, at, note, args)
        assert on_machine(workflow, machine_clock, call) == ("accepted",), call
        assert on_ledger(ledger, ledger_clock, ISSUE_ID, call) == ("accepted",), call
        assert issue.status is status
        assert ledger.status(ISSUE_ID) is status
    assert_same_issue(ledger, issue)
    assert issue.round == 3
    assert [(r.round, r.cause.value, r.rating) for r in issue.rectifications] == [
        (2, "bad_rating", 0),
        (3, "ordered", None),
    ]
    assert all(r.answered_at is not None for r in issue.rectifications)
    assert [appeal.outcome.value for appeal in issue.appeals if appeal.outcome] == ["rejected"]
    assert [(v.round, v.outcome) for v in issue.visits] == [(2, VisitOutcome.RESOLVED)]
    assert issue.closed_at is not None
    assert ledger.completion_rate() == Rate(1, 1)
    assert replay(ledger.history(ISSUE_ID)) == ledger.issue(ISSUE_ID)
    assert replay(issue.history, start=new_issue(track=track)) == issue


@pytest.mark.parametrize("rating", [Rating.SATISFIED, Rating.DISSATISFIED])
def test_a_closed_issue_rated_late_alike_on_both_engines(rating: Rating) -> None:
    """The class lets a closed item be rated when its round was closed unrated: a
    satisfied late rating keeps it closed (已办结 → 已办结), a bad one reopens it for
    整改 (已办结 → 办理中). A closed item may also be ordered redone."""
    machine_clock, ledger_clock = FixedClock(T0), FixedClock(T0)
    issue = new_issue()
    workflow = IssueWorkflow(issue, clock=machine_clock)
    ledger = Ledger(clock=ledger_clock)
    ledger.receive(new_issue(), actor=CLERK)
    centre = HANDLERS["centre"]
    late = Evaluation(issue_id=ISSUE_ID, rating=rating, resolved=False, at=T0.add(days=9))
    script = [
        Call("sign_for", centre, T0.add(hours=1), "", {}),
        Call("resolve", centre, T0.add(hours=2), "", {}),
        Call("answer", centre, T0.add(hours=3), "", {"feedback": attrs.evolve(FEEDBACK, at=T0)}),
        Call("close", PLATFORM, T0.add(days=8), "", {}),
        Call("rate", THE_REQUESTER, T0.add(days=9), "", {"evaluation": late}),
    ]
    for call in script:
        expected = on_machine(workflow, machine_clock, call)
        assert on_ledger(ledger, ledger_clock, ISSUE_ID, call) == expected, call
        assert expected == ("accepted",), call
    assert_same_issue(ledger, issue)
    assert replay(ledger.history(ISSUE_ID)) == ledger.issue(ISSUE_ID)
    if rating.is_bad:
        assert (issue.status, issue.round, issue.closed_at) == (S.IN_PROGRESS, 2, None)
        return
    assert issue.status is S.CLOSED
    assert issue.closed_at == T0.add(days=8)  # kept while closed
    redo = Call("redo", REVIEWER, T0.add(days=10), "整改", {"deadline": T0.add(days=20)})
    assert on_machine(workflow, machine_clock, redo) == ("accepted",)
    assert on_ledger(ledger, ledger_clock, ISSUE_ID, redo) == ("accepted",)
    assert (issue.status, issue.round, issue.closed_at) == (S.IN_PROGRESS, 2, None)
    assert_same_issue(ledger, issue)


def stand_in(status: IssueStatus) -> SimpleNamespace:
    """A plain object with the fields the workflow reads, in any status."""
    model = SimpleNamespace(**dict.fromkeys(MODEL_FIELDS), status=status, history=())
    model.received_at = T0
    return model


def issue_in(status: IssueStatus) -> Issue:
    """An issue standing in ``status``, with no history."""
    answered = status in (S.ANSWERED, S.CLOSED)
    return attrs.evolve(
        new_issue(),
        status=status,
        feedback=(attrs.evolve(FEEDBACK, at=T0),) if answered else (),
        closed_at=T0 if status is S.CLOSED else None,
    )


@pytest.mark.parametrize("status", list(IssueStatus))
def test_every_event_a_status_does_not_allow_is_refused_alike(status: IssueStatus) -> None:
    for event in EVENTS:
        if (status, event) in TABLE:
            continue
        call = Call(event, DISPATCHER, T0.add(hours=1), "说明", {})
        issue = issue_in(status)
        ledger = Ledger()
        ledger.add(issue_in(status))
        expected = ("refused", TransitionRefusedError, f"{event}.status")
        assert on_machine(IssueWorkflow(issue), FixedClock(T0), call) == expected
        assert on_ledger(ledger, FixedClock(T0), ISSUE_ID, call) == expected
        assert issue == issue_in(status)
        assert ledger.issue(ISSUE_ID) == issue_in(status)


def test_a_receiving_unit_named_as_co_unit_signs_for_alike_on_both_engines() -> None:
    """Found by the random walks: a co-unit named by a change of track while nobody
    is responsible, then the receiving unit (that same co-unit) signs for the item
    itself. The lead unit would repeat a co-unit, which an Issue refuses; both
    engines must say the same, and the ledger must still hold a valid issue."""
    issue = new_issue(track=Track.TRACKED, received_by="u1")
    workflow = IssueWorkflow(issue)
    ledger = Ledger()
    ledger.receive(new_issue(track=Track.TRACKED, received_by="u1"), actor=CLERK)
    script = [
        Call(
            "change_track",
            DISPATCHER,
            T0.add(hours=1),
            "即办",
            {"track": Track.IMMEDIATE, "co_units": ("u1",)},
        ),
        Call("sign_for", HANDLERS["u1"], T0.add(hours=2), "", {}),
    ]
    for call in script:
        expected = on_machine(workflow, FixedClock(T0), call)
        assert on_ledger(ledger, FixedClock(T0), ISSUE_ID, call) == expected, call
    assert_same_issue(ledger, issue)


# -- 2. replay ------------------------------------------------------------------------------


def tamper(draw: Draw, events: tuple[Event, ...], first: int) -> tuple[Event, ...] | None:
    """``events`` with one of them (from index ``first`` on) changed so that the history
    could not have happened; None when there is nothing to change."""
    if len(events) <= first:
        return None
    index = draw.choice(range(first, len(events)))
    original = events[index]
    kind = draw.choice(
        ("to_status", "from_status", "name", "stray_argument", "drop_argument", "at")
    )
    if kind == "drop_argument" and not EVENT_ARGUMENTS[original.name][1]:
        kind = "stray_argument"
    if kind == "at" and index == 0:
        kind = "to_status"
    if kind == "to_status":
        changed = attrs.evolve(
            original, to_status=draw.choice([s for s in IssueStatus if s is not original.to_status])
        )
    elif kind == "from_status":
        changed = attrs.evolve(
            original,
            from_status=draw.choice([s for s in IssueStatus if s is not original.from_status]),
        )
    elif kind == "name":
        wrong = [event for event in EVENTS if (original.from_status, event) not in TABLE]
        changed = attrs.evolve(original, name=draw.choice(wrong))
    elif kind == "stray_argument":
        name = "original" if original.name != "dismiss" else "milestone"
        changed = attrs.evolve(original, data={**original.data, name: "x"})
    elif kind == "drop_argument":
        needed = sorted(EVENT_ARGUMENTS[original.name][1])
        changed = attrs.evolve(
            original, data={k: v for k, v in original.data.items() if k not in needed}
        )
    else:
        changed = attrs.evolve(original, at=events[index - 1].at.subtract(seconds=1))
    note_event(f"tampered {kind}")
    return (*events[:index], changed, *events[index + 1 :])


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_histories_replay_and_tampered_ones_do_not(data: st.DataObject) -> None:
    draw = HypothesisDraw(data)
    run = drive(draw)
    label(run)
    kept = run.ledger.issue(ISSUE_ID)
    assert replay(run.ledger.history(ISSUE_ID), policy=run.policy) == kept
    assert replay(run.issue.history, start=run.start, policy=run.policy) == run.issue

    from_receipt = tamper(draw, run.ledger.history(ISSUE_ID), 1)
    if from_receipt is not None:
        with pytest.raises(BanshishiError):
            replay(from_receipt, policy=run.policy)
    from_start = tamper(draw, run.issue.history, 0)
    if from_start is not None:
        with pytest.raises(BanshishiError):
            replay(from_start, start=run.start, policy=run.policy)


@pytest.mark.parametrize(
    "change",
    [
        {"to_status": S.TRANSFERRED},
        {"from_status": S.RECEIVED},
        {"at": T0.add(hours=1)},  # a receipt is dated when the issue was received
        {"role": Role.REVIEWER},  # who may not receive an issue
    ],
    ids=["to_status", "from_status", "at", "role"],
)
def test_a_receive_event_tampered_does_not_replay(change: dict[str, Any]) -> None:
    """The receive event is the issue's first record: a copy that no receiver could
    have written is refused, like any other event that could not have happened."""
    ledger = Ledger()
    ledger.receive(new_issue(), actor=CLERK)
    (received,) = ledger.history(ISSUE_ID)
    assert replay((received,)) == ledger.issue(ISSUE_ID)
    with pytest.raises(BanshishiError):
        replay((attrs.evolve(received, **change),))


NEW_YORK = "America/New_York"  # 2026-03-08 02:00-03:00 does not exist there


def test_a_deadline_from_the_policy_across_a_dst_gap_replays() -> None:
    """Found by the random walks: a 即办 item self-signed at 02:30 the day before New
    York springs forward gets the policy's one-day deadline. It must be a real
    instant (24 elapsed hours later is 03:30 EDT) that its audit event can store
    and replay can read back."""
    at = pendulum.datetime(2026, 3, 7, 2, 30, tz=NEW_YORK)
    call = Call("sign_for", HANDLERS["centre"], at, "", {})
    issue = new_issue()
    one_day = WorkflowPolicy(time_limits={Track.IMMEDIATE: dt.timedelta(days=1)})
    ledger = Ledger(policy=one_day)
    ledger.receive(new_issue(), actor=CLERK)
    workflow = IssueWorkflow(issue, policy=one_day)
    assert on_machine(workflow, FixedClock(at), call) == ("accepted",)
    assert on_ledger(ledger, FixedClock(at), ISSUE_ID, call) == ("accepted",)
    assert_same_issue(ledger, issue)
    assert issue.deadline is not None
    assert issue.deadline.in_timezone("UTC") == at.in_timezone("UTC").add(hours=24)
    assert replay(ledger.history(ISSUE_ID)) == ledger.issue(ISSUE_ID)
    assert replay(issue.history, start=new_issue()) == issue
    assert issue.deadline.isoformat() == "2026-03-08T03:30:00-04:00"


def test_the_evaluation_window_across_a_dst_gap_is_elapsed_time() -> None:
    """Closing unrated waits out seven days of elapsed time, on both engines, even
    when the window ends in the hour a DST change skips."""
    answered = pendulum.datetime(2026, 3, 1, 2, 30, tz=NEW_YORK)
    early = pendulum.datetime(2026, 3, 8, 3, 10, tz=NEW_YORK)  # 167 h 40 min later
    centre = HANDLERS["centre"]
    script = [
        Call("sign_for", centre, answered.subtract(hours=2), "", {}),
        Call("resolve", centre, answered.subtract(hours=1), "", {}),
        Call("answer", centre, answered, "", {"feedback": attrs.evolve(FEEDBACK, at=answered)}),
    ]
    received = answered.subtract(days=1)
    issue = new_issue(received_at=received)
    workflow = IssueWorkflow(issue)
    ledger = Ledger()
    ledger.receive(new_issue(received_at=received), actor=CLERK)
    for call in script:
        assert on_machine(workflow, FixedClock(T0), call) == ("accepted",), call
        assert on_ledger(ledger, FixedClock(T0), ISSUE_ID, call) == ("accepted",), call
    assert (early - answered).in_minutes() < 7 * 24 * 60
    too_early = Call("close", PLATFORM, early, "", {})
    expected = ("refused", PreconditionError, "close.at")
    assert on_machine(workflow, FixedClock(T0), too_early) == expected
    assert on_ledger(ledger, FixedClock(T0), ISSUE_ID, too_early) == expected


# -- 5. the table is the class --------------------------------------------------------------


def declared() -> dict[tuple[IssueStatus, str], list[tuple[IssueStatus, tuple[Any, ...]]]]:
    """Every (status, event) the class allows, with each candidate's target and checks."""
    pairs: dict[tuple[IssueStatus, str], list[tuple[IssueStatus, tuple[Any, ...]]]] = {}
    for state in IssueWorkflow.states:
        for transition in state.transitions:
            checks = (
                tuple(spec.func for spec in transition.validators),
                tuple(spec.func for spec in transition.cond),
            )
            for event in transition.events:
                key = (IssueStatus(state.value), str(event))
                pairs.setdefault(key, []).append((IssueStatus(transition.target.value), checks))
    return pairs


def test_the_table_holds_every_transition_of_the_class_and_no_other() -> None:
    from_class = declared()
    from_table = {
        key: [
            (rule.target, (rule.validators, tuple(check for check, _ in rule.conditions)))
            for rule in rules
        ]
        for key, rules in TABLE.items()
    }
    assert from_table == from_class
    assert set(TABLE) == {(rule.source, rule.event) for rule in RULES}
    assert len(RULES) == sum(len(candidates) for candidates in from_class.values())
    for (status, event), rules in TABLE.items():
        assert all(rule.source is status and rule.event == event for rule in rules)
    assert set(IssueStatus) == STATES
    assert {rule.event for rule in RULES} == set(EVENTS)


@pytest.mark.parametrize("status", list(IssueStatus))
def test_the_machine_allows_from_each_status_what_the_table_holds(status: IssueStatus) -> None:
    machine = IssueWorkflow(stand_in(status))
    allowed = [str(event.id) for event in machine.allowed_events]
    from_table = [event for (source, event) in TABLE if source is status]
    assert allowed == allowed_events(status)
    assert sorted(allowed) == sorted(from_table)
    assert (status is S.DISMISSED) == (not allowed)
