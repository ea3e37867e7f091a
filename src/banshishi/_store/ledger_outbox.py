"""The outbox of a :class:`LedgerStore`: the messages its steps owe, read and
marked sent by the host system that delivers them (see docs/notifications.md).

Delivery is at least once. The store writes each message with the events of
the step that owes it, in one transaction, so a step is never written without
its messages nor a message without its step; the host reads the pending ones,
delivers them and marks them sent. A host that stops after delivering and
before marking reads the same messages again: it drops any whose id it has
delivered already.
"""

from collections.abc import Iterable

from pendulum import DateTime

from banshishi._notify.message import Message

from .event_store import EventStore
from .record_cache import RecordCache


class LedgerOutbox:
    """The outbox's methods of :class:`LedgerStore` (its base: not for use alone)."""

    _store: EventStore
    _cache: RecordCache

    def pending_messages(self, *, limit: int | None = None) -> list[Message]:
        """The messages not yet sent, oldest first (in the order the steps owing
        them were written), at most ``limit`` if given."""
        return self._store.pending_messages(limit=limit)

    def mark_sent(self, message_ids: Iterable[str], *, at: DateTime | None = None) -> int:
        """Mark the messages ``message_ids`` sent at ``at`` (the clock's now if
        ``None``), all in one transaction. Marking one again keeps its first
        moment; an id not in the outbox raises :class:`NotFoundError` and
        nothing is marked. Returns how many were marked now."""
        moment = self._cache.issues.clock.now() if at is None else at
        ids = message_ids if isinstance(message_ids, str) else list(message_ids)
        return self._store.mark_sent(ids, at=moment)

    def message_counts(self) -> dict[str, int]:
        """How many messages are ``pending`` and how many ``sent``."""
        return self._store.message_counts()
