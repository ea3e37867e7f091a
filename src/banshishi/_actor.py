"""Who takes a step in the workflow, in which role, for which unit."""

from typing import final

import attrs

from ._person import Role
from ._validators import member_of, optional_text, text


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
