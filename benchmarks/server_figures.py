"""The figures of ``benchmarks/store.py`` for a ledger in a server database
(``--db URL``): each command in a fresh process, beside the baseline measured on
the same server in the same run (``SELECT count(*) FROM events``, and a Python
pass over every row of ``events`` through the driver).

The server ledger is the SQLite ledger's, filled by ``server_ledger``. The
sweep writes to a copy (``server_ledger.copy_of``). The append is measured on a
scratch ledger beside it (tables ``bench_append_*``), beside the same rows put
into a bare table by the server's own fast path.
"""

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import server_ledger as servers

from banshishi import LedgerStore
from banshishi._metrics.summary import micros
from banshishi._store.event_store import encode

Show = Callable[[str, dict[str, Any]], None]


def measure(
    url: str, ledger: Path, folder: Path, options: Any, count: int, tools: Any
) -> dict[str, Any]:
    """Every figure for the server ledger at ``url`` (filled from ``ledger`` first)."""
    name = servers.kind(url)
    figures: dict[str, Any] = {}

    def show(figure_name: str, figure: dict[str, Any]) -> None:
        figures[figure_name] = figure
        print(f"{name + ' ' + figure_name:>26}: {figure}", file=sys.stderr, flush=True)

    figures["build"] = servers.filled(ledger, url, options.fill_events, options.reuse)
    now, middle = tools.moments(count)
    day = middle.in_timezone(tools.ZONE).to_date_string()
    repeat, only = options.repeat, (set(options.only.split(",")) if options.only else None)
    show("scan_count", tools.repeated(tools.child("count", url, ""), repeat))
    show("scan_pass", tools.repeated(tools.child("pass", url, ""), repeat))
    if only is None:
        show("dashboard", tools.repeated(tools.child("dashboard", url, now.isoformat()), repeat))
        report = ("report", "--db", url, "--as-of", day)
        show("report_as_of", tools.repeated(tools.cli(*report, "--by", "unit"), repeat))
        show("monthly", tools.repeated(tools.cli(*report, "--period", "month"), repeat))
        sweep(url, now, tools, show)
    parts = only if only is not None else {"export", "verify", "append"}
    if "export" in parts:
        export(url, folder, options, count, tools, show)
    if "verify" in parts:
        seconds, peak, _ = tools.run(tools.cli("verify", "--db", url))
        show("verify", {"seconds": round(seconds, 1), "peak_mb": round(peak, 1)})
    if "append" in parts:
        show("append", append(url, options.append_chunks, options.chunk, tools))
    return figures


def sweep(url: str, now: Any, tools: Any, show: Show) -> None:
    """``sweep --at now`` on a copy, with work to do, then again (nothing to do)."""
    open_items = servers.scalar(
        url, "SELECT count(*) FROM {issues} WHERE status NOT IN ('closed', 'dismissed')"
    )
    started = time.perf_counter()
    copy = servers.copy_of(url)
    copied = time.perf_counter() - started
    try:
        for figure_name in ("sweep_work", "sweep_none"):
            before = servers.scalar(copy, "SELECT max(seq) FROM {events}")
            seconds, peak, _ = tools.run(tools.cli("sweep", "--db", copy, "--at", now.isoformat()))
            written = servers.scalar(copy, "SELECT max(seq) FROM {events}") - before
            figure = {"seconds": round(seconds, 3), "peak_mb": round(peak, 1)}
            figure["open_items"] = open_items
            figure["open_items_per_s"] = round(open_items / seconds)
            figure["events_written"] = written
            figure["copy_seconds"] = round(copied, 1)
            show(figure_name, figure)
    finally:
        servers.drop_copy(copy)


def export(url: str, folder: Path, options: Any, count: int, tools: Any, show: Show) -> None:
    out = folder / f"{servers.kind(url)}.csv"
    seconds, peak, finished = tools.run(
        tools.cli("ledger-file", "export", "--db", url, "-o", str(out)),
        timeout=options.export_timeout,
    )
    rows = sum(1 for _ in out.open("rb")) - 1 if out.exists() else 0
    figure = {"seconds": round(seconds, 1), "peak_mb": round(peak, 1), "finished": finished}
    figure["issues_per_s"] = round((rows if finished else count) / seconds)
    if not finished:
        figure["issues_per_s_at_most"] = figure["issues_per_s"]
    show("export", figure)
    out.unlink(missing_ok=True)


def append(url: str, chunks: int, chunk: int, tools: Any) -> dict[str, Any]:
    """``chunks`` chunks appended to a fresh scratch ledger on the server with
    ``EventStore.append``, and the same rows put into a bare table: median rates."""
    place = servers.scratch(url, "bench_append_")
    servers.drop(place)
    store = LedgerStore.open(place, create=True)
    ours, batches, seq = [], [], 0
    try:
        for n in range(chunks):
            appends, lines = tools.chunk_appends(n * chunk, chunk)
            events = sum(len(a.events) for a in appends)
            started = time.perf_counter()
            store.store.append(appends, issues=lines)
            ours.append(events / (time.perf_counter() - started))
            rows = []
            for each in appends:
                for version, event in enumerate(each.events, start=1):
                    seq += 1
                    at, columns = encode(event)
                    rows.append((seq, "issue", each.record_id, version, at, micros(event.at),
                                 *columns))  # fmt: skip
            batches.append(rows)
    finally:
        store.close()
        servers.drop(place)
    # The bare figure times the database's insert only: the rows are made first.
    plain = servers.bare_rates(place, batches)
    return {
        "events_per_s": round(statistics.median(ours)),
        "bare_insert_events_per_s": round(statistics.median(plain)),
        "chunks": chunks,
        "events_per_chunk": len(batches[0]) if batches else 0,
    }


FIGURES = (
    ("scan_count", "seconds"),
    ("scan_pass", "seconds"),
    ("dashboard", "seconds"),
    ("report_as_of", "seconds"),
    ("monthly", "seconds"),
    ("sweep_work", "open_items_per_s"),
    ("sweep_none", "open_items_per_s"),
    ("export", "issues_per_s"),
    ("verify", "seconds"),
    ("append", "events_per_s"),
)


def side_by_side(figures: dict[str, Any]) -> None:
    """Each figure for SQLite and every server, each beside its own baseline."""
    columns = {"sqlite": figures} if "scan_pass" in figures else {}
    columns |= figures.get("servers", {})
    print(f"\n{'figure':<26}" + "".join(f"{name:>24}" for name in columns))
    for name, unit in FIGURES:
        cells = []
        for got in columns.values():
            figure = got.get(name)
            if figure is None:
                cells.append(f"{'-':>24}")
                continue
            value = figure[unit]
            scan = got["scan_pass"]["seconds"]
            times = f" ({figure['seconds'] / scan:.2f}x)" if "seconds" in figure and name not in (
                "scan_count", "scan_pass") else ""  # fmt: skip
            cells.append(f"{value:>14,}{times:>10}")
        print(f"{name + ' (' + unit + ')':<26}" + "".join(cells))
    bare = [
        f"{name} {got['append']['bare_insert_events_per_s']:,}"
        for name, got in columns.items()
        if "append" in got
    ]
    print("bare inserts beside append (events/s): " + ", ".join(bare))
    print("(x) = seconds over the same backend's Python pass over every events row")
