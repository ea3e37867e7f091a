"""Writing a file whole or not at all.

Every file the library writes (ledger files, disclosure lists, Open311
requests, reports from the command line) is written under a temporary name
beside its target and renamed over it only when complete. A reader never sees
half a file, and a failure leaves the old file, or none, with no temporary
file behind.
"""

import contextlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ._errors import BanshishiError, InvalidTypeError, InvalidValueError


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


@contextmanager
def written_whole(
    path: str | os.PathLike[str],
    *,
    field: str = "path",
    error: type[BanshishiError] = InvalidValueError,
) -> Iterator[Path]:
    """A temporary path to write to; renamed over ``path`` when the block ends
    without an exception, removed otherwise. An ``OSError`` comes out as
    ``error`` naming ``field`` and the path."""
    target = target_path(path, field=field)
    # Created with open() rather than mkstemp(), so the file gets the usual
    # permissions (the umask's), not mkstemp's owner-only ones.
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
    try:
        temporary.open("xb").close()
    except OSError as failure:
        raise error(
            field=field, value=str(target), problem=f"cannot be written ({failure.strerror})"
        ) from None
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException as failure:
        with contextlib.suppress(OSError):
            temporary.unlink()
        if isinstance(failure, OSError):
            raise error(
                field=field, value=str(target), problem=f"cannot be written ({failure})"
            ) from None
        raise


@contextmanager
def text_written_whole(
    path: str | os.PathLike[str], *, field: str = "path", encoding: str = "utf-8"
) -> Iterator[IO[str]]:
    """A text file to write to (``newline=""``), put in place at ``path`` whole
    when the block ends without an exception (see :func:`written_whole`)."""
    with (
        written_whole(path, field=field) as temporary,
        temporary.open("w", encoding=encoding, newline="") as file,
    ):
        yield file


def write_text_whole(
    path: str | os.PathLike[str], text: str, *, field: str = "path", encoding: str = "utf-8"
) -> Path:
    """Write ``text`` to ``path`` whole or not at all; returns the path written."""
    with text_written_whole(path, field=field, encoding=encoding) as file:
        file.write(text)
    return Path(path)
