"""三评: the three reviews that grade a grassroots organisation's year or quarter.

Each unit is scored three ways, each out of 100: its own self-evaluation (自评),
the people's broad evaluation (群众评价, often the satisfaction rate of its
issues) and a comprehensive review by the level above (综合评议). The three are
weighted into one score and graded 优秀 / 良好 / 合格 / 不合格.

The default weights (2 : 5 : 3) and grade thresholds (90 / 80 / 60) are
assumptions, common in published schemes but not a national standard: pass
``weights=`` and ``scale=`` with the local ones.
"""

from collections.abc import Iterable
from fractions import Fraction
from typing import Any, cast, final

import attrs

from banshishi._core.errors import (
    BanshishiError,
    DuplicateError,
    InvalidTypeError,
    InvalidValueError,
)
from banshishi._core.labels import LabelledEnum
from banshishi._core.validators import field_name, items_given, member_of, of_type, text
from banshishi._model.rate import NO_DATA, Rate

from .breakdown import Breakdown
from .composite import format_out_of_100
from .weights import Number, Weights, exact_number, require_names

THREE_REVIEWS_WEIGHTS = Weights.of(
    self_evaluation=Fraction(2, 10), people=Fraction(5, 10), review=Fraction(3, 10)
)
"""The default 三评 weights: 自评 20%, 群众评价 50%, 综合评议 30%. An assumption."""


@final
class Grade(LabelledEnum):
    """The grade a 三评 score earns, best first."""

    EXCELLENT = "excellent", "优秀"  # at or above GradeScale.excellent
    GOOD = "good", "良好"  # at or above GradeScale.good
    PASS = "pass", "合格"  # at or above GradeScale.passing
    FAIL = "fail", "不合格"  # below GradeScale.passing


def _as_fraction(value: Number) -> Fraction:
    """attrs converter: an exact number as a ``Fraction``; anything else is left for the
    validator, which names the field."""
    try:
        return exact_number(value, field="")
    except BanshishiError:
        return cast(Fraction, value)


def _out_of_100(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    name = field_name(instance, attribute)
    number = exact_number(value, field=name)
    if not 0 <= number <= 100:
        raise InvalidValueError(field=name, value=value, problem="must be from 0 to 100")


@final
@attrs.frozen(kw_only=True)
class GradeScale:
    """The lowest score out of 100 for each grade; a score exactly at a threshold
    earns the higher grade.

    The defaults (优秀 from 90, 良好 from 80, 合格 from 60) are an assumption. The
    thresholds are exact (an ``int``, a ``Fraction`` or decimal text such as
    ``"85.5"``) and must go strictly down.

    >>> from fractions import Fraction
    >>> scale = GradeScale()
    >>> scale.grade(Fraction(9, 10)).label, scale.grade(Fraction(899, 1000)).label
    ('优秀', '良好')
    """

    excellent: Fraction = attrs.field(
        default=Fraction(90), converter=_as_fraction, validator=_out_of_100
    )
    good: Fraction = attrs.field(
        default=Fraction(80), converter=_as_fraction, validator=_out_of_100
    )
    passing: Fraction = attrs.field(
        default=Fraction(60), converter=_as_fraction, validator=_out_of_100
    )

    def __attrs_post_init__(self) -> None:
        if self.good >= self.excellent:
            raise InvalidValueError(
                field="GradeScale.good",
                value=self.good,
                problem=f"must be below excellent ({self.excellent})",
            )
        if self.passing >= self.good:
            raise InvalidValueError(
                field="GradeScale.passing",
                value=self.passing,
                problem=f"must be below good ({self.good})",
            )

    def grade(self, score: Fraction) -> Grade:
        """The grade of ``score``, an exact fraction from 0 to 1 (not out of 100)."""
        value = exact_number(score, field="GradeScale.grade.score")
        if not 0 <= value <= 1:
            raise InvalidValueError(
                field="GradeScale.grade.score",
                value=score,
                problem="must be from 0 to 1",
                hint="Scores are fractions: pass 87 out of 100 as Fraction(87, 100).",
            )
        out_of_100 = value * 100
        if out_of_100 >= self.excellent:
            return Grade.EXCELLENT
        if out_of_100 >= self.good:
            return Grade.GOOD
        if out_of_100 >= self.passing:
            return Grade.PASS
        return Grade.FAIL


DEFAULT_GRADE_SCALE = GradeScale()


@final
@attrs.frozen(kw_only=True)
class ThreeReview:
    """One unit's three review scores for one period, each out of 100.

    Scores are exact: an ``int``, a ``Fraction`` or decimal text such as
    ``"87.5"``. To take the people's score from a satisfaction rate, use
    :meth:`with_people_rate`.
    """

    unit: str = attrs.field(validator=text())
    period: str = attrs.field(validator=text())
    """A label for the period reviewed, such as ``"2026-Q3"`` or ``"2026"``."""
    self_evaluation: Fraction = attrs.field(converter=_as_fraction, validator=_out_of_100)
    """自评: the unit's own score."""
    people: Fraction = attrs.field(converter=_as_fraction, validator=_out_of_100)
    """群众评价: the people's score."""
    review: Fraction = attrs.field(converter=_as_fraction, validator=_out_of_100)
    """综合评议: the comprehensive review's score."""

    @classmethod
    def with_people_rate(
        cls,
        *,
        unit: str,
        period: str,
        self_evaluation: Number,
        people: Rate | Breakdown[Any],
        review: Number,
    ) -> "ThreeReview":
        """A review whose people's score is a rate (such as 满意率) times 100.

        A rate with no data is refused: nobody rating a unit is not a score of 0.

        >>> review = ThreeReview.with_people_rate(
        ...     unit="东街社区", period="2026-Q3", self_evaluation=95,
        ...     people=Rate(873, 1000), review="88.5")
        >>> review.people
        Fraction(873, 10)
        """
        rate = people.rate if isinstance(people, Breakdown) else people
        if not isinstance(rate, Rate):
            raise InvalidTypeError(
                field="ThreeReview.people", value=people, problem="must be a Rate or a Breakdown"
            )
        if rate.value is None:
            raise InvalidValueError(
                field="ThreeReview.people",
                value=rate,
                problem="has no data (nothing in its denominator)",
                hint="A unit nobody rated has no people's score; give one by hand or leave it out.",
            )
        return cls(
            unit=unit,
            period=period,
            self_evaluation=self_evaluation,
            people=rate.value * 100,
            review=review,
        )


@final
@attrs.frozen(kw_only=True)
class ThreeReviewResult:
    """A unit's weighted 三评 score for a period, and the grade it earns."""

    review: ThreeReview = attrs.field(validator=of_type(ThreeReview))
    score: Fraction = attrs.field(validator=of_type(Fraction))
    """The exact weighted score from 0 to 1."""
    grade: Grade = attrs.field(validator=member_of(Grade))

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.score <= 1:
            raise InvalidValueError(
                field="ThreeReviewResult.score", value=self.score, problem="must be from 0 to 1"
            )

    def format(self, places: int = 1, *, no_data: str = NO_DATA) -> str:
        """The score out of 100 rounded half-up to ``places`` decimals, e.g. ``"87.3"``."""
        return format_out_of_100(
            self.score, places, field="ThreeReviewResult.format.places", no_data=no_data
        )

    def __str__(self) -> str:
        return f"{self.review.unit} {self.review.period}: {self.format()} {self.grade.label}"


def three_review_results(
    reviews: Iterable[ThreeReview],
    *,
    weights: Weights = THREE_REVIEWS_WEIGHTS,
    scale: GradeScale = DEFAULT_GRADE_SCALE,
) -> tuple[ThreeReviewResult, ...]:
    """Weight each review's three scores and grade the result, in the order given.

    ``weights`` must name exactly ``self_evaluation``, ``people`` and ``review``.
    A unit may appear once per period: a second review of the same unit and
    period raises ``DuplicateError``.

    >>> [str(result) for result in three_review_results([
    ...     ThreeReview(unit="东街社区", period="2026-Q3",
    ...                 self_evaluation=95, people="87.3", review=88)])]  # 89.05
    ['东街社区 2026-Q3: 89.1 良好']
    """
    require_names(weights, THREE_REVIEWS_WEIGHTS.names, field="weights")
    if not isinstance(scale, GradeScale):
        raise InvalidTypeError(field="scale", value=scale, problem="must be a GradeScale")
    items = items_given(reviews, ThreeReview, field="reviews")
    seen: dict[tuple[str, str], int] = {}
    results: list[ThreeReviewResult] = []
    for index, review in enumerate(items):
        key = (review.unit, review.period)
        if key in seen:
            raise DuplicateError(
                field=f"reviews[{index}]",
                value=key,
                problem=f"reviews the same unit and period as reviews[{seen[key]}]",
                hint="Give each unit one review per period.",
            )
        seen[key] = index
        score = sum(
            (weights.share(name) * getattr(review, name) / 100 for name in weights.names),
            Fraction(0),
        )
        results.append(ThreeReviewResult(review=review, score=score, grade=scale.grade(score)))
    return tuple(results)
