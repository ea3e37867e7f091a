"""Where a ledger is: a path to its SQLite file, or the URL of a server database
(``postgresql+psycopg://…``, ``mysql+pymysql://…``), and the backend that opens it.

A URL may carry the ledger's schema and table prefix as the query parameters
``banshishi_schema`` and ``banshishi_prefix`` (taken off before the driver sees
the URL), so that one text names a ledger on the command line as a path does.
"""

import os
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from banshishi._core.errors import InvalidValueError
from banshishi._core.time import Clock

from .event_store import EventStore
from .sql_store import SqlEventStore
from .sqlite_store import SqliteEventStore

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
SCHEMA_PARAMETER, PREFIX_PARAMETER = "banshishi_schema", "banshishi_prefix"


def is_url(location: object) -> bool:
    """Whether ``location`` is a database URL rather than a file path."""
    return isinstance(location, str) and _URL.match(location) is not None


def shown_location(location: str | os.PathLike[str]) -> str:
    """``location`` as it may be printed: a URL without its password."""
    text = os.fspath(location)
    if not is_url(text):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    host = parts.hostname or ""
    user = parts.username or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def split_url(url: str) -> tuple[str, str | None, str]:
    """``url`` without the ledger's own query parameters, the schema and the prefix they give."""
    parts = urlsplit(url)
    kept, schema, prefix = [], None, ""
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name == SCHEMA_PARAMETER:
            schema = value or None
        elif name == PREFIX_PARAMETER:
            prefix = value
        else:
            kept.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(kept))), schema, prefix


def open_backend(
    location: str | os.PathLike[str],
    *,
    create: bool,
    read_only: bool,
    timeout: float,
    chain_key: bytes | str | None,
    clock: Clock | None,
    schema: str | None = None,
    prefix: str = "",
) -> EventStore:
    """The backend that keeps the ledger at ``location`` (see the module)."""
    if not is_url(location):
        if schema is not None or prefix:
            raise InvalidValueError(
                field="schema" if schema is not None else "prefix",
                value=schema if schema is not None else prefix,
                problem="is for a ledger in a server database, not in a file",
            )
        return SqliteEventStore(
            location,
            create=create,
            read_only=read_only,
            timeout=timeout,
            chain_key=chain_key,
            clock=clock,
        )
    url, given_schema, given_prefix = split_url(os.fspath(location))
    return SqlEventStore(
        url,
        schema=schema if schema is not None else given_schema,
        prefix=prefix or given_prefix,
        create=create,
        read_only=read_only,
        timeout=timeout,
        chain_key=chain_key,
        clock=clock,
    )
