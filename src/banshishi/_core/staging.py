"""Ledgers built beside their place under a private name, and the leftovers of
builders that died.

A ledger is never built where it is to be found: a new one, a demo and an
import into a new ledger are built under a name of their own beside the
target (``.NAME.HOST-PID.TOKEN.PURPOSE``) and linked or renamed into place
only when complete. A process removes only what it made under its own name, so
a refused or failed build can never take away someone else's ledger.

A builder killed half-way cannot remove its file. The name says which process
on which machine made it, so a later build of the same ledger removes the
leftovers, and their SQLite side files, of processes of this machine that no
longer run.
"""

import hashlib
import os
import re
import secrets
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from .errors import StoreError

PURPOSES = ("new", "demo", "import")
"""What a private name is for: a new empty ledger, a demo, an import."""

SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside a database while it is in use."""


@cache
def _host() -> str:
    """A short tag for this machine, so that no process judges another machine's."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def private_name(path: Path, purpose: str) -> Path:
    """A name beside ``path`` that no other process (or call) uses."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")  # a programming error, not input
    token = secrets.token_hex(6)
    return path.with_name(f".{path.name}.{_host()}-{os.getpid()}.{token}.{purpose}")


@contextmanager
def said_of(path: Path, private: Path, *, field: str = "path") -> Iterator[None]:
    """A store error about the private file ``private`` is said of ``path``, the
    name its reader knows, as ``field``."""
    try:
        yield
    except StoreError as error:
        if error.value != str(private):
            raise
        raise type(error)(
            field=field, value=str(path), problem=error.problem, hint=error.hint
        ) from None


def with_side_files(path: Path) -> list[Path]:
    """``path`` and the names of its SQLite side files."""
    return [path, *(Path(f"{path}{suffix}") for suffix in SIDE_SUFFIXES)]


def remove_with_side_files(path: Path) -> None:
    """Delete a database file this process made, with its SQLite side files."""
    for leftover in with_side_files(path):
        leftover.unlink(missing_ok=True)


def clean_stale(path: Path) -> list[Path]:
    """Remove what builders of ``path`` left beside it when they died; returns the
    files removed. A file whose maker still runs, or ran on another machine,
    stays."""
    name, purposes, suffixes = re.escape(path.name), "|".join(PURPOSES), "|".join(SIDE_SUFFIXES)
    pattern = re.compile(
        rf"\.{name}\.(?:{_host()}-([0-9]+)\.[0-9a-f]+\.(?:{purposes})"
        # the names earlier builds used: .NAME.PID.demo and .NAME.PID.UUID.new
        rf"|([0-9]+)\.demo|([0-9]+)\.[0-9a-f]{{32}}\.new)(?:{suffixes})?"
    )
    folder = path.parent
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for entry in sorted(names):
        found = pattern.fullmatch(entry)
        if found is None or _running(int(next(pid for pid in found.groups() if pid))):
            continue
        leftover = folder / entry
        try:
            leftover.unlink()
        except FileNotFoundError:
            continue  # another process cleaned it first
        except OSError:
            continue  # not ours to remove (permissions): leave it
        removed.append(leftover)
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` of this machine still runs (yes, when unsure)."""
    if pid == os.getpid() or sys.platform == "win32":  # os.kill(pid, 0) would end it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it runs under another user, or cannot be asked
        return True
    return True


def link_into_place(staged: Path, path: Path) -> bool:
    """Give the complete ledger ``staged`` the name ``path`` too, unless a file
    has that name already; returns whether it did. The private name is the
    caller's to remove."""
    try:
        os.link(staged, path)
    except FileExistsError:
        return False
    return True


def replace_with(staged: Path, path: Path) -> None:
    """Put the complete ledger ``staged`` in the place of the ledger at ``path`` in
    one rename, so a ledger is at ``path`` at every moment. The old ledger's
    side files go just before: a log left beside the new file would be read as
    its own."""
    for side in with_side_files(path)[1:]:
        side.unlink(missing_ok=True)
    os.replace(staged, path)
