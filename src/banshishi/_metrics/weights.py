"""Named weights for combining scores, such as the 三率 or the 三评.

Weights are exact: each is an ``int``, a ``Fraction`` or decimal text such as
``"0.4"``, never a ``float`` (0.1 + 0.2 is not 0.3 in binary floating point, and
a published score must not depend on that).
"""

import re
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import final

import attrs

from banshishi._core.errors import InvalidTypeError, InvalidValueError, NotFoundError

Number = Fraction | int | str
"""What an exact number may be given as: an ``int``, a ``Fraction`` or text like ``"0.4"``."""

# Plain decimals ("12", "-0.25", ".5") or a ratio of whole numbers ("2/5"). Scientific
# notation is refused: "1e999999999" would build a billion-digit integer.
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+|[0-9]+/[0-9]+)", re.ASCII)
_NUMBER_TEXT_LIMIT = 100


def exact_number(value: object, *, field: str) -> Fraction:
    """``value`` as an exact ``Fraction``: from an ``int``, a ``Fraction`` or decimal text.

    A ``float`` is refused rather than converted, since its binary value is
    rarely the decimal that was meant; so is a ``bool``, which is not a number.

    >>> exact_number("0.4", field="weight"), exact_number(3, field="weight")
    (Fraction(2, 5), Fraction(3, 1))
    >>> exact_number(0.4, field="weight")
    Traceback (most recent call last):
    ...
    banshishi.InvalidTypeError: weight must be an int, a Fraction or decimal text \
such as '0.4'; got 0.4. A float is not exact: write '0.4' or Fraction(2, 5) instead.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= _NUMBER_TEXT_LIMIT and _NUMBER_TEXT.fullmatch(text):
            try:
                return Fraction(text)
            except (ValueError, ZeroDivisionError):
                pass
        raise InvalidValueError(
            field=field,
            value=value,
            problem="is not a number",
            hint="Write decimal text such as '0.4' or '87.5', or a ratio such as '2/5'.",
        )
    hint = (
        "A float is not exact: write '0.4' or Fraction(2, 5) instead."
        if isinstance(value, float)
        else ""
    )
    raise InvalidTypeError(
        field=field,
        value=value,
        problem="must be an int, a Fraction or decimal text such as '0.4'",
        hint=hint,
    )


def _weights_given(values: object) -> dict[str, Fraction]:
    """attrs converter: the weights as a ``dict`` of exact, non-negative fractions."""
    if not isinstance(values, Mapping):
        raise InvalidTypeError(
            field="Weights", value=values, problem="must be a mapping of names to weights"
        )
    weights: dict[str, Fraction] = {}
    for name, given in values.items():
        if not isinstance(name, str):
            raise InvalidTypeError(
                field="Weights name", value=name, problem="must be text such as 'satisfaction'"
            )
        if not name.strip():
            raise InvalidValueError(field="Weights name", value=name, problem="must not be empty")
        weight = exact_number(given, field=f"Weights.{name}")
        if weight < 0:
            raise InvalidValueError(
                field=f"Weights.{name}",
                value=given,
                problem="must be 0 or more",
                hint="A weight of 0 leaves the part out of the score.",
            )
        weights[name] = weight
    if not any(weights.values()):
        raise InvalidValueError(
            field="Weights",
            value=dict(values),
            problem="must have at least one weight above 0",
            hint="With nothing weighted there is nothing to score.",
        )
    return weights


@final
@attrs.frozen(eq=False, repr=False)
class Weights(Mapping[str, Fraction]):
    """How much each named part counts towards a combined score.

    Only proportions matter: each part's :meth:`share` is its weight over the
    total, so 2 : 4 : 4 and 0.2 : 0.4 : 0.4 give the same score. A weight of 0 is
    allowed and means the part counts for nothing (its rate need not even have
    data); at least one weight must be above 0.

    A ``Weights`` reads like a read-only ``dict`` of the weights as given, in the
    order given; two are equal when they give the same weights to the same names.

    >>> weights = Weights.of(response=2, resolution=4, satisfaction="4")
    >>> weights.names
    ('response', 'resolution', 'satisfaction')
    >>> weights["resolution"], weights.share("resolution")
    (Fraction(4, 1), Fraction(2, 5))
    >>> weights.normalised() == Weights.of(response="0.2", resolution="0.4", satisfaction="0.4")
    True
    """

    _values: dict[str, Fraction] = attrs.field(converter=_weights_given)

    @classmethod
    def of(cls, **named: Number) -> "Weights":
        """Weights given as keyword arguments: ``Weights.of(people=5, review=3)``."""
        return cls(named)

    @property
    def names(self) -> tuple[str, ...]:
        """The parts' names, in the order given."""
        return tuple(self._values)

    @property
    def total(self) -> Fraction:
        """The sum of the weights (always above 0)."""
        return sum(self._values.values(), Fraction(0))

    def share(self, name: str) -> Fraction:
        """The part's weight over the total: its exact share of the score, from 0 to 1."""
        return self[name] / self.total

    def normalised(self) -> "Weights":
        """The same weights scaled to add up to 1: each is its :meth:`share`."""
        total = self.total
        return Weights({name: weight / total for name, weight in self._values.items()})

    def __getitem__(self, name: str) -> Fraction:
        if not isinstance(name, str) or name not in self._values:
            raise NotFoundError(
                field="Weights name",
                value=name,
                problem="is not one of the weighted parts",
                hint="The parts are: " + ", ".join(self._values) + ".",
            )
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Weights):
            return NotImplemented
        return self._values == other._values

    def __hash__(self) -> int:
        return hash(frozenset(self._values.items()))

    def __repr__(self) -> str:
        return f"Weights({self._values!r})"


def require_names(weights: object, names: tuple[str, ...], *, field: str) -> Weights:
    """``weights`` if it is a :class:`Weights` naming exactly ``names``; else a library error."""
    if not isinstance(weights, Weights):
        raise InvalidTypeError(field=field, value=weights, problem="must be a Weights")
    missing = [name for name in names if name not in weights]
    extra = [name for name in weights if name not in names]
    if missing or extra:
        problems = []
        if missing:
            problems.append("lacks " + ", ".join(map(repr, missing)))
        if extra:
            problems.append("also names " + ", ".join(map(repr, extra)))
        raise InvalidValueError(
            field=field,
            value=weights,
            problem=" and ".join(problems),
            hint="Weigh exactly: " + ", ".join(names) + ".",
        )
    return weights
