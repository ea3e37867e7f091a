"""Time: RFC 9557 text for instants, clocks, and aware datetimes in models."""

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pendulum import DateTime

from banshishi import (
    DEFAULT_TIMEZONE,
    BanshishiError,
    Channel,
    Clock,
    Feedback,
    FeedbackMethod,
    FixedClock,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    NaiveDatetimeError,
    SystemClock,
    Urgency,
    format_instant,
    parse_instant,
)
from strategies import ZONES, fixed_offset_moments, moments

EPOCH = dt.datetime(1970, 1, 1)

stdlib_aware = st.datetimes(
    min_value=dt.datetime(2004, 1, 1),
    max_value=dt.datetime(2030, 12, 31),
    timezones=st.sampled_from([ZoneInfo(zone) for zone in ZONES]),
    allow_imaginary=False,
)


def micros(moment: dt.datetime) -> int:
    """The instant as whole microseconds since 1970, however the zone is held."""
    wall = dt.datetime(*moment.timetuple()[:6], moment.microsecond)
    return (wall - moment.utcoffset() - EPOCH) // dt.timedelta(microseconds=1)


@given(moment=moments())
@example(moment=pendulum.datetime(2025, 11, 2, 6, 30, tz="UTC").in_timezone("America/New_York"))
@example(moment=pendulum.datetime(2025, 10, 26, 1, 30, tz="UTC").in_timezone("Europe/London"))
def test_a_named_zone_round_trips_through_text(moment):
    text = format_instant(moment)
    parsed = parse_instant(text)
    assert isinstance(parsed, DateTime)
    assert micros(parsed) == micros(moment)
    assert parsed.timezone_name == moment.timezone_name
    assert parsed.utcoffset() == moment.utcoffset()
    assert format_instant(parsed) == text


@given(moment=moments())
def test_a_named_zone_is_written_in_brackets_after_the_offset(moment):
    text = format_instant(moment)
    assert text == f"{moment.isoformat()}[{moment.timezone_name}]"
    assert dt.datetime.fromisoformat(text.partition("[")[0]).utcoffset() == moment.utcoffset()


@given(moment=fixed_offset_moments())
@example(moment=pendulum.datetime(2026, 1, 1, tz="UTC").in_timezone(pendulum.FixedTimezone(0)))
def test_a_fixed_offset_round_trips_without_gaining_a_zone_name(moment):
    text = format_instant(moment)
    assert "[" not in text
    assert text == moment.isoformat()
    parsed = parse_instant(text)
    assert micros(parsed) == micros(moment)
    assert parsed.utcoffset() == moment.utcoffset()
    assert isinstance(parsed.tzinfo, pendulum.FixedTimezone)
    assert format_instant(parsed) == text


@pytest.mark.parametrize("text", ["2026-02-14T09:30:00", "2026-02-14T09:30:00.5"])
def test_text_without_an_offset_is_refused_as_naive(text):
    with pytest.raises(NaiveDatetimeError, match=r"Issue\.received_at") as caught:
        parse_instant(text, field="Issue.received_at")
    assert caught.value.field == "Issue.received_at"
    assert caught.value.value == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-14",
        "2026-02-14 09:30+08:00",
        "20260214T093000+0800",
        "2026-W07-6T09:30:00+08:00",
    ],
)
def test_iso_forms_that_are_not_rfc_3339_are_refused(text):
    with pytest.raises(InvalidValueError, match="RFC 3339") as caught:
        parse_instant(text)
    assert caught.value.value == text


def test_rfc_3339_details_are_read_as_the_rfc_allows():
    seven = parse_instant("2026-02-14T09:30:00.1234567+08:00")  # any number of digits
    assert seven.microsecond == 123456
    assert parse_instant("2026-02-14t01:30:00z") == parse_instant("2026-02-14T01:30:00Z")
    # "Z" with a zone: the UTC time is known and the local offset comes from the zone.
    zoned = parse_instant("2026-02-14T01:30:00Z[Asia/Shanghai]")
    assert (zoned.hour, zoned.timezone_name) == (9, "Asia/Shanghai")
    with pytest.raises(InvalidValueError, match="leap second"):
        parse_instant("2016-12-31T23:59:60Z")
    with pytest.raises(InvalidValueError, match="RFC 3339"):
        parse_instant("２０２６-02-14T09:30:00+08:00")  # full-width digits


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules"])
def test_zone_names_that_depend_on_the_host_are_refused(zone):
    with pytest.raises(InvalidValueError, match="unknown time zone"):
        parse_instant(f"2026-02-14T09:30:00+08:00[{zone}]")


@pytest.mark.parametrize(
    "text",
    ["9999-12-31T23:59:59-05:00[America/New_York]", "0001-01-01T00:00:00+08:00[Asia/Shanghai]"],
)
def test_instants_beyond_the_representable_range_are_refused_clearly(text):
    with pytest.raises(InvalidValueError, match="range") as caught:
        parse_instant(text)
    assert caught.value.value == text


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01T00:00:00+08:00", "09:30+08:00"])
def test_garbage_is_refused(text):
    with pytest.raises(InvalidValueError, match="RFC 3339") as caught:
        parse_instant(text)
    assert caught.value.field == "moment"
    assert caught.value.value == text


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "+08:00", "../etc/passwd", "Asia/Shanghai][", "", "Asia"]
)
def test_an_unknown_zone_name_is_refused(zone):
    text = f"2026-02-14T09:30:00+08:00[{zone}]"
    with pytest.raises(InvalidValueError, match="unknown time zone") as caught:
        parse_instant(text, field="Event.at")
    assert caught.value.field == "Event.at"
    assert caught.value.value == text


def test_an_offset_contradicting_its_zone_is_refused():
    text = "2026-01-01T00:00:00+05:00[Asia/Shanghai]"
    with pytest.raises(InvalidValueError, match="contradicts") as caught:
        parse_instant(text)
    assert caught.value.value == text


@pytest.mark.parametrize(
    "value", [None, 20260214, b"2026-02-14T09:30:00+08:00", pendulum.datetime(2026, 2, 14)]
)
def test_parse_refuses_anything_but_text(value):
    with pytest.raises(InvalidTypeError, match="must be RFC 3339 text") as caught:
        parse_instant(value)
    assert caught.value.value is value


@given(
    text=st.text(max_size=40) | st.builds(lambda s: f"2026-01-01T00:00:00+08:00[{s}]", st.text())
)
def test_parse_raises_only_library_errors(text):
    try:
        parsed = parse_instant(text)
    except BanshishiError:
        return
    assert parsed.utcoffset() is not None


def test_format_refuses_a_naive_datetime():
    with pytest.raises(NaiveDatetimeError) as caught:
        format_instant(dt.datetime(2026, 2, 14, 9, 30))
    assert caught.value.field == "moment"


@given(start=moments(), hours=st.integers(min_value=0, max_value=10_000))
def test_a_fixed_clock_says_the_same_moment_until_moved(start, hours):
    clock = FixedClock(start)
    assert clock.now() == start
    assert clock.now() == start
    assert clock.advance(hours=hours) is clock
    assert clock.now() == start.add(hours=hours)
    assert clock.now().timezone_name == start.timezone_name


@given(start=moments(), later=stdlib_aware)
def test_set_moves_a_fixed_clock_to_any_aware_moment(start, later):
    clock = FixedClock(start)
    assert clock.set(later) is clock
    assert isinstance(clock.now(), DateTime)
    assert micros(clock.now()) == micros(later)


@given(start=moments())
def test_setting_a_naive_moment_is_refused_and_changes_nothing(start):
    clock = FixedClock(start)
    naive = dt.datetime(2026, 2, 14, 9, 30)
    with pytest.raises(NaiveDatetimeError, match=r"FixedClock\.moment") as caught:
        clock.set(naive)
    assert caught.value.field == "FixedClock.moment"
    assert caught.value.value == naive
    assert clock.now() is start


@pytest.mark.parametrize(
    ("value", "error"),
    [(dt.datetime(2026, 2, 14), NaiveDatetimeError), ("2026-02-14", InvalidTypeError)],
)
def test_a_fixed_clock_cannot_start_from_a_non_aware_value(value, error):
    with pytest.raises(error) as caught:
        FixedClock(value)
    assert caught.value.field == "FixedClock.moment"


def test_the_system_clock_is_aware_and_in_china_standard_time_by_default():
    before = pendulum.now("UTC")
    now = SystemClock().now()
    after = pendulum.now("UTC")
    assert isinstance(now, DateTime)
    assert now.utcoffset() is not None
    assert now.timezone_name == DEFAULT_TIMEZONE == "Asia/Shanghai"
    assert before <= now <= after


def test_the_system_clock_can_read_another_zone():
    assert SystemClock("Asia/Urumqi").now().timezone_name == "Asia/Urumqi"


def test_both_clocks_satisfy_the_clock_protocol_and_other_things_do_not():
    assert isinstance(SystemClock(), Clock)
    assert isinstance(FixedClock(pendulum.now()), Clock)
    assert not isinstance(object(), Clock)
    assert not isinstance("2026-02-14T09:30:00+08:00", Clock)


@given(moment=stdlib_aware)
def test_a_model_stores_a_stdlib_aware_datetime_as_pendulum_keeping_its_zone(moment):
    feedback = Feedback(at=moment, content="已回复", method=FeedbackMethod.PHONE)
    assert isinstance(feedback.at, DateTime)
    assert micros(feedback.at) == micros(moment)
    assert feedback.at.timezone_name == moment.tzinfo.key
    assert feedback.at.utcoffset() == moment.utcoffset()


@given(moment=stdlib_aware)
def test_an_issue_stores_a_stdlib_aware_receipt_time_as_pendulum(moment):
    issue = Issue(
        id="i-1",
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=moment,
    )
    assert isinstance(issue.received_at, DateTime)
    assert micros(issue.received_at) == micros(moment)
    assert issue.received_at.timezone_name == moment.tzinfo.key


def test_a_naive_receipt_time_is_refused_naming_the_field():
    naive = dt.datetime(2026, 2, 14, 9, 30)
    with pytest.raises(NaiveDatetimeError, match=r"Issue\.received_at") as caught:
        Issue(
            id="i-1",
            title="路灯不亮",
            channel=Channel.HOTLINE,
            urgency=Urgency.URGENT,
            received_at=naive,
        )
    assert caught.value.field == "Issue.received_at"
    assert caught.value.value == naive
    assert isinstance(caught.value, ValueError)
