"""Composite scores: several rates weighted into one figure, such as the 12345 三率.

A 12345 hotline is judged on three rates of the same issues: 响应率 (response),
解决率 (resolution) and 满意率 (satisfaction). :func:`three_rates_score` weights
them into one score out of 100; :func:`composite_score` does the same for any
named rates. The score is exact until printed, and prints rounded half-up
(四舍五入) like a :class:`Rate`.
"""

from collections.abc import Iterable, Iterator, Mapping
from fractions import Fraction
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import InvalidTypeError, InvalidValueError, NotFoundError
from banshishi._core.validators import field_name, iterable_given, of_type, whole_number
from banshishi._model.issue import Issue
from banshishi._model.rate import NO_DATA, Rate

from .rates import resolution_rate, response_rate, satisfaction_rate
from .weights import Weights, require_names

THREE_RATES_WEIGHTS = Weights.of(
    response=Fraction(1, 5), resolution=Fraction(2, 5), satisfaction=Fraction(2, 5)
)
"""The default 三率 weights, response 20%, resolution 40%, satisfaction 40%.

An assumption, not a national standard: each city sets its own, so pass
``weights=`` to :func:`three_rates_score` with the local ones.
"""


def format_out_of_100(
    value: Fraction | None, places: int = 1, *, field: str, no_data: str = NO_DATA
) -> str:
    """``value`` (0 to 1) times 100, rounded half-up to ``places`` decimals, without a ``%``.

    The rounding is done on the exact fraction with integer arithmetic, as in
    :meth:`Rate.format`, so a score exactly halfway always rounds up.

    >>> format_out_of_100(Fraction(17465, 20000), field="score")  # 87.325
    '87.3'
    >>> format_out_of_100(Fraction(1745, 2000), field="score")  # 87.25
    '87.3'
    >>> format_out_of_100(None, field="score")
    '—'
    """
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 20:
        raise InvalidTypeError(field=field, value=places, problem="must be a whole number 0–20")
    if value is None:
        return no_data
    scaled = value * 100 * 10**places
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    sign = "-" if whole < 0 else ""
    integer, fraction = divmod(abs(whole), 10**places)
    return f"{sign}{integer}.{fraction:0{places}d}" if places else f"{sign}{integer}"


def check_part_names(names: Iterable[str], weights: Weights, *, field: str) -> None:
    """Refuse parts whose names are not exactly the weights' names."""
    given = list(names)
    missing = [name for name in weights.names if name not in given]
    extra = [name for name in given if name not in weights]
    if missing or extra:
        problems = []
        if missing:
            problems.append("lacks " + ", ".join(map(repr, missing)))
        if extra:
            problems.append("has " + ", ".join(map(repr, extra)) + ", not among the weights")
        raise InvalidValueError(
            field=field,
            value=given,
            problem=" and ".join(problems),
            hint="Give one part for each weight: " + ", ".join(weights.names) + ".",
        )


@final
class _Parts(Mapping[str, Rate]):
    """A read-only, hashable copy of the parts (a ``MappingProxyType`` cannot be copied
    or pickled, so a score holding one could not be either)."""

    __slots__ = ("_rates",)

    def __init__(self, rates: Mapping[str, Rate]) -> None:
        self._rates = dict(rates)

    def __getitem__(self, name: str) -> Rate:
        if not isinstance(name, str) or name not in self._rates:
            raise NotFoundError(
                field="CompositeScore.parts",
                value=name,
                problem="is not one of the parts",
                hint="The parts are: " + ", ".join(self._rates) + ".",
            )
        return self._rates[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rates)

    def __len__(self) -> int:
        return len(self._rates)

    def __hash__(self) -> int:
        return hash(frozenset(self._rates.items()))

    def __repr__(self) -> str:
        return repr(self._rates)

    def __reduce__(self) -> tuple[type["_Parts"], tuple[dict[str, Rate]]]:
        return _Parts, (self._rates,)


def _read_only_parts(parts: object) -> Any:
    """attrs converter: a read-only copy of a mapping of parts; other values go to the
    validator."""
    return _Parts(parts) if isinstance(parts, Mapping) else parts


def _check_parts(instance: object, attribute: "attrs.Attribute[Any]", parts: object) -> None:
    name = field_name(instance, attribute)
    if not isinstance(parts, Mapping):
        raise InvalidTypeError(
            field=name, value=parts, problem="must be a mapping of part names to Rates"
        )
    for part, rate in parts.items():
        if not isinstance(rate, Rate):
            raise InvalidTypeError(field=f"{name}[{part!r}]", value=rate, problem="must be a Rate")


@final
@attrs.frozen(kw_only=True)
class CompositeScore:
    """Named rates weighted into one score, such as the 三率 of a hotline.

    ``value`` is the sum over the parts of each part's share of the weights
    (:meth:`Weights.share`) times its rate, an exact fraction from 0 to 1. It is
    ``None`` when a part with a weight above 0 has no data: a unit with no rated
    issues has no 三率 score, rather than a low one. A part weighted 0 is ignored.

    ``sample`` is how many the score rests on (for the 三率, the rated issues); a
    ranking uses it to leave out scores built on too few (see ``rank_units``).

    >>> score = composite_score({"speed": Rate(9, 10), "quality": Rate(3, 4)},
    ...                         Weights.of(speed=1, quality=3))
    >>> score.value, score.format(), score.sample
    (Fraction(63, 80), '78.8', 4)
    """

    parts: Mapping[str, Rate] = attrs.field(converter=_read_only_parts, validator=_check_parts)
    """The rates combined, by name; a read-only mapping."""
    weights: Weights = attrs.field(validator=of_type(Weights))
    sample: int = attrs.field(validator=whole_number(0))

    def __attrs_post_init__(self) -> None:
        check_part_names(self.parts, self.weights, field="CompositeScore.parts")

    @property
    def value(self) -> Fraction | None:
        """The exact score from 0 to 1, or ``None`` when a weighted part has no data."""
        total = Fraction(0)
        for name, rate in self.parts.items():
            share = self.weights.share(name)
            if not share:
                continue
            if rate.value is None:
                return None
            total += share * rate.value
        return total

    def format(self, places: int = 1, *, no_data: str = NO_DATA) -> str:
        """The score out of 100 rounded half-up to ``places`` decimals, e.g. ``"87.3"``;
        ``no_data`` (``"—"``) when there is no score."""
        return format_out_of_100(
            self.value, places, field="CompositeScore.format.places", no_data=no_data
        )

    def __str__(self) -> str:
        return f"{self.format()} (sample {self.sample})"


def composite_score(
    parts: Mapping[str, Rate], weights: Weights, *, sample: int | None = None
) -> CompositeScore:
    """Weight the rates in ``parts`` into one :class:`CompositeScore`.

    ``parts`` must name exactly the parts ``weights`` names. ``sample`` defaults to
    the smallest denominator among the parts weighted above 0: the score is no
    better founded than its thinnest part.
    """
    if not isinstance(weights, Weights):
        raise InvalidTypeError(field="weights", value=weights, problem="must be a Weights")
    if not isinstance(parts, Mapping):
        raise InvalidTypeError(
            field="parts", value=parts, problem="must be a mapping of part names to Rates"
        )
    for name, rate in parts.items():
        if not isinstance(rate, Rate):
            raise InvalidTypeError(field=f"parts[{name!r}]", value=rate, problem="must be a Rate")
    check_part_names(parts, weights, field="parts")
    if sample is None:
        sample = min(rate.denominator for name, rate in parts.items() if weights[name])
    elif not isinstance(sample, int) or isinstance(sample, bool):
        raise InvalidTypeError(field="sample", value=sample, problem="must be an int or None")
    elif sample < 0:
        raise InvalidValueError(field="sample", value=sample, problem="must be 0 or more")
    return CompositeScore(parts=parts, weights=weights, sample=sample)


def three_rates_score(
    issues: Iterable[Issue],
    *,
    as_of: DateTime | None = None,
    weights: Weights = THREE_RATES_WEIGHTS,
    basically_satisfied: bool = True,
) -> CompositeScore:
    """三率 composite: 响应率, 解决率 and 满意率 of the same issues, weighted.

    The three rates are those of :func:`response_rate`, :func:`resolution_rate`
    and :func:`satisfaction_rate`, with their denominators: response is out of
    every counted issue, resolution and satisfaction out of the rated ones.
    ``weights`` must name ``response``, ``resolution`` and ``satisfaction``; the
    default, :data:`THREE_RATES_WEIGHTS` (1 : 2 : 2), is an assumption to replace
    with the local rule. ``sample`` is the number of rated issues, and the score
    is ``None`` when none are rated.
    """
    require_names(weights, THREE_RATES_WEIGHTS.names, field="weights")
    items = list(iterable_given(issues, field="issues", of="Issue"))
    satisfaction = satisfaction_rate(
        items, as_of=as_of, basically_satisfied=basically_satisfied
    ).rate
    parts = {
        "response": response_rate(items, as_of=as_of).rate,
        "resolution": resolution_rate(items, as_of=as_of).rate,
        "satisfaction": satisfaction,
    }
    return composite_score(parts, weights, sample=satisfaction.denominator)
