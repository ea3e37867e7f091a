"""The backend side of the ledger store: what a backend implements and exchanges.

:class:`banshishi.LedgerStore` keeps a ledger in any object with the methods of the
:class:`EventStore` protocol. The library ships two backends: :class:`SqliteEventStore`,
one SQLite file, and :class:`SqlEventStore`, tables in a PostgreSQL or MariaDB/MySQL
database (through SQLAlchemy 2); ``LedgerStore.open`` makes the one its path or URL
names. A program that
only keeps a ledger never needs this module: it is for writing another backend (or
testing one), which receives :class:`Append`, :class:`UnitTreeAppend` and
:class:`PolicyAppend` and hands back :class:`StoredEvent` rows, beside the values
``LedgerStore`` returns to everyone (``ChainReport``, ``HeadReceipt``,
``StoredUnitTree``, ``StoredPolicy``, exported by ``banshishi``). See
docs/store.md, "Other backends".

>>> from banshishi.store import EventStore, SqlEventStore, SqliteEventStore
>>> issubclass(SqliteEventStore, EventStore), issubclass(SqlEventStore, EventStore)
(True, True)
"""

from ._core.exports import publish as _publish
from ._store.event_store import Append as Append
from ._store.event_store import EventStore as EventStore
from ._store.event_store import StoredEvent as StoredEvent
from ._store.policy_history import PolicyAppend as PolicyAppend
from ._store.sql_store import SqlEventStore as SqlEventStore
from ._store.sqlite_store import SqliteEventStore as SqliteEventStore
from ._store.unit_history import UnitTreeAppend as UnitTreeAppend

__all__ = [
    "Append",
    "EventStore",
    "PolicyAppend",
    "SqlEventStore",
    "SqliteEventStore",
    "StoredEvent",
    "UnitTreeAppend",
]

_publish(__name__, globals(), __all__)
