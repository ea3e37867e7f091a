"""How fast pledges move through their workflow in bulk, and how fast progress rolls up.

    .venv/bin/python benchmarks/pledges.py --pledges 300000 --sample 500 --repeat 5

Two measurements, each beside a baseline taken in the same run:

* Steps: every pledge is claimed, published (with a deadline), started, given
  two milestones, both completed and the pledge fulfilled, through
  ``PledgeLedger.apply_many``. The baseline drives the same steps through one
  ``PledgeWorkflow`` per pledge, on a sample.
* Roll-up: a province's projects (a root, cities, counties, then the pledges as
  leaves, several levels deep) rolled up by ``PledgeTree``. The baseline is a
  plain loop that only adds up the leaves' milestone weights per parent, the
  least any weighted roll-up can cost.

Figures are medians of ``--repeat`` runs; the last line is one JSON object.
"""

import sys
from pathlib import Path

# benchmarks/calendar.py shadows the standard library's calendar module, which
# pendulum imports: take this folder off the import path before anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]


import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import pendulum  # noqa: E402

from banshishi import (  # noqa: E402
    Actor,
    Milestone,
    Pledge,
    PledgeCommand,
    PledgeLedger,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    PledgeTree,
    PledgeWorkflow,
    Role,
)

START = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")
MEMBER = Actor(id="m", role=Role.SUPERVISOR)
CHECKER = Actor(id="org", role=Role.REVIEWER)


def claimed(n: int) -> Pledge:
    return Pledge(
        id=f"p{n}",
        title="为民办实事",
        pledger=f"member-{n}",
        pledger_kind=PledgerKind.PARTY_MEMBER,
        list_kind=PledgeListKind.SERVICE_LIST,
        claimed_at=START,
    )


def steps(n: int) -> list[tuple[str, Actor, Any, dict[str, Any]]]:
    due = START.add(months=6)
    plan = (Milestone(name="走访"), Milestone(name="办结", weight=2))
    return [
        ("publish", MEMBER, START.add(days=1), {"deadline": due}),
        ("start", MEMBER, START.add(days=2), {}),
        ("add_milestones", MEMBER, START.add(days=2, hours=1), {"milestones": plan}),
        ("complete_milestone", MEMBER, START.add(days=10), {"milestone": "走访"}),
        ("complete_milestone", MEMBER, START.add(days=20), {"milestone": "办结"}),
        ("fulfil", CHECKER, START.add(days=21), {}),
    ]


def run_ledger(count: int) -> tuple[float, int]:
    ledger = PledgeLedger()
    pledges = [claimed(n) for n in range(count)]
    plan = steps(0)
    commands = [
        PledgeCommand(pledge_id=p.id, event=event, actor=actor, at=at, args=args)
        for p in pledges
        for event, actor, at, args in plan
    ]
    began = time.perf_counter()
    for pledge in pledges:
        ledger.claim(pledge, actor=MEMBER)
    refused = ledger.apply_many(commands)
    seconds = time.perf_counter() - began
    assert not refused, refused[:1]
    assert ledger.counts()[PledgeStatus.FULFILLED] == count
    return seconds, len(commands) + count


def run_machines(count: int) -> tuple[float, int]:
    pledges = [claimed(n) for n in range(count)]
    plan = steps(0)
    began = time.perf_counter()
    for pledge in pledges:
        flow = PledgeWorkflow(pledge)
        for event, actor, at, args in plan:
            getattr(flow, event)(actor=actor, at=at, **args)
    seconds = time.perf_counter() - began
    assert all(p.status is PledgeStatus.FULFILLED for p in pledges)
    return seconds, len(plan) * count


def province(count: int, seed: int) -> list[Pledge]:
    rng = random.Random(seed)

    def project(id: str, parent: str | None) -> Pledge:
        return Pledge(
            id=id,
            title=id,
            pledger="team",
            parent=parent,
            pledger_kind=PledgerKind.LEADERSHIP_TEAM,
            list_kind=PledgeListKind.LIVELIHOOD_PLAN,
            claimed_at=START,
            status=PledgeStatus.IN_PROGRESS,
        )

    pledges = [project("province", None)]
    counties = []
    for c in range(14):
        pledges.append(project(f"city{c}", "province"))
        for k in range(8):
            counties.append(f"city{c}-county{k}")
            pledges.append(project(counties[-1], f"city{c}"))
    done = START.add(days=5)
    for n in range(count):
        plan = (
            Milestone(
                name="a", weight=rng.randint(1, 3), done_at=done if rng.random() < 0.6 else None
            ),
            Milestone(name="b", weight=rng.randint(1, 3)),
        )
        pledges.append(
            Pledge(
                id=f"item{n}",
                title="民生实事",
                pledger=f"m{n}",
                parent=rng.choice(counties),
                pledger_kind=PledgerKind.PARTY_MEMBER,
                list_kind=PledgeListKind.SERVICE_LIST,
                claimed_at=START,
                status=PledgeStatus.IN_PROGRESS,
                milestones=plan,
            )
        )
    return pledges


def leaf_sums(pledges: list[Pledge]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for pledge in pledges:
        if pledge.parent is not None:
            weight = sum(m.weight for m in pledge.milestones if m.done_at is not None)
            totals[pledge.parent] = totals.get(pledge.parent, 0) + weight
    return totals


def median(run: Callable[[], float], repeat: int) -> float:
    return statistics.median(run() for _ in range(repeat))


def timed(work: Callable[[], object]) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    options = parser.parse_args()

    ledger_runs = [run_ledger(options.pledges) for _ in range(options.repeat)]
    ledger_s = statistics.median(s for s, _ in ledger_runs)
    ledger_steps = ledger_runs[0][1]
    machine_runs = [run_machines(options.sample) for _ in range(options.repeat)]
    machine_s = statistics.median(s for s, _ in machine_runs)
    machine_steps = machine_runs[0][1]
    ledger_us = ledger_s / ledger_steps * 1e6
    machine_us = machine_s / machine_steps * 1e6
    print(f"ledger: {ledger_steps:,} steps in {ledger_s:.2f} s, {ledger_us:.1f} µs/step")
    print(f"machine (sample {options.sample}): {machine_us:.1f} µs/step")

    pledges = province(options.pledges, options.seed)
    tree_s = median(lambda: timed(lambda: PledgeTree(pledges)), options.repeat)
    base_s = median(lambda: timed(lambda: leaf_sums(pledges)), options.repeat)
    tree = PledgeTree(pledges)
    print(
        f"roll-up of {len(pledges):,} pledges: {tree_s:.2f} s "
        f"(baseline leaf sums {base_s:.2f} s); "
        f"province at {tree.progress_rate('province').format()}"
    )
    print(
        json.dumps(
            {
                "pledges": options.pledges,
                "ledger_steps": ledger_steps,
                "ledger_us_per_step": round(ledger_us, 2),
                "ledger_steps_per_s": round(ledger_steps / ledger_s),
                "machine_us_per_step": round(machine_us, 1),
                "speedup_vs_statemachine": round(machine_us / ledger_us, 1),
                "rollup_pledges": len(pledges),
                "rollup_seconds": round(tree_s, 3),
                "baseline_leaf_sum_seconds": round(base_s, 3),
                "province_progress": tree.progress_rate("province").format(),
            }
        )
    )


if __name__ == "__main__":
    main()
