"""``banshishi ledger-file``, ``disclose``, ``open311`` and ``schema``: the
subcommands that exchange files with other systems.

Every test calls :func:`banshishi._cli.main.main` in-process with standard output and
error redirected (so Hypothesis can run it many times in one test). One demo
ledger is built per module, and a few records carrying personal data are
planted in it, so that the disclosure lists have something to hide. What the
commands print is checked against the store read directly, and where possible
against a count made by hand from the issues' own fields.
"""

import contextlib
import copy
import csv
import datetime as dt
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pendulum import DateTime

from banshishi import (
    Actor,
    Channel,
    DismissalReason,
    Evaluation,
    Issue,
    IssueStatus,
    LedgerFileError,
    LedgerStore,
    Location,
    Person,
    Pledge,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    Role,
    Urgency,
    disclose_issues,
    disclose_pledges,
    json_schema,
    read_ledger_file,
    unstructure,
)
from banshishi._cli.main import main
from banshishi._exchange.open311 import EXTENDED_KEYS, SPEC_KEYS
from leaks import mobiles as mobile_numbers

ZONE = "Asia/Shanghai"
AS_OF = "2026-08-20"
AT = pendulum.datetime(2026, 8, 20, tz=ZONE).end_of("day")
DIVISION = "150125"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# A mobile number or an 18-character resident ID number standing on its own.
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def check_character(first17: str) -> str:
    """GB 11643's check character, computed here rather than taken from the library."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def valid_id_number(text: str) -> bool:
    return check_character(text[:17]) == text[17].upper()


# -- records planted in the demo ledger ------------------------------------------------------

PLANTED_AT = pendulum.datetime(2026, 8, 10, 9, tz=ZONE)
TITLE_MOBILE = "13847112233"
TITLE_ID = with_check("15012519900101123")
REQUESTER_MOBILE = "13912345678"
REQUESTER_ID = "11010519491231002X"
DISMISSED_MOBILE = "13912345699"
PLEDGE_MOBILE = "13812340000"
PLANTED_NUMBERS = (TITLE_MOBILE, TITLE_ID, REQUESTER_MOBILE, REQUESTER_ID, DISMISSED_MOBILE)
CLERK = Actor(id="clerk", role=Role.INTAKE_CLERK)
DISPATCHER = Actor(id="dispatcher", role=Role.DISPATCHER)


def plant(path: Path) -> None:
    """An open issue and a dismissed one with personal data, a published party
    member's pledge with a mobile number in its title, and a draft pledge."""
    with LedgerStore.open(path) as store:
        store.receive(
            Issue(
                id="PLANT-1",
                title=f"请回电{TITLE_MOBILE}，身份证{TITLE_ID}",
                description="联系 15004712345",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=PLANTED_AT,
                category="市政设施",
                requester=Person(
                    id="px",
                    name="欧阳娜娜",
                    mobile=REQUESTER_MOBILE,
                    id_number=REQUESTER_ID,
                    address="城关街道文化社区56号",
                ),
                location=Location(
                    division_code="150125001003", address="城关街道文化社区56号3单元"
                ),
            ),
            actor=CLERK,
        )
        store.receive(
            Issue(
                id="PLANT-2",
                title=f"来电{DISMISSED_MOBILE}",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=PLANTED_AT,
                requester=Person(id="py", name="张伟", mobile=DISMISSED_MOBILE),
            ),
            actor=CLERK,
        )
        store.apply(
            "PLANT-2",
            "dismiss",
            actor=DISPATCHER,
            at=PLANTED_AT.add(hours=1),
            note="无效诉求",
            reason=DismissalReason.INVALID,
        )
        for pledge_id, pledger, title in (
            ("PL-X", "pm-x", f"帮独居老人（电话{PLEDGE_MOBILE}）买菜"),
            ("PL-Y", "pm-y", "草稿承诺"),
        ):
            store.claim(
                Pledge(
                    id=pledge_id,
                    title=title,
                    pledger=pledger,
                    pledger_kind=PledgerKind.PARTY_MEMBER,
                    list_kind=PledgeListKind.SERVICE_LIST,
                    claimed_at=PLANTED_AT,
                    status=PledgeStatus.DRAFT,
                ),
                actor=Actor(id=pledger, role=Role.PARTY_MEMBER),
            )
        store.apply_pledge(
            "PL-X",
            "publish",
            actor=Actor(id="pm-x", role=Role.PARTY_MEMBER),
            at=PLANTED_AT.add(days=1),
            deadline=PLANTED_AT.add(days=30),
        )


# -- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    code: Any
    out: str
    err: str


def cli(*args: str | Path) -> Run:
    """Run the command line in-process; argparse's own refusals come back as their code.

    Standard error gets a very wide console so rich never wraps a table cell."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        mock.patch.dict(os.environ, {"COLUMNS": "4000"}),
    ):
        try:
            code: Any = main([str(arg) for arg in args])
        except SystemExit as exit_:
            code = exit_.code
    return Run(code, _ANSI.sub("", out.getvalue()), _ANSI.sub("", err.getvalue()))


def flat(text: str) -> str:
    return " ".join(text.split())


def status_at(issue: Issue, at: DateTime) -> Any:
    """The issue's status at ``at``, read off its history by hand."""
    status = None
    for event in issue.history:
        if event.at <= at:
            status = event.to_status
    return status


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


def personal_numbers(text: str) -> list[str]:
    """Every unmasked mobile number and valid ID number in ``text``."""
    ids = [n for n in ID_NUMBER.findall(text) if valid_id_number(n)]
    return MOBILE.findall(text) + ids


def listing(tmp: Path) -> set[str]:
    return {entry.name for entry in tmp.iterdir()}


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# -- the ledger ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    path: Path
    folder: Path
    issues: tuple[Issue, ...]
    pledges: tuple[Pledge, ...]
    at_issues: tuple[Issue, ...]
    """The issues as they stood at AT, rebuilt by the store."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = tmp_path_factory.mktemp("cli-files")
    path = folder / "ledger.db"
    made = cli("demo", "--db", path, "--issues", "300")
    assert made.code == 0, made.err
    plant(path)
    with LedgerStore.open(path) as store:
        return Demo(
            path=path,
            folder=folder,
            issues=tuple(store.issues()),
            pledges=tuple(store.pledges()),
            at_issues=tuple(store.issues(as_of=AT)),
        )


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


# -- disclose --------------------------------------------------------------------------------

FORMATS = ("csv", "json", "html")


@pytest.fixture(scope="module")
def disclosed(demo: Demo) -> dict[tuple[str, str], Run]:
    """Both lists at AS_OF in every format, to standard output."""
    return {
        (what, fmt): cli("disclose", what, "--db", demo.path, "--as-of", AS_OF, "--format", fmt)
        for what in ("issues", "pledges")
        for fmt in FORMATS
    }


def _json_items(disclosed: dict[tuple[str, str], Run], what: str) -> list[dict[str, Any]]:
    body = json.loads(disclosed[what, "json"].out)
    assert body["masked"] is True
    items: list[dict[str, Any]] = body["items"]
    return items


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("what", ["issues", "pledges"])
def test_a_disclosure_list_shows_no_mobile_or_id_number(
    demo: Demo, disclosed: dict[tuple[str, str], Run], what: str, fmt: str
) -> None:
    run = disclosed[what, fmt]
    assert run.code == 0, run.err
    assert run.err == ""
    assert run.out.strip()
    assert personal_numbers(run.out) == []
    known = {issue.requester.mobile for issue in demo.issues if issue.requester is not None}
    for number in (known - {None}) | {*PLANTED_NUMBERS, PLEDGE_MOBILE}:
        assert str(number) not in run.out


def test_the_planted_lines_appear_masked(disclosed: dict[tuple[str, str], Run]) -> None:
    issues = disclosed["issues", "csv"].out
    assert "138****2233" in issues
    # An ID number starting 15… also starts like a mobile number, so in free
    # text its region digits after the first three are hidden as well.
    assert TITLE_ID[:3] + "*" * 11 + TITLE_ID[14:] in issues
    assert "欧阳**" in issues
    assert "欧阳娜娜" not in issues
    assert "56号" not in issues  # the address is cut after its community
    assert "138****0000" in disclosed["pledges", "csv"].out


def test_the_issue_list_holds_every_issue_received_and_not_dismissed_by_then(
    demo: Demo, disclosed: dict[tuple[str, str], Run]
) -> None:
    items = _json_items(disclosed, "issues")
    by_hand = {
        issue.id
        for issue in demo.issues
        if issue.received_at <= AT and status_at(issue, AT) is not IssueStatus.DISMISSED
    }
    assert {item["id"] for item in items} == by_hand
    assert "PLANT-1" in by_hand
    assert "PLANT-2" not in by_hand
    with LedgerStore.open(demo.path) as store:
        direct = disclose_issues(store.issues(as_of=AT), at=AT, units=store.units)
    assert [item["id"] for item in items] == [line.id for line in direct]
    assert [row["编号"] for row in read_csv(disclosed["issues", "csv"].out)] == [
        line.id for line in direct
    ]
    assert all("PLANT-2" not in disclosed["issues", fmt].out for fmt in FORMATS)


def test_the_issue_list_masks_every_requester_and_cuts_every_place(
    demo: Demo, disclosed: dict[tuple[str, str], Run]
) -> None:
    issues = {issue.id: issue for issue in demo.at_issues}
    for item in _json_items(disclosed, "issues"):
        issue = issues[item["id"]]
        requester = issue.requester
        if requester is None or requester.name is None:
            assert item["requester"] == ""
        else:
            assert item["requester"] != requester.name
            assert "*" in item["requester"]
            assert item["requester"][0] == requester.name[0]
        address = issue.location.address if issue.location is not None else None
        assert address is None or address.startswith(item["place"])
        assert "description" not in item


def test_the_pledge_list_holds_only_pledges_public_by_then(
    demo: Demo, disclosed: dict[tuple[str, str], Run]
) -> None:
    items = _json_items(disclosed, "pledges")
    by_hand = {pledge.id for pledge in demo.pledges if pledge.public_as_of(AT)}
    assert {item["id"] for item in items} == by_hand
    assert "PL-X" in by_hand
    assert "PL-Y" not in by_hand
    with LedgerStore.open(demo.path) as store:
        direct = disclose_pledges(store.pledges(as_of=AT), at=AT, units=store.units)
    assert [item["id"] for item in items] == [line.id for line in direct]
    kinds = {pledge.id: pledge.pledger_kind for pledge in demo.pledges}
    for item in items:
        if kinds[item["id"]] is PledgerKind.PARTY_MEMBER:
            assert "*" in item["pledger"]


@settings(max_examples=15)
@given(moment=st.datetimes(min_value=dt.datetime(2026, 6, 1), max_value=dt.datetime(2027, 1, 31)))
def test_at_any_moment_the_pledge_list_is_the_pledges_then_public(
    demo: Demo, moment: dt.datetime
) -> None:
    at = pendulum.instance(moment, tz=ZONE)
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", at.isoformat(), "--format",
              "json")  # fmt: skip
    assert run.code == 0, run.err
    items = json.loads(run.out)["items"]
    assert {item["id"] for item in items} == {p.id for p in demo.pledges if p.public_as_of(at)}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend(name for name, _ in attrs)


@pytest.mark.parametrize("what", ["issues", "pledges"])
def test_a_disclosure_page_runs_and_fetches_nothing(
    disclosed: dict[tuple[str, str], Run], what: str
) -> None:
    page = disclosed[what, "html"].out
    parser = _Tags()
    parser.feed(page)
    assert "table" in parser.tags
    assert "script" not in parser.tags
    assert "<script" not in page.lower()
    assert not any(name.startswith("on") for name in parser.attributes)
    assert not {"iframe", "img", "link", "object", "embed"} & set(parser.tags)


@pytest.mark.parametrize("fmt", FORMATS)
def test_disclose_with_output_writes_the_same_text_to_the_file(
    demo: Demo, disclosed: dict[tuple[str, str], Run], out_dir: Path, fmt: str
) -> None:
    target = out_dir / f"list.{fmt}"
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "--format", fmt,
              "-o", target)  # fmt: skip
    assert run.code == 0, run.err
    assert run.out == ""
    written = target.read_bytes()
    bom = "\ufeff".encode() if fmt == "csv" else b""  # Excel reads a CSV's Chinese by it
    assert written.startswith(bom)
    assert written[len(bom) :].decode("utf-8") == disclosed["pledges", fmt].out
    assert listing(out_dir) == {target.name}


@pytest.mark.parametrize("target", ["missing/list.html", "a-folder"])
def test_a_disclose_write_that_fails_exits_2_and_leaves_no_partial_file(
    demo: Demo, out_dir: Path, target: str
) -> None:
    (out_dir / "a-folder").mkdir()
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "-o", out_dir / target)
    assert run.code == 2
    assert "error:" in run.err
    assert listing(out_dir) == {"a-folder"}
    assert list((out_dir / "a-folder").iterdir()) == []


def test_a_refused_disclose_leaves_an_old_file_as_it_was(demo: Demo, out_dir: Path) -> None:
    old = out_dir / "list.html"
    old.write_text("the old list", encoding="utf-8")
    for bad in (["--db", out_dir / "none.db"], ["--db", demo.path, "--as-of", "2026-02-30"]):
        run = cli("disclose", "issues", *bad, "-o", old)
        assert run.code == 2
        assert old.read_text(encoding="utf-8") == "the old list"
    assert listing(out_dir) == {"list.html"}


@pytest.mark.parametrize(
    "args",
    [
        ["disclose", "complaints"],
        ["disclose", "issues", "--format", "xml"],
        ["disclose", "pledges", "--format", "table"],
        ["disclose"],
    ],
)
def test_disclose_refuses_unknown_choices_with_exit_2(demo: Demo, args: list[str]) -> None:
    run = cli(*args, "--db", demo.path)
    assert run.code == 2
    assert "usage:" in run.err
    assert run.out == ""


# A small ledger per example: one issue and one pledge full of personal data.
NAMES = ("欧阳娜娜", "司马光明", "其木格", "王建国", "阿卜杜·热合曼")
WORDS = ("路灯不亮", "请回电", "联系人", "急需处理", "家住")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    return with_check(draw(st.text(alphabet="0123456789", min_size=17, max_size=17)))


@settings(max_examples=12)
@given(
    mobile=mobile_numbers(),
    id_number=id_numbers(),
    name=st.sampled_from(NAMES),
    before=st.sampled_from(WORDS),
    after=st.sampled_from(WORDS),
    pledger_kind=st.sampled_from([PledgerKind.PARTY_MEMBER, PledgerKind.LEADER]),
)
def test_whatever_personal_data_the_records_hold_no_disclosure_shows_it(
    tmp_path_factory: pytest.TempPathFactory,
    mobile: str,
    id_number: str,
    name: str,
    before: str,
    after: str,
    pledger_kind: PledgerKind,
) -> None:
    path = tmp_path_factory.mktemp("private") / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.receive(
            Issue(
                id="H-1",
                title=f"{before}{mobile}{after}，证件{id_number}",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=PLANTED_AT,
                requester=Person(
                    id="r1", name=name, mobile=mobile, id_number=id_number, address="幸福社区9号"
                ),
                location=Location(division_code="150125001003", address="城关街道幸福社区7号楼"),
            ),
            actor=CLERK,
        )
        pledger = f"u{mobile}"
        store.claim(
            Pledge(
                id="P-1",
                title=f"{before}{mobile}",
                pledger=pledger,
                pledger_kind=pledger_kind,
                list_kind=PledgeListKind.SERVICE_LIST,
                claimed_at=PLANTED_AT,
                status=PledgeStatus.DRAFT,
            ),
            actor=Actor(id=pledger, role=_keeper(pledger_kind)),
        )
        store.apply_pledge(
            "P-1",
            "publish",
            actor=Actor(id=pledger, role=_keeper(pledger_kind)),
            at=PLANTED_AT.add(hours=1),
            deadline=PLANTED_AT.add(days=30),
        )
    for what, record_id in (("issues", "H-1"), ("pledges", "P-1")):
        for fmt in FORMATS:
            run = cli("disclose", what, "--db", path, "--as-of", AS_OF, "--format", fmt)
            assert run.code == 0, run.err
            assert record_id in run.out
            assert mobile not in run.out
            assert id_number not in run.out
            assert id_number.lower() not in run.out
            assert personal_numbers(run.out) == []
            assert name not in run.out
            assert "9号" not in run.out
            assert "7号楼" not in run.out


def _keeper(kind: PledgerKind) -> Role:
    return Role.PARTY_MEMBER if kind is PledgerKind.PARTY_MEMBER else Role.LEADER


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


# -- disclose pledges --names ----------------------------------------------------------------


def test_disclose_pledges_names_the_pledgers_from_a_csv_file(demo: Demo, out_dir: Path) -> None:
    public = [pledge for pledge in demo.pledges if pledge.public_as_of(AT)]
    member = next(p for p in public if p.pledger_kind is PledgerKind.PARTY_MEMBER)
    other = next(p for p in public if p.pledger_kind is not PledgerKind.PARTY_MEMBER)
    names = out_dir / "names.csv"
    names.write_text(
        f"\ufeffid,name,note\n{member.pledger},欧阳娜娜,党员\n{other.pledger},王建国,\n",
        encoding="utf-8",
    )
    run = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "--format", "json",
              "--names", names)  # fmt: skip
    assert run.code == 0, run.err
    shown = {item["id"]: item["pledger"] for item in json.loads(run.out)["items"]}
    assert shown[member.id] == "欧阳**"  # a party member's name, masked
    assert shown[other.id] == "王建国"  # a leader or organisation, in full
    assert "欧阳娜娜" not in run.out
    unnamed = [p for p in public if p.pledger not in (member.pledger, other.pledger)]
    without = cli("disclose", "pledges", "--db", demo.path, "--as-of", AS_OF, "--format", "json")
    before = {item["id"]: item["pledger"] for item in json.loads(without.out)["items"]}
    assert all(shown[p.id] == before[p.id] for p in unnamed)
    assert before[other.id] != "王建国"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("pledger,name\nx,张三\n", "row 1"),
        ("id,name\nx,\n", "row 2, column name"),
        ("id,name\nx,张三\nx,李四\n", "row 3, column id"),
    ],
    ids=["no-id-column", "empty-name", "twice"],
)
def test_a_bad_names_file_exits_2_naming_the_row(
    demo: Demo, out_dir: Path, text: str, where: str
) -> None:
    names = out_dir / "names.csv"
    names.write_text(text, encoding="utf-8")
    target = out_dir / "pledges.html"
    run = cli("disclose", "pledges", "--db", demo.path, "--names", names, "-o", target)
    assert run.code == 2
    assert f"{names} {where}" in flat(run.err)
    assert "Traceback" not in run.err
    assert not target.exists()


def test_names_are_for_the_pledge_list_only(demo: Demo, out_dir: Path) -> None:
    names = out_dir / "names.csv"
    names.write_text("id,name\nx,张三\n", encoding="utf-8")
    run = cli("disclose", "issues", "--db", demo.path, "--names", names)
    assert (run.code, run.out) == (2, "")
    assert "--names" in run.err
    missing = cli("disclose", "pledges", "--db", demo.path, "--names", out_dir / "none.csv")
    assert (missing.code, missing.out) == (2, "")
    assert "none.csv" in flat(missing.err)
