"""How fast issues go through the whole loop in a Ledger, beside IssueWorkflow instances.

    .venv/bin/python benchmarks/workflow.py --issues 1000000

Every issue is received, transferred with a deadline, signed for, resolved,
answered and rated satisfied (which closes it): six audited steps. Inputs
(issues with a requester, moments, feedback, ratings, commands) are built in
chunks and timed apart from the ledger's own work. Beside it, in the same run,
a sample of the same issues goes through one ``IssueWorkflow`` instance each,
bound to an ``Issue``: the direct use of the python-statemachine class, which is
the baseline. Both engines' results are compared on the sample, so the speed-up
is for the same audited outcome.

Memory is the growth of the process's resident set while the ledger fills,
divided by the issues in it: everything an issue costs, its history included.
The last line is one JSON object with every figure.
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
import statistics  # noqa: E402
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
    IssueStatus,
    IssueWorkflow,
    Ledger,
    Person,
    RaterKind,
    Rating,
    Role,
    Urgency,
)
from banshishi._core.time import add_elapsed  # noqa: E402

START = pendulum.datetime(2026, 1, 5, 8, tz="Asia/Shanghai")
HOUR = dt.timedelta(hours=1)
STEPS = 6  # receive, transfer, sign_for, resolve, answer, rate

CLERK = Actor(id="clerk-1", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="dispatch-1", role=Role.DISPATCHER, unit="centre")
UNITS = [f"unit-{n}" for n in range(40)]
HANDLERS = {unit: Actor(id=f"h-{unit}", role=Role.HANDLER, unit=unit) for unit in UNITS}
TITLES = ["路灯不亮", "小区停车难", "供暖不热", "共享单车不足", "道路积水", "噪音扰民"]


def make_issue(n: int) -> tuple[Issue, list[pendulum.DateTime], Feedback, Evaluation, str]:
    received = add_elapsed(START, dt.timedelta(seconds=7 * n))
    moments = [add_elapsed(received, HOUR * k) for k in range(1, 7)]
    issue = Issue(
        id=f"2026-{n:08d}",
        title=TITLES[n % len(TITLES)],
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=received,
        received_by="centre",
        requester=Person(id=f"p{n}", name="张三", mobile=f"138{n % 100_000_000:08d}"),
    )
    feedback = Feedback(at=moments[3], content="已处理并电话告知", method=FeedbackMethod.PHONE)
    rating = Evaluation(
        issue_id=issue.id,
        rating=Rating.SATISFIED,
        resolved=True,
        at=moments[4],
        rater_kind=RaterKind.REQUESTER,
        rater=issue.requester.id if issue.requester else None,
    )
    return issue, moments, feedback, rating, UNITS[n % len(UNITS)]


def commands_for(issue: Issue, moments, feedback, rating, unit) -> list[Command]:
    handler = HANDLERS[unit]
    requester = Actor(id=rating.rater or "", role=Role.REQUESTER)
    return [
        Command(
            issue_id=issue.id,
            event="transfer",
            actor=DISPATCHER,
            at=moments[0],
            args={"unit": unit, "deadline": moments[5] + dt.timedelta(days=10)},
        ),
        Command(issue_id=issue.id, event="sign_for", actor=handler, at=moments[1]),
        Command(issue_id=issue.id, event="resolve", actor=handler, at=moments[2]),
        Command(
            issue_id=issue.id,
            event="answer",
            actor=handler,
            at=moments[3],
            args={"feedback": feedback},
        ),
        Command(
            issue_id=issue.id,
            event="rate",
            actor=requester,
            at=moments[4],
            args={"evaluation": rating},
        ),
    ]


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def run_ledger(count: int, chunk: int) -> tuple[Ledger, float, float, int]:
    ledger = Ledger()
    gc.collect()
    before = resident_bytes()
    ledger_seconds = input_seconds = 0.0
    for first in range(0, count, chunk):
        started = time.perf_counter()
        batch = [make_issue(n) for n in range(first, min(first + chunk, count))]
        issues = [item[0] for item in batch]
        commands = [command for item in batch for command in commands_for(*item)]
        del batch
        built = time.perf_counter()
        ledger.receive_many(issues, actor=CLERK)
        refused = ledger.apply_many(commands)
        done = time.perf_counter()
        if refused:
            raise SystemExit(f"refused: {refused[0]}")
        del issues, commands
        input_seconds += built - started
        ledger_seconds += done - built
    gc.collect()
    return ledger, ledger_seconds, input_seconds, resident_bytes() - before


def run_machines(count: int) -> tuple[list[Issue], float]:
    inputs = [make_issue(n) for n in range(count)]
    started = time.perf_counter()
    for issue, moments, feedback, rating, unit in inputs:
        handler = HANDLERS[unit]
        workflow = IssueWorkflow(issue)
        workflow.transfer(
            actor=DISPATCHER, at=moments[0], unit=unit, deadline=moments[5] + dt.timedelta(days=10)
        )
        workflow.sign_for(actor=handler, at=moments[1])
        workflow.resolve(actor=handler, at=moments[2])
        workflow.answer(actor=handler, at=moments[3], feedback=feedback)
        workflow.rate(
            actor=Actor(id=rating.rater or "", role=Role.REQUESTER),
            at=moments[4],
            evaluation=rating,
        )
    return [item[0] for item in inputs], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1_000, help="issues through IssueWorkflow")
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the machine sample")
    options = parser.parse_args()

    ledger, seconds, input_seconds, grown = run_ledger(options.issues, options.chunk)
    transitions = options.issues * STEPS
    ledger_us = seconds / transitions * 1e6
    counts = ledger.counts()
    assert counts[IssueStatus.CLOSED] == options.issues, counts

    machine_runs = [run_machines(options.sample) for _ in range(options.repeat)]
    machine_us = (
        statistics.median(t for _, t in machine_runs) / (options.sample * (STEPS - 1)) * 1e6
    )
    sample = machine_runs[0][0]
    for issue in sample[:50]:
        from_ledger = ledger.issue(issue.id)
        assert from_ledger.history[1:] == issue.history, issue.id
        assert from_ledger.as_record() | {"history": ()} == issue.as_record() | {"history": ()}

    figures = {
        "issues": options.issues,
        "transitions": transitions,
        "seconds": round(seconds, 2),
        "input_seconds": round(input_seconds, 2),
        "us_per_transition": round(ledger_us, 2),
        "bytes_per_issue": round(grown / options.issues),
        "machine_sample": options.sample,
        "machine_us_per_transition": round(machine_us, 1),
        "speedup_vs_statemachine": round(machine_us / ledger_us, 1),
        "completion_rate": ledger.completion_rate().format(),
        "python": sys.version.split()[0],
    }
    print(
        f"ledger:  {options.issues:,} issues, {transitions:,} steps in {seconds:.2f} s "
        f"({ledger_us:.2f} µs per step; inputs built in {input_seconds:.2f} s)"
    )
    print(f"memory:  {grown / options.issues:,.0f} bytes per issue, history included")
    print(
        f"machine: {machine_us:.1f} µs per step (median of {options.repeat} runs of "
        f"{options.sample:,} issues, one IssueWorkflow each)"
    )
    print(f"speed-up: {machine_us / ledger_us:.0f}x; completion {figures['completion_rate']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
