"""The pytest plugin banshishi installs (entry point ``banshishi``).

Fixtures:

- ``frozen_clock``: a :class:`banshishi.FixedClock` at 09:00 on Monday 11 May 2026 in
  Asia/Shanghai; ``@pytest.mark.frozen_at("2026-10-08T17:30:00+08:00")`` (or an aware
  datetime, or indirect parametrisation) picks another moment;
- ``ledger_store``: a new :class:`banshishi.LedgerStore` on that clock, in an SQLite file
  under ``tmp_path``, or, given ``--banshishi-db URL``, in a schema of its own on that
  database (a database of its own on MariaDB/MySQL), dropped after the test;
- ``banshishi_servers`` (session): each kind of server (``"postgresql"``, ``"mariadb"``)
  to a database URL, or to ``None`` with ``.reason(kind)``. The URL is the one given for
  that dialect through ``--banshishi-db`` (or ``BANSHISHI_TEST_DB``), else that of a
  throwaway server (:mod:`banshishi.testing.servers`) started on first use and stopped
  at the end of the session;
- ``banshishi_database_url`` (session): ``banshishi_database_url("postgresql")`` gives
  that URL, or skips the test saying why there is none. When ``CI`` is set (to
  anything but ``0`` or ``false``) it fails the test instead: under CI a server suite
  must never be skipped quietly.

At the end of a session that asked for a server, the terminal summary says which server
suites ran and which were skipped (or failed) and why.

pytest loads this module for every run in an environment where banshishi is installed,
so SQLAlchemy and the drivers load only when a server or a database is used.
"""

import contextlib
import importlib
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, NoReturn, final

import pendulum
import pytest

from banshishi import FixedClock, LedgerStore, parse_instant
from banshishi._core.time import as_datetime
from banshishi.testing.servers import KINDS, ServerError, throwaway_server, why_unavailable

__all__ = ["DEFAULT_MOMENT", "ServerPool", "kind_of_url", "under_ci", "without_server"]

DB_ENV: Final = "BANSHISHI_TEST_DB"
SERVERS_ENV: Final = "BANSHISHI_TEST_SERVERS"

DEFAULT_MOMENT: Final = pendulum.datetime(2026, 5, 11, 9, tz="Asia/Shanghai")
"""Where ``frozen_clock`` stands unless told otherwise: 09:00 on a working Monday."""

_DIALECTS: Final = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}


def under_ci() -> bool:
    """Whether the ``CI`` variable is set to something other than ``0`` or ``false``."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def without_server(reason: str) -> NoReturn:
    """End a test whose server is not here (``reason`` says why): skipped, or
    failed when ``CI`` is set, since a server suite must run there."""
    if under_ci():
        pytest.fail(f"{reason} (CI is set: a server suite must run, not be skipped)")
    pytest.skip(reason)


def kind_of_url(url: str) -> str | None:
    """The kind of server (``"postgresql"``, ``"mariadb"``) a database URL is for, by its
    dialect; ``None`` for another (``sqlite://…``).

    >>> kind_of_url("postgresql+psycopg://app@db.example/ledger"), kind_of_url("mysql://x")
    ('postgresql', 'mariadb')
    """
    dialect = url.partition("://")[0].partition("+")[0].lower()
    return _DIALECTS.get(dialect)


@final
class ServerPool(Mapping[str, str | None]):
    """The database server of each kind for one session, looked for on first use.

    ``pool["postgresql"]`` is the URL given for PostgreSQL, else a throwaway server's
    (started now, kept for the session), else ``None``, and then ``pool.reason(kind)``
    says why. ``close`` stops the servers it started.
    """

    def __init__(self, *, given: str | None, allowed: frozenset[str], allowed_by: str) -> None:
        self._given = given
        self._allowed = allowed
        self._allowed_by = allowed_by
        self._urls: dict[str, str | None] = {}
        self._sources: dict[str, str] = {}
        self._reasons: dict[str, str] = {}
        self.asked: dict[str, str] = {}
        """Each kind a test asked for through ``banshishi_database_url``: ``"ran"``,
        ``"skipped"`` or ``"failed"``."""
        self._stack = contextlib.ExitStack()

    def __getitem__(self, kind: str) -> str | None:
        if kind not in KINDS:
            raise KeyError(kind)
        if kind not in self._urls:
            self._urls[kind] = self._look_for(kind)
        return self._urls[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)

    def reason(self, kind: str) -> str | None:
        """Why there is no server of ``kind`` (looking for one first), or ``None``."""
        self[kind]
        return self._reasons.get(kind)

    def source(self, kind: str) -> str | None:
        """Where the server of ``kind`` came from: ``"given"`` or ``"throwaway"``."""
        self[kind]
        return self._sources.get(kind)

    def _look_for(self, kind: str) -> str | None:
        if self._given is not None and kind_of_url(self._given) == kind:
            self._sources[kind] = "given"
            return self._given
        if kind not in self._allowed:
            self._reasons[kind] = f"no {kind} URL given, and {self._allowed_by}"
            return None
        missing = why_unavailable(kind)
        if missing is not None:
            self._reasons[kind] = f"no {kind} URL given, and {missing}"
            return None
        try:
            url = self._stack.enter_context(throwaway_server(kind))
        except ServerError as error:
            self._reasons[kind] = str(error)
            return None
        self._sources[kind] = "throwaway"
        return url

    def close(self) -> None:
        self._stack.close()

    def outcomes(self) -> dict[str, tuple[str, str | None, str | None]]:
        """Each kind asked for, with its outcome, reason and source: what a worker
        of pytest-xdist hands to the controller, which prints the summary."""
        return {
            kind: (outcome, self._reasons.get(kind), self._sources.get(kind))
            for kind, outcome in self.asked.items()
        }

    def take(self, outcomes: Mapping[str, tuple[str, str | None, str | None]]) -> None:
        """Count a worker's :meth:`outcomes` as this session's (the worst outcome wins)."""
        worst = {"ran": 0, "skipped": 1, "failed": 2}
        for kind, (outcome, reason, source) in outcomes.items():
            if worst.get(outcome, 0) >= worst.get(self.asked.get(kind, "ran"), 0):
                self.asked[kind] = outcome
            self._urls.setdefault(kind, None)  # known: never started here
            if reason is not None:
                self._reasons[kind] = reason
            if source is not None:
                self._sources[kind] = source

    def summary(self) -> list[str]:
        """The terminal summary's lines: one per kind a test asked for, then the verdict."""
        lines = []
        for kind in (k for k in KINDS if k in self.asked):
            if self.asked[kind] == "ran":
                where = "the given database" if self.source(kind) == "given" else "a throwaway"
                lines.append(f"{kind}: ran on {where} server")
            else:
                lines.append(f"{kind}: {self.asked[kind].upper()}, {self.reason(kind)}")
        if not lines:
            return []
        missed = [kind for kind, outcome in self.asked.items() if outcome != "ran"]
        if missed:
            lines.append(f"server suites not run: {', '.join(sorted(missed))}")
        else:
            lines.append("all server suites ran")
        return lines


_POOL = pytest.StashKey[ServerPool]()
_OUTCOMES = "banshishi_servers"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("banshishi", "banshishi ledger stores and database servers")
    group.addoption(
        "--banshishi-db",
        metavar="URL",
        default=None,
        help=f"a database URL (SQLAlchemy) for the ledger_store fixture and the server "
        f"suites of its dialect; default: the {DB_ENV} variable, else SQLite and "
        "throwaway servers",
    )
    group.addoption(
        "--banshishi-servers",
        metavar="KINDS",
        default=None,
        help="the throwaway servers the session may start: postgresql, mariadb "
        f"(comma-separated), all or none; default: the {SERVERS_ENV} variable, else all",
    )


def _allowed(config: pytest.Config) -> tuple[frozenset[str], str]:
    option = config.getoption("--banshishi-servers")
    if option is not None:
        text, where = option, f"--banshishi-servers={option}"
    else:
        text = os.environ.get(SERVERS_ENV, "all")
        where = f"{SERVERS_ENV}={text}"
    words = {word.strip().lower() for word in text.split(",")} - {""}
    if words == {"all"}:
        return frozenset(KINDS), where
    unknown = words - {*KINDS, "none"}
    if unknown:
        raise pytest.UsageError(
            f"{where}: unknown kind {sorted(unknown)[0]!r}; give postgresql, mariadb, all or none"
        )
    return frozenset(words & set(KINDS)), f"throwaway servers are turned off ({where})"


def _given_url(config: pytest.Config) -> str | None:
    url = config.getoption("--banshishi-db") or os.environ.get(DB_ENV, "").strip()
    return str(url) if url else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "frozen_at(moment): where the frozen_clock fixture stands, an aware datetime "
        "or ISO 8601 text with its offset",
    )
    allowed, allowed_by = _allowed(config)
    config.stash[_POOL] = ServerPool(
        given=_given_url(config), allowed=allowed, allowed_by=allowed_by
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    pool = config.stash.get(_POOL, None)
    if pool is not None:
        pool.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker, hand what the server suites did to the controller."""
    output = getattr(session.config, "workeroutput", None)
    pool = session.config.stash.get(_POOL, None)
    if output is not None and pool is not None:
        output[_OUTCOMES] = pool.outcomes()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the pytest-xdist controller, take what a worker's server suites did."""
    pool = node.config.stash.get(_POOL, None)
    outcomes = getattr(node, "workeroutput", {}).get(_OUTCOMES)
    if pool is not None and outcomes:
        pool.take(outcomes)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    pool = config.stash.get(_POOL, None)
    lines = pool.summary() if pool is not None else []
    if lines:
        terminalreporter.section("banshishi database servers")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def banshishi_servers(request: pytest.FixtureRequest) -> Iterator[ServerPool]:
    """Each kind of server to its database URL or ``None``, looked for on first use;
    the throwaway servers started are stopped at the end of the session."""
    pool = request.config.stash[_POOL]
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def banshishi_database_url(banshishi_servers: ServerPool) -> Callable[[str], str]:
    """A function from a kind of server to its database URL; with none, it skips the
    test, or fails it when ``CI`` is set."""

    def url(kind: str) -> str:
        found = banshishi_servers[kind]
        if found is not None:
            banshishi_servers.asked[kind] = "ran"
            return found
        banshishi_servers.asked[kind] = "failed" if under_ci() else "skipped"
        without_server(str(banshishi_servers.reason(kind)))

    return url


@pytest.fixture
def frozen_clock(request: pytest.FixtureRequest) -> FixedClock:
    """A clock at :data:`DEFAULT_MOMENT`, or at the moment of the test's ``frozen_at``
    marker, or at the parameter of an indirect parametrisation."""
    moment: object = getattr(request, "param", None)
    marker = request.node.get_closest_marker("frozen_at")
    if moment is None and marker is not None:
        moment = marker.args[0]
    if moment is None:
        moment = DEFAULT_MOMENT
    if isinstance(moment, str):
        return FixedClock(parse_instant(moment, field="frozen_at"))
    return FixedClock(as_datetime(moment, field="frozen_at"))


@pytest.fixture
def ledger_store(
    request: pytest.FixtureRequest, tmp_path: Path, frozen_clock: FixedClock
) -> Iterator[LedgerStore]:
    """A new, empty ledger store on ``frozen_clock``: an SQLite file in ``tmp_path``, or a
    schema of its own on the database given by ``--banshishi-db``, dropped afterwards."""
    url = _given_url(request.config)
    if url is None:
        with LedgerStore.open(tmp_path / "ledger.db", create=True, clock=frozen_clock) as store:
            yield store
        return
    with _fresh_schema(url) as schema:
        backend = importlib.import_module("banshishi.store").SqlEventStore
        with LedgerStore(backend(url, schema=schema, create=True), clock=frozen_clock) as store:
            yield store


@contextlib.contextmanager
def _fresh_schema(url: str) -> Iterator[str | None]:
    """A new schema on PostgreSQL (a database on MariaDB/MySQL) named for this test and
    dropped afterwards; ``None``, and nothing made, on another dialect."""
    sqlalchemy = importlib.import_module("sqlalchemy")
    kind = kind_of_url(url)
    name = f"banshishi_test_{uuid.uuid4().hex[:12]}"
    made, dropped = {
        "postgresql": (f'CREATE SCHEMA "{name}"', f'DROP SCHEMA "{name}" CASCADE'),
        "mariadb": (
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
            f"DROP DATABASE `{name}`",
        ),
    }.get(kind or "", ("", ""))
    if not made:
        yield None
        return
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.begin() as db:
            db.execute(sqlalchemy.text(made))
        try:
            yield name
        finally:
            with engine.begin() as db:
                db.execute(sqlalchemy.text(dropped))
    finally:
        engine.dispose()
