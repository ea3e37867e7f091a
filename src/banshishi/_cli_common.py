"""What the ``banshishi`` subcommands share: exit codes, the ``--db`` option,
opening an existing ledger, reading ``--as-of``, and writing output whole."""

import argparse
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pendulum
from pendulum import DateTime

from ._cli_key import KEY_FILE_VARIABLE, KEY_VARIABLE, chain_key_from_environment
from ._errors import InvalidValueError
from ._ledger_store import LedgerStore
from ._policy import DEFAULT_POLICY, WorkflowPolicy
from ._sqlite_file import side_files
from ._time import DEFAULT_TIMEZONE, parse_instant
from ._whole_file import text_written_whole

DEFAULT_DB = "banshishi.db"
OK, BROKEN, BAD_INPUT = 0, 1, 2
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH",
                        help=f"the ledger file (default {DEFAULT_DB}); a keyed ledger's key is "
                        f"read from the file ${KEY_FILE_VARIABLE} names, or from "
                        f"${KEY_VARIABLE}")  # fmt: skip


@contextmanager
def output(name: str) -> Iterator[IO[str]]:
    """Standard output for ``-``; else a file written whole or not at all."""
    if name == "-":
        yield sys.stdout
        return
    with text_written_whole(name, field="--output") as file:
        yield file


def existing(path: str, policy: WorkflowPolicy = DEFAULT_POLICY) -> LedgerStore:
    """The ledger at ``path``, which must exist (commands that read never create one),
    opened under ``policy``."""
    if not Path(path).exists():
        raise InvalidValueError(
            field="--db", value=path, problem="does not exist",
            hint="Make a ledger with `banshishi demo` or `banshishi import`.",
        )  # fmt: skip
    return LedgerStore.open(path, policy=policy, chain_key=chain_key_from_environment())


def remove(path: Path) -> None:
    """Delete a ledger file and its SQLite side files, if there are any."""
    for leftover in (path, *side_files(path)):
        leftover.unlink(missing_ok=True)


def moment(text: str | None) -> DateTime | None:
    """``--as-of``: the end of a day given as YYYY-MM-DD (Asia/Shanghai), or an
    RFC 3339 moment; ``None`` when not given."""
    if text is None:
        return None
    if _DATE.fullmatch(text):
        try:
            year, month, day_of_month = (int(part) for part in text.split("-"))
            day = pendulum.datetime(year, month, day_of_month, tz=DEFAULT_TIMEZONE)
        except ValueError:
            raise InvalidValueError(
                field="--as-of", value=text, problem="is not a date on the calendar"
            ) from None
        return day.end_of("day")
    return parse_instant(text, field="--as-of")


def now_or(text: str | None) -> DateTime:
    """``--as-of`` read by :func:`moment`, or the real now when it is not given."""
    return moment(text) or pendulum.now(DEFAULT_TIMEZONE)
