"""A server ledger (PostgreSQL, MariaDB/MySQL) filled from an SQLite ledger, for
``benchmarks/store.py --db URL``: the same events and summary lines, the chain
linked again by the server store, and the head receipt checked equal.

**The fill.** The SQLite ledger's events are read in chain order, ``--fill-events``
at a time, with the summary line after every issue event (``issue_lines``,
joined on record and version). Each run of one record's events becomes an
:class:`Append` (made against the version before its first event), and the
chunk goes to :meth:`SqlEventStore.append` in one call, with the unit tree's
versions as a :class:`UnitTreeAppend`: the version checks, the chain and the
lines are all the server store's own (COPY on PostgreSQL, multi-row inserts on
MariaDB). The seconds inside ``append`` are timed apart from the reading. At the
end the server's head must equal the SQLite ledger's, or the run stops.

How the fill went is kept beside the SQLite ledger (``PATH.<name>.build.json``),
so a later run with ``--reuse`` finds the server ledger filled (its head equal
to the SQLite ledger's) and says how it was made.
"""

import hashlib
import json
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from banshishi import IssueSummary, LedgerStore
from banshishi._store.event_store import decode
from banshishi._store.sqlite_file import ISSUE_ROW
from banshishi._store.sqlite_rows import issue_line
from banshishi._store.store_location import shown_location, split_url
from banshishi._store.unit_history import TREE_SUBJECT, UnitTreeAppend, tree_change
from banshishi.store import Append, SqlEventStore

_EVENTS = (
    "SELECT seq, subject, record_id, version, at, name, actor, unit, role, from_status, "
    "to_status, note, data FROM events WHERE seq > ? AND seq <= ? ORDER BY seq"
)
_LINES = (
    f"SELECT {', '.join('l.' + c for c in ISSUE_ROW)} FROM events e JOIN issue_lines l "
    "ON l.id = e.record_id AND l.version = e.version "
    "WHERE e.seq > ? AND e.seq <= ? AND e.subject = 'issue' ORDER BY e.seq"
)


def kind(url: str) -> str:
    """``postgresql`` or ``mariadb`` (or ``mysql``), from the URL's scheme."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    return "postgresql" if scheme.startswith("postgres") else scheme


def engine(url: str) -> Any:
    """An SQLAlchemy engine on ``url`` (without the ledger's own query parameters),
    holding no connection open once it is let go (a database being copied as a
    template must have none)."""
    return create_engine(split_url(url)[0], poolclass=NullPool)


def tables(url: str) -> tuple[str | None, str]:
    """The ledger's schema and table prefix, as ``url`` gives them."""
    _, schema, prefix = split_url(url)
    return schema, prefix


def table(url: str, name: str) -> str:
    """The quoted-free qualified name of the ledger's table ``name``."""
    schema, prefix = tables(url)
    return f"{schema}.{prefix}{name}" if schema else f"{prefix}{name}"


def notes_path(ledger: Path, url: str) -> Path:
    """Where how the server ledger at ``url`` was filled is kept."""
    tag = hashlib.sha256(split_url(url)[0].encode() + repr(tables(url)).encode()).hexdigest()[:8]
    return Path(f"{ledger}.{kind(url)}-{tag}.build.json")


def sqlite_head(ledger: Path) -> tuple[int, str]:
    with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as db:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    return int(meta["head_seq"]), meta["head_hash"]


def server_head(url: str) -> tuple[int, str] | None:
    """The server ledger's head, or ``None`` if there is no ledger at ``url``."""
    try:
        store = LedgerStore.open(url, read_only=True)
    except Exception:
        return None
    try:
        head = store.store.head()
        return head.events, head.head
    finally:
        store.close()


def drop(url: str) -> None:
    """Drop the ledger's tables at ``url``, if any (a fresh fill, or a scratch ledger)."""
    with engine(url).begin() as connection:
        for name in ("issue_lines", "issues", "pledges", "events", "meta"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table(url, name)}"))


def chunks(ledger: Path, size: int) -> Iterator[tuple[list[Any], list[IssueSummary], float]]:
    """The SQLite ledger's events ``size`` at a time in chain order, the issue
    lines after each, and the seconds spent reading and decoding them."""
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    last = sqlite_head(ledger)[0]
    for first in range(0, last, size):
        started = time.perf_counter()
        rows = db.execute(_EVENTS, (first, first + size)).fetchall()
        lines = [issue_line(row) for row in db.execute(_LINES, (first, first + size))]
        yield rows, lines, time.perf_counter() - started
    db.close()


def appends_of(rows: list[Any]) -> tuple[list[Append], UnitTreeAppend | None]:
    """Each run of one record's events as an append; the unit tree's versions apart."""
    appends: list[Append] = []
    tree = []
    run: list[Any] = []
    for row in rows:
        if row[1] == TREE_SUBJECT:
            if run or appends:  # the store links a tree's versions before the appends
                raise SystemExit(f"the unit tree's version at {row[0]} follows records' events")
            tree.append(tree_change(row[4], row[5:]))
            continue
        if run and (run[-1][1], run[-1][2]) != (row[1], row[2]):
            appends.append(_append(run))
            run = []
        run.append(row)
    if run:
        appends.append(_append(run))
    if tree:
        return appends, UnitTreeAppend(changes=tuple(tree), expected_version=rows[0][3] - 1)
    return appends, None


def _append(run: list[Any]) -> Append:
    events = tuple(decode(row[1], row[4], row[5:]) for row in run)
    return Append(record_id=run[0][2], events=events, expected_version=run[0][3] - 1)


def fill(ledger: Path, url: str, size: int) -> dict[str, Any]:
    """Fill a fresh server ledger at ``url`` from the SQLite ledger (see the module)."""
    drop(url)
    started = time.perf_counter()
    store = SqlEventStore(split_url(url)[0], schema=tables(url)[0], prefix=tables(url)[1],
                          create=True)  # fmt: skip
    reading = appending = 0.0
    events, rates = 0, []
    for rows, lines, read in chunks(ledger, size):
        begun = time.perf_counter()
        appends, units = appends_of(rows)
        made = time.perf_counter()
        store.append(appends, issues=lines, units=units)
        done = time.perf_counter()
        events += len(rows)
        reading += read + made - begun
        appending += done - made
        rates.append(len(rows) / (done - made))
        print(f"  {kind(url)}: {events:,} events filled, {rates[-1]:,.0f} events/s appended",
              file=sys.stderr, flush=True)  # fmt: skip
    head = store.head()
    store.close()
    expected = sqlite_head(ledger)
    if (head.events, head.head) != expected:
        raise SystemExit(f"{kind(url)}: head {head.events} {head.head}, SQLite's {expected}")
    return {
        "events": events,
        "head": head.head,
        "how": f"the SQLite ledger's events read in chain order, {size:,} a chunk, each record's "
        "run an Append with its issue lines, SqlEventStore.append per chunk; head checked "
        "equal to the SQLite ledger's",
        "fill_seconds": round(time.perf_counter() - started, 1),
        "fill_read_decode_seconds": round(reading, 1),
        "fill_append_seconds": round(appending, 1),
        "fill_append_events_per_s_median": round(statistics.median(rates)),
        "fill_append_events_per_s_overall": round(events / appending),
    }


def filled(ledger: Path, url: str, size: int, reuse: bool) -> dict[str, Any]:
    """The server ledger at ``url``, filled from ``ledger`` unless ``reuse`` finds it so."""
    notes = notes_path(ledger, url)
    if reuse and notes.exists() and server_head(url) == sqlite_head(ledger):
        built = json.loads(notes.read_text())
        built["reused"] = True
        return built
    built = fill(ledger, url, size)
    notes.write_text(json.dumps(built))
    return built


# -- what the measuring needs of a server ledger --------------------------------------


def scan(kind_of_scan: str, url: str) -> int:
    """The baseline on a server: ``count`` is ``SELECT count(*) FROM events``;
    ``pass`` reads every row of ``events`` through the driver (a server-side
    cursor, 10,000 rows a fetch) and touches each field in Python."""
    connection = engine(url).connect()
    if kind_of_scan == "count":
        return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table(url, 'events')}")
                   .scalar_one())  # fmt: skip
    result = connection.execution_options(stream_results=True, yield_per=10_000)
    cursor = result.exec_driver_sql(f"SELECT * FROM {table(url, 'events')}")
    fields = 0
    while batch := cursor.fetchmany(10_000):
        for row in batch:
            fields += len(row)
    return fields


def scalar(url: str, sql: str) -> int:
    """One number from the server ledger at ``url`` (``{events}`` etc. name its tables)."""
    names = {name: table(url, name) for name in ("events", "issues", "issue_lines", "meta")}
    with engine(url).connect() as connection:
        return int(connection.exec_driver_sql(sql.format(**names)).scalar_one())


def copy_of(url: str) -> str:
    """A copy of the server ledger at ``url`` for the sweep to write to, and its URL:
    PostgreSQL's ``CREATE DATABASE … TEMPLATE`` (a file copy); on MariaDB and MySQL,
    each table made ``LIKE`` the ledger's and filled by ``INSERT … SELECT`` into the
    database ``<database>_sweep``."""
    plain, schema, prefix = split_url(url)
    parsed = make_url(plain)
    source = parsed.database
    target = f"{source}_sweep"
    if kind(url) == "postgresql":
        admin = create_engine_autocommit(parsed.set(database="postgres"))
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {target}")
            connection.exec_driver_sql(
                f"CREATE DATABASE {target} TEMPLATE {source} STRATEGY FILE_COPY"
            )
        admin.dispose()
        copied = parsed.set(database=target).render_as_string(hide_password=False)
        extra = [f"banshishi_schema={schema}"] if schema else []
    else:
        with engine(url).begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {target}")
            connection.exec_driver_sql(f"CREATE DATABASE {target}")
            for name in ("meta", "events", "issues", "issue_lines", "pledges"):
                here = f"{schema or source}.{prefix}{name}"
                there = f"{target}.{prefix}{name}"
                connection.exec_driver_sql(f"CREATE TABLE {there} LIKE {here}")
                connection.exec_driver_sql(f"INSERT INTO {there} SELECT * FROM {here}")
        copied = plain
        extra = [f"banshishi_schema={target}"]
    if prefix:
        extra.append(f"banshishi_prefix={prefix}")
    joiner = "&" if "?" in copied else "?"
    return copied + (joiner + "&".join(extra) if extra else "")


def drop_copy(url: str) -> None:
    """Drop the copy :func:`copy_of` made."""
    parsed = make_url(split_url(url)[0])
    if kind(url) == "postgresql":
        admin = create_engine_autocommit(parsed.set(database="postgres"))
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {parsed.database}")
        admin.dispose()
    else:
        schema = tables(url)[0]
        with engine(url).begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {schema}")


def create_engine_autocommit(url: Any) -> Any:
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def scratch(url: str, prefix: str) -> str:
    """``url`` with its tables named ``prefix`` instead: a scratch ledger beside it."""
    plain, schema, _ = split_url(url)
    extra = [f"banshishi_prefix={prefix}"] + ([f"banshishi_schema={schema}"] if schema else [])
    return plain + ("&" if "?" in plain else "?") + "&".join(extra)


def bare_rates(url: str, batches: list[list[tuple[Any, ...]]]) -> list[float]:
    """Each batch of event rows inserted into a bare table (no checks, no chain, no
    lines) in one transaction, by COPY on PostgreSQL and a multi-row insert on
    MariaDB: events a second, per batch."""
    name = table(url, "bare_events")
    text = "TEXT" if kind(url) == "postgresql" else "LONGTEXT"
    columns = (
        f"seq BIGINT PRIMARY KEY, subject VARCHAR(255), record_id VARCHAR(255), version BIGINT, "
        f"at {text}, at_us BIGINT, name {text}, actor {text}, unit VARCHAR(255), role {text}, "
        f"from_status {text}, to_status {text}, note {text}, data {text}"
    )
    rates = []
    with engine(url).connect() as connection:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        charset = "" if kind(url) == "postgresql" else " DEFAULT CHARSET=utf8mb4"
        connection.exec_driver_sql(f"CREATE TABLE {name} ({columns}){charset}")
        connection.commit()
        raw: Any = connection.connection.driver_connection
        for rows in batches:
            started = time.perf_counter()
            if kind(url) == "postgresql":
                with raw.cursor() as cursor, cursor.copy(f"COPY {name} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(rows[0]))
                with raw.cursor() as cursor:
                    cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
            raw.commit()
            rates.append(len(rows) / (time.perf_counter() - started))
        connection.exec_driver_sql(f"DROP TABLE {name}")
        connection.commit()
    return rates


def shown(url: str) -> str:
    """``url`` as it may be printed: without a password."""
    return shown_location(url)
