"""What the serialised chain head costs under many writers: appends a second with
1, 4 and 16 writer processes appending to one ledger in a server database.

    .venv/bin/python benchmarks/writers.py --db postgresql+psycopg://user@/db?host=/run/pg

**The work.** Each writer is a process of its own with its own connection, as a
hotline's clerks' desks would be. It appends one issue at a time with
``EventStore.append``: the issue received and taken one to five steps further
(transfer, sign for, resolve, answer, rate), 5.1 events an append on average,
with the summary line after each event: one transaction each, committed with
the server's ordinary durability (``fsync``/``synchronous_commit`` on
PostgreSQL, ``innodb_flush_log_at_trx_commit=1`` on MariaDB, as the server was
started). Every append locks the chain's head (``SELECT … FOR UPDATE`` on the
``meta`` row) to the end of its transaction, so appends are serialised: more
writers add no appends a second once the head's lock is the bottleneck, and
each writer waits longer.

The appends are made before the clock starts, from a template of 200 issues
(``benchmarks/store.py``'s, renamed per append), so the figure is the store's
and the database's. All writers start together and stop after ``--seconds``;
each run's rate is the appends committed over the seconds, and the median of
``--runs`` runs is quoted, with each writer's median and 95th-percentile
latency. The ledger is a scratch one beside the caller's tables (prefix
``bench_writers_``), dropped at the end.

The last line is one JSON object with every figure.
"""

import sys
from pathlib import Path

# benchmarks/calendar.py shadows the standard library's calendar module, which
# pendulum imports: take this folder off the import path, then put it last.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.append(str(Path(__file__).parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import attrs  # noqa: E402
import server_ledger  # noqa: E402

import store as ledger_bench  # noqa: E402
from banshishi import IssueSummary, LedgerStore  # noqa: E402
from banshishi.store import Append  # noqa: E402

PREFIX = "bench_writers_"
TEMPLATE = 200
PER_SECOND = 1_500
"""More appends a second than all writers together could make (each writer is
given its share of this, times the seconds, made before the clock starts)."""


def template() -> list[tuple[Append, list[IssueSummary]]]:
    """``TEMPLATE`` issues' appends, each with its lines."""
    appends, lines = ledger_bench.chunk_appends(0, TEMPLATE)
    out, at = [], 0
    for append in appends:
        count = len(append.events)
        out.append((append, lines[at : at + count]))
        at += count
    return out


def renamed(
    work: tuple[Append, list[IssueSummary]], record_id: str
) -> tuple[Append, list[IssueSummary]]:
    append, lines = work
    return (
        attrs.evolve(append, record_id=record_id),
        [attrs.evolve(line, id=record_id) for line in lines],
    )


def writer(url: str, name: str, start: float, seconds: float, count: int) -> None:
    """One writer: append issue after issue from ``start`` for ``seconds``; print
    what it did as JSON."""
    work = template()
    store = LedgerStore.open(url)
    backend = store.store
    prepared = [renamed(work[n % TEMPLATE], f"{name}-{n}") for n in range(count)]
    latencies, events, busy = [], 0, 0
    while time.time() < start:
        time.sleep(0.001)
    stop = start + seconds
    for append, lines in prepared:
        began = time.perf_counter()
        if time.time() >= stop:
            break
        try:
            backend.append([append], issues=lines)
        except Exception as error:  # a busy head: counted, not retried
            if type(error).__name__ != "StoreBusyError":
                raise
            busy += 1
            continue
        latencies.append(time.perf_counter() - began)
        events += len(append.events)
    else:
        raise SystemExit(f"writer {name} ran out of its {count} appends: give it more")
    store.close()
    print(json.dumps({"appends": len(latencies), "events": events, "busy": busy,
                      "latencies": latencies}))  # fmt: skip


def one_run(url: str, writers: int, seconds: float, run: int) -> dict[str, Any]:
    start = time.time() + 8.0 + writers * 0.5  # time for every writer to prepare its work
    children = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--writer",
                url,
                f"r{run}w{writers}-{n}",
                str(start),
                str(seconds),
                str(max(500, int(PER_SECOND * seconds) // writers)),
            ],
            stdout=subprocess.PIPE,
        )
        for n in range(writers)
    ]
    results = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode:
            raise SystemExit(f"a writer exited {child.returncode}")
        results.append(json.loads(out))
    late = [latency for result in results for latency in result["latencies"]]
    late.sort()
    appends = sum(result["appends"] for result in results)
    return {
        "appends_per_s": appends / seconds,
        "events_per_s": sum(result["events"] for result in results) / seconds,
        "busy": sum(result["busy"] for result in results),
        "latency_median_ms": 1000 * statistics.median(late) if late else None,
        "latency_p95_ms": 1000 * late[int(0.95 * (len(late) - 1))] if late else None,
    }


def measure(url: str, counts: list[int], seconds: float, runs: int) -> dict[str, Any]:
    place = server_ledger.scratch(url, PREFIX)
    server_ledger.drop(place)
    store = LedgerStore.open(place, create=True)
    store.save_units(ledger_bench.TREE, actor=ledger_bench.CLERK,
                     at=ledger_bench.START - dt.timedelta(days=1))  # fmt: skip
    store.close()
    figures: dict[str, Any] = {}
    try:
        for writers in counts:
            done = [one_run(place, writers, seconds, run) for run in range(runs)]
            figure = {
                key: round(statistics.median(r[key] for r in done), 1)
                for key in ("appends_per_s", "events_per_s", "latency_median_ms",
                            "latency_p95_ms")
            }  # fmt: skip
            figure["runs_appends_per_s"] = [round(r["appends_per_s"], 1) for r in done]
            figure["busy"] = sum(r["busy"] for r in done)
            figures[str(writers)] = figure
            print(f"{server_ledger.kind(url)} {writers:>2} writers: {figure}", file=sys.stderr,
                  flush=True)  # fmt: skip
        check = LedgerStore.open(place, read_only=True)
        report = check.verify()
        figures["verify_after"] = {"intact": report.intact, "events": report.events}
        check.close()
    finally:
        server_ledger.drop(place)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", default=[], metavar="URL")
    parser.add_argument("--writers", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writer", nargs=5, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.writer:
        url, name, start, seconds, count = options.writer
        writer(url, name, float(start), float(seconds), int(count))
        return
    counts = [int(n) for n in options.writers.split(",")]
    figures = {
        server_ledger.kind(url): measure(url, counts, options.seconds, options.runs)
        for url in options.db
    }
    print(f"\n{'writers':>8}" + "".join(f"{name + ' appends/s':>24}{'events/s':>10}{'p95 ms':>8}"
                                        for name in figures))  # fmt: skip
    for writers in counts:
        cells = "".join(
            f"{got[str(writers)]['appends_per_s']:>24}{got[str(writers)]['events_per_s']:>10}"
            f"{got[str(writers)]['latency_p95_ms']:>8}"
            for got in figures.values()
        )
        print(f"{writers:>8}{cells}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
