"""Time limits (办理时限) in working days or working hours."""

import re
from typing import final

import attrs

from banshishi._core.errors import BanshishiError, InvalidTypeError, InvalidValueError
from banshishi._core.labels import LabelledEnum
from banshishi._core.validators import member_of, whole_number


@final
class LimitUnit(LabelledEnum):
    """What a time limit counts."""

    WORKING_DAYS = "working_days", "工作日"
    WORKING_HOURS = "working_hours", "工作小时"


_ENGLISH = {
    "working day": LimitUnit.WORKING_DAYS,
    "working days": LimitUnit.WORKING_DAYS,
    "working hour": LimitUnit.WORKING_HOURS,
    "working hours": LimitUnit.WORKING_HOURS,
}
_CHINESE = {"工作日": LimitUnit.WORKING_DAYS, "工作小时": LimitUnit.WORKING_HOURS}
_PATTERN = re.compile(
    r"\s*(?P<amount>[0-9]+)\s*(?:(?P<english>working\s+(?:day|hour)s?)|个?(?P<chinese>工作日|工作小时))\s*",
    re.IGNORECASE,
)


MAX_AMOUNT = 100_000
"""No limit is longer than this many days or hours: centuries of working days,
past any calendar's data, and a typo more often than a real limit."""


@final
@attrs.frozen
class TimeLimit:
    """A whole number of working days or working hours, such as "15 working days".

    Text in English or Chinese is accepted by :meth:`parse`, and ``str()`` writes
    the English form back:

    >>> TimeLimit.parse("15个工作日") == TimeLimit.working_days(15)
    True
    >>> str(TimeLimit(2, LimitUnit.WORKING_HOURS))
    '2 working hours'

    How a limit turns into a deadline (counting from the next working day, the
    daily cut-off, office hours) is :meth:`WorkingHours.deadline`.
    """

    amount: int = attrs.field(validator=whole_number(1, maximum=MAX_AMOUNT))
    unit: LimitUnit = attrs.field(validator=member_of(LimitUnit))

    @classmethod
    def working_days(cls, amount: int) -> "TimeLimit":
        """``amount`` working days."""
        return cls(amount, LimitUnit.WORKING_DAYS)

    @classmethod
    def working_hours(cls, amount: int) -> "TimeLimit":
        """``amount`` working hours."""
        return cls(amount, LimitUnit.WORKING_HOURS)

    @classmethod
    def parse(cls, text: str) -> "TimeLimit":
        """A limit from text: "1 working day", "2 working hours", "15个工作日", "2个工作小时"."""
        if not isinstance(text, str):
            raise InvalidTypeError(field="TimeLimit", value=text, problem="must be text")
        match = _PATTERN.fullmatch(text)
        if match is None:
            raise InvalidValueError(
                field="TimeLimit",
                value=text,
                problem="is not a time limit",
                hint='Write e.g. "15 working days", "2 working hours" or "15个工作日".',
            )
        if match["english"]:
            unit = _ENGLISH[" ".join(match["english"].lower().split())]
        else:
            unit = _CHINESE[match["chinese"]]
        return cls(int(match["amount"]), unit)

    def __str__(self) -> str:
        noun = "day" if self.unit is LimitUnit.WORKING_DAYS else "hour"
        return f"{self.amount} working {noun}{'' if self.amount == 1 else 's'}"


def as_limit(value: object) -> object:
    """attrs converter: text such as "15 working days" as a TimeLimit; anything
    else (unreadable text included) unchanged, for the validator to judge."""
    if isinstance(value, str):
        try:
            return TimeLimit.parse(value)
        except BanshishiError:
            return value
    return value


def check_limit_text(name: str, value: object) -> None:
    """For text :func:`as_limit` could not read, raise why, naming ``name``."""
    if isinstance(value, str):
        try:
            TimeLimit.parse(value)
        except BanshishiError as error:
            raise type(error)(
                field=name, value=value, problem=error.problem, hint=error.hint
            ) from None
