"""What the store's SQL is written against, and where the databases differ.

The queries over a ledger's tables (the chain, the summary lines, the figures
folded from them) are written once, in the SQL every backend reads: plain table
names (``events``, ``issues``, ``issue_lines``, ``pledges``, ``meta``), ``?`` for
each parameter, ``"key"`` for the one column whose name MySQL reserves, and no
construct only one database knows. The few that differ are asked of the
:class:`Dialect` here: a comparison that treats two nulls as equal, integer
division rounding down, and writing a row over the one with its key.

A backend hands the queries a :class:`Db`: SQLite's own connection as it is,
or, for a server database, a connection that qualifies the table names with the
ledger's schema and prefix and passes each parameter as its driver expects
(``sql_connection``).
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol, final

import attrs


class Cursor(Protocol):
    """The rows of a query, as SQLite's cursor hands them out."""

    arraysize: int

    def fetchone(self) -> Any: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __next__(self) -> Any: ...


class Db(Protocol):
    """A connection the store's queries run on: ``sqlite3.Connection``, or a
    server database's connection wrapped to look like one."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...


@final
@attrs.frozen
class Dialect:
    """Where one database's SQL differs from the SQL the store's queries are written in."""

    name: str
    """``sqlite``, ``postgresql`` or ``mysql`` (MariaDB included)."""

    def distinct(self, left: str, right: str) -> str:
        """``left`` and ``right`` differ, a null differing from a value and equal to a null."""
        if self.name == "postgresql":
            return f"{left} IS DISTINCT FROM {right}"
        if self.name == "mysql":
            return f"NOT ({left} <=> {right})"
        return f"{left} IS NOT {right}"

    def floor_div(self, left: str, right: str) -> str:
        """``left`` divided by ``right`` (both integers, ``right`` positive), rounded
        down as Python's ``//`` does."""
        exact = f"({left} - (({left} % {right}) + {right}) % {right})"
        if self.name == "mysql":
            return f"{exact} DIV {right}"
        return f"{exact} / {right}"

    def upsert(self, table: str, columns: Sequence[str], key: str) -> str:
        """Write a row of ``columns`` into ``table``, over the row with the same ``key``."""
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        if self.name == "postgresql":
            sets = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name != key)
            return f"{insert} ON CONFLICT ({key}) DO UPDATE SET {sets}"
        if self.name == "mysql":
            sets = ", ".join(f"{name} = VALUES({name})" for name in columns if name != key)
            return f"{insert} ON DUPLICATE KEY UPDATE {sets}"
        return f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})"

    def insert_new(self, table: str, columns: Sequence[str], key: str) -> str:
        """Write a row of ``columns`` into ``table`` unless a row with the same ``key``
        is there (then that row is kept as it is)."""
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        if self.name == "postgresql":
            return f"{insert} ON CONFLICT ({key}) DO NOTHING"
        if self.name == "mysql":
            return f"{insert} ON DUPLICATE KEY UPDATE {key} = {key}"
        return f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})"


SQLITE = Dialect("sqlite")


def dialect_of(db: Db) -> Dialect:
    """The dialect of the connection ``db`` (SQLite's own connection has none of its own)."""
    dialect = getattr(db, "dialect", None)
    return dialect if isinstance(dialect, Dialect) else SQLITE


def count_if(condition: str) -> str:
    """How many rows ``condition`` holds for, as every database counts it (0 for none)."""
    return f"coalesce(sum(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"
