"""The backend under test of the conformance suite: a store opened again from its
picklable spec, table names with prefix and schema, raw SQL, and no password shown."""

import pickle
from pathlib import Path

import pytest

from banshishi import ChainReport, InvalidValueError, LedgerStore
from banshishi.store import SqliteEventStore
from banshishi.testing.backend import TABLES, run_sql, run_sqlite
from banshishi.testing.conformance import (
    BackendSpec,
    StoreBackend,
    open_backend,
    sql_backend,
    sqlite_backend,
)
from reliability_cases import CLERK, make_issue

URL = "postgresql+psycopg://ledger:s3cret-pass@db.example:5432/city"


def test_a_child_opens_the_same_store_from_the_pickled_spec(tmp_path: Path) -> None:
    backend = sqlite_backend(tmp_path / "ledger.db")
    with LedgerStore(backend.open()) as store:
        store.receive(make_issue(1), actor=CLERK)
        head = store.head()
    spec = pickle.loads(pickle.dumps(backend.spec))
    assert spec == backend.spec
    again = open_backend(spec)
    try:
        assert isinstance(again, SqliteEventStore)
        assert again.head() == head
        assert again.verify() == ChainReport(intact=True, events=1, head=head)
    finally:
        again.close()
    backend.close()


def test_every_store_opened_is_the_same_store_and_closed_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with sqlite_backend(path) as backend:
        first, second = backend.open(), backend.open()
        LedgerStore(first).receive(make_issue(1), actor=CLERK)
        assert second.head() == first.head()
        assert backend.execute(f"SELECT count(*) FROM {backend.table('events')}") == [(1,)]
    with pytest.raises(Exception, match="closed"):
        first.head()


def test_sql_tables_carry_the_schema_and_the_prefix() -> None:
    backend = sql_backend(URL, schema="city", prefix="bs_")
    assert backend.name == "postgresql"
    assert [backend.table(name) for name in TABLES] == [
        "city.bs_events", "city.bs_issues", "city.bs_issue_lines", "city.bs_dispatch_lines",
        "city.bs_pledges", "city.bs_meta", "city.bs_outbox",
    ]  # fmt: skip
    assert backend.spec.cleanup == tuple(f"DROP TABLE IF EXISTS city.bs_{n}" for n in TABLES)
    assert dict(backend.spec.options) == {"schema": "city", "prefix": "bs_"}
    assert sql_backend(URL, prefix="t1_", drop=False).table("meta") == "t1_meta"
    assert sql_backend(URL, drop=False).spec.cleanup == ()


def test_no_repr_shows_the_password() -> None:
    backend = sql_backend(URL, prefix="bs_")
    assert "s3cret" not in repr(backend)
    assert "ledger:***@db.example" in repr(backend)
    assert "s3cret" not in repr(backend.spec)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"prefix": "bs-"}, "prefix"),
        ({"prefix": "1bs"}, "prefix"),
        ({"schema": "city; DROP TABLE x"}, "schema"),
    ],
)
def test_names_that_are_not_plain_identifiers_are_refused(
    arguments: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidValueError) as refused:
        sql_backend(URL, **arguments)
    assert refused.value.field == field


def test_a_table_that_is_not_the_stores_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError) as refused:
        sqlite_backend(tmp_path / "ledger.db").table("users")
    assert (refused.value.field, refused.value.value) == ("name", "users")


def test_raw_sql_through_sqlalchemy_reads_and_writes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with sqlite_backend(path) as backend:
        LedgerStore(backend.open()).receive(make_issue(1), actor=CLERK)
    url = f"sqlite:///{path}"
    assert run_sql(url, "SELECT record_id, version FROM events") == [(make_issue(1).id, 1)]
    assert run_sql(url, "UPDATE events SET note = 'changed' WHERE seq = 1") == []
    with LedgerStore.open(path) as store:
        assert not store.verify()


def test_a_spec_of_ones_own_opens_through_its_opener_and_cleans_up(tmp_path: Path) -> None:
    path = tmp_path / "own.db"
    spec = BackendSpec(
        opener=SqliteEventStore,
        target=str(path),
        runner=run_sqlite,
        cleanup=("CREATE TABLE cleaned (done INTEGER)",),
    )
    backend = StoreBackend(name="own", spec=spec)
    LedgerStore(backend.open()).receive(make_issue(1), actor=CLERK)
    backend.close()
    assert run_sqlite(str(path), "SELECT count(*) FROM cleaned") == [(0,)]
    assert run_sqlite(str(path), "SELECT count(*) FROM events") == [(1,)]
