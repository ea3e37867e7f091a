"""Helpers of the command-line tests: running ``main`` in-process, reading what it
printed (plain, without colour), copying ledgers, and counting a report's figures.
"""

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pendulum
import pytest

from banshishi import LedgerStore
from banshishi._cli.main import main
from banshishi._metrics.figures import ISSUE_RATES

ZONE = "Asia/Shanghai"
RATE_NAMES = [name for name, _ in ISSUE_RATES]
COUNTS = ("received", "dismissed", "open", "overdue")
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """Text without terminal escape codes (in case colour is forced in the environment)."""
    return _ANSI.sub("", text)


def flat(text: str) -> str:
    """Text with every run of white space made one space, so wrapped lines still match."""
    return " ".join(text.split())


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run the command line in-process; returns its exit code, stdout and stderr."""
    capsys.readouterr()
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, plain(captured.out), plain(captured.err)


def exit_code(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[Any, str, str]:
    """Run a command line argparse must end with SystemExit; returns its code and output."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return stopped.value.code, plain(captured.out), plain(captured.err)


def copy_ledger(source: Path, target: Path) -> Path:
    shutil.copy(source, target)
    for suffix in SIDE_SUFFIXES:
        side = Path(f"{source}{suffix}")
        if side.exists():
            shutil.copy(side, Path(f"{target}{suffix}"))
    return target


def side_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in SIDE_SUFFIXES if Path(f"{path}{suffix}").exists()]


def report_json(capsys: pytest.CaptureFixture[str], db: Path, *extra: str) -> dict[str, Any]:
    code, out, _ = run(capsys, "report", "--db", db, "--format", "json", *extra)
    assert code == 0
    body: dict[str, Any] = json.loads(out)
    return body


def all_row(body: dict[str, Any]) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [row for row in body["rows"] if row["group"] == "all"]
    assert len(rows) == 1
    assert body["rows"][-1]["group"] == "all"
    return rows[0]


def counts_of(record: dict[str, Any], *, overdue: bool = True) -> dict[str, int]:
    """Every count of a report record: the plain counts, and each rate's two counts."""
    counts = {name: record[name] for name in COUNTS if overdue or name != "overdue"}
    for name in RATE_NAMES:
        counts[f"{name}.numerator"] = record[name]["numerator"]
        counts[f"{name}.denominator"] = record[name]["denominator"]
    return counts


def figure_counts(figures: Any, *, overdue: bool = True) -> dict[str, int]:
    counts = {name: getattr(figures, name) for name in COUNTS if overdue or name != "overdue"}
    for name in RATE_NAMES:
        rate = getattr(figures, name)
        counts[f"{name}.numerator"] = rate.numerator
        counts[f"{name}.denominator"] = rate.denominator
    return counts


def add_counts(records: list[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for record in records:
        for key, value in record.items():
            total[key] = total.get(key, 0) + value
    return total


def event_count(db: Path) -> int:
    with LedgerStore.open(db) as store:
        return store.verify().events


def end_of_day(text: str) -> pendulum.DateTime:
    year, month, day = (int(part) for part in text.split("-"))
    return pendulum.datetime(year, month, day, tz=ZONE).end_of("day")
