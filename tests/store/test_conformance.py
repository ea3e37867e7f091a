"""The conformance suite of banshishi.testing, run on each backend we ship.

SQLite runs everywhere. PostgreSQL and MariaDB run on the servers the
``banshishi`` plugin finds or starts (throwaway ones on this machine): without
one a server's tests are skipped and said so in the summary, or fail when
``CI`` is set. Each test gets a fresh, empty store of its backend: its own
table prefix on a server, dropped at the end.
"""

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from banshishi.testing.conformance import *  # noqa: F403
from banshishi.testing.conformance import StoreBackend, sql_backend, sqlite_backend

BACKENDS = ["sqlite", "postgresql", "mariadb"]
"""The backends the suite runs on."""


@pytest.fixture(params=BACKENDS)
def store_backend(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    banshishi_database_url: Callable[[str], str],
) -> StoreBackend:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        return sqlite_backend(tmp_path / "ledger.db")
    return sql_backend(banshishi_database_url(request.param), prefix=f"t{uuid.uuid4().hex[:10]}_")
