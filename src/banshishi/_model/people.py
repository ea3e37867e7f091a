"""People and the roles they act in, and the actor: who takes a step in the
workflow, in which role, for which unit."""

from typing import Any, final

import attrs

from banshishi._core.errors import InvalidTypeError, InvalidValueError
from banshishi._core.labels import LabelledEnum
from banshishi._core.validators import field_name, member_of, optional_text, text

PERSONAL = "personal"
"""attrs metadata key marking a field as personal data, to be masked on disclosure."""


@final
class Role(LabelledEnum):
    """The capacity in which someone acts on an issue or a pledge; the workflows check it."""

    REQUESTER = "requester", "诉求人"  # the person who raised the issue
    INTAKE_CLERK = "intake_clerk", "受理员"  # records issues as they come in
    DISPATCHER = "dispatcher", "派单员"  # transfers issues to responsible units (转办)
    HANDLER = "handler", "承办人"  # works the issue in the responsible unit
    SUPERVISOR = "supervisor", "督办人"  # supervises escalated (督办) items, urges (催办)
    LEADER = "leader", "领导"  # a leader who claims items and signs off
    REVIEWER = "reviewer", "评议员"  # reviews ratings and closures, decides appeals
    RATER = "rater", "评价人"  # rates a matter without having raised it (a deputy, a member …)
    PARTY_MEMBER = "party_member", "党员"  # a party member acting on their own pledges
    SYSTEM = "system", "系统"  # the platform itself: timers, sweeps, automatic closure


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _check_mobile(instance: object, attribute: "attrs.Attribute[Any]", value: str | None) -> None:
    if value is None:
        return
    optional_text(instance, attribute, value)
    if not (len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1"):
        raise InvalidValueError(
            field=field_name(instance, attribute),
            value=value,
            problem="must be an 11-digit mainland mobile number starting with 1",
        )


def _check_id_number(
    instance: object, attribute: "attrs.Attribute[Any]", value: str | None
) -> None:
    if value is None:
        return
    optional_text(instance, attribute, value)
    body = value[:17]
    if not (len(value) == 18 and body.isascii() and body.isdigit()):
        raise InvalidValueError(
            field=field_name(instance, attribute),
            value=value,
            problem="must be an 18-character resident ID number",
        )
    if value[17].upper() != id_number_check_digit(body):
        raise InvalidValueError(
            field=field_name(instance, attribute),
            value=value,
            problem="has a wrong check digit",
            hint=f"The last character should be {id_number_check_digit(body)!r}.",
        )


@final
@attrs.frozen(kw_only=True)
class Person:
    """Someone who raises, handles, supervises or rates issues.

    The fields holding personal data (``name``, ``mobile``, ``id_number``,
    ``address``) carry ``metadata={"personal": True}``; :func:`personal_fields`
    lists them, so a disclosure step can mask every one without a hand-kept list.
    """

    id: str = attrs.field(validator=text())
    name: str = attrs.field(validator=text(), metadata={PERSONAL: True})
    mobile: str | None = attrs.field(
        default=None, validator=_check_mobile, metadata={PERSONAL: True}
    )
    id_number: str | None = attrs.field(
        default=None, validator=_check_id_number, metadata={PERSONAL: True}
    )
    address: str | None = attrs.field(
        default=None, validator=optional_text, metadata={PERSONAL: True}
    )
    unit: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the unit the person works in or belongs to, if any."""


def personal_fields(cls: type) -> tuple[str, ...]:
    """Names of the fields of an attrs class that are marked as personal data.

    >>> personal_fields(Person)
    ('name', 'mobile', 'id_number', 'address')
    """
    if not (isinstance(cls, type) and attrs.has(cls)):
        raise InvalidTypeError(field="cls", value=cls, problem="must be a banshishi model class")
    return tuple(a.name for a in attrs.fields(cls) if a.metadata.get(PERSONAL))


@final
@attrs.frozen(kw_only=True)
class Actor:
    """Someone acting on an issue: a person's (or the platform's) id, the role
    they act in, and the unit they act for.

    The workflow checks all three: only a dispatcher transfers, only a handler of
    the responsible unit signs for an item, only the assigned supervisor signs
    off a 督办 item, only the requester (or a reviewer) rates.

    >>> Actor(id="wang.li", role=Role.HANDLER, unit="water-bureau").role.label
    '承办人'
    """

    id: str = attrs.field(validator=text())
    role: Role = attrs.field(validator=member_of(Role))
    unit: str | None = attrs.field(default=None, validator=optional_text)
    """The id of the unit the actor works for, if the role needs one."""
