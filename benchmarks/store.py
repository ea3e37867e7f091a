"""What the SQLite ledger store costs on a large ledger: every command a city
runs, each beside a plain SQL full scan of the same file's events table.

    .venv/bin/python benchmarks/store.py --ledger /tmp/bench1m.db --reuse
    .venv/bin/python benchmarks/store.py --issues 20000          # a quick check

**The ledger.** ``--issues`` issues (1,000,000 by default) go through the
in-memory ``Ledger`` in chunks: each issue received, then taken zero to five
steps further (transfer, sign for, resolve, answer, rate; 70% closed), one step
at a time across the chunk, with the issue's summary line read after every
step. Each chunk's events and lines go to the store with ``EventStore.append``
(the per-event lines it keeps in ``issue_lines``), so nothing is replayed. One
item in 97 gets a five-day deadline, the rest a year's, so at the last moment
measured ("now", a week after the last receipt) some open items are overdue or
due soon and most are on track. A unit tree (a city, four districts, forty
units) is saved first. With ``--ledger PATH --reuse`` an existing ledger is
reused; how it was built, and how long that took, is kept beside it
(``PATH.build.json``) and printed again.

**Each command runs in a fresh process**, timed from start to exit (the
interpreter's start included), its peak memory read from the kernel
(``os.wait4``'s ``ru_maxrss``). Cheap ones run ``--repeat`` times and the median
is quoted. The baseline, measured in the same run on the same file: ``SELECT
count(*) FROM events``, and one Python pass reading every row of ``events``.

- ``dashboard``: ``LedgerStore.open`` + ``dashboard(at=now)``.
- ``report_as_of``: ``banshishi report --by unit --as-of MID`` (MID the middle of
  the ledger's receipts, so lines through time count).
- ``monthly``: ``banshishi report --period month --as-of MID``.
- ``sweep``: ``banshishi sweep --at now`` on a copy of the ledger, with work to
  do, then again at the same moment (nothing to do); the rate is the open items
  in the ledger over the seconds.
- ``export``: ``banshishi ledger-file export`` to a CSV file; stopped after
  ``--export-timeout`` seconds, when the rate is the rows written by then.
- ``verify``: ``banshishi verify``.
- ``append``: ``--append-chunks`` chunks appended with ``EventStore.append`` to a
  fresh store (the version checks, the hash chain, the lines, the commit), beside
  the same rows inserted into a bare table (no checks, no chain): the median rate.

**Server ledgers** (``--db URL``, repeatable: a PostgreSQL and a MariaDB URL,
say): each is filled from the SQLite ledger (``server_ledger``: the same events
and lines through ``SqlEventStore.append``, its head receipt checked equal to
the SQLite ledger's; reused with ``--reuse`` when its head still is) and
measured by the same commands, beside its own baseline on the same server
(``server_figures``); the sweep writes to a copy, the append to scratch tables
beside the ledger. ``--skip-sqlite`` measures the servers only.

    .venv/bin/python benchmarks/store.py --ledger /tmp/bench.db --reuse
        --db "postgresql+psycopg://user@/db?host=/run/pg"
        --db "mysql+pymysql://user@localhost/db?unix_socket=/run/my.sock"

The last line is one JSON object with every figure (the servers' under ``servers``).
"""

import sys
from pathlib import Path

# benchmarks/calendar.py shadows the standard library's calendar module, which
# pendulum imports: take this folder off the import path before anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.append(str(Path(__file__).parent))  # last: its siblings, after the standard library

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import pendulum  # noqa: E402
import server_figures  # noqa: E402
import server_ledger  # noqa: E402

from banshishi import (  # noqa: E402
    Actor,
    Channel,
    Command,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueSummary,
    Ledger,
    LedgerStore,
    Level,
    Person,
    RaterKind,
    Rating,
    Role,
    Track,
    Unit,
    UnitTree,
    Urgency,
)
from banshishi._core.time import add_elapsed  # noqa: E402
from banshishi._metrics.summary import micros  # noqa: E402
from banshishi._store.event_store import encode  # noqa: E402
from banshishi.store import Append  # noqa: E402

ZONE = "Asia/Shanghai"
START = pendulum.datetime(2026, 1, 5, 8, tz=ZONE)
HOUR = dt.timedelta(hours=1)
GAP = dt.timedelta(seconds=7)
"""Between one issue's receipt and the next: 12,342 a day, a million in 81 days."""
CLERK = Actor(id="clerk-1", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="dispatch-1", role=Role.DISPATCHER, unit="centre")
DISTRICTS = [f"district-{n}" for n in range(4)]
UNITS = [f"unit-{n}" for n in range(40)]
HANDLERS = {unit: Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit) for unit in UNITS}
TITLES = ["路灯不亮", "小区停车难", "供暖不热", "共享单车不足", "道路积水", "噪音扰民"]
# Only 即办 items: the other tracks need co-units' parts, a supervisor's sign-off or
# milestones, which this ledger's one handler per item does not give.
URGENCIES = [u for u in Urgency if u.default_track is Track.IMMEDIATE]
RATINGS = [Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED]
TREE = UnitTree(
    [
        Unit(id="city", name="市", level=Level.CITY),
        Unit(id="centre", name="热线中心", level=Level.CITY, parent="city"),
        *(Unit(id=d, name=d, level=Level.COUNTY, parent="city") for d in DISTRICTS),
        *(
            Unit(id=u, name=u, level=Level.TOWNSHIP, parent=DISTRICTS[n % len(DISTRICTS)])
            for n, u in enumerate(UNITS)
        ),
    ]
)

# -- the ledger -----------------------------------------------------------------------


def make_chunk(first: int, count: int) -> tuple[Ledger, dict[str, list[IssueSummary]]]:
    """``count`` issues from number ``first``, each taken 0–5 steps past receipt
    one step at a time, with every issue's summary line after each of its events."""
    ledger = Ledger()
    issues = []
    rounds: list[list[Command]] = [[] for _ in range(5)]
    for n in range(first, first + count):
        received = add_elapsed(START, GAP * n)
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
        days = 5 if n % 97 == 0 else 365
        transfer = {"unit": unit, "deadline": at[5] + dt.timedelta(days=days)}
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
            rounds[k].append(Command(issue_id=issue.id, event=event, actor=actor, at=at[k],
                                     args=args))  # fmt: skip
    ledger.receive_many(issues, actor=CLERK)
    lines = {issue.id: [ledger.summary(issue.id)] for issue in issues}
    for commands in rounds:
        refused = ledger.apply_many(commands)
        if refused:
            raise SystemExit(f"refused: {refused[0]}")
        for command in commands:
            lines[command.issue_id].append(ledger.summary(command.issue_id))
    return ledger, lines


def chunk_appends(first: int, count: int) -> tuple[list[Append], list[IssueSummary]]:
    """A chunk's appends (every issue new) and the line after each of their events."""
    ledger, lines = make_chunk(first, count)
    appends, flat = [], []
    for issue_id in ledger:
        history = ledger.events(issue_id)
        if len(history) != len(lines[issue_id]):
            raise SystemExit(f"{issue_id}: {len(history)} events, {len(lines[issue_id])} lines")
        appends.append(Append(record_id=issue_id, events=history, expected_version=0))
        flat += lines[issue_id]
    return appends, flat


def build(path: Path, count: int, chunk: int) -> dict[str, Any]:
    started = time.perf_counter()
    store = LedgerStore.open(path, create=True)
    store.save_units(TREE, actor=CLERK, at=START - dt.timedelta(days=1))
    events, making, appending, rates = 0, 0.0, 0.0, []
    for first in range(0, count, chunk):
        begun = time.perf_counter()
        appends, lines = chunk_appends(first, min(chunk, count - first))
        made = time.perf_counter()
        store.store.append(appends, issues=lines)
        done = time.perf_counter()
        written = sum(len(a.events) for a in appends)
        events += written
        making += made - begun
        appending += done - made
        rates.append(written / (done - made))
        print(f"  {first + chunk:,} issues, {events:,} events, {rates[-1]:,.0f} events/s "
              f"appended", file=sys.stderr, flush=True)  # fmt: skip
    store.close()
    return {
        "issues": count,
        "events": events,
        "how": f"in-memory Ledger chunks of {chunk:,} issues, one step at a time with the "
        "line after each event, then EventStore.append per chunk (no replay)",
        "build_seconds": round(time.perf_counter() - started, 1),
        "build_ledger_seconds": round(making, 1),
        "build_append_seconds": round(appending, 1),
        "build_append_events_per_s_median": round(statistics.median(rates)),
        "build_append_events_per_s_last_chunk": round(rates[-1]),
        "file_bytes": path.stat().st_size,
    }


def moments(count: int) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """``now`` (a week after the last receipt) and the middle of the receipts."""
    last = add_elapsed(START, GAP * (count - 1))
    return last + dt.timedelta(days=7), add_elapsed(START, GAP * (count // 2))


# -- measuring one command in a fresh process ----------------------------------------


def run(argv: list[str], timeout: float | None = None) -> tuple[float, float, bool]:
    """Run ``argv`` to its end (or ``timeout``): its wall seconds, peak memory
    (MB) and whether it finished.

    The peak is the child's own high-water mark (``VmHWM``, read every 10 ms
    while it runs): the kernel's ``ru_maxrss`` of a forked child counts the
    parent's memory before the child's ``exec``, and this process grows."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finished = True
    deadline = None if timeout is None else started + timeout
    peak = 0
    while True:
        peak = max(peak, high_water(child.pid))
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            child.send_signal(signal.SIGTERM)
            pid, status, usage = os.wait4(child.pid, 0)
            finished = False
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode() if child.stderr else ""
    if finished and child.returncode not in (0,):
        raise SystemExit(f"{argv} exited {child.returncode}: {error[-2000:]}")
    return seconds, (peak or usage.ru_maxrss) / 1024, finished


def high_water(pid: int) -> int:
    """The peak resident memory (kB) of the running process ``pid``, 0 if unknown."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "banshishi", *args]


def child(*args: str) -> list[str]:
    return [sys.executable, __file__, "--child", *args]


def repeated(argv: list[str], times: int) -> dict[str, float]:
    runs = [run(argv) for _ in range(times)]
    return {
        "seconds": round(statistics.median(r[0] for r in runs), 3),
        "peak_mb": round(max(r[1] for r in runs), 1),
    }


def events_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT max(seq) FROM events").fetchone()[0])


def run_child(kind: str, path: str, moment: str) -> None:
    """What ``--child`` runs, in its own process."""
    if "://" in path and kind in ("count", "pass"):
        server_ledger.scan(kind, path)
    elif kind == "count":
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.execute("SELECT count(*) FROM events").fetchone()
    elif kind == "pass":
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        cursor = db.execute("SELECT * FROM events")
        rows = 0
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                rows += len(row)
    elif kind == "dashboard":
        store = LedgerStore.open(path, read_only=True)
        store.dashboard(at=pendulum.parse(moment))
        store.close()
    else:
        raise SystemExit(f"no child {kind!r}")


# -- append ---------------------------------------------------------------------------


def append_rates(folder: Path, chunks: int, chunk: int) -> dict[str, int]:
    """``chunks`` chunks appended to a fresh store, and inserted into a bare table."""
    store = LedgerStore.open(folder / "append.db", create=True)
    bare = sqlite3.connect(folder / "bare.db", isolation_level=None)
    bare.execute("PRAGMA journal_mode=WAL")
    bare.execute("PRAGMA synchronous=FULL")
    bare.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, subject TEXT, record_id TEXT, "
        "version INTEGER, at TEXT, at_us INTEGER, name TEXT, actor TEXT, unit TEXT, role TEXT, "
        "from_status TEXT, to_status TEXT, note TEXT, data TEXT)"
    )
    ours, plain, seq = [], [], 0
    for n in range(chunks):
        appends, lines = chunk_appends(n * chunk, chunk)
        events = sum(len(a.events) for a in appends)
        started = time.perf_counter()
        store.store.append(appends, issues=lines)
        ours.append(events / (time.perf_counter() - started))
        started = time.perf_counter()
        rows = []
        gc.disable()  # as the store's append does while it builds its rows
        for append in appends:
            for version, event in enumerate(append.events, start=1):
                seq += 1
                at, columns = encode(event)
                rows.append((seq, "issue", append.record_id, version, at, micros(event.at),
                             *columns))  # fmt: skip
        bare.execute("BEGIN")
        bare.executemany(f"INSERT INTO events VALUES ({', '.join('?' * 14)})", rows)
        bare.execute("COMMIT")
        gc.enable()
        plain.append(events / (time.perf_counter() - started))
    store.close()
    bare.close()
    return {"store": round(statistics.median(ours)), "bare": round(statistics.median(plain))}


# -- the whole run --------------------------------------------------------------------

TARGETS = {
    "dashboard": ("seconds", "<=", 5.0),
    "report_as_of": ("seconds", "<=", 5.0),
    "monthly": ("seconds", "<=", 10.0),
    "sweep_work": ("open_items_per_s", ">=", 100_000),
    "sweep_none": ("open_items_per_s", ">=", 100_000),
    "export": ("issues_per_s", ">=", 20_000),
    "append": ("events_per_s", ">=", 60_000),
}
MEMORY_TARGET_MB = 500.0


def measure(path: Path, folder: Path, options: argparse.Namespace, count: int) -> dict[str, Any]:
    now, middle = moments(count)
    day = middle.in_timezone(ZONE).to_date_string()
    db = str(path)
    figures: dict[str, Any] = {}

    def show(name: str, figure: dict[str, Any]) -> None:
        figures[name] = figure
        print(f"{name:>14}: {json.dumps(figure, ensure_ascii=False)}", file=sys.stderr, flush=True)

    repeat = options.repeat
    only = set(options.only.split(",")) if options.only else None
    if only is not None:  # a part measured again: the baseline is always measured
        return measure_parts(path, folder, options, count, only, show, figures)
    show("scan_count", repeated(child("count", db, ""), repeat))
    show("scan_pass", repeated(child("pass", db, ""), repeat))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as probe:
        open_items = probe.execute(
            "SELECT count(*) FROM issues WHERE status NOT IN ('closed', 'dismissed')"
        ).fetchone()[0]
    show("dashboard", repeated(child("dashboard", db, now.isoformat()), repeat))
    show(
        "report_as_of", repeated(cli("report", "--db", db, "--by", "unit", "--as-of", day), repeat)
    )
    show(
        "monthly", repeated(cli("report", "--db", db, "--period", "month", "--as-of", day), repeat)
    )
    copy = folder / "sweep.db"
    shutil.copyfile(path, copy)
    for name in ("sweep_work", "sweep_none"):
        before = events_in(copy)
        seconds, peak, _ = run(cli("sweep", "--db", str(copy), "--at", now.isoformat()))
        show(name, {"seconds": round(seconds, 3), "peak_mb": round(peak, 1),
                    "open_items": open_items, "open_items_per_s": round(open_items / seconds),
                    "events_written": events_in(copy) - before})  # fmt: skip
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return measure_parts(
        path, folder, options, count, {"export", "verify", "append"}, show, figures
    )


def measure_parts(
    path: Path,
    folder: Path,
    options: argparse.Namespace,
    count: int,
    only: set[str],
    show: Any,
    figures: dict[str, Any],
) -> dict[str, Any]:
    """Export, verify and append (those of them in ``only``), after the baseline."""
    db = str(path)
    if "scan_pass" not in figures:
        show("scan_count", repeated(child("count", db, ""), options.repeat))
        show("scan_pass", repeated(child("pass", db, ""), options.repeat))
    if "export" in only:
        out = folder / "ledger.csv"
        seconds, peak, finished = run(
            cli("ledger-file", "export", "--db", db, "-o", str(out)), timeout=options.export_timeout
        )
        # The CLI writes under a private name and moves the file into place at the
        # end: stopped before, it wrote nothing, and the rate is at most all / seconds.
        rows = sum(1 for _ in out.open("rb")) - 1 if out.exists() else 0
        figure = {"seconds": round(seconds, 1), "peak_mb": round(peak, 1), "finished": finished}
        figure["issues_per_s"] = round((rows if finished else count) / seconds)
        if not finished:
            figure["issues_per_s_at_most"] = figure["issues_per_s"]
        show("export", figure)
        out.unlink(missing_ok=True)
    if "verify" in only:
        seconds, peak, _ = run(cli("verify", "--db", db))
        show("verify", {"seconds": round(seconds, 1), "peak_mb": round(peak, 1)})
    if "append" in only:
        rates = append_rates(folder, options.append_chunks, options.chunk)
        show("append", {"events_per_s": rates["store"], "bare_insert_events_per_s": rates["bare"]})
    return figures


def table(figures: dict[str, Any]) -> None:
    scan = figures["scan_pass"]["seconds"]
    print(f"\nbaseline: SELECT count(*) FROM events {figures['scan_count']['seconds']} s; "
          f"a Python pass over every events row {scan} s, "
          f"{figures['scan_pass']['peak_mb']} MB")  # fmt: skip
    print(f"{'command':<14} {'figure':>22} {'x scan':>7} {'peak MB':>8}  target  met?")
    for name, (unit, sense, goal) in TARGETS.items():
        if name not in figures:
            continue
        got = figures[name]
        value = got[unit]
        seconds = got.get("seconds")
        times = f"{seconds / scan:.2f}" if seconds is not None else "-"
        peak = got.get("peak_mb", float("nan"))
        met = (value <= goal if sense == "<=" else value >= goal) and not peak > MEMORY_TARGET_MB
        print(f"{name:<14} {value:>14,} {unit:<8} {times:>6} {peak:>8} {sense}{goal:,} "
              f"{'yes' if met else 'NO'}")  # fmt: skip
    got = figures.get("verify")
    if got is None:
        return
    print(
        f"{'verify':<14} {got['seconds']:>14,} seconds  {got['seconds'] / scan:>6.2f} "
        f"{got['peak_mb']:>8}  mem<=500 {'yes' if got['peak_mb'] <= MEMORY_TARGET_MB else 'NO'}"
    )
    print(f"append beside bare inserts: {figures['append']['bare_insert_events_per_s']:,} events/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cheap command")
    parser.add_argument("--ledger", default=None, help="where to build the ledger (kept)")
    parser.add_argument("--reuse", action="store_true", help="reuse the ledger at --ledger")
    parser.add_argument("--build-only", action="store_true", help="build, measure nothing")
    parser.add_argument("--export-timeout", type=float, default=600.0, metavar="SECONDS")
    parser.add_argument("--append-chunks", type=int, default=3)
    parser.add_argument("--only", default=None, help="measure only these: export,verify,append")
    parser.add_argument("--dir", default=None, help="where to put scratch files")
    parser.add_argument(
        "--db",
        action="append",
        default=[],
        metavar="URL",
        help="measure this server ledger too (filled from the SQLite one)",
    )
    parser.add_argument(
        "--fill-events",
        type=int,
        default=100_000,
        help="events a server ledger's fill appends at a time",
    )
    parser.add_argument(
        "--skip-sqlite",
        action="store_true",
        help="measure only the --db servers (the SQLite ledger is their source)",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        run_child(*options.child)
        return
    with tempfile.TemporaryDirectory(dir=options.dir) as scratch:
        folder = Path(scratch)
        path = Path(options.ledger) if options.ledger else folder / "ledger.db"
        notes = Path(f"{path}.build.json")
        if options.reuse and path.exists() and notes.exists():
            built = json.loads(notes.read_text())
            built["reused"] = True
        else:
            for suffix in ("", "-wal", "-shm", ".build.json"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            built = build(path, options.issues, options.chunk)
            notes.write_text(json.dumps(built))
        print(f"ledger: {built['issues']:,} issues, {built['events']:,} events, built "
              f"in {built['build_seconds']} s ({built['how']})")  # fmt: skip
        figures: dict[str, Any] = {"build": built}
        if not options.build_only:
            if not options.skip_sqlite:
                figures.update(measure(path, folder, options, built["issues"]))
                table(figures)
            servers = figures.setdefault("servers", {})
            here = sys.modules[__name__]
            for url in options.db:
                name = server_ledger.kind(url)
                servers[name] = server_figures.measure(
                    url, path, folder, options, built["issues"], here
                )
                servers[name]["url"] = server_ledger.shown(url)
            if options.db:
                server_figures.side_by_side(figures)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
