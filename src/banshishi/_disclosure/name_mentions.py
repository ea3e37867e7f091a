"""Where a known person's name is mentioned in free text.

A requester's name is masked in the requester column of a published list, but
people also write it into the title ("张三丰反映小区路灯不亮"). The library knows
whose issue it is, so it can find that name in the text and hide what
:func:`mask_name` hides. Names in general cannot be found by any rule; a known
name can.

This module knows how a name splits into the part :func:`mask_name` keeps
(the surname) and the part it hides, and where each part of a name stands in
a text; ``_masking`` turns those positions into masks.
"""

import unicodedata
from collections.abc import Iterable, Iterator

from banshishi._core.errors import InvalidTypeError

# Two-character surnames (复姓), simplified and traditional. A name starting with
# one keeps both characters, when it has at least one more after them.
_COMPOUND_SURNAME_TEXT = (
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 夏侯 长孙 宇文 司徒 令狐 澹台 端木 呼延 "
    "独孤 南宫 西门 万俟 轩辕 闻人 东郭 太史 申屠 钟离 公冶 赫连 濮阳 单于 宗政 仲孙 淳于 "
    "拓跋 羊舌 微生 梁丘 左丘 东门 百里 谷梁 第五 司空 司寇 乐正 鲜于 闾丘 亓官 巫马 公西 "
    "漆雕 壤驷 公良 段干 子车 颛孙 夹谷 宰父 南门 歐陽 司馬 諸葛 東方 長孫 尉遲 公孫 澹臺 "
    "獨孤 南宮 西門 鍾離 軒轅 聞人 東郭 單于 閭丘"
)
COMPOUND_SURNAMES = frozenset(_COMPOUND_SURNAME_TEXT.split())
# Characters that separate the parts of a name and are kept where they stand: the
# middle dots of transliterated names (阿卜杜·热合曼), spaces, hyphens, apostrophes.
NAME_SEPARATORS = frozenset(" \t\u3000·•・‧．.-‐'’")
_MASK = "*"


def kept_length(name: str) -> int:
    """How many leading characters of ``name`` (stripped) :func:`mask_name`
    shows: none for a one-character name, two for a two-character surname with
    more after it, else one."""
    if len(name) <= 1:
        return 0
    return 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1


def _key(char: str) -> str:
    """What a character of a name is compared by: full-width letters as
    ASCII, upper case as lower case."""
    return unicodedata.normalize("NFKC", char).casefold()


def _between(char: str) -> bool:
    """Whether ``char`` may stand between two letters of one mention of a name:
    white space, invisible characters, combining marks and name separators."""
    return (
        char in NAME_SEPARATORS
        or char.isspace()
        or unicodedata.category(char) in ("Cf", "Mn", "Me")
    ) and char != _MASK


def _is_cased(char: str) -> bool:
    return char.lower() != char.upper()


Pattern = tuple[tuple[str, bool], ...]
"""A mention to look for: each letter's key, and whether the letter is hidden."""


def _patterns(name: str) -> Iterator[Pattern]:
    """What counts as a mention of ``name``: the whole name; each part of it
    between separators; and, for a name written without separators (张三丰),
    the given name alone (三丰). Each letter carries whether :func:`mask_name`
    hides it. A mention must be at least two letters long and hide one of them,
    so a one-character name or given name (李, the 三 of 张三) is never looked
    for alone: it would hide that character wherever it appears."""
    kept = kept_length(name)
    letters = [(index, char) for index, char in enumerate(name) if char not in NAME_SEPARATORS]
    whole = tuple((_key(char), index >= kept) for index, char in letters)
    candidates = [whole]
    parts: list[Pattern] = [()]
    for index, char in enumerate(name):
        if char in NAME_SEPARATORS:
            parts.append(())
        else:
            parts[-1] += ((_key(char), index >= kept),)
    if len(parts) > 1:
        candidates += parts
    else:
        candidates.append(tuple((key, True) for key, _ in whole[kept:]))
    for pattern in candidates:
        if len(pattern) >= 2 and any(hidden for _, hidden in pattern):
            yield pattern


def _boundary(text: str, index: int, key: str) -> bool:
    """Whether a mention may start or end next to ``text[index]``: a name in
    letters that have case (Latin, Cyrillic) must not run on into a word."""
    if not _is_cased(key) or not 0 <= index < len(text):
        return True
    return not text[index].isalnum()


def _match(text: str, start: int, pattern: Pattern, keys: list[str]) -> list[int] | None:
    """The positions of the letters of ``pattern`` mentioned from ``start``, if it is."""
    found: list[int] = []
    index = start
    for number, (key, _) in enumerate(pattern):
        if number:
            while index < len(text) and _between(text[index]):
                index += 1
        if index >= len(text) or keys[index] != key:
            return None
        found.append(index)
        index += 1
    first, last = pattern[0][0], pattern[-1][0]
    if not (_boundary(text, start - 1, first) and _boundary(text, index, last)):
        return None
    return found


def given_names(names: object) -> tuple[str, ...]:
    """``names`` checked: an iterable of texts (not one text), each stripped."""
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise InvalidTypeError(
            field="names",
            value=names,
            problem="must be an iterable of names (texts)",
            hint='Pass a list or tuple, such as ["张三丰"].',
        )
    checked: list[str] = []
    for number, name in enumerate(names):
        if not isinstance(name, str):
            raise InvalidTypeError(field=f"names[{number}]", value=name, problem="must be text")
        checked.append(name.strip())
    return tuple(checked)


def mentioned(text: str, names: Iterable[str]) -> set[int]:
    """The positions in ``text`` of every letter of a mention of one of
    ``names`` that :func:`mask_name` would hide (see :func:`_patterns`).

    Letters are compared after NFKC and case folding, so full-width and
    upper-case letters are found too, and white space, invisible characters
    and name separators may stand between them (张 三 丰, Zhang-San)."""
    patterns = [pattern for name in names for pattern in _patterns(name)]
    if not patterns:
        return set()
    keys = [_key(char) for char in text]
    hidden: set[int] = set()
    for pattern in patterns:
        first = pattern[0][0]
        for start, key in enumerate(keys):
            if key != first:
                continue
            found = _match(text, start, pattern, keys)
            if found is not None:
                hidden.update(p for p, (_, hide) in zip(found, pattern, strict=True) if hide)
    return hidden
