"""Disclosure lists (公示) of issues and pledges, and the files they are written to."""

import csv
import io
import json
import re
from collections.abc import Iterator
from fractions import Fraction
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banshishi import (
    Channel,
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueDisclosure,
    IssueStatus,
    Level,
    Location,
    Milestone,
    NaiveDatetimeError,
    Person,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    Unit,
    UnitTree,
    UnknownValueError,
    Urgency,
    disclose_issues,
    disclose_pledges,
    disclosure_csv,
    disclosure_html,
    disclosure_json,
    disclosure_rows,
    write_disclosure,
)
from banshishi.simulation import Campaign
from leaks import id_numbers, leaks, mobiles, planted_texts
from strategies import issues, moments, pledges

ZONE = "Asia/Shanghai"
AT = pendulum.datetime(2026, 9, 30, 20, tz=ZONE)


# -- reading the outputs back ------------------------------------------------------------


class _TextNodes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def published_texts(disclosure: Any) -> dict[str, list[str]]:
    """Each output, as its whole text read back (HTML and JSON unescaped) and as
    the texts of its single cells."""
    csv_text = disclosure_csv(disclosure)
    page = disclosure_html(disclosure)
    document = json.loads(disclosure_json(disclosure))
    nodes = _TextNodes()
    nodes.feed(page)
    cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
    return {
        "csv": [csv_text, *cells],
        "html": [unescape(page), *nodes.texts],
        "json": [json.dumps(document, ensure_ascii=False), *_json_strings(document)],
    }


_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:[+-]\d{2}:\d{2})?"
)


def is_time(cell: str) -> bool:
    """Whether a cell is a date or time the list wrote itself: its digits are
    read as a reader reads them, not joined across colons and dots."""
    return _TIME.fullmatch(cell) is not None


# -- THE PROOF: nothing planted anywhere comes out ---------------------------------------


@st.composite
def planted(draw: st.DrawFn, numbers: list[str]) -> str:
    text, planted_here = draw(planted_texts())
    numbers += planted_here
    return text


@st.composite
def planted_cases(
    draw: st.DrawFn,
) -> tuple[list[Issue], list[Pledge], UnitTree, dict[str, str], list[str]]:
    """Issues, pledges, units and pledger names with mobile and ID numbers planted
    in every text field, and the numbers planted."""
    numbers: list[str] = []
    unit_list = [
        Unit(id=f"u{n}", name=draw(planted(numbers)), level=Level.COUNTY) for n in range(3)
    ]
    unit_ids = st.sampled_from([u.id for u in unit_list])
    built: list[Issue] = []
    drawn_issues = draw(st.lists(issues(), min_size=1, max_size=3, unique_by=lambda i: i.id))
    for number, issue in enumerate(drawn_issues):
        mobile, id_number = draw(mobiles()), draw(id_numbers())
        numbers += [mobile, id_number]
        requester = Person(
            id=f"p{number}",
            name=draw(planted(numbers)),
            mobile=mobile,
            id_number=id_number,
            address=draw(planted(numbers)),
        )
        location = issue.location or Location(division_code="150125")
        unit = draw(unit_ids)
        if unit in issue.co_units:  # a co-unit cannot also lead the issue
            unit = issue.responsible_unit
        plan = tuple(
            attrs.evolve(m, name=f"{draw(planted(numbers))}节点{k}")
            for k, m in enumerate(issue.milestones)
        )
        built.append(
            attrs.evolve(
                issue,
                title=draw(planted(numbers)),
                description=draw(planted(numbers)),
                category=draw(planted(numbers)),
                requirements=draw(planted(numbers)),
                requester=requester,
                location=attrs.evolve(location, address=draw(planted(numbers))),
                responsible_unit=unit,
                milestones=plan,
            )
        )
    drawn = draw(st.lists(pledges(), min_size=1, max_size=4))
    ids = [f"pledge-{n}" for n in range(len(drawn))]
    names: dict[str, str] = {}
    made: list[Pledge] = []
    for number, pledge in enumerate(drawn):
        pledger = draw(planted(numbers))
        names[pledger] = draw(planted(numbers))
        charter = pledge.charter
        if charter is not None:
            charter = attrs.evolve(charter, goal=draw(planted(numbers)))
        others = [other for other in ids if other != ids[number]]
        made.append(
            attrs.evolve(
                pledge,
                id=ids[number],
                title=draw(planted(numbers)),
                pledger=pledger,
                unit=draw(unit_ids),
                charter=charter,
                parent=draw(st.none() | st.sampled_from(others)) if others else None,
                milestones=tuple(
                    attrs.evolve(m, name=f"{draw(planted(numbers))}节点{k}")
                    for k, m in enumerate(pledge.milestones)
                ),
            )
        )
    return built, made, UnitTree(unit_list), names, numbers


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(planted_cases(), st.just(pendulum.datetime(2031, 1, 1, tz=ZONE)) | moments())
def test_no_planted_mobile_or_id_number_reaches_any_published_output(
    case: tuple[list[Issue], list[Pledge], UnitTree, dict[str, str], list[str]], at: Any
) -> None:
    issue_list, pledge_list, units, names, numbers = case
    assert leaks(repr((issue_list, pledge_list, list(units), names)), numbers)
    lists = (
        disclose_issues(issue_list, at=at, units=units),
        disclose_pledges(pledge_list, at=at, units=units, names=names),
    )
    for disclosure in lists:
        for output, texts in published_texts(disclosure).items():
            whole, *cells = texts
            assert leaks(whole, numbers, document=True) == [], (output, whole)
            for text in cells:
                assert leaks(text, numbers, document=is_time(text)) == [], (output, text)


def test_a_realistic_quarter_publishes_no_requester_mobile_even_when_typed_into_titles(
    campaign: Campaign,
) -> None:
    typed: list[Issue] = []
    numbers: list[str] = []
    listed = 0
    for issue in campaign.ledger.issues():
        if issue.requester is not None and issue.requester.mobile is not None:
            mobile = issue.requester.mobile
            spaced = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
            issue = attrs.evolve(issue, title=f"{issue.title}（请回电{spaced}）")
            numbers.append(mobile)
            listed += not issue.confidential  # a confidential issue is never listed
        typed.append(issue)
    assert len(numbers) > 100
    disclosure = disclose_issues(typed, at=campaign.end, units=campaign.units)
    for whole, *cells in published_texts(disclosure).values():
        assert leaks(whole, numbers, document=True) == []
        for text in cells:
            assert leaks(text, numbers, document=is_time(text)) == []
    typed_titles = [line.title for line in disclosure if "请回电" in line.title]
    assert len(typed_titles) >= listed - 10  # a few were dismissed
    assert all(" **** " in title for title in typed_titles)


# -- issue lists -------------------------------------------------------------------------


def test_an_issue_list_leaves_out_dismissed_issues_and_keeps_the_order(campaign: Campaign) -> None:
    everything = list(campaign.ledger.issues())
    disclosure = disclose_issues(everything, at=campaign.end, units=campaign.units)
    expected = [
        i.id for i in everything if i.status is not IssueStatus.DISMISSED and not i.confidential
    ]
    assert any(i.status is IssueStatus.DISMISSED for i in everything)
    assert any(i.confidential for i in everything)  # and never listed
    assert [line.id for line in disclosure] == expected
    assert disclosure.masked is True
    assert disclosure.at == campaign.end


def test_an_issue_list_masks_every_requester_and_cuts_every_place(campaign: Campaign) -> None:
    everything = {i.id: i for i in campaign.ledger.issues()}
    disclosure = disclose_issues(everything.values(), at=campaign.end)
    page = disclosure_html(disclosure)
    for line in disclosure:
        issue = everything[line.id]
        if issue.requester is None:
            assert line.requester == ""
        else:
            name = issue.requester.name
            assert line.requester[0] == name[0]
            assert line.requester[1:] == "*" * (len(name) - 1)
            assert name not in page
        assert issue.location is not None
        address = issue.location.address
        assert address.startswith(line.place)
        assert line.place.endswith(("社区", "村", "嘎查"))
        assert address not in page


def test_an_issue_list_shows_the_status_and_deadline_of_its_moment(campaign: Campaign) -> None:
    # Late October: most items are answered, a few are still unanswered past
    # their deadline (an answered item waiting for its rating is not overdue).
    middle = pendulum.datetime(2026, 10, 20, 12, tz=ZONE)
    everything = {i.id: i for i in campaign.ledger.issues()}
    disclosure = disclose_issues(everything.values(), at=middle)
    received = [i for i in everything.values() if i.received_at <= middle]
    assert 0 < len(disclosure) < len(received) + 1
    overdue = 0
    for line in disclosure:
        issue = everything[line.id]
        assert line.status is issue.status_as_of(middle)
        deadline = issue.deadline_as_of(middle)
        assert line.deadline == deadline
        # Overdue: not yet answered in this round, with the deadline passed.
        waiting = line.status.is_open and line.status is not IssueStatus.ANSWERED
        late = waiting and deadline is not None and deadline < middle
        assert line.overdue is late
        overdue += late
    assert all(everything[line.id].received_at <= middle for line in disclosure)
    assert overdue > 0  # the list has overdue items, so the flag was tested


def test_a_tracked_issue_shows_the_milestones_done_by_the_lists_moment() -> None:
    received = pendulum.datetime(2026, 7, 1, 9, tz=ZONE)
    issue = Issue(
        id="RX-1",
        title="盼建快递小哥爱心驿站",
        channel=Channel.HOTLINE,
        urgency=Urgency.LONGED_FOR,
        received_at=received,
        milestones=(
            Milestone(name="选址", weight=1, done_at=received.add(days=5)),
            Milestone(name="建成", weight=3, done_at=received.add(days=40)),
        ),
    )
    early = disclose_issues([issue], at=received.add(days=1)).items[0]
    middle = disclose_issues([issue], at=received.add(days=10)).items[0]
    late = disclose_issues([issue], at=received.add(days=50)).items[0]
    assert [early.progress.format(), middle.progress.format(), late.progress.format()] == [
        "0.0%",
        "25.0%",
        "100.0%",
    ]
    assert [m.done for m in middle.milestones] == [True, False]
    assert (
        disclosure_rows(disclose_issues([issue], at=received.add(days=10)))[0]["办理节点"]
        == "选址（已完成）；建成（未完成）"
    )


def test_an_issue_list_names_units_from_the_tree_or_shows_their_ids(campaign: Campaign) -> None:
    everything = list(campaign.ledger.issues())
    named = disclose_issues(everything, at=campaign.end, units=campaign.units)
    bare = disclose_issues(everything, at=campaign.end)
    for with_name, with_id, issue in zip(
        named,
        bare,
        (i for i in everything if i.status is not IssueStatus.DISMISSED and not i.confidential),
        strict=True,
    ):
        unit = issue.responsible_unit
        assert with_id.unit == (unit or "")
        assert with_name.unit == ("" if unit is None else campaign.units[unit].name)


def test_mask_false_shows_names_and_addresses_in_full_and_must_be_a_bool() -> None:
    person = Person(id="p1", name="欧阳娜娜", mobile="13947112345", address="家住幸福社区")
    issue = Issue(
        id="RX-2",
        title="回电13947112345",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=AT.subtract(days=2),
        requester=person,
        location=Location(division_code="150125", address="城关街道文化社区56号"),
    )
    internal = disclose_issues([issue], at=AT, mask=False)
    line = internal.items[0]
    assert (line.requester, line.place, line.title) == (
        "欧阳娜娜",
        "城关街道文化社区56号",
        "回电13947112345",
    )
    assert "13947112345" in disclosure_csv(internal)
    public = disclose_issues([issue], at=AT).items[0]
    assert (public.requester, public.place, public.title) == (
        "欧阳**",
        "城关街道文化社区",
        "回电139****2345",
    )
    for wrong in ("no", 0, None):
        with pytest.raises(InvalidTypeError) as caught:
            disclose_issues([issue], at=AT, mask=wrong)  # type: ignore[arg-type]
        assert caught.value.field == "mask"


def test_the_requesters_name_is_masked_in_the_title_and_every_text_of_their_line() -> None:
    received = AT.subtract(days=5)
    issue = Issue(
        id="RX-3",
        title="张三丰反映：三丰家门口路灯不亮，回电一三九○四七一二三四五",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=received,
        category="张三丰的诉求",
        requester=Person(id="p3", name="张三丰"),
        milestones=(Milestone(name="回访张 三 丰", weight=1),),
        location=Location(division_code="150125", address="城关街道文化社区"),
    )
    other = attrs.evolve(issue, id="RX-4", requester=Person(id="p4", name="李四"))
    public = disclose_issues([issue, other], at=AT)
    line, unrelated = public.items
    assert line.title == "张**反映：**家门口路灯不亮，回电一三九****二三四五"
    assert (line.requester, line.category) == ("张**", "张**的诉求")
    assert [m.name for m in line.milestones] == ["回访张 * *"]
    assert unrelated.title.startswith("张三丰反映")  # only a line's own requester is known
    for texts in published_texts(disclose_issues([issue], at=AT)).values():
        assert not any("三丰" in text or "三 丰" in text for text in texts)
    internal = disclose_issues([issue], at=AT, mask=False).items[0]
    assert internal.title == issue.title


def test_ids_and_unit_names_keep_a_name_they_hold_as_they_are() -> None:
    units = UnitTree([Unit(id="jianguo", name="建国路社区", level=Level.VILLAGE)])
    issue = Issue(
        id="建国-0001",
        title="王建国反映建国路积水",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=AT.subtract(days=5),
        requester=Person(id="p5", name="王建国"),
        responsible_unit="jianguo",
    )
    line = disclose_issues([issue], at=AT, units=units).items[0]
    assert (line.id, line.unit) == ("建国-0001", "建国路社区")
    assert line.title == "王**反映**路积水"
    member = PledgerKind.PARTY_MEMBER
    pledge = _pledge("pm-2", pledger="pm-2", pledger_kind=member, title="pm-2承诺")
    unnamed = disclose_pledges([pledge], at=AT).items[0]
    assert (unnamed.id, unnamed.title, unnamed.pledger) == ("pm-2", "pm-2承诺", "p*-*")
    named = disclose_pledges([pledge], at=AT, names={"pm-2": "王建国"}).items[0]
    assert (named.id, named.pledger) == ("pm-2", "王**")


@pytest.mark.parametrize(
    ("arguments", "error", "field"),
    [
        ({"issues": None, "at": AT}, InvalidTypeError, "issues"),
        ({"issues": ["RX-1"], "at": AT}, InvalidTypeError, "issues[0]"),
        ({"issues": [], "at": AT.naive()}, NaiveDatetimeError, "at"),
        ({"issues": [], "at": "2026-09-30"}, InvalidTypeError, "at"),
        ({"issues": [], "at": AT, "units": {"t1": "城关街道"}}, InvalidTypeError, "units"),
    ],
)
def test_bad_arguments_to_an_issue_list_are_refused_by_name(
    arguments: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        disclose_issues(**arguments)
    assert caught.value.field == field  # type: ignore[attr-defined]


@given(st.lists(issues(), max_size=4), moments())
def test_an_issue_list_holds_exactly_the_issues_received_and_not_dismissed_by_then(
    issue_list: list[Issue], at: Any
) -> None:
    disclosure = disclose_issues(issue_list, at=at)
    expected = [
        i.id
        for i in issue_list
        if i.received_at <= at and i.status_as_of(at) is not IssueStatus.DISMISSED
    ]
    assert [line.id for line in disclosure] == expected
    for line in disclosure:
        assert line.progress.numerator <= line.progress.denominator
        assert not (line.overdue and not line.status.is_open)


# -- pledge lists ------------------------------------------------------------------------


def _pledge(id: str, **fields: Any) -> Pledge:
    claimed = pendulum.datetime(2026, 7, 1, 9, tz=ZONE)
    values: dict[str, Any] = {
        "title": f"事项{id}",
        "pledger": "t1",
        "pledger_kind": PledgerKind.LEADERSHIP_TEAM,
        "list_kind": PledgeListKind.LIVELIHOOD_PLAN,
        "claimed_at": claimed,
        "status": PledgeStatus.IN_PROGRESS,
        "published_at": claimed.add(days=1),
        "deadline": claimed.add(days=60),
    }
    values.update(fields)
    return Pledge(id=id, **values)


def test_a_pledge_list_holds_the_public_pledges_with_their_rolled_up_progress(
    campaign: Campaign,
) -> None:
    everything = list(campaign.pledges.pledges())
    disclosure = disclose_pledges(everything, at=campaign.end, units=campaign.units)
    public = [p.id for p in everything if p.public_as_of(campaign.end)]
    assert [line.id for line in disclosure] == public
    assert len(public) < len(everything)  # a withdrawn one is left out
    for line in disclosure:
        assert line.progress.value == campaign.pledges.progress(line.id)
    root = next(line for line in disclosure if line.id == "KP-2026-01")
    assert root.goal.startswith("完成城区12个老旧小区改造")
    assert root.unit == "示例县"


def test_a_pledge_list_rolls_progress_up_as_it_stood_at_its_moment(campaign: Campaign) -> None:
    published = pendulum.datetime(2026, 7, 10, 12, tz=ZONE)
    disclosure = disclose_pledges(campaign.pledges.pledges(), at=published)
    root = next(line for line in disclosure if line.id == "KP-2026-01")
    assert root.progress.value == 0
    assert root.status is PledgeStatus.PUBLISHED or root.status is PledgeStatus.IN_PROGRESS
    assert not any(m.done for m in root.milestones)


def test_a_badly_weighted_project_shows_a_dash_and_leaves_the_others_alone() -> None:
    done = pendulum.datetime(2026, 8, 1, tz=ZONE)
    bad_done = Milestone(name="完成", done_at=done)
    pledge_list = [
        _pledge("bad"),
        _pledge("bad-1", parent="bad", weight=2, milestones=(bad_done,)),
        _pledge("bad-2", parent="bad"),  # no weight beside one with a weight
        _pledge("good"),
        _pledge("good-1", parent="good", weight=3, milestones=(bad_done,)),
        _pledge("good-2", parent="good", weight=1, milestones=(Milestone(name="完成"),)),
    ]
    shown = {line.id: line.progress for line in disclose_pledges(pledge_list, at=AT)}
    assert shown["bad"].format() == "—"
    assert shown["bad-1"].value == 1
    assert shown["good"].value == Fraction(3, 4)
    assert shown["good-1"].value == 1
    assert shown["good-2"].value == 0


def test_a_party_members_name_is_masked_but_leaders_and_bodies_are_shown_in_full() -> None:
    units = UnitTree([Unit(id="t1v1", name="城关街道幸福社区", level=Level.VILLAGE)])
    pledge_list = [
        _pledge("a", pledger="pm-1", pledger_kind=PledgerKind.PARTY_MEMBER),
        _pledge("b", pledger="ld-1", pledger_kind=PledgerKind.LEADER),
        _pledge("c", pledger="t1v1", pledger_kind=PledgerKind.ORGANISATION),
        _pledge("d", pledger="pm-2", pledger_kind=PledgerKind.PARTY_MEMBER),
    ]
    names = {"pm-1": "上官婉儿", "ld-1": "王建国"}
    shown = [
        line.pledger for line in disclose_pledges(pledge_list, at=AT, units=units, names=names)
    ]
    assert shown == ["上官**", "王建国", "城关街道幸福社区", "p*-*"]
    internal = disclose_pledges(pledge_list, at=AT, units=units, names=names, mask=False)
    assert [line.pledger for line in internal] == ["上官婉儿", "王建国", "城关街道幸福社区", "pm-2"]


def test_a_party_members_name_is_masked_in_their_pledges_texts_and_a_leaders_is_not() -> None:
    pledge_list = [
        _pledge("a", pledger="pm-1", pledger_kind=PledgerKind.PARTY_MEMBER,
                title="上官婉儿承诺：帮婉儿的邻居修好楼道灯"),
        _pledge("b", pledger="ld-1", pledger_kind=PledgerKind.LEADER,
                title="王建国承诺协调增设停车位"),
    ]  # fmt: skip
    names = {"pm-1": "上官婉儿", "ld-1": "王建国"}
    shown = disclose_pledges(pledge_list, at=AT, names=names)
    assert [line.title for line in shown] == [
        "上官**承诺：帮**的邻居修好楼道灯",
        "王建国承诺协调增设停车位",
    ]
    internal = disclose_pledges(pledge_list, at=AT, names=names, mask=False)
    assert [line.title for line in internal] == [p.title for p in pledge_list]


def test_a_pledge_past_its_deadline_and_open_is_overdue() -> None:
    pledge_list = [
        _pledge("late"),
        _pledge("kept", status=PledgeStatus.FULFILLED, fulfilled_at=AT.subtract(days=1)),
        _pledge("ahead", deadline=AT.add(days=1)),
    ]
    shown = {line.id: line.overdue for line in disclose_pledges(pledge_list, at=AT)}
    assert shown == {"late": True, "kept": False, "ahead": False}


def test_a_pledge_list_refuses_duplicate_ids_and_bad_names() -> None:
    with pytest.raises(DuplicateError) as caught:
        disclose_pledges([_pledge("a"), _pledge("a")], at=AT)
    assert caught.value.field == "pledges[1].id"
    with pytest.raises(InvalidTypeError) as bad_names:
        disclose_pledges([_pledge("a")], at=AT, names={"pm-1": 7})  # type: ignore[dict-item]
    assert bad_names.value.field == "names['pm-1']"


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pledges(), max_size=5, unique_by=lambda p: p.id), moments())
def test_a_pledge_list_holds_exactly_the_pledges_public_at_its_moment(
    pledge_list: list[Pledge], at: Any
) -> None:
    disclosure = disclose_pledges(pledge_list, at=at)
    assert [line.id for line in disclosure] == [p.id for p in pledge_list if p.public_as_of(at)]
    for line in disclosure:
        assert line.progress.value is None or 0 <= line.progress.value <= 1


# -- the files ---------------------------------------------------------------------------


def _one_issue(title: str) -> IssueDisclosure:
    issue = Issue(
        id="RX-3",
        title=title,
        channel=Channel.PORTAL,
        urgency=Urgency.WORRYING,
        received_at=pendulum.datetime(2026, 9, 30, 23, 30, tz=ZONE),
        deadline=pendulum.datetime(2026, 10, 14, 17, 30, tz=ZONE),
    )
    return disclose_issues([issue], at=pendulum.datetime(2026, 10, 1, 8, tz=ZONE))


def test_csv_has_chinese_headers_and_defuses_formulas() -> None:
    rows = list(csv.reader(io.StringIO(disclosure_csv(_one_issue('=HYPERLINK("x")')))))
    assert rows[0][:4] == ["编号", "诉求事项", "类别", "急难愁盼"]
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["诉求事项"] == '\'=HYPERLINK("x")'
    assert (line["急难愁盼"], line["办理方式"], line["办理状态"]) == ("愁", "督办", "已受理")
    assert (line["受理日期"], line["完成时限"], line["是否逾期"]) == (
        "2026-09-30",
        "2026-10-14 17:30",
        "否",
    )


def test_times_are_shown_in_the_zone_of_the_lists_moment() -> None:
    disclosure = _one_issue("停车难")
    in_utc = attrs.evolve(disclosure, at=disclosure.at.in_timezone("UTC"))
    assert disclosure_rows(disclosure)[0]["受理日期"] == "2026-09-30"
    assert disclosure_rows(in_utc)[0]["受理日期"] == "2026-09-30"
    assert disclosure_rows(in_utc)[0]["完成时限"] == "2026-10-14 09:30"
    assert (
        json.loads(disclosure_json(in_utc))["items"][0]["received_at"]
        == "2026-09-30T15:30:00+00:00"
    )


def test_the_html_page_is_standalone_escaped_and_printable() -> None:
    page = disclosure_html(_one_issue("<script>alert('13812345678')</script> & 噪音"))
    assert page.startswith("<!DOCTYPE html>")
    for absent in ("<script", "src=", "href=", "@import"):
        assert absent not in page
    assert "&lt;script&gt;alert(&#x27;138****5678&#x27;)&lt;/script&gt; &amp; 噪音" in page
    assert "@media print" in page
    assert "<style>" in page
    nodes = _TextNodes()
    nodes.feed(page)
    assert nodes.tags.count("th") == 14
    assert "群众诉求办理情况公示" in nodes.texts


def test_json_carries_the_columns_and_typed_values() -> None:
    document = json.loads(disclosure_json(_one_issue("路灯不亮")))
    assert (document["list"], document["masked"]) == ("issues", True)
    assert document["columns"]["title"] == "诉求事项"
    item = document["items"][0]
    assert list(item) == list(document["columns"])
    assert (item["title"], item["overdue"], item["milestones"], item["progress"]) == (
        "路灯不亮",
        False,
        [],
        "—",
    )


def test_a_list_built_by_hand_is_still_scrubbed_on_the_way_out() -> None:
    disclosure = _one_issue("停车难")
    forged = attrs.evolve(
        disclosure, items=(attrs.evolve(disclosure.items[0], title="电话13812345678"),)
    )
    for texts in published_texts(forged).values():
        assert all(leaks(text, ["13812345678"]) == [] for text in texts)


@pytest.mark.parametrize("kind", ["csv", "json", "html"])
def test_writing_a_list_puts_the_whole_file_in_place(tmp_path: Path, kind: str) -> None:
    disclosure = _one_issue("供暖不热")
    target = write_disclosure(disclosure, tmp_path / f"list.{kind}", format=kind)
    assert target == tmp_path / f"list.{kind}"
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is (kind == "csv")
    assert "供暖不热" in raw.decode("utf-8-sig")
    assert [p.name for p in tmp_path.iterdir()] == [f"list.{kind}"]


def test_an_unknown_format_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(UnknownValueError) as caught:
        write_disclosure(_one_issue("x"), tmp_path / "list.xlsx", format="xlsx")
    assert caught.value.field == "format"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidTypeError):
        disclosure_csv(["not", "a", "list"])  # type: ignore[arg-type]


def test_an_issue_at_the_very_start_of_the_calendar_gives_a_library_error_not_an_overflow():
    issue = Issue(
        id="old",
        title="很早的诉求",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=pendulum.parse("0001-01-01T00:00:00+14:00"),
    )
    listing = disclose_issues([issue], at=AT)
    for render in (disclosure_csv, disclosure_json, disclosure_html):
        with pytest.raises(InvalidValueError) as refused:
            render(listing)
        assert "old" in refused.value.field
