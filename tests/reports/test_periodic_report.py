"""Periodic reports (周报, 半月报, 月报, 季报): every figure is checked against a
count made here from the issues themselves (reports/periodic_counts.py): the
flow, every rate, the overdue list, the ranking, the trend, one unit's subtree,
the moment and the period, refusals, and the store's report. The JSON, CSV, HTML
and terminal forms are in test_periodic_output.py."""

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    IssueSummary,
    LedgerStore,
    NaiveDatetimeError,
    NotFoundError,
    Period,
    Rate,
    ReportingPeriod,
    UnitTree,
    UnknownValueError,
    issue_figures,
    periodic_record,
    periodic_report,
)
from banshishi.simulation import Campaign
from periodic_counts import BAD, MOMENTS, RATE_NAMES, bad_report, flow_of, report_at
from strategies import issues as any_issue
from strategies import moments

KINDS = ["week", "half_month", "month", "quarter"]
NOT_RUNNING = (IssueStatus.CLOSED, IssueStatus.DISMISSED, IssueStatus.ANSWERED)
"""Statuses in which nothing runs against a deadline: the unit's clock stops at its answer."""


@pytest.fixture(scope="module")
def campaign(simulated: Callable[..., Campaign]) -> Campaign:
    return simulated(issues=300, seed=11)


@pytest.fixture(scope="module")
def issues(campaign: Any) -> list[Issue]:
    return list(campaign.ledger.issues())


def home(issue: Issue) -> str | None:
    """The unit an issue counts under: the responsible one, else the receiving one."""
    return issue.responsible_unit if issue.responsible_unit is not None else issue.received_by


def received_by(issues: Iterable[Issue], moment: DateTime) -> list[Issue]:
    return [issue for issue in issues if issue.received_at <= moment]


def lines_at(issues: Iterable[Issue], moment: DateTime) -> list[IssueSummary]:
    return [
        IssueSummary.of(issue, version=len(issue.history), as_of=moment)
        for issue in received_by(issues, moment)
    ]


def transferred(issue: Issue, moment: DateTime) -> bool:
    """Transferred (转办) by ``moment``: a send-back (退回) is not a transfer. Without
    a history, the issue's own reading of its status is all there is."""
    if not issue.history:
        return issue.transferred_as_of(moment)
    return issue.status_as_of(moment) is not None and any(
        event.to_status is IssueStatus.TRANSFERRED and event.at <= moment for event in issue.history
    )


def expected_flow(issues: list[Issue], period: ReportingPeriod, moment: DateTime) -> dict[str, int]:
    """Collected, transferred and closed between the period's start and ``moment``."""
    before = period.start.subtract(microseconds=1)
    now = received_by(issues, moment)

    def was(issue: Issue, test: Any) -> bool:
        return issue.received_at <= before and test(issue, before)

    def closed(issue: Issue, at: DateTime) -> bool:
        return issue.status_as_of(at) is IssueStatus.CLOSED

    return {
        "collected": sum(period.start <= issue.received_at for issue in now),
        "transferred": sum(transferred(i, moment) and not was(i, transferred) for i in now),
        "closed": sum(closed(i, moment) and not was(i, closed) for i in now),
    }


def utc_wall(moment: dt.datetime) -> dt.datetime:
    """The instant as a plain standard-library UTC datetime (for exact subtraction)."""
    u = moment.astimezone(dt.UTC)
    return dt.datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)


def expected_overdue(issues: list[Issue], moment: DateTime) -> list[tuple[str, DateTime, int]]:
    """(id, deadline, whole days late) of every issue not yet answered in its round
    and past its deadline, earliest first."""
    late = []
    for issue in received_by(issues, moment):
        deadline = issue.deadline_as_of(moment)
        if issue.status_as_of(moment) in NOT_RUNNING or deadline is None or deadline >= moment:
            continue
        days = (utc_wall(moment) - utc_wall(deadline)) // dt.timedelta(days=1)
        late.append((issue.id, deadline, days))
    return sorted(late, key=lambda item: (utc_wall(item[1]), item[0]))


def completion_by_hand(issues: list[Issue], moment: DateTime) -> Rate:
    """Closed out of counted: dismissed issues and those out of the assessment by
    then (an approved exclusion, 不纳入考核) are in no denominator."""
    assessed = [i for i in received_by(issues, moment) if not i.excluded_as_of(moment)]
    statuses = [issue.status_as_of(moment) for issue in assessed]
    counted = [s for s in statuses if s is not IssueStatus.DISMISSED]
    return Rate(sum(s is IssueStatus.CLOSED for s in counted), len(counted))


# -- the flow ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MOMENTS))
@pytest.mark.parametrize("kind", KINDS)
def test_the_flow_counts_what_was_collected_transferred_and_closed_in_the_period(
    issues, campaign, kind, name
):
    report = report_at(issues, kind, name, units=campaign.units)
    moment = MOMENTS[name]
    assert report.at == moment
    assert report.period == ReportingPeriod.containing(moment, kind=kind)
    assert report.previous == report.period.previous()
    assert flow_of(report.flow) == expected_flow(issues, report.period, moment)
    assert flow_of(report.previous_flow) == expected_flow(
        issues, report.previous, report.previous.last_moment
    )
    # On real histories, 转办 is read off the transfer itself.
    assert all(
        issue.transferred_as_of(moment) == transferred(issue, moment)
        for issue in received_by(issues, moment)
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_collected_counts_of_consecutive_periods_add_up_to_every_issue(issues, campaign, kind):
    # From the period before the campaign (nothing collected) to the one it ends in.
    period = ReportingPeriod.containing(campaign.start, kind=kind).previous()
    last = ReportingPeriod.containing(campaign.end, kind=kind)
    collected = []
    previous_report = None
    while period.start <= last.start:
        report = periodic_report(issues, period=period, at=campaign.end, trend=2)
        assert report.at == min(campaign.end, period.last_moment)
        if previous_report is not None:
            assert report.previous_flow == previous_report.flow
            assert report.previous_figures == previous_report.figures
        collected.append(report.flow.collected)
        previous_report = report
        period = period.next()
    assert sum(collected) == len(issues)
    assert collected[0] == 0
    assert len(collected) >= 2


# -- every rate, now and at the end of the previous period ---------------------------------


@pytest.mark.parametrize("name", list(MOMENTS))
@pytest.mark.parametrize("kind", KINDS)
def test_the_figures_are_those_of_every_issue_received_by_the_moment(issues, kind, name):
    report = report_at(issues, kind, name)
    moment, before = MOMENTS[name], report.previous.last_moment
    assert report.figures == issue_figures(lines_at(issues, moment), at=moment)
    assert report.previous_figures == issue_figures(lines_at(issues, before), at=before)
    assert report.figures.received == len(received_by(issues, moment))
    assert report.figures.completion == completion_by_hand(issues, moment)
    assert report.previous_figures.completion == completion_by_hand(issues, before)


@pytest.mark.parametrize("kind", KINDS)
def test_the_change_of_a_rate_is_the_difference_in_percentage_points(issues, kind):
    report = report_at(issues, kind, "campaign-end")
    for name in RATE_NAMES:
        now, before = getattr(report.figures, name), getattr(report.previous_figures, name)
        change = report.change(name)
        if now.denominator and before.denominator:
            assert (
                change
                == Fraction(now.numerator, now.denominator) * 100
                - Fraction(before.numerator, before.denominator) * 100
            )
        else:
            assert change is None


def test_a_rate_with_no_data_at_either_end_has_no_change(issues):
    # In the first week nothing was rated before: 满意率 has no data at its start.
    report = report_at(issues, "week", "third-day")
    assert not report.previous_figures.satisfaction.has_data
    assert report.change("satisfaction") is None
    assert report.change("completion") is None  # nothing was received the week before


@pytest.mark.parametrize("rate", ["speed", "办结率", "", None])
def test_asking_for_the_change_of_an_unknown_rate_is_refused(issues, rate):
    report = report_at(issues, "month", "campaign-end")
    with pytest.raises(InvalidValueError) as refused:
        report.change(rate)
    assert refused.value.field == "rate"
    assert refused.value.value == rate


# -- the overdue list ----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MOMENTS))
def test_the_overdue_list_is_every_open_issue_past_its_deadline_longest_first(
    issues, campaign, name
):
    report = report_at(issues, "week", name, units=campaign.units)
    expected = expected_overdue(issues, MOMENTS[name])
    got = [(item.id, item.deadline, item.days_overdue) for item in report.overdue]
    assert got == expected
    assert report.figures.overdue == len(expected)
    by_id = {issue.id: issue for issue in issues}
    for item in report.overdue:
        issue = by_id[item.id]
        assert item.title == issue.title
        assert item.status is issue.status_as_of(MOMENTS[name])
        assert item.unit == issue.responsible_unit
        assert item.unit_name == campaign.units[item.unit].name
    if name == "campaign-end":
        assert expected, "the campaign should end with overdue issues"


# -- the ranking ---------------------------------------------------------------------------


def expected_standings(
    issues: list[Issue], units: UnitTree, below: tuple[str, ...], rate: str, moment: DateTime
) -> dict[str, Rate]:
    """Each unit's rate over the issues of its subtree (by the unit counting them)."""
    scores = {}
    for unit in below:
        members = set(units.subtree(unit))
        mine = [issue for issue in issues if home(issue) in members]
        scores[unit] = getattr(issue_figures(lines_at(mine, moment), at=moment), rate)
    return scores


@pytest.mark.parametrize("min_sample", [1, 10, 30])
@pytest.mark.parametrize("rank_by", ["satisfaction", "on_time", "resolution"])
@pytest.mark.parametrize("unit", [None, "t1"])
def test_units_below_are_ranked_by_the_rate_when_their_sample_is_large_enough(
    issues, campaign, rank_by, min_sample, unit
):
    units = campaign.units
    report = periodic_report(
        issues, period="month", at=MOMENTS["campaign-end"], units=units, unit=unit,
        rank_by=rank_by, min_sample=min_sample,
    )  # fmt: skip
    assert (report.rank_by, report.min_sample) == (rank_by, min_sample)
    below = units.children(unit if unit is not None else "county")
    assert {s.unit for s in report.ranking} == set(below)
    rates = expected_standings(issues, units, below, rank_by, MOMENTS["campaign-end"])
    ranked = [s for s in report.ranking if s.rank is not None]
    unranked = [s for s in report.ranking if s.rank is None]
    assert report.ranking == (*ranked, *unranked)  # ranked units come first
    for standing in report.ranking:
        rate = rates[standing.unit]
        assert standing.sample == rate.denominator
        assert standing.score == rate.value
        if standing.rank is None:
            assert standing.reason
            assert rate.denominator < min_sample or not rate.has_data
        else:
            assert standing.reason == ""
            assert rate.denominator >= min_sample
    for better, worse in itertools.pairwise(ranked):
        assert better.score >= worse.score
        assert worse.rank == (
            better.rank if worse.score == better.score else ranked.index(worse) + 1
        )
    if ranked:
        assert ranked[0].rank == 1


def test_the_campaign_has_issues_no_unit_is_responsible_for(issues):
    # The premise of the next test: dismissed or untransferred issues with a receiving unit.
    waiting = [i for i in issues if i.responsible_unit is None and i.received_by is not None]
    assert waiting


def test_an_issue_no_unit_is_responsible_for_counts_under_the_unit_that_received_it(
    issues, campaign
):
    units = campaign.units
    report = report_at(issues, "month", "campaign-end", units=units)
    for row in report.by_unit:
        assert row.group in units
        members = set(units.subtree(row.group))
        assert row.figures.received == sum(home(i) in members for i in issues)


def test_the_rows_by_unit_and_by_track_add_up_to_the_figures(issues, campaign):
    report = report_at(issues, "month", "campaign-end", units=campaign.units)
    tops = [row for row in report.by_unit if row.depth == 0]
    assert sum(row.figures.received for row in tops) == report.figures.received
    tracks = [row for row in report.by_track if row.group != "all"]
    assert sum(row.figures.received for row in tracks) == report.figures.received
    assert report.by_track[-1].figures == report.figures


def test_without_a_unit_tree_nothing_is_ranked(issues):
    report = report_at(issues, "month", "campaign-end")
    assert report.ranking == ()
    assert report.unit_names == {}
    assert report.title == "全部 all 2026年9月 月报"


def test_the_title_names_the_unit_the_period_and_the_report(issues, campaign):
    report = report_at(issues, "half_month", "campaign-end", units=campaign.units, unit="t5")
    assert report.title == "北河苏木 2026年9月下半月 半月报"
    assert report.unit == "t5"
    assert set(report.unit_names) == set(campaign.units.subtree("t5"))


# -- the trend -----------------------------------------------------------------------------


@pytest.mark.parametrize("trend", [2, 6, 20])
@pytest.mark.parametrize("kind", KINDS)
def test_the_trend_ends_with_the_figures_and_steps_through_consecutive_periods(issues, kind, trend):
    report = report_at(issues, kind, "mid-august", trend=trend)
    points = report.trend
    assert 1 <= len(points) <= trend
    assert points[-1].period == report.period
    assert points[-1].completion == report.figures.completion
    for earlier, later in itertools.pairwise(points):
        assert earlier.period.next() == later.period
    for point in points[:-1]:
        assert point.completion == completion_by_hand(issues, point.period.last_moment)
    # Periods before the first issue are left out, the first one kept.
    assert points[0].completion.has_data
    first = ReportingPeriod.containing(min(i.received_at for i in issues), kind=kind)
    assert points[0].period.start >= first.start


# -- one unit and everything under it ------------------------------------------------------


@pytest.mark.parametrize("unit", ["t1", "t3", "chengguan"])
@pytest.mark.parametrize("kind", ["week", "month"])
def test_a_report_for_a_unit_is_the_report_over_the_issues_of_its_subtree(
    issues, campaign, unit, kind
):
    units = campaign.units
    members = set(units.subtree(unit))
    mine = [issue for issue in issues if home(issue) in members]
    assert mine
    narrowed = report_at(issues, kind, "campaign-end", units=units, unit=unit)
    alone = report_at(mine, kind, "campaign-end", units=units)
    for part in ("period", "at", "flow", "previous_flow", "figures", "previous_figures",
                 "by_track", "overdue", "trend"):  # fmt: skip
        assert getattr(narrowed, part) == getattr(alone, part), part
    assert {s.unit for s in narrowed.ranking} == set(units.children(unit))
    assert all(row.group in members or row.group not in units for row in narrowed.by_unit)


# -- the moment and the period -------------------------------------------------------------


def test_a_report_before_the_periods_end_is_taken_at_that_moment(issues):
    moment = MOMENTS["mid-august"]
    report = periodic_report(issues, period="month", at=moment)
    assert report.at == moment < report.period.last_moment
    assert report.figures.received == len(received_by(issues, moment))
    later = [i for i in issues if moment < i.received_at < report.period.end]
    assert later, "issues arrive after the moment, in the same month"
    whole_month = periodic_report(issues, period="month", at=report.period.last_moment)
    assert report.flow.collected == whole_month.flow.collected - len(later)
    assert report.previous_flow == whole_month.previous_flow
    assert report.trend[-1].completion == completion_by_hand(issues, moment)


def test_a_period_given_explicitly_is_reported_at_its_end(issues, campaign):
    august = ReportingPeriod.containing(MOMENTS["mid-august"], kind=Period.MONTH)
    explicit = periodic_report(issues, period=august, at=campaign.end, units=campaign.units)
    at_end = periodic_report(issues, period="month", at=august.last_moment, units=campaign.units)
    assert explicit.at == august.last_moment
    assert explicit.period == august
    assert periodic_record(explicit) == periodic_record(at_end)


def test_a_period_given_explicitly_is_reported_to_date_when_the_moment_is_inside(issues):
    moment = MOMENTS["mid-august"]
    week = ReportingPeriod.containing(moment, kind="week")
    assert periodic_record(periodic_report(issues, period=week, at=moment)) == periodic_record(
        periodic_report(issues, period="week", at=moment)
    )


def test_a_period_on_another_calendar_is_reported_as_given(issues):
    moment = MOMENTS["mid-august"]
    week = ReportingPeriod.containing(moment, kind="week", timezone="America/New_York")
    report = periodic_report(issues, period=week, at=moment)
    assert report.period == week
    assert report.previous == week.previous()
    assert flow_of(report.flow) == expected_flow(issues, week, moment)


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "error", "field"), BAD, ids=[f for _, _, f in BAD])
def test_bad_arguments_are_refused_with_an_error_naming_them(
    issues, campaign, changes, error, field
):
    with pytest.raises(error) as refused:
        bad_report(issues, campaign, **changes)
    assert refused.value.field == field


def test_an_unknown_period_kind_is_refused(issues, campaign):
    with pytest.raises(UnknownValueError) as refused:
        bad_report(issues, campaign, period="fortnight")
    assert refused.value.value == "fortnight"


@pytest.mark.parametrize("stray", ["RX1", None, {"id": "RX1"}])
def test_something_that_is_not_an_issue_is_refused_with_its_position(issues, campaign, stray):
    with pytest.raises(InvalidTypeError) as refused:
        bad_report([*issues[:3], stray], campaign)
    assert refused.value.field == "issues[3]"
    assert refused.value.value == stray


@pytest.mark.parametrize("given_issues", [None, "RX1", {"RX1": 1}, 5])
def test_issues_that_are_not_a_collection_of_issues_are_refused(campaign, given_issues):
    with pytest.raises(InvalidTypeError) as refused:
        bad_report(given_issues, campaign)
    assert refused.value.field == "issues"


def test_two_issues_with_the_same_id_are_refused(issues, campaign):
    late = next(item.id for item in report_at(issues, "month", "campaign-end").overdue)
    twice = [*issues, next(i for i in issues if i.id == late)]
    with pytest.raises(DuplicateError):
        bad_report(twice, campaign)


# -- any issues at all ---------------------------------------------------------------------


@settings(max_examples=40)
@given(
    batch=st.lists(any_issue(), max_size=6, unique_by=lambda issue: issue.id),
    at=moments(),
    kind=st.sampled_from(KINDS),
)
def test_on_any_issues_every_part_agrees_with_a_count_by_hand(batch, at, kind):
    report = periodic_report(batch, period=kind, at=at, trend=3)
    assert report.at == at
    assert flow_of(report.flow) == expected_flow(batch, report.period, at)
    before = report.previous.last_moment
    assert flow_of(report.previous_flow) == expected_flow(batch, report.previous, before)
    assert report.figures == issue_figures(lines_at(batch, at), at=at)
    assert report.previous_figures == issue_figures(lines_at(batch, before), at=before)
    assert report.figures.completion == completion_by_hand(batch, at)
    got = [(item.id, item.deadline, item.days_overdue) for item in report.overdue]
    assert got == expected_overdue(batch, at)
    assert report.trend[-1].completion == report.figures.completion
    assert report.ranking == ()
    for name in RATE_NAMES:
        change = report.change(name)
        now, then = getattr(report.figures, name), getattr(report.previous_figures, name)
        assert (change is None) == (not now.has_data or not then.has_data)


@settings(max_examples=15)
@given(batch=st.lists(any_issue(), max_size=6, unique_by=lambda issue: issue.id), at=moments())
def test_on_any_issues_the_flows_of_a_year_of_months_add_up(batch, at):
    year = ReportingPeriod.containing(at, kind=Period.YEAR)
    month = ReportingPeriod.containing(year.start, kind=Period.MONTH)
    collected = 0
    while month.start < year.end:
        collected += periodic_report(
            batch, period=month, at=year.last_moment, trend=2
        ).flow.collected
        month = month.next()
    assert collected == sum(year.start <= issue.received_at < year.end for issue in batch)


# -- the store -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(campaign: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("periodic") / "ledger.db"
    with LedgerStore.open(path, create=True, policy=campaign.policy) as writing:
        writing.save_units(campaign.units)
        writing.write_ledgers(campaign.ledger, campaign.pledges)
    opened = LedgerStore.open(path, policy=campaign.policy)
    yield opened
    opened.close()


@pytest.mark.parametrize(("kind", "unit"), [(k, None) for k in KINDS] + [("month", "t1")])
def test_the_store_gives_the_report_of_the_campaigns_issues(store, issues, campaign, kind, unit):
    at = campaign.end
    from_store = store.periodic_report(period=kind, at=at, unit=unit, min_sample=5)
    direct = periodic_report(
        issues, period=kind, at=at, units=campaign.units, unit=unit, min_sample=5
    )
    assert periodic_record(from_store) == periodic_record(direct)


def test_the_store_refuses_bad_options_with_the_librarys_errors(store, campaign):
    with pytest.raises(NotFoundError):
        store.periodic_report(period="month", at=campaign.end, unit="nowhere")
    with pytest.raises(InvalidValueError) as refused:
        store.periodic_report(period="month", at=campaign.end, rank_by="speed")
    assert refused.value.field == "rank_by"
    with pytest.raises(NaiveDatetimeError):
        store.periodic_report(period="month", at=dt.datetime(2026, 9, 30))


def test_the_store_reports_a_past_period_as_it_stood_at_its_end(store, campaign):
    august = ReportingPeriod.containing(MOMENTS["mid-august"], kind=Period.MONTH)
    late = store.periodic_report(period=august, at=campaign.end, min_sample=5)
    on_time = store.periodic_report(period=august, at=august.last_moment, min_sample=5)
    assert periodic_record(late) == periodic_record(on_time)
