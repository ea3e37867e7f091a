"""What the outbox costs a write: ``LedgerStore.apply_many`` of a batch of
transfers, each owing the unit an assignment message, beside the same batch on
a store that writes no messages (``templates=None``), measured in the same run.

    .venv/bin/python benchmarks/outbox.py --issues 3000 --runs 5

**The work.** ``--issues`` issues are received on a fresh SQLite ledger (not
timed); then one ``apply_many`` transfers them all, in one transaction, and
is timed. Each run makes fresh ledgers, the one with messages and the baseline
in turn; the median of ``--runs`` runs is quoted for each, and their ratio.

The last line is one JSON object with every figure.
"""

import sys
from pathlib import Path

# benchmarks/calendar.py shadows the standard library's calendar module, which
# pendulum imports: take this folder off the import path, then put it last.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]
sys.path.append(str(Path(__file__).parent))

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import pendulum  # noqa: E402

from banshishi import (  # noqa: E402
    Actor,
    Channel,
    Command,
    Issue,
    LedgerStore,
    Person,
    Role,
    Urgency,
)

T0 = pendulum.datetime(2026, 5, 11, 9, tz="Asia/Shanghai")
CLERK = Actor(id="clerk-1", role=Role.INTAKE_CLERK, unit="centre")
DISPATCHER = Actor(id="dispatch-1", role=Role.DISPATCHER, unit="centre")


def timed(issues: int, *, messages: bool) -> tuple[float, int]:
    """Seconds one ``apply_many`` of ``issues`` transfers took, and the messages owed."""
    with tempfile.TemporaryDirectory() as folder:
        quiet = {} if messages else {"templates": None}  # the default templates, or none
        path = Path(folder) / "ledger.db"
        with LedgerStore.open(path, create=True, **quiet) as store:
            batch = [
                Issue(
                    id=f"2026-{n:06d}", title="路灯不亮", channel=Channel.HOTLINE,
                    urgency=Urgency.URGENT, received_at=T0.add(seconds=n), received_by="centre",
                    requester=Person(id=f"p-{n}", name="张三", mobile="13800138000"),
                )
                for n in range(issues)
            ]  # fmt: skip
            store.receive_many(batch, actor=CLERK)
            owed = len(store.pending_messages())
            transfers = [
                Command(
                    issue_id=issue.id, event="transfer", actor=DISPATCHER,
                    at=issue.received_at.add(hours=1),
                    args={"unit": f"unit-{n % 7}", "deadline": T0.add(days=10)},
                )
                for n, issue in enumerate(batch)
            ]  # fmt: skip
            start = time.perf_counter()
            store.apply_many(transfers)
            seconds = time.perf_counter() - start
            return seconds, len(store.pending_messages()) - owed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with_messages: list[float] = []
    baseline: list[float] = []
    owed = 0
    for _ in range(options.runs):
        seconds, owed = timed(options.issues, messages=True)
        with_messages.append(seconds)
        baseline.append(timed(options.issues, messages=False)[0])
    figures = {
        "issues": options.issues,
        "runs": options.runs,
        "messages_owed": owed,
        "with_messages_s": round(statistics.median(with_messages), 3),
        "baseline_no_messages_s": round(statistics.median(baseline), 3),
    }
    figures["ratio"] = round(figures["with_messages_s"] / figures["baseline_no_messages_s"], 2)
    print(f"apply_many of {options.issues} transfers, median of {options.runs} runs:")
    print(f"  with messages ({owed} owed)  {figures['with_messages_s']:.3f} s")
    print(f"  baseline, no messages        {figures['baseline_no_messages_s']:.3f} s")
    print(f"  ratio                        {figures['ratio']:.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
