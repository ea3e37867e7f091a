"""Working time as the deadline tests count it: moments in Asia/Shanghai, the
official calendar and the default office hours.

The days of 2026 that differ from an ordinary week:

- 元旦 Jan 1-3 off, Sun Jan 4 worked;
- 春节 Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked;
- 清明 Apr 4-6 off; 劳动节 May 1-5 off, Sat May 9 worked; 端午 Jun 19-21 off;
- 中秋 Sep 25-27 off; 国庆 Oct 1-7 off, Sun Sep 20 and Sat Oct 10 worked.
"""

import datetime as dt

import pendulum
from pendulum import DateTime

from banshishi import (
    TimeLimit,
    WorkingHours,
    china_calendar,
)

SH = "Asia/Shanghai"
CALENDAR = china_calendar()
HOURS = WorkingHours()
DAYS = TimeLimit.working_days
HRS = TimeLimit.working_hours


def sh(*parts: int) -> DateTime:
    """A moment on the wall clock of Asia/Shanghai."""
    return pendulum.datetime(*parts, tz=SH)


def at_time(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)
