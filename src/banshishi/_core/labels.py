"""The base of every vocabulary enum: an English value plus the Chinese ``label``.

Members compare equal to their English value (they are ``StrEnum`` members), so
they serialise as plain strings. Looking a member up accepts either the value or
the Chinese label; anything else raises ``UnknownValueError`` listing the choices.
"""

import enum
from typing import Self

from .errors import UnknownValueError


class LabelledEnum(enum.StrEnum):
    """A vocabulary: each member is ``NAME = "value", "中文"``. Library-internal base."""

    label: str

    # ``label`` has a default only so that type checkers accept ``Kind("value")``
    # look-ups, which go through the enum machinery and never reach ``__new__``.
    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def _missing_(cls, value: object) -> Self:
        for member in cls:
            if member.label == value:
                return member
        raise UnknownValueError(
            field=cls.__name__,
            value=value,
            problem=f"is not a known {cls.__name__}",
            hint="Expected one of: " + ", ".join(f"{m.value} ({m.label})" for m in cls) + ".",
        )
