"""Commands for the ledgers' batches, and the refusals a batch reports."""

from collections.abc import Mapping
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import BanshishiError
from banshishi._model.people import Actor


@final
@attrs.frozen(kw_only=True)
class Command:
    """One step to apply to one issue of a ledger; see :meth:`Ledger.apply_many`."""

    issue_id: str
    event: str
    actor: Actor
    at: DateTime | None = None
    note: str = ""
    args: Mapping[str, Any] = attrs.field(factory=dict)


@final
@attrs.frozen(kw_only=True)
class Refusal:
    """A command of a batch that was refused, with its position and the error."""

    index: int
    command: "Command | PledgeCommand"
    error: BanshishiError


@final
@attrs.frozen(kw_only=True)
class PledgeCommand:
    """One step to apply to one pledge; see :meth:`PledgeLedger.apply_many`."""

    pledge_id: str
    event: str
    actor: Actor
    at: DateTime | None = None
    note: str = ""
    args: Mapping[str, Any] = attrs.field(factory=dict)
