"""How fast the work calendar answers, beside chinesecalendar; and how fast the SLA sweep is.

    .venv/bin/python benchmarks/calendar.py --issues 1000000

Calendar calls are timed over the same random dates (2006–2025) and amounts for
banshishi's ``WorkCalendar`` and for the ``chinesecalendar`` package's own
functions, in the same run; each figure is the median over ``--repeat`` runs of
the whole sample, per call:

- ``is_workday``: ``WorkCalendar.is_workday`` beside ``chinese_calendar.is_workday``;
- ``add_working_days``: ``WorkCalendar.add_working_days(d, n)`` beside
  ``chinese_calendar.find_workday(n, d)`` (the n-th working day from d);
- ``working_days_between``: beside ``len(chinese_calendar.get_workdays(a, b))``.

The sweep runs over a ledger of ``--issues`` open (已转办) issues whose deadlines
are spread over six weeks around the sweep's moment, so every level occurs.
``sweep_issues_per_s`` is the first sweep, which sorts every item and urges the
yellow and red ones (an audited step each); the classify-only and repeated
(idempotent, nothing to do) sweeps are reported beside it. The last line is
one JSON object with every figure.
"""

import sys
from pathlib import Path

# This file's name shadows the standard library's calendar module, which pendulum
# and others import: take this folder off the import path before anything else.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import chinese_calendar  # noqa: E402
import pendulum  # noqa: E402

from banshishi import (  # noqa: E402
    Channel,
    Issue,
    IssueStatus,
    Ledger,
    SweepRules,
    TimeLimit,
    Urgency,
    WorkingHours,
    china_calendar,
    sweep,
)

SWEEP_AT = pendulum.datetime(2026, 6, 15, 10, tz="Asia/Shanghai")


def per_call_us(calls: Callable[[], object], count: int, repeat: int) -> float:
    """Median over ``repeat`` runs of ``calls`` (which makes ``count`` calls), per call."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        calls()
        times.append(time.perf_counter() - started)
    return statistics.median(times) / count * 1e6


def calendar_figures(sample: int, repeat: int) -> dict[str, float]:
    rng = random.Random(20261121)
    first = dt.date(2006, 1, 1).toordinal()  # after the one day corrected (2005-12-31)
    last = dt.date(2025, 11, 30).toordinal()
    days = [dt.date.fromordinal(rng.randint(first, last)) for _ in range(sample)]
    amounts = [rng.randint(1, 30) for _ in range(sample)]
    ends = [day + dt.timedelta(days=rng.randint(0, 60)) for day in days]
    pairs = list(zip(days, amounts, strict=True))
    spans = list(zip(days, ends, strict=True))
    calendar = china_calendar()
    hours = WorkingHours()
    limits = [TimeLimit.working_days(n) for n in amounts]
    moments = [
        pendulum.datetime(day.year, day.month, day.day, 8 + n % 12, tz="Asia/Shanghai")
        for day, n in pairs
    ]

    # The two calendars must agree before their speed means anything.
    for day, n in pairs[:2000]:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day), day
        assert calendar.add_working_days(day, n) == chinese_calendar.find_workday(n, day) or (
            not calendar.is_workday(day)
        ), (day, n)

    ours_is = per_call_us(lambda: [calendar.is_workday(d) for d in days], sample, repeat)
    theirs_is = per_call_us(lambda: [chinese_calendar.is_workday(d) for d in days], sample, repeat)
    ours_add = per_call_us(
        lambda: [calendar.add_working_days(d, n) for d, n in pairs], sample, repeat
    )
    theirs_add = per_call_us(
        lambda: [chinese_calendar.find_workday(n, d) for d, n in pairs], sample, repeat
    )
    ours_between = per_call_us(
        lambda: [calendar.working_days_between(a, b) for a, b in spans], sample, repeat
    )
    theirs_between = per_call_us(
        lambda: [len(chinese_calendar.get_workdays(a, b)) for a, b in spans], sample, repeat
    )
    deadline = per_call_us(
        lambda: [hours.deadline(m, limit) for m, limit in zip(moments, limits, strict=True)],
        sample,
        repeat,
    )
    return {
        "is_workday_us": round(ours_is, 3),
        "chinesecalendar_is_workday_us": round(theirs_is, 3),
        "add_working_days_us": round(ours_add, 3),
        "chinesecalendar_find_workday_us": round(theirs_add, 3),
        "working_days_between_us": round(ours_between, 3),
        "chinesecalendar_get_workdays_us": round(theirs_between, 3),
        "deadline_us": round(deadline, 3),
    }


def open_ledger(count: int) -> Ledger:
    """``count`` transferred issues, deadlines spread from 3 weeks before to 3 weeks after."""
    ledger = Ledger()
    received = SWEEP_AT.subtract(weeks=4)
    closes = [
        pendulum.datetime(2026, 5, 25, 17, 30, tz="Asia/Shanghai").add(days=n) for n in range(42)
    ]
    for n in range(count):
        ledger.add(
            Issue(
                id=f"2026-{n:07d}",
                title="路灯不亮",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=received,
                status=IssueStatus.TRANSFERRED,
                responsible_unit=f"unit-{n % 40}",
                deadline=closes[n % 42],
            )
        )
    return ledger


def sweep_figures(count: int) -> dict[str, float]:
    started = time.perf_counter()
    ledger = open_ledger(count)
    build = time.perf_counter() - started

    started = time.perf_counter()
    looked = sweep(ledger, SWEEP_AT, rules=SweepRules(urge=False))
    classify = time.perf_counter() - started

    started = time.perf_counter()
    first = sweep(ledger, SWEEP_AT)
    first_seconds = time.perf_counter() - started

    started = time.perf_counter()
    again = sweep(ledger, SWEEP_AT)
    again_seconds = time.perf_counter() - started

    assert first.counts() == looked.counts() == again.counts()
    assert len(first.urged) == len(first.due_soon) + len(first.overdue)
    assert not again.changed
    return {
        "issues": count,
        "build_seconds": round(build, 2),
        "sweep_seconds": round(first_seconds, 3),
        "sweep_issues_per_s": round(count / first_seconds),
        "urged": len(first.urged),
        "classify_only_issues_per_s": round(count / classify),
        "resweep_issues_per_s": round(count / again_seconds),
        "levels": {level.value: n for level, n in first.counts().items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()

    figures = calendar_figures(options.sample, options.repeat)
    for name, value in figures.items():
        print(f"{name:>36}: {value}")
    swept = sweep_figures(options.issues)
    for name, value in swept.items():
        print(f"{name:>36}: {value}")
    print(json.dumps({**figures, **swept}, ensure_ascii=False))


if __name__ == "__main__":
    main()
