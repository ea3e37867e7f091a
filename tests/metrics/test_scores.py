"""Scores and rankings: weights, the 三率 composite, minimum-sample rankings and the 三评."""

import copy
import itertools
import pickle
from fractions import Fraction

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import (
    THREE_RATES_WEIGHTS,
    THREE_REVIEWS_WEIGHTS,
    BanshishiError,
    Breakdown,
    Channel,
    CompositeScore,
    DuplicateError,
    Evaluation,
    Grade,
    GradeScale,
    InconsistentRecordError,
    InvalidTypeError,
    InvalidValueError,
    Issue,
    IssueStatus,
    Level,
    NotFoundError,
    Rate,
    Rating,
    Standing,
    ThreeReview,
    ThreeReviewResult,
    Unit,
    UnitTree,
    Urgency,
    Weights,
    by_unit,
    composite_score,
    grouped,
    rank_units,
    resolution_rate,
    response_rate,
    satisfaction_rate,
    three_rates_score,
    three_review_results,
)
from strategies import issues, rates

T0 = pendulum.datetime(2026, 3, 2, 9, tz="Asia/Shanghai")


def expect(cls, field, action):
    """Run ``action``; it must raise the library error ``cls`` naming ``field``."""
    with pytest.raises(cls) as caught:
        action()
    assert isinstance(caught.value, BanshishiError)
    assert caught.value.field == field
    assert field in str(caught.value)
    return caught.value


# -- weights -----------------------------------------------------------------------------

names = st.sampled_from(["response", "resolution", "satisfaction", "people", "review", "x"])
weight_values = st.integers(0, 50) | st.fractions(min_value=0, max_value=50, max_denominator=20)


@st.composite
def weights(draw, *, names=names):
    chosen = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    values = {name: draw(weight_values) for name in chosen}
    if not any(values.values()):
        values[chosen[0]] = Fraction(1)
    return Weights(values)


@given(weights(), st.fractions(min_value=Fraction(1, 100), max_value=100))
def test_scaling_every_weight_leaves_the_shares_unchanged(w, factor):
    scaled = Weights({name: weight * factor for name, weight in w.items()})
    assert [scaled.share(n) for n in scaled] == [w.share(n) for n in w]
    assert scaled.normalised() == w.normalised()


@given(weights())
def test_shares_add_up_to_exactly_one(w):
    assert sum(w.share(name) for name in w) == 1


def test_decimal_text_weights_are_exact_and_normalised():
    as_text = Weights.of(response="0.2", resolution="0.4", satisfaction="0.4")
    as_ints = Weights.of(response=2, resolution=4, satisfaction=4)
    assert as_text["response"] == Fraction(1, 5)
    assert as_text.share("resolution") == as_ints.share("resolution") == Fraction(2, 5)
    assert as_text != as_ints
    assert as_text.normalised() == as_ints.normalised() == THREE_RATES_WEIGHTS


def test_weights_read_like_a_mapping_in_the_order_given():
    w = Weights.of(people=5, review=3, self_evaluation=2)
    assert w.names == tuple(w) == ("people", "review", "self_evaluation")
    assert len(w) == 3
    assert dict(w) == {"people": 5, "review": 3, "self_evaluation": 2}
    assert "people" in w
    assert "nobody" not in w
    assert w.get("nobody") is None
    assert w.total == 10


def test_weights_are_equal_and_hash_alike_whatever_the_order():
    one = Weights.of(a=1, b=2)
    other = Weights({"b": "2", "a": Fraction(1)})
    assert one == other
    assert hash(one) == hash(other)
    assert one != {"a": 1, "b": 2}


def test_weights_are_immutable_and_survive_copying():
    w = Weights.of(a=1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        w._values = {}
    assert copy.deepcopy(w) == w
    assert pickle.loads(pickle.dumps(w)) == w


def test_a_zero_weight_gives_a_share_of_zero():
    w = Weights.of(response=0, satisfaction=1)
    assert w.share("response") == 0
    assert w.share("satisfaction") == 1


def test_an_unknown_name_is_not_found_and_named():
    w = Weights.of(a=1)
    error = expect(NotFoundError, "Weights name", lambda: w.share("satisfaction"))
    assert error.value == "satisfaction"
    assert isinstance(error, KeyError)
    expect(NotFoundError, "Weights name", lambda: w[1])


def test_a_float_weight_is_refused_with_a_hint():
    error = expect(InvalidTypeError, "Weights.satisfaction", lambda: Weights.of(satisfaction=0.4))
    assert error.value == 0.4
    assert "Fraction(2, 5)" in error.hint


@pytest.mark.parametrize("value", [True, None, [1], 1j])
def test_a_weight_that_is_not_a_number_is_refused(value):
    error = expect(InvalidTypeError, "Weights.response", lambda: Weights.of(response=value, x=1))
    assert error.value is value


@pytest.mark.parametrize("text", ["abc", "", "1e3", "1/0", "0,4", "nan", "inf", "１", "1" * 200])
def test_weight_text_that_is_not_a_plain_number_is_refused(text):
    error = expect(InvalidValueError, "Weights.response", lambda: Weights.of(response=text, x=1))
    assert error.value == text


@pytest.mark.parametrize("value", [-1, Fraction(-1, 3), "-0.1"])
def test_a_negative_weight_is_refused(value):
    expect(InvalidValueError, "Weights.satisfaction", lambda: Weights.of(satisfaction=value, x=1))


@pytest.mark.parametrize("given", [{}, {"a": 0}, {"a": 0, "b": "0.0"}])
def test_at_least_one_weight_must_be_above_zero(given):
    expect(InvalidValueError, "Weights", lambda: Weights(given))


def test_weight_names_must_be_non_empty_text():
    expect(InvalidTypeError, "Weights name", lambda: Weights({1: 1}))
    expect(InvalidValueError, "Weights name", lambda: Weights({" ": 1}))
    expect(InvalidTypeError, "Weights", lambda: Weights([("a", 1)]))


# -- the composite score --------------------------------------------------------------------


def test_the_composite_is_the_share_weighted_sum_of_the_parts():
    score = composite_score(
        {"response": Rate(9, 10), "resolution": Rate(3, 4), "satisfaction": Rate(4, 5)},
        THREE_RATES_WEIGHTS,
    )
    assert score.value == Fraction(1, 5) * Fraction(9, 10) + Fraction(2, 5) * Fraction(
        3, 4
    ) + Fraction(2, 5) * Fraction(4, 5)
    assert score.format() == "80.0"
    assert score.sample == 4
    assert str(score) == "80.0 (sample 4)"


@given(st.data())
def test_the_composite_lies_between_the_lowest_and_highest_weighted_part(data):
    w = data.draw(weights())
    parts = {name: data.draw(rates.filter(lambda r: r.has_data)) for name in w}
    score = composite_score(parts, w)
    weighted = [parts[name].value for name in w if w[name]]
    assert min(weighted) <= score.value <= max(weighted)
    assert score.sample == min(parts[name].denominator for name in w if w[name])


def test_a_weighted_part_without_data_leaves_no_score():
    score = composite_score({"a": Rate(1, 2), "b": Rate(0, 0)}, Weights.of(a=1, b=1))
    assert score.value is None
    assert score.format() == "—"
    assert score.format(no_data="n/a") == "n/a"
    assert score.sample == 0


def test_a_part_weighted_zero_counts_for_nothing_even_without_data():
    score = composite_score({"a": Rate(1, 2), "b": Rate(0, 0)}, Weights.of(a=1, b=0))
    assert score.value == Fraction(1, 2)
    assert score.sample == 2


@pytest.mark.parametrize(
    ("satisfaction", "places", "expected"),
    [
        (Rate(149, 160), 1, "87.3"),  # exactly 87.25
        (Rate(149, 160), 2, "87.25"),
        (Rate(1489, 1600), 2, "87.23"),  # exactly 87.225
        (Rate(37, 40), 0, "87"),  # exactly 87.0
        (Rate(13, 16), 0, "83"),  # exactly 82.5
    ],
)
def test_a_score_exactly_halfway_rounds_up(satisfaction, places, expected):
    score = composite_score(
        {"response": Rate(1, 1), "resolution": Rate(3, 4), "satisfaction": satisfaction},
        THREE_RATES_WEIGHTS,
    )
    assert score.format(places) == expected


def test_a_score_just_below_halfway_rounds_down():
    score = composite_score({"a": Rate(8724999, 10000000)}, Weights.of(a=1))
    assert score.format() == "87.2"


@pytest.mark.parametrize("places", [-1, 21, True, 1.0, "1"])
def test_format_refuses_a_bad_number_of_places(places):
    score = composite_score({"a": Rate(1, 2)}, Weights.of(a=1))
    expect(InvalidTypeError, "CompositeScore.format.places", lambda: score.format(places))


def test_the_parts_must_be_exactly_the_weighted_names():
    w = Weights.of(response=1, satisfaction=1)
    error = expect(
        InvalidValueError,
        "parts",
        lambda: composite_score({"response": Rate(1, 1), "speed": Rate(1, 1)}, w),
    )
    assert "'satisfaction'" in error.problem
    assert "'speed'" in error.problem


def test_composite_score_refuses_what_is_not_a_rate_or_weights():
    w = Weights.of(a=1)
    expect(InvalidTypeError, "parts['a']", lambda: composite_score({"a": 0.5}, w))
    expect(InvalidTypeError, "parts", lambda: composite_score([Rate(1, 1)], w))
    expect(InvalidTypeError, "weights", lambda: composite_score({"a": Rate(1, 1)}, {"a": 1}))


@pytest.mark.parametrize(("sample", "error"), [(-1, InvalidValueError), (True, InvalidTypeError)])
def test_an_explicit_sample_must_be_a_count(sample, error):
    w = Weights.of(a=1)
    expect(error, "sample", lambda: composite_score({"a": Rate(1, 1)}, w, sample=sample))


def test_a_composite_score_checks_its_own_fields():
    w = Weights.of(a=1)
    expect(
        InvalidValueError,
        "CompositeScore.parts",
        lambda: CompositeScore(parts={"b": Rate(1, 1)}, weights=w, sample=1),
    )
    expect(
        InvalidTypeError,
        "CompositeScore.parts['a']",
        lambda: CompositeScore(parts={"a": 1}, weights=w, sample=1),
    )
    expect(
        InvalidTypeError,
        "CompositeScore.weights",
        lambda: CompositeScore(parts={"a": Rate(1, 1)}, weights={"a": 1}, sample=1),
    )
    expect(
        InvalidValueError,
        "CompositeScore.sample",
        lambda: CompositeScore(parts={"a": Rate(1, 1)}, weights=w, sample=-1),
    )


def test_the_parts_are_a_read_only_copy():
    given = {"a": Rate(1, 2)}
    score = composite_score(given, Weights.of(a=1))
    given["a"] = Rate(0, 2)
    assert score.parts["a"] == Rate(1, 2)
    with pytest.raises(TypeError):
        score.parts["a"] = Rate(0, 2)
    expect(NotFoundError, "CompositeScore.parts", lambda: score.parts["b"])
    assert score.parts.get("b") is None
    assert score == copy.deepcopy(score) == pickle.loads(pickle.dumps(score))
    assert hash(score) == hash(composite_score({"a": Rate(1, 2)}, Weights.of(a=1)))


# -- the 三率 of issues ---------------------------------------------------------------------


def issue(id, status=IssueStatus.IN_PROGRESS, rating=None, *, resolved=True, rated_after=3):
    """An issue received at T0 with at most one rating, given ``rated_after`` days later."""
    evaluations = ()
    if rating is not None:
        at = T0.add(days=rated_after)
        evaluations = (Evaluation(issue_id=id, rating=rating, resolved=resolved, at=at),)
    return Issue(
        id=id,
        title=f"诉求 {id}",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=T0,
        status=status,
        evaluations=evaluations,
    )


def hotline_batch():
    return [
        issue("a", rating=Rating.VERY_SATISFIED),
        issue("b", rating=Rating.BASICALLY_SATISFIED, resolved=False),
        issue("c", rating=Rating.DISSATISFIED, resolved=False, rated_after=10),
        issue("d", rating=Rating.SATISFIED),
        issue("e", status=IssueStatus.RECEIVED),
    ]


def test_three_rates_weigh_response_resolution_and_satisfaction_of_the_same_issues():
    score = three_rates_score(hotline_batch())
    assert dict(score.parts) == {
        "response": Rate(4, 5),
        "resolution": Rate(2, 4),
        "satisfaction": Rate(3, 4),
    }
    # 1/5 × 80% + 2/5 × 50% + 2/5 × 75% = 16 + 20 + 30
    assert score.value == Fraction(66, 100)
    assert score.format() == "66.0"
    assert score.sample == 4  # the rated issues
    assert score.weights == THREE_RATES_WEIGHTS


def test_three_rates_pass_their_options_to_the_rates():
    batch = hotline_batch()
    strict = three_rates_score(batch, basically_satisfied=False)
    assert strict.parts["satisfaction"] == Rate(2, 4)
    earlier = three_rates_score(batch, as_of=T0.add(days=5))
    assert earlier.parts["satisfaction"] == Rate(3, 3)
    assert earlier.sample == 3
    equal = Weights.of(response=1, resolution=1, satisfaction=1)
    assert (
        three_rates_score(batch, weights=equal).value
        == (Fraction(4, 5) + Fraction(2, 4) + Fraction(3, 4)) / 3
    )


def test_three_rates_read_a_one_shot_iterable_once():
    score = three_rates_score(iter(hotline_batch()))
    assert score.parts["response"] == Rate(4, 5)
    assert score.sample == 4


def test_three_rates_have_no_score_when_nothing_is_rated():
    score = three_rates_score([issue("e", status=IssueStatus.RECEIVED)])
    assert score.value is None
    assert score.sample == 0
    assert score.format() == "—"


def test_three_rates_refuse_bad_input_naming_it():
    expect(InvalidTypeError, "issues", lambda: three_rates_score(None))
    expect(InvalidTypeError, "issues[1]", lambda: three_rates_score([issue("a"), "b"]))
    expect(InvalidTypeError, "weights", lambda: three_rates_score([], weights={"response": 1}))
    wrong = Weights.of(response=1, resolution=1, speed=1)
    error = expect(InvalidValueError, "weights", lambda: three_rates_score([], weights=wrong))
    assert "'satisfaction'" in error.problem
    assert "'speed'" in error.problem
    expect(
        InvalidTypeError,
        "basically_satisfied",
        lambda: three_rates_score([], basically_satisfied=None),
    )


@given(st.lists(issues(), max_size=6))
def test_three_rates_agree_with_the_three_rate_functions(batch):
    score = three_rates_score(batch)
    assert score.parts["response"] == response_rate(batch).rate
    assert score.parts["resolution"] == resolution_rate(batch).rate
    assert score.parts["satisfaction"] == satisfaction_rate(batch).rate
    assert score.sample == len(satisfaction_rate(batch).denominator)
    assert (score.value is None) == (score.sample == 0)


# -- rankings ----------------------------------------------------------------------------------


def test_three_lucky_ratings_do_not_outrank_three_thousand():
    table = rank_units({"lucky": Rate(3, 3), "steady": Rate(2700, 3000)})
    assert [s.unit for s in table] == ["steady", "lucky"]
    steady, lucky = table
    assert (steady.rank, steady.score, steady.sample, steady.reason) == (
        1,
        Fraction(9, 10),
        3000,
        "",
    )
    assert lucky.rank is None
    assert not lucky.is_ranked
    assert lucky.reason == "3 in the sample, fewer than the minimum 30"


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    table = rank_units(
        {
            "d": Rate(50, 100),
            "c": Rate(80, 100),
            "b": Rate(40, 50),
            "a": Rate(40, 50),
            "top": Rate(99, 100),
        },
        min_sample=50,
    )
    assert [(s.unit, s.rank) for s in table] == [
        ("top", 1),
        ("c", 2),  # the larger sample first among equals
        ("a", 2),  # then by unit id
        ("b", 2),
        ("d", 5),
    ]


def test_unranked_units_follow_by_sample_then_id_with_their_reasons():
    table = rank_units(
        {"z": Rate(1, 1), "empty": Rate(0, 0), "y": Rate(0, 5), "x": Rate(5, 5), "big": Rate(1, 9)},
        min_sample=9,
    )
    assert [(s.unit, s.rank, s.reason) for s in table] == [
        ("big", 1, ""),
        ("x", None, "5 in the sample, fewer than the minimum 9"),
        ("y", None, "5 in the sample, fewer than the minimum 9"),
        ("z", None, "1 in the sample, fewer than the minimum 9"),
        ("empty", None, "no data"),
    ]


def test_a_composite_is_ranked_by_its_value_out_of_its_sample():
    w = Weights.of(a=1, b=1)
    big = composite_score({"a": Rate(60, 100), "b": Rate(30, 40)}, w)
    thin = composite_score({"a": Rate(100, 100), "b": Rate(2, 2)}, w)
    none = composite_score({"a": Rate(100, 100), "b": Rate(0, 0)}, w)
    table = rank_units({"thin": thin, "big": big, "none": none})
    assert [(s.unit, s.rank, s.sample) for s in table] == [
        ("big", 1, 40),
        ("thin", None, 2),
        ("none", None, 0),
    ]
    assert table[0].score == Fraction(27, 40)
    assert table[2].reason == "no data"


def test_the_output_of_a_unit_roll_up_can_be_ranked():
    tree = UnitTree(
        [
            Unit(id="county", name="县", level=Level.COUNTY),
            Unit(id="t1", name="一镇", level=Level.TOWNSHIP, parent="county"),
            Unit(id="t2", name="二镇", level=Level.TOWNSHIP, parent="county"),
        ]
    )
    batch = [
        attrs.evolve(issue(f"{unit}-{n}", rating=rating), responsible_unit=unit)
        for unit, ratings in {
            "t1": [Rating.SATISFIED] * 2,
            "t2": [Rating.SATISFIED, Rating.DISSATISFIED, Rating.SATISFIED],
        }.items()
        for n, rating in enumerate(ratings)
    ]
    totals = tree.roll_up(grouped(satisfaction_rate, batch, by=by_unit))
    assert all(isinstance(total, Breakdown) for total in totals.values())
    table = rank_units(totals, min_sample=3)
    assert [(s.unit, s.rank, s.sample) for s in table] == [
        ("county", 1, 5),
        ("t2", 2, 3),
        ("t1", None, 2),
    ]


@given(
    st.dictionaries(st.text("abcdef", min_size=1, max_size=3), rates, max_size=12),
    st.integers(min_value=1, max_value=10**9),
)
def test_rankings_follow_the_score_and_respect_the_minimum(scores, min_sample):
    table = rank_units(scores, min_sample=min_sample)
    assert sorted(s.unit for s in table) == sorted(scores)
    ranked = [s for s in table if s.is_ranked]
    assert table[: len(ranked)] == tuple(ranked)
    for standing in ranked:
        assert standing.sample >= min_sample
        better = [other for other in ranked if other.score > standing.score]
        assert standing.rank == len(better) + 1
    for first, second in itertools.pairwise(ranked):
        assert (first.score, first.sample) >= (second.score, second.sample)
    for standing in table[len(ranked) :]:
        assert standing.score is None or standing.sample < min_sample
        assert standing.reason


@pytest.mark.parametrize(
    ("min_sample", "error"),
    [
        (0, InvalidValueError),
        (-3, InvalidValueError),
        (True, InvalidTypeError),
        ("30", InvalidTypeError),
        (30.0, InvalidTypeError),
    ],
)
def test_the_minimum_sample_must_be_a_whole_number_of_at_least_one(min_sample, error):
    failure = expect(error, "min_sample", lambda: rank_units({}, min_sample=min_sample))
    assert failure.value is min_sample


def test_rank_units_refuses_what_it_cannot_rank():
    expect(InvalidTypeError, "scores", lambda: rank_units([Rate(1, 1)]))
    expect(InvalidTypeError, "scores['a']", lambda: rank_units({"a": 0.9}))
    expect(InvalidTypeError, "scores key", lambda: rank_units({None: Rate(1, 1)}))
    expect(InvalidValueError, "scores key", lambda: rank_units({"": Rate(1, 1)}))


def test_a_standing_checks_its_fields_agree():
    expect(
        InconsistentRecordError,
        "Standing.rank",
        lambda: Standing(unit="a", score=None, sample=0, rank=1),
    )
    expect(
        InconsistentRecordError,
        "Standing.reason",
        lambda: Standing(unit="a", score=Fraction(1), sample=40, rank=None),
    )
    expect(
        InconsistentRecordError,
        "Standing.reason",
        lambda: Standing(unit="a", score=Fraction(1), sample=40, rank=1, reason="why"),
    )
    expect(
        InvalidValueError,
        "Standing.rank",
        lambda: Standing(unit="a", score=Fraction(1), sample=40, rank=0),
    )
    expect(
        InvalidValueError,
        "Standing.score",
        lambda: Standing(unit="a", score=Fraction(3, 2), sample=40, rank=1),
    )
    expect(
        InvalidTypeError, "Standing.score", lambda: Standing(unit="a", score=0.5, sample=40, rank=1)
    )


# -- 三评 ------------------------------------------------------------------------------------


def test_grades_carry_their_chinese_labels():
    assert [g.label for g in Grade] == ["优秀", "良好", "合格", "不合格"]
    assert Grade("良好") is Grade.GOOD


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (Fraction(90, 100), Grade.EXCELLENT),
        (Fraction(8999999, 10000000), Grade.GOOD),
        (Fraction(80, 100), Grade.GOOD),
        (Fraction(60, 100), Grade.PASS),
        (Fraction(5999999, 10000000), Grade.FAIL),
        (Fraction(1), Grade.EXCELLENT),
        (Fraction(0), Grade.FAIL),
    ],
)
def test_a_score_exactly_at_a_threshold_gets_the_higher_grade(score, grade):
    assert GradeScale().grade(score) is grade


def test_a_grade_scale_takes_exact_thresholds():
    scale = GradeScale(excellent="92.5", good=Fraction(165, 2), passing=70)
    assert scale.excellent == Fraction(185, 2)
    assert scale.grade(Fraction(925, 1000)) is Grade.EXCELLENT
    assert scale.grade(Fraction(924, 1000)) is Grade.GOOD
    assert scale.grade(Fraction(69, 100)) is Grade.FAIL


@given(st.fractions(0, 1), st.fractions(0, 1))
def test_a_higher_score_never_gets_a_lower_grade(one, other):
    low, high = sorted([one, other])
    order = list(Grade)
    assert order.index(GradeScale().grade(high)) <= order.index(GradeScale().grade(low))


def test_a_grade_scale_refuses_bad_thresholds():
    expect(InvalidValueError, "GradeScale.good", lambda: GradeScale(good=90))
    expect(InvalidValueError, "GradeScale.passing", lambda: GradeScale(passing=85))
    expect(InvalidValueError, "GradeScale.excellent", lambda: GradeScale(excellent=101))
    expect(InvalidValueError, "GradeScale.passing", lambda: GradeScale(passing=-1))
    error = expect(InvalidTypeError, "GradeScale.good", lambda: GradeScale(good=80.5))
    assert "float" in error.hint
    expect(InvalidValueError, "GradeScale.good", lambda: GradeScale(good="eighty"))


@pytest.mark.parametrize(
    ("score", "error"),
    [(85, InvalidValueError), (Fraction(-1, 2), InvalidValueError), (0.9, InvalidTypeError)],
)
def test_grade_takes_a_score_from_zero_to_one(score, error):
    expect(error, "GradeScale.grade.score", lambda: GradeScale().grade(score))


def review(**changes):
    fields = {
        "unit": "东街社区",
        "period": "2026-Q3",
        "self_evaluation": 95,
        "people": "87.3",
        "review": 88,
    }
    return ThreeReview(**(fields | changes))


def test_three_reviews_are_weighted_two_five_three_and_graded():
    (result,) = three_review_results([review()])
    # 0.2 × 95 + 0.5 × 87.3 + 0.3 × 88 = 19 + 43.65 + 26.4 = 89.05
    assert result.score == Fraction(8905, 10000)
    assert result.format() == "89.1"  # exactly halfway, rounded up
    assert result.format(2) == "89.05"
    assert result.grade is Grade.GOOD
    assert result.review == review()
    assert str(result) == "东街社区 2026-Q3: 89.1 良好"


def test_three_review_weights_and_scale_are_configurable():
    equal = Weights.of(self_evaluation=1, people=1, review=1)
    lenient = GradeScale(excellent=85, good=75, passing=50)
    (result,) = three_review_results([review()], weights=equal, scale=lenient)
    assert result.score == (95 + Fraction(873, 10) + 88) / 300
    assert result.grade is Grade.EXCELLENT


def test_results_keep_the_order_given_and_allow_a_unit_in_several_periods():
    reviews = [review(period="2026-Q3"), review(unit="西街社区"), review(period="2026-Q2")]
    results = three_review_results(iter(reviews))
    assert [r.review for r in results] == reviews


def test_a_second_review_of_the_same_unit_and_period_is_a_duplicate():
    error = expect(
        DuplicateError,
        "reviews[2]",
        lambda: three_review_results([review(), review(unit="西街社区"), review(people=50)]),
    )
    assert error.value == ("东街社区", "2026-Q3")
    assert "reviews[0]" in error.problem


def test_three_review_results_refuse_bad_options_naming_them():
    wrong = Weights.of(self_evaluation=1, people=1)
    error = expect(InvalidValueError, "weights", lambda: three_review_results([], weights=wrong))
    assert "'review'" in error.problem
    expect(InvalidTypeError, "weights", lambda: three_review_results([], weights=None))
    expect(InvalidTypeError, "scale", lambda: three_review_results([], scale=(90, 80, 60)))
    expect(InvalidTypeError, "reviews", lambda: three_review_results(review()))
    expect(InvalidTypeError, "reviews[0]", lambda: three_review_results([{"unit": "x"}]))


@pytest.mark.parametrize("field", ["self_evaluation", "people", "review"])
@pytest.mark.parametrize(
    ("value", "error"),
    [
        (101, InvalidValueError),
        (-1, InvalidValueError),
        ("good", InvalidValueError),
        (87.5, InvalidTypeError),
        (None, InvalidTypeError),
        (True, InvalidTypeError),
    ],
)
def test_each_review_score_is_an_exact_number_from_0_to_100(field, value, error):
    failure = expect(error, f"ThreeReview.{field}", lambda: review(**{field: value}))
    assert failure.value == value


def test_a_review_score_just_above_100_is_refused():
    failure = expect(InvalidValueError, "ThreeReview.people", lambda: review(people="100.01"))
    assert failure.value == Fraction("100.01")


@pytest.mark.parametrize("field", ["unit", "period"])
def test_a_review_names_its_unit_and_period(field):
    expect(InvalidValueError, f"ThreeReview.{field}", lambda: review(**{field: " "}))
    expect(InvalidTypeError, f"ThreeReview.{field}", lambda: review(**{field: 3}))


def test_the_peoples_score_can_come_from_a_satisfaction_rate():
    fields = {"unit": "u", "period": "2026", "self_evaluation": 90, "review": "80"}
    from_rate = ThreeReview.with_people_rate(people=Rate(7, 8), **fields)
    assert from_rate.people == Fraction(175, 2)
    rated = satisfaction_rate(hotline_batch())
    from_breakdown = ThreeReview.with_people_rate(people=rated, **fields)
    assert from_breakdown.people == 75
    error = expect(
        InvalidValueError,
        "ThreeReview.people",
        lambda: ThreeReview.with_people_rate(people=Rate(0, 0), **fields),
    )
    assert "no data" in error.problem
    expect(
        InvalidTypeError,
        "ThreeReview.people",
        lambda: ThreeReview.with_people_rate(people=Fraction(3, 4), **fields),
    )
    expect(
        InvalidValueError,
        "ThreeReview.review",
        lambda: ThreeReview.with_people_rate(people=Rate(1, 1), **(fields | {"review": 120})),
    )


def test_a_result_checks_its_fields():
    expect(
        InvalidValueError,
        "ThreeReviewResult.score",
        lambda: ThreeReviewResult(review=review(), score=Fraction(89), grade=Grade.GOOD),
    )
    expect(
        InvalidTypeError,
        "ThreeReviewResult.grade",
        lambda: ThreeReviewResult(review=review(), score=Fraction(1, 2), grade="良好"),
    )
    expect(
        InvalidTypeError,
        "ThreeReviewResult.review",
        lambda: ThreeReviewResult(review=None, score=Fraction(1, 2), grade=Grade.FAIL),
    )


def test_the_default_three_review_weights_are_two_five_three():
    assert [THREE_REVIEWS_WEIGHTS.share(n) for n in THREE_REVIEWS_WEIGHTS] == [
        Fraction(1, 5),
        Fraction(1, 2),
        Fraction(3, 10),
    ]
