"""The SQLite ledger store under stress: killed writers, racing writers, tampering,
and files that are not ledgers.

A writer killed with SIGKILL half-way through a batch leaves the batches before
it intact and none of its own; two processes racing on one issue end with one
step written and a :class:`ConcurrencyError` for the other, who retries; an
edit made behind the store's back is found by ``verify()``; and a file that is
not a ledger is refused, left byte-for-byte as it was, with nothing new beside it.
"""

import datetime as dt
import multiprocessing
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pendulum import DateTime

from banshishi import (
    BanshishiError,
    ChainReport,
    Command,
    ConcurrencyError,
    HeadReceipt,
    Issue,
    IssueStatus,
    LedgerStore,
    NotALedgerError,
    StoreBusyError,
)
from banshishi._store.sqlite_file import SCHEMA
from reliability_cases import (
    CLERK,
    DISPATCHER,
    HOUR,
    STEPS,
    SUPERVISOR,
    URGE_AT,
    count,
    integrity,
    make_issue,
    new_ledger,
    raw,
    transfer,
    versions_by_issue,
)

# -- 1. a writer killed half-way through a batch ---------------------------------------

BATCHES = 3
BATCH = 300  # issues a committed batch receives, then takes round the loop
BIG = 25_000  # issues in the batch the writer is killed in

CHILD = """
import sys
sys.path.insert(0, sys.argv[2])
import reliability_cases as cases
import test_store_reliability as t

store = t.LedgerStore.open(sys.argv[1], create=True)
for k in range(t.BATCHES):
    numbers = range(k * t.BATCH, (k + 1) * t.BATCH)
    issues = [cases.make_issue(n) for n in numbers]
    store.receive_many(issues, actor=cases.CLERK)
    print(f"committed receive {k}", flush=True)
    store.apply_many([c for n, i in zip(numbers, issues) for c in cases.loop_commands(i, n)])
    print(f"committed apply {k}", flush=True)

big = [cases.make_issue(n) for n in range(1_000_000, 1_000_000 + t.BIG)]
append = store.store.append


def announced(*args, **kwargs):
    print("writing big", flush=True)  # the transaction starts now
    seq = append(*args, **kwargs)
    print("committed big", flush=True)
    return seq


store.store.append = announced
print("starting big", flush=True)
store.receive_many(big, actor=cases.CLERK)
print("returned big", flush=True)
"""


def _file_state(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except FileNotFoundError:
        return (-1, -1)
    return (info.st_size, info.st_mtime_ns)


def _kill_mid_batch(path: Path, script: Path, errors: Any) -> tuple[list[str], bool, int]:
    """Run the child until its big batch is writing to the WAL, then SIGKILL it.
    Returns what it printed, whether the WAL moved first, and its return code."""
    wal = path.with_name(path.name + "-wal")
    child = subprocess.Popen(
        [sys.executable, str(script), str(path), str(Path(__file__).parent)],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line.strip())
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    said: list[str] = []
    moved = False
    try:
        while (line := lines.get(timeout=60)) is not None:
            said.append(line)
            if line == "writing big":
                break
        if said[-1:] == ["writing big"]:
            # The batch's transaction has begun: kill it once it writes to the WAL.
            before = _file_state(wal)
            deadline = time.monotonic() + 30
            while child.poll() is None and time.monotonic() < deadline:
                if _file_state(wal) != before:
                    moved = True
                    break
                time.sleep(0.001)
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        if line is not None:
            while (line := lines.get(timeout=30)) is not None:
                said.append(line)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        reader.join(timeout=30)
        assert child.stdout is not None
        child.stdout.close()
    return said, moved, child.returncode


def test_a_writer_killed_in_the_middle_of_a_batch_leaves_the_committed_batches(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    with (tmp_path / "child.err").open("w+", encoding="utf-8") as errors:
        said, moved, code = _kill_mid_batch(path, script, errors)
        errors.seek(0)
        complaint = errors.read()
    assert code == -signal.SIGKILL, (code, said, complaint)
    finished = {"committed big", "returned big"} & set(said)
    assert not finished, f"the child finished its batch before it was killed: {said}"
    assert moved, "the killed transaction had not written to the WAL yet"
    committed = [f"committed {kind} {k}" for k in range(BATCHES) for kind in ("receive", "apply")]
    assert said == [*committed, "starting big", "writing big"]

    issues = BATCHES * BATCH
    events = issues * STEPS
    # The killed writer left its WAL behind, with frames of the batch never committed:
    # the store, opened first, must make sense of it.
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    with LedgerStore.open(path) as store:
        assert integrity(path) == "ok"
        assert count(path, "events") == events
        assert count(path, "issues") == issues
        report = store.verify()
        assert report.intact, report
        assert report.events == events
        assert len(store.summaries()) == issues
        assert {line.status for line in store.summaries()} == {IssueStatus.CLOSED}
        for n in range(issues):
            issue = store.issue(make_issue(n).id)
            assert issue.status is IssueStatus.CLOSED
            assert len(issue.history) == STEPS
        assert store.version(make_issue(1_000_000).id) == 0
        # Writing goes on where the last commit left it.
        more = [make_issue(n) for n in range(2_000_000, 2_000_010)]
        store.receive_many(more, actor=CLERK)
        store.apply_many([transfer(issue, 0) for issue in more])
        assert store.verify() == ChainReport(intact=True, events=events + 20, head=store.head())
    assert count(path, "events") == events + 20
    assert count(path, "issues") == issues + 10
    assert integrity(path) == "ok"


# -- 2. writers racing -----------------------------------------------------------------


class BarrierClock:
    """A clock that, the first time it is asked, waits until every racer is there.

    The ledger asks the clock after it has read the issue and checked its version,
    and before it writes: so every racer has read the same version when the first
    of them writes.
    """

    def __init__(self, barrier: Any, moment: DateTime) -> None:
        self.barrier = barrier
        self.moment = moment
        self.waited = False

    def now(self) -> DateTime:
        if not self.waited:
            self.waited = True
            self.barrier.wait(timeout=30)
        return self.moment


def _racer(path: str, issue_id: str, expected: int | None, warm: bool, ready: Any,
           barrier: Any, name: str, results: Any) -> None:  # fmt: skip
    outcome: dict[str, Any] = {"name": name}
    try:
        with LedgerStore.open(path, clock=BarrierClock(barrier, URGE_AT)) as store:
            if warm:  # take the step before, so the issue is in this store's memory
                store.apply_many([transfer(make_issue(0), 0)])
            ready.wait(timeout=30)
            given = {} if expected is None else {"expected_version": expected}
            try:
                store.apply(issue_id, "urge", actor=SUPERVISOR, note=f"urged by {name}", **given)
                outcome["first"] = ("ok", store.version(issue_id))
            except BanshishiError as error:
                outcome["first"] = (type(error).__name__, str(error))
                report = store.verify()
                outcome["after"] = (store.version(issue_id), report.intact, report.events)
                # Read again, and retry.
                seen = store.version(issue_id)
                outcome["reread"] = len(store.issue(issue_id).history)
                again = {} if expected is None else {"expected_version": seen}
                store.apply(
                    issue_id, "urge", actor=SUPERVISOR, note=f"urged by {name} again", **again
                )
                outcome["retry"] = store.version(issue_id)
    except BaseException as error:  # reported to the parent, which fails the test
        outcome["crash"] = repr(error)
    results.put(outcome)


def _run(target: Callable[..., None], jobs: list[tuple[Any, ...]], results: Any) -> list[Any]:
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=target, args=job) for job in jobs]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=90) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return outcomes


def _transferred(path: Path, numbers: range) -> list[Issue]:
    with LedgerStore.open(path, create=True) as store:
        issues = [make_issue(n) for n in numbers]
        store.receive_many(issues, actor=CLERK)
        store.apply_many([transfer(issue, n) for n, issue in zip(numbers, issues, strict=True)])
    return issues


@pytest.mark.parametrize("mode", ["expected_version", "read", "warm"])
def test_two_processes_racing_on_one_issue_one_wins_the_other_retries(
    tmp_path: Path, mode: str
) -> None:
    """Both racers read version 2 before either writes. ``expected_version``: both
    name it; ``read``: neither does, each relies on the version its store read;
    ``warm``: B wrote version 2 itself, so it relies on what it kept in memory."""
    path = tmp_path / "race.db"
    issue = make_issue(0)
    if mode == "warm":
        with LedgerStore.open(path, create=True) as store:
            store.receive(issue, actor=CLERK)
    else:
        _transferred(path, range(1))
    version = 2
    context = multiprocessing.get_context("fork")
    ready, barrier, results = context.Barrier(2), context.Barrier(2), context.Queue()
    expected = version if mode == "expected_version" else None
    jobs = [
        (str(path), issue.id, expected, warm, ready, barrier, name, results)
        for name, warm in (("A", False), ("B", mode == "warm"))
    ]
    outcomes = _run(_racer, jobs, results)
    assert all("crash" not in outcome for outcome in outcomes), outcomes
    kinds = sorted(outcome["first"][0] for outcome in outcomes)
    assert kinds == ["ConcurrencyError", "ok"], outcomes  # not StoreBusyError, not two wins
    (winner,) = (o for o in outcomes if o["first"][0] == "ok")
    (loser,) = (o for o in outcomes if o["first"][0] != "ok")
    assert winner["first"] == ("ok", version + 1)
    assert issue.id in loser["first"][1]
    assert "stale" in loser["first"][1]
    # When the loser was refused, the store held exactly the winner's one new event.
    assert loser["after"] == (version + 1, True, version + 1)
    assert loser["reread"] == version + 1
    assert loser["retry"] == version + 2
    with LedgerStore.open(path) as store:
        report = store.verify()
        assert report.intact, report
        assert report.events == version + 2
        notes = [event.note for event in store.history(issue.id)[version:]]
        assert notes == [f"urged by {winner['name']}", f"urged by {loser['name']} again"]
        assert store.issue(issue.id).status is IssueStatus.TRANSFERRED
        assert [line.version for line in store.summaries()] == [version + 2]


def test_a_store_whose_cached_issue_went_stale_is_refused_and_recovers(tmp_path: Path) -> None:
    path = tmp_path / "stale.db"
    (issue,) = _transferred(path, range(1))
    with LedgerStore.open(path) as first, LedgerStore.open(path) as second:
        first.apply(issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="first")  # caches v3
        second.apply(issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="second")  # v4
        with pytest.raises(ConcurrencyError):
            first.apply(issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="stale")
        with pytest.raises(ConcurrencyError, match="stale"):
            second.apply(
                issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="stale", expected_version=3
            )
        assert first.verify() == ChainReport(intact=True, events=4, head=first.head())
        first.apply(issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="retried")
        notes = [event.note for event in second.history(issue.id)[2:]]
        assert notes == ["first", "second", "retried"]
        assert second.verify().intact


WRITERS = 3
OWN = 6  # issues each writer moves
ROUNDS = 4


def _writer(path: str, numbers: list[int], barrier: Any, name: str, results: Any) -> None:
    outcome: dict[str, Any] = {"name": name, "written": 0}
    try:
        with LedgerStore.open(path) as store:
            ids = [make_issue(n).id for n in numbers]
            barrier.wait(timeout=30)
            for round_ in range(ROUNDS):
                at = URGE_AT.add(minutes=round_)
                for index, issue_id in enumerate(ids):
                    given = {"expected_version": 2 + round_} if index % 2 else {}
                    store.apply(
                        issue_id, "urge", actor=SUPERVISOR, at=at, note=f"{name} {round_}",
                        **given,
                    )  # fmt: skip
                    outcome["written"] += 1
            batch = [
                Command(issue_id=i, event="urge", actor=SUPERVISOR, at=URGE_AT.add(hours=1),
                        note=f"{name} batch")
                for i in ids
            ]  # fmt: skip
            outcome["written"] += store.apply_many(batch)
    except BaseException as error:  # reported to the parent, which fails the test
        outcome["crash"] = repr(error)
    results.put(outcome)


def test_concurrent_writers_on_different_issues_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "many.db"
    _transferred(path, range(WRITERS * OWN))
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(WRITERS), context.Queue()
    jobs = [
        (str(path), list(range(w * OWN, (w + 1) * OWN)), barrier, f"w{w}", results)
        for w in range(WRITERS)
    ]
    outcomes = _run(_writer, jobs, results)
    assert all("crash" not in outcome for outcome in outcomes), outcomes
    each = OWN * (ROUNDS + 1)
    assert [outcome["written"] for outcome in outcomes] == [each] * WRITERS
    with LedgerStore.open(path) as store:
        report = store.verify()
        assert report.intact, report
        assert report.events == WRITERS * OWN * 2 + WRITERS * each
        versions = versions_by_issue(store)
        assert len(versions) == WRITERS * OWN
        for issue_versions in versions.values():
            assert issue_versions == list(range(1, 2 + ROUNDS + 1 + 1))
        seqs = [stored.seq for stored in store.store.events()]
        assert seqs == list(range(1, report.events + 1))
        for w in range(WRITERS):
            for n in range(w * OWN, (w + 1) * OWN):
                notes = [event.note for event in store.history(make_issue(n).id)[2:]]
                assert notes == [f"w{w} {r}" for r in range(ROUNDS)] + [f"w{w} batch"]
        assert {line.version for line in store.summaries()} == {2 + ROUNDS + 1}
    assert integrity(path) == "ok"


def test_a_writer_kept_waiting_too_long_is_refused_whole_and_can_retry(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    (issue,) = _transferred(path, range(1))
    with LedgerStore.open(path, timeout=0.2) as store:
        store.apply(issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="before")
        holder = sqlite3.connect(path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            with pytest.raises(StoreBusyError, match="locked"):
                store.apply(issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="blocked")
            assert time.monotonic() - started < 10
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert store.version(issue.id) == 3
        store.apply(issue.id, "urge", actor=SUPERVISOR, at=URGE_AT, note="after")
        assert [event.note for event in store.history(issue.id)[2:]] == ["before", "after"]
        assert store.verify() == ChainReport(intact=True, events=4, head=store.head())


# -- 3. tampering ------------------------------------------------------------------------

ISSUES = 4
EVENTS = ISSUES * STEPS  # receipts are events 1-4, then each issue's five steps in turn


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    new_ledger(path, range(ISSUES))
    return path


def verify(path: Path) -> ChainReport:
    with LedgerStore.open(path) as store:
        return store.verify()


def test_a_healthy_ledger_verifies(ledger: Path) -> None:
    report = verify(ledger)
    assert report.intact
    assert bool(report)
    assert (report.events, report.first_bad, report.problem) == (EVENTS, None, "")


def _row(db: sqlite3.Connection, seq: int) -> tuple[Any, ...]:
    return tuple(db.execute("SELECT * FROM events WHERE seq = ?", (seq,)).fetchone())


@pytest.mark.parametrize(
    ("sql", "bad"),
    [
        pytest.param("UPDATE events SET note = 'nothing happened' WHERE seq = 10", 10, id="note"),
        pytest.param(
            """UPDATE events SET data = json_set(data, '$.unit', 'unit-7') WHERE seq = 5""",
            5,
            id="data",
        ),
        pytest.param("UPDATE events SET actor = 'someone' WHERE seq = 1", 1, id="first-actor"),
        pytest.param(
            "UPDATE events SET at = '2026-01-05T00:00:00+08:00' WHERE seq = 20", 20, id="at"
        ),
        pytest.param(f"UPDATE events SET hash = '{'ab' * 32}' WHERE seq = 15", 15, id="hash"),
        pytest.param(
            f"UPDATE events SET hash = '{'0' * 64}' WHERE seq = {EVENTS}", EVENTS, id="last-hash"
        ),
        pytest.param("UPDATE events SET to_status = 'closed' WHERE seq = 12", 12, id="status"),
    ],
)
def test_an_event_changed_is_found_at_its_seq(ledger: Path, sql: str, bad: int) -> None:
    with raw(ledger) as db:
        before = _row(db, bad)
        db.execute(sql)
        assert _row(db, bad) != before
    report = verify(ledger)
    assert not report.intact
    assert report.first_bad == bad
    assert f"event {bad} " in report.problem
    assert report.events == bad - 1


def test_an_event_deleted_in_the_middle_is_found_where_the_gap_is(ledger: Path) -> None:
    with raw(ledger) as db:
        db.execute("DELETE FROM events WHERE seq = 12")
    report = verify(ledger)
    assert (report.intact, report.first_bad, report.events) == (False, 12, 11)
    assert "event 12 is missing" in report.problem


def test_several_events_deleted_are_named(ledger: Path) -> None:
    with raw(ledger) as db:
        db.execute("DELETE FROM events WHERE seq BETWEEN 7 AND 9")
    report = verify(ledger)
    assert (report.intact, report.first_bad) == (False, 7)
    assert "events 7–9 are missing" in report.problem


def test_a_forged_event_at_the_end_is_found(ledger: Path) -> None:
    with raw(ledger) as db:
        last = _row(db, EVENTS)
        forged = (EVENTS + 1, last[1], last[2], last[3] + 1, *last[4:11], "forged", "{}",
                  "f" * 64)  # fmt: skip
        db.execute(f"INSERT INTO events VALUES ({', '.join('?' * len(forged))})", forged)
    report = verify(ledger)
    assert (report.intact, report.first_bad) == (False, EVENTS + 1)
    assert f"event {EVENTS + 1} " in report.problem


def test_a_forged_event_out_of_version_is_found(ledger: Path) -> None:
    with raw(ledger) as db:
        last = _row(db, EVENTS)
        forged = (EVENTS + 1, last[1], last[2], last[3] + 5, *last[4:13], "f" * 64)
        db.execute(f"INSERT INTO events VALUES ({', '.join('?' * len(forged))})", forged)
    report = verify(ledger)
    assert (report.intact, report.first_bad) == (False, EVENTS + 1)
    assert f"event {EVENTS + 1} " in report.problem


def test_the_last_event_deleted_is_found(ledger: Path) -> None:
    with raw(ledger) as db:
        db.execute(f"DELETE FROM events WHERE seq = {EVENTS}")
    report = verify(ledger)
    assert not report.intact
    assert report.events == EVENTS - 1
    assert "removed from the end" in report.problem


def test_the_last_event_deleted_with_the_head_rewritten_is_found(ledger: Path) -> None:
    with raw(ledger) as db:
        record = _row(db, EVENTS)[2]
        previous = _row(db, EVENTS - 1)[13]
        db.execute(f"DELETE FROM events WHERE seq = {EVENTS}")
        db.execute("UPDATE meta SET value = ? WHERE key = 'head_seq'", (str(EVENTS - 1),))
        db.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (previous,))
    report = verify(ledger)
    assert not report.intact
    assert report.first_bad is None
    assert "summary" in report.problem
    assert record in report.problem


def test_the_head_hash_rewritten_is_found(ledger: Path) -> None:
    with raw(ledger) as db:
        db.execute(f"UPDATE meta SET value = '{'1' * 64}' WHERE key = 'head_hash'")
    assert not verify(ledger).intact


def test_a_summary_version_edited_is_found(ledger: Path) -> None:
    record = make_issue(2).id
    with raw(ledger) as db:
        db.execute("UPDATE issues SET version = version - 1 WHERE id = ?", (record,))
    report = verify(ledger)
    assert (report.intact, report.first_bad, report.events) == (False, None, EVENTS)
    assert "summary" in report.problem
    assert record in report.problem


def test_a_summary_status_edited_is_found(ledger: Path) -> None:
    record = make_issue(2).id
    with raw(ledger) as db:
        db.execute("UPDATE issues SET status = 'in_progress' WHERE id = ?", (record,))
    with LedgerStore.open(ledger) as store:
        edited = {line.id: line.status for line in store.summaries()}[record]
        assert edited is IssueStatus.IN_PROGRESS  # the edit shows in what the store reports
        assert store.issue(record).status is IssueStatus.CLOSED  # the events say otherwise
        report = store.verify()
    assert not report.intact
    assert "summary" in report.problem
    assert record in report.problem


def test_a_summary_line_deleted_is_found(ledger: Path) -> None:
    record = make_issue(2).id
    with raw(ledger) as db:
        db.execute("DELETE FROM issues WHERE id = ?", (record,))
    with LedgerStore.open(ledger) as store:
        assert len(store.summaries()) == ISSUES - 1
        report = store.verify()
    assert not report.intact
    assert record in report.problem


# -- 4. files that are not ledgers ------------------------------------------------------


def _sqlite(path: Path, *, wal: bool = False, meta: dict[str, str] | None = None) -> None:
    db = sqlite3.connect(path)
    try:
        if wal:
            assert db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.executemany("INSERT INTO notes (body) VALUES (?)", [("one",), ("two",)])
        if meta is not None:
            db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.commit()
    finally:
        db.close()


def _newer_ledger(path: Path) -> None:
    new_ledger(path, range(2))
    with raw(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA + 1),))


def _ledger_with_bad_schema(path: Path) -> None:
    new_ledger(path, range(1))
    with raw(path) as db:
        db.execute("UPDATE meta SET value = 'one' WHERE key = 'schema'")


NOT_LEDGERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "text": (lambda p: p.write_text("名称,数量\n路灯,3\n", encoding="utf-8"), "not an SQLite"),
    "empty": (lambda p: p.write_bytes(b""), "empty"),
    "png": (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8), "not an SQLite"),
    "sqlite-header-junk": (
        lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff\x00" * 2048),
        "not a banshishi ledger",
    ),
    "other-app": (lambda p: _sqlite(p), "not a banshishi ledger"),
    "other-app-wal": (lambda p: _sqlite(p, wal=True), "not a banshishi ledger"),
    "meta-wrong-format": (
        lambda p: _sqlite(p, meta={"format": "someone-elses-ledger", "schema": "1"}),
        "not a banshishi ledger",
    ),
    "meta-no-format": (lambda p: _sqlite(p, meta={"schema": "1"}), "not a banshishi ledger"),
    "newer-schema": (_newer_ledger, "newer"),
    "bad-schema": (_ledger_with_bad_schema, "schema 'one'"),
}


def _made(tmp_path: Path, kind: str) -> tuple[Path, str]:
    folder = tmp_path / "folder"
    folder.mkdir()
    path = folder / f"{kind}.db"
    make, words = NOT_LEDGERS[kind]
    make(path)
    assert path.is_file()
    return path, words


@pytest.mark.parametrize("create", [False, True], ids=["open", "create"])
@pytest.mark.parametrize("kind", list(NOT_LEDGERS))
def test_a_file_that_is_not_a_ledger_is_refused_unchanged(
    tmp_path: Path, kind: str, create: bool
) -> None:
    path, words = _made(tmp_path, kind)
    before = path.read_bytes()
    with pytest.raises(NotALedgerError) as refused:
        LedgerStore.open(path, create=create)
    assert isinstance(refused.value, BanshishiError)
    message = str(refused.value)
    assert str(path) in message
    assert words in message
    assert path.read_bytes() == before
    # Still refused the second time, and still unchanged.
    with pytest.raises(NotALedgerError):
        LedgerStore.open(str(path))
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", list(NOT_LEDGERS))
def test_a_file_that_is_not_a_ledger_is_refused_with_nothing_left_beside_it(
    tmp_path: Path, kind: str
) -> None:
    path, _ = _made(tmp_path, kind)
    before = sorted(os.listdir(path.parent))
    with pytest.raises(NotALedgerError):
        LedgerStore.open(path)
    assert sorted(os.listdir(path.parent)) == before


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "inside.txt").write_text("x", encoding="utf-8")
    for create in (False, True):
        with pytest.raises(NotALedgerError, match="directory") as refused:
            LedgerStore.open(folder, create=create)
        assert str(folder) in str(refused.value)
    assert sorted(os.listdir(tmp_path)) == ["folder"]
    assert sorted(os.listdir(folder)) == ["inside.txt"]


def test_a_missing_file_is_not_created_without_create(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(NotALedgerError, match="does not exist") as refused:
        LedgerStore.open(path)
    assert str(path) in str(refused.value)
    assert os.listdir(tmp_path) == []


def test_create_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "ledger.db"
    with pytest.raises(NotALedgerError, match="folder that does not exist") as refused:
        LedgerStore.open(path, create=True)
    assert str(path) in str(refused.value)
    assert os.listdir(tmp_path) == []


# -- 5. create=True on a ledger that exists ---------------------------------------------


def _contents(path: Path) -> tuple[Any, ...]:
    with raw(path) as db:
        return tuple(
            db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("meta", "events", "issues", "pledges")
        )


def test_create_on_an_existing_ledger_opens_it_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    new_ledger(path, range(5))
    before = _contents(path)
    assert len(before[1]) == 5 * STEPS
    with LedgerStore.open(path, create=True) as store:
        assert store.verify() == ChainReport(intact=True, events=5 * STEPS, head=store.head())
        assert store.issue(make_issue(3).id).status is IssueStatus.CLOSED
        assert len(store.summaries()) == 5
    assert _contents(path) == before
    with LedgerStore.open(path, create=True) as store:
        extra = make_issue(9)
        store.receive(extra, actor=CLERK)
        store.apply(extra.id, "transfer", actor=DISPATCHER, at=extra.received_at + HOUR,
                    unit="unit-1", deadline=extra.received_at + dt.timedelta(days=9))  # fmt: skip
    with LedgerStore.open(path) as store:
        assert store.verify() == ChainReport(intact=True, events=5 * STEPS + 2, head=store.head())
        assert store.version(extra.id) == 2
    after = _contents(path)
    assert after[1][: len(before[1])] == before[1]


def _creator(path: str, barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=30)
        with LedgerStore.open(path, create=True) as store:
            results.put(("ok", store.verify().intact))
    except BaseException as error:  # reported to the parent, which fails the test
        results.put((type(error).__name__, str(error)))


def test_processes_creating_the_same_ledger_at_once_all_open_it(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    outcomes: list[Any] = []
    for attempt in range(2):
        path = tmp_path / f"new-{attempt}.db"
        barrier, results = context.Barrier(4), context.Queue()
        outcomes += _run(_creator, [(str(path), barrier, results)] * 4, results)
        assert verify(path) == ChainReport(
            intact=True, events=0, head=HeadReceipt(events=0, head="0" * 64)
        )
    assert outcomes == [("ok", True)] * 8
