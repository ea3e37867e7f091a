"""The ledger kept in a store: LedgerStore on SqliteEventStore.

Steps taken through a LedgerStore must leave exactly what the same steps leave
on the in-memory Ledger and PledgeLedger (histories, records, statuses), in a
file that a new instance reads back and carries on from. Writes are checked
against versions (optimistic concurrency) and batches are all or nothing. The
summary lines kept beside the events must be what IssueSummary.of and
PledgeSummary.of read off the full records, so the figures counted from them
are the rates counted from the issues; the as-of views rebuilt from the events
must be the records as they stood. A stateful test drives a store and a ledger
side by side with random steps, batches, second writers and reopenings.

The random steps are those of tests/issue_walks.py (plan_step and its draws)
and tests/pledge_steps.py (draw_call), reused here.
"""

import contextlib
import functools
import operator
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from pendulum import DateTime

import pledge_steps as pw
from banshishi import (
    Actor,
    BanshishiError,
    BatchRefusedError,
    ChainReport,
    Command,
    ConcurrencyError,
    DismissalReason,
    DuplicateError,
    Evaluation,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueFigures,
    IssueStatus,
    IssueSummary,
    IssueWorkflow,
    Ledger,
    LedgerStore,
    Level,
    NaiveDatetimeError,
    NotALedgerError,
    NotFoundError,
    Pledge,
    PledgeCommand,
    PledgeFigures,
    PledgeLedger,
    PledgeStatus,
    PledgeSummary,
    Rate,
    Rating,
    Role,
    RoleError,
    SqliteEventStore,
    Subject,
    Track,
    TransitionRefusedError,
    Unit,
    UnitTree,
    WorkflowError,
    WorkflowPolicy,
    completion_rate,
    issue_figures,
    issue_figures_by,
    on_time_completion_rate,
    pledge_completion_rate,
    pledge_figures,
    redo_rate,
    resolution_rate,
    response_rate,
    return_rate,
    satisfaction_rate,
)
from banshishi._metrics.summary import micros
from banshishi._workflow.policy import DEFAULT_POLICY
from issue_walks import (
    CLERK,
    DISPATCHER,
    EVENTS,
    GAPS,
    HANDLERS,
    ISSUE_ID,
    PLATFORM,
    POLICIES,
    REVIEWER,
    T0,
    THE_REQUESTER,
    Call,
    Draw,
    HypothesisDraw,
    RandomDraw,
    draw_intake,
    new_issue,
    plan_step,
    scripted_loop,
)

S = IssueStatus
P = PledgeStatus
CENTRE = HANDLERS["centre"]
U1 = HANDLERS["u1"]
FEW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Each example writes a database file, so a few examples go a long way."""

# -- helpers ---------------------------------------------------------------------------------

Outcome = tuple[Any, ...]


def outcome(step: Callable[[], object]) -> Outcome:
    """What a step did: accepted (with what it returned), or refused with which error where."""
    try:
        result = step()
    except BanshishiError as error:
        return ("refused", type(error), error.field)
    return ("accepted", result)


def summary_of(issue: Issue) -> IssueSummary:
    return IssueSummary.of(issue, version=len(issue.history))


def pledge_summary_of(pledge: Pledge) -> PledgeSummary:
    return PledgeSummary.of(pledge, version=len(pledge.history))


def by_id(lines: Iterable[Any]) -> dict[str, Any]:
    """Summary lines by id (the store promises no order)."""
    lines = list(lines)
    table = {line.id: line for line in lines}
    assert len(table) == len(lines), "a record has two summary lines"
    return table


def rates_of(
    issues: list[Issue], *, as_of: DateTime | None = None, basically_satisfied: bool = True
) -> dict[str, Rate]:
    """Every rate IssueFigures holds, counted from full issues by the rate functions."""
    return {
        "response": response_rate(issues, as_of=as_of).rate,
        "completion": completion_rate(issues, as_of=as_of).rate,
        "on_time": on_time_completion_rate(issues, as_of=as_of).rate,
        "satisfaction": satisfaction_rate(
            issues, as_of=as_of, basically_satisfied=basically_satisfied
        ).rate,
        "resolution": resolution_rate(issues, as_of=as_of).rate,
        "returns": return_rate(issues, as_of=as_of).rate,
        "redos": redo_rate(issues, as_of=as_of).rate,
    }


def apply_call(book: Ledger | LedgerStore, issue_id: str, call: Call, **extra: Any) -> Any:
    """Take ``call`` on ``book`` (always dated: the store and the ledger keep their own clocks)."""
    return book.apply(
        issue_id, call.event, actor=call.actor, at=call.at, note=call.note, **call.args, **extra
    )


def command_of(issue_id: str, call: Call) -> Command:
    return Command(
        issue_id=issue_id,
        event=call.event,
        actor=call.actor,
        at=call.at,
        note=call.note,
        args=call.args,
    )


def dated_at_the_step(call: Call) -> Call:
    """``call`` with any feedback or evaluation it carries dated at the step itself, so that
    what an issue says "as of" a moment is what its events up to that moment say."""
    args = dict(call.args)
    for name in ("feedback", "evaluation"):
        value = args.get(name)
        if isinstance(value, Feedback | Evaluation) and value.at != call.at:
            args[name] = attrs.evolve(value, at=call.at)
    return attrs.evolve(call, args=args)


def random_ledger(
    draw: Draw,
    policy: WorkflowPolicy,
    *,
    issues: int,
    steps: int,
    backdated: bool = True,
) -> tuple[Ledger, DateTime]:
    """A ledger of ``issues`` issues moved by random steps (refused ones skipped), the
    receipts spread among the steps, each issue on its own time line (so that deadlines
    are met as often as on one issue alone); and the moment of the last step tried."""
    ledger = Ledger(policy=policy, clock=FixedClock(T0))
    moments: dict[str, DateTime] = {}
    received = T0
    for number in range(issues):
        received = received.add(minutes=draw.integer(1, 600))
        issue_id = f"i-{number}"
        ledger.receive(draw_intake(draw).issue(issue_id, received), actor=CLERK)
        moments[issue_id] = received
        for _ in range(steps // issues):
            issue_id = draw.choice(list(moments))
            issue = ledger.issue(issue_id)
            if issue.status is S.DISMISSED:
                continue
            moments[issue_id] = moments[issue_id].add(**draw.choice(GAPS))
            call = plan_step(draw, issue, moments[issue_id])
            if not backdated:
                call = dated_at_the_step(call)
            with contextlib.suppress(BanshishiError):
                apply_call(ledger, issue_id, call)
    return ledger, max(moments.values())


def snapshot(store: LedgerStore) -> tuple[Any, ...]:
    """Everything a store holds, read back: events, histories, versions, summary lines."""
    issues = by_id(store.summaries())
    pledges = by_id(store.pledge_summaries())
    return (
        store.verify(),
        {issue_id: (store.history(issue_id), store.version(issue_id)) for issue_id in issues},
        {pid: (store.pledge_history(pid), store.pledge_version(pid)) for pid in pledges},
        issues,
        pledges,
    )


def open_new(path: Path, **options: Any) -> LedgerStore:
    return LedgerStore.open(path, create=True, **options)


def receive_issues(store: LedgerStore, *ids: str) -> None:
    """Receive issues on ``store``, one minute apart from T0."""
    for offset, issue_id in enumerate(ids):
        store.receive(new_issue(issue_id, received_at=T0.add(minutes=offset)), actor=CLERK)


def transfer_args(unit: str = "u1", days: int = 5) -> dict[str, Any]:
    return {"unit": unit, "deadline": T0.add(days=days)}


FEEDBACK = Feedback(at=T0.add(hours=4), content="已修复", method=FeedbackMethod.PHONE)


# -- 1. round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("track", list(Track))
def test_a_full_loop_through_the_store_is_the_ledgers_and_survives_reopening(
    tmp_path: Path, track: Track
) -> None:
    path = tmp_path / "ledger.db"
    ledger = Ledger()
    ledger.receive(new_issue(track=track), actor=CLERK)
    with open_new(path) as store:
        assert store.receive(new_issue(track=track), actor=CLERK) is None
        assert store.version(ISSUE_ID) == 1
        assert store.history(ISSUE_ID) == ledger.history(ISSUE_ID)
        at = T0.add(days=3)
        for event, actor, args, note, status in scripted_loop(track):
            at = at.add(days=8) if event == "close" else at.add(minutes=10)
            assert ledger.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args) is status
            assert store.apply(ISSUE_ID, event, actor=actor, at=at, note=note, **args) is status
            assert store.version(ISSUE_ID) == len(ledger.history(ISSUE_ID))
        assert store.history(ISSUE_ID) == ledger.history(ISSUE_ID)
        assert store.issue(ISSUE_ID) == ledger.issue(ISSUE_ID)
        assert store.summaries() == [summary_of(ledger.issue(ISSUE_ID))]
        events = len(ledger.history(ISSUE_ID))
        assert events > 15
    # A new instance on the same file sees everything, and carries on from it.
    with LedgerStore.open(path) as reopened:
        assert reopened.history(ISSUE_ID) == ledger.history(ISSUE_ID)
        assert reopened.issue(ISSUE_ID) == ledger.issue(ISSUE_ID)
        assert reopened.version(ISSUE_ID) == events
        redo = {"note": "核查发现仍有问题", "deadline": at.add(days=20)}
        moment = at.add(days=1)
        assert reopened.apply(ISSUE_ID, "redo", actor=REVIEWER, at=moment, **redo) is S.IN_PROGRESS
        assert ledger.apply(ISSUE_ID, "redo", actor=REVIEWER, at=moment, **redo) is S.IN_PROGRESS
        assert reopened.version(ISSUE_ID) == events + 1
        assert reopened.history(ISSUE_ID) == ledger.history(ISSUE_ID)
        assert reopened.issue(ISSUE_ID) == ledger.issue(ISSUE_ID)
        assert reopened.summaries() == [summary_of(ledger.issue(ISSUE_ID))]
        assert reopened.verify() == ChainReport(
            intact=True, events=events + 1, head=reopened.head()
        )
        assert [issue.id for issue in reopened.issues()] == [ISSUE_ID]
        assert list(reopened.ledger().issues()) == [ledger.issue(ISSUE_ID)]


WALK_SEEDS = tuple(range(10, 16))
"""Seeds whose walks, between them, take every step (29 rejects an appeal)."""


def test_seeded_walks_through_the_store_take_and_refuse_what_the_ledger_does(
    tmp_path: Path,
) -> None:
    """Deterministic random walks (the generator of test_engines) on a few issues, each
    step asked of the store and of a ledger; the store is reopened half-way, so the rest
    runs on records hydrated from their events. Between them the walks take every step."""
    taken: set[str] = set()
    refused: Counter[str] = Counter()
    for seed in WALK_SEEDS:
        policy = POLICIES[seed % len(POLICIES)]
        draw = RandomDraw(seed)
        path = tmp_path / f"walk-{seed}.db"
        ledger = Ledger(policy=policy)
        store = open_new(path, policy=policy)
        try:
            ids = [f"i-{number}" for number in range(3)]
            at = T0
            for issue_id in ids:
                at = at.add(hours=1)
                intake = draw_intake(draw)
                ledger.receive(intake.issue(issue_id, at), actor=CLERK)
                store.receive(intake.issue(issue_id, at), actor=CLERK)
            for step in range(90):
                if step == 45:
                    store.close()
                    store = LedgerStore.open(path, policy=policy)
                issue_id = draw.choice(ids)
                at = at.add(**draw.choice(GAPS))
                call = plan_step(draw, ledger.issue(issue_id), at)
                expected = outcome(functools.partial(apply_call, ledger, issue_id, call))
                got = outcome(functools.partial(apply_call, store, issue_id, call))
                assert got == expected, (seed, step, call)
                if got[0] == "refused":
                    refused[got[1].__name__] += 1
                assert store.version(issue_id) == len(ledger.history(issue_id))
            for issue_id in ids:
                assert store.history(issue_id) == ledger.history(issue_id)
                assert store.issue(issue_id) == ledger.issue(issue_id)
                taken.update(event.name for event in ledger.history(issue_id))
            assert by_id(store.summaries()) == {i: summary_of(ledger.issue(i)) for i in ids}
            kept = store.policy_version()  # 1 for a policy other than the default
            assert kept == (0 if policy == DEFAULT_POLICY else 1)
            assert store.verify() == ChainReport(
                intact=True,
                events=sum(len(ledger.history(i)) for i in ids) + kept,
                head=store.head(),
            )
        finally:
            store.close()
    assert taken == {"receive", *EVENTS}
    assert {"TransitionRefusedError", "RoleError", "PreconditionError"} <= set(refused)


def test_a_pledge_through_the_store_is_the_pledge_ledgers_and_survives_reopening(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pledges.db"
    pledge_id = "2026-key-001"
    ledger = pw.claimed(pw.new_pledge("key"), actor=pw.LEADER)
    store = open_new(path)
    try:
        store.claim(pw.new_pledge("key"), actor=pw.LEADER)
        assert store.pledge_version(pledge_id) == 1
        assert store.pledge_history(pledge_id) == ledger.history(pledge_id)
        for index, (event, actor, hours, note, args) in enumerate(pw.SCRIPT):
            if index == len(pw.SCRIPT) // 2:
                store.close()
                store = LedgerStore.open(path)  # the rest from a pledge hydrated from events
            at = pw.T0.add(hours=hours)
            expected = ledger.apply(pledge_id, event, actor=actor, at=at, note=note, **args)
            got = store.apply_pledge(pledge_id, event, actor=actor, at=at, note=note, **args)
            assert got is expected
            assert store.pledge_version(pledge_id) == len(ledger.history(pledge_id))
        pledge = ledger.pledge(pledge_id)
        assert pledge.status is P.FULFILLED
        assert store.pledge_history(pledge_id) == ledger.history(pledge_id)
        assert store.pledge(pledge_id) == pledge
        assert store.pledge_summaries() == [pledge_summary_of(pledge)]
        assert list(store.pledges()) == [pledge]
        assert list(store.pledge_ledger().pledges()) == [pledge]
        assert store.summaries() == []
        assert store.verify() == ChainReport(
            intact=True, events=len(pw.SCRIPT) + 1, head=store.head()
        )
    finally:
        store.close()


def test_an_issue_and_a_pledge_may_share_an_id(tmp_path: Path) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        store.receive(new_issue("x"), actor=CLERK)
        store.claim(pw.new_pledge(id="x"), actor=pw.MEMBER)
        store.apply("x", "sign_for", actor=CENTRE, at=T0.add(hours=1))
        assert (store.version("x"), store.pledge_version("x")) == (2, 1)
        assert [e.subject for e in store.history("x")] == [Subject.ISSUE] * 2
        assert [e.subject for e in store.pledge_history("x")] == [Subject.PLEDGE]
        assert store.issue("x").status is S.IN_PROGRESS
        assert store.pledge("x").status is P.DRAFT
        assert [line.id for line in store.summaries()] == ["x"]
        assert [line.id for line in store.pledge_summaries()] == ["x"]
        assert store.verify().events == 3


def test_a_step_without_a_moment_is_dated_by_the_stores_clock(tmp_path: Path) -> None:
    clock = FixedClock(T0.add(hours=5))
    with open_new(tmp_path / "ledger.db", clock=clock) as store:
        receive_issues(store, "a")
        assert store.apply("a", "sign_for", actor=CENTRE) is S.IN_PROGRESS
        clock.set(T0.add(hours=6))
        assert store.apply_many([Command(issue_id="a", event="resolve", actor=CENTRE)]) == 1
        assert [event.at for event in store.history("a")] == [
            T0,
            T0.add(hours=5),
            T0.add(hours=6),
        ]
        assert store.issue("a").status is S.RESOLVED


@FEW
@given(data=st.data())
def test_random_pledge_steps_through_the_store_match_the_pledge_ledger(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Pledges of every kind, moved by the random steps of test_pledge_workflow on a
    store and on a pledge ledger: same outcomes, histories, summary lines and 践诺率."""
    ledger = PledgeLedger()
    with open_new(tmp_path_factory.mktemp("pledges") / "ledger.db") as store:
        keepers: dict[str, Actor] = {}
        for number in range(data.draw(st.integers(1, 3), label="pledges")):
            kind = data.draw(st.sampled_from(list(pw.KINDS)), label="kind")
            fields = pw.draw_claim_fields(data, kind)
            pledge_id = f"p-{number}"
            ledger.claim(pw.new_pledge(kind, id=pledge_id, **fields), actor=pw.SUPERVISOR)
            store.claim(pw.new_pledge(kind, id=pledge_id, **fields), actor=pw.SUPERVISOR)
            keepers[pledge_id] = pw.KEEPERS[kind]
        for _ in range(data.draw(st.integers(1, 20), label="steps")):
            pledge_id = data.draw(st.sampled_from(sorted(keepers)), label="pledge")
            call = pw.draw_call(data, ledger.pledge(pledge_id), keepers[pledge_id])
            kwargs = {"actor": call.actor, "at": call.at, "note": call.note, **call.args}
            expected = outcome(functools.partial(ledger.apply, pledge_id, call.event, **kwargs))
            got = outcome(functools.partial(store.apply_pledge, pledge_id, call.event, **kwargs))
            assert got == expected, call
        pledges = list(ledger.pledges())
        for pledge in pledges:
            assert store.pledge_history(pledge.id) == pledge.history
            assert store.pledge_version(pledge.id) == len(pledge.history)
        assert by_id(store.pledge_summaries()) == {p.id: pledge_summary_of(p) for p in pledges}
        figures = pledge_figures(store.pledge_summaries())
        assert figures.completion == pledge_completion_rate(pledges).rate
        assert figures.pledges == len(pledges)
        assert dict(figures.statuses) == dict(ledger.counts())
        assert store.verify() == ChainReport(
            intact=True, events=sum(len(p.history) for p in pledges), head=store.head()
        )


# -- 2. optimistic concurrency ---------------------------------------------------------------


def test_a_stale_expected_version_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        store.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=1), **transfer_args())
        assert store.version("a") == 2
        before = snapshot(store)
        issue = store.issue("a")
        for stale in (0, 1, 3):
            with pytest.raises(ConcurrencyError) as caught:
                store.apply("a", "sign_for", actor=U1, at=T0.add(hours=2), expected_version=stale)
            assert caught.value.field == "issue 'a' version"
            assert caught.value.value == stale
            assert "issue 'a' version" in str(caught.value)
            assert "version 2" in str(caught.value)
            assert snapshot(store) == before
            assert store.issue("a") == issue
        assert store.apply("a", "sign_for", actor=U1, at=T0.add(hours=2), expected_version=2) is (
            S.IN_PROGRESS
        )
        assert store.version("a") == 3
        # Pledges are checked the same way.
        store.claim(pw.new_pledge(), actor=pw.MEMBER)
        with pytest.raises(ConcurrencyError) as caught:
            store.apply_pledge(
                "2026-member-001",
                "publish",
                actor=pw.MEMBER,
                at=pw.T0.add(hours=1),
                deadline=pw.DUE,
                expected_version=2,
            )
        assert caught.value.field == "pledge '2026-member-001' version"
        assert store.pledge_version("2026-member-001") == 1
        assert (
            store.apply_pledge(
                "2026-member-001",
                "publish",
                actor=pw.MEMBER,
                at=pw.T0.add(hours=1),
                deadline=pw.DUE,
                expected_version=1,
            )
            is P.PUBLISHED
        )


@pytest.mark.parametrize(
    "with_versions",
    [
        pytest.param(
            True,
            id="expected_version",
        ),
        pytest.param(False, id="cached"),
    ],
)
def test_of_two_writers_on_one_file_the_second_is_refused_and_retries(
    tmp_path: Path, with_versions: bool
) -> None:
    """A and B both read the issue at version v. A writes first; B's write is refused
    with ConcurrencyError (made against the version B read, or against the version its
    cached record stands at), the store holding A's event only. B's retry, after reading
    again, goes through on the issue as A left it."""
    path = tmp_path / "ledger.db"
    with open_new(path) as setup:
        receive_issues(setup, "x")
        setup.apply("x", "transfer", actor=DISPATCHER, at=T0.add(hours=1), **transfer_args())
    with LedgerStore.open(path) as a, LedgerStore.open(path) as b:
        b.apply("x", "urge", actor=PLATFORM, at=T0.add(hours=2))  # B now holds x, at v
        version = a.version("x")
        assert version == b.version("x") == 3
        read = {"expected_version": version} if with_versions else {}
        assert a.apply("x", "sign_for", actor=U1, at=T0.add(hours=3), **read) is S.IN_PROGRESS
        before = snapshot(a)
        with pytest.raises(ConcurrencyError) as caught:
            b.apply("x", "urge", actor=PLATFORM, at=T0.add(hours=4), **read)
        assert caught.value.field == "issue 'x' version"
        assert caught.value.value == version
        assert "issue 'x' version" in str(caught.value)
        assert snapshot(a) == snapshot(b) == before
        assert [e.name for e in b.history("x")] == ["receive", "transfer", "urge", "sign_for"]
        # The retry, after reading again: it is taken on the issue A left in progress.
        retry = {"expected_version": b.version("x")} if with_versions else {}
        assert b.apply("x", "urge", actor=PLATFORM, at=T0.add(hours=4), **retry) is S.IN_PROGRESS
        names = ["receive", "transfer", "urge", "sign_for", "urge"]
        assert [e.name for e in a.history("x")] == names
        assert a.version("x") == 5
        assert a.issue("x") == b.issue("x")
        assert a.issue("x").status is S.IN_PROGRESS
        assert a.verify() == ChainReport(intact=True, events=5, head=a.head())
        # A's cached record is stale now; it is refused in turn, then goes on.
        with pytest.raises(ConcurrencyError):
            a.apply("x", "resolve", actor=U1, at=T0.add(hours=5))
        assert a.apply("x", "resolve", actor=U1, at=T0.add(hours=5)) is S.RESOLVED
        assert b.summaries() == [summary_of(a.issue("x"))]


def test_a_write_naming_the_version_the_store_holds_is_taken(tmp_path: Path) -> None:
    """A holds the issue at version 1; B moves it to 2. A reads the version again (2) and
    names it: nobody has written since that read, so the step must be taken."""
    path = tmp_path / "ledger.db"
    with open_new(path) as a, LedgerStore.open(path) as b:
        receive_issues(a, "x")
        b.apply("x", "sign_for", actor=CENTRE, at=T0.add(hours=1))
        version = a.version("x")
        assert version == 2
        resolve = {"actor": CENTRE, "at": T0.add(hours=2), "expected_version": version}
        assert a.apply("x", "resolve", **resolve) is S.RESOLVED


def test_a_step_is_judged_on_the_stored_issue_not_on_a_stale_cached_copy(
    tmp_path: Path,
) -> None:
    """B caches the issue while it is merely received; another instance then transfers it
    to u1. u1's handler signing for it through B is a valid step on the stored issue: B
    may refuse it with ConcurrencyError (its copy is stale, so the caller reads again and
    retries), but not for good with a RoleError read off its stale copy."""
    path = tmp_path / "ledger.db"
    with open_new(path) as b:
        receive_issues(b, "x")
        b.apply(
            "x",
            "change_track",
            actor=DISPATCHER,
            at=T0.add(minutes=30),
            track=Track.TRACKED,
            note="改为盯办",
        )  # B now holds x at version 2
        with LedgerStore.open(path) as other:
            other.apply("x", "transfer", actor=DISPATCHER, at=T0.add(hours=1), **transfer_args())
        assert b.issue("x").status is S.TRANSFERRED  # what the store holds
        sign = functools.partial(b.apply, "x", "sign_for", actor=U1, at=T0.add(hours=2))
        try:
            status = sign()
        except ConcurrencyError:
            status = sign()  # the documented protocol: read again and retry
        assert status is S.IN_PROGRESS
        names = ["receive", "change_track", "transfer", "sign_for"]
        assert [event.name for event in b.history("x")] == names


def test_receiving_an_id_already_in_the_store_is_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_new(path) as a, LedgerStore.open(path) as b:
        receive_issues(a, "x")
        a.claim(pw.new_pledge(), actor=pw.MEMBER)
        before = snapshot(a)
        for store in (a, b):  # the writer itself, and another instance that never saw it
            with pytest.raises(DuplicateError) as caught:
                store.receive(new_issue("x", received_at=T0.add(hours=1)), actor=CLERK)
            assert (caught.value.field, caught.value.value) == ("issue_id", "x")
            assert "issue_id" in str(caught.value)
            with pytest.raises(DuplicateError) as claimed:
                store.claim(pw.new_pledge(), actor=pw.MEMBER)
            assert claimed.value.field == "pledge_id"
            assert snapshot(store) == before
        assert b.history("x") == a.history("x")
        assert len(a.history("x")) == 1


# -- 3. atomic batches -----------------------------------------------------------------------


def test_a_batch_with_a_refused_step_writes_nothing_and_leaves_nothing_in_memory(
    tmp_path: Path,
) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a", "b")
        store.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=1), **transfer_args())
        before = snapshot(store)
        issues = {i: store.issue(i) for i in ("a", "b")}
        batch = [
            Command(issue_id="a", event="sign_for", actor=U1, at=T0.add(hours=2)),
            Command(
                issue_id="b",
                event="transfer",
                actor=DISPATCHER,
                at=T0.add(hours=2),
                args=transfer_args("u2"),
            ),
            Command(issue_id="a", event="resolve", actor=HANDLERS["u2"], at=T0.add(hours=3)),
            Command(issue_id="b", event="sign_for", actor=HANDLERS["u2"], at=T0.add(hours=3)),
        ]
        # What the in-memory ledger says of the same batch: the third step is refused.
        twin = Ledger()
        for issue in issues.values():
            twin.add(issue)
        (refusal,) = twin.apply_many(batch)
        assert refusal.index == 2
        with pytest.raises(BatchRefusedError) as caught:
            store.apply_many(batch)
        error = caught.value
        assert error.index == 2
        assert isinstance(error.error, WorkflowError)
        assert type(error.error) is type(refusal.error) is RoleError
        assert error.error.field == refusal.error.field
        assert error.__cause__ is error.error
        assert error.field == "commands[2]"
        assert error.value is batch[2]
        assert "commands[2]" in str(error)
        assert snapshot(store) == before
        assert {i: store.issue(i) for i in issues} == issues
        # Nothing of the batch stayed in memory either: its first step is still to take.
        assert store.apply("a", "sign_for", actor=U1, at=T0.add(hours=2)) is S.IN_PROGRESS
        assert [e.name for e in store.history("a")] == ["receive", "transfer", "sign_for"]
        # The rest of the batch, its refused step put right, goes through whole.
        fixed = [
            batch[1],
            Command(issue_id="a", event="resolve", actor=U1, at=T0.add(hours=3)),
            batch[3],
        ]
        assert store.apply_many(fixed) == 3
        assert [e.name for e in store.history("b")] == ["receive", "transfer", "sign_for"]
        assert store.issue("a").status is S.RESOLVED
        assert store.verify() == ChainReport(intact=True, events=7, head=store.head())


def test_a_successful_batch_returns_the_events_it_wrote(tmp_path: Path) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a", "b")
        store.claim(pw.new_pledge(), actor=pw.MEMBER)
        batch: list[Command | PledgeCommand] = [
            Command(
                issue_id="a",
                event="transfer",
                actor=DISPATCHER,
                at=T0.add(hours=1),
                args=transfer_args(),
            ),
            Command(issue_id="a", event="sign_for", actor=U1, at=T0.add(hours=2)),
            Command(issue_id="b", event="sign_for", actor=CENTRE, at=T0.add(hours=2)),
            PledgeCommand(
                pledge_id="2026-member-001",
                event="publish",
                actor=pw.MEMBER,
                at=pw.T0.add(hours=1),
                args={"deadline": pw.DUE},
            ),
            Command(issue_id="a", event="resolve", actor=U1, at=T0.add(hours=3)),
        ]
        assert store.apply_many(iter(batch)) == 5
        versions = store.version("a"), store.version("b"), store.pledge_version("2026-member-001")
        assert versions == (4, 2, 2)
        assert by_id(store.summaries())["a"].status is S.RESOLVED
        assert store.pledge("2026-member-001").status is P.PUBLISHED
        assert store.verify() == ChainReport(intact=True, events=8, head=store.head())
        assert store.apply_many([]) == 0
        assert store.verify().events == 8
        # A refused pledge step at the end of a batch keeps the issue steps out too.
        mixed: list[Command | PledgeCommand] = [
            Command(issue_id="b", event="resolve", actor=CENTRE, at=T0.add(hours=4)),
            PledgeCommand(
                pledge_id="2026-member-001",
                event="fulfil",
                actor=pw.OTHER_MEMBER,
                at=pw.T0.add(hours=5),
            ),
        ]
        before = snapshot(store)
        with pytest.raises(BatchRefusedError) as caught:
            store.apply_many(mixed)
        assert caught.value.index == 1
        assert isinstance(caught.value.error, WorkflowError)
        assert snapshot(store) == before
        assert store.apply("b", "resolve", actor=CENTRE, at=T0.add(hours=4)) is S.RESOLVED


@pytest.mark.parametrize(
    ("batch", "index", "error", "field"),
    [
        (["c", "a"], 1, DuplicateError, "issue_id"),  # already in the store
        (["c", "d", "d"], 2, DuplicateError, "Issue.id"),  # twice in the batch
        (["c", "not an issue"], 1, InvalidTypeError, "issue"),
    ],
    ids=["stored", "twice", "not-an-issue"],
)
def test_a_batch_of_receipts_with_one_refused_writes_none(
    tmp_path: Path, batch: list[str], index: int, error: type[BanshishiError], field: str
) -> None:
    def item(name: str) -> Any:
        return new_issue(name, received_at=T0.add(hours=1)) if len(name) == 1 else name

    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        before = snapshot(store)
        with pytest.raises(BatchRefusedError) as caught:
            store.receive_many([item(name) for name in batch], actor=CLERK)
        assert caught.value.index == index
        assert type(caught.value.error) is error
        assert caught.value.error.field == field
        assert caught.value.field == f"issues[{index}]"
        assert snapshot(store) == before
        for name in ("c", "d"):
            assert store.version(name) == 0
            with pytest.raises(NotFoundError):
                store.history(name)
        # Nothing stayed in memory: the same ids are received afterwards.
        assert store.receive_many((item(name) for name in ("c", "d")), actor=CLERK) == 2
        assert store.receive_many([], actor=CLERK) == 0
        assert sorted(by_id(store.summaries())) == ["a", "c", "d"]
        assert store.verify() == ChainReport(intact=True, events=3, head=store.head())


def test_a_batch_item_that_is_not_a_command_refuses_the_batch(tmp_path: Path) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        before = snapshot(store)
        good = Command(issue_id="a", event="sign_for", actor=CENTRE, at=T0.add(hours=1))
        with pytest.raises(BatchRefusedError) as caught:
            store.apply_many([good, "urge"])  # type: ignore[list-item]
        assert caught.value.index == 1
        assert type(caught.value.error) is InvalidTypeError
        assert caught.value.error.field == "command"
        assert snapshot(store) == before
        assert store.apply_many([good]) == 1


# -- 4. summary lines and the figures counted from them --------------------------------------


def mix_of(issues: Iterable[Issue], at: DateTime) -> set[str]:
    """What a set of issues has been through, as far as the rates tell them apart."""
    seen: set[str] = set()
    for issue in issues:
        status = issue.status
        checks = {
            "dismissed": status is S.DISMISSED,
            "closed": status is S.CLOSED,
            "returned": issue.returned_as_of(),
            "redone": issue.redone_as_of(),
            "rated": issue.latest_evaluation_as_of() is not None,
            "voided": bool(issue.voided_ratings_as_of()),
            "closed on time": summary_of(issue).on_time is True,
            "closed late": summary_of(issue).on_time is False,
            "overdue": summary_of(issue).is_overdue(at),
        }
        seen.update(name for name, held in checks.items() if held)
    return seen


def test_summary_lines_and_figures_of_seeded_ledgers_are_those_of_the_issues(
    tmp_path: Path,
) -> None:
    """Ledgers moved by seeded random walks, written to stores: every line is what
    IssueSummary.of reads off the issue, and every figure is the rate the rate functions
    count over the full issues, for a mix with dismissals, returns, redos, voided ratings."""
    seen: set[str] = set()
    for seed in range(4, 8):
        policy = POLICIES[seed % len(POLICIES)]
        ledger, last = random_ledger(RandomDraw(seed), policy, issues=8, steps=320)
        issues = list(ledger.issues())
        later = last.add(days=400)
        seen |= mix_of(issues, later)
        with open_new(tmp_path / f"mix-{seed}.db", policy=policy) as store:
            assert store.write_ledgers(ledger) == sum(len(issue.history) for issue in issues)
            lines = store.summaries()
            assert by_id(lines) == {issue.id: summary_of(issue) for issue in issues}
            for issue in issues:
                line = by_id(lines)[issue.id]
                assert line.received_at == issue.received_at
                assert line.version == store.version(issue.id) == len(issue.history)
            for at in (T0, last, later):
                figures = store.figures(at=at)
                assert figures == issue_figures(lines, at=at)
                assert figures.rates() == rates_of(issues)
                assert (figures.received, figures.dismissed) == (
                    len(issues),
                    sum(issue.status is S.DISMISSED for issue in issues),
                )
                assert dict(figures.statuses) == dict(ledger.counts())
                assert figures.open == sum(
                    issue.status not in (S.CLOSED, S.DISMISSED) for issue in issues
                )
                # Overdue: not yet answered in this round (an answered item waits
                # for its rating, not for the unit), with the deadline passed.
                overdue = {
                    issue.id
                    for issue in issues
                    if issue.status not in (S.CLOSED, S.DISMISSED, S.ANSWERED)
                    and issue.deadline is not None
                    and issue.deadline < at
                }
                assert figures.overdue == len(overdue)
                assert {line.id for line in store.summaries(overdue_at=at)} == overdue
            strict = issue_figures(lines, at=last, basically_satisfied=False)
            assert strict.rates() == rates_of(issues, basically_satisfied=False)
    assert seen >= {
        "dismissed",
        "closed",
        "returned",
        "redone",
        "rated",
        "voided",
        "closed on time",
        "closed late",
        "overdue",
    }


@FEW
@given(data=st.data(), policy=st.sampled_from(POLICIES))
def test_summary_lines_and_figures_are_those_of_random_ledgers(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, policy: WorkflowPolicy
) -> None:
    draw = HypothesisDraw(data)
    ledger, last = random_ledger(draw, policy, issues=draw.integer(1, 4), steps=draw.integer(0, 40))
    issues = list(ledger.issues())
    with open_new(tmp_path_factory.mktemp("summaries") / "ledger.db", policy=policy) as store:
        written = store.write_ledgers(ledger, batch_size=draw.integer(1, 3))
        assert written == sum(len(issue.history) for issue in issues)
        lines = store.summaries()
        assert by_id(lines) == {issue.id: summary_of(issue) for issue in issues}
        figures = issue_figures(lines, at=last)
        assert figures.rates() == rates_of(issues)
        assert issue_figures(lines, at=last, basically_satisfied=False).rates() == rates_of(
            issues, basically_satisfied=False
        )
        # Figures add up: the lines split anywhere give the whole when added.
        cut = draw.integer(0, len(lines))
        assert issue_figures(lines[:cut], at=last) + issue_figures(lines[cut:], at=last) == figures
        groups = issue_figures_by(lines, lambda line: line.unit, at=last)
        assert list(groups) == list(dict.fromkeys(line.unit for line in lines))
        for unit, group in groups.items():
            assert group == issue_figures([line for line in lines if line.unit == unit], at=last)
            assert group.rates() == rates_of([i for i in issues if i.responsible_unit == unit])
        assert functools.reduce(operator.add, groups.values()) == figures
        # And the events replay to the issues.
        assert list(store.ledger().issues()) == sorted(issues, key=lambda issue: issue.id)


def test_figures_add_their_counts() -> None:
    def line(issue_id: str, status: IssueStatus, **flags: Any) -> IssueSummary:
        return attrs.evolve(summary_of(new_issue(issue_id)), status=status, **flags)

    left = issue_figures(
        [line("a", S.CLOSED, signed_for=True, on_time=True), line("b", S.DISMISSED)], at=T0
    )
    right = issue_figures([line("c", S.CLOSED, signed_for=True, on_time=False)], at=T0)
    total = left + right
    assert (total.received, total.dismissed) == (3, 1)
    assert dict(total.statuses) == {S.CLOSED: 2, S.DISMISSED: 1}
    assert total.completion == Rate(2, 2)
    assert total.on_time == Rate(1, 2)
    assert total.response == Rate(2, 2)
    assert total == issue_figures(
        [
            line("a", S.CLOSED, signed_for=True, on_time=True),
            line("b", S.DISMISSED),
            line("c", S.CLOSED, signed_for=True, on_time=False),
        ],
        at=T0,
    )
    assert left.__add__(3) is NotImplemented  # type: ignore[operator]
    with pytest.raises(TypeError):
        left + 3  # type: ignore[operator]
    assert isinstance(total, IssueFigures)


def pledge_mix() -> PledgeLedger:
    """Pledges in every standing: fulfilled, published, under way, lapsed, withdrawn
    before and after publication, and a draft."""
    ledger = PledgeLedger()
    member, leader = pw.MEMBER, pw.LEADER

    def at(hours: int) -> DateTime:
        return pw.T0.add(hours=hours)

    for pledge_id, kind in (
        ("fulfilled", "member"),
        ("published", "branch"),
        ("going", "leader"),
        ("lapsed", "member"),
        ("dropped", "leader"),
        ("recalled", "member"),
        ("draft", "branch"),
        ("key", "key"),
    ):
        ledger.claim(pw.new_pledge(kind, id=pledge_id), actor=pw.SUPERVISOR)
    for pledge_id, keeper in (
        ("fulfilled", member),
        ("published", member),
        ("going", leader),
        ("lapsed", member),
        ("recalled", member),
    ):
        ledger.apply(pledge_id, "publish", actor=keeper, at=at(1), deadline=pw.DUE)
    for pledge_id, keeper in (("fulfilled", member), ("going", leader), ("lapsed", member)):
        ledger.apply(pledge_id, "start", actor=keeper, at=at(2))
    ledger.apply("fulfilled", "fulfil", actor=pw.REVIEWER, at=at(3))
    ledger.apply("lapsed", "lapse", actor=pw.PLATFORM, at=pw.DUE.add(hours=1))
    ledger.apply("dropped", "withdraw", actor=leader, at=at(4), note="与村级计划重复")
    ledger.apply("recalled", "withdraw", actor=member, at=at(5), note="已由他人认领")
    for event, actor, hours, note, args in pw.SCRIPT:
        ledger.apply("key", event, actor=actor, at=at(hours), note=note, **args)
    return ledger


def test_pledge_lines_and_figures_are_those_of_the_pledges(tmp_path: Path) -> None:
    ledger = pledge_mix()
    pledges = list(ledger.pledges())
    assert set(ledger.counts()) == set(PledgeStatus)
    with open_new(tmp_path / "pledges.db") as store:
        assert store.write_ledgers(pledges=ledger) == sum(len(p.history) for p in pledges)
        lines = store.pledge_summaries()
        assert by_id(lines) == {pledge.id: pledge_summary_of(pledge) for pledge in pledges}
        figures = pledge_figures(lines)
        assert figures.completion == pledge_completion_rate(pledges).rate == Rate(2, 5)
        assert figures.pledges == len(pledges)
        assert dict(figures.statuses) == dict(ledger.counts())
        for cut in range(len(lines) + 1):
            added = pledge_figures(lines[:cut]) + pledge_figures(lines[cut:])
            assert added == figures
        assert isinstance(figures, PledgeFigures)
        assert list(store.pledge_ledger().pledges()) == sorted(pledges, key=lambda p: p.id)
        for pledge in pledges:
            assert store.pledge(pledge.id) == pledge


# -- 5. queries ------------------------------------------------------------------------------

QUERY_UNITS = UnitTree(
    [
        Unit(id="county", name="县政府", level=Level.COUNTY),
        Unit(id="town-1", name="一镇", level=Level.TOWNSHIP, parent="county"),
        Unit(id="town-2", name="二镇", level=Level.TOWNSHIP, parent="county"),
        Unit(id="village-1", name="一村", level=Level.VILLAGE, parent="town-1"),
    ]
)


def handler(unit: str) -> Actor:
    return HANDLERS.get(unit) or Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit)


def query_store(path: Path) -> LedgerStore:
    """Six issues, received an hour apart from T0:

    q1 转办 to town-1 (due T0+2d); q2 共办, in progress in village-1 (due T0+5d);
    q3 督办, 转办 to town-2 (due T0+1d); q4 only received; q5 dismissed; q6 closed in
    town-1 after its deadline (T0+1d) had passed.
    """
    store = open_new(path)
    tracks = (Track.IMMEDIATE, Track.JOINT, Track.SUPERVISED, *[Track.IMMEDIATE] * 3)
    for number, track in enumerate(tracks, start=1):
        issue = new_issue(f"q{number}", track=track, received_at=T0.add(hours=number - 1))
        store.receive(issue, actor=CLERK)
    six = T0.add(hours=6)
    store.apply("q1", "transfer", actor=DISPATCHER, at=six, **transfer_args("town-1", 2))
    store.apply(
        "q2",
        "transfer",
        actor=DISPATCHER,
        at=six,
        co_units=("town-2",),
        **transfer_args("village-1", 5),
    )
    store.apply("q2", "sign_for", actor=handler("village-1"), at=six.add(hours=1))
    store.apply(
        "q3",
        "transfer",
        actor=DISPATCHER,
        at=six,
        supervising_unit="county",
        **transfer_args("town-2", 1),
    )
    store.apply(
        "q5",
        "dismiss",
        actor=DISPATCHER,
        at=six,
        note="重复",
        reason=DismissalReason.DUPLICATE,
        original="q4",
    )
    store.apply("q6", "transfer", actor=DISPATCHER, at=six, **transfer_args("town-1", 1))
    town = handler("town-1")
    store.apply("q6", "sign_for", actor=town, at=six.add(hours=1))
    store.apply("q6", "resolve", actor=town, at=T0.add(days=2))
    answer = attrs.evolve(FEEDBACK, at=T0.add(days=2, hours=1))
    store.apply("q6", "answer", actor=town, at=answer.at, feedback=answer)
    rating = Evaluation(issue_id="q6", rating=Rating.SATISFIED, resolved=True, at=T0.add(days=3))
    assert (
        store.apply("q6", "rate", actor=THE_REQUESTER, at=rating.at, evaluation=rating) is S.CLOSED
    )
    return store


def ids_of(lines: Iterable[IssueSummary]) -> set[str]:
    return {line.id for line in lines}


def test_the_unit_filter_takes_the_whole_subtree_of_the_saved_tree(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with query_store(path) as store:
        assert store.units is None
        # With no tree saved, a unit is just itself.
        assert ids_of(store.summaries(unit="town-1")) == {"q1", "q6"}
        assert ids_of(store.summaries(unit="county")) == set()
        store.save_units(QUERY_UNITS)
        assert store.units is not None
        assert list(store.units) == list(QUERY_UNITS)
        assert ids_of(store.summaries(unit="county")) == {"q1", "q2", "q3", "q6"}
        assert ids_of(store.summaries(unit="town-1")) == {"q1", "q2", "q6"}
        assert ids_of(store.summaries(unit="village-1")) == {"q2"}
        assert ids_of(store.summaries(unit="town-2")) == {"q3"}
        assert ids_of(store.summaries(unit="elsewhere")) == set()
        assert store.verify()
    with LedgerStore.open(path) as reopened:
        assert list(reopened.units or ()) == list(QUERY_UNITS)
        assert ids_of(reopened.summaries(unit="town-1")) == {"q1", "q2", "q6"}
        # Saving another tree replaces the first: village-1 moves under town-2.
        moved = UnitTree(
            [
                unit if unit.id != "village-1" else attrs.evolve(unit, parent="town-2")
                for unit in QUERY_UNITS
            ]
        )
        reopened.save_units(moved)
        assert list(reopened.units or ()) == list(moved)
        assert ids_of(reopened.summaries(unit="town-1")) == {"q1", "q6"}
        assert ids_of(reopened.summaries(unit="town-2")) == {"q2", "q3"}


def test_status_and_track_filters_take_one_value_or_several(tmp_path: Path) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        store.save_units(QUERY_UNITS)
        every = store.summaries()
        assert ids_of(every) == {f"q{n}" for n in range(1, 7)}
        assert ids_of(store.summaries(status=S.TRANSFERRED)) == {"q1", "q3"}
        assert ids_of(store.summaries(status=[S.IN_PROGRESS, S.DISMISSED])) == {"q2", "q5"}
        assert ids_of(store.summaries(status=frozenset({S.CLOSED}))) == {"q6"}
        assert store.summaries(status=()) == []
        assert store.summaries(status=S.RESOLVED) == []
        assert ids_of(store.summaries(track=Track.JOINT)) == {"q2"}
        assert ids_of(store.summaries(track={Track.SUPERVISED, Track.JOINT})) == {"q2", "q3"}
        assert store.summaries(track=[]) == []
        # Filters together: every one must match.
        assert ids_of(store.summaries(unit="town-1", status=S.TRANSFERRED)) == {"q1"}
        assert ids_of(store.summaries(unit="county", track=Track.IMMEDIATE)) == {"q1", "q6"}
        for status in IssueStatus:
            expected = {line.id for line in every if line.status is status}
            assert ids_of(store.summaries(status=status)) == expected
        for track in Track:
            expected = {line.id for line in every if line.track is track}
            assert ids_of(store.summaries(track=track)) == expected


def test_the_receipt_window_includes_its_start_and_excludes_its_end(tmp_path: Path) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        one, three = T0.add(hours=1), T0.add(hours=3)
        after_one = {"q2", "q3", "q4", "q5", "q6"}
        assert ids_of(store.summaries(received_from=one)) == after_one
        assert ids_of(store.summaries(received_before=one)) == {"q1"}
        assert ids_of(store.summaries(received_from=one, received_before=three)) == {"q2", "q3"}
        assert store.summaries(received_from=three, received_before=three) == []
        assert store.summaries(received_from=three, received_before=one) == []
        # Moments are instants, whatever their zone; a microsecond counts.
        new_york = one.in_timezone("America/New_York")
        assert ids_of(store.summaries(received_from=new_york)) == after_one
        assert ids_of(store.summaries(received_from=one.add(microseconds=1))) == after_one - {"q2"}
        assert ids_of(store.summaries(received_before=one.add(microseconds=1))) == {"q1", "q2"}
        for line in store.summaries():
            assert line.received_us == micros(store.issue(line.id).received_at)


def test_overdue_at_keeps_the_open_issues_past_their_deadline(tmp_path: Path) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        issues = {issue.id: issue for issue in store.issues()}
        assert issues["q3"].deadline == T0.add(days=1) == issues["q6"].deadline
        day = T0.add(days=1)
        assert store.summaries(overdue_at=day) == []  # due at that very moment: not late yet
        assert ids_of(store.summaries(overdue_at=day.add(microseconds=1))) == {"q3"}
        assert ids_of(store.summaries(overdue_at=T0.add(days=30))) == {"q1", "q2", "q3"}
        for at in (T0, day, day.add(seconds=1), T0.add(days=2, seconds=1), T0.add(days=30)):
            expected = {
                issue.id
                for issue in issues.values()
                if issue.status not in (S.CLOSED, S.DISMISSED)
                and issue.deadline is not None
                and issue.deadline < at
            }
            assert ids_of(store.summaries(overdue_at=at)) == expected
            assert store.figures(at=at).overdue == len(expected)
            assert {line.id for line in store.summaries() if line.is_overdue(at)} == expected
        assert ids_of(store.summaries(overdue_at=T0.add(days=30), status=S.IN_PROGRESS)) == {"q2"}


@pytest.mark.parametrize(
    ("filters", "error", "field"),
    [
        ({"status": "received"}, InvalidTypeError, "status"),
        ({"status": ["received"]}, InvalidTypeError, "status"),
        ({"status": [S.CLOSED, Track.JOINT]}, InvalidTypeError, "status"),
        ({"track": "joint"}, InvalidTypeError, "track"),
        ({"track": [S.CLOSED]}, InvalidTypeError, "track"),
        ({"received_from": "2026-03-02"}, InvalidTypeError, "received_from"),
        ({"received_before": 1_772_413_200}, InvalidTypeError, "received_before"),
        ({"overdue_at": T0.date()}, InvalidTypeError, "overdue_at"),
        ({"received_from": T0.naive()}, NaiveDatetimeError, "received_from"),
    ],
    ids=lambda value: str(value) if not isinstance(value, dict) else "-".join(value),
)
def test_filters_of_the_wrong_type_are_refused(
    tmp_path: Path, filters: dict[str, Any], error: type[BanshishiError], field: str
) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        with pytest.raises(error) as caught:
            store.summaries(**filters)
        assert type(caught.value) is error
        assert caught.value.field == field
        assert field in str(caught.value)


@pytest.mark.parametrize("unit", [5, ["town-1"], ("county",)], ids=["number", "list", "tuple"])
def test_a_unit_filter_of_the_wrong_type_is_refused(tmp_path: Path, unit: Any) -> None:
    with query_store(tmp_path / "ledger.db") as store:
        store.save_units(QUERY_UNITS)
        with pytest.raises(InvalidTypeError) as caught:
            store.summaries(unit=unit)
        assert caught.value.field == "unit"
        assert "unit" in str(caught.value)


# -- 6. the store as of a past moment --------------------------------------------------------


def test_as_of_a_moment_leaves_out_what_came_later(tmp_path: Path) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        store.receive(new_issue("early"), actor=CLERK)
        store.apply("early", "sign_for", actor=CENTRE, at=T0.add(hours=2))
        store.receive(new_issue("late", received_at=T0.add(days=1)), actor=CLERK)
        store.claim(pw.new_pledge(id="first"), actor=pw.MEMBER)
        store.apply_pledge(
            "first", "publish", actor=pw.MEMBER, at=pw.T0.add(hours=1), deadline=pw.DUE
        )
        store.apply_pledge("first", "start", actor=pw.MEMBER, at=pw.T0.add(hours=2))
        store.apply_pledge("first", "fulfil", actor=pw.REVIEWER, at=pw.T0.add(hours=5))
        store.claim(pw.new_pledge(id="second", claimed_at=pw.T0.add(days=2)), actor=pw.MEMBER)
        hour = T0.add(hours=1)
        (early,) = store.issues(as_of=hour)
        assert (early.id, early.status) == ("early", S.RECEIVED)
        assert early.history == store.history("early")[:1]
        assert list(store.ledger(as_of=hour)) == ["early"]
        assert store.ledger(as_of=hour).counts() == {S.RECEIVED: 1}
        assert [(line.id, line.status, line.version) for line in store.summaries_as_of(hour)] == [
            ("early", S.RECEIVED, 1)
        ]
        assert list(store.issues(as_of=T0.subtract(seconds=1))) == []
        assert store.summaries_as_of(T0.subtract(seconds=1)) == []
        both = store.ledger(as_of=T0.add(days=1))
        assert both.counts() == {S.IN_PROGRESS: 1, S.RECEIVED: 1}
        assert sorted(both) == ["early", "late"]
        # Pledges too: the first was under way, not yet fulfilled, at three o'clock.
        three = pw.T0.add(hours=3)
        assert [(p.id, p.status) for p in store.pledges(as_of=three)] == [("first", P.IN_PROGRESS)]
        full = list(store.pledges())
        assert pledge_completion_rate(store.pledges(as_of=three)).rate == Rate(0, 1)
        assert pledge_completion_rate(full, as_of=three).rate == Rate(0, 1)
        at_five = store.pledge_ledger(as_of=pw.T0.add(hours=5))
        assert pledge_completion_rate(at_five.pledges()).rate == Rate(1, 1)
        assert len(store.pledge_ledger(as_of=pw.T0.add(days=3))) == 2
        # Now (as_of None) is everything.
        assert list(store.ledger().issues()) == list(store.issues())
        assert [i.id for i in store.issues(as_of=None)] == ["early", "late"]


@FEW
@given(data=st.data(), policy=st.sampled_from(POLICIES))
def test_the_store_as_of_a_moment_holds_the_issues_as_they_stood(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, policy: WorkflowPolicy
) -> None:
    """Rebuilt from the events up to a moment, each issue stands as the full issue says it
    stood (status_as_of and its siblings), its summary line is IssueSummary.of as of that
    moment, and the figures are the rates as of that moment. Feedback and ratings are
    dated at their steps here; see the test after this one for those dated earlier."""
    draw = HypothesisDraw(data)
    ledger, last = random_ledger(
        draw, policy, issues=draw.integer(1, 3), steps=draw.integer(1, 30), backdated=False
    )
    issues = {issue.id: issue for issue in ledger.issues()}
    full = list(issues.values())
    times = sorted({event.at for issue in full for event in issue.history})
    moments = [
        draw.choice(times),
        draw.choice(times).add(seconds=draw.choice((1, 1800))),
        T0.subtract(seconds=1),
        last.add(days=1),
    ]
    with open_new(tmp_path_factory.mktemp("as-of") / "ledger.db", policy=policy) as store:
        store.write_ledgers(ledger)
        for moment in moments:
            rebuilt = {issue.id: issue for issue in store.issues(as_of=moment)}
            assert set(rebuilt) == {i.id for i in full if i.received_at <= moment}
            for issue_id, then in rebuilt.items():
                issue = issues[issue_id]
                assert then.history == tuple(e for e in issue.history if e.at <= moment)
                assert then.status is issue.status_as_of(moment)
                assert then.closed_at_as_of() == issue.closed_at_as_of(moment)
                assert then.signed_for_as_of() == issue.signed_for_as_of(moment)
                assert then.transferred_as_of() == issue.transferred_as_of(moment)
                assert then.returned_as_of() == issue.returned_as_of(moment)
                assert then.redone_as_of() == issue.redone_as_of(moment)
                assert then.answered_as_of() == issue.answered_as_of(moment)
                assert then.latest_evaluation_as_of() == issue.latest_evaluation_as_of(moment)
            lines = by_id(store.summaries_as_of(moment))
            assert set(lines) == set(rebuilt)
            for issue_id, line in lines.items():
                then = rebuilt[issue_id]
                expected = IssueSummary.of(
                    issues[issue_id], version=len(then.history), as_of=moment
                )
                # The track and unit are those the issue had then (see the xfail test below).
                assert line == attrs.evolve(expected, track=then.track, unit=then.responsible_unit)
            as_of = rates_of(full, as_of=moment)
            assert issue_figures(lines.values(), at=moment).rates() == as_of
            assert rates_of(list(rebuilt.values())) == as_of
            assert store.ledger(as_of=moment).counts() == Counter(
                status for i in full if (status := i.status_as_of(moment)) is not None
            )
        assert list(store.issues(as_of=last.add(days=1))) == sorted(full, key=lambda i: i.id)


def answered_an_hour_after_the_feedback(store: LedgerStore) -> tuple[Issue, DateTime]:
    """An issue answered at 04:00 with feedback given at 03:00; and 03:30."""
    receive_issues(store, "a")
    store.apply("a", "sign_for", actor=CENTRE, at=T0.add(hours=1))
    store.apply("a", "resolve", actor=CENTRE, at=T0.add(hours=2))
    feedback = attrs.evolve(FEEDBACK, at=T0.add(hours=3))
    store.apply("a", "answer", actor=CENTRE, at=T0.add(hours=4), feedback=feedback)
    return store.issue("a"), T0.add(hours=3, minutes=30)


def test_feedback_dated_before_its_answer_step_counts_from_the_step_everywhere(
    tmp_path: Path,
) -> None:
    """One as-of rule for an answer (docs/metrics.md): it counts from the step that
    recorded it, in the issue's methods and rates as in the ledger as it stood."""
    with open_new(tmp_path / "ledger.db") as store:
        issue, moment = answered_an_hour_after_the_feedback(store)
        assert not issue.answered_as_of(moment)
        assert redo_rate([issue], as_of=moment).rate == Rate(0, 0)
        assert redo_rate(store.issues(as_of=moment)).rate == Rate(0, 0)
        (then,) = store.issues(as_of=moment)
        assert then.status is issue.status_as_of(moment) is S.RESOLVED
        (line,) = store.summaries_as_of(moment)
        assert line.answered is IssueSummary.of(issue, version=3, as_of=moment).answered is False
        later = T0.add(hours=4)
        (line,) = store.summaries_as_of(later)
        assert line.answered is IssueSummary.of(issue, version=4, as_of=later).answered is True


def test_summaries_as_of_a_moment_have_the_unit_and_track_of_then(tmp_path: Path) -> None:
    """``IssueSummary.of(issue, as_of=m)`` keeps the issue's present unit and track
    (it reads the full issue); ``summaries_as_of(m)`` rebuilds the issue as it
    stood and has those of then. The rate facts agree."""
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        store.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=2), **transfer_args())
        store.apply(
            "a",
            "change_track",
            actor=DISPATCHER,
            at=T0.add(hours=3),
            track=Track.JOINT,
            co_units=("u2",),
            note="多部门共办",
        )
        issue = store.issue("a")
        moment = T0.add(hours=1)
        (line,) = store.summaries_as_of(moment)
        assert (line.unit, line.track) == (None, Track.IMMEDIATE)  # as the events say
        present = IssueSummary.of(issue, version=1, as_of=moment)
        assert (present.unit, present.track) == ("u1", Track.JOINT)
        assert attrs.evolve(present, unit=None, track=Track.IMMEDIATE) == line


# -- 7. the chain, and writing whole ledgers -------------------------------------------------


def test_verify_vouches_for_a_healthy_store_and_finds_tampering(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with open_new(path) as store:
        assert store.verify() == ChainReport(intact=True, events=0, head=store.head())
        receive_issues(store, "a", "b")
        store.apply("a", "sign_for", actor=CENTRE, at=T0.add(hours=1))
        store.claim(pw.new_pledge(), actor=pw.MEMBER)
        store.save_units(QUERY_UNITS)
        report = store.verify()
        assert report
        # The unit tree's first version is the chain's fifth link, not an event.
        assert report == ChainReport(intact=True, events=5, head=store.head())
        assert (report.first_bad, report.problem) == (None, "")
        stored = list(store.store.events())
        assert [event.seq for event in stored] == [1, 2, 3, 4]
        assert [(e.record_id, e.version) for e in stored] == [
            ("a", 1),
            ("b", 1),
            ("a", 2),
            ("2026-member-001", 1),
        ]
        assert len({event.hash for event in stored}) == 4

        def tamper(sql: str) -> None:
            with contextlib.closing(sqlite3.connect(path)) as db:
                db.execute(sql)
                db.commit()

        tamper("UPDATE events SET note = '改过' WHERE seq = 3")
        changed = store.verify()
        assert not changed
        assert (changed.first_bad, changed.events) == (3, 2)
        assert "event 3" in changed.problem
        tamper("UPDATE events SET note = '' WHERE seq = 3")
        assert store.verify()
        tamper("UPDATE issues SET version = 7 WHERE id = 'b'")
        stale = store.verify()
        assert not stale
        assert stale.first_bad is None
        assert "'b'" in stale.problem
        tamper("UPDATE issues SET version = 1 WHERE id = 'b'")
        tamper("DELETE FROM events WHERE seq = 4")
        cut = store.verify()
        assert not cut
        assert (cut.events, cut.first_bad) == (3, 4)


def test_write_ledgers_refuses_a_record_whose_history_does_not_begin_with_its_creation(
    tmp_path: Path,
) -> None:
    ledger = Ledger()
    for issue_id in ("a", "b", "c"):
        ledger.receive(new_issue(issue_id), actor=CLERK)
    ledger.add(new_issue("bare"))  # added as it stands: no history at all
    with open_new(tmp_path / "ledger.db") as store:
        progress: list[tuple[int, int]] = []
        with pytest.raises(InconsistentRecordError) as caught:
            store.write_ledgers(ledger, batch_size=2, progress=lambda *done: progress.append(done))
        assert caught.value.field == "issue 'bare'.history"
        assert "issue 'bare'.history" in str(caught.value)
        assert "receive" in caught.value.problem
        # The batch before it was written; the failing batch not at all.
        assert progress == [(2, 4)]
        assert ids_of(store.summaries()) == {"a", "b"}
        assert store.version("c") == 0
        assert store.verify() == ChainReport(intact=True, events=2, head=store.head())
    # A history that begins mid-way (a workflow's, without the receipt) is refused too.
    issue = new_issue("wf")
    IssueWorkflow(issue).sign_for(actor=CENTRE, at=T0.add(hours=1))
    midway = Ledger()
    midway.add(issue)
    bare_pledges = PledgeLedger()
    bare_pledges.add(pw.new_pledge())
    with open_new(tmp_path / "other.db") as store:
        with pytest.raises(InconsistentRecordError) as caught:
            store.write_ledgers(midway)
        assert caught.value.field == "issue 'wf'.history"
        assert caught.value.value == issue.history[0]
        with pytest.raises(InconsistentRecordError) as caught:
            store.write_ledgers(pledges=bare_pledges)
        assert caught.value.field == "pledge '2026-member-001'.history"
        assert store.verify() == ChainReport(intact=True, events=0, head=store.head())


def test_write_ledgers_writes_everything_in_batches_and_reports_progress(tmp_path: Path) -> None:
    ledger, _ = random_ledger(RandomDraw(7), DEFAULT_POLICY, issues=7, steps=70)
    pledges = PledgeLedger()
    for pledge_id in ("p1", "p2"):
        pledges.claim(pw.new_pledge(id=pledge_id), actor=pw.MEMBER)
    pledges.apply("p1", "publish", actor=pw.MEMBER, at=pw.T0.add(hours=1), deadline=pw.DUE)
    events = sum(len(i.history) for i in ledger.issues()) + 3
    with open_new(tmp_path / "ledger.db") as store:
        progress: list[tuple[int, int]] = []
        written = store.write_ledgers(
            ledger, pledges, batch_size=3, progress=lambda *done: progress.append(done)
        )
        assert written == events
        assert progress == [(3, 9), (6, 9), (7, 9), (9, 9)]
        assert store.verify() == ChainReport(intact=True, events=events, head=store.head())
        for issue in ledger.issues():
            assert store.history(issue.id) == issue.history
        assert by_id(store.pledge_summaries()) == {
            p.id: pledge_summary_of(p) for p in pledges.pledges()
        }
        # Written again, the same records are duplicates: nothing more is written.
        before = snapshot(store)
        with pytest.raises(DuplicateError):
            store.write_ledgers(ledger)
        assert snapshot(store) == before
        assert store.write_ledgers() == 0
        calls: list[tuple[int, int]] = []
        assert store.write_ledgers(Ledger(), progress=lambda *done: calls.append(done)) == 0
        assert snapshot(store) == before
    with open_new(tmp_path / "one.db") as store:
        calls = []
        issue_events = events - 3
        assert (
            store.write_ledgers(ledger, progress=lambda *done: calls.append(done)) == issue_events
        )
        assert calls == [(7, 7)]  # one batch of the default size


@pytest.mark.parametrize(
    ("arguments", "error", "field"),
    [
        ({"batch_size": 0}, InvalidValueError, "batch_size"),
        ({"batch_size": -5}, InvalidValueError, "batch_size"),
        ({"batch_size": 1.5}, InvalidTypeError, "batch_size"),
        ({"batch_size": True}, InvalidTypeError, "batch_size"),
        ({"batch_size": "100"}, InvalidTypeError, "batch_size"),
        ({"issues": "ledger"}, InvalidTypeError, "issues"),
        ({"issues": PledgeLedger()}, InvalidTypeError, "issues"),
        ({"pledges": Ledger()}, InvalidTypeError, "pledges"),
    ],
    ids=[
        "zero",
        "negative",
        "float",
        "bool",
        "text",
        "issues-text",
        "issues-pledges",
        "pledges-issues",
    ],
)
def test_write_ledgers_checks_its_arguments(
    tmp_path: Path, arguments: dict[str, Any], error: type[BanshishiError], field: str
) -> None:
    ledger = Ledger()
    ledger.receive(new_issue("a"), actor=CLERK)
    with open_new(tmp_path / "ledger.db") as store:
        with pytest.raises(error) as caught:
            store.write_ledgers(**({"issues": ledger} | arguments))
        assert type(caught.value) is error
        assert caught.value.field == field
        assert field in str(caught.value)
        assert store.verify() == ChainReport(intact=True, events=0, head=store.head())


# -- 8. errors -------------------------------------------------------------------------------

Use = Callable[[LedgerStore], object]
ERRORS: list[tuple[str, Use, type[BanshishiError], str]] = [
    ("issue", lambda s: s.issue("nobody"), NotFoundError, "issue_id"),
    ("history", lambda s: s.history("nobody"), NotFoundError, "issue_id"),
    ("pledge", lambda s: s.pledge("nobody"), NotFoundError, "pledge_id"),
    ("pledge-history", lambda s: s.pledge_history("a"), NotFoundError, "pledge_id"),
    (
        "apply-unknown",
        lambda s: s.apply("nobody", "urge", actor=PLATFORM),
        NotFoundError,
        "issue_id",
    ),
    (
        "apply-pledge-unknown",
        lambda s: s.apply_pledge("a", "publish", actor=pw.MEMBER),
        NotFoundError,
        "pledge_id",
    ),
    ("apply-id", lambda s: s.apply(5, "urge", actor=PLATFORM), InvalidTypeError, "issue_id"),
    (
        "apply-pledge-id",
        lambda s: s.apply_pledge(None, "publish", actor=pw.MEMBER),
        InvalidTypeError,
        "pledge_id",
    ),
    (
        "version-text",
        lambda s: s.apply("a", "sign_for", actor=CENTRE, expected_version="1"),
        InvalidTypeError,
        "expected_version",
    ),
    (
        "version-bool",
        lambda s: s.apply("a", "sign_for", actor=CENTRE, expected_version=True),
        InvalidTypeError,
        "expected_version",
    ),
    (
        "version-negative",
        lambda s: s.apply("a", "sign_for", actor=CENTRE, expected_version=-1),
        InvalidValueError,
        "expected_version",
    ),
    (
        "event",
        lambda s: s.apply("a", "fly", actor=CENTRE, at=T0.add(hours=1)),
        TransitionRefusedError,
        "event",
    ),
    (
        "actor",
        lambda s: s.apply("a", "sign_for", actor=U1, at=T0.add(hours=1)),
        RoleError,
        "sign_for.actor.unit",
    ),
    ("receive", lambda s: s.receive("a", actor=CLERK), InvalidTypeError, "issue"),
    (
        "receive-role",
        lambda s: s.receive(new_issue("z"), actor=REVIEWER),
        RoleError,
        "receive.actor.role",
    ),
    ("claim", lambda s: s.claim("p", actor=pw.MEMBER), InvalidTypeError, "pledge"),
    ("save-units", lambda s: s.save_units(["county"]), InvalidTypeError, "units"),
    ("issues-as-of", lambda s: list(s.issues(as_of="2026-03-02")), InvalidTypeError, "as_of"),
    ("pledges-as-of", lambda s: list(s.pledges(as_of=1)), InvalidTypeError, "as_of"),
    ("ledger-as-of", lambda s: s.ledger(as_of=T0.naive()), NaiveDatetimeError, "as_of"),
    ("summaries-as-of", lambda s: s.summaries_as_of("now"), InvalidTypeError, "as_of"),
    ("figures-at", lambda s: s.figures(at=None), InvalidTypeError, "at"),
    (
        "policy",
        lambda s: LedgerStore(s.store, policy="strict"),
        InvalidTypeError,
        "LedgerStore.policy",
    ),
    ("path", lambda s: SqliteEventStore(5), InvalidTypeError, "path"),
]


@pytest.mark.parametrize(
    ("use", "error", "field"), [case[1:] for case in ERRORS], ids=[case[0] for case in ERRORS]
)
def test_errors_name_the_field_and_change_nothing(
    tmp_path: Path, use: Use, error: type[BanshishiError], field: str
) -> None:
    with open_new(tmp_path / "ledger.db") as store:
        receive_issues(store, "a")
        before = snapshot(store)
        with pytest.raises(error) as caught:
            use(store)
        assert type(caught.value) is error
        assert isinstance(caught.value, BanshishiError)
        assert caught.value.field == field
        assert field in str(caught.value)
        assert snapshot(store) == before
        # and the store goes on as before
        assert store.apply("a", "sign_for", actor=CENTRE, at=T0.add(hours=1)) is S.IN_PROGRESS


def test_only_a_banshishi_ledger_file_is_opened(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("不是账本", encoding="utf-8")
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE t (x)")
        db.commit()
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for path in (text, other, empty, tmp_path / "missing.db", tmp_path):
        content = path.read_bytes() if path.is_file() else None
        with pytest.raises(NotALedgerError) as caught:
            LedgerStore.open(path)
        assert caught.value.field == "path"
        assert str(path) in str(caught.value)
        assert (path.read_bytes() if path.is_file() else None) == content
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(NotALedgerError):
        LedgerStore.open(tmp_path / "no-folder" / "ledger.db", create=True)
    with LedgerStore.open(tmp_path / "new.db", create=True) as store:
        assert isinstance(store.store, SqliteEventStore)
        assert store.policy is DEFAULT_POLICY
    with LedgerStore.open(tmp_path / "new.db", create=True) as again:  # it exists: opened
        assert again.verify() == ChainReport(intact=True, events=0, head=again.head())


@pytest.mark.parametrize(
    ("options", "field"),
    [({"policy": "strict"}, "LedgerStore.policy"), ({"clock": "now"}, "LedgerStore.clock")],
    ids=["policy", "clock"],
)
def test_an_open_refused_for_its_options_creates_no_file(
    tmp_path: Path, options: dict[str, Any], field: str
) -> None:
    path = tmp_path / "ledger.db"
    with pytest.raises(InvalidTypeError) as caught:
        LedgerStore.open(path, create=True, **options)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert list(tmp_path.iterdir()) == []


# -- 9. a store and a ledger side by side, step by random step -------------------------------


class StoreMachine(RuleBasedStateMachine):
    """A LedgerStore and an in-memory Ledger and PledgeLedger (the mirror) taking the same
    random steps: single steps, small batches (some with refused steps), a second writer
    on the same file, stale versions, and reopenings of the store in a new instance."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.path = folder / "machine.db"
        self.policy = DEFAULT_POLICY
        self.store = open_new(self.path)
        self.ledger = Ledger()
        self.pledges = PledgeLedger()
        self.keepers: dict[str, Actor] = {}
        self.stale: dict[str, int] = {}
        """Issues another instance wrote to: the version the main store saw before."""
        self.now = T0

    # -- setting up, and moving time on --

    @initialize(policy=st.sampled_from(POLICIES), data=st.data())
    def open_store(self, policy: WorkflowPolicy, data: st.DataObject) -> None:
        self.store.close()
        self.policy = policy
        self.store = LedgerStore.open(self.path, policy=policy)
        self.ledger = Ledger(policy=policy)
        self.pledges = PledgeLedger(policy=policy)
        draw = HypothesisDraw(data)
        intake = draw_intake(draw)
        self.ledger.receive(intake.issue("i-1", T0), actor=CLERK)
        self.store.receive(intake.issue("i-1", T0), actor=CLERK)
        kind = data.draw(st.sampled_from(list(pw.KINDS)), label="pledge kind")
        fields = pw.draw_claim_fields(data, kind)
        self.pledges.claim(pw.new_pledge(kind, id="p-1", **fields), actor=pw.SUPERVISOR)
        self.store.claim(pw.new_pledge(kind, id="p-1", **fields), actor=pw.SUPERVISOR)
        self.keepers["p-1"] = pw.KEEPERS[kind]

    def tick(self, draw: Draw) -> DateTime:
        self.now = self.now.add(**draw.choice(GAPS))
        return self.now

    def teardown(self) -> None:
        self.store.close()

    def contents(self) -> tuple[Any, ...]:
        return snapshot(self.store)

    # -- rules --

    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        """A new issue while there are fewer than four, else an id received already."""
        draw = HypothesisDraw(data)
        at = self.tick(draw)
        again = len(self.ledger) >= 4 or draw.chance(10)
        issue_id = draw.choice(list(self.ledger)) if again else f"i-{len(self.ledger) + 1}"
        actor = draw.choice((CLERK, CLERK, CENTRE, REVIEWER, THE_REQUESTER))
        intake = draw_intake(draw)
        before = self.contents()
        expected = outcome(
            functools.partial(self.ledger.receive, intake.issue(issue_id, at), actor=actor)
        )
        got = outcome(
            functools.partial(self.store.receive, intake.issue(issue_id, at), actor=actor)
        )
        if again:  # the store looks for the id first, the ledger checks the receiver first
            assert got[:2] == ("refused", DuplicateError)
            assert expected[0] == "refused"
        else:
            assert got == expected
        if got[0] == "refused":
            assert self.contents() == before
        note_event(f"receive {got[0]}")

    def plan(self, draw: Draw, issue_id: str, ledger: Ledger | None = None) -> Call:
        return plan_step(draw, (ledger or self.ledger).issue(issue_id), self.tick(draw))

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One step, on the store and on the mirror, made as a caller must make it: now
        and then naming the version just read and, if refused with ConcurrencyError,
        reading again and retrying once. Only an issue another instance wrote to since
        this store last touched it may be refused so."""
        draw = HypothesisDraw(data)
        issue_id = draw.choice(list(self.ledger))
        call = self.plan(draw, issue_id)
        named = draw.chance(40)

        def attempt() -> Outcome:
            extra = {"expected_version": self.store.version(issue_id)} if named else {}
            return outcome(functools.partial(apply_call, self.store, issue_id, call, **extra))

        expected = outcome(functools.partial(apply_call, self.ledger, issue_id, call))
        got = attempt()
        if issue_id in self.stale and got[:2] == ("refused", ConcurrencyError):
            note_event("step on a stale copy refused, then retried")
            got = attempt()
        self.stale.pop(issue_id, None)
        assert got == expected, call
        note_event(f"step {got[0]}" + (" naming its version" if named else ""))

    @rule(data=st.data())
    def pledge_step(self, data: st.DataObject) -> None:
        pledge_id = data.draw(st.sampled_from(sorted(self.keepers)), label="pledge")
        call = pw.draw_call(data, self.pledges.pledge(pledge_id), self.keepers[pledge_id])
        kwargs = {"actor": call.actor, "at": call.at, "note": call.note, **call.args}
        expected = outcome(functools.partial(self.pledges.apply, pledge_id, call.event, **kwargs))
        got = outcome(functools.partial(self.store.apply_pledge, pledge_id, call.event, **kwargs))
        assert got == expected, call

    @rule(data=st.data())
    def stale_version(self, data: st.DataObject) -> None:
        """A step named against a version the issue is not at is refused; nothing changes."""
        draw = HypothesisDraw(data)
        issue_id = draw.choice(list(self.ledger))
        version = self.store.version(issue_id)
        stale = self.stale.get(issue_id, version + draw.choice((-1, 1, 5)))
        call = self.plan(draw, issue_id)
        before = self.contents()
        with pytest.raises(ConcurrencyError) as caught:
            apply_call(self.store, issue_id, call, expected_version=stale)
        assert caught.value.field == f"issue {issue_id!r} version"
        assert self.contents() == before

    @rule(data=st.data())
    def second_writer(self, data: st.DataObject) -> None:
        """Another instance on the same file takes a step (the mirror takes it too)."""
        draw = HypothesisDraw(data)
        issue_id = draw.choice(list(self.ledger))
        call = self.plan(draw, issue_id)
        version = self.store.version(issue_id)
        with LedgerStore.open(self.path, policy=self.policy) as other:
            expected = outcome(functools.partial(apply_call, self.ledger, issue_id, call))
            got = outcome(functools.partial(apply_call, other, issue_id, call))
        assert got == expected, call
        if got[0] == "accepted":
            self.stale.setdefault(issue_id, version)
        note_event(f"second writer {got[0]}")

    @rule(data=st.data(), size=st.integers(1, 4))
    def batch(self, data: st.DataObject, size: int) -> None:
        """A few commands in one batch: all written if the mirror takes every one of them
        in turn, else refused at the first the mirror refuses, with nothing written."""
        draw = HypothesisDraw(data)
        fresh = [issue_id for issue_id in self.ledger if issue_id not in self.stale]
        if not fresh:
            return
        planning, planning_pledges = self.twins()
        commands: list[Command | PledgeCommand] = []
        for _ in range(size):
            if draw.chance(20):
                pledge_id = draw.choice(sorted(self.keepers))
                call = pw.draw_call(
                    data, planning_pledges.pledge(pledge_id), self.keepers[pledge_id]
                )
                taken = outcome(
                    functools.partial(
                        planning_pledges.apply,
                        pledge_id,
                        call.event,
                        actor=call.actor,
                        at=call.at,
                        note=call.note,
                        **call.args,
                    )
                )
                command: Command | PledgeCommand = PledgeCommand(
                    pledge_id=pledge_id,
                    event=call.event,
                    actor=call.actor,
                    at=call.at,
                    note=call.note,
                    args=call.args,
                )
            elif draw.chance(5):
                command = command_of("nobody", self.plan(draw, fresh[0], planning))
                taken = ("refused",)
            else:
                issue_id = draw.choice(fresh)
                call = self.plan(draw, issue_id, planning)
                taken = outcome(functools.partial(apply_call, planning, issue_id, call))
                command = command_of(issue_id, call)
            # Most steps the plan refuses are left out, so that many batches go through.
            if taken[0] == "accepted" or draw.chance(30):
                commands.append(command)
        # What the mirror does with the batch, one command at a time.
        issues, pledges = self.twins()
        refused: tuple[int, type[BanshishiError], str] | None = None
        for index, command in enumerate(commands):
            if isinstance(command, Command):
                book: Any = issues
                record_id = command.issue_id
            else:
                book, record_id = pledges, command.pledge_id
            result = outcome(
                functools.partial(
                    book.apply,
                    record_id,
                    command.event,
                    actor=command.actor,
                    at=command.at,
                    note=command.note,
                    **command.args,
                )
            )
            if result[0] == "refused":
                refused = (index, result[1], result[2])
                break
        before = self.contents()
        if refused is None:
            assert self.store.apply_many(commands) == len(commands)
            self.ledger, self.pledges = issues, pledges
            note_event(f"batch of {len(commands)} written")
            return
        note_event(f"batch of {len(commands)} refused at {refused[0]}")
        with pytest.raises(BatchRefusedError) as caught:
            self.store.apply_many(commands)
        error = caught.value
        assert (error.index, type(error.error), error.error.field) == refused
        assert error.__cause__ is error.error
        assert self.contents() == before

    def twins(self) -> tuple[Ledger, PledgeLedger]:
        """Copies of the mirror, to plan on or to try a batch on."""
        issues = Ledger(policy=self.policy)
        for issue in self.ledger.issues():
            issues.add(issue)
        pledges = PledgeLedger(policy=self.policy)
        for pledge in self.pledges.pledges():
            pledges.add(pledge)
        return issues, pledges

    @rule()
    def reopen(self) -> None:
        """A new instance on the file: every record it rebuilds is the mirror's."""
        self.store.close()
        self.store = LedgerStore.open(self.path, policy=self.policy)
        self.stale.clear()
        assert list(self.store.issues()) == sorted(self.ledger.issues(), key=lambda i: i.id)
        assert list(self.store.pledges()) == sorted(self.pledges.pledges(), key=lambda p: p.id)

    # -- invariants --

    @invariant()
    def same_histories_and_versions(self) -> None:
        for issue_id in self.ledger:
            history = self.ledger.history(issue_id)
            assert self.store.history(issue_id) == history
            assert self.store.version(issue_id) == len(history)
        for pledge_id in self.pledges:
            history = self.pledges.history(pledge_id)
            assert self.store.pledge_history(pledge_id) == history
            assert self.store.pledge_version(pledge_id) == len(history)

    @invariant()
    def summaries_are_the_mirrors(self) -> None:
        lines = by_id(self.store.summaries())
        issues = list(self.ledger.issues())
        assert lines == {issue.id: summary_of(issue) for issue in issues}
        assert {line.id: line.status for line in lines.values()} == {
            issue_id: self.ledger.status(issue_id) for issue_id in self.ledger
        }
        assert by_id(self.store.pledge_summaries()) == {
            pledge.id: pledge_summary_of(pledge) for pledge in self.pledges.pledges()
        }
        assert self.store.figures(at=self.now).rates() == rates_of(issues)

    @invariant()
    def the_chain_is_intact(self) -> None:
        events = sum(len(self.ledger.history(i)) for i in self.ledger) + sum(
            len(self.pledges.history(p)) for p in self.pledges
        )
        events += self.store.policy_version()  # a policy other than the default, kept
        assert self.store.verify() == ChainReport(
            intact=True, events=events, head=self.store.head()
        )


def test_a_store_and_a_ledger_side_by_side(tmp_path_factory: pytest.TempPathFactory) -> None:
    run_state_machine_as_test(
        lambda: StoreMachine(tmp_path_factory.mktemp("machine")),
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
