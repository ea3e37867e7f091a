"""Ledger files (台账): issues written to CSV or XLSX with Chinese or English
headers and read back.

A ledger row is an issue without its history, so what must survive the trip is
what a history-less issue can say: every field of IssueSummary of the issue
with its history set aside, for any moment at or after the export. Reading
checks every row, collects every problem with the row and column a spreadsheet
user sees, and takes nothing from a file with a bad row unless told to skip.
"""

import csv
import datetime as dt
import io
import re
import zipfile

import attrs
import openpyxl
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import paths
from banshishi import (
    BanshishiError,
    Channel,
    DuplicateError,
    Evaluation,
    Feedback,
    FeedbackMethod,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    IssueSummary,
    LedgerFileError,
    LedgerImport,
    Location,
    Person,
    Rating,
    TargetGroup,
    Urgency,
    read_ledger_csv,
    read_ledger_file,
    write_ledger_csv,
    write_ledger_file,
)
from banshishi._exchange.ledger_cells import MAX_CELL_TEXT
from banshishi._exchange.ledger_columns import COLUMNS
from strategies import issues, moments

T0 = pendulum.datetime(2026, 7, 1, 9, tz="Asia/Shanghai")
LATER = pendulum.datetime(2040, 1, 1, tz="UTC")
DOCS_PAGE = paths.DOCS / "ledger-files.md"
FORMATS = ["csv", "xlsx"]
LANGUAGES = ["zh", "en"]
# Characters an XLSX cell cannot hold as written (control characters, CR,
# U+FFFE/U+FFFF, and the text openpyxl's reader deletes); an oracle kept apart
# from the library's own check.
NOT_FOR_XLSX = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|x005F_")


def closed_issue(issue_id="RX-1", **changes):
    """A closed, answered and rated 急 item: every group of columns is filled in."""
    fields = {
        "id": issue_id,
        "title": "小区路灯不亮",
        "channel": Channel.HOTLINE,
        "urgency": Urgency.URGENT,
        "received_at": T0,
        "category": "市政设施",
        "target_groups": frozenset({TargetGroup.ELDERLY, TargetGroup.CHILDREN}),
        "location": Location(division_code="150102001", address="朝阳社区3号楼"),
        "requester": Person(id="p-1", name="张三", mobile="13800000000"),
        "received_by": "centre",
        "responsible_unit": "street",
        "co_units": ("power", "housing"),
        "deadline": T0.add(days=2),
        "status": IssueStatus.CLOSED,
        "closed_at": T0.add(days=1),
        "feedback": (
            Feedback(at=T0.add(hours=20), content="已更换灯泡", method=FeedbackMethod.PHONE),
        ),
        "evaluations": (
            Evaluation(
                issue_id=issue_id, rating=Rating.SATISFIED, resolved=True, at=T0.add(days=1)
            ),
        ),
    }
    return Issue(**(fields | changes))


def open_issue(issue_id="RX-2"):
    return Issue(
        id=issue_id,
        title="希望增设公交站",
        channel=Channel.PORTAL,
        urgency=Urgency.LONGED_FOR,
        received_at=T0.add(hours=3),
        status=IssueStatus.IN_PROGRESS,
        responsible_unit="transport",
        deadline=T0.add(days=30),
    )


# -- helpers: a ledger as CSV text, and rows of it ----------------------------------------


def csv_text_of(issue_list, language="zh"):
    buffer = io.StringIO(newline="")
    write_ledger_csv(issue_list, buffer, language=language)
    return buffer.getvalue()


def rows_of(issue_list, language="zh"):
    return list(csv.reader(io.StringIO(csv_text_of(issue_list, language), newline="")))


def text_of(rows):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def read_text(text, **options):
    return read_ledger_csv(io.StringIO(text, newline=""), **options)


def with_cells(rows, row, cells):
    """``rows`` with the cells named by header in spreadsheet row ``row`` replaced."""
    changed = [list(r) for r in rows]
    for header, value in cells.items():
        changed[row - 1][rows[0].index(header)] = value
    return changed


def base_rows():
    return rows_of([closed_issue("RX-1"), open_issue("RX-2"), closed_issue("RX-3")])


def refusal(text, **options):
    with pytest.raises(LedgerFileError) as caught:
        read_text(text, **options)
    return caught.value


def bare_summary(issue, at):
    """What a history-less issue can say about ``issue`` at ``at``: one that keeps
    its first routed transfer as recorded (``Issue.routed``), as a row does."""
    bare = attrs.evolve(issue, history=(), routed=issue.routing_as_of())
    return to_the_second(IssueSummary.of(bare, version=0, as_of=at))


def to_the_second(line):
    """``line`` with its answer time only as given or not: not a rate fact, and a
    row keeps the answer's own time to the second, not its step's. Every other
    field of the line survives the row (the first rating, the visits' answers,
    the exclusion, the first routed transfer and the original of a duplicate:
    see test_ledger_assessment.py)."""
    return attrs.evolve(line, answered_us=None if line.answered_us is None else 0)


def assert_same_rate_facts(originals, imported, moment):
    assert [i.id for i in imported] == [i.id for i in originals]
    for original, copy in zip(originals, imported, strict=True):
        assert copy.history == ()
        expected = bare_summary(original, moment)
        assert to_the_second(IssueSummary.of(copy, version=0, as_of=moment)) == expected
        if not original.history:
            assert to_the_second(IssueSummary.of(original, version=0, as_of=moment)) == expected
        assert copy.received_at == original.received_at
        assert copy.deadline == original.deadline
        assert copy.closed_at == original.closed_at
        assert copy.status is original.status


def for_xlsx(value):
    """``value`` with every character an XLSX cell cannot hold replaced by "?"
    (the history and milestones, which a row does not carry, are left alone)."""
    if type(value) is str:
        return NOT_FOR_XLSX.sub("?", value)
    if isinstance(value, tuple):
        return tuple(for_xlsx(item) for item in value)
    if attrs.has(type(value)):
        changes = {
            field.name: for_xlsx(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.name not in ("history", "milestones")
        }
        return attrs.evolve(value, **changes)
    return value


ledgers = st.lists(issues(), max_size=3, unique_by=lambda issue: issue.id)
xlsx_ledgers = ledgers.map(lambda ledger: [for_xlsx(issue) for issue in ledger])


# -- round trips ---------------------------------------------------------------------------


@given(ledger=ledgers, language=st.sampled_from(LANGUAGES), after=moments(after=LATER))
def test_a_csv_ledger_read_back_has_the_same_rate_facts(tmp_path_factory, ledger, language, after):
    path = tmp_path_factory.mktemp("csv") / "台账.csv"
    assert write_ledger_file(ledger, path, language=language) == len(ledger)
    read = read_ledger_file(path)
    assert read.language == language
    assert read.problems == ()
    assert read.rows == tuple(range(2, len(ledger) + 2))
    assert_same_rate_facts(ledger, read.issues, after)


@given(ledger=xlsx_ledgers, language=st.sampled_from(LANGUAGES), after=moments(after=LATER))
def test_an_xlsx_ledger_read_back_has_the_same_rate_facts(
    tmp_path_factory, ledger, language, after
):
    path = tmp_path_factory.mktemp("xlsx") / "台账.xlsx"
    assert write_ledger_file(ledger, path, language=language) == len(ledger)
    read = read_ledger_file(path)
    assert read.language == language
    assert_same_rate_facts(ledger, read.issues, after)


@given(issue=issues())
def test_descriptive_fields_a_row_carries_come_back_unchanged(issue):
    (copy,) = read_text(csv_text_of([issue])).issues
    for name in (
        "id", "title", "channel", "urgency", "track", "description", "category",
        "target_groups", "location", "received_by", "responsible_unit", "responsible_person",
        "requirements", "co_units", "supervising_unit", "supervisor", "round",
    ):  # fmt: skip
        assert getattr(copy, name) == getattr(issue, name), name
    if issue.requester is None:
        assert copy.requester is None
    else:
        kept = (copy.requester.id, copy.requester.name, copy.requester.mobile)
        assert kept == (issue.requester.id, issue.requester.name, issue.requester.mobile)


@given(issue=issues())
def test_the_row_keeps_the_rating_that_counts_and_an_answer_given_by_the_closure(issue):
    (copy,) = read_text(csv_text_of([issue])).issues
    assert copy.latest_evaluation_as_of(None) == issue.latest_evaluation_as_of(None)
    assert len(copy.feedback) == (1 if issue.feedback else 0)
    if copy.feedback:
        (answer,) = copy.feedback
        carried = [(f.at, f.content, f.method) for f in issue.feedback]
        assert (answer.at, answer.content, answer.method) in carried
        if issue.closed_at is not None:
            assert answer.at <= issue.closed_at
        later = [f for f in issue.feedback if answer.at < f.at]
        assert issue.closed_at is not None or not later


@pytest.fixture(scope="module")
def campaign(simulated):
    return simulated(issues=150)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", FORMATS)
def test_the_simulated_campaign_ledger_round_trips(tmp_path, campaign, kind, language):
    ledger = list(campaign.ledger.issues())
    path = tmp_path / f"ledger.{kind}"
    write_ledger_file(ledger, path, language=language)
    read = read_ledger_file(path)
    assert len(read.issues) == len(ledger) == 150
    for moment in (campaign.end, campaign.end.add(days=90)):
        assert_same_rate_facts(ledger, read.issues, moment)


def test_what_a_flat_row_cannot_carry_is_only_what_the_history_alone_knows(campaign):
    """Returns are known from the history only; a redo survives as the round
    (办理轮次); everything else survives too. (An answer counts from the step that
    recorded it, which only the history knows: a row has the answer's own time.)"""
    ledger = list(campaign.ledger.issues())
    copies = read_text(csv_text_of(ledger)).issues
    history_only = {"returned", "handed_over", "signed_for", "transferred", "answered_us"}
    lost = set()
    for original, copy in zip(ledger, copies, strict=True):
        before = attrs.asdict(IssueSummary.of(original, version=0, as_of=campaign.end))
        after = attrs.asdict(IssueSummary.of(copy, version=0, as_of=campaign.end))
        lost |= {name for name in before if before[name] != after[name]}
    assert lost <= history_only
    assert "returned" in lost  # the simulated quarter has send-backs, which a row cannot show
    assert any(issue.redone_as_of(campaign.end) for issue in copies)


# -- the file itself -----------------------------------------------------------------------


def test_a_csv_file_starts_with_a_byte_order_mark_and_chinese_headers(tmp_path):
    path = tmp_path / "ledger.csv"
    write_ledger_file([closed_issue()], path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0].split(",")
    assert header[:4] == ["编号", "标题", "渠道", "急难愁盼"]
    assert "2026-07-01 09:00:00" in data.decode("utf-8-sig")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_file_is_read_with_or_without_a_byte_order_mark(tmp_path, encoding):
    path = tmp_path / "ledger.csv"
    path.write_bytes(csv_text_of([closed_issue(), open_issue()]).encode(encoding))
    read = read_ledger_file(path)
    assert [issue.id for issue in read.issues] == ["RX-1", "RX-2"]


def test_a_stream_read_with_the_mark_still_in_it_finds_the_first_header():
    read = read_text("\ufeff" + csv_text_of([closed_issue()]))
    assert [issue.id for issue in read.issues] == ["RX-1"]


@pytest.mark.parametrize(
    "title", ['=HYPERLINK("http://x","x")', "+1", "-2 路灯", "@SUM(A1)", "\tx", "'=x", "''+y"]
)
def test_text_a_spreadsheet_would_run_is_guarded_in_csv_and_read_back_as_written(tmp_path, title):
    issue = closed_issue(title=title)
    path = tmp_path / "ledger.csv"
    write_ledger_file([issue], path)
    (row,) = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))[1:]
    assert row[1] == "'" + title
    assert read_ledger_file(path).issues[0].title == title


@given(title=st.text(alphabet="'=+-@\t\r a", min_size=1).filter(str.strip))
def test_guarding_is_undone_exactly_for_any_text(title):
    assert read_text(csv_text_of([closed_issue(title=title)])).issues[0].title == title


def test_an_xlsx_title_starting_with_equals_is_text_not_a_formula(tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_ledger_file([closed_issue(title="=1+1")], path)
    sheet = openpyxl.load_workbook(path)["台账"]
    assert sheet["B2"].value == "=1+1"
    assert sheet["B2"].data_type == "s"
    assert read_ledger_file(path).issues[0].title == "=1+1"


@pytest.mark.parametrize("title", ["#N/A", "#REF!", "#DIV/0!", "=SUM(A1)", "@x", "TRUE"])
def test_every_xlsx_text_cell_is_text_even_when_it_looks_like_an_error_value(tmp_path, title):
    path = tmp_path / "ledger.xlsx"
    write_ledger_file([closed_issue(title=title)], path)
    assert openpyxl.load_workbook(path)["台账"]["B2"].data_type == "s"
    assert read_ledger_file(path).issues[0].title == title


def test_numbers_excel_typed_into_text_cells_are_read_as_text(tmp_path):
    path = tmp_path / "ledger.xlsx"
    requester = Person(id="p-1", name="王五", mobile="13812345678")
    write_ledger_file([closed_issue("RX-1", requester=requester)], path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["台账"]
    column = {cell.value: cell.column for cell in sheet[1]}
    sheet.cell(row=2, column=column["编号"], value=1001)  # an id typed as a number
    sheet.cell(row=2, column=column["联系电话"], value=13812345678.0)  # read by Excel as a float
    workbook.save(path)
    (issue,) = read_ledger_file(path).issues
    assert issue.id == "1001"
    assert issue.requester is not None
    assert issue.requester.mobile == "13812345678"


def test_rows_past_a_sheet_size_declared_too_small_are_still_read(tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_ledger_file([closed_issue(f"RX-{n}") for n in range(10)], path)
    shrunk = tmp_path / "shrunk.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(shrunk, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<dimension ref=\"[^\"]*\"/>", b"", data)
                data = data.replace(b"<sheetViews>", b'<dimension ref="A1:AK3"/><sheetViews>', 1)
                assert b'<dimension ref="A1:AK3"/>' in data
            target.writestr(item, data)
    assert [issue.id for issue in read_ledger_file(shrunk).issues] == [f"RX-{n}" for n in range(10)]


def test_a_chart_sheet_where_the_ledger_should_be_is_refused_with_a_library_error(tmp_path):
    from openpyxl.chart import BarChart

    workbook = openpyxl.Workbook()
    workbook.active.title = "data"
    chart_sheet = workbook.create_chartsheet("台账")
    chart_sheet.add_chart(BarChart())
    path = tmp_path / "chart.xlsx"
    workbook.save(path)
    with pytest.raises(LedgerFileError) as refused:
        read_ledger_file(path)
    assert "chart sheet" in refused.value.problem


def test_a_number_too_long_for_a_whole_number_cell_is_a_row_problem():
    rows = with_cells(base_rows(), 2, {"办理轮次": "9" * 5000})
    problem = refusal(text_of(rows)).problems[0]
    assert (problem.row, problem.column) == (2, "办理轮次")
    assert "whole number" in problem.reason


def test_reading_a_csv_ledger_leaves_the_csv_modules_field_limit_as_it_was():
    before = csv.field_size_limit()
    full = "长" * MAX_CELL_TEXT  # the longest a cell holds, guarded or not
    for description in (full, "=" + full[1:]):
        (issue,) = read_text(csv_text_of([closed_issue(description=description)])).issues
        assert issue.description == description
        assert csv.field_size_limit() == before
    refusal(text_of(with_cells(base_rows(), 2, {"诉求内容": full + "长"})))
    assert csv.field_size_limit() == before


def test_an_xlsx_ledger_has_one_bold_frozen_sheet_named_tai_zhang_with_fitted_widths(tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_ledger_file([closed_issue(), open_issue()], path, language="en")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["台账"]
    sheet = workbook["台账"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert [cell.value for cell in sheet[1]][:3] == ["id", "title", "channel"]
    widths = {sheet.column_dimensions[c].width for c in ("A", "B", "G", "Q")}
    assert len(widths) > 1
    assert all(8 <= width <= 60 for width in widths)


def test_the_same_ledger_gives_the_same_bytes(tmp_path):
    ledger = [closed_issue(), open_issue()]
    for kind in FORMATS:
        first, second = tmp_path / f"a.{kind}", tmp_path / f"b.{kind}"
        write_ledger_file(ledger, first)
        write_ledger_file(ledger, second)
        assert first.read_bytes() == second.read_bytes(), kind


def test_xlsx_date_time_cells_are_read_as_china_standard_time(tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_ledger_file([open_issue()], path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["台账"]
    column = [cell.value for cell in sheet[1]].index("受理时间") + 1
    sheet.cell(row=2, column=column).value = dt.datetime(2026, 7, 2, 8, 30)
    workbook.save(path)
    (issue,) = read_ledger_file(path).issues
    assert issue.received_at == pendulum.datetime(2026, 7, 2, 0, 30, tz="UTC")


def test_an_xlsx_formula_cell_is_reported_not_evaluated(tmp_path):
    path = tmp_path / "ledger.xlsx"
    write_ledger_file([open_issue()], path)
    workbook = openpyxl.load_workbook(path)
    workbook["台账"]["B2"] = "=A2"
    workbook.save(path)
    with pytest.raises(LedgerFileError) as caught:
        read_ledger_file(path)
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (2, "标题")
    assert "formula" in problem.reason


def test_text_an_xlsx_cell_cannot_hold_is_refused_and_no_file_is_left(tmp_path):
    path = tmp_path / "ledger.xlsx"
    with pytest.raises(InvalidValueError) as caught:
        write_ledger_file([open_issue(), closed_issue(description="a\rb")], path)
    assert caught.value.field == "issues[1].description"
    assert list(tmp_path.iterdir()) == []
    write_ledger_file([closed_issue(description="a\rb")], tmp_path / "ledger.csv")
    assert read_ledger_file(tmp_path / "ledger.csv").issues[0].description == "a\rb"


def test_a_refused_write_leaves_the_existing_file_as_it_was(tmp_path):
    path = tmp_path / "ledger.csv"
    write_ledger_file([open_issue()], path)
    before = path.read_bytes()
    with pytest.raises(DuplicateError) as caught:
        write_ledger_file([closed_issue("X"), open_issue("X")], path)
    assert caught.value.field == "issues[1].id"
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.csv"]


def test_a_unit_id_that_a_list_cell_would_split_is_refused_on_export():
    with pytest.raises(InvalidValueError) as caught:
        csv_text_of([closed_issue(co_units=("power", "a、b"))])
    assert caught.value.field == "issues[0].co_units[1]"


def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(tmp_path):
    with pytest.raises(InvalidValueError, match=r"\.xls file is Excel's old format"):
        read_ledger_file(tmp_path / "ledger.xls")
    with pytest.raises(InvalidValueError, match=r"neither a \.csv nor a \.xlsx"):
        write_ledger_file([open_issue()], tmp_path / "ledger.txt")
    assert list(tmp_path.iterdir()) == []
    fake = tmp_path / "ledger.xlsx"
    fake.write_text(csv_text_of([open_issue()]), encoding="utf-8")
    with pytest.raises(LedgerFileError, match="not an XLSX workbook"):
        read_ledger_file(fake)
    workbook = tmp_path / "real.csv"
    write_ledger_file([open_issue()], workbook, format="xlsx")
    assert zipfile.is_zipfile(workbook)
    with pytest.raises(LedgerFileError, match="zip archive"):
        read_ledger_file(workbook)
    assert read_ledger_file(workbook, format="xlsx").issues[0].id == "RX-2"
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\xff\xfe\x00\x81\x30\xff" * 10)
    with pytest.raises(LedgerFileError, match="neither UTF-8 nor GB18030"):
        read_ledger_file(garbage)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(LedgerFileError, match="no header row"):
        read_ledger_file(empty)
    with pytest.raises(LedgerFileError, match="cannot be read"):
        read_ledger_file(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda p: write_ledger_file([], p, language="fr"), "language"),
        (lambda p: write_ledger_file([], p, format="ods"), "format"),
        (lambda p: read_ledger_file(p, on_bad_rows="ignore"), "on_bad_rows"),
        (lambda p: write_ledger_file([open_issue(), "RX-3"], p), "issues[1]"),
        (lambda p: write_ledger_file("RX-3", p), "issues"),
        (lambda p: read_ledger_file(42), "path"),
        (lambda p: read_ledger_csv(str(p)), "file"),
        (lambda p: write_ledger_csv([open_issue()], p), "file"),
    ],
)
def test_bad_arguments_are_refused_naming_them(tmp_path, call, field):
    with pytest.raises(BanshishiError) as caught:
        call(tmp_path / "ledger.csv")
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidValueError | InvalidTypeError)
    assert list(tmp_path.iterdir()) == []


# -- the header ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        (lambda h: h.__setitem__(5, "备注"), "备注", "is not a ledger column"),
        (lambda h: h.__setitem__(5, "title"), "title", "use one language"),
        (lambda h: h.__setitem__(5, "标题"), "标题", "appears twice (also column 2)"),
        (lambda h: h.__setitem__(0, "序号"), "编号", "required column and is missing"),
        (lambda h: h.__setitem__(5, ""), "", "column 6 has no header"),
    ],
)
def test_a_bad_header_is_refused_naming_the_column(change, column, reason):
    rows = base_rows()
    change(rows[0])
    error = refusal(text_of(rows), on_bad_rows="skip")
    assert any(p.row == 1 and p.column == column and reason in p.reason for p in error.problems)
    assert all(p.row == 1 for p in error.problems)


def test_headers_are_recognised_in_either_language_and_optional_columns_may_be_left_out():
    english = rows_of([closed_issue(), open_issue()], "en")
    assert english[0][:2] == ["id", "title"]
    wanted = ["id", "title", "channel", "urgency", "received_at", "status", "closed_at"]
    wanted += ["feedback_at", "feedback_method", "feedback"]
    narrow = [[row[english[0].index(name)] for name in wanted] for row in english]
    narrow[0] = [name.upper() for name in wanted]
    narrow[2][5] = "办理中"  # a Chinese word in an English file is understood
    read = read_text(text_of(narrow))
    assert read.language == "en"
    assert [issue.status for issue in read.issues] == [IssueStatus.CLOSED, IssueStatus.IN_PROGRESS]


@given(data=st.data())
def test_columns_are_recognised_in_any_order(data):
    rows = base_rows()
    order = data.draw(st.permutations(range(len(rows[0]))))
    shuffled = [[row[i] for i in order] for row in rows]
    assert read_text(text_of(shuffled)).issues == read_text(text_of(rows)).issues


def test_an_english_file_writes_vocabulary_values_and_yes_or_no():
    header, row = rows_of([closed_issue()], "en")
    cells = dict(zip(header, row, strict=True))
    assert (cells["channel"], cells["urgency"], cells["status"]) == ("hotline", "urgent", "closed")
    assert (cells["resolved"], cells["target_groups"]) == ("yes", "elderly;children")
    header, row = rows_of([closed_issue()], "zh")
    cells = dict(zip(header, row, strict=True))
    assert (cells["是否解决"], cells["重点群体"], cells["协办单位"]) == (
        "是",
        "老年人、少年儿童",
        "power、housing",
    )


def test_the_docs_page_lists_every_column_in_order_and_which_are_required():
    page = DOCS_PAGE.read_text(encoding="utf-8")
    listed = re.findall(r"^\| (\S+) \| `(\w+)` \| (.*) \|$", page, re.MULTILINE)
    assert [(zh, key) for zh, key, _ in listed] == [(c.zh, c.key) for c in COLUMNS]
    required = [key for _, key, holds in listed if "(required)" in holds]
    assert required == [c.key for c in COLUMNS if c.required]


# -- bad rows ------------------------------------------------------------------------------

BAD_ROWS = [
    ("bad enum", {"状态": "已完成"}, "状态", "not one of the words allowed"),
    ("bad time", {"受理时间": "2026-13-01 09:00:00"}, "受理时间", "not a real date"),
    ("time text", {"完成时限": "下周一"}, "完成时限", "not an RFC 3339 date-time"),
    ("naive", {"受理时间": "2026-07-01T09:00:00"}, "受理时间", "has no UTC offset"),
    ("deadline first", {"完成时限": "2026-06-30 09:00:00"}, "完成时限", "before the issue was"),
    (
        "closed unanswered",
        {"反馈时间": "", "反馈方式": "", "反馈内容": ""},
        "状态",
        "closed issue with no feedback",
    ),
    ("half answered", {"反馈内容": ""}, "反馈内容", "must be filled in when 反馈时间 is"),
    ("bad mobile", {"联系电话": "12345"}, "联系电话", "11-digit mainland mobile"),
    ("empty title", {"标题": "  "}, "标题", "must not be empty"),
    ("bad round", {"办理轮次": "二"}, "办理轮次", "must be a whole number"),
    ("zero round", {"办理轮次": "0"}, "办理轮次", "must be 1 or more"),
    ("zero rating round", {"评价轮次": "0"}, "评价轮次", "must be 1 or more"),
    ("rating round", {"评价轮次": "2"}, "评价轮次", "later than the issue's round 1"),
    ("bad yes", {"是否解决": "也许"}, "是否解决", "not a yes or a no"),
    ("bad code", {"区划代码": "1501"}, "区划代码", "administrative-division code"),
    ("one coordinate", {"纬度": "40.8"}, "纬度", "longitude must be given together"),
    ("closed open", {"办结时间": ""}, "办结时间", "exactly when the status is closed"),
    ("co-unit lead", {"协办单位": "street、power"}, "协办单位", "responsible unit"),
]


@pytest.mark.parametrize(
    ("change", "column", "reason"), [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS]
)
def test_a_bad_row_is_reported_with_its_row_column_and_reason(change, column, reason):
    error = refusal(text_of(with_cells(base_rows(), 4, change)))
    (problem,) = error.problems
    assert (problem.row, problem.column) == (4, column)
    assert reason in problem.reason
    assert "row 4, column " + column in str(error)


def test_a_repeated_id_is_reported_on_the_later_row_and_the_first_is_kept_when_skipping():
    rows = with_cells(base_rows(), 4, {"编号": "RX-1"})
    error = refusal(text_of(rows))
    (problem,) = error.problems
    assert (problem.row, problem.column, problem.value) == (4, "编号", "RX-1")
    assert "repeats the id of row 2" in problem.reason
    read = read_text(text_of(rows), on_bad_rows="skip")
    assert read.rows == (2, 3)
    assert [issue.id for issue in read.issues] == ["RX-1", "RX-2"]


def test_a_row_with_an_extra_cell_or_a_missing_one_is_reported():
    rows = base_rows()
    rows[1].append("多余")
    rows[2].pop()
    problems = refusal(text_of(rows)).problems
    assert [(p.row, p.column) for p in problems] == [(2, ""), (3, "")]
    assert f"column {len(COLUMNS) + 1}, which has no header" in problems[0].reason
    assert "a column is missing" in problems[1].reason


def test_trailing_empty_cells_and_blank_rows_are_passed_over():
    rows = base_rows()
    rows[1] += ["", ""]
    rows.insert(2, [""] * len(rows[0]))
    read = read_text(text_of(rows))
    assert read.rows == (2, 4, 5)


def test_every_problem_in_every_row_is_collected_and_nothing_is_read():
    rows = with_cells(base_rows(), 2, {"渠道": "电报", "急难愁盼": "很急", "受理时间": "昨天"})
    rows = with_cells(rows, 4, {"编号": "RX-2", "满意度": "还行"})
    rows.append(list(rows[3]))
    error = refusal(text_of(rows))
    where = [(p.row, p.column) for p in error.problems]
    assert where == [
        (2, "渠道"), (2, "急难愁盼"), (2, "受理时间"),
        (4, "编号"), (4, "满意度"),
        (5, "编号"), (5, "满意度"),
    ]  # fmt: skip
    message = str(error)
    assert "(7 problems)" in message
    assert "row 4, column 满意度" in message
    assert "and 2 more" in message
    assert "row 5" not in message
    assert isinstance(error, ValueError)


def test_skipping_returns_the_good_rows_with_the_problems_beside_them():
    rows = with_cells(base_rows(), 3, {"状态": "不知道"})
    read = read_text(text_of(rows), on_bad_rows="skip")
    assert isinstance(read, LedgerImport)
    assert [issue.id for issue in read.issues] == ["RX-1", "RX-3"]
    assert read.rows == (2, 4)
    assert [(p.row, p.column, p.value) for p in read.problems] == [(3, "状态", "不知道")]


TOKENS = [
    "", " ", "急", "urgent", "已办结", "closed", "in_progress", "是", "no", "满意", "电话",
    "2026-07-01 09:00:00", "2026/7/2 8:00", "2026-07-01T09:00:00+08:00", "2026-07-01T09:00:00",
    "9999-12-31T23:59:59-12:00", "0001-01-01 00:00:00", "2026-07-03 10:00:00.5",
    "1", "0", "-1", "2.0", "1e400", "nan", "13800000000", "150102", "40.5", "、", "a、b",
    "'=1", "=1", "RX-1", "RX-2",
]  # fmt: skip


@given(data=st.data())
def test_any_cells_give_issues_or_listed_problems_and_what_is_read_writes_back_the_same(data):
    rows = base_rows()
    row = data.draw(st.integers(min_value=1, max_value=len(rows) - 1))
    for index in range(len(rows[0])):
        if data.draw(st.booleans()):
            rows[row][index] = data.draw(st.sampled_from(TOKENS) | st.text(max_size=8))
    text = text_of(rows)
    read = read_text(text, on_bad_rows="skip")
    for problem in read.problems:
        assert problem.reason
        assert problem.row == row + 1 or "repeats the id of row" in problem.reason
    if read.problems:
        with pytest.raises(LedgerFileError) as caught:
            read_text(text)
        assert caught.value.problems == read.problems
    else:
        assert len(read.issues) == len(rows) - 1
    assert read_text(csv_text_of(list(read.issues))).issues == read.issues


# -- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-07-01 09:30:00", pendulum.datetime(2026, 7, 1, 1, 30, tz="UTC")),
        ("2026/7/1 9:30", pendulum.datetime(2026, 7, 1, 1, 30, tz="UTC")),
        ("2026-07-01 09:30:00.25", pendulum.datetime(2026, 7, 1, 1, 30, 0, 250000, tz="UTC")),
        ("2026-07-01T09:30:00+09:00", pendulum.datetime(2026, 7, 1, 0, 30, tz="UTC")),
        ("2026-07-01 09:30:00Z", pendulum.datetime(2026, 7, 1, 9, 30, tz="UTC")),
    ],
)
def test_times_are_read_in_the_local_form_or_with_an_offset(text, expected):
    rows = with_cells(rows_of([open_issue()]), 2, {"受理时间": text})
    (issue,) = read_text(text_of(rows)).issues
    assert issue.received_at == expected


@given(moment=moments())
def test_a_time_survives_the_trip_to_the_microsecond(moment):
    issue = Issue(
        id="t", title="t", channel=Channel.OTHER, urgency=Urgency.URGENT, received_at=moment
    )
    (copy,) = read_text(csv_text_of([issue])).issues
    assert copy.received_at == moment


def test_a_ledger_file_error_is_a_value_error_that_keeps_its_problems_when_re_addressed():
    error = refusal(text_of(with_cells(base_rows(), 3, {"状态": "?"})))
    assert isinstance(error, ValueError)
    assert isinstance(error, BanshishiError)
    moved = error.at("台账.csv")
    assert type(moved) is LedgerFileError
    assert moved.problems == error.problems
    assert moved.field == "台账.csv"
    assert LedgerFileError(field="f", value=1, problem="is bad").problems == ()
