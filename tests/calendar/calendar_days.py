"""Days for the calendar tests: the days a notice's ranges stand for, counted here
rather than by the library, and the last day the calendar knows."""

import datetime as dt

ONE_DAY = dt.timedelta(days=1)
LAST = dt.date(2026, 12, 31)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def span(first: str, last: str | None = None) -> list[dt.date]:
    """The days from ``first`` to ``last``, both included (test-side, not the library's)."""
    start, end = day(first), day(last or first)
    return [start + n * ONE_DAY for n in range((end - start).days + 1)]


def days_of(year: int) -> list[dt.date]:
    return span(f"{year}-01-01", f"{year}-12-31")
