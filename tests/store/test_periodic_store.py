"""A store's periodic report, counted by its database over the lines that held
at each moment, is the report of its issues rebuilt from their events.

The reference is :func:`periodic_report` over the issues taken again from their
events up to the report's moment (``rebuilt_periodic_report``). Ledgers are
random (every kind of step, redos, voided ratings, send-backs, extensions,
backdated answers and ratings); so are the kind of period, the moment, the unit
reported on and the rate units are ranked by.
"""

import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banshishi import LedgerStore
from banshishi._reports.periodic_report import RATE_NAMES
from banshishi._store.store_reading import rebuilt_periodic_report
from banshishi._workflow.policy import DEFAULT_POLICY
from issue_walks import T0, TREE, UNITS, HypothesisDraw
from store_helpers import random_ledger

SOME = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
KINDS = ("week", "half_month", "month", "quarter")


@SOME
@given(data=st.data(), backdated=st.booleans())
def test_the_stored_periodic_report_is_that_of_the_issues_rebuilt(
    tmp_path: Path, data: st.DataObject, backdated: bool
) -> None:
    draw = HypothesisDraw(data)
    ledger, last = random_ledger(draw, DEFAULT_POLICY, issues=5, steps=40, backdated=backdated)
    with LedgerStore.open(tmp_path / f"{uuid.uuid4().hex}.db", create=True) as store:
        store.save_units(TREE, at=T0)
        store.write_ledgers(ledger)
        days = max(1, (last - T0).days + 30)
        for _ in range(2):
            at = T0.add(hours=data.draw(st.integers(0, days * 24), label="hours after T0"))
            kind = data.draw(st.sampled_from(KINDS), label="period")
            unit = data.draw(st.sampled_from((None, "up", *UNITS)), label="unit")
            rank_by = data.draw(st.sampled_from(RATE_NAMES), label="rank by")
            trend = data.draw(st.integers(2, 4), label="trend")
            report = store.periodic_report(
                period=kind, at=at, unit=unit, rank_by=rank_by, min_sample=1, trend=trend
            )
            expected = rebuilt_periodic_report(
                store.store, store.policy, kind, at, unit, rank_by, 1, trend
            )
            assert report == expected
