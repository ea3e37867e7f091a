"""The pytest plugin: server suites skipped outside CI and failed under it, the summary
that says which ran, the frozen clock and the temporary ledger store.

The plugin is installed (entry point ``banshishi``), so this session has its fixtures,
and so has every inner session that ``pytester`` runs.
"""

from collections.abc import Callable

import pendulum
import pytest
import sqlalchemy
from hypothesis import given
from hypothesis import strategies as st

from banshishi import Actor, Channel, FixedClock, Issue, IssueStatus, LedgerStore, Role, Urgency
from banshishi.testing.plugin import DEFAULT_MOMENT, _fresh_schema, kind_of_url, under_ci

pytest_plugins = ["pytester"]

ASKS_FOR_POSTGRESQL = """
def test_on_postgresql(banshishi_database_url):
    url = banshishi_database_url("postgresql")
    assert url.startswith("postgresql")
"""

NO_SERVERS = "--banshishi-servers=none"
GIVEN = "postgresql+psycopg://someone@/ledger?host=/nowhere"


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester whose sessions see no database URL and no CI of ours."""
    for name in ("CI", "BANSHISHI_TEST_DB", "BANSHISHI_TEST_SERVERS"):
        monkeypatch.delenv(name, raising=False)
    return pytester


# -- skipped, or failed under CI ---------------------------------------------------------------


@pytest.mark.parametrize("ci", ["", "0", "false", "FALSE"])
def test_without_a_server_a_server_suite_is_skipped_and_the_summary_says_why(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    inner.makepyfile(ASKS_FOR_POSTGRESQL)
    result = inner.runpytest(NO_SERVERS, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*banshishi database servers*",
            "postgresql: SKIPPED, no postgresql URL given, and throwaway servers are turned off"
            " (--banshishi-servers=none)",
            "server suites not run: postgresql",
        ]
    )


@pytest.mark.parametrize("ci", ["1", "true", "yes"])
def test_under_ci_a_server_suite_without_its_server_fails(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    inner.makepyfile(ASKS_FOR_POSTGRESQL)
    result = inner.runpytest(NO_SERVERS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*no postgresql URL given*(CI is set: a server suite must run, not be skipped)*",
            "postgresql: FAILED, no postgresql URL given*",
            "server suites not run: postgresql",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_the_variable_turns_the_throwaway_servers_off_too(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANSHISHI_TEST_SERVERS", "mariadb")
    inner.makepyfile(ASKS_FOR_POSTGRESQL)
    result = inner.runpytest()
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["postgresql: SKIPPED, *throwaway servers are turned off (BANSHISHI_TEST_SERVERS=mariadb)"]
    )


def test_an_unknown_kind_of_server_is_a_usage_error(inner: pytest.Pytester) -> None:
    inner.makepyfile(ASKS_FOR_POSTGRESQL)
    result = inner.runpytest("--banshishi-servers=oracle")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--banshishi-servers=oracle: unknown kind 'oracle'*"])


# -- a given URL -------------------------------------------------------------------------------


@pytest.mark.parametrize("through", ["option", "variable"])
def test_a_given_url_serves_its_dialect_and_the_summary_says_all_ran(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, through: str
) -> None:
    inner.makepyfile(
        f"""
        def test_given(banshishi_database_url, banshishi_servers):
            assert banshishi_database_url("postgresql") == {GIVEN!r}
            assert banshishi_servers.source("postgresql") == "given"
            assert banshishi_servers["mariadb"] is None
            assert "throwaway servers are turned off" in banshishi_servers.reason("mariadb")
            assert dict(banshishi_servers) == {{"postgresql": {GIVEN!r}, "mariadb": None}}
        """
    )
    if through == "variable":
        monkeypatch.setenv("BANSHISHI_TEST_DB", GIVEN)
        result = inner.runpytest(NO_SERVERS)
    else:
        result = inner.runpytest(NO_SERVERS, f"--banshishi-db={GIVEN}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["postgresql: ran on the given database server", "all server suites ran"]
    )
    assert "mariadb:" not in result.stdout.str()  # nobody asked for it


def test_a_session_that_asks_for_no_server_prints_no_server_summary(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile("def test_plain():\n    assert True\n")
    result = inner.runpytest(NO_SERVERS)
    result.assert_outcomes(passed=1)
    assert "banshishi database servers" not in result.stdout.str()


def test_each_dialect_names_its_kind_of_server() -> None:
    assert kind_of_url("postgresql+psycopg://a@/b") == "postgresql"
    assert kind_of_url("postgres://a@h/b") == "postgresql"
    assert kind_of_url("mysql+pymysql://root@localhost/b") == "mariadb"
    assert kind_of_url("mariadb+mariadbconnector://root@h/b") == "mariadb"
    assert kind_of_url("sqlite:///ledger.db") is None


@given(st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=8))
def test_ci_is_set_by_any_value_but_empty_zero_and_false(value: str) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("CI", value)
        assert under_ci() == (value.strip().lower() not in ("", "0", "false"))


# -- the frozen clock and the ledger store -----------------------------------------------------


def test_the_frozen_clock_stands_at_a_monday_morning_in_shanghai(frozen_clock: FixedClock) -> None:
    assert frozen_clock.now() == DEFAULT_MOMENT
    assert frozen_clock.now().timezone_name == "Asia/Shanghai"
    assert frozen_clock.now().isoformat() == "2026-05-11T09:00:00+08:00"
    assert frozen_clock.advance(hours=1).now() == DEFAULT_MOMENT.add(hours=1)


@pytest.mark.frozen_at("2026-10-08T17:30:00+08:00[Asia/Shanghai]")
def test_a_marker_moves_the_frozen_clock(frozen_clock: FixedClock) -> None:
    assert frozen_clock.now() == pendulum.datetime(2026, 10, 8, 17, 30, tz="Asia/Shanghai")


@pytest.mark.parametrize(
    "frozen_clock", [pendulum.datetime(2027, 1, 4, 8, tz="Asia/Shanghai")], indirect=True
)
def test_a_parameter_moves_the_frozen_clock(frozen_clock: FixedClock) -> None:
    assert frozen_clock.now().isoformat() == "2027-01-04T08:00:00+08:00"


def test_a_naive_moment_for_the_frozen_clock_is_refused(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import datetime, pytest

        @pytest.mark.frozen_at(datetime.datetime(2026, 5, 11, 9))
        def test_naive(frozen_clock):
            pass
        """
    )
    result = inner.runpytest(NO_SERVERS)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*NaiveDatetimeError: frozen_at has no time zone*"])


def test_the_ledger_store_keeps_an_issue_on_the_frozen_clock(
    ledger_store: LedgerStore, frozen_clock: FixedClock
) -> None:
    clerk = Actor(id="c-1", role=Role.INTAKE_CLERK, unit="centre")
    dispatcher = Actor(id="d-1", role=Role.DISPATCHER, unit="centre")
    issue = Issue(
        id="A-1",
        title="路灯不亮",
        channel=Channel.HOTLINE,
        urgency=Urgency.URGENT,
        received_at=frozen_clock.now().subtract(hours=1),
        received_by="centre",
    )
    ledger_store.receive(issue, actor=clerk)
    frozen_clock.advance(minutes=30)
    ledger_store.apply("A-1", "transfer", actor=dispatcher, unit="street-office")
    stored = ledger_store.issue("A-1")
    assert (stored.title, stored.status, stored.responsible_unit) == (
        "路灯不亮",
        IssueStatus.TRANSFERRED,
        "street-office",
    )
    assert ledger_store.history("A-1")[-1].at == DEFAULT_MOMENT.add(minutes=30)
    assert ledger_store.version("A-1") == 2


def test_the_ledger_store_is_an_sqlite_file_in_the_test_s_folder(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        def test_where(ledger_store, tmp_path):
            assert type(ledger_store.store).__name__ == "SqliteEventStore"
            assert (tmp_path / "ledger.db").is_file()

        def test_empty(ledger_store):
            assert list(ledger_store.issues()) == []
        """
    )
    inner.runpytest(NO_SERVERS).assert_outcomes(passed=2)


# -- the ledger store on a given database ------------------------------------------------------


def _count(url: str, name: str) -> int:
    """How many schemas (databases, on MariaDB) named ``name`` the server has."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    query = "SELECT count(*) FROM information_schema.schemata WHERE schema_name = :name"
    try:
        with engine.connect() as db:
            return int(db.execute(sqlalchemy.text(query), {"name": name}).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_a_store_on_a_server_gets_a_schema_of_its_own_dropped_afterwards(
    banshishi_database_url: Callable[[str], str], kind: str
) -> None:
    url = banshishi_database_url(kind)
    with _fresh_schema(url) as first, _fresh_schema(url) as second:
        assert first is not None
        assert second is not None
        assert first != second
        assert first.startswith("banshishi_test_")
        assert _count(url, first) == _count(url, second) == 1
    assert _count(url, first) == _count(url, second) == 0


def _schemas(url: str) -> set[str]:
    """The schemas (databases, on MariaDB) the plugin made that are still there."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.NullPool)
    try:
        with engine.connect() as db:
            names = sqlalchemy.inspect(db).get_schema_names()
        return {name for name in names if name.startswith("banshishi_test_")}
    finally:
        engine.dispose()


def test_on_another_dialect_no_schema_is_made() -> None:
    with _fresh_schema("sqlite:///ignored.db") as schema:
        assert schema is None


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_given_a_url_the_ledger_store_is_kept_there_in_a_schema_dropped_afterwards(
    inner: pytest.Pytester, banshishi_database_url: Callable[[str], str], kind: str
) -> None:
    url = banshishi_database_url(kind)
    inner.makepyfile(
        f"""
from banshishi.store import SqlEventStore
from banshishi.testing.plugin import kind_of_url

def test_uses(ledger_store):
    assert isinstance(ledger_store.store, SqlEventStore)
    assert kind_of_url(ledger_store.store.where) == {kind!r}
    assert "(schema banshishi_test_" in ledger_store.store.where
    assert list(ledger_store.issues()) == []
    assert ledger_store.verify()
"""
    )
    before = _schemas(url)
    inner.runpytest(f"--banshishi-db={url}").assert_outcomes(passed=1)
    assert _schemas(url) == before


def test_under_pytest_xdist_the_controller_says_which_server_suites_ran(
    inner: pytest.Pytester,
) -> None:
    inner.makepyfile(ASKS_FOR_POSTGRESQL)
    result = inner.runpytest("-p", "xdist", "-n", "2", NO_SERVERS)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*postgresql: SKIPPED, no postgresql URL given*", "server suites not run: postgresql"]
    )
