"""What the ``banshishi`` subcommands share: exit codes, the ``--db``,
``--output`` and ``--as-of`` options, opening an existing ledger for reading,
reading ``--as-of``, and writing output whole, never onto the ledger."""

import argparse
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, cast

import pendulum
from pendulum import DateTime

from banshishi._core.errors import InvalidValueError
from banshishi._core.staging import with_side_files
from banshishi._core.time import DEFAULT_TIMEZONE, parse_instant
from banshishi._core.whole_file import text_written_whole
from banshishi._model.issue import Issue
from banshishi._store import rebuild
from banshishi._store.ledger_store import LedgerStore
from banshishi._store.store_location import is_url, shown_location

from .key import KEY_FILE_VARIABLE, KEY_VARIABLE, chain_key_from_environment

DEFAULT_DB = "banshishi.db"
OK, BROKEN, BAD_INPUT, BUSY = 0, 1, 2, 3
"""Exit codes: done; the ledger found broken; bad input; the ledger locked by
another writer for longer than the command would wait (try again later)."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH|URL",
        help=f"the ledger file (default {DEFAULT_DB}) or a database URL such as "
        "postgresql+psycopg://user@host/db (the password from $BANSHISHI_DB_PASSWORD, "
        "the schema and table prefix as ?banshishi_schema=…&banshishi_prefix=…); a keyed "
        "ledger's key is "
        f"read from the file ${KEY_FILE_VARIABLE} names, or from "
        f"${KEY_VARIABLE}",
    )


TO_STANDARD_OUTPUT = "where to write (default: standard output)"

AS_OF_THE_LEDGER = (
    "the ledger as it stood at the end of DATE (YYYY-MM-DD, Asia/Shanghai) or at an "
    "RFC 3339 moment; default: now"
)


def output_option(parser: argparse.ArgumentParser, *, help: str = TO_STANDARD_OUTPUT) -> None:
    """``--output FILE`` (``-o``), ``-`` (standard output) unless given; written
    through :func:`output`."""
    parser.add_argument("--output", "-o", default="-", metavar="FILE", help=help)


def wait_option(parser: argparse.ArgumentParser) -> None:
    """``--wait SECONDS`` (30 unless given): how long a writing command waits for
    another writer before it gives up with status 3 (:data:`BUSY`)."""
    parser.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for another writer before giving up with status 3 (default 30)",
    )


def as_of_option(
    parser: argparse.ArgumentParser,
    *,
    metavar: str = "DATE",
    help: str = AS_OF_THE_LEDGER,
    flag: str = "--as-of",
) -> None:
    """``--as-of`` (or ``flag``), ``None`` unless given; read with :func:`moment` or
    :func:`now_or`."""
    parser.add_argument(flag, metavar=metavar, help=help)


@contextmanager
def output(
    name: str, *, ledger: str | None = None, private: bool = False, whole: bool = False
) -> Iterator[IO[str]]:
    """Standard output for ``-``; else a file written whole or not at all (see
    ``_whole_file``), which must not be ``ledger`` or one of its files.
    ``private``: a new file is made readable by its owner only. ``whole``:
    standard output gets everything or nothing too (what is written waits in a
    private temporary file, so memory does not grow with it)."""
    if name == "-" and whole:
        with tempfile.SpooledTemporaryFile(
            max_size=8 << 20, mode="w+", encoding="utf-8", newline=""
        ) as spool:
            yield cast(IO[str], spool)
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout)
        return
    if name == "-":
        yield sys.stdout
        return
    if ledger is not None:
        refuse_ledger_output(name, ledger)
    with text_written_whole(name, field="--output", private=private) as file:
        yield file


def refuse_ledger_output(name: str, ledger: str) -> None:
    """Refuse an output path that is the ledger ``ledger`` or one of its SQLite
    side files: by name, through symbolic links, or as the same file under
    another name (a hard link)."""
    if name == "-" or is_url(ledger):
        return
    ledger_files = [
        *with_side_files(Path(ledger).absolute()),
        *with_side_files(Path(os.path.realpath(ledger))),
    ]
    target = Path(os.path.realpath(name))
    same = target in ledger_files or Path(name).absolute() in ledger_files
    try:
        found = os.stat(name)
    except OSError:
        found = None
    for path in ledger_files:
        if same or found is None:
            break
        try:
            same = os.path.samestat(found, os.stat(path))
        except OSError:
            continue
    if same:
        raise InvalidValueError(
            field="--output",
            value=name,
            problem=f"is the ledger {ledger} or one of its files",
            hint="Write to another file: the ledger is never overwritten.",
        )


def ledger_name(db: str) -> str:
    """The ``--db`` given, as it may be printed (a URL without its password)."""
    return shown_location(db)


def existing(path: str, *, read_only: bool = True, timeout: float = 30.0) -> LedgerStore:
    """The ledger at ``path``, which must exist (commands that read never create
    one), opened under the policy it keeps, for reading only unless
    ``read_only=False``; a write waits ``timeout`` seconds for another writer."""
    if not is_url(path) and not Path(path).exists():
        raise InvalidValueError(
            field="--db",
            value=path,
            problem="does not exist",
            hint="Make a ledger with `banshishi demo` or `banshishi import`.",
        )
    key = chain_key_from_environment()
    return LedgerStore.open(path, read_only=read_only, chain_key=key, timeout=timeout)


def moment(text: str | None, *, field: str = "--as-of") -> DateTime | None:
    """``--as-of`` (or the option ``field``): the end of a day given as YYYY-MM-DD
    (Asia/Shanghai), or an RFC 3339 moment; ``None`` when not given."""
    if text is None:
        return None
    if _DATE.fullmatch(text):
        try:
            year, month, day_of_month = (int(part) for part in text.split("-"))
            day = pendulum.datetime(year, month, day_of_month, tz=DEFAULT_TIMEZONE)
        except ValueError:
            raise InvalidValueError(
                field=field, value=text, problem="is not a date on the calendar"
            ) from None
        return day.end_of("day")
    return parse_instant(text, field=field)


def now_or(text: str | None, *, field: str = "--as-of") -> DateTime:
    """``--as-of`` (or ``field``) read by :func:`moment`, or the real now when it is
    not given."""
    return moment(text, field=field) or pendulum.now(DEFAULT_TIMEZONE)


def published_issues(store: LedgerStore, at: DateTime | None) -> Iterator[Issue]:
    """The store's issues as they stood at ``at`` (as they stand, if ``None``), for
    an export made now: one rebuilt from before a mark it has now is flagged
    confidential (:func:`flagged_since`, from the events recorded after ``at``),
    so whatever moment an export shows, it withholds what is confidential now."""
    return rebuild.published_issues(store.store, store.policy, at)
