"""A LedgerStore's file: verify vouches for it and finds tampering, write_ledgers
writes whole ledgers, and bad input is refused naming the field, changing nothing.
"""

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import pledge_steps as pw
from banshishi import (
    BanshishiError,
    ChainReport,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    IssueWorkflow,
    Ledger,
    LedgerStore,
    NaiveDatetimeError,
    NotALedgerError,
    NotFoundError,
    PledgeLedger,
    RoleError,
    TransitionRefusedError,
)
from banshishi._workflow.policy import DEFAULT_POLICY
from banshishi.store import SqliteEventStore
from cast import TOWNS as QUERY_UNITS
from issue_walks import (
    CLERK,
    PLATFORM,
    REVIEWER,
    T0,
    RandomDraw,
    new_issue,
)
from store_helpers import (
    CENTRE,
    U1,
    S,
    by_id,
    ids_of,
    open_new,
    pledge_summary_of,
    random_ledger,
    receive_issues,
    snapshot,
)

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
    ("figures-at", lambda s: s.figures(at=None), InvalidValueError, "at"),
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
