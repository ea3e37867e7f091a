"""The records a ledger keeps beside its issues and pledges (the unit tree, the
policy) and its chain's head, as every backend writes and reads them on its
connection (``sql_dialect``): new versions checked against the version stored
and linked into the chain, the versions read back, the head as a receipt."""

from collections.abc import Iterator
from pathlib import Path

from banshishi._core.errors import ConcurrencyError, InvalidValueError, StoreError

from .chain_key import HeadReceipt
from .policy_history import (
    POLICY_ID,
    POLICY_SUBJECT,
    PolicyAppend,
    StoredPolicy,
    policy_change,
    policy_columns,
)
from .sql_dialect import Db, dialect_of
from .sqlite_chain import Rows, link_versions
from .sqlite_file import HASH, POLICY_KEPT, SEQ, VERSION, read_head
from .sqlite_reads import kept_version, kept_versions
from .unit_history import (
    TREE_ID,
    TREE_SUBJECT,
    StoredUnitTree,
    UnitTreeAppend,
    tree_change,
    tree_columns,
)

_TREE = "subject = ? AND record_id = ?", (TREE_SUBJECT, TREE_ID)
_POLICY = "subject = ? AND record_id = ?", (POLICY_SUBJECT, POLICY_ID)


def tree_rows(
    db: Db, units: UnitTreeAppend, seq: int, previous: str, key: bytes | None, rows: Rows
) -> tuple[int, str]:
    """Add the rows of new versions of the unit tree, checked against its version;
    returns the new head."""
    version = kept_version(db, TREE_SUBJECT, TREE_ID)
    expected = units.expected_version
    if expected is not None and expected != version:
        raise ConcurrencyError(
            field="unit tree version",
            value=expected,
            problem=f"is stale: the store holds version {version}",
            hint="Someone else saved a tree first; read it again and retry.",
        )
    columns = [tree_columns(change) for change in units.changes]
    return link_versions(TREE_SUBJECT, TREE_ID, version, columns, seq, previous, key, rows)


def policy_rows(
    db: Db, policy: PolicyAppend, seq: int, previous: str, key: bytes | None, rows: Rows
) -> tuple[int, str]:
    """Add the rows of new versions of the policy, checked against its version;
    returns the new head. A ledger written with a policy check keeps its policy
    from then on: one made before this banshishi is marked so on its first such
    write."""
    version = kept_version(db, POLICY_SUBJECT, POLICY_ID)
    expected = policy.expected_version
    if expected is not None and expected != version:
        raise ConcurrencyError(
            field="policy version",
            value=expected,
            problem=f"is stale: the ledger's policy is at version {version}",
            hint="Someone else changed the ledger's policy; open it again and retry.",
        )
    db.execute(dialect_of(db).upsert("meta", ('"key"', "value"), '"key"'), POLICY_KEPT)
    columns = [policy_columns(change) for change in policy.changes]
    return link_versions(POLICY_SUBJECT, POLICY_ID, version, columns, seq, previous, key, rows)


def last_tree(db: Db) -> tuple[int, str] | None:
    """The sequence number and hash of the unit tree's last version, if any."""
    row = db.execute(
        "SELECT seq, hash FROM events WHERE subject = ? AND record_id = ? "
        "ORDER BY version DESC LIMIT 1",
        (TREE_SUBJECT, TREE_ID),
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def stored_trees(db: Db, path: Path, seq: int | None = None) -> list[StoredUnitTree]:
    """Every version of the unit tree, oldest first (only the one at ``seq`` if given)."""
    where, params = ("seq = ?", (seq,)) if seq is not None else _TREE
    versions = kept_versions(db, path, where, params, tree_change, "the unit tree")
    return [
        StoredUnitTree(seq=row[SEQ], version=row[VERSION], change=change, hash=row[HASH])
        for row, change in versions
    ]


def stored_policies(db: Db, path: Path) -> Iterator[StoredPolicy]:
    """Every version of the policy kept with the ledger, oldest first."""
    where, params = _POLICY
    for row, change in kept_versions(db, path, where, params, policy_change, "the policy"):
        yield StoredPolicy(seq=row[SEQ], version=row[VERSION], change=change, hash=row[HASH])


def head_receipt(meta: dict[str, str], outside: str) -> HeadReceipt:
    """The chain's head as ``meta`` records it; ``outside`` says where a change made
    behind banshishi's back would have come from (the file, the database)."""
    seq, head = read_head(meta)
    try:
        return HeadReceipt(events=seq, head=head)
    except InvalidValueError:
        raise StoreError(
            field="meta",
            value=(seq, head),
            problem="does not record the chain's head",
            hint=f"The {outside} was changed outside banshishi.",
        ) from None
