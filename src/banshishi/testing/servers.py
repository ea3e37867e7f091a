"""Throwaway database servers for tests: a fresh PostgreSQL or MariaDB in a temporary folder.

:func:`throwaway_postgresql` and :func:`throwaway_mariadb` are context managers. Each
makes a new cluster in a temporary folder (``initdb`` or ``mariadb-install-db``), starts
a server on it that listens on a Unix socket in that folder and on no TCP port, creates
one empty database and yields its SQLAlchemy URL. On leaving the block, by an exception
or Ctrl-C too, the server is stopped (a fast shutdown) and the folder removed. A server
whose block is never left (a context entered by hand and dropped) is stopped when the
interpreter exits, so none outlives the test session; only a process killed outright
(SIGKILL) leaves one behind.

Both are made to be thrown away: PostgreSQL runs with trust authentication and without
``fsync``, MariaDB as ``root`` without a password and with small buffers. Never point
them at data you keep.

:func:`why_unavailable` says, before anything is started, why a kind of server cannot
be started on this machine (``"initdb not found on PATH"``, a missing driver, …), or
``None`` when it can.

A server that does not start raises :class:`ServerError`, with the end of the server's
log in the message. It is a ``RuntimeError`` and deliberately not a
:class:`banshishi.BanshishiError`: that tree is the library's answer about a caller's
values and ledgers, which a test machine without a working server is not, and an
integrator's ``except BanshishiError`` should not swallow it.

PostgreSQL refuses to run as root. As root, its cluster belongs to the ``postgres``
user and each of its commands runs as that user (through ``setpriv`` or ``runuser``);
MariaDB runs as root with ``--user=root``. Otherwise both run as the current user.
"""

import atexit
import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import final
from urllib.parse import quote

from banshishi._core.errors import UnknownValueError

from .host import (
    KINDS,
    find_program,
    is_root,
    log_tail,
    new_folder,
    postgres_account,
    postgresql_program,
    process_gone,
    run_logged,
    wait_gone,
    why_unavailable,
)

__all__ = [
    "KINDS",
    "ServerError",
    "process_gone",
    "throwaway_mariadb",
    "throwaway_postgresql",
    "throwaway_server",
    "why_unavailable",
]


@final
class ServerError(RuntimeError):
    """A throwaway server that could not be made, started or stopped.

    ``kind`` is ``"postgresql"`` or ``"mariadb"``, ``folder`` the server's temporary
    folder (removed by the time this is raised) and ``log`` the end of its log.
    """

    def __init__(self, *, kind: str, problem: str, folder: Path | None = None, log: str = ""):
        self.kind = kind
        self.problem = problem
        self.folder = folder
        self.log = log
        text = f"throwaway {kind} server {problem}"
        if folder is not None:
            text += f" (in {folder})"
        if log:
            text += f"; the end of its log:\n{log}"
        super().__init__(text)


# -- what is running, stopped at exit at the latest --------------------------------------------

_running: dict[int, Callable[[], None]] = {}
"""The stop of every server started and not yet stopped, by the id of its server.
A registry, because the interpreter's exit must find the servers nobody stopped."""
_pristine: dict[str, Path] = {}
"""A cluster of each kind as its installer left it, never started: a new server's is a
copy, which is faster than installing again (``mariadb-install-db`` takes seconds)."""
_lock = threading.Lock()
_OWNER = os.getpid()  # a forked child inherits the registry, but not the servers


def _stop_all() -> None:
    if os.getpid() != _OWNER:
        return
    with _lock:
        stops = list(_running.values())
        folders = [data.parent for data in _pristine.values()]
        _pristine.clear()
    for stop in stops:
        with contextlib.suppress(Exception):
            stop()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


atexit.register(_stop_all)


def _new_cluster(
    kind: str, data: Path, *, install: Callable[[Path], bool], as_user: list[str], log: Path
) -> bool:
    """Make the cluster ``data``, a copy of the pristine cluster of ``kind`` (which
    ``install`` makes the first time, into the folder it is given); whether it worked.
    ``as_user`` are the words that run a command as the server's user."""
    with _lock:
        # Tried twice: on a loaded machine an installer now and then fails once
        # (seen with several test sessions making MariaDB clusters at once).
        for _ in range(2):
            if kind in _pristine:
                break
            folder = new_folder(f"banshishi-{kind}-pristine-")
            shutil.copystat(data.parent, folder)
            owner = data.parent.stat()
            os.chown(folder, owner.st_uid, owner.st_gid)
            if install(folder / "data"):
                _pristine[kind] = folder / "data"
            else:
                shutil.rmtree(folder, ignore_errors=True)
        if kind not in _pristine:
            return False
        pristine = _pristine[kind]
    copy = [*as_user, find_program("cp") or "cp", "-a", str(pristine), str(data)]
    if run_logged(copy, log=log, cwd=data.parent, timeout=60):
        return True
    shutil.rmtree(data, ignore_errors=True)
    return run_logged(copy, log=log, cwd=data.parent, timeout=60)


@contextlib.contextmanager
def _kept(make: "Callable[[], _PostgreSQL | _MariaDB]") -> Iterator[str]:
    """Make a server, start it and yield its URL; stop it on the way out, whatever the
    way (an exception, Ctrl-C, or the interpreter's exit if the block is never left)."""
    server = make()
    with _lock:
        _running[id(server)] = server.stop
    try:
        yield server.start()
    finally:
        server.stop()


def _execute(url: str, statement: str) -> None:
    """Run ``statement`` outside a transaction on a new connection to ``url``.
    Raises ``ConnectionRefusedError`` when the server does not answer (yet)."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(sqlalchemy.text(statement))
    except sqlalchemy.exc.OperationalError as error:
        raise ConnectionRefusedError(str(error)) from error
    finally:
        engine.dispose()


# -- PostgreSQL --------------------------------------------------------------------------------


@final
class _PostgreSQL:
    def __init__(self, *, database: str, timeout: float) -> None:
        self.database = database
        self.timeout = timeout
        self.folder = new_folder("banshishi-pg-")
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.stopped = False
        self.as_user: list[str] = []

    def _as_postgres(self) -> list[str]:
        """The words before a command that run it as the ``postgres`` user, as root."""
        if not is_root():
            return []
        account = postgres_account()
        if account is None:
            raise ServerError(kind="postgresql", problem="needs a 'postgres' user when run as root")
        os.chown(self.folder, account.pw_uid, account.pw_gid)
        setpriv = find_program("setpriv")
        if setpriv is not None:
            return [
                setpriv,
                f"--reuid={account.pw_uid}",
                f"--regid={account.pw_gid}",
                "--clear-groups",
            ]
        return [find_program("runuser") or "runuser", "-u", "postgres", "--"]

    def _command(self, program: str, *arguments: str) -> list[str]:
        path = postgresql_program(program)
        if path is None:
            raise ServerError(kind="postgresql", problem=f"cannot start: {program} not found")
        return [*self.as_user, path, *arguments]

    def _fail(self, problem: str) -> ServerError:
        log = log_tail(self.folder / "initdb.log", self.log)
        self.stop()
        return ServerError(kind="postgresql", problem=problem, folder=self.folder, log=log)

    def _step(self, command: list[str], log: str, timeout: float | None = None) -> bool:
        folder = self.folder
        return run_logged(command, log=folder / log, cwd=folder, timeout=timeout or self.timeout)

    def _initdb(self, data: Path) -> bool:
        initdb = self._command(
            "initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync", "--no-instructions",
        )  # fmt: skip
        return self._step(initdb, "initdb.log")

    def start(self) -> str:
        self.as_user = self._as_postgres()
        if not _new_cluster(
            "postgresql", self.data, install=self._initdb, as_user=self.as_user,
            log=self.folder / "initdb.log",
        ):  # fmt: skip
            raise self._fail("could not be made by initdb")
        settings = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.folder}'",
            "fsync": "off",
            "full_page_writes": "off",
            "synchronous_commit": "off",
            "shared_buffers": "16MB",
        }
        options = " ".join(f"-c {name}={value}" for name, value in settings.items())
        start = self._command(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", str(int(self.timeout)), "-s", "start",
        )  # fmt: skip
        if not self._step(start, "pg_ctl.log"):
            raise self._fail("did not start")
        try:
            _execute(
                f"postgresql+psycopg://postgres@/postgres?host={quote(str(self.folder))}",
                f'CREATE DATABASE "{self.database}"',
            )
        except Exception as error:
            raise self._fail(f"did not create the database {self.database!r}: {error}") from error
        return f"postgresql+psycopg://postgres@/{self.database}?host={quote(str(self.folder))}"

    def _pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """A fast shutdown (then a kill, if that fails), and the folder removed. Idempotent."""
        if self.stopped:
            return
        pid = self._pid()
        if pid is not None:
            stop = self._command("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-s", "stop")
            stopped = self._step(stop, "pg_ctl.log", timeout=30)
            if not stopped or not wait_gone(pid, 5):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                wait_gone(pid, 5)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.stopped = True
        with _lock:
            _running.pop(id(self), None)


def throwaway_postgresql(
    *, database: str = "banshishi", timeout: float = 60.0
) -> contextlib.AbstractContextManager[str]:
    """A fresh PostgreSQL server with one empty database ``database``, for the block.

    Yields ``postgresql+psycopg://postgres@/DATABASE?host=FOLDER``: the server
    listens on a socket in ``FOLDER`` and on no TCP port, and trusts every local
    connection. Raises :class:`ServerError` when it cannot start within ``timeout``
    seconds; :func:`why_unavailable` says beforehand whether it can.
    """
    return _kept(lambda: _PostgreSQL(database=database, timeout=timeout))


# -- MariaDB -----------------------------------------------------------------------------------

# Small buffers and no durability: a test server starts fast and keeps nothing.
_MARIADB_SETTINGS = (
    "--innodb-buffer-pool-size=16M",
    "--innodb-log-file-size=4M",
    "--key-buffer-size=1M",
    "--performance-schema=OFF",
    "--innodb-flush-log-at-trx-commit=0",
    "--innodb-doublewrite=0",
    "--innodb-buffer-pool-dump-at-shutdown=0",
    "--innodb-buffer-pool-load-at-startup=0",
    "--character-set-server=utf8mb4",
)


@final
class _MariaDB:
    def __init__(self, *, database: str, timeout: float) -> None:
        self.database = database
        self.timeout = timeout
        self.folder = new_folder("banshishi-mariadb-")
        self.data = self.folder / "data"
        self.socket = self.folder / "mariadbd.sock"
        self.log = self.folder / "server.log"
        self.stopped = False
        self.process: subprocess.Popen[bytes] | None = None
        self.user = [f"--user={getpass.getuser()}"] if is_root() else []

    def _program(self, name: str) -> str:
        path = find_program(name)
        if path is None:
            raise ServerError(kind="mariadb", problem=f"cannot start: {name} not found")
        return path

    def _fail(self, problem: str) -> ServerError:
        log = log_tail(self.folder / "install.log", self.log)
        self.stop()
        return ServerError(kind="mariadb", problem=problem, folder=self.folder, log=log)

    def _step(self, command: list[str], log: str) -> bool:
        folder = self.folder
        return run_logged(command, log=folder / log, cwd=folder, timeout=self.timeout)

    def _install(self, data: Path) -> bool:
        install = [
            self._program("mariadb-install-db"), "--no-defaults", f"--datadir={data}",
            "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve",
            *self.user, *_MARIADB_SETTINGS,
        ]  # fmt: skip
        return self._step(install, "install.log")

    def start(self) -> str:
        log = self.folder / "install.log"
        if not _new_cluster("mariadb", self.data, install=self._install, as_user=[], log=log):
            raise self._fail("could not be made by mariadb-install-db")
        server = [
            self._program("mariadbd"), "--no-defaults", f"--datadir={self.data}",
            f"--socket={self.socket}", f"--pid-file={self.folder / 'mariadbd.pid'}",
            "--skip-networking", f"--log-error={self.log}", *self.user, *_MARIADB_SETTINGS,
        ]  # fmt: skip
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                server,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.folder,
                start_new_session=True,
            )
        self._wait_ready()
        return (
            f"mysql+pymysql://root@localhost/{self.database}"
            f"?unix_socket={quote(str(self.socket))}&charset=utf8mb4"
        )

    def _wait_ready(self) -> None:
        """Until the server answers and has made the database (or died, or took too long)."""
        deadline = time.monotonic() + self.timeout
        answer = "no answer"
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise self._fail(f"exited with status {self.process.returncode} while starting")
            if self._listening():
                try:
                    _execute(
                        f"mysql+pymysql://root@localhost/?unix_socket={quote(str(self.socket))}",
                        f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4",
                    )
                except ConnectionRefusedError as error:
                    answer = str(error)
                else:
                    return
            if time.monotonic() > deadline:
                raise self._fail(f"did not answer within {self.timeout:g} s ({answer})")
            time.sleep(0.05)

    def _listening(self) -> bool:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(self.socket))
            except OSError:
                return False
        return True

    def stop(self) -> None:
        """A normal (fast) shutdown by SIGTERM, a kill after 30 s, and the folder removed.
        Idempotent."""
        if self.stopped:
            return
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        self.stopped = True
        with _lock:
            _running.pop(id(self), None)


def throwaway_mariadb(
    *, database: str = "banshishi", timeout: float = 60.0
) -> contextlib.AbstractContextManager[str]:
    """A fresh MariaDB server with one empty database ``database``, for the block.

    Yields ``mysql+pymysql://root@localhost/DATABASE?unix_socket=PATH&charset=utf8mb4``:
    the server listens on the socket ``PATH`` only (``--skip-networking``), and its
    ``root`` has no password. Raises :class:`ServerError` when it cannot start within
    ``timeout`` seconds; :func:`why_unavailable` says beforehand whether it can.
    """
    return _kept(lambda: _MariaDB(database=database, timeout=timeout))


def throwaway_server(
    kind: str, *, database: str = "banshishi", timeout: float = 60.0
) -> contextlib.AbstractContextManager[str]:
    """:func:`throwaway_postgresql` or :func:`throwaway_mariadb`, by ``kind``."""
    if kind == "postgresql":
        return throwaway_postgresql(database=database, timeout=timeout)
    if kind == "mariadb":
        return throwaway_mariadb(database=database, timeout=timeout)
    raise UnknownValueError(
        field="throwaway_server.kind",
        value=kind,
        problem="is not a kind of server",
        hint="The kinds are 'postgresql' and 'mariadb'.",
    )
