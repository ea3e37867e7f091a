"""How fast periodic reports, ledger files, disclosure lists and Open311 exports
run on a simulated ledger, each beside a baseline measured in the same run.

    .venv/bin/python benchmarks/exchange.py --issues 20000 --repeat 3

The ledger is a seeded simulated campaign (``simulate_campaign``). Each job is
timed ``--repeat`` times and the median reported. Baselines:

- a periodic report reads every issue at several moments; beside it, reading
  every issue once (one ``IssueSummary.of`` each) is the least any report costs;
- ledger files and disclosure lists beside writing the same number of rows of
  plain text with the csv module;
- the Open311 export beside ``unstructure`` of every issue (the library's own JSON).

The last line is one JSON object with every figure.
"""

import sys
from pathlib import Path

# benchmarks/calendar.py shadows the standard library's calendar module, which
# pendulum imports: take this folder off the import path before anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


import argparse  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from banshishi import (  # noqa: E402
    IssueSummary,
    disclose_issues,
    disclosure_csv,
    export_requests,
    periodic_report,
    read_ledger_file,
    unstructure,
    write_ledger_file,
)
from banshishi.simulation import simulate_campaign  # noqa: E402


def median_seconds(job: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    start = time.perf_counter()
    campaign = simulate_campaign(issues=options.issues, seed=2026)
    issues = list(campaign.ledger.issues())
    figures: dict[str, object] = {
        "issues": len(issues),
        "simulate_seconds": round(time.perf_counter() - start, 1),
    }
    at, units, repeat = campaign.end, campaign.units, options.repeat
    print(f"{len(issues):,} issues simulated in {figures['simulate_seconds']} s", flush=True)

    def lines() -> list[IssueSummary]:
        return [IssueSummary.of(issue, version=len(issue.history), as_of=at) for issue in issues]

    figures["baseline_summaries_once_seconds"] = median_seconds(lines, repeat)
    for kind in ("week", "month", "quarter"):
        figures[f"periodic_{kind}_seconds"] = median_seconds(
            lambda kind=kind: periodic_report(issues, period=kind, at=at, units=units), repeat
        )
    print(json.dumps(figures, ensure_ascii=False), flush=True)

    def plain_rows() -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for issue in issues:
            writer.writerow((issue.id, issue.title, issue.status.label, issue.received_at))

    figures["baseline_plain_csv_seconds"] = median_seconds(plain_rows, repeat)
    with tempfile.TemporaryDirectory() as folder:
        for suffix in ("csv", "xlsx"):
            path = Path(folder) / f"ledger.{suffix}"
            figures[f"ledger_{suffix}_write_seconds"] = median_seconds(
                lambda path=path: write_ledger_file(issues, path), repeat
            )
            figures[f"ledger_{suffix}_read_seconds"] = median_seconds(
                lambda path=path: read_ledger_file(path), repeat
            )
            figures[f"ledger_{suffix}_bytes_per_row"] = round(path.stat().st_size / len(issues))
    print(json.dumps(figures, ensure_ascii=False), flush=True)

    figures["disclosure_csv_seconds"] = median_seconds(
        lambda: disclosure_csv(disclose_issues(issues, at=at, units=units)), repeat
    )
    figures["baseline_unstructure_seconds"] = median_seconds(
        lambda: [unstructure(issue) for issue in issues], repeat
    )
    figures["open311_export_seconds"] = median_seconds(
        lambda: export_requests(issues, at=at, extended=True), repeat
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
