"""What the command line prints from data reaches the terminal as text: no
control characters (ESC, CSI, BEL, bidirectional overrides) and no rich markup
or emoji codes read out of unit names, titles, file headers or file names."""

import contextlib
import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from banshishi import (
    Actor,
    Channel,
    Issue,
    LedgerStore,
    Level,
    Role,
    Unit,
    UnitTree,
    Urgency,
)
from banshishi._cli.main import main
from banshishi._cli.terminal_text import error_line, plain, printable
from banshishi._exchange.ledger_columns import COLUMNS

ESCAPES = "\x1b[31mRED\x1b[0m\x1b]0;pwned\x07\x1b[2J"
BIDI = "\u202eevil\u202c\u2066x\u2069"
MARKUP = "[bold]B[/bold]:smile:"
C1 = "\x9b31m\x85"
RECEIVED = pendulum.datetime(2026, 9, 1, 9, tz="Asia/Shanghai")
AS_OF = "2026-09-30"
# Everything a terminal could act on: C0 controls but the line feed, DEL, C1
# controls, and the bidirectional controls.
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Run:
    code: Any
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err


def cli(*args: str | Path) -> Run:
    """The command line run in-process, as on a terminal that takes no colour
    (so every ESC printed would have come from the data), 300 columns wide."""
    out, err = io.StringIO(), io.StringIO()
    environment = {"COLUMNS": "300", "TTY_COMPATIBLE": "0", "NO_COLOR": "1"}
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        mock.patch.dict(os.environ, environment),
    ):
        os.environ.pop("FORCE_COLOR", None)
        try:
            code: Any = main([str(arg) for arg in args])
        except SystemExit as exit_:
            code = exit_.code
    return Run(code, out.getvalue(), err.getvalue())


def assert_shown_as_text(text: str, markup: str = MARKUP) -> None:
    """Nothing a terminal acts on, and the markup and emoji code printed as typed."""
    assert FORBIDDEN.findall(text) == []
    assert markup in text
    assert "😄" not in text


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger whose unit names and one overdue issue's title hold escape
    sequences, C1 controls, bidirectional overrides, markup and an emoji code."""
    path = tmp_path_factory.mktemp("terminal") / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.save_units(
            UnitTree(
                [
                    Unit(id="county", name=f"县{ESCAPES}{MARKUP}", level=Level.COUNTY),
                    Unit(
                        id="t1",
                        name=f"街道{BIDI}{C1}{MARKUP}",
                        parent="county",
                        level=Level.TOWNSHIP,
                    ),
                ]
            )
        )
        store.receive(
            Issue(
                id="I-1",
                title=f"路灯{ESCAPES}{BIDI}{MARKUP}",
                channel=Channel.HOTLINE,
                urgency=Urgency.URGENT,
                received_at=RECEIVED,
                received_by="t1",
            ),
            actor=Actor(id="clerk", role=Role.INTAKE_CLERK),
        )
        store.apply(
            "I-1",
            "transfer",
            actor=Actor(id="dispatcher", role=Role.DISPATCHER),
            at=RECEIVED.add(hours=1),
            unit="t1",
        )
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--by", "unit"],
        ["report", "--by", "unit", "--as-of", AS_OF],
        ["report", "--period", "month", "--as-of", AS_OF],
        ["report", "--period", "month", "--as-of", AS_OF, "--unit", "t1", "--min-sample", "1"],
    ],
    ids=["by-unit", "by-unit-as-of", "period", "period-of-a-unit"],
)
def test_reports_print_unit_names_and_titles_without_escapes_or_markup(
    ledger: Path, args: list[str]
) -> None:
    run = cli(*args, "--db", ledger)
    assert run.code == 0, run.err
    assert_shown_as_text(run.both)
    assert "[31mRED[0m" in run.out  # what is left of an escape sequence is shown as text
    assert "街道evil" in run.out


def test_the_periodic_table_shows_the_overdue_title_as_text(ledger: Path) -> None:
    run = cli("report", "--period", "month", "--as-of", AS_OF, "--db", ledger)
    assert run.code == 0, run.err
    overdue = run.out[run.out.index("Overdue: 1 open") :]
    assert f"路灯[31mRED[0m]0;pwned[2Jevilx{MARKUP}" in overdue


def test_a_ledger_file_check_prints_a_bad_header_and_values_as_text(
    ledger: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "ledger.csv"
    assert cli("ledger-file", "export", "--db", ledger, "-o", exported).code == 0
    with exported.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    rows[0].append(f"备注{ESCAPES}{BIDI}{C1}{MARKUP}")
    rows[1].append(f"值{ESCAPES}{MARKUP}")
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(rows)
    run = cli("ledger-file", "check", bad)
    assert run.code == 2
    assert f"past the {len(COLUMNS)} columns a ledger has" in run.err
    assert_shown_as_text(run.both)
    assert "备注[31mRED[0m" in run.err


def test_a_file_name_and_an_error_message_are_printed_as_text(ledger: Path, tmp_path: Path) -> None:
    markup = "[bold red]B:smile:"  # a file name holds no slash
    named = tmp_path / f"ledger{ESCAPES}{markup}.db"
    named.write_bytes(ledger.read_bytes())
    run = cli("verify", "--db", named)
    assert run.code == 0, run.err
    assert_shown_as_text(run.both, markup)
    refused = cli("report", "--period", "month", "--db", named, "--unit", f"x{ESCAPES}{MARKUP}")
    assert refused.code == 2
    assert refused.err.startswith("error: ")
    assert FORBIDDEN.findall(refused.both) == []
    missing = cli("report", "--db", tmp_path / f"missing{BIDI}{markup}.db")
    assert missing.code == 2
    assert_shown_as_text(missing.both, markup)


# -- the helper ------------------------------------------------------------------------------


def test_printable_drops_controls_and_turns_line_breaks_into_spaces() -> None:
    assert printable(f"县{ESCAPES}") == "县[31mRED[0m]0;pwned[2J"
    assert printable("a\tb\nc\r\nd\u2028e\x85f") == "a b c  d e f"
    assert printable(f"{BIDI}{C1}") == "evilx31m "
    assert printable("城关\u3000街道（[b]）😄") == "城关\u3000街道（[b]）😄"
    assert printable("\ud800") == "\ufffd"
    assert printable(42) == "42"


@given(st.text())
def test_nothing_printable_leaves_can_act_on_a_terminal(text: str) -> None:
    shown = printable(text)
    assert FORBIDDEN.findall(shown) == []
    assert printable(shown) == shown


_ORDINARY = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=BIDI)


@given(st.text(alphabet=_ORDINARY))
def test_text_without_controls_is_printed_as_it_is(text: str) -> None:
    assert printable(text) == text


def test_plain_text_is_never_read_as_markup_or_emoji() -> None:
    console = Console(file=io.StringIO(), width=200, color_system=None, record=True)
    console.print(plain(f"{MARKUP}\\", "bold"))
    console.print(error_line(ValueError(f"bad {MARKUP}{ESCAPES}")))
    shown = console.export_text()
    assert shown.splitlines() == [f"{MARKUP}\\", f"error: bad {MARKUP}[31mRED[0m]0;pwned[2J"]
