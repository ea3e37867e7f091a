"""Masking personal data (脱敏) before anything is published.

A disclosure list (公示) shows the public what was asked and what was done, not
who asked. The functions here hide what identifies a person and keep what a
reader, or the person themself, needs to recognise a line:

>>> mask_name("欧阳娜娜"), mask_mobile("+86 138-1234-5678"), mask_id_number("11010519491231002x")
('欧阳**', '138****5678', '110105********002X')
>>> mask_address("城关街道文化社区56号3单元")
'城关街道文化社区'
>>> scrub_text("请回电１３８ １２３４ ５６７８，身份证110105194912310021")
'请回电１３８ **** ５６７８，身份证110105********0021'

Every function is pure, keeps no state, and gives the same answer when run on
its own output, so masking twice is harmless. Text in free-text fields goes
through :func:`scrub_text`, which finds mobile and ID numbers however they were
typed, and the names of the people the text is about when they are known
(``_name_mentions``). Which fields of a :class:`Person` are personal comes from the field
metadata (:func:`personal_fields`), not from a list kept here.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable

import attrs

from banshishi._core.errors import InvalidTypeError, InvalidValueError
from banshishi._model.people import Person, id_number_check_digit, personal_fields

from .name_mentions import NAME_SEPARATORS, given_names, kept_length, mentioned

MASK = "*"
"""The character that stands in for each hidden character."""

# What may sit between the digits of one number as typed: anything that is
# neither a letter nor a digit (spaces, dashes, dots, slashes, brackets, list
# commas, a plus sign, invisible characters such as a zero-width space or U+180E,
# combining marks). None of it may hide a number; the mask itself ends a number.
# Digits need not be ASCII: any character Unicode gives a digit value (full-width,
# Arabic-Indic, circled ①, superscript) is read by unicodedata, and a number may be
# spelt out as a hotline transcript writes it: in Chinese numerals (with 〇, 零 or
# the circles ○ and ◯ people type for 〇), in the 大写 numerals of receipts and
# cheques (壹贰叁…, traditional 貳參陸 too), or in the digits read out over a radio
# or phone, 幺 (1), 两 (2), 拐 (7), 勾 (9) and 洞 (0).
_OTHER_DIGITS = {
    **{char: n for n, char in enumerate("〇一二三四五六七八九")},
    **{char: n for n, char in enumerate("零壹贰叁肆伍陆柒捌玖")},
    **{char: n for n, char in enumerate("零壹貳參肆伍陸柒捌玖")},
    "○": 0,
    "◯": 0,
    "洞": 0,
    "幺": 1,
    "两": 2,
    "兩": 2,
    "拐": 7,
    "勾": 9,
}
_CHECK_X = frozenset("XxＸｘ")
_MASKED_MOBILE = re.compile(r"[0-9]{3}\*{4}[0-9]{4}")
_MASKED_ID = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]")


def _is_gap(char: str) -> bool:
    return not char.isalnum() and char != MASK


def _digit(char: str) -> int | None:
    """The value of ``char`` as a digit of a number, if it is one."""
    if char.isdigit():
        return unicodedata.digit(char)
    return _OTHER_DIGITS.get(char)


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidTypeError(field=field, value=value, problem="must be text (a str)")
    return value


def mask_name(name: str) -> str:
    """Keep the surname, hide the rest: one character stands for each one hidden.

    The first character is kept (张三 → 张*), or the first two for a name that
    starts with a two-character surname and has more after it (欧阳娜娜 →
    欧阳**). Names without a surname in the Han sense, Mongolian, Tibetan or
    Uyghur transliterations and Latin-letter names, follow the same rule: the
    first character only. Separators (the middle dot of 阿卜杜·热合曼, spaces,
    hyphens) stay where they are, so the shape of the name is kept but nothing
    in it. A one-character name is hidden whole. Surrounding white space is
    dropped; the result is as long as what is left.

    >>> [mask_name(n) for n in ["张三", "司马光", "巴特尔", "阿卜杜·热合曼", "Zhang San", "李"]]
    ['张*', '司马*', '巴**', '阿**·***', 'Z**** ***', '*']
    """
    text = _text(name, "name").strip()
    if len(text) <= 1:
        return MASK * len(text)
    kept = kept_length(text)
    rest = (char if char in NAME_SEPARATORS else MASK for char in text[kept:])
    return text[:kept] + "".join(rest)


def _plain_digits(text: str, *, field: str, what: str) -> str:
    """``text`` without gaps, with every digit as ASCII and the check X upper-case."""
    kept: list[str] = []
    for char in text:
        if _is_gap(char):
            continue
        if char.isdecimal():
            kept.append(str(unicodedata.decimal(char)))
        elif char in _CHECK_X:
            kept.append("X")
        elif char in "+*":
            kept.append(char)
        else:
            raise InvalidValueError(
                field=field, value=text, problem=f"is not {what}", hint=f"{char!r} is not a digit."
            )
    return "".join(kept)


def mask_mobile(mobile: str) -> str:
    """A mainland mobile number as ``138****5678``: the first three digits (the
    carrier's block) and the last four (what people recognise their number by).

    Spaces, dashes, full-width digits and a ``+86``/``0086`` prefix are accepted;
    the result is always the 11-character form. An already masked number comes
    back as it is. Anything else that is not an 11-digit number starting with 1
    raises :class:`InvalidValueError`.

    >>> mask_mobile("0086 139-0471-2345"), mask_mobile("138****5678")
    ('139****2345', '138****5678')
    """
    text = _text(mobile, "mobile").strip()
    digits = _plain_digits(text, field="mobile", what="a mobile number")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if _MASKED_MOBILE.fullmatch(digits):
        return digits
    if not (len(digits) == 11 and digits.isdecimal() and digits[0] == "1"):
        raise InvalidValueError(
            field="mobile",
            value=mobile,
            problem="is not an 11-digit mainland mobile number starting with 1",
        )
    return f"{digits[:3]}{MASK * 4}{digits[7:]}"


def mask_id_number(id_number: str) -> str:
    """An 18-character resident ID number with its birth date hidden:
    ``110105********002X``.

    The first six digits name the county where the number was issued, no finer
    than the community an address is cut to; the last four (sequence and check
    character) let the person recognise their own line, as railway tickets and
    bank slips do. The eight digits of the birth date, which with a name
    identify someone, are hidden. A wrong check character does not stop the
    masking: a mistyped number is still someone's. Spaces, dashes and
    full-width digits are accepted, and a lower-case ``x`` comes back upper-case.

    >>> mask_id_number("150125 19900101 123X"), mask_id_number("150125********123X")
    ('150125********123X', '150125********123X')
    """
    text = _text(id_number, "id_number").strip()
    plain = _plain_digits(text, field="id_number", what="an 18-character resident ID number")
    if _MASKED_ID.fullmatch(plain):
        return plain
    if not (
        len(plain) == 18 and plain[:17].isdecimal() and (plain[17].isdecimal() or plain[17] == "X")
    ):
        raise InvalidValueError(
            field="id_number",
            value=id_number,
            problem="is not an 18-character resident ID number",
            hint="Seventeen digits and a check character (a digit or X).",
        )
    return f"{plain[:6]}{MASK * 8}{plain[14:]}"


# Administrative markers an address is cut at: the community level, else the
# township level, else the county level, each searched after the county part, so a
# county named 镇平县 is not taken for a town.
_COUNTY_MARKS = ("区", "县", "旗")
_TOWNSHIP_MARKS = ("街道", "苏木", "镇", "乡")
_COMMUNITY_MARKS = ("居民委员会", "居委会", "社区", "嘎查", "村")
_DOOR_WORDS = frozenset("号號楼樓栋棟幢单單元室院组組弄#＃(（[［")
_ROADS = frozenset("路街巷道")  # 红旗路, 新村街: a marker followed by these names a road
_NOT_FOLLOWED = {"村": frozenset("镇乡"), "乡": frozenset("村")}  # 新村镇, 乡村
_NOT_PRECEDED = {  # 小区, 校区, 景区 …; 红旗, 国旗: a marker inside another word
    "区": frozenset("小校景片厂营社园站街"),
    "旗": frozenset("红国彩锦"),
}


def _marker_end(text: str, start: int, marks: tuple[str, ...]) -> int | None:
    """Where the first of ``marks`` after ``start`` ends, with at least one
    character of name between ``start`` and the marker."""
    for position in range(start + 1, len(text)):
        for mark in marks:
            if not text.startswith(mark, position):
                continue
            end = position + len(mark)
            follower = text[end] if end < len(text) else ""
            if follower and (follower in _ROADS or follower in _NOT_FOLLOWED.get(mark, "")):
                continue
            if text[position - 1] in _NOT_PRECEDED.get(mark, ""):
                continue
            return end
    return None


def mask_address(address: str) -> str:
    """An address cut after its community (社区, 村, 嘎查, 居委会): the street,
    building and door are dropped.

    Without a community, the address is cut after its township (街道, 镇, 乡,
    苏木); without one either, after its county (区, 县, 旗). An address with
    none of these gives ``""``: there is no telling how fine it is, so none of it
    is shown. The markers are found by a rule of thumb that errs towards cutting
    more (a 村 in 新村路 names a road, a 区 in 小区 a housing estate). Numbers
    left in what is kept pass through :func:`scrub_text`.

    >>> mask_address("内蒙古自治区某旗北河苏木巴音嘎查36号")
    '内蒙古自治区某旗北河苏木巴音嘎查'
    >>> [mask_address(a) for a in ["某县南湖镇红旗路8号", "新城区幸福小区5号楼", "东风路12号"]]
    ['某县南湖镇', '新城区', '']
    """
    text = _text(address, "address").strip()
    # Nothing from the first number, door or building word, or bracketed note on
    # can be kept: a marker found after it (近东四社区, 88号社区卫生服务站) would
    # keep the street and door in front of it.
    stop = next(
        (i for i, char in enumerate(text) if char.isdecimal() or char in _DOOR_WORDS),
        len(text),
    )
    text = text[:stop]
    county = _marker_end(text, 0, _COUNTY_MARKS) or 0
    end = (
        _marker_end(text, county, _COMMUNITY_MARKS)
        or _marker_end(text, county, _TOWNSHIP_MARKS)
        or county
    )
    return scrub_text(text[:end])


def _birth_date(values: list[int | str]) -> bool:
    """Whether digits 7–14 of an ID-shaped stretch read as a real date, 1900–2099."""
    try:
        year, month, day = (
            int("".join(map(str, values[a:b]))) for a, b in ((6, 10), (10, 12), (12, 14))
        )
        dt.date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2099


def _is_id_number(values: list[int | str]) -> bool:
    """Seventeen digits and a check character, the check right or the birth date real."""
    if "X" in values[:17]:
        return False
    body = "".join(map(str, values[:17]))
    return str(values[17]) == id_number_check_digit(body) or _birth_date(values)


def _is_mobile(values: list[int | str]) -> bool:
    """Eleven digits starting 13–19: the mainland mobile blocks."""
    first, second = values[0], values[1]
    return first == 1 and isinstance(second, int) and second >= 3 and "X" not in values


def _runs(text: str) -> list[tuple[list[int], list[int | str]]]:
    """Every run of one number's characters in ``text``: the positions of its
    digits (and check X), and their values. A run starts at a digit and goes on
    through digits, gaps (see :func:`_is_gap`) and an X; anything else ends it."""
    runs: list[tuple[list[int], list[int | str]]] = []
    positions: list[int] = []
    values: list[int | str] = []
    for index, char in enumerate(text):
        value = _digit(char)
        if value is not None:
            positions.append(index)
            values.append(value)
        elif positions and char in _CHECK_X:
            positions.append(index)
            values.append("X")
        elif not (positions and _is_gap(char)):
            if positions:
                runs.append((positions, values))
            positions, values = [], []
    if positions:
        runs.append((positions, values))
    return runs


def _hidden_positions(text: str) -> set[int]:
    """Where the characters to hide are: the birth date of every ID number and
    the middle four digits of every mobile number, each looked for in every
    stretch of every run of digits of the text as given (so one number found
    never hides another from the search).

    An ID number that starts like a mobile number (13x–19x: Hebei, Shanxi,
    Inner Mongolia) has those digits hidden as well. Telling a real ID number
    from a mobile number glued to other digits is guesswork, and a wrong guess
    would show the middle of a phone number.
    """
    hidden: set[int] = set()
    for positions, values in _runs(text):
        for first in range(len(values) - 17):
            if _is_id_number(values[first : first + 18]):
                hidden.update(positions[first + offset] for offset in range(6, 14))
        for first in range(len(values) - 10):
            if _is_mobile(values[first : first + 11]):
                hidden.update(positions[first + offset] for offset in range(3, 7))
    return hidden


def scrub_text(text: str, *, names: Iterable[str] = ()) -> str:
    """``text`` with every mobile and resident ID number in it masked in place,
    and every mention of one of ``names`` masked as :func:`mask_name` masks it.

    Numbers are found however they were typed: with anything that is neither a
    letter nor a digit between the digits (spaces, dashes, dots, slashes,
    brackets, list commas, invisible characters), after ``+86`` or ``0086``, in
    full-width (０-９), circled or other Unicode digits, spelt out in Chinese
    numerals (一三八…, with 〇, ○ or 零 for zero), in 大写 numerals (壹叁捌…), in
    the digits read out over the phone (幺 1, 两 2, 拐 7, 勾 9, 洞 0), in any mix
    of these, or glued to other digits. Every stretch of every run of digits is
    looked at in the text as given, so one number found never hides another. An
    ID number is seventeen digits and a check character (X or x included) whose
    check is right or whose digits 7–14 are a real birth date (a mistyped
    number is still someone's); its birth date is hidden. A mobile number is
    eleven digits starting 13–19; its four middle digits are hidden.

    ``names`` are the names of the people the text is about (an issue's
    requester): no rule can find a name in text, but a known one can be. A
    mention is the whole name, a part of it between separators (阿卜杜·热合曼),
    or the given name alone (三丰 of 张三丰), of at least two letters; white
    space, invisible characters and name separators may stand between its
    letters, and full-width or upper-case letters match. What :func:`mask_name`
    hides in the name is hidden in each mention.

    Each hidden character becomes one ``*``, so the text keeps its length and
    everything else in it is left alone.

    >>> scrub_text("联系人王女士 +86 139-0471-2345，证件号 11010519491231002x。")
    '联系人王女士 +86 139-****-2345，证件号 110105********002x。'
    >>> scrub_text("张三丰反映：请回电 一三九○四七一二三四五（三丰）", names=["张三丰"])
    '张**反映：请回电 一三九****二三四五（**）'
    """
    text = _text(text, "text")
    hidden = _hidden_positions(text) | mentioned(text, given_names(names))
    chars = list(text)
    for position in hidden:
        chars[position] = MASK
    return "".join(chars)


_MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "mobile": mask_mobile,
    "id_number": mask_id_number,
    "address": mask_address,
}
"""How each kind of personal field is masked, by field name."""


def mask_person(person: Person) -> dict[str, str | None]:
    """The fields of ``person`` as they may be shown: each personal field (see
    :func:`personal_fields`) masked, every other field as it is.

    A personal field that no masker here knows is withheld (``None``), so a
    field marked personal later can never be published by accident.

    >>> shown = mask_person(Person(id="p1", name="诸葛亮", mobile="13912345678", unit="t1"))
    >>> shown["name"], shown["mobile"], shown["id_number"], shown["unit"]
    ('诸葛*', '139****5678', None, 't1')
    """
    if not isinstance(person, Person):
        raise InvalidTypeError(field="person", value=person, problem="must be a Person")
    personal = set(personal_fields(Person))
    shown: dict[str, str | None] = {}
    for field in attrs.fields(Person):
        value = getattr(person, field.name)
        if field.name not in personal or value is None:
            shown[field.name] = value
        else:
            masker = _MASKERS.get(field.name)
            shown[field.name] = None if masker is None else masker(value)
    return shown
