"""Which policy a ledger store runs under: the one the ledger keeps.

A ledger keeps its :class:`WorkflowPolicy` as versions in its hash chain (see
``_policy_history``). Opening it settles the policy:

- with versions, the last one; a policy given that differs is refused;
- with none, in a ledger that keeps its policy and holds events, the default
  (a ledger created under the default records nothing); a policy given that
  differs is refused;
- with none, in a new (empty) ledger or one made by an earlier banshishi, the
  policy given (the default if none) is taken, and recorded unless it is the
  default of a ledger that keeps its policy. Opened for reading only (or a
  keyed ledger without its key), nothing is recorded.
"""

from pendulum import DateTime

from banshishi._core.errors import ChainKeyError, ConcurrencyError, StoreError
from banshishi._core.time import Clock
from banshishi._workflow.policy import DEFAULT_POLICY, WorkflowPolicy

from .event_store import EventStore
from .policy_history import PolicyAppend, PolicyChange, differences, same_policy

ADOPTED = "policy taken when the ledger was first opened with it"
"""The note of a policy recorded when a ledger first took it."""


def settle(
    store: EventStore, given: WorkflowPolicy | None, clock: Clock
) -> tuple[WorkflowPolicy, int]:
    """The policy ``store`` runs under and its version (see the module); refused
    with :class:`StoreError` when ``given`` differs from the kept one."""
    read_only = bool(getattr(store, "read_only", False))
    try:
        history = list(store.policy_history())
    except StoreError:
        if not read_only:
            raise
        # A damaged version is read as it is, so that verify can say where.
        return DEFAULT_POLICY if given is None else given, 0
    if history:
        last = history[-1]
        _refuse_other(given, last.policy, f"version {last.version}, set {_when(last.change.at)}")
        return last.policy, last.version
    kept = store.policy_kept()
    try:
        holds_records = not _empty(store)
    except StoreError:
        if not read_only:
            raise
        return DEFAULT_POLICY if given is None else given, 0  # damaged: verify says where
    if kept and holds_records:
        _refuse_other(given, DEFAULT_POLICY, "the default, never changed")
        return DEFAULT_POLICY, 0
    taken = DEFAULT_POLICY if given is None else given
    default = same_policy(taken, DEFAULT_POLICY)
    if read_only or (kept and default):
        return taken, 0  # nothing to record: read only, or the default, kept as no version
    # A new ledger under another policy, or one made before: record what it takes
    # (for the default, only that the ledger keeps its policy from now on).
    changes = () if default else (PolicyChange(policy=taken, at=clock.now(), note=ADOPTED),)
    try:
        store.append((), policy=PolicyAppend(changes=changes, expected_version=0))
    except ConcurrencyError:
        return settle(store, given, clock)  # another process recorded one first: judge by it
    except ChainKeyError:
        return taken, 0  # a keyed ledger opened without its key is only read
    return taken, len(changes)


def _empty(store: EventStore) -> bool:
    """Whether the ledger holds nothing yet: no event and no unit tree."""
    return store.units_version() == 0 and next(iter(store.events()), None) is None


def record(store: EventStore, change: PolicyChange, version: int) -> None:
    """Write ``change`` as the next version of the policy, after ``version``."""
    store.append((), policy=PolicyAppend(changes=(change,), expected_version=version))


def _refuse_other(given: WorkflowPolicy | None, kept: WorkflowPolicy, which: str) -> None:
    if given is None or same_policy(given, kept):
        return
    raise StoreError(
        field="policy",
        value=differences(given, kept),
        problem=f"differs from the policy the ledger keeps ({which}) in these settings",
        hint="Open the ledger without policy= to work under its own policy, or change it with "
        "LedgerStore.change_policy, which records the change in the chain.",
    )


def _when(at: DateTime) -> str:
    return at.isoformat()
