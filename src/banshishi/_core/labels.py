"""The base of every vocabulary enum: an English value plus the Chinese ``label``.

Members compare equal to their English value (they are ``StrEnum`` members), so
they serialise as plain strings. Looking a member up accepts either the value or
the Chinese label; anything else raises ``UnknownValueError`` listing the choices.

A label can change when practice names a thing better (a duplicate work order is
重复件; 重复诉求 is the repeat request). Files, feeds and code written before the
change still spell the old word, so a member may keep its former labels: a third
item, ``formerly("旧称")``, after the value and the label. Look-ups accept them;
nothing writes them, and a current label always wins over a former one.
"""

import enum
from typing import Self, final

import attrs

from .errors import UnknownValueError


@final
@attrs.frozen
class FormerLabels:
    """The labels a member was once known by: read on input, never written."""

    labels: tuple[str, ...]


def formerly(*labels: str) -> FormerLabels:
    """A member's former labels, the optional third item of ``NAME = "value", "中文", …``."""
    return FormerLabels(labels)


class LabelledEnum(enum.StrEnum):
    """A vocabulary: each member is ``NAME = "value", "中文"``, with an optional
    third item ``formerly("旧称")``. Library-internal base."""

    label: str
    former_labels: tuple[str, ...]

    # ``label`` has a default only so that type checkers accept ``Kind("value")``
    # look-ups, which go through the enum machinery and never reach ``__new__``.
    def __new__(cls, value: str, label: str = "", former: FormerLabels | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.former_labels = () if former is None else former.labels
        return member

    @classmethod
    def _missing_(cls, value: object) -> Self:
        for member in cls:
            if member.label == value:
                return member
        for member in cls:
            if value in member.former_labels:
                return member
        raise UnknownValueError(
            field=cls.__name__,
            value=value,
            problem=f"is not a known {cls.__name__}",
            hint="Expected one of: " + ", ".join(f"{m.value} ({m.label})" for m in cls) + ".",
        )
