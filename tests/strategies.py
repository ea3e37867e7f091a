"""Hypothesis strategies for banshishi's models, shared by every test module.

Most are the public ones of :mod:`banshishi.testing.strategies` (so our own tests
keep them true), shown here in several time zones (``ZONES``) rather than only in
Asia/Shanghai. Each strategy builds only valid records; tests that need bad input
start from one of these and break a single field.
"""

from functools import partial

import pendulum
from hypothesis import strategies as st

from banshishi import Rate
from banshishi.testing import strategies as public
from banshishi.testing.strategies import closure_time, id_numbers, mobiles

__all__ = [
    "ZONES",
    "any_text",
    "charters",
    "closure_time",
    "evaluations",
    "events",
    "feedback",
    "fixed_offset_moments",
    "id_numbers",
    "ids",
    "issues",
    "json_values",
    "locations",
    "milestones",
    "mobiles",
    "moments",
    "people",
    "pledge_histories",
    "pledges",
    "rates",
    "texts",
    "units",
]

ZONES = ("Asia/Shanghai", "Asia/Urumqi", "UTC", "Europe/London", "America/New_York")

ids = public.record_ids()
texts = public.texts()
any_text = public.any_text()
json_values = public.json_values()
units = public.units()
people = public.people()
locations = public.locations()

moments = partial(public.moments, timezones=ZONES)
"""Aware instants between 2004 and 2030 in one of several zones, to the microsecond."""
feedback = partial(public.feedback, timezones=ZONES)
evaluations = partial(public.evaluations, timezones=ZONES)
milestones = partial(public.milestones, timezones=ZONES)
events = partial(public.events, timezones=ZONES)
issues = partial(public.issues, timezones=ZONES)
"""A valid issue with a consistent history chain, feedback and evaluations."""
charters = partial(public.charters, timezones=ZONES)
pledges = partial(public.pledges, timezones=ZONES)
"""A valid pledge in any status, with the fields its status asks for and no more."""
pledge_histories = public.pledge_events
"""A chain of pledge events from ``claimed`` on that ends in ``status``."""


def fixed_offset_moments() -> st.SearchStrategy[pendulum.DateTime]:
    """Instants carrying only an offset (no zone name), as parsed from plain RFC 3339."""
    return st.builds(
        lambda m, hours: m.in_timezone(pendulum.FixedTimezone(hours * 3600)),
        moments(),
        st.integers(min_value=-11, max_value=14),
    )


rates = st.integers(min_value=0, max_value=10**9).flatmap(
    lambda d: st.builds(Rate, st.integers(min_value=0, max_value=d), st.just(d))
)
