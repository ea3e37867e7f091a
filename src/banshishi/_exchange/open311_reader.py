"""Typed reading of one Open311 service request's keys, for the importer."""

import math
from collections.abc import Mapping
from typing import Any, cast, final

from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError, InvalidValueError
from banshishi._core.labels import LabelledEnum
from banshishi._core.time import DEFAULT_TIMEZONE, parse_instant


@final
class Reader:
    """Typed access to one request's keys; errors name ``path.key``.

    Open311 feeds turned from XML into JSON often write ``""`` for a missing
    value, so an empty string counts as absent everywhere.
    """

    __slots__ = ("path", "raw")

    def __init__(self, raw: Mapping[str, Any], path: str) -> None:
        self.raw = raw
        self.path = path

    def optional(self, key: str) -> object:
        value = self.raw.get(key)
        return None if value == "" else value

    def required(self, key: str) -> object:
        value = self.optional(key)
        if value is None:
            raise InvalidValueError(
                field=f"{self.path}.{key}", value=self.raw.get(key), problem="is required"
            )
        return value

    def text(self, key: str) -> str | None:
        value = self.optional(key)
        if value is not None and not isinstance(value, str):
            raise InvalidTypeError(
                field=f"{self.path}.{key}", value=value, problem="must be text or null"
            )
        return value

    def member(self, key: str, kind: type[LabelledEnum]) -> Any:
        """A word of the vocabulary ``kind`` (its value or its label), or ``None``."""
        value = self.text(key)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            raise InvalidValueError(
                field=f"{self.path}.{key}", value=value, problem=f"is not a {kind.__name__}"
            ) from None

    def yes_no(self, key: str) -> bool:
        """``true`` or ``false`` (JSON's, or as text); a missing one is ``false``."""
        value = self.optional(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        answer = {"true": True, "false": False}.get(str(value).strip().lower())
        if answer is None:
            raise InvalidValueError(
                field=f"{self.path}.{key}", value=value, problem="is not true or false"
            )
        return answer

    def required_identifier(self, key: str) -> str:
        found = self.identifier(key)
        if found is None:
            raise InvalidValueError(
                field=f"{self.path}.{key}", value=self.raw.get(key), problem="is required"
            )
        return found

    def identifier(self, key: str) -> str | None:
        """Text or a whole number (the spec's sample writes ids as numbers)."""
        value = self.optional(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise InvalidTypeError(
                field=f"{self.path}.{key}", value=value, problem="must be text or a whole number"
            )
        if isinstance(value, str) and not value.strip():
            raise InvalidValueError(
                field=f"{self.path}.{key}", value=value, problem="must not be blank"
            )
        if isinstance(value, int) and not -(10**18) < value < 10**18:
            raise InvalidValueError(
                field=f"{self.path}.{key}",
                value="(a number of more than 18 digits)",
                problem="is too long for an id",
            )
        return str(value)

    def required_moment(self, key: str) -> DateTime:
        return self._instant(key, self.required(key))

    def moment(self, key: str) -> DateTime | None:
        value = self.optional(key)
        return None if value is None else self._instant(key, value)

    def _instant(self, key: str, value: object) -> DateTime:
        field = f"{self.path}.{key}"
        moment = parse_instant(cast(str, value), field=field)
        try:
            moment.in_timezone(DEFAULT_TIMEZONE)  # every report shows it in China Standard Time
        except (OverflowError, ValueError):
            raise InvalidValueError(
                field=field, value=value, problem="is too close to the ends of the calendar"
            ) from None
        return moment

    def degrees(self, key: str, limit: int) -> float | None:
        value = self.optional(key)
        field = f"{self.path}.{key}"
        if value is None:
            return None
        if isinstance(value, str):
            try:
                number: float = float(value)
            except ValueError:
                raise InvalidValueError(
                    field=field, value=value, problem="is not a number"
                ) from None
        elif isinstance(value, int) and not isinstance(value, bool):
            if abs(value) > limit:  # may be too long even to print or turn into a float
                raise InvalidValueError(
                    field=field,
                    value=value if abs(value) < 10**18 else "(a huge number)",
                    problem=f"must lie between -{limit} and {limit} degrees",
                )
            number = float(value)
        elif isinstance(value, float):
            number = value
        else:
            raise InvalidTypeError(field=field, value=value, problem="must be a number or null")
        if not (math.isfinite(number) and -limit <= number <= limit):
            raise InvalidValueError(
                field=field, value=value, problem=f"must lie between -{limit} and {limit} degrees"
            )
        return number
