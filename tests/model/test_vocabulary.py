"""The vocabularies: English values, Chinese labels, and the facts the spec fixes."""

import inspect
import re
import sys

import pytest

from banshishi import (
    BanshishiError,
    Channel,
    FeedbackMethod,
    IssueStatus,
    Level,
    Open311Status,
    Period,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    RaterKind,
    Rating,
    Role,
    TargetGroup,
    Track,
    UnknownValueError,
    Urgency,
)
from banshishi._core.exports import defined_in

VOCABULARIES = (
    Channel,
    Urgency,
    Track,
    Rating,
    Level,
    Role,
    TargetGroup,
    IssueStatus,
    RaterKind,
    FeedbackMethod,
    PledgeListKind,
    PledgerKind,
    PledgeStatus,
    Period,
    Open311Status,
)
CJK = re.compile(r"[\u4e00-\u9fff]")
MEMBER_LINE = re.compile(r'^\s+([A-Z][A-Z0-9_]*)\s*=\s*"[^"]*",\s*"[^"]*"')

by_vocabulary = pytest.mark.parametrize("kind", VOCABULARIES, ids=lambda k: k.__name__)


@by_vocabulary
def test_every_member_has_a_non_empty_chinese_label(kind):
    for member in kind:
        assert member.label.strip()
        assert CJK.search(member.label), member


@by_vocabulary
def test_labels_are_unique_within_each_vocabulary(kind):
    labels = [member.label for member in kind]
    assert len(labels) == len(set(labels))


@by_vocabulary
def test_every_member_can_be_looked_up_by_value_and_by_label(kind):
    for member in kind:
        assert kind(member.value) is member
        assert kind(member.label) is member
        assert member == member.value


@by_vocabulary
def test_every_member_line_in_the_source_carries_a_comment(kind):
    # kind.__module__ is "banshishi": read the class in the module that defines it
    source = inspect.getsource(sys.modules[defined_in(kind)])
    block = re.search(rf"^class {kind.__name__}\b.*?(?=^\S|\Z)", source, re.M | re.S)
    lines = block[0].splitlines()
    member_lines = [line for line in lines if MEMBER_LINE.match(line)]
    assert [MEMBER_LINE.match(line).group(1) for line in member_lines] == [m.name for m in kind]
    for line in member_lines:
        assert "#" in line, line


def test_urgency_values_and_labels_are_the_four_classes():
    assert [(u.name, u.label) for u in Urgency] == [
        ("URGENT", "急"),
        ("DIFFICULT", "难"),
        ("WORRYING", "愁"),
        ("LONGED_FOR", "盼"),
    ]


def test_track_values_and_labels_are_the_four_tracks():
    assert [(t.name, t.label) for t in Track] == [
        ("IMMEDIATE", "即办"),
        ("JOINT", "共办"),
        ("SUPERVISED", "督办"),
        ("TRACKED", "盯办"),
    ]


def test_each_urgency_defaults_to_its_track_in_order():
    assert Urgency.URGENT.default_track is Track.IMMEDIATE
    assert Urgency.DIFFICULT.default_track is Track.JOINT
    assert Urgency.WORRYING.default_track is Track.SUPERVISED
    assert Urgency.LONGED_FOR.default_track is Track.TRACKED


def test_rating_labels_and_scores_go_from_best_to_worst():
    assert [(r.label, r.score) for r in Rating] == [
        ("非常满意", 5),
        ("满意", 4),
        ("基本满意", 3),
        ("不满意", 2),
        ("非常不满意", 1),
    ]


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_rating_from_score_round_trips(score):
    assert Rating.from_score(score).score == score


@pytest.mark.parametrize("score", [0, 6, -1, True, 2.0, "3", None])
def test_rating_from_score_refuses_anything_but_the_integers_one_to_five(score):
    with pytest.raises(UnknownValueError) as caught:
        Rating.from_score(score)
    assert isinstance(caught.value, BanshishiError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "Rating.score"
    assert caught.value.value is score


def test_only_the_two_bad_ratings_are_bad():
    assert {r for r in Rating if r.is_bad} == {Rating.DISSATISFIED, Rating.VERY_DISSATISFIED}


def test_basically_satisfied_counts_as_satisfied_only_when_asked():
    lenient = {r for r in Rating if r.counts_as_satisfied(basically_satisfied=True)}
    strict = {r for r in Rating if r.counts_as_satisfied(basically_satisfied=False)}
    default = {r for r in Rating if r.counts_as_satisfied()}
    assert strict == {Rating.VERY_SATISFIED, Rating.SATISFIED}
    assert lenient == strict | {Rating.BASICALLY_SATISFIED}
    assert default == lenient


def test_issue_status_labels_are_the_ones_the_spec_fixes():
    assert {s.name: s.label for s in IssueStatus} == {
        "RECEIVED": "已受理",
        "TRANSFERRED": "已转办",
        "IN_PROGRESS": "办理中",
        "RESOLVED": "已办理",
        "ANSWERED": "已反馈",
        "CLOSED": "已办结",
        "RETURNED": "已退回",
        "DISMISSED": "不予受理",
    }


def test_only_closed_and_dismissed_issues_are_not_open():
    assert {s for s in IssueStatus if not s.is_open} == {IssueStatus.CLOSED, IssueStatus.DISMISSED}


def test_a_channel_is_the_same_member_by_value_or_by_chinese_label():
    assert Channel("hotline") is Channel("热线电话") is Channel.HOTLINE


@pytest.mark.parametrize("kind", [Channel, Urgency, Rating, IssueStatus], ids=lambda k: k.__name__)
def test_an_unknown_string_names_the_vocabulary_and_value_and_lists_the_choices(kind):
    with pytest.raises(UnknownValueError) as caught:
        kind("fax machine")
    error = caught.value
    assert isinstance(error, BanshishiError)
    assert isinstance(error, ValueError)
    assert error.field == kind.__name__
    assert error.value == "fax machine"
    message = str(error)
    assert kind.__name__ in message
    assert "'fax machine'" in message
    for member in kind:
        assert member.value in message
        assert member.label in message


def test_a_non_string_lookup_is_refused_the_same_way():
    with pytest.raises(UnknownValueError) as caught:
        Urgency(3)
    assert caught.value.field == "Urgency"
    assert caught.value.value == 3


def test_levels_have_depths_zero_to_four_from_the_top_down():
    assert [(level.name, level.depth) for level in Level] == [
        ("PROVINCE", 0),
        ("CITY", 1),
        ("COUNTY", 2),
        ("TOWNSHIP", 3),
        ("VILLAGE", 4),
    ]
