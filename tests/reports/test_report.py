"""Reports from the store's folded summary lines agree with reports counted line by line."""

import pendulum
import pytest

from banshishi import (
    GROUPINGS,
    LedgerStore,
    completion_rate,
    issue_figures,
    report_rows,
)
from banshishi._reports.report import GROUPINGS as REPORT_GROUPINGS


@pytest.fixture(scope="module")
def store(tmp_path_factory, simulated):
    campaign = simulated(issues=400, seed=7)
    path = tmp_path_factory.mktemp("report") / "ledger.db"
    with LedgerStore.open(path, create=True, policy=campaign.policy) as store:
        store.save_units(campaign.units)
        store.write_ledgers(campaign.ledger, campaign.pledges)
    opened = LedgerStore.open(path)
    yield opened
    opened.close()


MOMENTS = [
    pendulum.datetime(2026, 8, 10, 12, tz="Asia/Shanghai"),
    pendulum.datetime(2026, 9, 30, 20, tz="Asia/Shanghai"),
    pendulum.datetime(2027, 1, 1, tz="Asia/Shanghai"),
]


@pytest.mark.parametrize("by", [None, *REPORT_GROUPINGS])
@pytest.mark.parametrize("at", MOMENTS, ids=lambda m: m.to_date_string())
def test_the_store_report_equals_the_report_counted_line_by_line(store, by, at):
    folded = store.report(at=at, by=by)
    counted = report_rows(store.summaries(), at=at, by=by, units=store.units)
    assert folded == counted
    assert folded[-1].group == "all"
    assert folded[-1].figures.received == len(store.summaries())


def test_overdue_depends_on_the_moment(store):
    early, late = (store.figures(at=moment).overdue for moment in MOMENTS[:2])
    assert early != late
    assert store.figures(at=MOMENTS[2]).overdue == len(store.summaries(overdue_at=MOMENTS[2]))


def test_store_figures_match_the_rate_functions_over_full_issues(store):
    at = MOMENTS[1]
    figures = store.figures(at=at)
    issues = list(store.issues())
    assert figures.completion == completion_rate(issues).rate
    assert figures == issue_figures(store.summaries(), at=at)


def test_groupings_are_exported_for_callers():
    assert GROUPINGS == REPORT_GROUPINGS


@pytest.mark.parametrize("at", MOMENTS, ids=lambda m: m.to_date_string())
def test_the_dashboard_equals_the_reports_it_gathers(store, at):
    dashboard = store.dashboard(at=at)
    assert dashboard.everything == store.figures(at=at)
    assert dashboard.by_track == store.report(at=at, by="track")
    assert dashboard.by_unit == store.report(at=at, by="unit")
