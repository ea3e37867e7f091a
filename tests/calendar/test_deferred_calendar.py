"""China's calendar is built on first use; until then and after, it is the same calendar.

``import banshishi`` does not build it (``tests/core/test_import_cost.py`` checks that
chinese_calendar stays unloaded); these checks run in a fresh interpreter, where the
shared calendar has not been asked anything yet.
"""

import copy
import datetime as dt
import subprocess
import sys

import pytest

from banshishi import WorkCalendar, china_calendar

FIRST_USE = """
import datetime as dt, threading
import banshishi
from banshishi._workflow.policy import DEFAULT_POLICY

calendar = banshishi.china_calendar()
assert DEFAULT_POLICY.working_hours.calendar is calendar
answers = []
start = threading.Barrier(8)

def ask():
    start.wait()
    answers.append(calendar.add_working_days(dt.date(2026, 2, 13), 2))

threads = [threading.Thread(target=ask) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(*sorted(set(answers)), len(answers), calendar == banshishi.WorkCalendar(calendar.schedules))
"""


def test_threads_asking_the_unbuilt_calendar_at_once_all_get_its_answers() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_USE], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["2026-02-24", "8", "True"]


def test_the_shared_calendar_equals_one_built_from_its_schedules() -> None:
    calendar = china_calendar()
    built = WorkCalendar(calendar.schedules)
    assert calendar == built
    assert hash(calendar) == hash(built)
    assert copy.copy(calendar) == calendar
    assert calendar.add_working_days(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 24)


def test_a_name_the_calendar_lacks_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'WorkCalendar' object has no attribute 'nope'"):
        china_calendar().nope  # type: ignore[attr-defined]  # noqa: B018
