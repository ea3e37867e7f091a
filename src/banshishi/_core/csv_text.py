"""The one CSV writer every CSV output goes through.

Lines end with CRLF, as RFC 4180 and Excel have them, so a cell holding a
carriage return or a line feed is quoted whole: a note with a bare ``\\r``
in it reads back as one cell, never as two rows.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or a carriage
return) would be run as a formula by a spreadsheet opening the file (CSV
injection), so every text cell that does is written behind an apostrophe, and
:func:`unguard` takes exactly that apostrophe off again on reading. Only a
figure the program computed and marks as one (:class:`Figure`, such as a change
of ``+0.6`` points) is written as it is, and only when it is a plain signed
number, which a spreadsheet reads as the number it is.
"""

import csv
import re
from collections.abc import Iterable
from typing import IO

import attrs

_TRIGGERS = "=+-@\t\r"
_GUARDED = re.compile(f"'*[{re.escape(_TRIGGERS)}]")
_UNGUARD = re.compile(f"'+[{re.escape(_TRIGGERS)}]")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def guard(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; so does
    text already looking guarded, so that :func:`unguard` undoes exactly one.

    >>> guard("=1+1"), guard("'=1+1"), guard("-2 路灯"), guard("ok")
    ("'=1+1", "''=1+1", "'-2 路灯", 'ok')
    """
    return f"'{text}" if _GUARDED.match(text) else text


def unguard(text: str) -> str:
    """Undo :func:`guard`: one leading apostrophe before a formula character goes."""
    return text[1:] if _UNGUARD.match(text) else text


@attrs.frozen
class Figure:
    """A figure the program computed, as text (``+0.6``, ``-3``, ``—``): written
    as it is when it is a plain signed number, guarded like any text otherwise."""

    text: str


class CsvWriter:
    """Rows written to a text stream (opened with ``newline=""``) as CSV: CRLF line
    ends; a cell quoted when it holds a comma, a quote, a CR or an LF; every text
    cell guarded (:func:`guard`) but a :class:`Figure` that is a plain number;
    ``None`` written as an empty cell."""

    def __init__(self, file: IO[str]) -> None:
        self._writer = csv.writer(file, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def row(self, cells: Iterable[object]) -> None:
        """Write one row."""
        self._writer.writerow(_cell(cell) for cell in cells)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    if isinstance(value, Figure) and _NUMBER.fullmatch(value.text):
        return value.text
    return guard(value.text if isinstance(value, Figure) else str(value))
