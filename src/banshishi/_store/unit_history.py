"""The unit tree kept with a ledger, as a record of its hash chain.

Each saving of the tree is one version of one record (subject ``units``, id
``tree``): the whole tree as saved, when, by whom and why, linked into the same
chain as the issues' and pledges' events. Renaming, moving, removing or adding a
unit in the file therefore breaks the chain like any other edit, and the tree a
report by unit uses is the last version the chain holds.
"""

import json
from collections.abc import Sequence
from typing import Any, final

import attrs
from pendulum import DateTime

from banshishi._core.errors import BanshishiError, InvalidValueError
from banshishi._core.time import aware_datetime, check_aware, parse_instant
from banshishi._core.validators import of_type
from banshishi._model.converter import structure, unstructure
from banshishi._model.people import Actor
from banshishi._model.units import Unit, UnitTree

from .chained_record import Columns, actor_of, parts_of, row_of

TREE_SUBJECT = "units"
"""The ``subject`` column of the unit tree's rows."""
TREE_ID = "tree"
"""The ``record_id`` column of the unit tree's rows: a ledger has one tree."""
TREE_EVENT = "save_units"
TREE_STATUS = "saved"

_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@final
@attrs.frozen(kw_only=True)
class UnitTreeChange:
    """One saving of the unit tree kept with a ledger: the whole tree as saved,
    the moment, who saved it (if given) and a note."""

    tree: UnitTree = attrs.field(validator=of_type(UnitTree))
    at: DateTime = attrs.field(converter=aware_datetime, validator=check_aware)
    actor: Actor | None = attrs.field(default=None, validator=of_type(Actor, optional=True))
    note: str = attrs.field(default="", validator=of_type(str))


@final
@attrs.frozen(kw_only=True)
class StoredUnitTree:
    """A version of the unit tree as the store keeps it: its place in the chain
    (``seq``), the tree's version (from 1), the change and its hash."""

    seq: int
    version: int
    change: UnitTreeChange
    hash: str

    @property
    def tree(self) -> UnitTree:
        """The tree as this version saved it."""
        return self.change.tree


@final
@attrs.frozen(kw_only=True)
class UnitTreeAppend:
    """New versions of the unit tree, written only if the tree still stands at
    ``expected_version`` (``None``: after whatever version it stands at)."""

    changes: tuple[UnitTreeChange, ...]
    expected_version: int | None = None


def tree_columns(change: UnitTreeChange) -> tuple[str, Columns]:
    """A tree change as an event row's moment and columns, so it is linked like any event."""
    units = _to_json([unstructure(unit) for unit in change.tree])
    return row_of(TREE_EVENT, TREE_STATUS, change.at, change.actor, change.note, units)


def tree_change(at: str, columns: Sequence[Any]) -> UnitTreeChange:
    """The tree change stored as ``at`` and ``columns`` (see :func:`tree_columns`);
    anything else raises :class:`InvalidValueError` saying what."""
    units, who, note = parts_of(
        columns,
        event=TREE_EVENT,
        status=TREE_STATUS,
        field="unit tree",
        what="a saving of the unit tree",
    )
    if not isinstance(units, list):
        raise InvalidValueError(field="unit tree data", value=columns[7], problem="must be a list")
    try:
        tree = UnitTree(structure(item, Unit) for item in units)
        return UnitTreeChange(
            tree=tree, at=parse_instant(at, field="unit tree at"), actor=actor_of(who), note=note
        )
    except (BanshishiError, ValueError, TypeError) as error:
        raise InvalidValueError(
            field="unit tree", value=columns[7], problem=f"cannot be rebuilt: {error}"
        ) from None
