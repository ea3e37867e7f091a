"""Adding a year to the calendar: a YearSchedule from data or a file, checked field
by field, and written back with to_dict."""

import datetime as dt
import itertools
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    BanshishiError,
    DuplicateError,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    UnknownYearError,
    WorkCalendar,
    YearSchedule,
    china_calendar,
)
from calendar_days import LAST, ONE_DAY, day, days_of, span

# -- adding a year ---------------------------------------------------------------------------
# A MADE-UP schedule for 2027, for these tests only. It is NOT the State Council's 2027
# notice; it only has the shape of one. (2027-01-01 is a Friday, 2027-10-01 a Friday.)

MADE_UP_2027 = {
    "year": 2027,
    "holidays": {
        "元旦": ["2027-01-01"],
        "春节": ["2027-02-05/2027-02-11"],
        "国庆节": ["2027-10-01/2027-10-07"],
    },
    "workdays": {"春节": ["2027-02-13"], "国庆节": ["2027-09-26", "2027-10-09"]},
}

MADE_UP_2027_TOML = """\
# A MADE-UP schedule for 2027 (tests only; not the official notice).
year = 2027

[holidays]
"元旦" = [2027-01-01]                      # a TOML date
"春节" = ["2027-02-05/2027-02-11"]
"国庆节" = ["2027-10-01/2027-10-07"]

[workdays]
"春节" = ["2027-02-13"]
"国庆节" = ["2027-09-26", 2027-10-09]
"""


def test_the_made_up_schedule_reads_as_written():
    schedule = YearSchedule.from_dict(MADE_UP_2027)
    assert schedule.year == 2027
    assert dict(schedule.holidays) == {
        day("2027-01-01"): "元旦",
        **dict.fromkeys(span("2027-02-05", "2027-02-11"), "春节"),
        **dict.fromkeys(span("2027-10-01", "2027-10-07"), "国庆节"),
    }
    assert dict(schedule.workdays) == {
        day("2027-02-13"): "春节",
        day("2027-09-26"): "国庆节",
        day("2027-10-09"): "国庆节",
    }
    assert all(d.weekday() >= 5 for d in schedule.workdays)


def test_a_schedule_loads_from_toml_and_json(tmp_path):
    toml_file = tmp_path / "2027.toml"
    toml_file.write_text(MADE_UP_2027_TOML, encoding="utf-8")
    json_file = tmp_path / "2027.JSON"  # the suffix is not case-sensitive
    json_file.write_text(json.dumps(MADE_UP_2027, ensure_ascii=False), encoding="utf-8")
    expected = YearSchedule.from_dict(MADE_UP_2027)
    assert YearSchedule.load(toml_file) == expected
    assert YearSchedule.load(str(json_file)) == expected


def test_adding_a_made_up_2027_answers_2027_and_leaves_the_original_alone():
    original = china_calendar()
    schedule = YearSchedule.from_dict(MADE_UP_2027)
    extended = original.with_schedule(schedule)
    assert extended.years == range(2004, 2028)
    assert extended.schedule(2027) == schedule
    assert extended.schedule(2026) == original.schedule(2026)
    assert extended != original
    # Answers worked out by hand from the made-up data.
    assert extended.is_workday(day("2027-02-13")) is True  # Saturday, make-up day
    assert extended.is_workday(day("2027-02-08")) is False  # Monday in 春节
    assert extended.is_workday(day("2027-03-06")) is False  # ordinary Saturday
    assert extended.is_workday(day("2027-03-08")) is True  # ordinary Monday
    assert extended.holiday(day("2027-09-26")) == "国庆节"
    assert extended.holiday(day("2027-03-08")) is None
    assert extended.add_working_days(LAST, 1) == day("2027-01-04")
    assert extended.working_days_between(day("2027-02-04"), day("2027-02-15")) == 3
    assert extended.working_days_between(LAST, day("2027-01-04")) == 1
    # Whole 2026 unchanged in the extended calendar.
    assert all(extended.is_workday(d) == original.is_workday(d) for d in days_of(2026))
    # The original is unchanged and still refuses 2027; the extension refuses 2028.
    assert original.years == range(2004, 2027)
    with pytest.raises(UnknownYearError) as caught:
        original.is_workday(day("2027-02-13"))
    assert caught.value.year == 2027
    with pytest.raises(UnknownYearError) as caught:
        extended.add_working_days(day("2027-12-31"), 1)
    assert caught.value.year == 2028


def test_years_must_follow_one_another():
    original = china_calendar()
    with pytest.raises(InvalidValueError) as caught:
        original.with_schedule(YearSchedule(year=2028))
    assert caught.value.field == "schedules"
    assert "2027" in str(caught.value)
    with pytest.raises(InvalidValueError) as caught:
        original.with_schedule(YearSchedule(year=2002))
    assert caught.value.field == "schedules"
    assert "2003" in str(caught.value)
    assert original.years == range(2004, 2027)
    # 2028 is accepted once 2027 is there.
    both = original.with_schedule(YearSchedule.from_dict(MADE_UP_2027)).with_schedule(
        YearSchedule(year=2028)
    )
    assert both.years == range(2004, 2029)
    assert both.is_workday(day("2028-01-03")) is True  # a Monday in an empty schedule


def test_a_covered_year_is_a_duplicate_unless_replaced():
    original = china_calendar()
    with pytest.raises(DuplicateError) as caught:
        original.with_schedule(original.schedule(2026))
    assert caught.value.field == "schedule.year"
    assert caught.value.value == 2026
    assert "replace=True" in str(caught.value)
    # A made-up amendment of 2026 (tests only): 2026-02-28 no longer worked.
    amended = YearSchedule(
        year=2026,
        holidays=original.schedule(2026).holidays,
        workdays={
            d: n for d, n in original.schedule(2026).workdays.items() if d != day("2026-02-28")
        },
    )
    replaced = original.with_schedule(amended, replace=True)
    assert replaced.years == original.years
    assert replaced.is_workday(day("2026-02-28")) is False
    assert original.is_workday(day("2026-02-28")) is True
    assert original.with_schedule(original.schedule(2026), replace=True) == original


def test_a_calendar_needs_schedules():
    with pytest.raises(InvalidValueError) as caught:
        WorkCalendar([])
    assert caught.value.field == "schedules"
    with pytest.raises(InvalidTypeError) as caught:
        WorkCalendar([YearSchedule(year=2027), MADE_UP_2027])
    assert caught.value.field == "schedules[1]"
    with pytest.raises(DuplicateError) as caught:
        WorkCalendar([YearSchedule(year=2027), YearSchedule(year=2027)])
    assert caught.value.field == "schedules[1].year"
    with pytest.raises(InvalidTypeError) as caught:
        WorkCalendar("2027")
    assert caught.value.field == "schedules"
    with pytest.raises(InvalidTypeError) as caught:
        china_calendar().with_schedule(MADE_UP_2027)
    assert caught.value.field == "schedule"


def test_a_calendar_and_its_schedules_cannot_be_changed():
    schedule = china_calendar().schedule(2026)
    with pytest.raises(AttributeError):
        schedule.year = 2027  # type: ignore[misc]
    with pytest.raises(TypeError):
        schedule.holidays[day("2026-03-02")] = "x"  # type: ignore[index]
    source = {day("2027-01-01"): "元旦"}
    made = YearSchedule(year=2027, holidays=source)
    source[day("2027-01-04")] = "元旦"
    assert list(made.holidays) == [day("2027-01-01")]


def test_calendars_and_schedules_are_hashable():
    calendar = china_calendar()
    assert hash(calendar.schedule(2026)) == hash(YearSchedule(**_fields(calendar.schedule(2026))))
    assert hash(calendar) == hash(WorkCalendar(calendar.schedules))
    assert len({calendar, WorkCalendar(calendar.schedules)}) == 1


def _fields(schedule: YearSchedule) -> dict[str, object]:
    return {
        "year": schedule.year,
        "holidays": dict(schedule.holidays),
        "workdays": dict(schedule.workdays),
    }


# -- validation ------------------------------------------------------------------------------


def made_up(**changes: object) -> dict[str, object]:
    return {**MADE_UP_2027, **changes}


BAD_SCHEDULES = [
    (
        "both a holiday and a make-up day",
        made_up(workdays={"春节": ["2027-02-06"]}),
        InconsistentRecordError,
        "YearSchedule.workdays[2027-02-06]",
    ),
    (
        "a date outside the year",
        made_up(holidays={"元旦": ["2026-12-31/2027-01-01"]}),
        InvalidValueError,
        "schedule.holidays[元旦]",
    ),
    (
        "a make-up day on a Monday",
        made_up(workdays={"春节": ["2027-02-15"]}),
        InvalidValueError,
        "YearSchedule.workdays[2027-02-15]",
    ),
    (
        "a make-up day on a Friday",
        made_up(workdays={"春节": ["2027-02-12"]}),
        InvalidValueError,
        "YearSchedule.workdays[2027-02-12]",
    ),
    ("an unknown key", made_up(holiday={}), InvalidValueError, "schedule.holiday"),
    ("no year", {"holidays": {}}, InvalidValueError, "schedule.year"),
    ("a year as text", made_up(year="2027"), InvalidTypeError, "schedule.year"),
    ("a year out of bounds", made_up(year=20277), InvalidValueError, "schedule.year"),
    (
        "bad date text",
        made_up(workdays={"春节": ["2027-02-31"]}),
        InvalidValueError,
        "schedule.workdays[春节]",
    ),
    (
        "a date not a string",
        made_up(holidays={"元旦": [20270101]}),
        InvalidTypeError,
        "schedule.holidays[元旦]",
    ),
    (
        "dates not a list",
        made_up(holidays={"元旦": "2027-01-01"}),
        InvalidTypeError,
        "schedule.holidays[元旦]",
    ),
    ("days not a mapping", made_up(workdays=["2027-02-13"]), InvalidTypeError, "schedule.workdays"),
    (
        "a backwards range",
        made_up(holidays={"春节": ["2027-02-11/2027-02-05"]}),
        InvalidValueError,
        "schedule.holidays[春节]",
    ),
    (
        "the same day twice",
        made_up(holidays={"元旦": ["2027-01-01"], "春节": ["2026-12-31/2027-01-01"]}),
        InvalidValueError,
        "schedule.holidays[春节]",
    ),
    (
        "a blank name",
        made_up(holidays={"  ": ["2027-01-01"]}),
        InvalidValueError,
        "YearSchedule.holidays[2027-01-01]",
    ),
    ("not a mapping", ["year", 2027], InvalidTypeError, "schedule"),
]


@pytest.mark.parametrize(
    ("what", "data", "error", "field"), BAD_SCHEDULES, ids=[b[0] for b in BAD_SCHEDULES]
)
def test_a_bad_schedule_is_refused_naming_the_field(what, data, error, field):
    with pytest.raises(error) as caught:
        YearSchedule.from_dict(data)
    assert caught.value.field == field
    assert field in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "2027-1-1",
        "2027-13-01",
        "2027/02/13",
        "",
        "next Saturday",
        "/2027-02-13",
        "2027-02-13/2027-02-14/2027-02-15",
        "2027-02-13T00:00",
        "2027-02-13/",
        "2027-W06-6",
        "20270213",
    ],
)
def test_date_text_must_be_yyyy_mm_dd(text):
    with pytest.raises(InvalidValueError) as caught:
        YearSchedule.from_dict(made_up(workdays={"春节": [text]}))
    assert caught.value.field == "schedule.workdays[春节]"
    assert caught.value.value == text


def test_unknown_keys_of_mixed_types_are_refused_like_any_other():
    with pytest.raises(InvalidValueError) as caught:
        YearSchedule.from_dict(made_up(**{"1": 1}) | {2: "two"})
    assert caught.value.field.startswith("schedule.")


def test_a_file_that_cannot_be_read_is_refused(tmp_path):
    cases = {}
    cases["missing.toml"] = tmp_path / "missing.toml"
    (tmp_path / "a-directory.json").mkdir()
    cases["directory"] = tmp_path / "a-directory.json"
    wrong_suffix = tmp_path / "2027.yaml"
    wrong_suffix.write_text("year: 2027\n", encoding="utf-8")
    cases["suffix"] = wrong_suffix
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text('year = 2027\n[holidays\n"元旦" = ["2027-01-01"]\n', encoding="utf-8")
    cases["bad toml"] = bad_toml
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"year": 2027,', encoding="utf-8")
    cases["bad json"] = bad_json
    not_utf8 = tmp_path / "gbk.toml"
    not_utf8.write_bytes(MADE_UP_2027_TOML.encode("gbk"))
    cases["not utf-8"] = not_utf8
    problems = {
        "missing.toml": "cannot be read",
        "directory": "cannot be read",
        "suffix": ".toml or .json",
        "bad toml": "not valid toml",
        "bad json": "not valid json",
        "not utf-8": "not valid toml",
    }
    for name, path in cases.items():
        with pytest.raises(InvalidValueError) as caught:
            YearSchedule.load(path)
        assert caught.value.field == "path", name
        assert caught.value.value == str(path), name
        assert problems[name] in caught.value.problem, name


def test_a_bad_schedule_in_a_file_names_the_file_and_the_field(tmp_path):
    both = tmp_path / "both.toml"
    both.write_text(
        MADE_UP_2027_TOML.replace('"春节" = ["2027-02-13"]', '"春节" = ["2027-02-06"]'),
        encoding="utf-8",
    )
    with pytest.raises(InconsistentRecordError) as caught:
        YearSchedule.load(both)
    assert caught.value.field == "both.toml: YearSchedule.workdays[2027-02-06]"
    as_list = tmp_path / "list.json"
    as_list.write_text("[2027]", encoding="utf-8")
    with pytest.raises(InvalidTypeError) as caught:
        YearSchedule.load(as_list)
    assert caught.value.field == "list.json: schedule"
    datetime_entry = tmp_path / "datetime.toml"
    datetime_entry.write_text('year = 2027\n[holidays]\n"元旦" = [2027-01-01T00:00:00]\n')
    with pytest.raises(InvalidTypeError) as caught:
        YearSchedule.load(datetime_entry)
    assert caught.value.field == "datetime.toml: schedule.holidays[元旦]"


def test_a_refused_addition_leaves_the_calendar_as_it_was():
    original = china_calendar()
    before = (original.years, original.schedules)
    for bad in (YearSchedule(year=2028), original.schedule(2025)):
        with pytest.raises(BanshishiError):
            original.with_schedule(bad)
    assert (original.years, original.schedules) == before
    assert original is china_calendar()


def test_a_make_up_day_may_not_cross_into_the_previous_year():
    # A real notice can reach back into December (the 2007 notice made 2006-12-30/31
    # working days). A schedule is one calendar year, so such days must go into the
    # previous year's schedule; a 2027 schedule naming 2026 dates is refused.
    with pytest.raises(InvalidValueError) as caught:
        YearSchedule.from_dict(made_up(workdays={"元旦": ["2026-12-26"]}))
    assert caught.value.field == "schedule.workdays[元旦]"
    assert caught.value.value == "2026-12-26"
    assert china_calendar().holiday(day("2006-12-30")) == "元旦"  # kept in 2006's schedule
    assert china_calendar().is_workday(day("2006-12-31")) is True


# -- to_dict ---------------------------------------------------------------------------------

LABELS = st.sampled_from(["元旦", "春节", "国庆节"])


@st.composite
def schedules(draw: st.DrawFn) -> YearSchedule:
    year = draw(st.integers(min_value=1949, max_value=2200))
    all_days = days_of(year)
    # Runs of days, so that ranges (same name, consecutive) actually occur.
    off: dict[dt.date, str] = {}
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(all_days) - 1))
        length = draw(st.integers(1, 9))
        label = draw(LABELS)
        for d in all_days[start : start + length]:
            off[d] = label
    weekends = [d for d in all_days if d.weekday() >= 5 and d not in off]
    worked = draw(st.lists(st.sampled_from(weekends), max_size=6, unique=True))
    return YearSchedule(year=year, holidays=off, workdays={d: draw(LABELS) for d in worked})


DAY_OR_RANGE = re.compile(r"\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?")


@given(schedule=schedules())
def test_to_dict_round_trips_through_from_dict_and_json(schedule):
    data = schedule.to_dict()
    assert YearSchedule.from_dict(data) == schedule
    assert YearSchedule.from_dict(json.loads(json.dumps(data))) == schedule
    # Consecutive days of one name are written as one range, never as two touching ones.
    for part in ("holidays", "workdays"):
        for label, entries in data[part].items():
            assert all(DAY_OR_RANGE.fullmatch(entry) for entry in entries)
            bounds = [(day(e.partition("/")[0]), day(e.partition("/")[2] or e)) for e in entries]
            for (_, end), (start, _) in itertools.pairwise(bounds):
                assert start > end + ONE_DAY, (label, entries)


def test_to_dict_of_an_official_year_is_the_notice_in_ranges():
    data = china_calendar().schedule(2026).to_dict()
    assert data["year"] == 2026
    assert data["holidays"]["春节"] == ["2026-02-15/2026-02-23"]
    assert data["workdays"]["春节"] == ["2026-02-14", "2026-02-28"]
    assert YearSchedule.from_dict(data) == china_calendar().schedule(2026)
