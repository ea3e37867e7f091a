"""A vocabulary member's former labels (``formerly(...)``): read wherever a label is,
never written, and never in the way of a current label."""

import enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

import banshishi
from banshishi import DismissalReason, UnknownValueError
from banshishi._core.labels import LabelledEnum, formerly

VOCABULARIES = [
    kind
    for kind in (getattr(banshishi, name) for name in banshishi.__all__)
    if isinstance(kind, type) and issubclass(kind, LabelledEnum)
]
WORDS = [
    (kind, member, word)
    for kind in VOCABULARIES
    for member in kind
    for word in (member.value, member.label, *member.former_labels)
]


class Sample(LabelledEnum):
    """A vocabulary whose first member's former label is the second one's label."""

    OLD = "old", "旧", formerly("新", "老")  # renamed; its former label went to NEW
    NEW = "new", "新"  # the member that holds the label now


def test_the_duplicate_dismissal_is_labelled_and_read_as_the_practice_names_it() -> None:
    assert DismissalReason.DUPLICATE.label == "重复件"
    assert DismissalReason.DUPLICATE.former_labels == ("重复诉求",)
    assert DismissalReason("重复诉求") is DismissalReason.DUPLICATE
    assert DismissalReason("重复件") is DismissalReason.DUPLICATE
    assert DismissalReason("duplicate") is DismissalReason.DUPLICATE


@given(st.sampled_from(WORDS))
def test_a_member_is_found_by_its_value_its_label_and_each_former_label(word) -> None:
    kind, member, text = word
    assert kind(text) is member


@pytest.mark.parametrize("kind", VOCABULARIES, ids=lambda kind: kind.__name__)
def test_no_former_label_is_a_value_or_a_current_label_of_its_vocabulary(kind) -> None:
    current = {member.value for member in kind} | {member.label for member in kind}
    former = [label for member in kind for label in member.former_labels]
    assert not current & set(former)
    assert len(former) == len(set(former))


def test_a_former_label_never_reaches_what_is_written() -> None:
    member = DismissalReason("重复诉求")
    assert (member.value, member.label, str(member)) == ("duplicate", "重复件", "duplicate")
    assert "重复诉求" not in repr(member)


def test_a_current_label_wins_over_another_members_former_label() -> None:
    assert Sample("新") is Sample.NEW
    assert Sample("老") is Sample.OLD
    assert Sample.NEW.former_labels == ()


def test_an_unknown_word_is_refused_with_the_current_labels_only() -> None:
    with pytest.raises(UnknownValueError) as caught:
        DismissalReason("重复")
    assert (caught.value.field, caught.value.value) == ("DismissalReason", "重复")
    assert "duplicate (重复件)" in caught.value.hint
    assert "重复诉求" not in str(caught.value)


def test_the_two_item_member_syntax_still_defines_a_vocabulary_without_former_labels() -> None:
    class Plain(LabelledEnum):
        ONE = "one", "一"  # a member as every vocabulary writes it

    assert (Plain("一"), Plain.ONE.label, Plain.ONE.former_labels) == (Plain.ONE, "一", ())
    assert isinstance(Plain.ONE, enum.StrEnum)
