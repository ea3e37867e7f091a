"""The conformance suite of banshishi.testing, run on each backend we ship.

SQLite runs everywhere; the server backends join as parameters of
``store_backend`` (each test gets a fresh, empty store of its backend).
"""

from pathlib import Path

import pytest

from banshishi.testing.conformance import *  # noqa: F403
from banshishi.testing.conformance import StoreBackend, sqlite_backend

BACKENDS = ["sqlite"]
"""The backends the suite runs on; a server backend joins with a branch below that
returns ``sql_backend(url, prefix=<one of the test's own>)`` for the server's URL."""


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest, tmp_path: Path) -> StoreBackend:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        return sqlite_backend(tmp_path / "ledger.db")
    raise AssertionError(f"no such backend: {request.param}")  # pragma: no cover
