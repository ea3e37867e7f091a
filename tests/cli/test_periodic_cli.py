"""``banshishi report --period …``: the periodic report on the command line, in
every format, checked against the store's own report and a count by hand; and
the refusals, which exit 2 with the reason and leave no file behind."""

import contextlib
import csv
import io
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pendulum
import pytest

from banshishi import LedgerStore, ReportingPeriod, parse_instant, periodic_record
from banshishi._cli.main import main
from banshishi._reports.periodic_output import CSV_HEADER

ZONE = "Asia/Shanghai"
AS_OF = "2026-09-15"
AS_OF_MOMENT = pendulum.datetime(2026, 9, 15, tz=ZONE).end_of("day")
CHOICES = {"week": "week", "half-month": "half_month", "month": "month", "quarter": "quarter"}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True)
class Demo:
    path: Path
    issues: list[Any]
    units: Any


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A small demo ledger (300 issues, seed 11), and its issues as they stand."""
    path = tmp_path_factory.mktemp("periodic-cli") / "ledger.db"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["demo", "--db", str(path), "--issues", "300", "--seed", "11"]) == 0
    with LedgerStore.open(path) as store:
        return Demo(path, list(store.issues()), store.units)


@pytest.fixture(scope="module")
def expected(demo: Demo) -> dict[str, dict[str, Any]]:
    """What the store itself reports at the end of AS_OF, per period kind, as JSON data."""
    with LedgerStore.open(demo.path) as store:
        return {
            kind: json.loads(
                json.dumps(periodic_record(store.periodic_report(period=kind, at=AS_OF_MOMENT)))
            )
            for kind in ("week", "month")
        }


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, _ANSI.sub("", captured.out), _ANSI.sub("", captured.err)


def flat(text: str) -> str:
    return " ".join(text.split())


def periodic(capsys: pytest.CaptureFixture[str], demo: Demo, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "report", "--db", demo.path, "--as-of", AS_OF, *extra)


def periodic_json(capsys: pytest.CaptureFixture[str], demo: Demo, *extra: str) -> dict[str, Any]:
    code, out, err = periodic(capsys, demo, "--format", "json", *extra)
    assert code == 0, err
    body: dict[str, Any] = json.loads(out)
    return body


def collected_by_hand(demo: Demo, kind: str, moment: pendulum.DateTime) -> int:
    period = ReportingPeriod.containing(moment, kind=kind)
    return sum(period.start <= issue.received_at <= moment for issue in demo.issues)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# -- every period and format ---------------------------------------------------------------


@pytest.mark.parametrize("choice", list(CHOICES))
def test_json_reports_the_period_holding_the_as_of_day(capsys, demo, expected, choice):
    kind = CHOICES[choice]
    body = periodic_json(capsys, demo, "--period", choice)
    assert body["kind"] == kind
    assert parse_instant(body["as_of"]) == AS_OF_MOMENT
    period = ReportingPeriod.containing(AS_OF_MOMENT, kind=kind)
    assert body["period"]["key"] == period.key
    assert body["period"]["first_day"] == period.first_day.isoformat()
    assert body["flow"]["collected"] == collected_by_hand(demo, kind, AS_OF_MOMENT)
    received = sum(issue.received_at <= AS_OF_MOMENT for issue in demo.issues)
    assert body["counts"]["received"] == received
    if kind in expected:
        assert body == expected[kind]


def test_the_table_shows_the_title_every_rate_and_the_trend(capsys, demo, expected):
    code, out, _ = periodic(capsys, demo, "--period", "month")
    assert code == 0
    body = expected["month"]
    text = flat(out)
    assert body["title"] in text
    assert "as of 2026-09-15 23:59" in text
    for record in body["rates"].values():
        assert record["label"] in text
        if record["percent"] is not None:
            assert record["percent"] in text
    assert (
        "办结率 trend: "
        + " → ".join(f"{point['period']} {point['percent'] or '—'}" for point in body["trend"])
        in out
    )
    assert f"{body['flow']['collected']:,}" in text


def test_csv_has_the_header_and_the_stores_numbers(capsys, demo, expected):
    code, out, _ = periodic(capsys, demo, "--period", "week", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_HEADER
    body = expected["week"]
    lines = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]
    flows = {line["key"]: int(line["value"]) for line in lines if line["section"] == "flow"}
    assert flows == body["flow"]
    for line in (line for line in lines if line["section"] == "rate"):
        record = body["rates"][line["key"]]
        assert (int(line["numerator"]), int(line["denominator"])) == (
            record["numerator"], record["denominator"],
        )  # fmt: skip
    overdue = [line["key"] for line in lines if line["section"] == "overdue"]
    assert overdue == [item["id"] for item in body["overdue"]]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.open: list[str] = []
        self.unbalanced = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.seen.append(tag)
        if tag not in ("meta", "br"):
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.seen.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.open and self.open[-1] == tag:
            self.open.pop()
        else:
            self.unbalanced += 1


def test_html_goes_to_the_file_named_and_is_a_whole_page(capsys, demo, expected, tmp_path):
    target = tmp_path / "report.html"
    code, out, _ = periodic(capsys, demo, "--period", "month", "--format", "html", "-o", target)
    assert code == 0
    assert out == ""
    page = target.read_text(encoding="utf-8")
    tags = Tags()
    tags.feed(page)
    assert (tags.unbalanced, tags.open) == (0, [])
    assert tags.seen.count("svg") == 3
    assert "script" not in tags.seen
    assert expected["month"]["title"] in page
    assert leftovers(tmp_path) == []


def test_json_to_a_file_matches_json_on_standard_output(capsys, demo, tmp_path):
    target = tmp_path / "week.json"
    code, out, _ = periodic(capsys, demo, "--period", "week", "--format", "json", "-o", target)
    assert (code, out) == (0, "")
    assert json.loads(target.read_text(encoding="utf-8")) == periodic_json(
        capsys, demo, "--period", "week"
    )
    assert leftovers(tmp_path) == []


def test_a_unit_report_covers_that_unit_and_ranks_the_units_below(capsys, demo):
    body = periodic_json(capsys, demo, "--period", "month", "--unit", "t1", "--min-sample", "1")
    assert body["unit"] == "t1"
    assert body["unit_name"] == demo.units["t1"].name
    assert body["title"].startswith(demo.units["t1"].name)
    ranked = {standing["unit"] for standing in body["ranking"]["standings"]}
    assert ranked == set(demo.units.children("t1"))
    members = set(demo.units.subtree("t1"))
    period = ReportingPeriod.containing(AS_OF_MOMENT, kind="month")
    mine = [
        issue for issue in demo.issues
        if (issue.responsible_unit or issue.received_by) in members
        and period.start <= issue.received_at <= AS_OF_MOMENT
    ]  # fmt: skip
    assert body["flow"]["collected"] == len(mine)


def test_rank_by_and_min_sample_choose_the_ranking(capsys, demo):
    body = periodic_json(
        capsys, demo, "--period", "quarter", "--rank-by", "satisfaction", "--min-sample", "8"
    )
    ranking = body["ranking"]
    assert (ranking["by"], ranking["min_sample"]) == ("satisfaction", 8)
    for standing in ranking["standings"]:
        if standing["rank"] is None:
            assert standing["reason"]
        else:
            assert standing["sample"] >= 8
    scores = [Fraction(s["score"]) for s in ranking["standings"] if s["rank"] is not None]
    assert scores  # the quarter's units are large enough to rank
    assert scores == sorted(scores, reverse=True)


def test_as_of_may_be_an_rfc_3339_moment(capsys, demo):
    moment = "2026-08-20T12:30:00+08:00"
    body = periodic_json(capsys, demo, "--period", "half-month", "--as-of", moment)
    at = parse_instant(moment)
    assert parse_instant(body["as_of"]) == at
    assert body["period"]["label"] == "2026年8月下半月"
    assert body["flow"]["collected"] == collected_by_hand(demo, "half_month", at)


# -- refusals ------------------------------------------------------------------------------


def test_writing_into_a_missing_folder_exits_2_and_creates_nothing(capsys, demo, tmp_path):
    target = tmp_path / "missing" / "report.json"
    code, out, err = periodic(capsys, demo, "--period", "week", "--format", "json", "-o", target)
    assert code == 2
    assert "error" in err
    assert not (tmp_path / "missing").exists()
    assert out == ""


def test_writing_over_a_folder_exits_2_and_leaves_no_partial_file(capsys, demo, tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    code, _, err = periodic(capsys, demo, "--period", "week", "--format", "csv", "-o", target)
    assert code == 2
    assert "error" in err
    assert target.is_dir()
    assert list(target.iterdir()) == []
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_failed_report_leaves_an_existing_output_file_as_it_was(capsys, demo, tmp_path):
    target = tmp_path / "report.json"
    target.write_text("kept", encoding="utf-8")
    code, _, err = periodic(
        capsys, demo, "--period", "week", "--format", "json", "--unit", "nowhere", "-o", target
    )
    assert code == 2
    assert "nowhere" in err
    assert target.read_text(encoding="utf-8") == "kept"
    assert leftovers(tmp_path) == []


REFUSED = [
    (["--period", "week", "--by", "unit"], "--by"),
    (["--unit", "t1"], "--unit"),
    (["--format", "html"], "--format"),
    (["--period", "week", "--unit", "nowhere"], "unit"),
    (["--period", "week", "--min-sample", "0"], "min_sample"),
    (["--period", "week", "--as-of", "2026-02-30"], "--as-of"),
    (["--period", "week", "--as-of", "yesterday"], "--as-of"),
]


@pytest.mark.parametrize(("extra", "named"), REFUSED, ids=lambda value: str(value))
def test_bad_periodic_options_exit_2_with_a_clear_message(capsys, demo, extra, named):
    code, out, err = run(capsys, "report", "--db", demo.path, *extra)
    assert code == 2
    assert out == ""
    message = flat(err)
    assert message.startswith("error:")
    assert named in message


def test_unit_without_period_names_the_unit_given(capsys, demo):
    code, _, err = run(capsys, "report", "--db", demo.path, "--unit", "t1")
    assert code == 2
    assert "'t1'" in flat(err)


@pytest.mark.parametrize(
    "extra", [["--period", "fortnight"], ["--period", "week", "--rank-by", "speed"]]
)
def test_choices_the_parser_does_not_know_exit_2(capsys, demo, extra):
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main(["report", "--db", str(demo.path), *extra])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_periodic_report_on_a_missing_ledger_exits_2_and_creates_nothing(capsys, tmp_path):
    path = tmp_path / "none.db"
    code, _, err = run(capsys, "report", "--db", path, "--period", "week", "--as-of", AS_OF)
    assert code == 2
    assert "does not exist" in flat(err)
    assert list(tmp_path.iterdir()) == []
