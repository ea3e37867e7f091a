"""Deadlines across the year end: statutory holidays of any year, provisional
years in the calendar and the policy, provisional deadlines marked wherever they
are recorded, and their restatement once the official schedule is loaded.

The 2027 schedule below is MADE UP for these tests (not the State Council's
notice): it has the statutory days, two bridging days off after 春节 and a
make-up working Saturday, the shape a real notice has.
"""

import csv
import datetime as dt
import io
import json
import shutil
import sqlite3
from pathlib import Path

import holidays
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pendulum import DateTime

import paths
from banshishi import (
    Actor,
    Channel,
    DismissalReason,
    DuplicateError,
    InconsistentRecordError,
    InvalidValueError,
    Issue,
    IssueStatus,
    IssueSummary,
    IssueWorkflow,
    Ledger,
    LedgerStore,
    PreconditionError,
    Role,
    RoleError,
    StoreError,
    TimeLimit,
    Track,
    UnknownYearError,
    Urgency,
    WorkCalendar,
    WorkflowPolicy,
    WorkingHours,
    YearSchedule,
    china_calendar,
    periodic_csv_rows,
    periodic_html,
    periodic_record,
    periodic_report,
    provisional_schedule,
    read_ledger_csv,
    replay,
    restate_deadlines,
    restatement_of,
    statutory_days,
    write_ledger_csv,
)
from banshishi._cli.main import main
from banshishi._store.schema_upgrade import provisional_column
from banshishi._store.sqlite_file import SCHEMA
from banshishi.simulation import simulate_campaign
from cast import DESK_CLERK as CLERK
from cast import DESK_DISPATCHER as DISPATCHER

SH = "Asia/Shanghai"
CALENDAR = china_calendar()
OFFICIAL = CALENDAR.years
LEADER = Actor(id="leader", role=Role.LEADER, unit="county")
SYSTEM = Actor(id="platform", role=Role.SYSTEM)
LIMITS = {Track.IMMEDIATE: "1 working day", Track.JOINT: "15 working days"}

MADE_UP_2027 = YearSchedule.from_dict(
    {
        "year": 2027,
        "holidays": {
            "元旦": ["2027-01-01/2027-01-03"],
            "春节": ["2027-02-05/2027-02-11"],  # statutory 5–8 Feb, bridging 9–11
            "清明": ["2027-04-05"],
            "劳动节": ["2027-05-01/2027-05-05"],
            "端午": ["2027-06-09"],
            "中秋": ["2027-09-15"],
            "国庆节": ["2027-10-01/2027-10-07"],
        },
        "workdays": {"春节": ["2027-02-13"], "劳动节": ["2027-05-08"]},  # Saturdays
    }
)
OFFICIAL_2027 = WorkingHours(calendar=CALENDAR.with_schedule(MADE_UP_2027))


def sh(*parts: int) -> DateTime:
    return pendulum.datetime(*parts, tz=SH)


def policy(**settings: object) -> WorkflowPolicy:
    return WorkflowPolicy(time_limits=LIMITS, **settings)  # type: ignore[arg-type]


def received(issue_id: str, at: DateTime, urgency: Urgency = Urgency.DIFFICULT) -> Issue:
    return Issue(
        id=issue_id, title="路灯不亮", channel=Channel.HOTLINE, urgency=urgency, received_at=at
    )


# -- 1. statutory holidays of any year ------------------------------------------------------


@given(st.sampled_from(OFFICIAL))
def test_every_statutory_day_is_off_in_the_official_schedule(year: int) -> None:
    days = statutory_days(year)
    assert days, year
    for day, name in days.items():
        assert day.year == year
        assert not CALENDAR.is_workday(day), (day, name)
        official = CALENDAR.holiday(day)
        # Where the official data names the day (it leaves some weekends unnamed), it
        # names the same holiday (on a coincidence of two, one of them).
        if official is not None:
            assert any(part[:2] in official for part in name.split("、")), (day, name, official)


@given(st.integers(2027, 2099))
def test_future_statutory_days_are_those_of_the_holidays_package(year: int) -> None:
    package = holidays.China(years=year, observed=False, language="zh_CN")
    statutory = {day for day, name in package.items() if not name.startswith("休息日")}
    assert set(statutory_days(year)) == statutory


def test_the_2025_rules_give_thirteen_days() -> None:
    for year in (2025, 2026, 2027, 2050):
        days = statutory_days(year)
        assert len(days) == 13 or any("、" in name for name in days.values()), year
    days = statutory_days(2027)
    assert [d.isoformat() for d, n in days.items() if n == "春节"] == [
        "2027-02-05",
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
    ]
    assert days[dt.date(2027, 5, 2)] == "劳动节"
    assert statutory_days(2028)[dt.date(2028, 10, 3)] == "中秋、国庆节"  # in the rules' order
    assert len(statutory_days(2020)) == 10  # 2014 rules: 春节 3 days, 劳动节 1, 中秋 on 国庆


@pytest.mark.parametrize("year", [1999, 2100, "2027", True])
def test_statutory_days_refuse_a_year_outside_the_rules(year: object) -> None:
    with pytest.raises(
        InvalidValueError if isinstance(year, int) and not isinstance(year, bool) else TypeError
    ) as caught:
        statutory_days(year)  # type: ignore[arg-type]
    assert getattr(caught.value, "field", "year") == "year"


def test_a_provisional_schedule_has_the_statutory_days_and_no_make_up_days() -> None:
    schedule = provisional_schedule(2027)
    assert dict(schedule.holidays) == dict(statutory_days(2027))
    assert dict(schedule.workdays) == {}


# -- 2. provisional years in the calendar and the policy --------------------------------------


def test_a_calendar_stays_strict_unless_asked() -> None:
    with pytest.raises(UnknownYearError) as caught:
        CALENDAR.add_working_days(dt.date(2026, 12, 15), 15)
    assert caught.value.year == 2027
    assert "with_provisional_years" in caught.value.hint
    extended = CALENDAR.with_provisional_years(2)
    assert extended.official_years == OFFICIAL
    assert extended.provisional_years == range(OFFICIAL.stop, OFFICIAL.stop + 2)
    assert extended.add_working_days(dt.date(2026, 12, 15), 15) == dt.date(2027, 1, 6)
    assert not extended.is_provisional(dt.date(2026, 12, 31))
    assert extended.is_provisional(dt.date(2027, 1, 4))
    assert extended.with_provisional_years(0) == CALENDAR
    assert extended != CALENDAR
    with pytest.raises(UnknownYearError):
        extended.is_workday(dt.date(2029, 1, 2))


@given(st.integers(0, 3), st.dates(dt.date(2027, 1, 1), dt.date(2028, 12, 31)))
def test_a_provisional_day_is_off_exactly_on_weekends_and_statutory_days(
    count: int, day: dt.date
) -> None:
    calendar = CALENDAR.with_provisional_years(count)
    if day.year >= calendar.years.stop:
        with pytest.raises(UnknownYearError):
            calendar.is_workday(day)
        return
    off = day.weekday() >= 5 or day in statutory_days(day.year)
    assert calendar.is_workday(day) is not off
    assert calendar.is_provisional(day)


def test_loading_the_official_schedule_takes_the_place_of_the_provisional_year() -> None:
    extended = CALENDAR.with_provisional_years(2)
    loaded = extended.with_schedule(MADE_UP_2027)
    assert loaded.official_years == range(OFFICIAL.start, 2028)
    assert loaded.provisional_years == range(2028, 2029)
    assert not loaded.is_workday(dt.date(2027, 2, 10))  # a bridging day off
    assert extended.is_workday(dt.date(2027, 2, 10))
    assert loaded.is_workday(dt.date(2027, 2, 13))  # the make-up Saturday
    assert repr(loaded) == "WorkCalendar(2004–2027, provisional 2028)"
    with pytest.raises(DuplicateError):
        WorkCalendar(CALENDAR.schedules, provisional=[provisional_schedule(2025)])
    with pytest.raises(InvalidValueError):  # a hole between the official and the provisional
        WorkCalendar(CALENDAR.schedules, provisional=[provisional_schedule(2028)])


def test_the_policy_counts_into_provisional_years_by_default_and_refuses_when_strict() -> None:
    start = sh(2026, 12, 15, 10)
    limit = TimeLimit.working_days(15)
    default = policy()
    assert default.provisional_years == 2
    due = default.after(start, limit)
    assert due == sh(2027, 1, 6, 17, 30)
    assert default.is_provisional(due, limit)
    assert not default.is_provisional(due, dt.timedelta(days=22))  # elapsed time is never
    assert not default.is_provisional(sh(2026, 12, 31, 17, 30), limit)
    with pytest.raises(UnknownYearError):
        policy(provisional_years=0).after(start, limit)
    with pytest.raises(InvalidValueError) as caught:
        policy(provisional_years=-1)
    assert caught.value.field == "WorkflowPolicy.provisional_years"


# -- 3. provisional deadlines, marked wherever they are recorded ------------------------------


def transferred_ledger(at: DateTime, limit: str | None = None, **settings: object) -> Ledger:
    """Issue "a", received an hour before ``at`` and transferred at ``at`` (with
    ``limit``, or the policy's 15 working days)."""
    ledger = Ledger(policy=policy(**settings))
    ledger.receive(received("a", at.subtract(hours=1)), actor=CLERK)
    given = {} if limit is None else {"limit": limit}
    ledger.apply(
        "a", "transfer", actor=DISPATCHER, at=at, unit="roads", co_units=("water",), **given
    )
    return ledger


def test_a_transfer_on_15_december_gets_a_provisional_deadline() -> None:
    ledger = transferred_ledger(sh(2026, 12, 15, 10))
    issue = ledger.issue("a")
    assert issue.deadline == sh(2027, 1, 6, 17, 30)
    data = dict(ledger.history("a")[-1].data)
    assert (data["provisional"], data["limit"]) == (True, "15 working days")
    assert issue.deadline_provisional_as_of()
    assert not issue.deadline_provisional_as_of(sh(2026, 12, 15, 9, 30))  # before the transfer
    line = IssueSummary.of(issue, version=2)
    assert line.deadline_provisional
    assert replay(ledger.history("a"), policy=policy(provisional_years=0)) == issue


def test_a_deadline_inside_the_official_year_is_not_provisional() -> None:
    ledger = transferred_ledger(sh(2026, 11, 2, 10))
    assert "provisional" not in ledger.history("a")[-1].data
    assert not ledger.issue("a").deadline_provisional_as_of()


def test_sign_for_on_31_december_under_the_default_policy() -> None:
    """From 31 December not even one working day fits in 2026: 即办 still works."""
    issue = received("b", sh(2026, 12, 31, 9), urgency=Urgency.URGENT)
    handler = Actor(id="h", role=Role.HANDLER, unit="centre")
    issue = Issue(**{**issue.as_record(), "received_by": "centre"})
    workflow = IssueWorkflow(issue, policy=policy())
    event = workflow.sign_for(actor=handler, at=sh(2026, 12, 31, 10))
    assert issue.deadline == sh(2027, 1, 4, 17, 30)
    assert dict(event.data)["provisional"] is True
    assert dict(event.data)["limit"] == "1 working day"


def test_an_extension_and_a_limit_given_with_the_step_are_marked_too() -> None:
    ledger = transferred_ledger(sh(2026, 11, 2, 10))
    ledger.apply(
        "a",
        "extend",
        actor=LEADER,
        at=sh(2026, 11, 20, 10),
        note="延期",
        extension="30 working days",
    )
    data = dict(ledger.history("a")[-1].data)
    assert data["provisional"] is True
    assert "limit" not in data
    ledger.receive(received("c", sh(2026, 12, 1, 9)), actor=CLERK)
    ledger.apply(
        "c",
        "transfer",
        actor=DISPATCHER,
        at=sh(2026, 12, 1, 10),
        unit="roads",
        co_units=("water",),
        limit="40 working days",
    )
    assert dict(ledger.history("c")[-1].data)["limit"] == "40 working days"
    assert ledger.issue("c").deadline_provisional_as_of()


def test_provisional_without_its_limit_is_refused() -> None:
    ledger = Ledger(policy=policy())
    ledger.receive(received("a", sh(2026, 12, 1, 9)), actor=CLERK)
    with pytest.raises(PreconditionError) as caught:
        ledger.apply(
            "a",
            "transfer",
            actor=DISPATCHER,
            at=sh(2026, 12, 1, 10),
            unit="roads",
            co_units=("w",),
            deadline=sh(2027, 1, 8, 17, 30),
            provisional=True,
        )
    assert caught.value.field == "transfer.provisional"
    assert ledger.status("a") is IssueStatus.RECEIVED


# -- 4. restating once the official schedule is out -------------------------------------------


def busy_ledger() -> Ledger:
    """Open items whose provisional deadlines the made-up 2027 schedule moves, keeps
    or leaves alone, and a closed one."""
    ledger = Ledger(policy=policy())
    moments = {
        "moves": (sh(2026, 12, 15, 10), "45 working days"),  # through 春节's bridging days
        "stays": (sh(2026, 12, 15, 10), "15 working days"),  # 6 January either way
        "official": (sh(2026, 11, 2, 10), "15 working days"),  # all in 2026
        "closed": (sh(2026, 12, 16, 10), "45 working days"),
    }
    for issue_id, (at, limit) in moments.items():
        ledger.receive(received(issue_id, at.subtract(hours=1)), actor=CLERK)
        ledger.apply(
            issue_id,
            "transfer",
            actor=DISPATCHER,
            at=at,
            unit="roads",
            co_units=("water",),
            limit=limit,
        )
    ledger.apply(
        "closed",
        "dismiss",
        actor=DISPATCHER,
        at=sh(2026, 12, 17, 10),
        reason=DismissalReason.WITHDRAWN,
        note="撤回",
    )
    return ledger


def test_restating_moves_exactly_the_deadlines_the_official_schedule_changes() -> None:
    ledger = busy_ledger()
    before = {issue.id: issue.deadline for issue in ledger.issues()}
    assert before["moves"] == sh(2027, 2, 19, 17, 30)  # provisionally
    new = policy(working_hours=OFFICIAL_2027)
    expected = {
        issue_id: new.after(ledger.history(issue_id)[1].at, TimeLimit.parse(limit))
        for issue_id, limit in (("moves", "45 working days"), ("stays", "15 working days"))
    }
    assert expected["moves"] == sh(2027, 2, 23, 17, 30)  # 9–11 Feb off, 13 Feb worked
    assert expected["stays"] == before["stays"]
    ledger.policy = new
    found = restate_deadlines(ledger, sh(2026, 12, 20, 9))
    assert {r.issue_id: r.deadline for r in found} == expected
    assert {r.issue_id for r in found if r.moves} == {"moves"}
    for restatement in found:
        issue = ledger.issue(restatement.issue_id)
        last = ledger.history(restatement.issue_id)[-1]
        assert (last.name, last.actor, last.role) == (
            "restate_deadline",
            "holiday-schedule",
            Role.SYSTEM,
        )
        assert dict(last.data)["previous"] == before[restatement.issue_id].isoformat() + (
            "[Asia/Shanghai]"
        )
        assert issue.deadline == expected[restatement.issue_id]
        assert not issue.deadline_provisional_as_of()
        # What was known when: before the restatement, the provisional deadline.
        assert issue.deadline_as_of(sh(2026, 12, 19)) == before[restatement.issue_id]
        assert issue.deadline_provisional_as_of(sh(2026, 12, 19))
        assert replay(ledger.history(restatement.issue_id), policy=policy()) == issue
    assert ledger.issue("closed").deadline == before["closed"]
    assert ledger.issue("official").deadline == before["official"]
    assert restate_deadlines(ledger, sh(2026, 12, 21, 9)) == ()  # nothing left to do


def test_an_extension_of_a_provisional_deadline_is_counted_from_the_restated_one() -> None:
    ledger = transferred_ledger(sh(2026, 12, 15, 10), limit="30 working days")
    ledger.apply(
        "a", "extend", actor=LEADER, at=sh(2027, 1, 5, 10), note="延期", extension="10 working days"
    )
    new = policy(working_hours=OFFICIAL_2027)
    first = new.after(sh(2026, 12, 15, 10), TimeLimit.working_days(30))
    expected = new.after(first, TimeLimit.working_days(10))
    restatement = restatement_of(ledger.issue("a"), new)
    assert restatement is not None
    assert restatement.deadline == expected
    assert restatement.previous == ledger.issue("a").deadline != expected


def test_a_restatement_still_in_a_provisional_year_stays_marked() -> None:
    ledger = transferred_ledger(sh(2026, 12, 15, 10), limit="300 working days")
    ledger.policy = policy(working_hours=OFFICIAL_2027)
    (restatement,) = restate_deadlines(ledger, sh(2026, 12, 20, 9))
    assert restatement.provisional
    assert restatement.deadline.year == 2028
    assert ledger.issue("a").deadline_provisional_as_of()
    assert dict(ledger.history("a")[-1].data)["limit"] == "300 working days"


def test_only_the_platform_restates_and_it_names_the_deadline_in_force() -> None:
    ledger = busy_ledger()
    args = {"previous": ledger.issue("moves").deadline, "deadline": sh(2027, 3, 1, 17, 30)}
    with pytest.raises(RoleError):
        ledger.apply("moves", "restate_deadline", actor=DISPATCHER, at=sh(2026, 12, 20), **args)
    wrong = {**args, "previous": sh(2027, 1, 1, 17, 30)}
    with pytest.raises(InconsistentRecordError) as caught:
        ledger.apply("moves", "restate_deadline", actor=SYSTEM, at=sh(2026, 12, 20), **wrong)
    assert caught.value.field == "restate_deadline.previous"
    assert len(ledger.history("moves")) == 2


# -- 5. the store: summary lines, restating, migration ----------------------------------------


def test_the_store_restates_through_audited_steps_and_verify_deep_holds(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True, policy=policy()) as store:
        store.write_ledgers(busy_ledger())
        lines = {line.id: line for line in store.summaries()}
        assert {i for i, line in lines.items() if line.deadline_provisional} == {
            "moves",
            "stays",
            "closed",
        }
    loaded = policy(working_hours=OFFICIAL_2027)
    with pytest.raises(StoreError) as refused:  # the ledger keeps the policy it was made with
        LedgerStore.open(path, policy=loaded)
    assert (refused.value.field, refused.value.value) == ("policy", ["working_hours"])
    with LedgerStore.open(path) as store:
        planned = store.restate_deadlines(at=sh(2026, 12, 20, 9), dry_run=True, policy=loaded)
        assert {r.issue_id for r in planned} == {"moves", "stays"}
        assert store.version("moves") == 2  # a dry run writes nothing
        store.change_policy(loaded, at=sh(2026, 12, 20, 9), note="2027 schedule published")
        done = store.restate_deadlines(at=sh(2026, 12, 20, 9))
        assert done == planned
        assert store.version("moves") == 3
        lines = {line.id: line for line in store.summaries()}
        assert not lines["moves"].deadline_provisional
        assert lines["moves"].deadline == sh(2027, 2, 23, 17, 30)
        assert lines["closed"].deadline_provisional  # the deadline it had stays
        assert store.verify(deep=True)
        assert store.restate_deadlines(at=sh(2026, 12, 21, 9)) == ()


def test_a_ledger_of_schema_1_is_brought_up_to_date_on_open(tmp_path: Path) -> None:
    """tests/data/schema1-ledger.db was written before the column existed."""
    path = tmp_path / "old.db"
    shutil.copyfile(paths.DATA / "schema1-ledger.db", path)
    with LedgerStore.open(path) as store:
        lines = store.summaries()
        assert [line.id for line in lines] == ["q1", "q2", "q3"]
        assert lines == [IssueSummary.of(store.issue(line.id), version=2) for line in lines]
        assert not any(line.deadline_provisional for line in lines)
        assert store.verify(deep=True)
    db = sqlite3.connect(path)
    columns = {row[1] for row in db.execute("PRAGMA table_info(issues)")}
    schema = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    db.close()
    assert "deadline_provisional" in columns
    assert schema == (str(SCHEMA),)


def test_a_read_only_ledger_of_schema_1_is_read_with_the_column_as_0(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(paths.DATA / "schema1-ledger.db", path)
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    provisional_column(db)
    assert db.execute("SELECT id, deadline_provisional FROM issues ORDER BY id").fetchall() == [
        ("q1", 0),
        ("q2", 0),
        ("q3", 0),
    ]
    db.close()
    db = sqlite3.connect(path)
    assert "deadline_provisional" not in {r[1] for r in db.execute("PRAGMA table_info(issues)")}
    db.close()


# -- 6. the command line ----------------------------------------------------------------------

SCHEDULE_TOML = """\
# A MADE-UP schedule for 2027 (tests only; not the official notice).
year = 2027
[holidays]
"元旦" = ["2027-01-01/2027-01-03"]
"春节" = ["2027-02-05/2027-02-11"]
"清明" = ["2027-04-05"]
"劳动节" = ["2027-05-01/2027-05-05"]
"端午" = ["2027-06-09"]
"中秋" = ["2027-09-15"]
"国庆节" = ["2027-10-01/2027-10-07"]
[workdays]
"春节" = ["2027-02-13"]
"劳动节" = ["2027-05-08"]
"""


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_calendar_load_restates_a_ledger_and_dry_run_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, schedule = tmp_path / "ledger.db", tmp_path / "2027.toml"
    schedule.write_text(SCHEDULE_TOML, encoding="utf-8")
    assert YearSchedule.load(schedule) == MADE_UP_2027
    with LedgerStore.open(path, create=True, policy=policy()) as store:
        store.write_ledgers(busy_ledger())
    before = path.read_bytes()
    at = "2026-12-20T09:00:00+08:00"
    code, out, _ = cli(
        capsys, "calendar", "load", schedule, "--db", path, "--dry-run", "--as-of", at
    )
    assert code == 0
    assert "moves: 2027-02-19 17:30 -> 2027-02-23 17:30, moves" in out
    assert "stays: 2027-01-06 17:30 -> 2027-01-06 17:30, kept" in out
    assert "would restate 2 provisional deadlines: 1 moved, 1 kept." in out
    with LedgerStore.open(path) as store:
        assert store.version("moves") == 2
    code, out, _ = cli(
        capsys, "calendar", "load", schedule, "--db", path, "--as-of", at, "--format", "json"
    )
    assert code == 0
    listed = {item["issue_id"]: item for item in json.loads(out)}
    assert listed["moves"]["deadline"] == "2027-02-23T17:30:00+08:00[Asia/Shanghai]"
    assert (listed["moves"]["moves"], listed["stays"]["moves"]) == (True, False)
    with LedgerStore.open(path) as store:
        assert store.history("moves")[-1].name == "restate_deadline"
        assert store.verify(deep=True)
        # The loaded schedule is a change of the ledger's policy, recorded before the steps.
        *_, loaded = store.policy_history()
        assert (loaded.version, loaded.change.note) == (2, "calendar load: 2027.toml")
        assert store.policy.working_hours.calendar.schedule(2027) == MADE_UP_2027
        assert store.policy.time_limits == policy().time_limits  # the rest kept as it was
    assert path.read_bytes() != before
    code, out, _ = cli(capsys, "calendar", "load", schedule, "--db", path, "--as-of", at)
    assert (code, out.strip()) == (0, "restated 0 provisional deadlines: 0 moved, 0 kept.")
    with LedgerStore.open(path) as store:
        assert store.policy_version() == 2  # the same calendar again changes nothing


def test_calendar_show_and_bad_schedules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "calendar", "show")
    assert code == 0
    last = OFFICIAL.stop - 1
    assert f"official: 2004–{last}" in out
    assert f"provisional (statutory holidays only): {last + 1}–{last + 2}" in out
    schedule = tmp_path / "2027.toml"
    schedule.write_text(SCHEDULE_TOML, encoding="utf-8")
    assert "official: 2004–2027" in cli(capsys, "calendar", "show", schedule)[1]
    gap = tmp_path / "2028.toml"
    gap.write_text('year = 2028\n[holidays]\n"元旦" = ["2028-01-01"]\n', encoding="utf-8")
    code, _, err = cli(capsys, "calendar", "show", gap)
    assert code == 2
    assert "skips from 2026 to 2028" in err
    code, _, err = cli(capsys, "calendar", "load", schedule, "--db", tmp_path / "none.db")
    assert code == 2
    assert "does not exist" in err


# -- 7. the mark in reports and the ledger file -----------------------------------------------


def test_reports_and_the_ledger_file_show_a_provisional_deadline() -> None:
    ledger = busy_ledger()
    at = sh(2027, 3, 10, 9)  # "moves", "stays" and "official" are overdue by then
    report = periodic_report(ledger.issues(), period="month", at=at)
    marks = {item.id: item.provisional for item in report.overdue}
    assert marks == {"moves": True, "stays": True, "official": False}
    record = periodic_record(report)
    assert {o["id"]: o["deadline_provisional"] for o in record["overdue"]} == marks
    rows = [row for row in periodic_csv_rows(report) if row[0] == "overdue"]
    assert sum("(provisional)" in str(row[-1]) for row in rows) == 2
    assert periodic_html(report).count("（暂定）") == 2
    text = io.StringIO()
    write_ledger_csv(ledger.issues(), text, language="en")
    read = list(csv.DictReader(io.StringIO(text.getvalue().lstrip("\ufeff"))))
    assert {row["id"]: row["deadline_provisional"] for row in read} == {
        "moves": "yes",
        "stays": "yes",
        "official": "no",
        "closed": "yes",
    }
    back = read_ledger_csv(io.StringIO(text.getvalue()))
    assert {issue.id: issue.deadline for issue in back.issues} == {
        issue.id: issue.deadline for issue in ledger.issues()
    }


# -- 8. the demo campaign into January 2027 ---------------------------------------------------


def test_the_demo_campaign_runs_into_january_2027(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    campaign = simulate_campaign(issues=300, seed=7, start=dt.date(2026, 11, 1))
    assert (campaign.start.date(), campaign.end.date()) == (
        dt.date(2026, 11, 1),
        dt.date(2027, 1, 31),
    )
    issues = list(campaign.ledger.issues())
    assert max(issue.received_at for issue in issues).year == 2027
    provisional = [issue for issue in issues if issue.deadline_provisional_as_of()]
    assert provisional
    assert all(issue.deadline.year >= 2027 for issue in provisional if issue.deadline)
    for issue in provisional:
        assert replay(issue.history, policy=campaign.policy) == issue
    path = tmp_path / "winter.db"
    code, out, _ = cli(
        capsys, "demo", "--db", path, "--issues", 300, "--seed", 7, "--start", "2026-11-01"
    )
    assert code == 0
    assert "2026-11-01 to 2027-01-31" in out
    assert "hash chain intact" in out
    with LedgerStore.open(path) as store:
        lines = store.summaries()
        assert {line.id for line in lines if line.deadline_provisional} >= {
            issue.id
            for issue in provisional
            if issue.status in (IssueStatus.TRANSFERRED, IssueStatus.IN_PROGRESS)
        }
        assert store.verify(deep=True)
    code, _, err = cli(capsys, "demo", "--db", tmp_path / "x.db", "--start", "2026-13-01")
    assert code == 2
    assert "--start" in err
