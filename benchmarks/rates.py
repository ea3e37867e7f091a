"""How fast the rate calculators run on a large ledger, beside a bare counting loop.

    .venv/bin/python benchmarks/rates.py --issues 1000000 --repeat 5

Builds a seeded ledger of closed, open and dismissed issues spread over a
county's units (timed; its memory is traced on a sample). Each calculator is
timed several times and the median is reported, beside a baseline measured in
the same run: a plain loop that only counts closed issues, which is the least
any completion rate can cost. The last line is one JSON object with every figure.
"""

import sys
from pathlib import Path

# benchmarks/calendar.py shadows the standard library's calendar module, which
# pendulum imports: take this folder off the import path before anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import attrs  # noqa: E402
import pendulum  # noqa: E402

from banshishi import (  # noqa: E402
    Channel,
    Evaluation,
    Feedback,
    FeedbackMethod,
    Issue,
    IssueStatus,
    Level,
    Rating,
    Unit,
    UnitTree,
    Urgency,
    by_unit,
    completion_rate,
    grouped,
    on_time_completion_rate,
    satisfaction_rate,
)

START = pendulum.datetime(2026, 1, 1, 8, tz="Asia/Shanghai")


def build_tree() -> UnitTree:
    units = [Unit(id="county", name="县", level=Level.COUNTY)]
    for t in range(20):
        units.append(Unit(id=f"t{t}", name=f"镇{t}", level=Level.TOWNSHIP, parent="county"))
        units += [
            Unit(id=f"t{t}v{v}", name=f"村{t}-{v}", level=Level.VILLAGE, parent=f"t{t}")
            for v in range(15)
        ]
    return UnitTree(units)


def build_ledger(count: int, tree: UnitTree, seed: int) -> list[Issue]:
    rng = random.Random(seed)
    villages = [u.id for u in tree if u.level is Level.VILLAGE]
    template = Issue(
        id="template",
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=START,
        status=IssueStatus.IN_PROGRESS,
    )
    ratings = list(Rating)
    ledger: list[Issue] = []
    for n in range(count):
        received = START.add(minutes=n % 500_000)
        roll = rng.random()
        fields: dict[str, object] = {
            "id": f"i{n}",
            "received_at": received,
            "responsible_unit": rng.choice(villages),
            "deadline": received.add(days=5),
        }
        if roll < 0.03:
            fields["status"] = IssueStatus.DISMISSED
        elif roll < 0.6:
            closed = received.add(hours=rng.randrange(1, 240))
            fields.update(
                status=IssueStatus.CLOSED,
                closed_at=closed,
                feedback=(Feedback(at=closed, content="已办", method=FeedbackMethod.PHONE),),
                evaluations=(
                    Evaluation(
                        issue_id=f"i{n}",
                        rating=rng.choice(ratings),
                        resolved=True,
                        at=closed,
                    ),
                ),
            )
        ledger.append(attrs.evolve(template, **fields))  # type: ignore[arg-type]
    return ledger


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    tree = build_tree()
    # Memory is traced on a sample: tracemalloc slows allocation down several times.
    sample = min(args.issues, 20_000)
    tracemalloc.start()
    traced = build_ledger(sample, tree, args.seed)
    sample_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    began = time.perf_counter()
    ledger = build_ledger(args.issues, tree, args.seed)
    build_seconds = time.perf_counter() - began
    as_of = START.add(days=200)

    def baseline() -> int:
        return sum(1 for issue in ledger if issue.status is IssueStatus.CLOSED)

    timed = {
        "baseline_count_closed_s": baseline,
        "completion_rate_s": lambda: completion_rate(ledger),
        "completion_rate_as_of_s": lambda: completion_rate(ledger, as_of=as_of),
        "on_time_completion_rate_s": lambda: on_time_completion_rate(ledger),
        "satisfaction_rate_s": lambda: satisfaction_rate(ledger),
        "by_unit_rolled_up_s": lambda: tree.roll_up(grouped(completion_rate, ledger, by=by_unit)),
    }
    figures: dict[str, float | int] = {
        "issues": args.issues,
        "build_seconds": round(build_seconds, 3),
        "build_us_per_issue": round(build_seconds / args.issues * 1e6, 2),
        "bytes_per_issue": round(sample_bytes / sample),
    }
    for name, work in timed.items():
        seconds = median_seconds(work, args.repeat)
        figures[name] = round(seconds, 4)
        print(f"{name:30} {seconds:9.4f} s  ({seconds / args.issues * 1e6:.2f} µs per issue)")
    figures["completion_vs_baseline"] = round(
        figures["completion_rate_s"] / figures["baseline_count_closed_s"], 1
    )
    print(f"{'build ledger':30} {build_seconds:9.4f} s  ({figures['bytes_per_issue']} B per issue)")
    sys.stdout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
