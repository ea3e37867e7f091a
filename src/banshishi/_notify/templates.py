"""The texts of the messages: a template per kind, Chinese by default, any of
them replaced by the caller's own.

A template is text with named fields in braces (``{number}``, ``{deadline}``…).
Each kind has its own fields (:data:`FIELDS`), chosen so a message carries no
personal data its recipient does not already have: the requester's messages
have no unit or staff, the units' no requester; a title is shown with mobiles,
ID numbers and the requester's name masked, and a confidential issue's (保密件)
not at all. A template naming another field, or written badly, is refused when
the templates are made, naming the kind and the field.
"""

import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, final

import attrs

from banshishi._core.errors import InvalidTypeError, InvalidValueError

from .message import MessageKind

_COMMON = ("number", "title")
FIELDS: Mapping[MessageKind, frozenset[str]] = MappingProxyType(
    {
        MessageKind.RECEIVED: frozenset({*_COMMON, "time_limit", "deadline"}),
        MessageKind.ANSWERED: frozenset(_COMMON),
        MessageKind.INVITED_TO_RATE: frozenset(_COMMON),
        MessageKind.REOPENED: frozenset({*_COMMON, "deadline"}),
        MessageKind.ASSIGNED: frozenset({*_COMMON, "unit", "deadline", "track"}),
        MessageKind.DUE_SOON: frozenset({*_COMMON, "unit", "deadline"}),
        MessageKind.OVERDUE: frozenset({*_COMMON, "unit", "deadline"}),
        MessageKind.ESCALATED: frozenset({*_COMMON, "unit", "deadline", "supervising_unit"}),
        MessageKind.EXTENDED: frozenset({*_COMMON, "deadline"}),
        MessageKind.REPORTED_UP: frozenset({*_COMMON, "unit", "deadline", "sub_unit"}),
        MessageKind.HANDED_BACK: frozenset({*_COMMON, "unit", "deadline", "sub_unit", "reason"}),
        MessageKind.DISPATCH_DUE_SOON: frozenset({*_COMMON, "unit", "deadline"}),
        MessageKind.DISPATCH_OVERDUE: frozenset({*_COMMON, "unit", "deadline"}),
    }
)
"""The fields each kind's template may name: ``number`` (the issue's number as the
recipient knows it), ``title`` (masked; a confidential issue's is never shown),
``time_limit`` (the policy's for the issue, as 15个工作日), ``deadline`` (as
2026年5月12日17:30: the issue's, or, in a message about a dispatch (下派), the
deadline of the unit it goes to), ``unit`` (the unit the message goes to),
``track`` (四办: 即办, 共办…), ``supervising_unit`` (the unit that supervises a
督办 item), ``sub_unit`` (the unit below that answered up or handed the work
back) and ``reason`` (why it handed the work back, masked as a title is)."""

DEFAULT_TEXTS: Mapping[MessageKind, str] = MappingProxyType(
    {
        MessageKind.RECEIVED: "您反映的诉求已受理，编号{number}，办理时限{time_limit}，"
        "请留意办理答复。",
        MessageKind.ANSWERED: "您反映的诉求（编号{number}）已办理答复，请登录查看答复内容。",
        MessageKind.INVITED_TO_RATE: "请对诉求（编号{number}）的办理结果作出评价："
        "满意、基本满意或不满意。",
        MessageKind.REOPENED: "您反映的诉求（编号{number}）已重新交办整改，整改时限至{deadline}。",
        MessageKind.ASSIGNED: "派单通知：工单{number}“{title}”已交{unit}办理（{track}），"
        "请于{deadline}前办结答复。",
        MessageKind.DUE_SOON: "临期提醒：工单{number}“{title}”将于{deadline}到期，"
        "请{unit}抓紧办理。",
        MessageKind.OVERDUE: "超期催办：工单{number}“{title}”已于{deadline}超期，"
        "请{unit}立即办理。",
        MessageKind.ESCALATED: "督办通知：工单{number}“{title}”已提级督办，"
        "由{supervising_unit}督办，请{unit}于{deadline}前办结。",
        MessageKind.EXTENDED: "您反映的诉求（编号{number}）已批准延期，办理时限延至{deadline}。",
        MessageKind.REPORTED_UP: "上报通知：工单{number}“{title}”下派{sub_unit}办理，"
        "已上报办理结果，请{unit}审核，并于{deadline}前办结。",
        MessageKind.HANDED_BACK: "退回通知：工单{number}“{title}”已被{sub_unit}退回，"
        "理由：{reason}。请{unit}于{deadline}前另行办理。",
        MessageKind.DISPATCH_DUE_SOON: "临期提醒：下派{unit}办理的工单{number}“{title}”"
        "将于{deadline}到期，请抓紧办理并上报结果。",
        MessageKind.DISPATCH_OVERDUE: "超期催办：下派{unit}办理的工单{number}“{title}”"
        "已于{deadline}超期，请立即办理并上报结果。",
    }
)
"""The default text of each kind, in Chinese."""


def _texts(value: object) -> Mapping[MessageKind, str]:
    """attrs converter: the caller's templates (by kind, or by its value or
    label) laid over the defaults, read-only; anything else is left to the validator."""
    if not isinstance(value, Mapping):
        return value  # type: ignore[return-value]
    merged = dict(DEFAULT_TEXTS)
    for key, template in value.items():
        merged[MessageKind(key)] = template
    return MappingProxyType(merged)


def _check_texts(instance: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            field="MessageTemplates.texts",
            value=value,
            problem="must be a mapping of message kinds to template texts",
        )
    for kind, template in value.items():
        check_template(kind, template)


def check_template(kind: MessageKind, template: object) -> None:
    """Refuse a template that is not text, is empty, is written badly or names a
    field its kind does not have."""
    field = f"MessageTemplates.texts[{kind.value}]"
    if not isinstance(template, str):
        raise InvalidTypeError(field=field, value=template, problem="must be text")
    if not template.strip():
        raise InvalidValueError(field=field, value=template, problem="must not be empty")
    allowed = ", ".join(f"{{{name}}}" for name in sorted(FIELDS[kind]))
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise InvalidValueError(
            field=field,
            value=template,
            problem=f"is not a template ({error})",
            hint="Write a field as {name}, and a brace itself as {{ or }}.",
        ) from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in FIELDS[kind] or spec or conversion:
            raise InvalidValueError(
                field=field,
                value=template,
                problem=f"names the field {{{name}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}}, which a {kind.value} message does not have",
                hint=f"Its fields are {allowed}, each written plainly.",
            )


@final
@attrs.frozen
class MessageTemplates:
    """The template of each kind of message: the defaults (:data:`DEFAULT_TEXTS`)
    with the caller's ``texts`` laid over them, keyed by kind (or its value,
    such as ``"received"``). Each is checked when the templates are made."""

    texts: Mapping[MessageKind, str] = attrs.field(
        factory=dict, converter=_texts, validator=_check_texts
    )

    def render(self, kind: MessageKind, values: Mapping[str, str]) -> str:
        """The text of a message of ``kind`` with ``values`` in its fields (every
        field of the kind must be given)."""
        return self.texts[kind].format_map(values)


DEFAULT_TEMPLATES = MessageTemplates()
"""The default templates."""


def check_templates(value: object) -> "MessageTemplates | None":
    """``value`` if it is :class:`MessageTemplates` or ``None`` (no messages), else
    :class:`InvalidTypeError`."""
    if value is None or isinstance(value, MessageTemplates):
        return value
    raise InvalidTypeError(
        field="templates",
        value=value,
        problem="must be MessageTemplates (or None, for no messages)",
        hint="Make them with MessageTemplates({kind: text, ...}).",
    )
