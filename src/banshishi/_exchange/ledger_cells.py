"""How one cell of a ledger file (台账) is written and read back.

A ledger is edited by people in a spreadsheet, so reading is forgiving where
that costs nothing (a vocabulary word in Chinese or English, ``2026/7/1 9:30``
as Excel re-saves a time, a number typed into an id column) and strict where a
guess could change a figure: a time with neither an offset nor the documented
local form is refused, never assumed.

Each kind of cell is a small record with ``write(value, language)``, giving
what the file holds, and ``read(raw)``, giving the model's value or raising
:class:`InvalidValueError` whose ``problem`` becomes the row's reason.
"""

import datetime as dt
import enum
import json
import re
from typing import Any, Literal, final

import attrs
import pendulum
from pendulum import DateTime

from banshishi._core.errors import BanshishiError, InvalidValueError
from banshishi._core.time import DEFAULT_TIMEZONE, as_datetime, parse_instant
from banshishi._model.converter import structure, unstructure

Language = Literal["zh", "en"]
"""The language of a ledger's headers and vocabulary words."""

MAX_CELL_TEXT = 32_767
"""The most characters a ledger cell holds, in either format: Excel's own limit
for a cell, so that a spreadsheet never cuts a cell short. Longer text is
refused on writing, and a file holding it is refused on reading."""

Cell = str | int | float | None
"""What a written cell holds: text, a whole number, a decimal, or nothing."""

SEPARATORS = ("、", ";", "；", ",", "，", "\n")
"""What may separate the items of a list cell; the first two are written (zh, en)."""

_SPLIT = re.compile("|".join(map(re.escape, SEPARATORS)))


def _bad(problem: str, raw: object, hint: str = "") -> InvalidValueError:
    return InvalidValueError(field="cell", value=raw, problem=problem, hint=hint)


def as_text(raw: object) -> str:
    """The text of a cell as read: spreadsheets may hand back numbers for
    anything that looks like one (an id such as 1001, a mobile number)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _bad("must be text", raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _empty(raw: object) -> InvalidValueError:
    return _bad("must not be empty", raw)


@final
@attrs.frozen
class Text:
    """Free text, kept exactly as typed (spaces included).

    ``required`` refuses a blank cell; otherwise a blank one reads as ``None``
    when ``none_if_blank`` (an optional id) and as ``""`` when not.
    """

    required: bool = False
    none_if_blank: bool = False

    def write(self, value: object, language: Language) -> Cell:
        return value if isinstance(value, str) else None

    def read(self, raw: object) -> str | None:
        text = as_text(raw)
        if not text.strip():
            if self.required:
                raise _empty(raw)
            return None if self.none_if_blank else text
        return text


@final
@attrs.frozen
class Code:
    """A code typed by hand (a mobile number, a division code): surrounding
    spaces are dropped; a blank cell is ``None``."""

    def write(self, value: object, language: Language) -> Cell:
        return value if isinstance(value, str) else None

    def read(self, raw: object) -> str | None:
        text = as_text(raw).strip()
        return text or None


def _word(member: Any, language: Language) -> str:
    return str(member.label if language == "zh" else member.value)


def _member(kind: type[enum.Enum], text: str, raw: object) -> Any:
    try:
        return kind(text)
    except BanshishiError:
        words = ", ".join(f"{m.label} ({m.value})" for m in kind)  # type: ignore[attr-defined]
        raise _bad("is not one of the words allowed here", raw, f"Use one of: {words}.") from None


@final
@attrs.frozen
class Choice:
    """One word of a vocabulary: written as its Chinese label (zh) or its value
    (en); either is read back, whatever the file's language."""

    kind: type[enum.Enum]
    required: bool = False

    def write(self, value: object, language: Language) -> Cell:
        return None if value is None else _word(value, language)

    def read(self, raw: object) -> Any:
        if _blank(raw):
            if self.required:
                raise _empty(raw)
            return None
        return _member(self.kind, as_text(raw).strip(), raw)


@final
@attrs.frozen
class Choices:
    """Several words of a vocabulary in one cell, in the vocabulary's order."""

    kind: type[enum.Enum]

    def write(self, value: object, language: Language) -> Cell:
        members = value if isinstance(value, frozenset) else frozenset()
        ordered = [m for m in self.kind if m in members]
        return join([_word(m, language) for m in ordered], language) or None

    def read(self, raw: object) -> frozenset[Any]:
        return frozenset(_member(self.kind, item, raw) for item in split(as_text(raw)))


@final
@attrs.frozen
class Names:
    """Several ids in one cell, in order (the co-units of a 共办 item)."""

    def write(self, value: object, language: Language) -> Cell:
        items = [str(item) for item in value] if isinstance(value, tuple) else []
        return join(items, language) or None

    def read(self, raw: object) -> tuple[str, ...]:
        return tuple(split(as_text(raw)))


def join(items: list[str], language: Language) -> str:
    """The items of a list cell, joined by the separator of ``language``."""
    return ("、" if language == "zh" else ";").join(items)


def split(text: str) -> list[str]:
    """The items of a list cell: split on any separator, blanks dropped."""
    return [item.strip() for item in _SPLIT.split(text) if item.strip()]


def joinable(item: str) -> bool:
    """Whether ``item`` survives :func:`join` then :func:`split` unchanged."""
    return item == item.strip() and item != "" and _SPLIT.search(item) is None


_LOCAL = re.compile(
    r"(?P<y>[0-9]{4})[-/](?P<mo>[0-9]{1,2})[-/](?P<d>[0-9]{1,2}) +"
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?"
)
_ZONE = pendulum.timezone(DEFAULT_TIMEZONE)
_SPACED_RFC3339 = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) +([0-9]{2}:.*[Zz+-].*)")


def format_moment(moment: DateTime) -> str:
    """``YYYY-MM-DD HH:mm:ss`` in China Standard Time; the microseconds follow
    only when there are some, so a time to the second reads as people write it."""
    local = moment.in_timezone(DEFAULT_TIMEZONE)
    text = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )
    return f"{text}.{local.microsecond:06d}" if local.microsecond else text


def parse_moment(raw: object) -> DateTime:
    """A time cell: the local form (China Standard Time), RFC 3339 with an offset,
    or a spreadsheet date-time (whose wall time is taken as China Standard Time)."""
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is None:
            return _writable(pendulum.instance(raw, tz=DEFAULT_TIMEZONE), raw)
        return _writable(as_datetime(raw, field="cell"), raw)
    if not isinstance(raw, str):
        raise _bad("must be a date and time", raw, _TIME_HINT)
    text = raw.strip()
    local = _LOCAL.fullmatch(text)
    if local is not None:
        y, mo, d, h, mi, sec = (int(local[n] or 0) for n in ("y", "mo", "d", "h", "mi", "s"))
        micro = int((local["f"] or "").ljust(6, "0"))
        try:
            # Already in China Standard Time, so it is written back as it stands.
            return pendulum.datetime(y, mo, d, h, mi, sec, micro, tz=_ZONE)
        except (OverflowError, ValueError):
            raise _bad("is not a real date and time", raw, _TIME_HINT) from None
    spaced = _SPACED_RFC3339.fullmatch(text)
    if spaced is not None:
        text = f"{spaced[1]}T{spaced[2]}"
    try:
        moment = parse_instant(text, field="cell")
    except BanshishiError as error:
        raise _bad(error.problem, raw, _TIME_HINT) from None
    return _writable(moment, raw)


def _writable(moment: DateTime, raw: object) -> DateTime:
    """``moment``, if it can be written back in China Standard Time."""
    try:
        moment.in_timezone(DEFAULT_TIMEZONE)
    except (OverflowError, ValueError):
        raise _bad("is too close to the ends of the calendar", raw) from None
    return moment


_TIME_HINT = (
    "Write YYYY-MM-DD HH:mm:ss in China Standard Time (UTC+8), "
    "or RFC 3339 with an offset such as 2026-07-01T09:30:00+08:00."
)


@final
@attrs.frozen
class Moment:
    """A point in time; see :func:`format_moment` and :func:`parse_moment`."""

    required: bool = False

    def write(self, value: object, language: Language) -> Cell:
        if not isinstance(value, DateTime):
            return None
        try:
            return format_moment(value)
        except (OverflowError, ValueError):
            raise _bad(
                "cannot be written in China Standard Time: it is too close to "
                "the ends of the calendar",
                value,
            ) from None

    def read(self, raw: object) -> DateTime | None:
        if _blank(raw):
            if self.required:
                raise _empty(raw)
            return None
        return parse_moment(raw)


_YES = {"是": True, "否": False, "yes": True, "no": False, "true": True, "false": False}


@final
@attrs.frozen
class YesNo:
    """A yes/no answer: 是/否 (zh) or yes/no (en); true/false are read too."""

    def write(self, value: object, language: Language) -> Cell:
        if not isinstance(value, bool):
            return None
        if language == "zh":
            return "是" if value else "否"
        return "yes" if value else "no"

    def read(self, raw: object) -> bool | None:
        if isinstance(raw, bool) or _blank(raw):
            return None if _blank(raw) else bool(raw)
        answer = _YES.get(as_text(raw).strip().lower())
        if answer is None:
            raise _bad("is not a yes or a no", raw, "Write 是 or 否 (yes or no).")
        return answer


@final
@attrs.frozen
class Whole:
    """A whole number written as a number, such as the handling round."""

    def write(self, value: object, language: Language) -> Cell:
        return value if isinstance(value, int) else None

    def read(self, raw: object) -> int | None:
        if _blank(raw):
            return None
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        text = as_text(raw).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            raise _bad("must be a whole number of at most 9 digits", raw)
        return int(text)


@final
@attrs.frozen
class Number:
    """A decimal number (a latitude or longitude); written in full, so it reads
    back as exactly the same float."""

    def write(self, value: object, language: Language) -> Cell:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None

    def read(self, raw: object) -> float | None:
        if _blank(raw):
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        try:
            number = float(as_text(raw).strip())
        except ValueError:
            raise _bad("must be a decimal number", raw) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise _bad("must be a finite decimal number", raw)
        return number


# What an XLSX cell cannot hold and JSON text may: written as JSON escapes instead,
# so a list cell is the same text in either format (see xlsx.py's _UNWRITABLE).
_JSON_ESCAPES = {"\ufffe": "\\ufffe", "\uffff": "\\uffff", "x005F_": "x005F\\u005f"}
_JSON_ESCAPE = re.compile("|".join(map(re.escape, _JSON_ESCAPES)))


@final
@attrs.frozen
class Records:
    """Records of one ``kind`` (visits, dispatches, …) in one cell: a JSON array
    of the objects :func:`unstructure` writes, as the issue's JSON schema
    describes them (``$defs``); a blank cell holds none.

    The JSON is the same whatever the file's language (keys and vocabulary in
    English, instants in RFC 3339), so a ledger's records read as an API's do.
    """

    kind: type
    noun: str
    """What one record is called in a reason: "visit", "dispatch", …"""

    def write(self, value: object, language: Language) -> Cell:
        items = value if isinstance(value, tuple) else ()
        if not items:
            return None
        text = json.dumps([unstructure(item) for item in items], ensure_ascii=False)
        return _JSON_ESCAPE.sub(lambda found: _JSON_ESCAPES[found[0]], text)

    def read(self, raw: object) -> tuple[Any, ...]:
        if _blank(raw):
            return ()
        hint = (
            f"Write a JSON array of {self.kind.__name__} objects as the issue's JSON "
            f"schema describes them ($defs/{self.kind.__name__}), or leave the cell blank."
        )
        try:
            data = json.loads(as_text(raw))
        except json.JSONDecodeError as error:
            raise _bad(f"is not JSON ({error.msg}, character {error.pos + 1})", raw, hint) from None
        except RecursionError:
            raise _bad("is JSON nested too deeply", raw, hint) from None
        if not isinstance(data, list):
            raise _bad(f"must be a JSON array of {self.noun} records", raw, hint)
        items: list[Any] = []
        for number, item in enumerate(data, 1):
            try:
                items.append(structure(item, self.kind))
            except BanshishiError as error:
                problem = f"has a bad {self.noun} (item {number}): {error.field} {error.problem}"
                raise _bad(problem, raw, error.hint or hint) from None
        return tuple(items)


Kind = Text | Code | Choice | Choices | Names | Moment | YesNo | Whole | Number | Records
"""Every kind of cell a ledger column can have."""
