"""What the server backend adds to the conformance suite: opening on a URL or an
engine, tables beside a system's own, refusing what is not a ledger, the
password never shown, writers told when another holds the chain too long."""

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
import sqlalchemy

from banshishi import (
    BanshishiError,
    InvalidValueError,
    LedgerStore,
    NotALedgerError,
    StoreBusyError,
    StoreError,
)
from banshishi._store.store_location import shown_location, split_url
from banshishi.store import SqlEventStore
from banshishi.testing.conformance import sql_backend
from reliability_cases import CLERK, make_issue

SERVERS = ["postgresql", "mariadb"]


@pytest.fixture(params=SERVERS)
def url(request: pytest.FixtureRequest, banshishi_database_url: Callable[[str], str]) -> str:
    return banshishi_database_url(request.param)


@pytest.fixture
def prefix(url: str) -> Iterator[str]:
    """A table prefix of this test's own; its tables dropped at the end."""
    name = f"t{uuid.uuid4().hex[:10]}_"
    yield name
    sql_backend(url, prefix=name).close()  # drops the ledger's tables


def raw(url: str, *statements: str) -> list[Any]:
    """Run ``statements`` on the database in one transaction; the last one's rows."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.begin() as db:
            rows: list[Any] = []
            for statement in statements:
                result = db.execute(sqlalchemy.text(statement))
                rows = list(result) if result.returns_rows else []
            return rows
    finally:
        engine.dispose()


def test_a_ledger_on_the_systems_engine_leaves_the_engine_to_the_system(
    url: str, prefix: str
) -> None:
    engine = sqlalchemy.create_engine(url)
    try:
        with LedgerStore(SqlEventStore(engine, prefix=prefix, create=True)) as store:
            store.receive(make_issue(1), actor=CLERK)
            assert store.verify()
        with engine.connect() as db:  # closing the store did not dispose of it
            count = db.execute(sqlalchemy.text(f"SELECT count(*) FROM {prefix}issues")).scalar()
        assert count == 1
    finally:
        engine.dispose()


def test_two_ledgers_live_side_by_side_by_prefix(url: str, prefix: str) -> None:
    other = f"{prefix}b_"
    try:
        with LedgerStore.open(url, create=True, prefix=prefix) as first:
            first.receive(make_issue(1), actor=CLERK)
        with LedgerStore.open(f"{url}&banshishi_prefix={other}", create=True) as second:
            second.receive(make_issue(2), actor=CLERK)
            second.receive(make_issue(3), actor=CLERK)
        with LedgerStore.open(url, prefix=prefix, read_only=True) as first:
            assert [line.id for line in first.summaries()] == [make_issue(1).id]
            assert first.verify()
        with LedgerStore.open(url, prefix=other, read_only=True) as second:
            assert sorted(line.id for line in second.summaries()) == [
                make_issue(2).id,
                make_issue(3).id,
            ]
            assert second.verify()
    finally:
        sql_backend(url, prefix=other).close()


def test_without_create_an_empty_database_holds_no_ledger(url: str, prefix: str) -> None:
    with pytest.raises(NotALedgerError, match="holds no banshishi ledger"):
        SqlEventStore(url, prefix=prefix)


def test_the_systems_own_tables_of_a_ledgers_name_are_refused_untouched(
    url: str, prefix: str
) -> None:
    raw(url, f"CREATE TABLE {prefix}events (id INTEGER)", f"INSERT INTO {prefix}events VALUES (7)")
    with pytest.raises(NotALedgerError, match="without its"):
        SqlEventStore(url, prefix=prefix, create=True)
    assert raw(url, f"SELECT id FROM {prefix}events") == [(7,)]


def test_a_ledger_of_a_newer_schema_or_a_lost_column_is_refused(url: str, prefix: str) -> None:
    SqlEventStore(url, prefix=prefix, create=True).close()
    quote = '"' if url.startswith("postgresql") else "`"
    raw(url, f"UPDATE {prefix}meta SET value = '99' WHERE {quote}key{quote} = 'schema'")
    with pytest.raises(NotALedgerError, match="newer than this banshishi reads"):
        SqlEventStore(url, prefix=prefix)
    raw(
        url,
        f"UPDATE {prefix}meta SET value = '3' WHERE {quote}key{quote} = 'schema'",
        f"ALTER TABLE {prefix}issues DROP COLUMN rating",
    )
    with pytest.raises(NotALedgerError, match="lacks the column rating"):
        SqlEventStore(url, prefix=prefix)


def test_an_id_longer_than_a_server_keeps_is_refused_before_anything_is_written(
    url: str, prefix: str
) -> None:
    with LedgerStore.open(url, create=True, prefix=prefix) as store:
        head = store.head()
        with pytest.raises(InvalidValueError, match="longer than the 255"):
            store.receive(attrs.evolve(make_issue(1), id="I" * 256), actor=CLERK)
        assert store.head() == head
        store.receive(attrs.evolve(make_issue(2), id="I" * 255), actor=CLERK)
        assert store.verify()


def test_a_ledger_opened_for_reading_refuses_every_write(url: str, prefix: str) -> None:
    SqlEventStore(url, prefix=prefix, create=True).close()
    with LedgerStore.open(url, prefix=prefix, read_only=True) as store:
        with pytest.raises(StoreError, match="reading only"):
            store.receive(make_issue(1), actor=CLERK)
        assert store.head().events == 0


def test_a_writer_held_up_past_its_timeout_is_told_the_ledger_is_busy(
    url: str, prefix: str
) -> None:
    store = LedgerStore(SqlEventStore(url, prefix=prefix, create=True, timeout=1))
    quote = '"' if url.startswith("postgresql") else "`"
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.begin() as holder:  # another writer, holding the chain's head
            holder.execute(
                sqlalchemy.text(
                    f"SELECT value FROM {prefix}meta WHERE {quote}key{quote} = 'head_seq' "
                    "FOR UPDATE"
                )
            )
            with pytest.raises(StoreBusyError, match="locked by another writer"):
                store.receive(make_issue(1), actor=CLERK)
        store.receive(make_issue(1), actor=CLERK)  # once it lets go, the write lands
        assert [line.id for line in store.summaries()] == [make_issue(1).id]
        assert store.verify()
    finally:
        store.close()
        engine.dispose()


def test_two_processes_making_one_ledger_at_once_make_one(url: str, prefix: str) -> None:
    errors: list[BaseException] = []

    def make() -> None:
        try:
            SqlEventStore(url, prefix=prefix, create=True).close()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=make) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert raw(url, f"SELECT count(*) FROM {prefix}meta WHERE value = 'banshishi-ledger'") == [(1,)]


@pytest.mark.parametrize(
    "location",
    [
        "postgresql+psycopg://clerk:s3cret@/hotline?host=/nonexistent-banshishi",
        "mysql+pymysql://clerk:s3cret@127.0.0.1:1/hotline",
    ],
)
def test_a_database_that_cannot_be_reached_is_named_without_its_password(location: str) -> None:
    with pytest.raises(StoreError) as refused:
        LedgerStore.open(location)
    assert "s3cret" not in str(refused.value)
    assert "***" in str(refused.value)


def test_the_password_comes_from_the_environment_and_is_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANSHISHI_DB_PASSWORD", "s3cret")
    with pytest.raises(StoreError) as refused:
        SqlEventStore("postgresql+psycopg://clerk@/hotline?host=/nonexistent-banshishi")
    assert "s3cret" not in str(refused.value)


def test_urls_name_the_ledgers_tables_and_print_without_a_password() -> None:
    given = (
        "postgresql+psycopg://u:pw@h:5432/db?banshishi_schema=s&sslmode=require&banshishi_prefix=p_"
    )
    assert split_url(given) == ("postgresql+psycopg://u:pw@h:5432/db?sslmode=require", "s", "p_")
    assert shown_location(given) == given.replace("u:pw@", "u:***@")
    assert shown_location("ledger.db") == "ledger.db"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"schema": "no such; schema"}, "schema"),
        ({"prefix": "bad-prefix"}, "prefix"),
        ({"timeout": -1}, "timeout"),
    ],
)
def test_bad_arguments_are_refused_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(BanshishiError) as refused:
        SqlEventStore("postgresql+psycopg://u@/db?host=/nonexistent-banshishi", **arguments)
    assert refused.value.field == field


def test_a_file_database_is_not_a_server_ledger(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(InvalidValueError, match="SqliteEventStore"):
        SqlEventStore(f"sqlite:///{tmp_path}/ledger.db")
