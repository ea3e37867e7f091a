"""The workflow policy kept with a ledger, as a record of its hash chain.

Each setting of the policy is one version of one record (subject ``policy``, id
``policy``): the whole policy as plain data (:meth:`WorkflowPolicy.to_dict`),
when, by whom and why, linked into the same chain as the events and the unit
tree. A ledger made by this banshishi keeps its policy from the start: no
version means :data:`DEFAULT_POLICY`, and a ledger created under another policy
holds it as version 1. Reports can tell from the versions which rules applied
when.
"""

import json
from collections.abc import Sequence
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import BanshishiError, InvalidValueError
from banshishi._core.time import aware_datetime, check_aware, parse_instant
from banshishi._core.validators import of_type
from banshishi._model.people import Actor
from banshishi._workflow.policy import WorkflowPolicy

from .chained_record import Columns, actor_of, parts_of, row_of

POLICY_SUBJECT = "policy"
"""The ``subject`` column of the policy's rows."""
POLICY_ID = "policy"
"""The ``record_id`` column of the policy's rows: a ledger has one policy."""
POLICY_EVENT = "set_policy"
POLICY_STATUS = "set"

_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


@final
@attrs.frozen(kw_only=True)
class PolicyChange:
    """One setting of the policy kept with a ledger: the whole policy, the
    moment, who set it (if given) and a note saying why."""

    policy: WorkflowPolicy = attrs.field(validator=of_type(WorkflowPolicy))
    at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    actor: Actor | None = attrs.field(default=None, validator=of_type(Actor, optional=True))
    note: str = attrs.field(default="", validator=of_type(str))


@final
@attrs.frozen(kw_only=True)
class StoredPolicy:
    """A version of the policy as the store keeps it: its place in the chain
    (``seq``), the policy's version (from 1), the change and its hash."""

    seq: int
    version: int
    change: PolicyChange
    hash: str

    @property
    def policy(self) -> WorkflowPolicy:
        """The policy as this version set it."""
        return self.change.policy


@final
@attrs.frozen(kw_only=True)
class PolicyAppend:
    """New versions of the policy (none: only the check), written only if the
    policy still stands at ``expected_version`` (``None``: whatever it is)."""

    changes: tuple[PolicyChange, ...] = ()
    expected_version: int | None = None


def same_policy(one: WorkflowPolicy, other: WorkflowPolicy) -> bool:
    """Whether two policies are the same rules, judged on their plain data (a
    unit tree compares by its units)."""
    return one is other or one.to_dict() == other.to_dict()


def differences(one: WorkflowPolicy, other: WorkflowPolicy) -> list[str]:
    """The settings in which two policies differ, by name."""
    mine, theirs = one.to_dict(), other.to_dict()
    return [name for name in mine if mine[name] != theirs.get(name)]


def policy_columns(change: PolicyChange) -> tuple[str, Columns]:
    """A policy change as an event row's moment and columns, so it is linked like any event."""
    data = _to_json(change.policy.to_dict())
    return row_of(POLICY_EVENT, POLICY_STATUS, change.at, change.actor, change.note, data)


def policy_change(at: str, columns: Sequence[Any]) -> PolicyChange:
    """The policy change stored as ``at`` and ``columns`` (see :func:`policy_columns`);
    anything else raises :class:`InvalidValueError` saying what."""
    settings, who, note = parts_of(
        columns,
        event=POLICY_EVENT,
        status=POLICY_STATUS,
        field="policy",
        what="a setting of the policy",
    )
    try:
        return PolicyChange(
            policy=WorkflowPolicy.from_dict(settings),
            at=parse_instant(at, field="policy at"),
            actor=actor_of(who),
            note=note,
        )
    except (BanshishiError, ValueError, TypeError) as error:
        raise InvalidValueError(
            field="policy", value=columns[7], problem=f"cannot be rebuilt: {error}"
        ) from None
