"""Throwaway PostgreSQL and MariaDB servers: they answer, on a Unix socket only, and
leave neither a process nor a folder behind, however their block ends.

Each test here that starts its own servers needs the server's programs; without them
it is skipped, or fails under CI, as the plugin's server suites are.
"""

import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy

from banshishi import UnknownValueError
from banshishi.testing import host, servers
from banshishi.testing.plugin import without_server
from banshishi.testing.servers import (
    ServerError,
    process_gone,
    throwaway_mariadb,
    throwaway_postgresql,
    throwaway_server,
    why_unavailable,
)

Throwaway = Callable[..., AbstractContextManager[str]]
THROWAWAY: dict[str, Throwaway] = {"postgresql": throwaway_postgresql, "mariadb": throwaway_mariadb}


def _needs(kind: str) -> None:
    reason = why_unavailable(kind)
    if reason is not None:
        without_server(reason)


@pytest.fixture(params=list(THROWAWAY))
def kind(request: pytest.FixtureRequest) -> str:
    _needs(request.param)
    return str(request.param)


def _query(url: str, statement: str) -> object:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as db:
            return db.execute(sqlalchemy.text(statement)).scalar()
    finally:
        engine.dispose()


def folder_of(url: str) -> Path:
    """The server's temporary folder, read from its URL (the socket lives there)."""
    query = parse_qs(urlsplit(url).query)
    if "host" in query:
        return Path(query["host"][0])
    return Path(query["unix_socket"][0]).parent


def server_pid(url: str) -> int:
    """The process id of the server behind ``url``, from its pid file."""
    folder = folder_of(url)
    pid_file = folder / ("data/postmaster.pid" if url.startswith("postgresql") else "mariadbd.pid")
    return int(pid_file.read_text().split()[0])


# -- through the plugin's session servers ------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "no_tcp", "expected"),
    [
        ("postgresql", "SHOW listen_addresses", ""),
        ("mariadb", "SELECT @@skip_networking", 1),
    ],
)
def test_each_server_answers_on_a_unix_socket_and_listens_on_no_tcp_port(
    banshishi_database_url: Callable[[str], str], backend: str, no_tcp: str, expected: object
) -> None:
    url = banshishi_database_url(backend)
    assert _query(url, "SELECT 1") == 1
    assert _query(url, no_tcp) == expected
    assert "localhost:" not in url
    assert "127.0.0.1" not in url


# -- their own servers -------------------------------------------------------------------------


# PostgreSQL's outer block ends by Ctrl-C, MariaDB's by an error: both take the same way out.
ENDINGS = {"postgresql": KeyboardInterrupt, "mariadb": RuntimeError}


def test_two_servers_of_a_kind_run_at_once_and_each_is_gone_when_its_block_ends(
    kind: str,
) -> None:
    with pytest.raises(ENDINGS[kind]), THROWAWAY[kind]() as first:  # noqa: PT012
        with throwaway_server(kind, database="other") as second:
            seen = [(folder_of(url), server_pid(url)) for url in (first, second)]
            assert seen[0][0] != seen[1][0]
            assert seen[0][1] != seen[1][1]
            assert all(folder.is_dir() and not process_gone(pid) for folder, pid in seen)
            assert _query(first, "SELECT 1") == _query(second, "SELECT 1") == 1
            assert first.partition("?")[0].endswith("/banshishi")
            assert second.partition("?")[0].endswith("/other")
        # the second's block ended as blocks do, and the first still answers
        assert process_gone(seen[1][1])
        assert not seen[1][0].exists()
        assert _query(first, "SELECT 2") == 2
        raise ENDINGS[kind]("the test's body failed")
    assert process_gone(seen[0][1])
    assert not seen[0][0].exists()


def test_a_server_left_running_is_stopped_when_the_interpreter_exits() -> None:
    _needs("postgresql")
    code = (
        "from banshishi.testing import servers\n"
        "import pathlib, urllib.parse\n"
        "block = servers.throwaway_postgresql()\n"
        "url = block.__enter__()  # and never left\n"
        "folder = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)['host'][0]\n"
        "pid = (pathlib.Path(folder) / 'data/postmaster.pid').read_text().split()[0]\n"
        "print(folder, pid, servers._pristine['postgresql'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    folder, pid, pristine = done.stdout.split()
    assert process_gone(int(pid))
    assert not Path(folder).exists()
    assert not Path(pristine).exists()


def test_a_server_that_cannot_be_made_says_why_and_leaves_no_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _needs("mariadb")
    monkeypatch.setattr(servers, "_pristine", {})  # so that this one installs
    monkeypatch.setattr(servers, "_MARIADB_SETTINGS", ("--no-such-setting=1",))
    with pytest.raises(ServerError) as caught, throwaway_mariadb():
        pytest.fail("the block must not run")  # pragma: no cover
    error = caught.value
    assert error.kind == "mariadb"
    assert "could not be made by mariadb-install-db" in str(error)
    assert "unknown variable 'no-such-setting=1'" in error.log
    assert error.log in str(error)
    assert error.folder is not None
    assert not error.folder.exists()
    assert servers._pristine == {}


def test_a_server_that_starts_but_fails_to_make_its_database_is_stopped() -> None:
    _needs("postgresql")
    with pytest.raises(ServerError) as caught, throwaway_postgresql(database='bad"name'):
        pytest.fail("the block must not run")  # pragma: no cover
    assert "did not create the database 'bad\"name'" in str(caught.value)
    assert caught.value.folder is not None
    assert not caught.value.folder.exists()


# -- what the machine has ----------------------------------------------------------------------


def test_a_machine_without_the_programs_says_which_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(host, "find_program", lambda name, *folders: None)
    assert why_unavailable("postgresql") == (
        "initdb not found on PATH (nor in /usr/lib/postgresql/*/bin)"
    )
    assert why_unavailable("mariadb") == "mariadbd not found on PATH (nor in /usr/sbin)"


def test_a_missing_driver_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "find_program", lambda name, *folders: f"/bin/{name}")
    monkeypatch.setattr(host, "is_root", lambda: False)
    real = host.importlib.util.find_spec
    monkeypatch.setattr(
        host.importlib.util,
        "find_spec",
        lambda name, *rest: None if name == "pymysql" else real(name, *rest),
    )
    assert why_unavailable("postgresql") is None
    assert why_unavailable("mariadb") == (
        "the Python package pymysql is not installed (pip install 'banshishi[test]')"
    )


def test_as_root_postgresql_needs_the_postgres_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "find_program", lambda name, *folders: f"/bin/{name}")
    monkeypatch.setattr(host, "is_root", lambda: True)
    monkeypatch.setattr(host, "postgres_account", lambda: None)
    assert why_unavailable("postgresql") == (
        "PostgreSQL refuses to run as root, and there is no 'postgres' user to run it as"
    )


def test_an_unknown_kind_is_refused_by_name() -> None:
    assert why_unavailable("oracle") == (
        "unknown kind of server 'oracle'; the kinds are 'postgresql' and 'mariadb'"
    )
    with pytest.raises(UnknownValueError, match=r"throwaway_server\.kind is not a kind"):
        throwaway_server("oracle")


def test_a_failing_log_shows_its_error_lines_then_its_end(tmp_path: Path) -> None:
    log = tmp_path / "install.log"
    advice = [f"advice {n}" for n in range(30)]
    log.write_text("\n".join(["starting", "[ERROR] unknown variable 'x'", *advice]))
    assert host.log_tail(log, tmp_path / "absent.log").splitlines() == [
        "[ERROR] unknown variable 'x'",
        *advice[-20:],
    ]
