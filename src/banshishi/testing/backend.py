"""The backend under test: how the conformance suite opens a fresh store of it,
from this process or from a child process, and reaches its tables behind its back.

A :class:`StoreBackend` stands for one empty store of the backend a test runs on:
a SQLite file (:func:`sqlite_backend`), tables in a server database reached by
URL (:func:`sql_backend`), or a third party's :class:`EventStore` (build a
:class:`BackendSpec` naming its opener). The suite opens the store as often as
it needs (:meth:`StoreBackend.open`), hands child processes the picklable
:attr:`StoreBackend.spec` (they call :func:`open_backend`), and tampers with the
rows through :meth:`StoreBackend.execute` to check that ``verify()`` finds it.
"""

import contextlib
import importlib
import re
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, final

import attrs

from banshishi import Clock, InvalidValueError
from banshishi.store import EventStore, SqliteEventStore

TABLES = ("events", "issues", "issue_lines", "dispatch_lines", "pledges", "meta", "outbox")
"""The tables a store keeps (before any prefix or schema); ``outbox`` is outside the chain."""

Rows = list[tuple[Any, ...]]
Opener = Callable[..., EventStore]
"""Opens a store: ``opener(target, create=…, chain_key=…, clock=…, **options)``."""
Runner = Callable[[str, str], Rows]
"""Runs one SQL statement on the store at ``target`` and commits: ``runner(target, sql)``,
returning the rows it selected (none for other statements)."""

_PASSWORD = re.compile(r"(?<=://)([^:/@]*):[^@/]*@")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _hidden(target: str) -> str:
    """``target`` with a URL's password hidden, so that no repr shows it."""
    return repr(_PASSWORD.sub(r"\1:***@", target))


@final
@attrs.frozen(kw_only=True)
class BackendSpec:
    """What a process needs to open the store under test, and nothing it cannot
    pickle: ``opener`` and ``runner`` must be module-level functions (or classes),
    which pickle by name, so a child process started by the suite opens the same
    store (:func:`open_backend`).

    ``target`` is the file path or the database URL (shown with its password
    hidden); ``options`` are the opener's further keyword arguments; ``tables`` is
    how a table's name is written in SQL (``{name}`` is the bare name, e.g.
    ``"ledger.bs_{name}"``); ``cleanup`` are statements :meth:`StoreBackend.close`
    runs at the end of a test (dropping the tables a server keeps)."""

    opener: Opener
    target: str = attrs.field(repr=_hidden)
    runner: Runner
    options: tuple[tuple[str, Any], ...] = ()
    tables: str = "{name}"
    cleanup: tuple[str, ...] = ()


def open_backend(
    spec: BackendSpec,
    *,
    create: bool = False,
    chain_key: bytes | str | None = None,
    clock: Clock | None = None,
) -> EventStore:
    """The store ``spec`` describes, opened in this process (a new one if ``create``
    and there is none yet)."""
    options = dict(spec.options)
    return spec.opener(spec.target, create=create, chain_key=chain_key, clock=clock, **options)


@final
@attrs.define(kw_only=True)
class StoreBackend:
    """One fresh, empty store of the backend under test, for one test.

    ``name`` says which backend (``"sqlite"``, ``"postgresql"``, …) in messages;
    ``spec`` is how to open it (picklable, for child processes). Make one with
    :func:`sqlite_backend` or :func:`sql_backend`, or with a :class:`BackendSpec`
    of your own backend's opener."""

    name: str
    spec: BackendSpec
    _opened: list[EventStore] = attrs.field(factory=list, init=False, repr=False)

    def open(
        self,
        *,
        create: bool = True,
        chain_key: bytes | str | None = None,
        clock: Clock | None = None,
    ) -> EventStore:
        """The test's store: made empty on the first call, the same store (a new
        connection to it) on every later one. :meth:`close` closes them all."""
        store = open_backend(self.spec, create=create, chain_key=chain_key, clock=clock)
        self._opened.append(store)
        return store

    def table(self, name: str) -> str:
        """How SQL names the store's table ``name`` (``events``, ``issues``,
        ``issue_lines``, ``dispatch_lines``, ``pledges``, ``meta``, ``outbox``), prefix and
        schema included."""
        if name not in TABLES:
            raise InvalidValueError(
                field="name", value=name, problem=f"is not one of the tables {TABLES}"
            )
        return self.spec.tables.format(name=name)

    def execute(self, sql: str) -> Rows:
        """Run one SQL statement on the store's database behind the store's back,
        and commit; returns the rows a query selects. Name tables by :meth:`table`."""
        return self.spec.runner(self.spec.target, sql)

    def close(self) -> None:
        """Close every store opened through :meth:`open`, then run the spec's
        ``cleanup`` statements."""
        while self._opened:
            with contextlib.suppress(Exception):  # closed twice, or lost: nothing to keep
                self._opened.pop().close()
        for statement in self.spec.cleanup:
            self.execute(statement)

    def __enter__(self) -> "StoreBackend":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> None:
        self.close()


# -- SQLite -----------------------------------------------------------------------------


def run_sqlite(target: str, sql: str) -> Rows:
    """Run ``sql`` on the SQLite file at ``target`` and commit (a :data:`Runner`)."""
    db = sqlite3.connect(target)
    try:
        rows = [tuple(row) for row in db.execute(sql).fetchall()]
        db.commit()
    finally:
        db.close()
    return rows


def sqlite_backend(path: str | Path) -> StoreBackend:
    """The SQLite backend (:class:`SqliteEventStore`), its ledger in the file at
    ``path`` (which must not exist yet: the first :meth:`StoreBackend.open` makes it)."""
    return StoreBackend(
        name="sqlite",
        spec=BackendSpec(opener=SqliteEventStore, target=str(path), runner=run_sqlite),
    )


# -- a server database, by URL ----------------------------------------------------------


def open_sql(
    url: str,
    *,
    create: bool,
    chain_key: bytes | str | None,
    clock: Clock | None,
    schema: str | None,
    prefix: str,
) -> EventStore:
    """``SqlEventStore`` on ``url`` (an :data:`Opener`), imported only when a server
    backend is tested."""
    store_module = importlib.import_module("banshishi.store")
    opened: EventStore = store_module.SqlEventStore(
        url, schema=schema, prefix=prefix, create=create, chain_key=chain_key, clock=clock
    )
    return opened


def run_sql(url: str, sql: str) -> Rows:
    """Run ``sql`` on the database at ``url`` through SQLAlchemy, as the driver
    takes it (no bound parameters), and commit (a :data:`Runner`)."""
    sqlalchemy = importlib.import_module("sqlalchemy")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.exec_driver_sql(sql)
            return [tuple(row) for row in result.fetchall()] if result.returns_rows else []
    finally:
        engine.dispose()


def _name(value: str, field: str) -> str:
    if not _NAME.match(value):
        raise InvalidValueError(
            field=field,
            value=value,
            problem="must be letters, digits and underscores, not starting with a digit",
        )
    return value


def sql_backend(
    url: str, *, schema: str | None = None, prefix: str = "", drop: bool = True
) -> StoreBackend:
    """``SqlEventStore`` on the database at ``url`` (PostgreSQL, MariaDB, …), its
    tables named with ``prefix`` in ``schema`` (the connection's default if
    ``None``). Give each test a prefix (or schema) of its own, so that it starts
    empty; with ``drop``, :meth:`StoreBackend.close` drops the tables at the end."""
    if schema is not None:
        _name(schema, "schema")
    if prefix:
        _name(prefix, "prefix")
    tables = f"{schema}.{prefix}{{name}}" if schema is not None else f"{prefix}{{name}}"
    cleanup: Sequence[str] = ()
    if drop:
        cleanup = tuple(f"DROP TABLE IF EXISTS {tables.format(name=name)}" for name in TABLES)
    dialect = url.partition(":")[0].partition("+")[0]
    return StoreBackend(
        name=dialect or "sql",
        spec=BackendSpec(
            opener=open_sql,
            target=url,
            runner=run_sql,
            options=(("schema", schema), ("prefix", prefix)),
            tables=tables,
            cleanup=tuple(cleanup),
        ),
    )
