"""Output files of the command line and the library: never onto the ledger,
written as files are (a device or a FIFO written into, a link followed, a
file's permissions kept, private data owner-only), and every CSV through the
one writer (CR and LF quoted, every cell a spreadsheet would run guarded).

The ledger is a small demo with two issues planted whose title and note hold
carriage returns and formulas. Device nodes are made in the test's own folder
(as root), never written in /dev.
"""

import contextlib
import csv
import io
import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from banshishi import (
    Actor,
    Channel,
    DismissalReason,
    Issue,
    LedgerFileError,
    LedgerStore,
    Role,
    Urgency,
    write_ledger_file,
)
from banshishi._cli.main import main
from banshishi._core.csv_text import CsvWriter, Figure, unguard
from banshishi._core.whole_file import write_text_whole
from banshishi._reports.report import report_rows, write_csv

ZONE = "Asia/Shanghai"
PLANTED_AT = pendulum.datetime(2026, 7, 2, 9, tz=ZONE)
AS_OF = "2026-08-20"
CR_TITLE = "路灯不亮\r=1+1"
CR_NOTE = "第一行\r第二行\r=1+1 @SUM(A1)"  # bare carriage returns, no line feed
FORMULA = '=HYPERLINK("http://x.example","点击")'
TRIGGERS = tuple("=+-@\t\r")
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
ROOT = os.geteuid() == 0


def cli(*args: str | Path) -> tuple[int, str, str]:
    """Run the command line in-process; returns its exit code, stdout and stderr."""
    out, err = io.StringIO(newline=""), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return code, out.getvalue(), err.getvalue()


def plant(path: Path) -> None:
    clerk = Actor(id="clerk", role=Role.INTAKE_CLERK)
    with LedgerStore.open(path) as store:
        for number, title in ((1, CR_TITLE), (2, "来电")):
            store.receive(
                Issue(
                    id=f"CR-{number}",
                    title=title,
                    channel=Channel.HOTLINE,
                    urgency=Urgency.URGENT,
                    received_at=PLANTED_AT,
                    category="市政设施",
                ),
                actor=clerk,
            )
        dispatcher = Actor(id="dispatcher", role=Role.DISPATCHER)
        store.apply("CR-1", "transfer", actor=dispatcher, at=PLANTED_AT.add(hours=1),
                    unit="jiaotong")  # fmt: skip
        store.apply(
            "CR-2",
            "dismiss",
            actor=dispatcher,
            at=PLANTED_AT.add(hours=1),
            note=CR_NOTE,
            reason=DismissalReason.INVALID,
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outputs") / "ledger.db"
    assert cli("demo", "--db", path, "--issues", "40", "--seed", "5")[0] == 0
    plant(path)
    return path


@pytest.fixture
def ledger(built: Path, tmp_path: Path) -> Path:
    """A copy of the demo ledger, alone in the test's folder."""
    target = tmp_path / "ledger.db"
    shutil.copy(built, target)
    return target


def state(folder: Path) -> dict[str, tuple[str, int, bytes | str]]:
    """Every entry of ``folder``: its kind, inode and bytes (or a link's target)."""
    seen: dict[str, tuple[str, int, bytes | str]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink():
            seen[entry.name] = ("link", entry.lstat().st_ino, os.readlink(entry))
        else:
            seen[entry.name] = ("file", entry.stat().st_ino, entry.read_bytes())
    return seen


# -- 1. never onto the ledger -----------------------------------------------------------------

COMMANDS = {
    "report csv": ("report", "--format", "csv"),
    "report json": ("report", "--format", "json"),
    "periodic csv": ("report", "--period", "month", "--as-of", AS_OF, "--format", "csv"),
    "export": ("export",),
    "disclose": ("disclose", "issues", "--format", "csv", "--as-of", AS_OF),
    "open311": ("open311", "export", "--as-of", AS_OF),
    "ledger-file": ("ledger-file", "export"),
}


def _itself(ledger: Path) -> Path:
    return ledger


def _hard_link(ledger: Path) -> Path:
    link = ledger.with_name("out.csv")
    os.link(ledger, link)
    return link


def _symbolic_link(ledger: Path) -> Path:
    link = ledger.with_name("out.csv")
    link.symlink_to(ledger.name)
    return link


def _log(ledger: Path) -> Path:
    return Path(f"{ledger}-wal")


def _link_to_the_log(ledger: Path) -> Path:
    link = ledger.with_name("out.csv")
    link.symlink_to(f"{ledger.name}-wal")
    return link


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    "aim", [_itself, _hard_link, _symbolic_link, _log, _link_to_the_log],
    ids=["itself", "hard link", "symbolic link", "its -wal", "link to its -wal"],
)  # fmt: skip
def test_output_onto_the_ledger_or_its_files_is_refused_and_nothing_changes(
    ledger: Path, command: str, aim: Any
) -> None:
    if command == "ledger-file":  # the ledger-file writer takes its format from the suffix
        ledger = ledger.rename(ledger.with_name("ledger.csv"))
    target = aim(ledger)
    before = state(ledger.parent)
    name, *rest = COMMANDS[command]
    where = [name, rest.pop(0)] if name in ("disclose", "open311", "ledger-file") else [name]
    code, _, err = cli(*where, "--db", ledger, *rest, "-o", target)
    assert code == 2, err
    assert "--output" in err
    assert "ledger" in err
    assert state(ledger.parent) == before
    assert cli("verify", "--db", ledger)[0] == 0


def test_a_file_writer_never_overwrites_an_sqlite_database(ledger: Path) -> None:
    before = ledger.read_bytes()
    with pytest.raises(LedgerFileError, match="SQLite"):
        write_ledger_file([], ledger, format="csv")
    with pytest.raises(Exception, match="SQLite"):
        write_text_whole(ledger, "text")
    assert ledger.read_bytes() == before
    assert sorted(p.name for p in ledger.parent.iterdir()) == ["ledger.db"]


# -- 4. files written as files ----------------------------------------------------------------


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
@pytest.mark.parametrize("command", ["open311", "report csv", "ledger-file"])
def test_an_existing_file_keeps_its_permissions_and_owner(
    ledger: Path, tmp_path: Path, command: str, mode: int
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(mode)
    if ROOT:  # someone else's file, rewritten by root, stays theirs
        os.chown(target, 65534, 65534)
    before = target.stat()
    name, *rest = COMMANDS[command]
    where = [name, rest.pop(0)] if name in ("open311", "ledger-file") else [name]
    with umask(0o022):
        code, _, err = cli(*where, "--db", ledger, *rest, "-o", target)
    assert code == 0, err
    after = target.stat()
    assert stat.S_IMODE(after.st_mode) == mode
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert target.read_bytes() != b"old\n"
    assert after.st_ino != before.st_ino  # replaced whole, not written over in place


@pytest.mark.parametrize(
    ("command", "mode"),
    [("open311", 0o600), ("export", 0o600), ("ledger-file", 0o600), ("report csv", 0o644),
     ("disclose", 0o644)],
)  # fmt: skip
def test_a_new_file_is_owner_only_when_it_holds_unmasked_data(
    ledger: Path, tmp_path: Path, command: str, mode: int
) -> None:
    target = tmp_path / "new.csv"
    name, *rest = COMMANDS[command]
    where = [name, rest.pop(0)] if name in ("disclose", "open311", "ledger-file") else [name]
    with umask(0o022):
        code, _, err = cli(*where, "--db", ledger, *rest, "-o", target)
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_symbolic_link_is_followed_and_stays(ledger: Path, tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "rates.csv"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    code, _, err = cli("report", "--db", ledger, "--format", "csv", "-o", link)
    assert code == 0, err
    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    rows = list(csv.reader(io.StringIO(real.read_bytes().decode("utf-8"), newline="")))
    assert rows[0][:2] == ["group", "label"]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["rates.csv"]


def test_a_fifo_is_written_into_not_replaced(ledger: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # The reading end is open (without blocking) before the command writes; the
    # report is far smaller than the pipe's buffer, so the writer never waits.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        code, _, err = cli("report", "--db", ledger, "--format", "json", "-o", fifo)
        chunks = []
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(reader, 1 << 16):
                chunks.append(chunk)
    finally:
        os.close(reader)
    assert code == 0, err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    body = json.loads(b"".join(chunks).decode("utf-8"))
    assert body["rows"][-1]["group"] == "all"
    assert {p.name for p in tmp_path.iterdir()} - {f"ledger.db{s}" for s in SIDE_SUFFIXES} == {
        "ledger.db",
        "pipe",
    }


def _device(folder: Path, name: str, minor: int) -> Path:
    """A character device of the memory driver (3 null, 7 full): made in the test's
    folder when root (so /dev is never at stake), the system's one otherwise."""
    if not ROOT:
        return Path("/dev") / name
    node = folder / name
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return node


@pytest.mark.parametrize("command", ["export", "report csv", "open311", "ledger-file"])
def test_a_full_device_is_written_into_and_its_failure_reported(
    ledger: Path, tmp_path: Path, command: str
) -> None:
    full = _device(tmp_path, "full.csv", 7)
    name, *rest = COMMANDS[command]
    where = [name, rest.pop(0)] if name in ("open311", "ledger-file") else [name]
    code, _, err = cli(*where, "--db", ledger, *rest, "-o", full)
    assert code == 2
    assert "disk is full" in " ".join(err.split())
    assert stat.S_ISCHR(full.lstat().st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_null_device_takes_the_output_and_stays_a_device(ledger: Path, tmp_path: Path) -> None:
    null = _device(tmp_path, "null.csv", 3)
    for command in ("export", "report csv", "ledger-file"):
        name, *rest = COMMANDS[command]
        where = [name, rest.pop(0)] if name == "ledger-file" else [name]
        code, _, err = cli(*where, "--db", ledger, *rest, "-o", null)
        assert code == 0, err
        assert stat.S_ISCHR(null.lstat().st_mode)


def test_a_directory_is_refused(ledger: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    code, _, err = cli("export", "--db", ledger, "-o", folder)
    assert code == 2
    assert "directory" in err
    assert list(folder.iterdir()) == []


# -- 5. one CSV writer ------------------------------------------------------------------------


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_an_export_with_carriage_returns_imports_back(ledger: Path, tmp_path: Path) -> None:
    exported = tmp_path / "events.csv"
    code, _, err = cli("export", "--db", ledger, "-o", exported)
    assert code == 0, err
    rows = rows_of(exported.read_bytes().decode("utf-8"))
    assert {len(row) for row in rows} == {len(rows[0])}
    notes = [unguard(row[rows[0].index("note")]) for row in rows[1:]]
    assert CR_NOTE in notes
    copy = tmp_path / "copy.db"
    code, _, err = cli("import", exported, "--db", copy)
    assert code == 0, err
    with LedgerStore.open(copy) as store:
        assert store.verify(deep=True)
        assert store.issue("CR-1").title == CR_TITLE
    again = rows_of(cli("export", "--db", copy)[1])
    assert sorted(row[1:-1] for row in again) == sorted(row[1:-1] for row in rows)


def test_the_periodic_csv_keeps_a_title_with_a_carriage_return_in_its_cell(ledger: Path) -> None:
    code, out, err = cli(
        "report", "--db", ledger, "--period", "month", "--as-of", AS_OF, "--format", "csv"
    )
    assert code == 0, err
    rows = rows_of(out)
    assert {len(row) for row in rows} == {len(rows[0])}
    assert not [row for row in rows if row[0].startswith(TRIGGERS)]
    overdue = {row[1]: row for row in rows if row[0] == "overdue"}
    assert unguard(overdue["CR-1"][2]) == CR_TITLE


def test_the_report_csv_guards_a_unit_named_like_a_formula(ledger: Path) -> None:
    with LedgerStore.open(ledger, read_only=True) as store:
        rows = report_rows(store.summaries(), at=pendulum.now(ZONE), by="unit", units=store.units)
    planted = [attrs.evolve(rows[0], group="@unit", label=FORMULA), *rows[1:]]
    text = io.StringIO(newline="")
    write_csv(planted, text)
    parsed = rows_of(text.getvalue())
    assert parsed[1][:2] == ["'@unit", "'" + FORMULA]
    assert not [cell for row in parsed for cell in row if cell.startswith(TRIGGERS)]


@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                st.text(alphabet=st.sampled_from("'=+-@\t\r\n\",; a1.路")),
                st.text(),
                st.integers(),
                st.none(),
            ),
            min_size=1,
            max_size=5,
        ),
        max_size=5,
    )
)
@example(rows=[["a\rb", "=1+1"], ["\r", "'=x"]])
def test_the_csv_writer_round_trips_any_text_and_leaves_nothing_to_run(
    rows: list[list[object]],
) -> None:
    text = io.StringIO(newline="")
    writer = CsvWriter(text)
    for row in rows:
        writer.row(row)
    written = text.getvalue()
    parsed = rows_of(written)
    expected = [["" if cell is None else str(cell) for cell in row] for row in rows]
    assert [[unguard(cell) for cell in row] for row in parsed] == expected
    texts = [
        cell for row, given in zip(parsed, rows, strict=True)
        for cell, value in zip(row, given, strict=True) if isinstance(value, str)
    ]  # fmt: skip
    assert not [cell for cell in texts if cell.startswith(TRIGGERS)]
    # A line break outside quotes is a line end, and every line ends CRLF.
    assert written.count("\r\n") >= len(rows)
    assert not written or written.endswith("\r\n")


@pytest.mark.parametrize(
    ("figure", "written"),
    [("+0.6", "+0.6"), ("-3", "-3"), ("—", "—"), ("-1+1", "'-1+1"), ("=1", "'=1")],
)
def test_a_figure_is_left_as_a_number_only_when_it_is_one(figure: str, written: str) -> None:
    text = io.StringIO(newline="")
    CsvWriter(text).row([Figure(figure)])
    assert rows_of(text.getvalue()) == [[written]]
