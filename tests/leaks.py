"""What a leak of personal data looks like, and the texts the tests plant it in.

Shared by the masking, disclosure and command-line tests: Hypothesis strategies for
mobile and ID numbers written every way a person might (full-width, spelt out, split
by spaces), texts with such numbers planted in them, and ``leaks``, which finds a
planted number still readable in an output.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from hypothesis import strategies as st

from banshishi._model.people import id_number_check_digit

# Every way a digit is written in free text that scrub_text must read, by script:
# the digit n is the n-th character of each.
DIGIT_SCRIPTS = {
    "ASCII": "0123456789",
    "full-width": "０１２３４５６７８９",
    "Arabic-Indic": "٠١٢٣٤٥٦٧٨٩",
    "circled": "⓪①②③④⑤⑥⑦⑧⑨",
    "Chinese": "〇一二三四五六七八九",
    "Chinese with 零": "零一二三四五六七八九",
    "Chinese with ○": "○一二三四五六七八九",
    "Chinese with ◯": "◯一二三四五六七八九",
    "大写": "零壹贰叁肆伍陆柒捌玖",
    "大写, traditional": "零壹貳參肆伍陸柒捌玖",
    "read out": "洞幺两三四五六拐八勾",
    "read out, traditional": "洞幺兩三四五六拐八勾",
}
SPELT_DIGITS = {char: str(n) for script in DIGIT_SCRIPTS.values() for n, char in enumerate(script)}
FULL_WIDTH = str.maketrans({**SPELT_DIGITS, "Ｘ": "X", "ｘ": "x"})
# Between two digits of one text, anything that is neither a letter, a digit nor
# the mask (spaces, punctuation, invisible characters, combining marks) is read
# past. Across the cells of a whole document only what a reader reads past is:
# white space, dashes and invisible characters, not the commas and quotes that
# separate one cell from the next.
_BETWEEN_DIGITS = re.compile(r"(?<=\d)(?:[^\w*]|_)+(?=[\dXx])")
_BETWEEN_CELLS = re.compile(
    r"(?<=\d)[\s\-‐‑‒–—―−－﹣\u00ad\u180e\u200b-\u200f\u2060\ufeff]+(?=[\dXx])"
)
MOBILE_PATTERN = re.compile(r"1[3-9]\d{9}")
ID_PATTERN = re.compile(r"(?=(\d{17}[\dXx]))")


def normalised(text: str, *, document: bool = False) -> str:
    """``text`` as a reader would take it in: full-width, circled and Chinese
    digits as ASCII, and what may sit between the digits of a number dropped
    (less of it across a ``document``'s cells)."""
    between = _BETWEEN_CELLS if document else _BETWEEN_DIGITS
    return between.sub("", text.translate(FULL_WIDTH))


def _valid_ids(text: str) -> list[str]:
    found = []
    for match in ID_PATTERN.finditer(text):
        candidate = match.group(1)
        body = "".join(str(unicodedata.decimal(c)) for c in candidate[:17])
        if candidate[17].upper() == id_number_check_digit(body):
            found.append(candidate)
    return found


def leaks(text: str, planted: list[str], *, document: bool = False) -> list[str]:
    """Every planted number, mobile-shaped number or valid ID number readable in
    ``text``. (Whether the right digits of each planted number are hidden, where
    it stands, is checked by
    ``test_the_hidden_digits_of_every_planted_number_are_masked_where_they_stand``.)"""
    plain = normalised(text, document=document)
    found = [number for number in planted if number[:17] in plain]
    return found + MOBILE_PATTERN.findall(plain) + _valid_ids(plain)


@st.composite
def mobiles(draw: st.DrawFn) -> str:
    """Mainland mobile numbers in the blocks actually allocated (13x–19x)."""
    second = draw(st.sampled_from("3456789"))
    return "1" + second + draw(st.text(alphabet="0123456789", min_size=9, max_size=9))


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """18-character ID numbers with a right check character, X included."""
    region = draw(st.sampled_from(["110105", "150125", "152501", "650102", "440524", "540102"]))
    born = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2025, 12, 31)))
    sequence = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    body = f"{region}{born:%Y%m%d}{sequence}"
    return body + id_number_check_digit(body)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) - ord("0") + ord("０")) if c.isdigit() else c for c in text)


MOBILE_STYLES: tuple[Callable[[str], str], ...] = (
    lambda m: m,
    lambda m: f"{m[:3]} {m[3:7]} {m[7:]}",
    lambda m: f"{m[:3]}-{m[3:7]}-{m[7:]}",
    lambda m: f"+86 {m}",
    lambda m: f"+86-{m[:3]}-{m[3:7]}-{m[7:]}",
    lambda m: f"0086 {m}",
    lambda m: f"+86{m}",
    lambda m: f"86{m}",
    lambda m: _full_width(m),
    lambda m: _full_width(f"{m[:3]} {m[3:7]} {m[7:]}"),
    lambda m: f"{m[:3]}\u3000{m[3:7]}\u3000{m[7:]}",
    lambda m: f"{m[:3]}\u200b{m[3:7]}\u200b{m[7:]}",
    lambda m: f"{_full_width(m[:3])}-{m[3:7]}-{_full_width(m[7:])}",
    lambda m: f"{m[:3]}/{m[3:7]}/{m[7:]}",
    lambda m: f"({m[:3]}){m[3:7]}-{m[7:]}",
    lambda m: f"{m[:3]}、{m[3:7]}、{m[7:]}",
    lambda m: f"{m[:3]}.{m[3:7]}.{m[7:]}",
    lambda m: f"{m[:3]}\u180e{m[3:7]}\u180e{m[7:]}",  # the Mongolian vowel separator
    lambda m: f"{m[:3]}\u200e{m[3:7]}\u200e{m[7:]}",  # a left-to-right mark
    lambda m: m[0] + "\u0301" + m[1:],  # a combining mark
)
# Ways only free text is typed: a mobile field holds the number alone.
MOBILE_TEXT_STYLES: tuple[Callable[[str], str], ...] = (
    *MOBILE_STYLES,
    lambda m: "".join("〇一二三四五六七八九"[int(d)] for d in m),  # spelt out
    lambda m: "幺" + "".join("〇一二三四五六七八九"[int(d)] for d in m[1:]),
    lambda m: "".join("⓪①②③④⑤⑥⑦⑧⑨"[int(d)] for d in m),
    lambda m: m.replace("0", "○"),  # a circle typed for 〇
    lambda m: "".join("○一二三四五六七八九"[int(d)] for d in m),
    lambda m: "".join(DIGIT_SCRIPTS["大写"][int(d)] for d in m),
    lambda m: "".join(DIGIT_SCRIPTS["read out"][int(d)] for d in m),
    lambda m: f"0471-6681241，{m}",  # after a landline, as hotline notes write them
    lambda m: f"000000202001 {m}",
)
ID_STYLES: tuple[Callable[[str], str], ...] = (
    lambda n: n,
    lambda n: n.lower(),
    lambda n: f"{n[:6]} {n[6:14]} {n[14:]}",
    lambda n: f"{n[:6]}-{n[6:14]}-{n[14:]}",
    lambda n: _full_width(n),
    lambda n: _full_width(n).replace("X", "Ｘ"),
    lambda n: f"{n[:3]} {n[3:6]} {n[6:10]} {n[10:14]} {n[14:]}",
    lambda n: f"{n[:6]}/{n[6:14]}/{n[14:]}",
)
ID_TEXT_STYLES: tuple[Callable[[str], str], ...] = (
    *ID_STYLES,
    lambda n: f"0471-6681241，{n}",
)


@st.composite
def planted_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A mobile or ID number, and the way it is typed: (the number, as written)."""
    if draw(st.booleans()):
        number = draw(mobiles())
        return number, draw(st.sampled_from(MOBILE_TEXT_STYLES))(number)
    number = draw(id_numbers())
    return number, draw(st.sampled_from(ID_TEXT_STYLES))(number)


surroundings = st.text(max_size=12) | st.sampled_from(
    [
        "",
        "请回电",
        "电话：",
        "身份证号",
        "，谢谢",
        "3号楼",
        "房号 12 ",
        "x",
        "-",
        " 5",
        "0471-6681241，",
        "1234567 ",
    ]
)


@st.composite
def planted_texts(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Text with one to three numbers planted in it: (the text, the numbers)."""
    parts, numbers = [draw(surroundings)], []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        number, written = draw(planted_numbers())
        parts += [written, draw(surroundings)]
        numbers.append(number)
    return "".join(parts), numbers


@st.composite
def located_texts(draw: st.DrawFn) -> tuple[str, list[tuple[str, list[int]]]]:
    """Text with numbers planted in it, and where each number's digits are: (the
    text, [(the number, the position in the text of each of its digits)])."""
    text, located = draw(surroundings), []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        number, written = draw(planted_numbers())
        digits = [i for i, char in enumerate(written) if _is_digit_of_number(char)]
        # The number's own digits are the last ones written (after any +86,
        # 0086 or landline in front of it).
        located.append((number, [len(text) + i for i in digits[len(digits) - len(number) :]]))
        text += written + draw(surroundings)
    return text, located


def _is_digit_of_number(char: str) -> bool:
    return char.isdecimal() or char in SPELT_DIGITS or char in "XxＸｘ"
