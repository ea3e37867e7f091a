"""``banshishi ledger-file``, ``open311`` and ``schema``: the subcommands that exchange
files with other systems (``disclose`` is in test_cli_disclose.py).

Every test calls :func:`banshishi._cli.main.main` in-process with standard output and
error redirected (so Hypothesis can run it many times in one test). One demo
ledger is built per session, and a few records carrying personal data are
planted in it (tests/cli_demo.py), so that the disclosure lists have something to
hide. What the commands print is checked against the store read directly, and
where possible against a count made by hand from the issues' own fields.
"""

import copy
import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from banshishi import (
    Evaluation,
    Issue,
    IssueStatus,
    LedgerFileError,
    LedgerStore,
    Pledge,
    json_schema,
    read_ledger_file,
    unstructure,
)
from banshishi._exchange.open311 import EXTENDED_KEYS, SPEC_KEYS
from cli_demo import (
    AT,
    ZONE,
    Demo,
    Run,
    cli,
)
from file_commands import AS_OF, flat, listing, read_csv, status_at

DIVISION = "150125"


def summary_counts(line: str) -> Counter[str]:
    """The ``(已办结 247, 办理中 32)`` part of a check's report, as a Counter."""
    found = re.search(r"\(([^()]*)\)\.\s*$", line)
    assert found is not None, line
    pairs = [part.rsplit(" ", 1) for part in found.group(1).split(", ") if part]
    return Counter({label: int(n.replace(",", "")) for label, n in pairs})


def problem_table(err: str) -> list[tuple[int, str, str, str]]:
    """The rows of the problems table ``ledger-file check`` prints: row, column, value, reason."""
    rows = []
    for line in err.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) == 6 and cells[1].isdigit():
            rows.append((int(cells[1]), cells[2], cells[3], cells[4]))
    return rows


@pytest.fixture(scope="module")
def demo(planted_demo: Demo) -> Demo:
    """The session's demo ledger, with personal data planted in it (tests/conftest.py)."""
    return planted_demo


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path


# -- ledger-file export and check ------------------------------------------------------------

LANGUAGES = {"zh": [], "en": ["--english"]}


@pytest.fixture(scope="module")
def exported(demo: Demo) -> dict[tuple[str, str], tuple[Path, Run]]:
    """The whole ledger exported once in each format and language."""
    folder = demo.folder / "exports"
    folder.mkdir()
    done = {}
    for suffix in ("csv", "xlsx"):
        for language, flags in LANGUAGES.items():
            target = folder / f"ledger-{language}.{suffix}"
            done[suffix, language] = (
                target,
                cli("ledger-file", "export", "--db", demo.path, "-o", target, *flags),
            )
    return done


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_exported_ledger_file_checks_clean_with_every_issue_and_status(
    demo: Demo, exported: dict[tuple[str, str], tuple[Path, Run]], suffix: str, language: str
) -> None:
    target, export = exported[suffix, language]
    assert export.code == 0, export.err
    assert export.out == ""
    assert flat(export.err) == f"{len(demo.issues):,} issues written."
    check = cli("ledger-file", "check", target)
    assert check.code == 0, check.err
    assert check.err == ""
    line = flat(check.out)
    assert line.startswith(f"{target}: {len(demo.issues):,} rows, all valid (")
    assert summary_counts(line) == Counter(issue.status.label for issue in demo.issues)
    read = read_ledger_file(target)
    assert read.language == language
    assert [issue.id for issue in read.issues] == [issue.id for issue in demo.issues]


@pytest.mark.parametrize(("language", "first_header"), [("zh", "编号"), ("en", "id")])
def test_without_output_the_ledger_goes_to_stdout_as_csv_that_checks_clean(
    demo: Demo, out_dir: Path, language: str, first_header: str
) -> None:
    export = cli("ledger-file", "export", "--db", demo.path, *LANGUAGES[language])
    assert export.code == 0, export.err
    rows = read_csv(export.out)
    assert next(iter(rows[0])) == first_header
    assert [row[first_header] for row in rows] == [issue.id for issue in demo.issues]
    saved = out_dir / "piped.csv"
    saved.write_text(export.out, encoding="utf-8")
    check = cli("ledger-file", "check", saved)
    assert check.code == 0, check.err
    assert f"{len(demo.issues):,} rows, all valid" in flat(check.out)


@settings(max_examples=4)
@given(day=st.dates(min_value=dt.date(2026, 6, 28), max_value=dt.date(2026, 10, 3)))
@example(day=dt.date(2026, 6, 30))
def test_as_of_a_date_the_ledger_file_lists_the_issues_received_by_its_end_as_they_stood(
    demo: Demo, day: dt.date
) -> None:
    end = pendulum.datetime(day.year, day.month, day.day, tz=ZONE).end_of("day")
    export = cli("ledger-file", "export", "--db", demo.path, "--as-of", day.isoformat())
    assert export.code == 0, export.err
    rows = read_csv(export.out)
    by_hand = {issue.id for issue in demo.issues if issue.received_at <= end}
    assert {row["编号"] for row in rows} == by_hand
    assert len(rows) == len(by_hand)
    with LedgerStore.open(demo.path) as store:
        then = {issue.id: issue.status.label for issue in store.issues(as_of=end)}
    assert {row["编号"]: row["状态"] for row in rows} == then
    assert flat(export.err) == f"{len(by_hand):,} issues written."


@pytest.mark.parametrize("as_of", ["2026-02-30", "yesterday", "2026-08-01T09:00:00", "2026-8-1"])
def test_a_bad_as_of_exits_2_naming_the_option_and_writes_nothing(
    demo: Demo, out_dir: Path, as_of: str
) -> None:
    old = out_dir / "old.csv"
    old.write_text("kept", encoding="utf-8")
    run = cli("ledger-file", "export", "--db", demo.path, "--as-of", as_of, "-o", old)
    assert run.code == 2
    assert "--as-of" in run.err
    assert as_of in run.err
    assert old.read_text(encoding="utf-8") == "kept"
    assert listing(out_dir) == {"old.csv"}


@pytest.mark.parametrize(
    "target", ["missing/ledger.csv", "missing/ledger.xlsx", "ledger.txt", "ledger"]
)
def test_a_ledger_file_that_cannot_be_written_exits_2_and_leaves_nothing(
    demo: Demo, out_dir: Path, target: str
) -> None:
    run = cli("ledger-file", "export", "--db", demo.path, "-o", out_dir / target)
    assert run.code == 2
    assert "error:" in run.err
    assert listing(out_dir) == set()


def test_exporting_from_a_ledger_that_does_not_exist_exits_2_and_creates_none(
    out_dir: Path,
) -> None:
    run = cli("ledger-file", "export", "--db", out_dir / "none.db", "-o", out_dir / "x.csv")
    assert run.code == 2
    assert "--db" in run.err
    assert "does not exist" in run.err
    assert listing(out_dir) == set()


# Cells to break, each by column (Chinese header, English header) and a bad value.
BREAKS = {
    "unknown status": ("状态", "status", "已完成"),
    "unknown urgency": ("急难愁盼", "urgency", "很急"),
    "unknown channel": ("渠道", "channel", "信鸽"),
    "no such month": ("受理时间", "received_at", "2026-13-45 10:00:00"),
    "round zero": ("办理轮次", "round", "0"),
    "deadline in words": ("完成时限", "deadline", "下周"),
    "unknown rating": ("满意度", "rating", "还行"),
    "empty id": ("编号", "id", ""),
    "repeated id": ("编号", "id", None),  # None: the id of the first row
}
FIRST_ROWS = 20


@pytest.fixture(scope="module")
def csv_rows(
    exported: dict[tuple[str, str], tuple[Path, Run]],
) -> dict[str, list[list[str]]]:
    """The header and the first rows of the exported CSV files, per language."""
    rows = {}
    for language in LANGUAGES:
        path, _ = exported["csv", language]
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows[language] = list(csv.reader(file))[: FIRST_ROWS + 1]
    return rows


@settings(max_examples=25)
@given(
    language=st.sampled_from(list(LANGUAGES)),
    broken=st.dictionaries(
        st.integers(min_value=1, max_value=FIRST_ROWS - 1),
        st.sampled_from(list(BREAKS)),
        min_size=1,
        max_size=4,
    ),
)
def test_checking_a_csv_with_bad_rows_exits_2_naming_each_row_column_and_reason(
    csv_rows: dict[str, list[list[str]]],
    tmp_path_factory: pytest.TempPathFactory,
    language: str,
    broken: dict[int, str],
) -> None:
    header, *body = (list(row) for row in csv_rows[language])
    planted = set()
    for index, kind in broken.items():
        zh, en, value = BREAKS[kind]
        column = zh if language == "zh" else en
        at = header.index(column)
        body[index][at] = body[0][at] if value is None else value
        planted.add((index + 2, column))  # the header is row 1
    path = tmp_path_factory.mktemp("bad-rows") / "edited.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows([header, *body])

    run = cli("ledger-file", "check", path)

    assert run.code == 2
    assert run.out == ""
    table = problem_table(run.err)
    assert {(row, column) for row, column, _, _ in table} == planted
    assert f"{len(planted)} problems in" in run.err
    assert "Nothing would be imported." in run.err
    with pytest.raises(LedgerFileError) as refused:
        read_ledger_file(path)
    reasons = {(p.row, p.column): p.reason for p in refused.value.problems}
    assert {(row, column): reason for row, column, _, reason in table} == reasons
    assert all(reason for reason in reasons.values())


def test_checking_a_workbook_with_bad_cells_names_the_spreadsheet_rows(
    exported: dict[tuple[str, str], tuple[Path, Run]], out_dir: Path
) -> None:
    source, _ = exported["xlsx", "zh"]
    book = openpyxl.load_workbook(source)
    sheet = book["台账"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=5, column=header.index("状态") + 1, value="已完成")
    sheet.cell(row=9, column=header.index("急难愁盼") + 1, value="很急")
    edited = out_dir / "edited.xlsx"
    book.save(edited)

    run = cli("ledger-file", "check", edited)

    assert run.code == 2
    table = problem_table(run.err)
    assert [(row, column, value) for row, column, value, _ in table] == [
        (5, "状态", "'已完成'"),
        (9, "急难愁盼", "'很急'"),
    ]


def test_checking_a_file_without_the_required_columns_names_them_in_row_1(
    out_dir: Path,
) -> None:
    path = out_dir / "short.csv"
    path.write_text("编号,标题\nA-1,路灯不亮\n", encoding="utf-8")
    run = cli("ledger-file", "check", path)
    assert run.code == 2
    table = problem_table(run.err)
    assert {row for row, *_ in table} == {1}
    assert {column for _, column, _, _ in table} == {"渠道", "急难愁盼", "受理时间", "状态"}


@pytest.mark.parametrize("name", ["missing.csv", "missing.xlsx", "ledger.txt"])
def test_checking_a_missing_or_unsupported_file_exits_2(out_dir: Path, name: str) -> None:
    run = cli("ledger-file", "check", out_dir / name)
    assert run.code == 2
    assert run.out == ""
    assert listing(out_dir) == set()


def _unreadable(folder: Path, name: str) -> Path:
    path = folder / name
    if name == "empty.csv":
        path.write_bytes(b"")
    elif name == "truncated.xlsx":
        path.write_bytes(b"PK\x03\x04 not a whole workbook")
    return path


@pytest.mark.parametrize("name", ["missing.csv", "empty.csv", "truncated.xlsx"])
def test_checking_an_unreadable_ledger_file_says_why(out_dir: Path, name: str) -> None:
    path = _unreadable(out_dir, name)
    with pytest.raises(LedgerFileError) as refused:
        read_ledger_file(path)
    run = cli("ledger-file", "check", path)
    assert run.code == 2
    assert refused.value.problem in flat(run.err)


# -- open311 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def open311(demo: Demo) -> dict[str, tuple[Path, Run]]:
    """The service requests at AS_OF, plain and extended, each written to a file."""
    folder = demo.folder / "open311"
    folder.mkdir()
    done = {}
    for kind, flags in (("plain", []), ("extended", ["--extended"])):
        target = folder / f"{kind}.json"
        done[kind] = (target, cli("open311", "export", "--db", demo.path, "--as-of", AS_OF,
                                  *flags, "-o", target))  # fmt: skip
    return done


@pytest.mark.parametrize("kind", ["plain", "extended"])
def test_open311_export_is_json_with_exactly_the_spec_keys_and_only_open_or_closed(
    demo: Demo, open311: dict[str, tuple[Path, Run]], kind: str
) -> None:
    target, run = open311[kind]
    assert run.code == 0, run.err
    assert run.out == ""
    requests = json.loads(target.read_text(encoding="utf-8"))
    keys = list(SPEC_KEYS) + (list(EXTENDED_KEYS) if kind == "extended" else [])
    assert all(list(request) == keys for request in requests)
    assert {request["status"] for request in requests} <= {"open", "closed"}
    finished = (IssueStatus.CLOSED, IssueStatus.DISMISSED)
    expected = {
        issue.id: "closed" if status_at(issue, AT) in finished else "open"
        for issue in demo.issues
        if issue.received_at <= AT
    }
    assert {request["service_request_id"]: request["status"] for request in requests} == expected
    assert [request["service_request_id"] for request in requests] == [
        issue.id for issue in demo.at_issues
    ]
    assert flat(run.err) == f"{len(expected):,} service requests written."


def test_open311_export_to_stdout_is_the_file_s_text(
    demo: Demo, open311: dict[str, tuple[Path, Run]]
) -> None:
    target, _ = open311["extended"]
    run = cli("open311", "export", "--db", demo.path, "--as-of", AS_OF, "--extended")
    assert run.code == 0, run.err
    assert run.out == target.read_bytes().decode("utf-8")


@pytest.mark.parametrize("kind", ["plain", "extended"])
def test_open311_check_of_an_export_reads_every_request(
    demo: Demo, open311: dict[str, tuple[Path, Run]], kind: str
) -> None:
    target, _ = open311[kind]
    run = cli("open311", "check", target, "--urgency", "urgent", "--division-code", DIVISION)
    assert run.code == 0, run.err
    line = flat(run.out)
    assert line.startswith(f"{target}: {len(demo.at_issues):,} requests, all readable (")
    if kind == "extended":  # the extended status reads back exactly
        expected = Counter(issue.status.label for issue in demo.at_issues)
    else:  # plain open is 已受理, plain closed is 已办结
        finished = (IssueStatus.CLOSED, IssueStatus.DISMISSED)
        expected = Counter(
            IssueStatus.CLOSED.label if issue.status in finished else IssueStatus.RECEIVED.label
            for issue in demo.at_issues
        )
    assert summary_counts(line) == expected


def test_open311_check_without_a_division_code_names_the_first_request_with_a_place(
    open311: dict[str, tuple[Path, Run]],
) -> None:
    target, _ = open311["plain"]
    requests = json.loads(target.read_text(encoding="utf-8"))
    first = next(i for i, r in enumerate(requests) if r["address"] or r["lat"] is not None)
    run = cli("open311", "check", target, "--urgency", "difficult")
    assert run.code == 2
    assert run.out == ""
    assert re.search(rf"requests\[{first}\]\.(address|lat)\b", run.err)
    # The hint names the options, not a division code that reads like advice.
    assert "--division-code-from-address-id" in flat(run.err)
    assert "150102" not in run.err
    assert "division_code='" not in run.err


@pytest.mark.parametrize("kind", ["plain", "extended"])
def test_open311_check_reads_division_codes_from_the_export_s_address_ids(
    demo: Demo, open311: dict[str, tuple[Path, Run]], kind: str
) -> None:
    target, _ = open311[kind]
    requests = json.loads(target.read_text(encoding="utf-8"))
    codes = {r["address_id"] for r in requests if r["address_id"] is not None}
    assert codes
    assert DIVISION not in codes
    run = cli("open311", "check", target, "--urgency", "urgent", "--division-code-from-address-id")
    assert run.code == 0, run.err
    assert flat(run.out).startswith(f"{target}: {len(demo.at_issues):,} requests, all readable")
    # A code given as well covers only requests without an address_id of their own.
    both = cli("open311", "check", target, "--urgency", "urgent",
               "--division-code-from-address-id", "--division-code", DIVISION)  # fmt: skip
    assert (both.code, both.out) == (0, run.out)


# Breaks that make any request unreadable, by key.
REQUEST_BREAKS = {
    "status": "pending",
    "requested_datetime": "2026-07-01T09:00:00",
    "expected_datetime": "tomorrow",
    "lat": "north",
    "long": 500,
    "service_request_id": True,
    "extended_status": "WHATEVER",
    "description": 17,
}


@pytest.fixture(scope="module")
def extended_requests(open311: dict[str, tuple[Path, Run]]) -> list[dict[str, Any]]:
    target, _ = open311["extended"]
    requests: list[dict[str, Any]] = json.loads(target.read_text(encoding="utf-8"))
    return requests


@settings(max_examples=25)
@given(data=st.data(), key=st.sampled_from(list(REQUEST_BREAKS)))
def test_open311_check_of_a_malformed_request_exits_2_naming_its_path(
    extended_requests: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
    data: st.DataObject,
    key: str,
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(extended_requests) - 1))
    requests = copy.deepcopy(extended_requests)
    requests[index][key] = REQUEST_BREAKS[key]
    path = tmp_path_factory.mktemp("open311") / "requests.json"
    path.write_text(json.dumps(requests, ensure_ascii=False), encoding="utf-8")
    run = cli("open311", "check", path, "--urgency", "urgent", "--division-code", DIVISION)
    assert run.code == 2
    assert run.out == ""
    assert f"requests[{index}].{key}" in run.err
    assert str(REQUEST_BREAKS[key]) in run.err


@settings(max_examples=10)
@given(data=st.data())
def test_open311_check_names_the_later_of_two_requests_with_one_id(
    extended_requests: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
    data: st.DataObject,
) -> None:
    last = len(extended_requests) - 1
    first, second = sorted(
        data.draw(st.lists(st.integers(0, last), min_size=2, max_size=2, unique=True))
    )
    requests = copy.deepcopy(extended_requests)
    requests[first]["service_request_id"] = requests[second]["service_request_id"] = "SAME"
    path = tmp_path_factory.mktemp("open311") / "twice.json"
    path.write_text(json.dumps(requests, ensure_ascii=False), encoding="utf-8")
    run = cli("open311", "check", path, "--urgency", "urgent", "--division-code", DIVISION)
    assert run.code == 2
    assert f"requests[{second}].service_request_id" in run.err


@pytest.mark.parametrize(
    "content",
    [None, b"", b"not json", b'{"requests": []}', b"[NaN]", b"\xff\xfe[", b'[{"status": "open"}]'],
)
def test_open311_check_of_a_file_that_is_not_service_requests_exits_2(
    out_dir: Path, content: bytes | None
) -> None:
    path = out_dir / "requests.json"
    if content is not None:
        path.write_bytes(content)
    run = cli("open311", "check", path, "--urgency", "urgent")
    assert run.code == 2
    assert run.out == ""
    assert "error:" in run.err


def test_open311_export_into_a_missing_folder_exits_2_and_leaves_nothing(
    demo: Demo, out_dir: Path
) -> None:
    run = cli("open311", "export", "--db", demo.path, "--as-of", AS_OF, "-o", out_dir / "a" / "b")
    assert run.code == 2
    assert listing(out_dir) == set()
    refused = cli("open311", "export", "--db", out_dir / "none.db", "-o", out_dir / "b.json")
    assert refused.code == 2
    assert "does not exist" in refused.err
    assert listing(out_dir) == set()


@pytest.mark.parametrize(
    "args",
    [
        ["open311", "check", "x.json"],
        ["open311", "check", "x.json", "--urgency", "very"],
        ["open311", "import", "x.json"],
        ["open311"],
        ["open311", "export", "--format", "yaml"],
    ],
)
def test_open311_refuses_unknown_choices_and_missing_options_with_exit_2(
    args: list[str],
) -> None:
    run = cli(*args)
    assert run.code == 2
    assert "usage:" in run.err


# -- schema ----------------------------------------------------------------------------------

MODELS = {"issue": Issue, "pledge": Pledge, "evaluation": Evaluation}


def _schema(model: str) -> dict[str, Any]:
    run = cli("schema", model)
    assert run.code == 0, run.err
    assert run.err == ""
    schema: dict[str, Any] = json.loads(run.out)
    return schema


@pytest.mark.parametrize("model", list(MODELS))
def test_schema_prints_a_valid_draft_2020_12_schema_of_the_model(model: str) -> None:
    schema = _schema(model)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema == json.loads(json.dumps(json_schema(MODELS[model])))


def test_the_issue_schema_accepts_every_issue_of_the_demo_and_refuses_a_broken_one(
    demo: Demo,
) -> None:
    validator = Draft202012Validator(_schema("issue"))
    for issue in demo.issues:
        data = json.loads(json.dumps(unstructure(issue)))
        assert list(validator.iter_errors(data)) == [], issue.id
    data = json.loads(json.dumps(unstructure(demo.issues[0])))
    assert not validator.is_valid(data | {"urgency": "whenever"})
    assert not validator.is_valid({key: v for key, v in data.items() if key != "received_at"})


def test_the_pledge_and_evaluation_schemas_accept_every_one_of_the_demo(demo: Demo) -> None:
    records: dict[str, Iterable[Any]] = {
        "pledge": demo.pledges,
        "evaluation": [e for issue in demo.issues for e in issue.evaluations],
    }
    for model, items in records.items():
        validator = Draft202012Validator(_schema(model))
        checked = 0
        for item in items:
            assert list(validator.iter_errors(json.loads(json.dumps(unstructure(item))))) == []
            checked += 1
        assert checked > 0


def test_schema_with_output_writes_the_same_text_and_a_failed_write_leaves_nothing(
    out_dir: Path,
) -> None:
    target = out_dir / "issue.schema.json"
    run = cli("schema", "issue", "-o", target)
    assert run.code == 0, run.err
    assert run.out == ""
    assert target.read_bytes().decode("utf-8") == cli("schema", "issue").out
    failed = cli("schema", "pledge", "-o", out_dir / "missing" / "pledge.schema.json")
    assert failed.code == 2
    assert listing(out_dir) == {target.name}


@pytest.mark.parametrize("args", [["schema", "ledger"], ["schema"], ["schema", "Issue"]])
def test_schema_refuses_an_unknown_record_with_exit_2(args: list[str]) -> None:
    run = cli(*args)
    assert run.code == 2
    assert "usage:" in run.err
    assert run.out == ""


@pytest.mark.parametrize(
    "args", [["ledger-file"], ["ledger-file", "import", "x.csv"], ["ledger-file", "check"]]
)
def test_ledger_file_refuses_an_unknown_or_missing_action_with_exit_2(args: list[str]) -> None:
    run = cli(*args)
    assert run.code == 2
    assert "usage:" in run.err
