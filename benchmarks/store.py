"""How fast the SQLite ledger store appends events, and how fast a large ledger
opens and gives its dashboard.

    .venv/bin/python benchmarks/store.py --issues 1000000

Issues go through the in-memory Ledger in chunks (each one received, and then
taken one to six steps further: transfer, sign for, resolve, answer, rate), so
the ledger holds every status. Each chunk's events and summary lines are built
(timed apart), then written with ``EventStore.append`` in batches: that is
``append_events_per_s``, with the version checks, the hash chain, the summary
lines and the commit. ``write_events_per_s`` is the whole of
``LedgerStore.write_ledgers`` (building the events too). Beside them, in the
same run, ``baseline_insert_events_per_s`` inserts the same rows into a bare
table with no checks and no chain: the floor SQLite sets.

Then the store is closed and opened again: ``open_seconds`` is
``LedgerStore.open``; ``dashboard_seconds`` computes every rate overall, by
track and by unit, as the demo's dashboard does (SQLite folds identical summary
lines, Python counts the rates). Beside it, ``line_by_line_dashboard_seconds``
reads every summary line into Python and counts from those, and the baseline
rebuilds a sample of issues from their events and runs the rate functions on
them, scaled to the whole ledger. The last line is one JSON object with every
figure.
"""

import sys
from pathlib import Path

# benchmarks/calendar.py shadows the standard library's calendar module, which
# pendulum imports: take this folder off the import path before anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import pendulum  # noqa: E402

from banshishi import (  # noqa: E402
    Actor,
    Channel,
    Command,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    Ledger,
    LedgerStore,
    Person,
    RaterKind,
    Rating,
    Role,
    Track,
    Urgency,
    completion_rate,
    on_time_completion_rate,
    report_rows,
    response_rate,
    satisfaction_rate,
)
from banshishi._core.time import add_elapsed  # noqa: E402
from banshishi._metrics.summary import micros  # noqa: E402
from banshishi._store.event_store import encode  # noqa: E402
from banshishi.store import Append  # noqa: E402

START = pendulum.datetime(2026, 1, 5, 8, tz="Asia/Shanghai")
HOUR = dt.timedelta(hours=1)
CLERK = Actor(id="clerk-1", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="dispatch-1", role=Role.DISPATCHER, unit="centre")
UNITS = [f"unit-{n}" for n in range(40)]
HANDLERS = {unit: Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit) for unit in UNITS}
TITLES = ["路灯不亮", "小区停车难", "供暖不热", "共享单车不足", "道路积水", "噪音扰民"]
# Only 即办 items: the other tracks need co-units' parts, a supervisor's sign-off or
# milestones, which this ledger's one handler per item does not give.
URGENCIES = [u for u in Urgency if u.default_track is Track.IMMEDIATE]
RATINGS = [Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED]


def make_chunk(first: int, count: int) -> Ledger:
    """``count`` issues from number ``first``, each taken 0–5 steps past receipt."""
    ledger = Ledger()
    issues, commands = [], []
    for n in range(first, first + count):
        received = add_elapsed(START, dt.timedelta(seconds=7 * n))
        at = [add_elapsed(received, HOUR * k) for k in range(1, 7)]
        unit = UNITS[n % len(UNITS)]
        handler = HANDLERS[unit]
        issue = Issue(
            id=f"2026-{n:08d}",
            title=TITLES[n % len(TITLES)],
            channel=Channel.HOTLINE,
            urgency=URGENCIES[n % len(URGENCIES)],
            received_at=received,
            received_by="centre",
            requester=Person(id=f"p{n}", name="张三", mobile=f"138{n % 100_000_000:08d}"),
        )
        issues.append(issue)
        transfer = {"unit": unit, "deadline": at[5] + dt.timedelta(days=5)}
        steps = [
            ("transfer", DISPATCHER, transfer),
            ("sign_for", handler, {}),
            ("resolve", handler, {}),
            ("answer", handler, {"feedback": Feedback(at=at[3], content="已处理并电话告知",
                                                      method=FeedbackMethod.PHONE)}),
            ("rate", Actor(id=f"p{n}", role=Role.REQUESTER), {"evaluation": Evaluation(
                issue_id=issue.id, rating=RATINGS[n % len(RATINGS)], resolved=True, at=at[4],
                rater_kind=RaterKind.REQUESTER, rater=f"p{n}")}),
        ]  # fmt: skip
        taken = 5 if n % 10 < 7 else n % 10 - 6  # 70% closed, the rest 1-3 steps in
        for k, (event, actor, args) in enumerate(steps[:taken]):
            commands.append(Command(issue_id=issue.id, event=event, actor=actor, at=at[k],
                                    args=args))  # fmt: skip
    ledger.receive_many(issues, actor=CLERK)
    refused = ledger.apply_many(commands)
    if refused:
        raise SystemExit(f"refused: {refused[0]}")
    return ledger


def build(path: Path, count: int, chunk: int) -> dict[str, float]:
    store = LedgerStore.open(path, create=True)
    baseline_path = path.with_suffix(".baseline.db")
    baseline = sqlite3.connect(baseline_path, isolation_level=None)
    baseline.execute("PRAGMA journal_mode=WAL")
    baseline.execute("PRAGMA synchronous=FULL")
    baseline.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, subject TEXT, record_id TEXT, "
        "version INTEGER, at TEXT, at_us INTEGER, name TEXT, actor TEXT, unit TEXT, role TEXT, "
        "from_status TEXT, to_status TEXT, note TEXT, data TEXT)"
    )
    events = 0
    seconds = {"ledger": 0.0, "build": 0.0, "append": 0.0, "baseline": 0.0, "write": 0.0}
    append_rates: list[float] = []
    baseline_rates: list[float] = []
    seq = 0
    for first in range(0, count, chunk):
        started = time.perf_counter()
        ledger = make_chunk(first, min(chunk, count - first))
        built = time.perf_counter()
        appends, lines = [], []
        for issue_id in ledger:
            history = ledger.events(issue_id)
            appends.append(Append(record_id=issue_id, events=history, expected_version=0))
            lines.append(ledger.summary(issue_id))
        prepared = time.perf_counter()
        store.store.append(appends, issues=lines)
        appended = time.perf_counter()
        rows = []
        gc.disable()  # as the store's append does while it builds its rows
        for append in appends:
            for version, event in enumerate(append.events, start=1):
                seq += 1
                at, columns = encode(event)
                rows.append((seq, "issue", append.record_id, version, at, micros(event.at),
                             *columns))  # fmt: skip
        baseline.execute("BEGIN")
        baseline.executemany(f"INSERT INTO events VALUES ({', '.join('?' * 14)})", rows)
        baseline.execute("COMMIT")
        gc.enable()
        inserted = time.perf_counter()
        chunk_events = sum(len(a.events) for a in appends)
        events += chunk_events
        append_rates.append(chunk_events / (appended - prepared))
        baseline_rates.append(chunk_events / (inserted - appended))
        seconds["ledger"] += built - started
        seconds["build"] += prepared - built
        seconds["append"] += appended - prepared
        seconds["baseline"] += inserted - appended
        print(f"  {first + chunk:,} issues, {events:,} events", file=sys.stderr, flush=True)
    # The whole write path once more, on a fresh store, for one chunk.
    sample = make_chunk(count, chunk)
    other = LedgerStore.open(path.with_suffix(".write.db"), create=True)
    started = time.perf_counter()
    written = other.write_ledgers(sample)
    seconds["write"] = time.perf_counter() - started
    other.close()
    store.close()
    baseline.close()
    for extra in (baseline_path, path.with_suffix(".write.db")):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{extra}{suffix}").unlink(missing_ok=True)
    return {
        "events": events,
        "append_events_per_s": round(statistics.median(append_rates)),
        "append_events_per_s_mean": round(events / seconds["append"]),
        "baseline_insert_events_per_s": round(statistics.median(baseline_rates)),
        "write_events_per_s": round(written / seconds["write"]),
        "prepare_us_per_event": round(seconds["build"] / events * 1e6, 2),
        "ledger_seconds": round(seconds["ledger"], 1),
    }


def open_and_dashboard(path: Path, at: pendulum.DateTime) -> tuple[float, float, int]:
    """Open the store and compute the demo's dashboard: every rate overall, by
    track and by unit (the store folds identical summary lines first)."""
    started = time.perf_counter()
    store = LedgerStore.open(path)
    opened = time.perf_counter()
    everything = store.dashboard(at=at).everything
    done = time.perf_counter()
    store.close()
    return opened - started, done - opened, everything.received


def line_by_line_dashboard(path: Path, at: pendulum.DateTime) -> float:
    """The same dashboard from every summary line read into Python, for comparison."""
    store = LedgerStore.open(path)
    started = time.perf_counter()
    lines = store.summaries()
    for by in (None, "track", "unit"):
        report_rows(lines, at=at, by=by, units=store.units)
    seconds = time.perf_counter() - started
    store.close()
    return seconds


def baseline_dashboard(path: Path, count: int, sample: int, at: pendulum.DateTime) -> float:
    store = LedgerStore.open(path)
    started = time.perf_counter()
    issues = []
    for issue in store.issues():
        issues.append(issue)
        if len(issues) == sample:
            break
    for rate in (completion_rate, on_time_completion_rate, response_rate, satisfaction_rate):
        rate(issues, as_of=at)
    seconds = time.perf_counter() - started
    store.close()
    return seconds / sample * count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of open + dashboard")
    parser.add_argument("--sample", type=int, default=2_000, help="issues in the baseline")
    parser.add_argument("--dir", default=None, help="where to put the files (default: a temp dir)")
    parser.add_argument(
        "--db", default=None, help="build the ledger here and keep it; if it exists, only open it"
    )
    options = parser.parse_args()
    at = pendulum.datetime(2027, 1, 1, tz="Asia/Shanghai")
    with tempfile.TemporaryDirectory(dir=options.dir) as folder:
        path = Path(options.db) if options.db else Path(folder) / "ledger.db"
        figures: dict[str, object] = {"issues": options.issues}
        if path.exists():  # measure opening an earlier run's ledger again
            figures["built_in_an_earlier_run"] = True
        else:
            figures.update(build(path, options.issues, options.chunk))
            figures["file_bytes_per_event"] = round(
                path.stat().st_size / figures["events"]  # type: ignore[operator]
            )
        runs = [open_and_dashboard(path, at) for _ in range(options.repeat)]
        assert all(received == options.issues for _, _, received in runs)
        figures["open_seconds"] = round(statistics.median(r[0] for r in runs), 3)
        figures["dashboard_seconds"] = round(statistics.median(r[1] for r in runs), 3)
        figures["open_plus_dashboard_seconds"] = round(
            statistics.median(r[0] + r[1] for r in runs), 3
        )
        figures["line_by_line_dashboard_seconds"] = round(line_by_line_dashboard(path, at), 3)
        figures["baseline_rebuild_and_rates_seconds_estimate"] = round(
            baseline_dashboard(path, options.issues, options.sample, at), 1
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
