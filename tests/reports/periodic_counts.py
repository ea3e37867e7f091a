"""The simulated campaign the periodic report tests read, counted by hand: each
figure of a report, made here from the issues themselves; and the bad arguments
a report refuses.
"""

import datetime as dt
from typing import Any

import pendulum

from banshishi import (
    InvalidTypeError,
    InvalidValueError,
    Issue,
    NaiveDatetimeError,
    NotFoundError,
    PeriodicReport,
    ReportingPeriod,
    periodic_report,
)
from banshishi._metrics.figures import ISSUE_RATES

SHANGHAI = "Asia/Shanghai"
RATE_NAMES = [name for name, _ in ISSUE_RATES]


MOMENTS = {
    "campaign-end": pendulum.datetime(2026, 9, 30, 20, tz=SHANGHAI),
    "mid-august": pendulum.datetime(2026, 8, 20, 12, 30, tz=SHANGHAI),
    "third-day": pendulum.datetime(2026, 7, 3, 9, tz=SHANGHAI),
}


def flow_of(report_flow: Any) -> dict[str, int]:
    return {name: getattr(report_flow, name) for name in ("collected", "transferred", "closed")}


def report_at(issues: list[Issue], kind: str, name: str, **options: Any) -> PeriodicReport:
    return periodic_report(issues, period=kind, at=MOMENTS[name], **options)


def bad_report(issues: list[Issue], campaign: Any, **changes: Any) -> None:
    arguments = {
        "period": "month", "at": MOMENTS["campaign-end"], "units": campaign.units,
    } | changes  # fmt: skip
    periodic_report(issues, **arguments)


AUGUST = ReportingPeriod.containing(pendulum.datetime(2026, 8, 10, tz=SHANGHAI), kind="month")

BAD = [
    ({"unit": "nowhere"}, NotFoundError, "unit"),
    ({"unit": "t1", "units": None}, NotFoundError, "unit"),
    ({"unit": 7}, NotFoundError, "unit"),
    ({"units": ["county"]}, InvalidTypeError, "units"),
    ({"rank_by": "speed"}, InvalidValueError, "rank_by"),
    ({"rank_by": None}, InvalidValueError, "rank_by"),
    ({"min_sample": 0}, InvalidValueError, "min_sample"),
    ({"min_sample": 2.5}, InvalidTypeError, "min_sample"),
    ({"min_sample": True}, InvalidTypeError, "min_sample"),
    ({"trend": 1}, InvalidValueError, "trend"),
    ({"trend": "6"}, InvalidTypeError, "trend"),
    ({"at": AUGUST.start.subtract(microseconds=1), "period": AUGUST}, InvalidValueError, "at"),
    ({"at": dt.datetime(2026, 9, 30, 20)}, NaiveDatetimeError, "at"),
    ({"at": "2026-09-30"}, InvalidTypeError, "at"),
    ({"period": 7}, InvalidTypeError, "period"),
    ({"period": None}, InvalidTypeError, "period"),
]
