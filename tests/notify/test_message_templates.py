"""The templates of the messages: Chinese defaults, the caller's own laid over
them, and every field a template names checked when the templates are made."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banshishi import InvalidTypeError, InvalidValueError, MessageKind, MessageTemplates
from banshishi._notify.templates import DEFAULT_TEXTS, FIELDS, check_templates

VALUES = {
    "number": "2026-001",
    "title": "路灯不亮",
    "time_limit": "15个工作日",
    "deadline": "2026年3月12日18:00",
    "unit": "county-transport",
    "track": "即办",
    "supervising_unit": "county",
    "sub_unit": "street-east",
    "reason": "不属本街道职责",
}


def test_every_kind_has_a_chinese_default_naming_only_its_own_fields() -> None:
    templates = MessageTemplates()
    assert set(templates.texts) == set(MessageKind)
    for kind in MessageKind:
        text = templates.render(kind, VALUES)
        assert "2026-001" in text
        assert "{" not in text
        assert any("\u4e00" <= char <= "\u9fff" for char in text)
        assert templates.texts[kind] == DEFAULT_TEXTS[kind]


def test_the_requesters_fields_hold_no_unit_and_the_units_no_requester() -> None:
    for kind in MessageKind:
        if kind.to_requester:
            assert not FIELDS[kind] & {"unit", "supervising_unit", "track"}
        assert not {name for name in FIELDS[kind] if "requester" in name or "phone" in name}


def test_the_callers_template_replaces_the_default_of_its_kind_only() -> None:
    templates = MessageTemplates({"received": "已受理：{number}，时限{time_limit}"})
    assert templates.render(MessageKind.RECEIVED, VALUES) == "已受理：2026-001，时限15个工作日"
    assert templates.texts[MessageKind.ANSWERED] == DEFAULT_TEXTS[MessageKind.ANSWERED]
    by_label = MessageTemplates({"派单通知": "{unit}：{number}"})
    assert by_label.render(MessageKind.ASSIGNED, VALUES) == "county-transport：2026-001"


def test_a_brace_is_written_doubled() -> None:
    templates = MessageTemplates({MessageKind.ANSWERED: "{{编号}} {number}"})
    assert templates.render(MessageKind.ANSWERED, VALUES) == "{编号} 2026-001"


@pytest.mark.parametrize(
    ("kind", "template", "field"),
    [
        (MessageKind.RECEIVED, "{number} 由{unit}办理", "{unit}"),  # a unit, to the requester
        (MessageKind.ANSWERED, "{deadline}", "{deadline}"),
        (MessageKind.ASSIGNED, "{requester}", "{requester}"),
        (MessageKind.OVERDUE, "{number.upper}", "{number.upper}"),  # no attribute look-ups
        (MessageKind.OVERDUE, "{number[0]}", "{number[0]}"),
        (MessageKind.DUE_SOON, "{0}", "{0}"),
        (MessageKind.DUE_SOON, "{}", "{}"),
        (MessageKind.ESCALATED, "{number!r}", "{number!r}"),
        (MessageKind.ESCALATED, "{number:>20}", "{number:>20}"),
    ],
)
def test_a_field_the_kind_lacks_is_refused_naming_kind_and_field(
    kind: MessageKind, template: str, field: str
) -> None:
    with pytest.raises(InvalidValueError) as refused:
        MessageTemplates({kind: template})
    assert refused.value.field == f"MessageTemplates.texts[{kind.value}]"
    assert field in str(refused.value)
    assert f"a {kind.value} message does not have" in str(refused.value)


@pytest.mark.parametrize("template", ["{number", "number}", "{number}}}{"])
def test_a_badly_written_template_is_refused(template: str) -> None:
    with pytest.raises(InvalidValueError, match=r"texts\[answered\] is not a template"):
        MessageTemplates({"answered": template})


def test_an_unknown_kind_an_empty_text_or_a_non_text_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="not a known MessageKind"):
        MessageTemplates({"thanked": "谢谢"})
    with pytest.raises(InvalidValueError, match=r"texts\[received\] must not be empty"):
        MessageTemplates({"received": "  "})
    with pytest.raises(InvalidTypeError, match=r"texts\[received\] must be text"):
        MessageTemplates({"received": 3})
    with pytest.raises(InvalidTypeError, match="must be a mapping"):
        MessageTemplates(["received"])  # type: ignore[arg-type]
    with pytest.raises(InvalidTypeError, match="templates must be MessageTemplates"):
        check_templates({"received": "x"})
    assert check_templates(None) is None


@given(st.sampled_from(list(MessageKind)), st.text(alphabet="{}ab 办", max_size=12))
def test_templates_made_always_render_with_their_kinds_fields(
    kind: MessageKind, template: str
) -> None:
    try:
        templates = MessageTemplates({kind: template})
    except InvalidValueError:
        return
    assert isinstance(templates.render(kind, {name: VALUES[name] for name in FIELDS[kind]}), str)
