"""A periodic report's JSON, CSV, HTML and terminal forms, each checked against the
report they came from, with personal data in printed titles masked."""

import csv
import io
import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from banshishi import (
    BanshishiError,
    Issue,
    PeriodicReport,
    Person,
    Rate,
    UnitTree,
    format_points,
    parse_instant,
    periodic_csv_rows,
    periodic_html,
    periodic_record,
    periodic_report,
    write_periodic_csv,
    write_periodic_html,
    write_periodic_json,
)
from banshishi._cli.terminal import periodic_tables, trend_line
from banshishi._metrics.figures import ISSUE_RATES
from banshishi._reports.periodic_output import CSV_HEADER
from banshishi._reports.svg_chart import bar_chart, line_chart
from banshishi.simulation import Campaign
from periodic_counts import BAD, MOMENTS, RATE_NAMES, bad_report, flow_of, report_at

PLANTED = '<b>&"x"</b>'


@pytest.fixture(scope="module")
def campaign(simulated: Callable[..., Campaign]) -> Campaign:
    return simulated(issues=300, seed=11)


@pytest.fixture(scope="module")
def issues(campaign: Any) -> list[Issue]:
    return list(campaign.ledger.issues())


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
        "flow": 3, "count": 5, "rate": len(RATE_NAMES), "unit": len(report.by_unit),
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
            bad_report(issues, campaign, **changes)
