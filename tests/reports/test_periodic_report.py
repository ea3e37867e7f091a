"""Periodic reports (周报, 半月报, 月报, 季报): every figure is checked against a
count made here from the issues themselves, and the JSON, CSV, HTML and
terminal forms against the report they came from."""

import csv
import datetime as dt
import io
import itertools
import json
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pendulum import DateTime
from rich.console import Console

from banshishi import (
    BanshishiError,
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
    PeriodicReport,
    Person,
    Rate,
    ReportingPeriod,
    UnitTree,
    UnknownValueError,
    format_points,
    issue_figures,
    parse_instant,
    periodic_csv_rows,
    periodic_html,
    periodic_record,
    periodic_report,
    simulate_campaign,
    write_periodic_csv,
    write_periodic_html,
    write_periodic_json,
)
from banshishi._cli.terminal import periodic_tables, trend_line
from banshishi._metrics.figures import ISSUE_RATES
from banshishi._reports.periodic_output import CSV_HEADER
from banshishi._reports.svg_chart import bar_chart, line_chart
from strategies import issues as any_issue
from strategies import moments

SHANGHAI = "Asia/Shanghai"
RATE_NAMES = [name for name, _ in ISSUE_RATES]
KINDS = ["week", "half_month", "month", "quarter"]
NOT_RUNNING = (IssueStatus.CLOSED, IssueStatus.DISMISSED, IssueStatus.ANSWERED)
"""Statuses in which nothing runs against a deadline: the unit's clock stops at its answer."""
MOMENTS = {
    "campaign-end": pendulum.datetime(2026, 9, 30, 20, tz=SHANGHAI),
    "mid-august": pendulum.datetime(2026, 8, 20, 12, 30, tz=SHANGHAI),
    "third-day": pendulum.datetime(2026, 7, 3, 9, tz=SHANGHAI),
}
PLANTED = '<b>&"x"</b>'


# -- the campaign, counted by hand ---------------------------------------------------------


@pytest.fixture(scope="module")
def campaign() -> Any:
    return simulate_campaign(issues=300, seed=11)


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


def flow_of(report_flow: Any) -> dict[str, int]:
    return {name: getattr(report_flow, name) for name in ("collected", "transferred", "closed")}


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
    statuses = [issue.status_as_of(moment) for issue in received_by(issues, moment)]
    counted = [s for s in statuses if s is not IssueStatus.DISMISSED]
    return Rate(sum(s is IssueStatus.CLOSED for s in counted), len(counted))


def points_by_hand(points: Fraction | None, places: int = 1) -> str:
    """A change in points as a report prints it, rounded with Decimal's ROUND_HALF_UP."""
    if points is None:
        return "—"
    with localcontext() as context:
        context.prec = 100
        exact = Decimal(points.numerator) / Decimal(points.denominator)
        rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        return f"{abs(rounded):.{places}f}"
    return f"{'+' if rounded > 0 else '-'}{abs(rounded):.{places}f}"


def report_at(issues: list[Issue], kind: str, name: str, **options: Any) -> PeriodicReport:
    return periodic_report(issues, period=kind, at=MOMENTS[name], **options)


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


def _bad(issues: list[Issue], campaign: Any, **changes: Any) -> None:
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


@pytest.mark.parametrize(("changes", "error", "field"), BAD, ids=[f for _, _, f in BAD])
def test_bad_arguments_are_refused_with_an_error_naming_them(
    issues, campaign, changes, error, field
):
    with pytest.raises(error) as refused:
        _bad(issues, campaign, **changes)
    assert refused.value.field == field


def test_an_unknown_period_kind_is_refused(issues, campaign):
    with pytest.raises(UnknownValueError) as refused:
        _bad(issues, campaign, period="fortnight")
    assert refused.value.value == "fortnight"


@pytest.mark.parametrize("stray", ["RX1", None, {"id": "RX1"}])
def test_something_that_is_not_an_issue_is_refused_with_its_position(issues, campaign, stray):
    with pytest.raises(InvalidTypeError) as refused:
        _bad([*issues[:3], stray], campaign)
    assert refused.value.field == "issues[3]"
    assert refused.value.value == stray


@pytest.mark.parametrize("given_issues", [None, "RX1", {"RX1": 1}, 5])
def test_issues_that_are_not_a_collection_of_issues_are_refused(campaign, given_issues):
    with pytest.raises(InvalidTypeError) as refused:
        _bad(given_issues, campaign)
    assert refused.value.field == "issues"


def test_two_issues_with_the_same_id_are_refused(issues, campaign):
    late = next(item.id for item in report_at(issues, "month", "campaign-end").overdue)
    twice = [*issues, next(i for i in issues if i.id == late)]
    with pytest.raises(DuplicateError):
        _bad(twice, campaign)


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


# -- JSON and CSV --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(issues: list[Issue], campaign: Any) -> PeriodicReport:
    return periodic_report(
        issues, period="month", at=MOMENTS["campaign-end"], units=campaign.units, min_sample=10
    )


def rate_record(rate: Rate) -> dict[str, Any]:
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "percent": rate.format() if rate.denominator else None,
    }


def test_the_json_carries_every_number_of_the_report(report):
    text = io.StringIO()
    write_periodic_json(report, text)
    body = json.loads(text.getvalue())
    assert body == json.loads(json.dumps(periodic_record(report)))
    assert body["title"] == report.title
    assert body["kind"] == "month"
    assert body["period"]["first_day"] == "2026-09-01"
    assert body["period"]["last_day"] == "2026-09-30"
    assert body["previous_period"]["key"] == "2026-08"
    assert parse_instant(body["as_of"]) == report.at
    assert body["flow"] == flow_of(report.flow)
    assert body["previous_flow"] == flow_of(report.previous_flow)
    for part, figures in (("counts", report.figures), ("previous_counts", report.previous_figures)):
        for name in ("received", "dismissed", "open", "overdue"):
            assert body[part][name] == getattr(figures, name)
    for name in RATE_NAMES:
        record = body["rates"][name]
        now, before = getattr(report.figures, name), getattr(report.previous_figures, name)
        assert {k: record[k] for k in ("numerator", "denominator", "percent")} == rate_record(now)
        assert record["previous"] == rate_record(before)
        change = report.change(name)
        assert record["change_points"] == (None if change is None else points_by_hand(change))
    standings = body["ranking"]["standings"]
    assert [(s["unit"], s["rank"], s["sample"]) for s in standings] == [
        (s.unit, s.rank, s.sample) for s in report.ranking
    ]
    assert [Fraction(s["score"]) if s["score"] else None for s in standings] == [
        s.score for s in report.ranking
    ]
    assert [(o["id"], o["days_overdue"]) for o in body["overdue"]] == [
        (o.id, o.days_overdue) for o in report.overdue
    ]
    assert [parse_instant(o["deadline"]) for o in body["overdue"]] == [
        o.deadline for o in report.overdue
    ]
    assert [t["period"] for t in body["trend"]] == [p.period.key for p in report.trend]
    assert [rate_record(p.completion) for p in report.trend] == [
        {k: t[k] for k in ("numerator", "denominator", "percent")} for t in body["trend"]
    ]
    assert len(body["by_unit"]) == len(report.by_unit)
    assert [row["received"] for row in body["by_track"]] == [
        row.figures.received for row in report.by_track
    ]


def test_a_title_a_spreadsheet_would_run_is_guarded_in_the_csv_and_changes_are_not(
    issues, campaign
):
    late = next(item.id for item in report_at(issues, "month", "campaign-end").overdue)
    planted = [
        attrs.evolve(i, title='=HYPERLINK("http://x.example","点击")') if i.id == late else i
        for i in issues
    ]
    report = report_at(planted, "month", "campaign-end", units=campaign.units)
    text = io.StringIO()
    write_periodic_csv(report, text)
    rows = {(row[0], row[1]): row for row in csv.reader(io.StringIO(text.getvalue()))}
    assert rows[("overdue", late)][2] == """'=HYPERLINK("http://x.example","点击")"""
    change = rows[("rate", "completion")][7]
    assert change == format_points(report.change("completion"))
    assert not change.startswith("'")


def test_the_csv_has_one_line_per_figure_under_its_header(report):
    text = io.StringIO()
    write_periodic_csv(report, text)
    rows = list(csv.reader(io.StringIO(text.getvalue())))
    assert tuple(rows[0]) == CSV_HEADER
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    records = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]
    sections: dict[str, list[dict[str, str]]] = {}
    for record in records:
        sections.setdefault(record["section"], []).append(record)
    assert {name: len(lines) for name, lines in sections.items()} == {
        "flow": 3, "count": 4, "rate": len(RATE_NAMES), "unit": len(report.by_unit),
        "track": len(report.by_track), "rank": len(report.ranking),
        "overdue": len(report.overdue), "trend": len(report.trend),
    }  # fmt: skip
    for line in sections["flow"]:
        now, before = getattr(report.flow, line["key"]), getattr(report.previous_flow, line["key"])
        assert (int(line["value"]), int(line["previous"]), int(line["change"])) == (
            now, before, now - before,
        )  # fmt: skip
    for line in sections["rate"]:
        now = getattr(report.figures, line["key"])
        before = getattr(report.previous_figures, line["key"])
        assert (int(line["numerator"]), int(line["denominator"])) == (
            now.numerator,
            now.denominator,
        )
        assert (line["value"], line["previous"]) == (now.format(), before.format())
        assert line["change"] == points_by_hand(report.change(line["key"]))
    assert [line["key"] for line in sections["overdue"]] == [o.id for o in report.overdue]
    assert [line["key"] for line in sections["trend"]] == [p.period.key for p in report.trend]
    assert next(iter(periodic_csv_rows(report))) == CSV_HEADER


@given(
    points=st.fractions(min_value=-1000, max_value=1000, max_denominator=10**6)
    | st.integers(-2000, 2000).map(lambda n: Fraction(n, 20)),  # exact halves and ties
    places=st.integers(min_value=0, max_value=3),
)
def test_points_are_rounded_half_away_from_zero(points, places):
    assert format_points(points, places) == points_by_hand(points, places)


@pytest.mark.parametrize(
    ("points", "text"),
    [
        (Fraction(5, 8), "+0.6"), (Fraction(-5, 8), "-0.6"), (Fraction(1, 20), "+0.1"),
        (Fraction(-1, 20), "-0.1"), (Fraction(-1, 25), "0.0"), (Fraction(0), "0.0"),
        (Fraction(3), "+3.0"), (None, "—"),
    ],
)  # fmt: skip
def test_points_of_known_changes(points, text):
    assert format_points(points) == text


@pytest.mark.parametrize(
    ("points", "places"), [(Fraction(1, 3), -1), (Fraction(1, 3), True), (0.5, 1)]
)
def test_points_refuse_bad_arguments_with_a_library_error(points, places):
    with pytest.raises(BanshishiError):
        format_points(points, places)


# -- the HTML page -------------------------------------------------------------------------


VOID = {"meta", "br", "link", "img", "hr", "input"}


class Page(HTMLParser):
    """Tag balance and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def planted(issues: list[Issue], campaign: Any) -> tuple[list[Issue], UnitTree]:
    """The campaign with markup planted in an overdue issue's title and a township's name."""
    late = {item.id for item in report_at(issues, "month", "campaign-end").overdue}
    marked = [attrs.evolve(i, title=PLANTED) if i.id in late else i for i in issues]
    tree = UnitTree(attrs.evolve(u, name=PLANTED) if u.id == "t1" else u for u in campaign.units)
    return marked, tree


def test_the_page_is_balanced_html_without_scripts_with_three_charts(report):
    page = periodic_html(report)
    seen = parsed(page)
    assert seen.problems == []
    assert seen.open == []
    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in seen.tags
    assert "<script" not in page.lower()
    assert seen.tags.count("svg") == 3
    assert "@media print" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert report.title in "".join(seen.text)
    for point in report.trend:
        assert point.period.label in page


def _chart_titles(page: str) -> list[list[str]]:
    """The hover titles of the points and bars of each chart on the page, in order."""
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    return [[unescape(t) for t in re.findall(r"<title>(.*?)</title>", svg)][1:] for svg in charts]


def test_the_charts_draw_the_reports_own_trend_units_and_tracks(report):
    trend, by_unit, by_track = _chart_titles(periodic_html(report))
    assert trend == [
        f"{p.period.label}: {p.completion}" for p in report.trend if p.completion.has_data
    ]
    tracks = [row for row in report.by_track if row.group != "all"]
    depth = report.by_unit[0].depth
    units = [row for row in report.by_unit if row.depth <= depth + 1]
    for rows, titles in ((tracks, by_track), (units, by_unit)):
        expected = [
            f"{row.label} {label}: {getattr(row.figures, name)}"
            for row in rows
            for name, label in (("completion", "办结率"), ("on_time", "按期办结率"),
                                ("satisfaction", "满意率"))
        ]  # fmt: skip
        assert titles == expected


def test_every_rate_on_the_page_is_printed_as_rate_format(report):
    page = periodic_html(report)
    for name, label in ISSUE_RATES:
        row = re.search(
            rf'<tr><td class="l">{label}</td><td>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td></tr>',
            page,
        )
        assert row is not None, label
        for cell, rate in zip(
            row.groups(), (report.figures, report.previous_figures), strict=False
        ):
            rate = getattr(rate, name)
            assert cell.startswith(rate.format())
            assert f"{rate.numerator:,}/{rate.denominator:,}" in cell
        assert row.group(3) == points_by_hand(report.change(name))
    for standing in report.ranking:
        if standing.score is not None:
            assert Rate(standing.score.numerator, standing.score.denominator).format() in page


@pytest.mark.parametrize("unit", [None, "t1"])
def test_markup_in_a_title_or_a_unit_name_is_escaped(planted, unit):
    marked, tree = planted
    report = periodic_report(
        marked, period="month", at=MOMENTS["campaign-end"], units=tree, unit=unit, min_sample=1
    )
    page = periodic_html(report)
    seen = parsed(page)
    assert seen.problems == []
    assert seen.open == []
    assert "b" not in seen.tags
    assert PLANTED not in page
    assert escape(PLANTED) in page
    text = "".join(seen.text)
    if unit is None:
        assert any(item.title == PLANTED for item in report.overdue)
        assert text.count(PLANTED) >= 2  # an overdue item, and the township in the tables
    else:
        assert report.title.startswith(PLANTED)
        assert PLANTED in text


def test_a_trend_point_with_no_data_is_a_gap_in_the_line_not_a_zero():
    joined = line_chart([("一", Rate(1, 2)), ("二", Rate(3, 4))], title="t")
    assert joined.count("<circle") == 2
    assert joined.count("<polyline") == 1
    broken = line_chart([("一", Rate(1, 2)), ("二", Rate(0, 0)), ("三", Rate(1, 1))], title="t")
    assert broken.count("<circle") == 2
    assert "<polyline" not in broken  # each side of the gap is a single point
    assert ">0.0%<" not in broken


def test_a_bar_with_no_data_has_no_length_and_says_so():
    chart = bar_chart(["甲", PLANTED], [("办结率", [Rate(0, 0), Rate(1, 4)])], title=PLANTED)
    assert 'width="0.0"' in chart
    assert ">—<" in chart
    assert ">25.0%<" in chart
    assert PLANTED not in chart
    assert escape(PLANTED) in chart


def test_writing_the_page_writes_the_same_text(report):
    file = io.StringIO()
    write_periodic_html(report, file)
    assert file.getvalue() == periodic_html(report)


# -- personal data in printed titles -------------------------------------------------------

TYPED_TITLE = (
    "张三丰反映：三丰家门口路灯不亮，请回电 一三九○四七一二三四五 或 壹叁玖肆柒壹壹贰叁肆伍，"
    "身份证11010519491231002X"
)
SCRUBBED_TITLE = (
    "张**反映：**家门口路灯不亮，请回电 一三九****二三四五 或 壹叁玖****贰叁肆伍，"
    "身份证110105********002X"
)
SECRETS = ("三丰", "○四七一", "肆柒壹壹", "19491231")


def printed(report: PeriodicReport) -> dict[str, str]:
    """Everything a periodic report prints: JSON, CSV, HTML (unescaped), terminal tables."""
    as_json, as_csv = io.StringIO(), io.StringIO()
    write_periodic_json(report, as_json)
    write_periodic_csv(report, as_csv)
    console = Console(file=io.StringIO(), width=400, record=True, color_system=None)
    for table in periodic_tables(report):
        console.print(table)
    return {
        "json": as_json.getvalue(),
        "csv": as_csv.getvalue(),
        "html": unescape(periodic_html(report)),
        "terminal": console.export_text(),
    }


def test_overdue_titles_are_printed_without_the_requesters_name_or_numbers(issues, campaign):
    late = {item.id for item in report_at(issues, "month", "campaign-end").overdue}
    requester = Person(id="p-typed", name="张三丰")
    typed = [
        attrs.evolve(i, title=TYPED_TITLE, requester=requester) if i.id in late else i
        for i in issues
    ]
    report = report_at(typed, "month", "campaign-end", units=campaign.units)
    assert report.overdue
    assert {item.title for item in report.overdue} == {SCRUBBED_TITLE}
    for form, text in printed(report).items():
        assert SCRUBBED_TITLE in text, form
        assert not [secret for secret in SECRETS if secret in text], form


def test_a_report_built_by_hand_still_prints_its_titles_scrubbed(report):
    assert report.overdue
    typed = attrs.evolve(
        report,
        overdue=tuple(
            attrs.evolve(item, title=f"{item.title}，请回电139○4712345") for item in report.overdue
        ),
    )
    for form, text in printed(typed).items():
        assert text.count("请回电139****2345") == len(report.overdue), form
        assert "○471" not in text, form


# -- the terminal --------------------------------------------------------------------------


def test_the_terminal_tables_show_every_figure_and_keep_markup_as_text(planted):
    marked, tree = planted
    report = periodic_report(
        marked, period="month", at=MOMENTS["campaign-end"], units=tree, unit="t1", min_sample=1
    )
    console = Console(file=io.StringIO(), width=250, record=True, color_system=None)
    for table in periodic_tables(report, overdue_rows=3):
        console.print(table)
    shown = console.export_text()
    assert report.title in shown
    for name in RATE_NAMES:
        assert getattr(report.figures, name).format() in shown
    assert f"{report.flow.collected:,}" in shown
    if len(report.overdue) > 3:
        assert "the 3 longest shown" in shown
    assert trend_line(report) == "办结率 trend: " + " → ".join(
        f"{p.period.key} {p.completion.format()}" for p in report.trend
    )


def test_every_error_of_a_report_is_a_library_error(issues, campaign):
    # A last net: the refusals above all come from one root.
    for changes, _, _ in BAD:
        with pytest.raises(BanshishiError):
            _bad(issues, campaign, **changes)
