"""The ``banshishi`` command line: demo, report, verify, export and import.

Most tests call :func:`banshishi._cli.main.main` in-process and read what it printed
with ``capsys``; two run the real command in a subprocess. One small demo
ledger is built per module and copied for the tests that change it.
"""

import contextlib
import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pendulum
import pytest

from banshishi import InvalidValueError, LedgerStore, parse_instant
from banshishi._cli.main import main
from banshishi._metrics.figures import ISSUE_RATES, issue_figures
from banshishi._reports.report import (
    GROUPINGS,
    UNASSIGNED,
    report_rows,
    row_record,
    write_csv,
    write_json,
)
from banshishi._store.event_csv import COLUMNS
from cli_helpers import (
    COUNTS,
    RATE_NAMES,
    ZONE,
    add_counts,
    all_row,
    copy_ledger,
    counts_of,
    end_of_day,
    event_count,
    exit_code,
    figure_counts,
    flat,
    plain,
    report_json,
    run,
    side_files,
)

ISSUES = "150"
SEED = "2026"
OTHER_SEED = "7"


# -- the module's demo ledger ---------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    path: Path
    code: int
    out: str
    err: str
    export: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A small demo ledger (150 issues, seed 2026), what building it printed, and its export
    (with the confidential issues' events, as moving a ledger needs)."""
    path = tmp_path_factory.mktemp("demo") / "ledger.db"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--db", str(path), "--issues", ISSUES, "--seed", SEED])
    exported = io.StringIO()
    with contextlib.redirect_stdout(exported), contextlib.redirect_stderr(io.StringIO()):
        assert main(["export", "--db", str(path), "--include-confidential"]) == 0
    return Demo(path, code, plain(out.getvalue()), plain(err.getvalue()), exported.getvalue())


@pytest.fixture
def ledger(demo: Demo, tmp_path: Path) -> Path:
    """A copy of the demo ledger that the test may change."""
    return copy_ledger(demo.path, tmp_path / "ledger.db")


@pytest.fixture(scope="module")
def summaries(demo: Demo) -> list[Any]:
    with LedgerStore.open(demo.path) as store:
        return store.summaries()


def export_text(capsys: pytest.CaptureFixture[str], db: Path) -> str:
    capsys.readouterr()
    assert main(["export", "--db", str(db), "--include-confidential"]) == 0
    return capsys.readouterr().out


# -- help and bad options -------------------------------------------------------------------

HELP = {
    (): ("demo", "report", "verify", "export", "import", "--help"),
    ("demo",): ("--db", "--issues", "--seed", "--replace"),
    ("report",): ("--db", "--by", "--as-of", "--format", "unit", "period", "json"),
    ("verify",): ("--db", "--deep"),
    ("export",): ("--db", "--output", "-o"),
    ("import",): ("FILE", "--db"),
}


@pytest.mark.parametrize("command", list(HELP), ids=lambda command: " ".join(command) or "top")
def test_help_exits_0_and_names_the_options(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    code, out, _ = exit_code(capsys, *command, "--help")
    assert code == 0
    assert out.startswith("usage: banshishi")
    for option in HELP[command]:
        assert option in out, option


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        [],
        ["report", "--bogus"],
        ["demo", "--colour"],
        ["report", "--by", "county"],
        ["report", "--format", "xml"],
        ["import"],
    ],
    ids=[
        "unknown command",
        "no command",
        "unknown report option",
        "unknown demo option",
        "bad --by",
        "bad --format",
        "import without FILE",
    ],
)
def test_bad_command_lines_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = exit_code(capsys, *argv)
    assert code == 2
    assert "usage: banshishi" in err
    assert out == ""


# -- demo -----------------------------------------------------------------------------------


def test_demo_writes_the_ledger_and_prints_the_dashboard(demo: Demo) -> None:
    assert demo.code == 0
    assert demo.path.is_file()
    assert event_count(demo.path) > 150
    out = demo.out
    assert "banshishi dashboard" in out
    assert f"(seed {SEED})" in out
    assert "150 issues received" in out
    for name, chinese in ISSUE_RATES:
        assert f"{chinese} {name}" in out, name
    for track in ("即办 immediate", "共办 joint", "督办 supervised", "盯办 tracked"):
        assert track in out
    assert "By unit" in out
    assert "示例县" in out
    assert "Pledges (践诺)" in out
    assert "践诺率" in out
    assert f"{event_count(demo.path):,} events written to {demo.path}; hash chain intact." in flat(
        out
    )
    assert "全部 all" in out


def test_demo_same_seed_gives_the_same_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo: Demo
) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    for db in (first, second):
        code, _, _ = run(capsys, "demo", "--db", db, "--issues", ISSUES, "--seed", OTHER_SEED)
        assert code == 0
    one, two = export_text(capsys, first), export_text(capsys, second)
    assert one == two
    assert len(one.splitlines()) > 150
    # A different seed gives a different ledger.
    assert one != demo.export
    assert len(demo.export.splitlines()) > 150


def test_demo_refuses_an_existing_ledger_without_replace(
    capsys: pytest.CaptureFixture[str], ledger: Path
) -> None:
    before = ledger.read_bytes()
    code, _, err = run(capsys, "demo", "--db", ledger, "--issues", ISSUES, "--seed", OTHER_SEED)
    assert code == 2
    assert "--replace" in err
    assert ledger.read_bytes() == before


def test_demo_replace_replaces_the_ledger(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ledger: Path, demo: Demo
) -> None:
    argv = ("demo", "--issues", ISSUES, "--seed", OTHER_SEED)
    code, out, _ = run(capsys, *argv, "--db", ledger, "--replace")
    assert code == 0
    assert "hash chain intact" in flat(out)
    fresh = tmp_path / "fresh.db"
    assert run(capsys, *argv, "--db", fresh)[0] == 0
    replaced = export_text(capsys, ledger)
    assert replaced == export_text(capsys, fresh)
    assert replaced != demo.export


def _text_file(path: Path) -> None:
    path.write_text("not a ledger\n", encoding="utf-8")


def _other_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
    db.close()


def _empty_file(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "make", [_text_file, _other_sqlite, _empty_file], ids=["text", "other sqlite", "empty"]
)
@pytest.mark.parametrize("replace", [False, True], ids=["", "--replace"])
def test_demo_never_replaces_a_file_that_is_not_a_ledger(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make: Any, replace: bool
) -> None:
    path = tmp_path / "precious.db"
    make(path)
    before = path.read_bytes()
    flags = ["--replace"] if replace else []
    code, out, err = run(capsys, "demo", "--db", path, "--issues", "20", *flags)
    assert code == 2
    assert "not a banshishi ledger" in err or "not an SQLite database" in err or "empty" in err
    assert "hash chain" not in out
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.db"]


@pytest.mark.parametrize("issues", ["0", "-5"])
def test_demo_refuses_too_few_issues(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, issues: str
) -> None:
    db = tmp_path / "demo.db"
    code, _, err = run(capsys, "demo", "--db", db, "--issues", issues)
    assert code == 2
    assert "issues" in err
    assert not db.exists()


@pytest.mark.parametrize("argv", [["--issues", "abc"], ["--seed", "x"], ["--issues", "1.5"]])
def test_demo_refuses_numbers_that_are_not_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    db = tmp_path / "demo.db"
    code, _, err = exit_code(capsys, "demo", "--db", db, *argv)
    assert code == 2
    assert "invalid int value" in err
    assert not db.exists()


# -- report ---------------------------------------------------------------------------------


def test_report_table_names_every_rate(capsys: pytest.CaptureFixture[str], demo: Demo) -> None:
    code, out, _ = run(capsys, "report", "--db", demo.path)
    assert code == 0
    for name, chinese in ISSUE_RATES:
        assert chinese in out, chinese
        assert name in out, name
    assert "全部 all" in out
    assert "Rates as of" in out
    assert " 150 " in out


def test_report_json_matches_the_summaries(
    capsys: pytest.CaptureFixture[str], demo: Demo, summaries: list[Any]
) -> None:
    body = report_json(capsys, demo.path)
    assert body["by"] is None
    assert len(body["rows"]) == 1
    row = all_row(body)
    assert row["group"] == "all"
    for name in RATE_NAMES:
        assert set(row[name]) == {"numerator", "denominator", "percent"}
        rate = row[name]
        if rate["denominator"]:
            assert rate["percent"].endswith("%")
    at = parse_instant(body["as_of"])
    expected = issue_figures(summaries, at=at)
    assert counts_of(row) == figure_counts(expected)
    assert row["received"] == len(summaries) == 150
    assert row["completion"]["percent"] == expected.completion.format()


def test_report_csv(capsys: pytest.CaptureFixture[str], demo: Demo, summaries: list[Any]) -> None:
    code, out, _ = run(capsys, "report", "--db", demo.path, "--format", "csv")
    assert code == 0
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames is not None
    for name in RATE_NAMES:
        for part in ("numerator", "denominator", "percent"):
            assert f"{name}_{part}" in reader.fieldnames
    assert reader.fieldnames[:6] == ["group", "label", *COUNTS]
    rows = list(reader)
    assert [row["group"] for row in rows] == ["all"]
    expected = issue_figures(summaries, at=pendulum.now(ZONE))
    (row,) = rows
    assert int(row["received"]) == len(summaries)
    assert int(row["completion_numerator"]) == expected.completion.numerator
    assert int(row["completion_denominator"]) == expected.completion.denominator
    assert row["completion_percent"] == expected.completion.format()


def _period(line: Any) -> str:
    return str(line.received_at.in_timezone(ZONE).format("YYYY-MM"))


GROUP_KEYS = {
    "track": lambda line: line.track.value,
    "channel": lambda line: line.channel.value,
    "urgency": lambda line: line.urgency.value,
    "period": _period,
}


@pytest.mark.parametrize("by", list(GROUP_KEYS))
def test_report_groups_add_up_to_all(
    capsys: pytest.CaptureFixture[str], demo: Demo, summaries: list[Any], by: str
) -> None:
    body = report_json(capsys, demo.path, "--by", by)
    assert body["by"] == by
    total = all_row(body)
    groups = body["rows"][:-1]
    names = [row["group"] for row in groups]
    assert len(names) == len(set(names))
    assert set(names) == {GROUP_KEYS[by](line) for line in summaries}
    assert len(names) >= 2
    assert add_counts([counts_of(row) for row in groups]) == counts_of(total)
    assert total["received"] == len(summaries)
    for row in groups:
        members = [line for line in summaries if GROUP_KEYS[by](line) == row["group"]]
        assert row["received"] == len(members), row["group"]


def test_report_by_period_names_the_months(capsys: pytest.CaptureFixture[str], demo: Demo) -> None:
    body = report_json(capsys, demo.path, "--by", "period")
    assert [row["group"] for row in body["rows"]] == ["2026-07", "2026-08", "2026-09", "all"]


def test_report_by_unit_rolls_up_the_tree(
    capsys: pytest.CaptureFixture[str], demo: Demo, summaries: list[Any]
) -> None:
    body = report_json(capsys, demo.path, "--by", "unit")
    with LedgerStore.open(demo.path) as store:
        tree = store.units
    assert tree is not None
    total = all_row(body)
    rows = {row["group"]: row for row in body["rows"][:-1]}
    assert len(rows) == len(body["rows"]) - 1  # a row per group, none twice
    at = parse_instant(body["as_of"])
    # An issue counts under its responsible unit, else the unit that received it.
    units_with_issues = {line.home_unit for line in summaries if line.home_unit is not None}
    for unit in units_with_issues:
        assert unit in rows, unit
        for ancestor in tree.ancestors(unit):
            assert ancestor in rows, ancestor
    parents = 0
    for group, row in rows.items():
        if group not in tree:
            continue
        own = issue_figures([line for line in summaries if line.home_unit == group], at=at)
        children = [counts_of(rows[child]) for child in tree.children(group) if child in rows]
        if children:
            parents += 1
        assert counts_of(row) == add_counts([figure_counts(own), *children]), group
    assert parents >= 2
    # An issue no unit is responsible for counts under the unit that received it;
    # only one with neither gets the row of its own. The top unit has the rest.
    assert any(line.unit is None and line.received_by for line in summaries)
    unassigned = [line for line in summaries if line.home_unit is None]
    if unassigned:
        assert rows[UNASSIGNED]["received"] == len(unassigned)
    else:
        assert UNASSIGNED not in rows
    tops = [group for group in rows if group in tree and not tree.ancestors(group)]
    assert len(tops) == 1
    others = [group for group in rows if group not in tree]
    assert add_counts([counts_of(rows[group]) for group in tops + others]) == counts_of(total)


def test_report_as_of_a_day_in_the_campaign(capsys: pytest.CaptureFixture[str], demo: Demo) -> None:
    now = all_row(report_json(capsys, demo.path))
    body = report_json(capsys, demo.path, "--as-of", "2026-08-15")
    moment = end_of_day("2026-08-15")
    assert parse_instant(body["as_of"]) == moment
    then = all_row(body)
    with LedgerStore.open(demo.path) as store:
        lines = store.summaries_as_of(moment)
    assert 0 < then["received"] < now["received"]
    assert then["received"] == len(lines)
    assert counts_of(then) == figure_counts(issue_figures(lines, at=moment))
    # An RFC 3339 moment is taken as it is.
    exact = report_json(capsys, demo.path, "--as-of", "2026-08-15T23:59:59.999999+08:00")
    assert counts_of(all_row(exact)) == counts_of(then)


def test_report_as_of_before_the_campaign_is_empty(
    capsys: pytest.CaptureFixture[str], demo: Demo
) -> None:
    for by in (None, *GROUPINGS):
        extra = ("--by", by) if by else ()
        body = report_json(capsys, demo.path, "--as-of", "2026-06-01", *extra)
        assert [row["group"] for row in body["rows"]] == ["all"], by
        assert body["rows"][0]["received"] == 0


@pytest.mark.parametrize("moment", ["2026-02-30", "yesterday", "2026-13-01", "2026-08-15T12:00"])
def test_report_refuses_a_bad_as_of(
    capsys: pytest.CaptureFixture[str], demo: Demo, moment: str
) -> None:
    code, out, err = run(capsys, "report", "--db", demo.path, "--as-of", moment)
    assert code == 2
    assert "--as-of" in err
    assert moment in err
    assert out == ""


def test_report_on_a_missing_file_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "missing.db"
    code, out, err = run(capsys, "report", "--db", db)
    assert code == 2
    assert "error" in err
    assert out == ""
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []


def test_report_on_a_file_that_is_not_a_ledger(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "other.db"
    _other_sqlite(path)
    before = path.read_bytes()
    code, _, err = run(capsys, "report", "--db", path)
    assert code == 2
    assert "not a banshishi ledger" in err
    assert path.read_bytes() == before


# -- verify ---------------------------------------------------------------------------------


def test_verify_an_intact_ledger(capsys: pytest.CaptureFixture[str], demo: Demo) -> None:
    code, out, _ = run(capsys, "verify", "--db", demo.path)
    assert code == 0
    assert "intact" in out
    assert f"{event_count(demo.path):,} events" in flat(out)


def test_verify_finds_an_edited_note(capsys: pytest.CaptureFixture[str], ledger: Path) -> None:
    seq = 37
    raw = sqlite3.connect(ledger)
    with raw:
        changed = raw.execute("UPDATE events SET note = note || '（改）' WHERE seq = ?", (seq,))
        assert changed.rowcount == 1
    raw.close()
    code, out, err = run(capsys, "verify", "--db", ledger)
    assert code == 1
    assert "BROKEN" in err
    assert f"first bad event: {seq})" in err
    assert f"event {seq} (" in err
    assert "intact" not in out
    code, _, _ = run(capsys, "verify", "--db", ledger, "--deep")
    assert code == 1


def test_plain_verify_finds_an_edited_summary_line(
    capsys: pytest.CaptureFixture[str], ledger: Path
) -> None:
    assert run(capsys, "verify", "--db", ledger, "--deep")[0] == 0
    raw = sqlite3.connect(ledger)
    with raw:
        issue_id, unit = raw.execute(
            "SELECT id, unit FROM issues WHERE unit IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
        other = "jiaoyu" if unit != "jiaoyu" else "reli"
        raw.execute("UPDATE issues SET unit = ? WHERE id = ?", (other, issue_id))
    raw.close()
    # Each line is bound to its event: plain verify sees the edit without a rebuild.
    code, out, err = run(capsys, "verify", "--db", ledger)
    assert code == 1
    assert issue_id in err
    assert "does not match its digest" in err
    assert "intact" not in out


def test_verify_on_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    assert run(capsys, "verify", "--db", db)[0] == 2
    assert not db.exists()


# -- export and import ----------------------------------------------------------------------


def test_export_to_a_file_and_to_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo: Demo
) -> None:
    target = tmp_path / "events.csv"
    code, out, err = run(
        capsys, "export", "--db", demo.path, "-o", target, "--include-confidential"
    )
    assert code == 0
    assert out == ""
    count = event_count(demo.path)
    assert f"{count:,} events exported." in err
    written = target.read_bytes().decode("utf-8")
    assert written == export_text(capsys, demo.path) == demo.export
    rows = list(csv.reader(io.StringIO(written)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == count + 1
    assert [int(row[0]) for row in rows[1:]] == list(range(1, count + 1))


@pytest.fixture(scope="module")
def exported(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "events.csv"
    path.write_text(demo.export, encoding="utf-8", newline="")
    return path


def test_import_rebuilds_the_same_ledger(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo: Demo, exported: Path
) -> None:
    db = tmp_path / "imported.db"
    code, out, _ = run(capsys, "import", exported, "--db", db)
    assert code == 0
    count = event_count(demo.path)
    assert f"{count:,} events imported" in flat(out)
    code, out, _ = run(capsys, "verify", "--db", db, "--deep")
    assert code == 0
    assert f"{count:,} events" in flat(out)
    with LedgerStore.open(demo.path) as source, LedgerStore.open(db) as copy:
        assert copy.verify().events == count

        def by_id(lines: list[Any]) -> list[Any]:
            return sorted(lines, key=lambda line: line.id)

        assert by_id(copy.summaries()) == by_id(source.summaries())
        assert by_id(copy.pledge_summaries()) == by_id(source.pledge_summaries())
        assert len(copy.pledge_summaries()) > 0
    assert export_text(capsys, db) == demo.export

    # The same file again: refused, and nothing added.
    code, out, err = run(capsys, "import", exported, "--db", db)
    assert code == 2
    assert "already stored" in err
    assert event_count(db) == count
    assert export_text(capsys, db) == demo.export
    assert run(capsys, "verify", "--db", db)[0] == 0


def _rewrite(source: Path, target: Path, edit: Any) -> None:
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
    edit(rows)
    with target.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows(rows)


def test_import_refuses_an_edited_cell_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, exported: Path
) -> None:
    edited = tmp_path / "edited.csv"
    line = 10  # the file's line: the header is line 1

    def edit(rows: list[list[str]]) -> None:
        rows[line - 1][COLUMNS.index("note")] += "（改）"

    _rewrite(exported, edited, edit)
    db = tmp_path / "target.db"
    code, out, err = run(capsys, "import", edited, "--db", db)
    assert code == 2
    assert f"line {line}" in err
    assert "imported" not in out
    assert not db.exists()
    assert side_files(db) == []


def test_import_refuses_an_edited_cell_into_an_existing_ledger(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ledger: Path, exported: Path
) -> None:
    edited = tmp_path / "edited.csv"

    def edit(rows: list[list[str]]) -> None:
        rows[-1][COLUMNS.index("actor")] = "someone-else"

    _rewrite(exported, edited, edit)
    before = event_count(ledger)
    code, _, err = run(capsys, "import", edited, "--db", ledger)
    assert code == 2
    assert f"line {len(exported.read_text(encoding='utf-8').splitlines())}" in err
    assert event_count(ledger) == before


@pytest.mark.parametrize(
    "header",
    [
        "seq,subject,record_id,version,at,name,actor,unit,role,from_status,to_status,note,data",
        ",".join(reversed(COLUMNS)),
        "",
    ],
    ids=["a column short", "reordered", "empty file"],
)
def test_import_refuses_a_bad_header(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, exported: Path, header: str
) -> None:
    lines = exported.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "bad.csv"
    bad.write_text(header and header + "\n" + "".join(lines[1:]), encoding="utf-8")
    db = tmp_path / "target.db"
    code, _, err = run(capsys, "import", bad, "--db", db)
    assert code == 2
    assert "header" in err
    assert not db.exists()


def test_import_of_a_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "target.db"
    missing = tmp_path / "nowhere.csv"
    code, _, err = run(capsys, "import", missing, "--db", db)
    assert code == 2
    assert "nowhere.csv" in err
    assert not db.exists()


# -- rich markup in what is printed ---------------------------------------------------------


def test_verify_a_ledger_whose_path_has_brackets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo: Demo
) -> None:
    folder = tmp_path / "q[/3]"
    folder.mkdir(parents=True)
    db = copy_ledger(demo.path, folder / "ledger.db")
    code, out, _ = run(capsys, "verify", "--db", db)
    assert code == 0
    assert f"{db}: intact" in flat(out)


def test_error_messages_keep_brackets(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "events[bold].csv"
    code, _, err = run(capsys, "import", missing, "--db", tmp_path / "target.db")
    assert code == 2
    assert "events[bold].csv" in err


# -- report_rows and its output, in Python ---------------------------------------------------

AT = pendulum.datetime(2026, 10, 1, tz=ZONE)


def test_report_rows_without_by_is_one_all_row(summaries: list[Any]) -> None:
    rows = report_rows(summaries, at=AT)
    assert len(rows) == 1
    (row,) = rows
    assert (row.group, row.label, row.depth) == ("all", "全部 all", 0)
    assert row.figures == issue_figures(summaries, at=AT)
    assert row.figures.received == len(summaries)


@pytest.mark.parametrize("by", ["county", "", "Track", "units"])
def test_report_rows_refuses_an_unknown_grouping(summaries: list[Any], by: str) -> None:
    with pytest.raises(InvalidValueError, match="by"):
        report_rows(summaries, at=AT, by=by)


@pytest.mark.parametrize("by", GROUPINGS)
def test_report_rows_of_nothing(by: str) -> None:
    rows = report_rows([], at=AT, by=by)
    assert [row.group for row in rows] == ["all"]
    assert rows[0].figures.received == 0


def test_report_rows_by_unit_without_a_tree(summaries: list[Any]) -> None:
    rows = report_rows(summaries, at=AT, by="unit")
    groups = [row.group for row in rows]
    assert groups[-1] == "all"
    assert len(groups) == len(set(groups))
    assert set(groups[:-1]) == {line.home_unit or UNASSIGNED for line in summaries}
    assert add_counts([figure_counts(row.figures) for row in rows[:-1]]) == figure_counts(
        rows[-1].figures
    )


def test_row_record_carries_every_count(summaries: list[Any]) -> None:
    rows = report_rows(summaries, at=AT, by="track")
    assert len(rows) > 2
    for row in rows:
        record = row_record(row)
        assert record["group"] == row.group
        assert record["label"] == row.label
        assert counts_of(record) == figure_counts(row.figures)
        for name in RATE_NAMES:
            rate = getattr(row.figures, name)
            expected = rate.format() if rate.has_data else None
            assert record[name]["percent"] == expected


@pytest.fixture(scope="module")
def unit_rows(demo: Demo, summaries: list[Any]) -> list[Any]:
    with LedgerStore.open(demo.path) as store:
        return report_rows(summaries, at=AT, by="unit", units=store.units)


def test_write_json_round_trips(unit_rows: list[Any]) -> None:
    file = io.StringIO()
    write_json(unit_rows, file, at=AT, by="unit")
    body = json.loads(file.getvalue())
    assert body["by"] == "unit"
    assert parse_instant(body["as_of"]) == AT
    assert [row["group"] for row in body["rows"]] == [row.group for row in unit_rows]
    for record, row in zip(body["rows"], unit_rows, strict=True):
        assert counts_of(record) == figure_counts(row.figures)
        assert record["label"] == row.label
        for name in RATE_NAMES:
            rate = record[name]
            assert (rate["percent"] is None) == (rate["denominator"] == 0)


def test_write_csv_round_trips(unit_rows: list[Any]) -> None:
    file = io.StringIO()
    write_csv(unit_rows, file)
    records = list(csv.DictReader(io.StringIO(file.getvalue())))
    assert [record["group"] for record in records] == [row.group for row in unit_rows]
    for record, row in zip(records, unit_rows, strict=True):
        assert record["label"] == row.label
        for name in COUNTS:
            assert int(record[name]) == getattr(row.figures, name)
        for name in RATE_NAMES:
            rate = getattr(row.figures, name)
            assert int(record[f"{name}_numerator"]) == rate.numerator
            assert int(record[f"{name}_denominator"]) == rate.denominator
            assert record[f"{name}_percent"] == (rate.format() if rate.has_data else "")


# -- the installed command ------------------------------------------------------------------


def _subprocess(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_python_m_banshishi_help() -> None:
    done = _subprocess([sys.executable, "-m", "banshishi", "--help"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: banshishi")
    for command in ("demo", "report", "verify", "export", "import"):
        assert command in done.stdout


def _console_script() -> Iterator[Path]:
    folder = Path(sys.executable).parent
    yield from (folder / name for name in ("banshishi", "banshishi.exe"))


def test_console_script_verify(demo: Demo, ledger: Path) -> None:
    script = next((path for path in _console_script() if path.exists()), None)
    assert script is not None, f"no banshishi script beside {sys.executable}"
    done = _subprocess([str(script), "verify", "--db", str(ledger)])
    assert done.returncode == 0, done.stderr
    assert "intact" in done.stdout
    assert f"{event_count(ledger):,} events" in flat(done.stdout)
    raw = sqlite3.connect(ledger)
    with raw:
        raw.execute("UPDATE events SET actor = 'x' WHERE seq = 2")
    raw.close()
    done = _subprocess([str(script), "verify", "--db", str(ledger)])
    assert done.returncode == 1
    assert "first bad event: 2" in done.stderr
