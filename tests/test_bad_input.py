"""Bad input found under attack (issue 17, items 6 and 8): lone surrogates, JSON
that Python's reader would take on trust, tampered ledgers, holiday schedules
and output paths. Each is refused with the library's own error, naming the
field, and the command line answers with one line and exit code 2."""

import functools
import json
import sqlite3
import string
from pathlib import Path

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    Actor,
    Event,
    InvalidValueError,
    Issue,
    IssueStatus,
    LedgerStore,
    Level,
    NotALedgerError,
    Role,
    StoreError,
    Unit,
    UnitTree,
    YearSchedule,
    import_requests,
    structure,
    unstructure,
)
from banshishi._cli.main import main
from banshishi._core.json_input import MAX_DEPTH, read_json
from cast import CLERK_C1 as CLERK
from cast import DISPATCHER_D1 as DISPATCHER
from cast import new_issue

T0 = pendulum.datetime(2026, 5, 11, 9, tz="Asia/Shanghai")
HALF = "\ud800"  # the first half of a UTF-16 pair, alone


issue = functools.partial(new_issue, received_at=T0, received_by="centre")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.save_units(UnitTree([Unit(id="centre", name="中心", level=Level.COUNTY)]))
        store.receive(issue("a"), actor=CLERK)
        store.receive(issue("b"), actor=CLERK)
        store.apply("a", "transfer", actor=DISPATCHER, at=T0.add(hours=1), unit="u1")
    return path


def edit(path: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(sql, params)
    db.close()


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    last = err.rstrip("\n").rpartition("\n")[2]  # after any progress line
    assert last.startswith("error: ")
    return last


# -- lone surrogates (item 6) -------------------------------------------------------------

with_a_half = st.tuples(st.text(max_size=8), st.characters(categories=["Cs"]), st.text(max_size=8))


@given(parts=with_a_half)
def test_any_text_with_a_lone_surrogate_is_refused_naming_the_field(parts):
    before, half, after = parts
    text = f"x{before}{half}{after}"
    with pytest.raises(InvalidValueError) as refused:
        issue(title=text)
    assert refused.value.field == "Issue.title"
    assert "lone surrogate" in refused.value.problem
    str(refused.value).encode("utf-8")  # the message itself can be printed anywhere


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: issue(f"a{HALF}"), "Issue.id"),
        (lambda: issue(description=HALF), "Issue.description"),
        (lambda: issue(co_units=(f"u{HALF}",)), "Issue.co_units[0]"),
        (lambda: Unit(id="u", name=f"某{HALF}", level=Level.COUNTY), "Unit.name"),
        (lambda: Actor(id=f"z{HALF}", role=Role.DISPATCHER), "Actor.id"),
        (lambda: Actor(id="z", role=Role.DISPATCHER, unit=HALF), "Actor.unit"),
    ],
    ids=["issue-id", "description", "co-unit", "unit-name", "actor-id", "actor-unit"],
)
def test_models_refuse_a_lone_surrogate_in_any_text_field(make, field):
    with pytest.raises(InvalidValueError) as refused:
        make()
    assert refused.value.field == field


def test_event_data_refuses_a_lone_surrogate_in_a_value_or_a_key():
    base = {"name": "receive", "actor": "c-1", "role": Role.INTAKE_CLERK, "at": T0,
            "from_status": None, "to_status": IssueStatus.RECEIVED}  # fmt: skip
    with pytest.raises(InvalidValueError) as refused:
        Event(**base, data={"note": [f"x{HALF}"]})
    assert refused.value.field == "Event.data.note[0]"
    with pytest.raises(InvalidValueError) as refused:
        Event(**base, data={HALF: 1})
    assert refused.value.field == "Event.data (a key)"


def test_structure_refuses_a_lone_surrogate_naming_the_path():
    data = unstructure(issue(requester=None))
    data["title"] = f"路灯{HALF}"
    with pytest.raises(InvalidValueError) as refused:
        structure(data, Issue)
    assert refused.value.field == "Issue.title"


def test_structure_of_a_unit_refuses_a_lone_surrogate():
    with pytest.raises(InvalidValueError) as refused:
        structure({"id": "u", "name": HALF, "level": "county"}, Unit)
    assert refused.value.field == "Unit.name"


REQUEST = {
    "service_request_id": "SR-1",
    "status": "open",
    "service_name": "路灯",
    "description": "路灯不亮",
    "requested_datetime": "2026-09-01T10:15:00+08:00",
}


def test_import_requests_refuses_a_lone_surrogate_from_python_text():
    with pytest.raises(InvalidValueError) as refused:
        import_requests([{**REQUEST, "description": f"路灯{HALF}"}], urgency="urgent")
    assert refused.value.field.startswith("requests[0].description")


def test_import_requests_refuses_a_lone_surrogate_from_a_json_escape():
    text = json.dumps([{**REQUEST, "service_name": "路灯"}]).replace("\\u8def", "\\ud800")
    assert "\\ud800" in text
    with pytest.raises(InvalidValueError) as refused:
        import_requests(text, urgency="urgent")
    assert refused.value.field == "requests[0].service_name"


def test_a_surrogate_pair_escaped_in_json_is_one_character_and_is_kept():
    text = json.dumps([{**REQUEST, "description": "路灯😀"}])  # written as \ud83d\ude00
    assert "\\ud83d\\ude00" in text
    (found,) = import_requests(text, urgency="urgent")
    assert found.title == "路灯😀"


def test_cli_import_of_event_data_holding_a_lone_surrogate_exits_2_and_creates_nothing(
    tmp_path, ledger, capsys
):
    exported = tmp_path / "events.csv"
    assert main(["export", "--db", str(ledger), "-o", str(exported)]) == 0
    text = exported.read_text(encoding="utf-8")
    changed = text.replace('"{""unit"":""u1""', '"{""unit"":""\\ud800""', 1)
    assert changed != text
    # Rewrite the hashes, so that only the surrogate is wrong with the file.
    tampered = tmp_path / "tampered.csv"
    tampered.write_text(rehash(changed), encoding="utf-8")
    capsys.readouterr()
    target = tmp_path / "new.db"
    assert main(["import", str(tampered), "--db", str(target)]) == 2
    assert "lone surrogate" in one_line_error(capsys)
    assert not target.exists()


def rehash(text: str) -> str:
    """An event export with every hash computed again (as a forger would)."""
    import csv
    import io

    from banshishi._store.event_store import GENESIS, link

    rows = list(csv.reader(io.StringIO(text, newline="")))
    previous = GENESIS
    for row in rows[1:]:
        seq, subject, record_id, version, at, *columns = row[:13]
        names = ("name", "actor", "unit", "role", "from_status", "to_status", "note", "data")
        cells = [
            None if value == "" and name in ("unit", "from_status") else value
            for name, value in zip(names, columns, strict=True)
        ]
        previous = row[13] = link(previous, int(seq), subject, record_id, int(version), at, cells)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


# -- one JSON reader (item 8) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ('{"a": 1, "a": 2}', "units", "the key 'a' twice"),
        ('[{"b": {"a": 1, "a": 1}}]', "units", "the key 'a' twice"),
        ('{"a": NaN}', "units", "NaN"),
        ("[Infinity]", "units", "Infinity"),
        ("[-Infinity]", "units", "-Infinity"),
        ("[" * 100_000 + "]" * 100_000, "units", "deeper than"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "units" + "[0]" * MAX_DEPTH, "deeper"),
        ("9" * 5000, "units", "too long"),
        ('{"a": [1, "\\udc00"]}', "units.a[1]", "lone surrogate (\\udc00)"),
        ('{"\\ud800": 1}', "units (a key)", "lone surrogate"),
        (f'["{HALF}"]', "units", "lone surrogate"),
        ('{"a": ', "units", "not valid JSON"),
    ],
    ids=[
        "repeat",
        "nested-repeat",
        "nan",
        "inf",
        "minus-inf",
        "very-deep",
        "just-too-deep",
        "long-number",
        "escaped-half",
        "half-in-key",
        "raw-half",
        "truncated",
    ],
)
def test_the_json_reader_refuses_what_json_loads_would_take(text, field, problem):
    with pytest.raises(InvalidValueError) as refused:
        read_json(text, field="units")
    assert refused.value.field == field
    assert problem in refused.value.problem
    assert len(str(refused.value)) < 2_000


scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
)
scalars |= st.text()
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=20,
)


@given(value=json_values, ascii_only=st.booleans())
def test_the_json_reader_reads_any_sound_json_as_json_loads_does(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert read_json(text, field="x") == json.loads(text)


def test_json_just_within_the_depth_limit_is_read():
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert read_json(text, field="x") is not None


# -- a tampered ledger (item 8) -----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '[{"id": 1',
        "[" * 100_000 + "]" * 100_000,
        '[{"id": "a", "id": "b", "name": "某县", "level": "county"}]',
        '{"id": "a"}',
        '[{"id": "a", "name": "某县", "level": "county", "parent": NaN}]',
    ],
    ids=["truncated", "deep", "repeated-key", "not-a-list", "nan"],
)
def test_a_tampered_unit_tree_is_a_store_error_and_report_and_disclose_exit_2(ledger, capsys, body):
    """The tree is a record of the chain: its saved version is edited in place."""
    edit(ledger, "UPDATE events SET data = ? WHERE subject = 'units'", body)
    with LedgerStore.open(ledger) as store, pytest.raises(StoreError) as refused:
        store.units  # noqa: B018
    assert "unit tree" in refused.value.field
    with LedgerStore.open(ledger) as store:
        report = store.verify()
    assert not report.intact
    assert "does not match its hash" in report.problem
    assert main(["verify", "--db", str(ledger)]) == 1
    for command in (["report", "--format", "csv"], ["disclose", "issues", "--format", "csv"],
                    ["report", "--as-of", "2026-06-01", "--format", "csv"]):  # fmt: skip
        assert main([*command, "--db", str(ledger)]) == 2
        assert "unit tree" in one_line_error(capsys)


@pytest.mark.parametrize(
    ("sql", "missing"),
    [
        ("DROP TABLE pledges", "pledges table"),
        ("DROP TABLE events", "events table"),
        ("ALTER TABLE issues DROP COLUMN rating", "column rating"),
        ("ALTER TABLE events RENAME COLUMN note TO remark", "column note"),
    ],
)
def test_a_dropped_table_or_column_is_refused_on_opening(ledger, capsys, sql, missing):
    edit(ledger, sql)
    with pytest.raises(NotALedgerError) as refused:
        LedgerStore.open(ledger)
    assert missing in refused.value.problem
    for command in (["verify"], ["report"], ["disclose", "issues"], ["export"]):
        assert main([*command, "--db", str(ledger)]) == 2
        assert missing in one_line_error(capsys)


def test_verify_reports_a_damaged_file_as_broken_instead_of_raising(tmp_path):
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.receive_many(
            [issue(f"i{n}", description="长" * 400) for n in range(300)], actor=CLERK
        )
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, len(data) - page, page * 2):  # scramble every other page
        data[offset + 8 : offset + page] = bytes(range(256)) * ((page - 8) // 256) + bytes(248)
    path.write_bytes(bytes(data))
    with LedgerStore.open(path, read_only=True) as store:  # as `banshishi verify` opens it
        report = store.verify()
    assert not report.intact
    assert report.problem
    with pytest.raises(StoreError):  # opened to write, the damage refuses it at once
        LedgerStore.open(path)


@pytest.mark.parametrize(
    "data",
    ['{"a":' * 50_000 + "1" + "}" * 50_000, '{"unit": "u1", "unit": "u2"}', '{"x": NaN}', 7,
     b'{"unit": "u1"}'],
    ids=["deep", "repeated-key", "nan", "a-number", "a-blob"],
)  # fmt: skip
def test_tampered_event_data_is_a_store_error_and_the_cli_exits_2(ledger, capsys, data):
    edit(ledger, "UPDATE events SET data = ? WHERE seq = 3", data)
    with LedgerStore.open(ledger) as store, pytest.raises(StoreError) as refused:
        list(store.issues(as_of=T0.add(days=1)))
    assert "event 3" in refused.value.field
    for command in (["disclose", "issues"], ["ledger-file", "export", "--output", "-"]):
        assert main([*command, "--db", str(ledger)]) == 2
        assert "holds a value this version cannot read" in one_line_error(capsys)


# -- holiday schedules (item 8) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("deep.json", '{"year": 2027, "holidays": ' + "[" * 100_000 + "]" * 100_000 + "}",
         "deeper than"),
        ("deep.toml", "year = 2027\nx = " + "[" * 100_000 + "]" * 100_000 + "\n", "too deeply"),
        ("inline.toml", "year = 2027\nx = " + "{a=" * 5_000 + "1" + "}" * 5_000 + "\n",
         "too deeply"),
        ("long.json", '{"year": ' + "9" * 5_000 + "}", "number too long"),
        ("long.toml", "year = " + "9" * 5_000 + "\n", "number too long"),
        ("twice.json", '{"year": 2027, "year": 2028}', "the key 'year' twice"),
        ("half.json", '{"year": 2027, "holidays": {"\\ud800": ["2027-01-01"]}}',
         "lone surrogate"),
        ("nan.json", '{"year": NaN}', "NaN"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "",
)  # fmt: skip
def test_a_schedule_file_that_python_cannot_read_safely_is_refused(tmp_path, name, text, problem):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidValueError) as refused:
        YearSchedule.load(path)
    assert refused.value.field == "path"
    assert refused.value.value == str(path)
    assert problem in refused.value.problem


def test_a_schedule_label_with_a_lone_surrogate_is_refused():
    with pytest.raises(InvalidValueError) as refused:
        YearSchedule.from_dict({"year": 2027, "holidays": {HALF: ["2027-01-01"]}})
    assert "lone surrogate" in refused.value.problem


def test_a_schedule_file_larger_than_the_limit_is_refused_unread(tmp_path, monkeypatch):
    from banshishi._calendar import schedule as _schedule

    monkeypatch.setattr(_schedule, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.toml"
    path.write_text("year = 2027\n" + "# padding\n" * 20, encoding="utf-8")
    with pytest.raises(InvalidValueError, match="larger than the 100 bytes"):
        YearSchedule.load(path)


# -- output paths that name no file (item 8) ----------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--format", "csv"],
        ["report", "--period", "week", "--format", "json"],
        ["export"],
        ["disclose", "issues"],
        ["open311", "export"],
        ["ledger-file", "export"],
    ],
    ids=lambda command: "-".join(command[:2]),
)
@pytest.mark.parametrize("name", ["", ".", "/"])
def test_an_output_path_that_names_no_file_exits_2(ledger, capsys, command, name):
    before = ledger.read_bytes()
    assert main([*command, "--db", str(ledger), "-o", name]) == 2
    assert "does not name a file" in one_line_error(capsys)
    assert ledger.read_bytes() == before
    # Nothing was written beside it but SQLite's own side files of a read.
    assert {path.name for path in ledger.parent.iterdir()} <= {
        ledger.name,
        f"{ledger.name}-wal",
        f"{ledger.name}-shm",
    }


def test_reading_a_ledger_file_named_by_an_empty_path_is_refused():
    from banshishi import read_ledger_file

    with pytest.raises(InvalidValueError, match="does not name a file"):
        read_ledger_file("")


@given(st.text(alphabet=string.ascii_letters + "-", min_size=1, max_size=5))
def test_real_names_still_name_files(name):
    from banshishi._core.whole_file import named_file

    assert named_file(name, field="x").name == name


def test_an_event_export_read_from_text_holding_a_lone_surrogate_is_refused(tmp_path, ledger):
    import io

    from banshishi import read_events

    exported = tmp_path / "events.csv"
    assert main(["export", "--db", str(ledger), "-o", str(exported)]) == 0
    text = exported.read_text(encoding="utf-8").replace(",transfer,", f",transfer{HALF},", 1)
    with pytest.raises(InvalidValueError) as refused:
        read_events(io.StringIO(text, newline=""))
    assert refused.value.field == "line 5, column name"  # after the unit tree's version


@pytest.mark.parametrize("column", ["seq", "version"])
def test_an_event_export_with_a_number_too_long_to_read_is_refused(tmp_path, ledger, column):
    import io

    from banshishi import read_events

    exported = tmp_path / "events.csv"
    assert main(["export", "--db", str(ledger), "-o", str(exported)]) == 0
    lines = exported.read_text(encoding="utf-8").split("\n")
    cells = lines[1].split(",")
    cells[0 if column == "seq" else 3] = "9" * 5000
    lines[1] = ",".join(cells)
    with pytest.raises(InvalidValueError) as refused:
        read_events(io.StringIO("\n".join(lines), newline=""))
    assert refused.value.field == f"line 2, column {column}"
