"""What a machine offers the throwaway servers: their programs, the account to run
PostgreSQL as, the Python drivers, short temporary folders, and processes run with
their output in a log.

:func:`why_unavailable` is re-exported by :mod:`banshishi.testing.servers`, which
starts the servers.
"""

import contextlib
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Final

__all__ = [
    "KINDS",
    "find_program",
    "is_root",
    "log_tail",
    "new_folder",
    "postgres_account",
    "postgresql_program",
    "process_gone",
    "run_logged",
    "wait_gone",
    "why_unavailable",
]

KINDS: Final = ("postgresql", "mariadb")
"""The kinds of server :mod:`banshishi.testing.servers` starts, by the backend names
the plugin uses."""

_SYSTEM_FOLDERS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_SOCKET_ROOM = 100  # a Unix socket's path must fit in 108 bytes, with the name of the socket
_LOG_TAIL = 20  # lines of a server's log shown when it fails
_ERROR_WORDS = frozenset({"[ERROR]", "ERROR:", "FATAL:", "PANIC:", "error:"})


# -- what this machine has ----------------------------------------------------------------------


def find_program(name: str, *folders: str) -> str | None:
    """The program ``name``: on PATH, else in one of ``folders`` or the system's sbin folders."""
    found = shutil.which(name)
    if found is not None:
        return found
    for folder in (*folders, *_SYSTEM_FOLDERS):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def postgresql_folders() -> tuple[str, ...]:
    """Debian's versioned PostgreSQL folders, newest first (their programs are not on PATH)."""
    folders = Path("/usr/lib/postgresql").glob("*/bin")
    numbered = [f for f in folders if f.parent.name.isdigit()]
    return tuple(str(f) for f in sorted(numbered, key=lambda f: -int(f.parent.name)))


def postgresql_program(name: str) -> str | None:
    return find_program(name, *postgresql_folders())


def is_root() -> bool:
    return os.geteuid() == 0


def postgres_account() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def _missing_driver(*modules: str) -> str | None:
    for module in modules:
        if importlib.util.find_spec(module) is None:
            return f"the Python package {module} is not installed (pip install 'banshishi[test]')"
    return None


def why_unavailable(kind: str) -> str | None:
    """Why a throwaway server of ``kind`` (one of :data:`KINDS`) cannot be started
    here, or ``None`` when it can. Nothing is started: only programs, the account
    to run them as and the Python drivers are looked for.

    >>> why_unavailable("oracle")
    "unknown kind of server 'oracle'; the kinds are 'postgresql' and 'mariadb'"
    """
    if kind == "postgresql":
        return _postgresql_unavailable()
    if kind == "mariadb":
        return _mariadb_unavailable()
    return f"unknown kind of server {kind!r}; the kinds are 'postgresql' and 'mariadb'"


def _postgresql_unavailable() -> str | None:
    for program in ("initdb", "pg_ctl"):
        if postgresql_program(program) is None:
            return f"{program} not found on PATH (nor in /usr/lib/postgresql/*/bin)"
    if is_root():
        if postgres_account() is None:
            return "PostgreSQL refuses to run as root, and there is no 'postgres' user to run it as"
        if find_program("setpriv") is None and find_program("runuser") is None:
            return "PostgreSQL refuses to run as root, and neither setpriv nor runuser is found"
    return _missing_driver("sqlalchemy", "psycopg")


def _mariadb_unavailable() -> str | None:
    for program in ("mariadbd", "mariadb-install-db"):
        if find_program(program) is None:
            return f"{program} not found on PATH (nor in /usr/sbin)"
    return _missing_driver("sqlalchemy", "pymysql")


# -- folders, logs and commands ----------------------------------------------------------------


def new_folder(prefix: str) -> Path:
    """A new private folder whose socket paths stay short enough, in the temporary
    folder if it is short and (as root, for the ``postgres`` user) open to others."""
    base = Path(tempfile.gettempdir())
    usable = len(str(base)) < _SOCKET_ROOM - 40 and (not is_root() or _open_to_others(base))
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base if usable else "/tmp"))


def _open_to_others(folder: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in (folder, *folder.parents))


def log_tail(*logs: Path) -> str:
    """The lines of ``logs`` that report an error, then their last lines: a failing
    installer ends its log with pages of advice, after the line that says what failed."""
    lines: list[str] = []
    for log in logs:
        with contextlib.suppress(OSError):
            lines += log.read_text(encoding="utf-8", errors="replace").splitlines()
    end = lines[-_LOG_TAIL:]
    errors = [line for line in lines[: -_LOG_TAIL or None] if _ERROR_WORDS & set(line.split())]
    return "\n".join([*errors[:_LOG_TAIL], *end])


def run_logged(command: list[str], *, log: Path, cwd: Path, timeout: float) -> bool:
    """Run ``command`` to its end, its output appended to ``log``; whether it succeeded."""
    with log.open("ab") as out:
        try:
            done = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                timeout=timeout,
                start_new_session=True,  # Ctrl-C in the terminal is ours to handle, not theirs
                check=False,
            )
        except subprocess.TimeoutExpired:
            out.write(f"\n(gave up after {timeout:g} s)\n".encode())
            return False
    return done.returncode == 0


def process_gone(pid: int) -> bool:
    """Whether the process ``pid`` has ended: it no longer exists, or it is a zombie
    waiting for a parent that is not this process (a daemon's parent is init)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # pragma: no cover - a process of another user took the number
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc here: a zombie counts as running
    return stat.rpartition(")")[2].split()[0] == "Z"


def wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not process_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
