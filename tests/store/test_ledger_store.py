"""The ledger kept in a store: LedgerStore on SqliteEventStore.

Steps taken through a LedgerStore must leave exactly what the same steps leave
on the in-memory Ledger and PledgeLedger (histories, records, statuses), in a
file that a new instance reads back and carries on from. Writes are checked
against versions (optimistic concurrency) and batches are all or nothing.

The summary lines are tested in test_store_summaries.py, queries and the as-of
views in test_store_queries.py, verify, write_ledgers and errors in
test_store_integrity.py, and a store driven beside a ledger in
test_store_side_by_side.py.
"""

import functools
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pledge_steps as pw
from banshishi import (
    Actor,
    BanshishiError,
    BatchRefusedError,
    ChainReport,
    Command,
    ConcurrencyError,
    DuplicateError,
    FixedClock,
    InvalidTypeError,
    Ledger,
    LedgerStore,
    NotFoundError,
    PledgeCommand,
    PledgeLedger,
    RoleError,
    Subject,
    Track,
    WorkflowError,
    pledge_completion_rate,
    pledge_figures,
)
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
    RandomDraw,
    draw_intake,
    new_issue,
    plan_step,
    scripted_loop,
)
from store_helpers import (
    CENTRE,
    FEW,
    U1,
    P,
    S,
    apply_call,
    by_id,
    open_new,
    outcome,
    pledge_summary_of,
    receive_issues,
    snapshot,
    summary_of,
    transfer_args,
)

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


WALK_SEEDS = tuple(range(14, 44))  # between them, every step (the side steps are rare)
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
