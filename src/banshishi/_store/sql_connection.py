"""A server database's connection as the store's queries see it (``sql_dialect``):
each query's table names qualified with the ledger's schema and prefix, its
``?`` marks written as the driver's, its ``"key"`` quoted as the database quotes
names; and the driver's errors told as the library's."""

import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from banshishi._core.errors import InvalidTypeError, InvalidValueError, StoreBusyError, StoreError

from .sql_dialect import Dialect

if TYPE_CHECKING:
    from sqlalchemy import Connection, CursorResult, Engine

_TABLE = re.compile(
    r"\b(FROM|JOIN|INTO|UPDATE)\s+(events|issues|issue_lines|dispatch_lines|pledges|meta|outbox)\b"
)
_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \([?, ]+\)")
_COPY_FROM = 32
"""How many rows an insert must have to go by ``COPY`` on PostgreSQL."""
_BUSY_STATES = {"55P03", "40P01", "40001", "57014"}
"""PostgreSQL's lock not available, deadlock, serialisation failure, statement
cancelled (a lock or statement timeout)."""
_BUSY_CODES = {1205, 1213}
"""MySQL's and MariaDB's lock wait timeout and deadlock."""
PASSWORD_VARIABLE = "BANSHISHI_DB_PASSWORD"
"""The environment variable a URL without a password takes its password from."""


class SqlDb:
    """The connection ``connection`` (in a transaction the caller runs) as a :class:`Db`."""

    def __init__(
        self, connection: "Connection", dialect: Dialect, tables: Mapping[str, str], where: str
    ) -> None:
        self.dialect = dialect
        self._connection = connection
        self._tables = tuple(sorted(tables.items()))
        self._where = where
        self._opened: list[Rows] = []

    def execute(self, sql: str, parameters: Any = (), /) -> "Rows":
        values = tuple(parameters)
        statement = translate(sql, self.dialect.name, self._tables, bool(values))
        self._finish_last()
        try:
            if values:
                result = self._connection.exec_driver_sql(statement, values)
            else:
                result = self._connection.exec_driver_sql(statement)
        except Exception as error:
            raise database_error(error, self._where) from error
        rows = Rows(result, self._where)
        self._opened.append(rows)
        return rows

    def finish(self) -> None:
        """Close every query's rows still open (before the transaction ends)."""
        for rows in self._opened:
            rows.close()
        self._opened.clear()

    def _finish_last(self) -> None:
        """Close the rows of the query before, if left unread: MariaDB and MySQL
        stream a query's rows over the connection, which must be drained before
        the next query (PostgreSQL's server-side cursors need no such care)."""
        if self._opened and self.dialect.name == "mysql":
            self._opened[-1].close()

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> None:
        rows = [tuple(row) for row in parameters]
        if not rows:
            return
        insert = _INSERT.fullmatch(sql)
        self._finish_last()
        try:
            if insert and self.dialect.name == "postgresql" and len(rows) >= _COPY_FROM:
                self._copy(insert.group(1), insert.group(2), rows)
            else:
                statement = translate(sql, self.dialect.name, self._tables, True)
                self._connection.exec_driver_sql(statement, rows)
        except Exception as error:
            raise database_error(error, self._where) from error

    def _copy(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert ``rows`` by PostgreSQL's ``COPY``, in the caller's transaction: the
        fast path for a large batch (psycopg streams the rows)."""
        raw: Any = self._connection.connection.driver_connection
        name = dict(self._tables)[table]
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    @property
    def connection(self) -> "Connection":
        """The SQLAlchemy connection underneath."""
        return self._connection


class Rows:
    """A query's rows, handed out as SQLite's cursor does."""

    def __init__(self, result: "CursorResult[Any]", where: str) -> None:
        self._result = result
        self._where = where
        self.arraysize = 1

    def fetchone(self) -> Any:
        return self._guarded(self._result.fetchone)

    def close(self) -> None:
        """Let go of the rows not read."""
        self._guarded(self._result.close)

    def fetchmany(self, size: int | None = None, /) -> list[Any]:
        return list(self._guarded(lambda: self._result.fetchmany(size or self.arraysize)))

    def fetchall(self) -> list[Any]:
        return list(self._guarded(self._result.fetchall))

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def _guarded(self, read: Any) -> Any:
        try:
            return read()
        except Exception as error:
            raise database_error(error, self._where) from error


@functools.lru_cache(maxsize=512)
def translate(sql: str, dialect: str, tables: tuple[tuple[str, str], ...], parameters: bool) -> str:
    """``sql`` as written for the store's queries, as the server ``dialect`` and its
    driver take it: table names qualified, names quoted, ``?`` as ``%s``."""
    names = dict(tables)
    text = _TABLE.sub(lambda m: f"{m.group(1)} {names[m.group(2)]}", sql)
    if dialect == "mysql":
        text = text.replace('"', "`")
    if parameters:
        text = text.replace("%", "%%").replace("?", "%s")
    return text


def database_error(error: BaseException, where: str) -> StoreError:
    """What the driver's ``error`` means for the ledger at ``where``: another
    writer holds a lock (:class:`StoreBusyError`), or the database refused or
    failed the work (:class:`StoreError`, with the driver's own message)."""
    if isinstance(error, StoreError):
        return error
    original = getattr(error, "orig", error)
    state = getattr(original, "sqlstate", None)
    code = original.args[0] if getattr(original, "args", None) else None
    if state in _BUSY_STATES or code in _BUSY_CODES:
        return StoreBusyError(
            field="database",
            value=where,
            problem="is locked by another writer",
            hint="Try again, or give a longer timeout.",
        )
    message = str(original).strip().splitlines()[0] if str(original).strip() else repr(original)
    return StoreError(field="database", value=where, problem=f"refused the work ({message})")


def shown(url: Any) -> str:
    """A database URL as it may be printed: without its password."""
    render = getattr(url, "render_as_string", None)
    return str(render(hide_password=True)) if render else str(url)


def engine_for(database: object) -> "tuple[Engine, bool]":
    """The engine ``database`` names or is, and whether it was made here."""
    from sqlalchemy import Engine, create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if isinstance(database, Engine):
        engine, owned = database, False
    elif isinstance(database, str):
        try:
            url = make_url(database)
        except ArgumentError:
            raise InvalidValueError(
                field="database",
                value="(a text that is not a database URL)",
                problem="must be a URL such as postgresql+psycopg://user@host/db",
            ) from None
        password = os.environ.get(PASSWORD_VARIABLE)
        if url.password is None and password:
            url = url.set(password=password)
        try:
            engine, owned = create_engine(url, pool_pre_ping=True), True
        except (ArgumentError, NoSuchModuleError, ImportError) as error:
            raise InvalidValueError(
                field="database",
                value=shown(url),
                problem=f"cannot be opened ({error})",
                hint="Install banshishi[postgresql] or banshishi[mysql] for the driver.",
            ) from None
    else:
        raise InvalidTypeError(
            field="database", value=database, problem="must be a database URL or an Engine"
        )
    if engine.dialect.name not in ("postgresql", "mysql", "mariadb"):
        raise InvalidValueError(
            field="database",
            value=shown(engine.url),
            problem=f"is a {engine.dialect.name} database: SqlEventStore keeps ledgers in "
            "PostgreSQL and MariaDB/MySQL",
            hint="Keep a ledger in SQLite with SqliteEventStore (a file path).",
        )
    return engine, owned


def first_connection(engine: "Engine", where: str) -> None:
    """Connect once: the first connection tells MariaDB from MySQL (and a server
    that cannot be reached is told at once); the engine is disposed of on failure."""
    try:
        with engine.connect():
            pass
    except Exception as error:
        engine.dispose()
        raise database_error(error, where) from error
