"""Writing a file whole or not at all.

Every file the library writes (ledger files, disclosure lists, Open311
requests, reports from the command line) goes to its target as follows:

- A regular file (or a path where nothing is yet) is written under a
  temporary name beside it, flushed to disk and renamed over it only when
  complete: a reader never sees half a file, and a failure leaves the old
  file, or none, with no temporary file behind. A file that was there keeps
  its permission bits (and, where the writer may set them, its owner and
  group); a new file gets the umask's, or owner-only ``0600`` when it holds
  personal data that is not masked.
- A symbolic link is followed: the file it points to is replaced, the link
  stays.
- A character device (``/dev/null``, a terminal) or a FIFO is written
  straight into, since it cannot be replaced by a file.
- Anything else (a directory, a socket, a block device) and an SQLite
  database (a ledger, say) are refused untouched.

A failed write, flush or rename, a full disk among them, comes out as a
library error naming the path.
"""

import contextlib
import errno
import os
import secrets
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import BanshishiError, InvalidTypeError, InvalidValueError

_SQLITE_HEADER = b"SQLite format 3\x00"
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def target_path(path: object, *, field: str) -> Path:
    """``path`` as a ``Path``, if it is text or a path; else a library error."""
    if not isinstance(path, str | os.PathLike):
        raise InvalidTypeError(field=field, value=path, problem="must be a file path")
    return named_file(path, field=field)


def named_file(path: "str | os.PathLike[str]", *, field: str) -> Path:
    """``path`` as a ``Path``, if it names a file: ``""``, ``.``, ``..`` and ``/``
    name none, and would otherwise mean the current folder."""
    if not os.fspath(path) or Path(path).name in ("", ".", ".."):
        raise InvalidValueError(field=field, value=os.fspath(path), problem="does not name a file")
    return Path(path)


def failure_text(failure: OSError) -> str:
    """Why an ``OSError`` happened, in words; a full disk is called one."""
    if failure.errno in _FULL:
        return "the disk is full"
    return failure.strerror or str(failure)


@contextmanager
def written_whole(
    path: str | os.PathLike[str],
    *,
    field: str = "path",
    error: type[BanshishiError] = InvalidValueError,
    private: bool = False,
) -> Iterator[Path]:
    """A path to write to, put in place at ``path`` when the block ends without
    an exception (see the module notes); ``private`` makes a new file ``0600``.
    An ``OSError`` comes out as ``error`` naming ``field`` and the path."""
    target = target_path(path, field=field)

    def refused(problem: str) -> BanshishiError:
        return error(field=field, value=str(target), problem=problem)

    real = Path(os.path.realpath(target))
    try:
        found: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        found = None
    except OSError as failure:
        raise refused(f"cannot be written ({failure_text(failure)})") from None
    if found is not None and (stat.S_ISCHR(found.st_mode) or stat.S_ISFIFO(found.st_mode)):
        try:
            yield target
        except OSError as failure:
            raise refused(f"cannot be written ({failure_text(failure)})") from None
        return
    if found is not None:
        _check_replaceable(real, found, refused)
    temporary = real.with_name(f".{real.name}.{secrets.token_hex(6)}.part")
    try:
        # Owner-only while it is written when it will replace a file or holds
        # private data; else the umask's permissions, as any new file.
        mode = 0o600 if private or found is not None else 0o666
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    except OSError as failure:
        raise refused(f"cannot be written ({failure_text(failure)})") from None
    try:
        yield temporary
        _finish(temporary, found)
        os.replace(temporary, real)
    except BaseException as failure:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(failure, OSError):
            raise refused(f"cannot be written ({failure_text(failure)})") from None
        raise


def _check_replaceable(
    real: Path, found: os.stat_result, refused: Callable[[str], BanshishiError]
) -> None:
    if stat.S_ISDIR(found.st_mode):
        raise refused("is a directory")
    if not stat.S_ISREG(found.st_mode):
        raise refused("is neither a regular file, a character device nor a FIFO")
    try:
        with real.open("rb") as file:
            start = file.read(len(_SQLITE_HEADER))
    except OSError:
        return  # unreadable, yet maybe replaceable: the rename decides
    if start == _SQLITE_HEADER or start[:4] in _WAL_MAGIC:
        raise refused("is an SQLite database or its log (a ledger?), so it is not overwritten")


def _finish(temporary: Path, found: os.stat_result | None) -> None:
    """Make the written bytes durable before the rename makes them the file, and
    give the file the owner, group and permissions of the one it replaces."""
    descriptor = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        if found is not None and sys.platform != "win32":
            if (found.st_uid, found.st_gid) != (os.geteuid(), os.getegid()):
                with contextlib.suppress(OSError):  # allowed to root, or to a group one is in
                    os.fchown(descriptor, found.st_uid, found.st_gid)
            os.fchmod(descriptor, stat.S_IMODE(found.st_mode))
    finally:
        os.close(descriptor)
    if found is not None and sys.platform == "win32":
        os.chmod(temporary, stat.S_IMODE(found.st_mode))


@contextmanager
def text_written_whole(
    path: str | os.PathLike[str],
    *,
    field: str = "path",
    encoding: str = "utf-8",
    private: bool = False,
) -> Iterator[IO[str]]:
    """A text file to write to (``newline=""``), put in place at ``path`` whole
    when the block ends without an exception (see :func:`written_whole`)."""
    with (
        written_whole(path, field=field, private=private) as temporary,
        temporary.open("w", encoding=encoding, newline="") as file,
    ):
        yield file


def write_text_whole(
    path: str | os.PathLike[str],
    text: str,
    *,
    field: str = "path",
    encoding: str = "utf-8",
    private: bool = False,
) -> Path:
    """Write ``text`` to ``path`` whole or not at all; returns the path written."""
    with text_written_whole(path, field=field, encoding=encoding, private=private) as file:
        file.write(text)
    return Path(path)
