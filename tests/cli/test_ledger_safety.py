"""The ledger file itself under the command line: imports racing into a new
ledger, ``demo --replace``, builders killed half-way, read-only ledgers, a
``--db`` that is a FIFO, and a full disk.

Races are made deterministic where they can be: the rival's import is run at
the exact moment the refused one would have done harm. Killed builders are
forked children that SIGKILL themselves in the middle of writing. Read-only is
real: the ledger's folder and file are made read-only and the commands run in
a child process which, when the tests run as root, first gives up the
capabilities that let root ignore permission bits.
"""

import contextlib
import ctypes
import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pendulum
import pytest

from banshishi import (
    Actor,
    Channel,
    Issue,
    LedgerStore,
    NotFoundError,
    Role,
    StoreError,
    Urgency,
)
from banshishi._cli import main as cli_module
from banshishi._cli.main import main

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
ROOT = os.geteuid() == 0
READ_COMMANDS = (
    ("verify",),
    ("verify", "--deep"),
    ("report",),
    ("report", "--format", "csv", "--by", "unit"),
    ("report", "--period", "month", "--as-of", "2026-08-20", "--format", "json"),
    ("export",),
    ("disclose", "issues", "--as-of", "2026-08-20"),
    ("open311", "export", "--as-of", "2026-08-20"),
    ("ledger-file", "export"),
)


def cli(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(arg) for arg in args])
    return code, out.getvalue(), " ".join(err.getvalue().split())


def _with_db(command: tuple[str, ...], db: Path | str) -> list[str]:
    """The command line with ``--db`` after the subcommand (and its action)."""
    head = 2 if command[0] in ("disclose", "open311", "ledger-file") else 1
    return [*command[:head], "--db", str(db), *command[head:]]


def hidden(folder: Path, name: str) -> list[str]:
    """What is beside the ledger ``name`` in ``folder`` but the ledger and its side files."""
    own = {name, *(f"{name}{suffix}" for suffix in SIDE_SUFFIXES)}
    return sorted(p.name for p in folder.iterdir() if p.name not in own)


def events(path: Path) -> int:
    with LedgerStore.open(path, read_only=True) as store:
        report = store.verify(deep=True)
    assert report, report.problem
    return report.events


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("safety") / "ledger.db"
    assert cli("demo", "--db", path, "--issues", "20", "--seed", "3")[0] == 0
    return path


@pytest.fixture(scope="module")
def exported(built: Path) -> Path:
    path = built.with_name("events.csv")
    assert cli("export", "--db", built, "-o", path, "--include-confidential")[0] == 0
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of its own, holding nothing but what the test puts there."""
    path = tmp_path / "ledgers"
    path.mkdir()
    return path


def _forked(target: Any, *args: Any) -> int:
    """Run ``target(*args)`` in a forked child and return its exit code."""
    child = multiprocessing.get_context("fork").Process(target=target, args=args)
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        child.join()
    assert child.exitcode is not None
    return child.exitcode


def _killed_while_writing(method: str, argv: list[str]) -> None:
    """In a child: run the command line, dying by SIGKILL when ``method`` of the
    store is called, as a process killed half-way through writing would."""

    def die(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(LedgerStore, method, die)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(argv)


# -- 2. imports into a new ledger --------------------------------------------------------------


def test_a_refused_import_never_removes_a_ledger_made_while_it_read(
    folder: Path, exported: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = folder / "new.db"
    read_export, raced = cli_module.read_export, list[Any]()

    def rival_imports_meanwhile(file: Any, **options: Any) -> Any:
        read = read_export(file, **options)
        if not raced:  # the rival's import runs, whole, while this one reads its file
            raced.append(None)
            raced[0] = cli("import", exported, "--db", db)
        return read

    monkeypatch.setattr(cli_module, "read_export", rival_imports_meanwhile)
    code, _, err = cli("import", exported, "--db", db)
    assert raced[0][0] == 0
    assert code == 2
    assert "already stored" in err
    assert events(db) == events(built)
    assert hidden(folder, "new.db") == []


def test_a_refused_import_never_removes_a_ledger_linked_in_first(
    folder: Path, exported: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = folder / "new.db"
    link_into_place, raced = cli_module.link_into_place, list[Any]()

    def rival_links_first(staged: Path, path: Path) -> bool:
        if not raced:  # the rival finishes just before this one puts its ledger in place
            raced.append(None)
            raced[0] = cli("import", exported, "--db", db)
        return link_into_place(staged, path)

    monkeypatch.setattr(cli_module, "link_into_place", rival_links_first)
    code, _, err = cli("import", exported, "--db", db)
    assert raced[0][0] == 0
    assert code == 2
    assert "already stored" in err
    assert events(db) == events(built)
    assert hidden(folder, "new.db") == []


def _importer(argv: list[str], barrier: Any, results: Any) -> None:
    barrier.wait(timeout=60)
    try:
        results.put(cli(*argv))
    except BaseException as error:  # reported to the parent, which fails the test
        results.put((-1, "", repr(error)))


def test_three_imports_racing_into_a_new_ledger_leave_the_winners_intact(
    folder: Path, exported: Path, built: Path
) -> None:
    db = folder / "new.db"
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(3), context.Queue()
    argv = ["import", str(exported), "--db", str(db)]
    children = [context.Process(target=_importer, args=(argv, barrier, results)) for _ in "abc"]
    for child in children:
        child.start()
    try:
        outcomes = [results.get(timeout=120) for _ in children]
    finally:
        for child in children:
            child.join(timeout=60)
    assert sorted(code for code, _, _ in outcomes) == [0, 2, 2], outcomes
    assert all("already stored" in err for code, _, err in outcomes if code == 2)
    assert events(db) == events(built)
    assert hidden(folder, "new.db") == []


def test_a_killed_import_leaves_no_ledger_and_the_next_import_clears_its_leftovers(
    folder: Path, exported: Path, built: Path
) -> None:
    db = folder / "new.db"
    argv = ["import", str(exported), "--db", str(db)]
    assert _forked(_killed_while_writing, "write_histories", argv) == -signal.SIGKILL
    assert not db.exists()  # never a half-made ledger where --db points
    code, _, err = cli(*argv)
    assert code == 0, err
    assert events(db) == events(built)
    assert hidden(folder, "new.db") == []


# -- 3. demo --replace ---------------------------------------------------------------------------


def test_demo_replace_keeps_a_ledger_at_db_at_every_moment(
    folder: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = folder / "ledger.db"
    assert cli("demo", "--db", db, "--issues", "20", "--seed", "4")[0] == 0
    replace, seen = os.replace, []

    def watched(source: Any, target: Any) -> None:
        if Path(target) == db:  # the moment the new ledger moves in: the old one is still there
            seen.append(events(db))
        replace(source, target)

    monkeypatch.setattr(os, "replace", watched)
    code, _, err = cli("demo", "--db", db, "--issues", "20", "--seed", "3", "--replace")
    assert code == 0, err
    assert len(seen) == 1
    assert seen[0] > 0
    assert events(db) == events(built)
    assert hidden(folder, "ledger.db") == []


@pytest.mark.parametrize("replace", [False, True], ids=["new", "--replace"])
def test_the_leftovers_of_a_killed_demo_are_cleared_by_the_next(
    folder: Path, built: Path, replace: bool
) -> None:
    db = folder / "ledger.db"
    argv = ["demo", "--db", str(db), "--issues", "20", "--seed", "3"]
    if replace:
        assert cli(*argv)[0] == 0
        argv.append("--replace")
    before = db.read_bytes() if replace else None
    assert _forked(_killed_while_writing, "write_ledgers", argv) == -signal.SIGKILL
    assert hidden(folder, "ledger.db") != []  # the killed run's build, and its side files
    assert (db.read_bytes() if db.exists() else None) == before
    code, _, err = cli(*argv)
    assert code == 0, err
    assert hidden(folder, "ledger.db") == []
    assert events(db) == events(built)


def test_only_the_leftovers_of_processes_gone_are_cleared(folder: Path) -> None:
    from banshishi._core.staging import clean_stale, private_name

    db = folder / "ledger.db"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(gone.stdout)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        mine = private_name(db, "demo")
        alive = Path(str(mine).replace(f"-{os.getpid()}.", f"-{sleeper.pid}."))
        other_host = folder / f".ledger.db.00000000-{dead}.abcdef.demo"
        unrelated = folder / f".other.db.{dead}.demo"
        # What builds before this one named theirs, with a log beside one.
        legacy = [folder / f".ledger.db.{dead}.demo", folder / f".ledger.db.{dead}.demo-wal",
                  folder / f".ledger.db.{dead}.{'ab' * 16}.new"]  # fmt: skip
        for path in (mine, alive, other_host, unrelated, *legacy):
            path.write_bytes(b"")
        assert clean_stale(db) == sorted(legacy)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert clean_stale(db) == [alive]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [mine.name, other_host.name, unrelated.name]
    )


# -- 15. read-only ledgers, FIFOs, a full disk -------------------------------------------------


_CHILD = """
import contextlib, io, json, sys
from banshishi._cli.main import main
folder, db, commands = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
try:
    open(folder + "/probe", "w")
    writable = True
except OSError:
    writable = False
outcomes = []
for argv in commands:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    outcomes.append([code, len(out.getvalue()), err.getvalue()])
print(json.dumps({"writable": writable, "outcomes": outcomes}))
"""


def _without_root_powers() -> None:
    """In the child before it runs: give up the capabilities that let root read
    and write whatever the permission bits say (nothing to give up otherwise)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


def _run_child(
    folder: Path, db: Path, commands: list[list[str]], *, bound: float = 300
) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), str(db), json.dumps(commands)],
        preexec_fn=_without_root_powers,
        capture_output=True,
        text=True,
        timeout=bound,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_read_commands_read_a_ledger_in_a_read_only_folder(folder: Path, built: Path) -> None:
    db = folder / "ledger.db"
    db.write_bytes(built.read_bytes())
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        before = (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(folder)))
        result = _run_child(folder, db, [_with_db(command, db) for command in READ_COMMANDS])
        after = (db.read_bytes(), db.stat().st_mtime_ns, sorted(os.listdir(folder)))
    finally:
        folder.chmod(0o755)
    assert result["writable"] is False  # the child really could not write there
    for command, (code, printed, err) in zip(READ_COMMANDS, result["outcomes"], strict=True):
        assert code == 0, (command, err)
        assert "not a banshishi ledger" not in err
        assert printed > 0 or command[0] == "verify"
    assert after == before


def test_read_commands_never_write_the_ledger(folder: Path, built: Path) -> None:
    db = folder / "ledger.db"
    db.write_bytes(built.read_bytes())
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    for command in READ_COMMANDS:
        code, _, err = cli(*_with_db(command, db))
        assert code == 0, err
        assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert hidden(folder, "ledger.db") == []


def test_a_store_opened_read_only_refuses_every_write(folder: Path, built: Path) -> None:
    db = folder / "ledger.db"
    db.write_bytes(built.read_bytes())
    before = db.read_bytes()
    with LedgerStore.open(db, read_only=True) as store:
        issue = next(iter(store.issues()))
        with pytest.raises(StoreError, match="reading only"):
            store.save_units(store.units)
        new = Issue(
            id="NEW-1", title="路灯不亮", channel=Channel.HOTLINE, urgency=Urgency.URGENT,
            received_at=pendulum.datetime(2026, 8, 1, 9, tz="Asia/Shanghai"),
        )  # fmt: skip
        with pytest.raises(StoreError, match="reading only"):
            store.receive(new, actor=Actor(id="clerk", role=Role.INTAKE_CLERK))
        with pytest.raises(NotFoundError):
            store.issue("NEW-1")
        assert store.issue(issue.id) == issue
    assert db.read_bytes() == before
    with pytest.raises(Exception, match="read_only"):
        LedgerStore.open(db, read_only=True, create=True)


_FIFO_COMMANDS = [["verify"], ["report"], ["export"], ["demo", "--issues", "20"]]


def test_db_on_a_fifo_is_refused_at_once(folder: Path, exported: Path) -> None:
    fifo = folder / "ledger.db"
    os.mkfifo(fifo)
    commands = [_with_db(tuple(command), fifo) for command in _FIFO_COMMANDS]
    commands.append(["import", str(exported), "--db", str(fifo)])
    # A ledger opened by reading would wait for a writer forever: the child is
    # given a generous bound, which it meets at once when the FIFO is refused.
    result = _run_child(folder, fifo, commands, bound=120)
    for code, _, err in result["outcomes"]:
        assert code == 2
        assert "not a regular file" in err
    assert os.path.exists(fifo)
    assert sorted(os.listdir(folder)) == ["ledger.db", "probe"]


_FULL_DISK = """
import contextlib, io, json, os, resource, signal, sys
from banshishi._cli.main import main
full, argv = sys.argv[1] == "full", json.loads(sys.argv[2])
# SQLite needs 32 KiB for the ledger's -shm file: a file size limit below that
# makes its write fail as on a full disk, and os.statvfs reports the disk full.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (16384, resource.RLIM_INFINITY))
if full:
    real = os.statvfs
    class Full:
        def __init__(self, path):
            self.f_frsize = real(path).f_frsize
            self.f_bfree = self.f_bavail = 0
    os.statvfs = Full
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    code = main(argv)
print(code, " ".join(err.getvalue().split()))
"""


@pytest.mark.parametrize("disk", ["full", "not full"])
def test_a_ledger_that_cannot_be_opened_is_not_called_not_a_ledger(
    folder: Path, built: Path, disk: str
) -> None:
    db = folder / "ledger.db"
    db.write_bytes(built.read_bytes())
    code, message = _on_a_full_disk(["verify", "--db", str(db)], full=disk == "full")
    assert code == "2"
    assert "not a banshishi ledger" not in message
    if disk == "full":
        assert "the disk is full" in message
    else:
        assert "cannot be read (disk I/O error)" in message
    assert events(db) > 0


def _on_a_full_disk(argv: list[str], *, full: bool) -> tuple[str, str]:
    """The exit code and the message of the command line run on a full disk (or
    one where files cannot grow past 16 KiB, if not ``full``)."""
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, "full" if full else "", json.dumps(argv)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    code, message = done.stdout.strip().split(" ", 1)
    return code, message


def test_an_import_into_a_new_ledger_on_a_full_disk_leaves_nothing(
    folder: Path, exported: Path
) -> None:
    db = folder / "new.db"
    code, message = _on_a_full_disk(["import", str(exported), "--db", str(db)], full=True)
    assert code == "2"
    assert "the disk is full" in message
    assert message.startswith("error: --db ")
    assert f"got '{db}'" in message
    assert ".import" not in message  # said of --db, not of the private file
    assert list(folder.iterdir()) == []


_FULL_ON_WRITE = """
import os, resource, signal, sys
from banshishi import LedgerStore, StoreError
from banshishi._store.event_csv import read_events
db, exported = sys.argv[1], sys.argv[2]
with open(exported, encoding="utf-8", newline="") as file:
    histories = read_events(file)
real = os.statvfs
class Full:
    def __init__(self, path):
        self.f_frsize = real(path).f_frsize
        self.f_bfree = self.f_bavail = 0
with LedgerStore.open(db, create=True) as store:
    # The ledger is open (its -shm made); now its log cannot grow past 16 KiB,
    # and os.statvfs reports the disk full.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16384, resource.RLIM_INFINITY))
    os.statvfs = Full
    try:
        store.write_histories(histories)
        print("written")
    except StoreError as error:
        print(type(error).__name__, " ".join(str(error).split()))
"""


def test_a_write_on_a_full_disk_says_so_and_leaves_the_ledger_as_it_was(
    folder: Path, exported: Path
) -> None:
    db = folder / "ledger.db"
    done = subprocess.run(
        [sys.executable, "-c", _FULL_ON_WRITE, str(db), str(exported)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("StoreError ")
    assert "the disk is full" in done.stdout
    assert events(db) == 0
