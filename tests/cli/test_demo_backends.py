"""The same seed's demo written to an SQLite file, PostgreSQL and MariaDB reads
back the same: the report as of a day and the export are byte for byte the
same, and so is the chain's head receipt (issue 20's "Done when")."""

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from banshishi.testing.conformance import sql_backend
from cli_demo import cli

ISSUES = "120"
SEED = "7"
AS_OF = "2026-02-15"


def _written(location: str, folder: Path) -> tuple[str, bytes, str]:
    """The demo into ``location``: its report as of AS_OF (JSON), its export, its head."""
    made = cli("demo", "--db", location, "--issues", ISSUES, "--seed", SEED)
    assert made.code == 0, made.err
    report = cli("report", "--db", location, "--as-of", AS_OF, "--format", "json")
    assert report.code == 0, report.err
    exported = folder / f"export-{uuid.uuid4().hex}.csv"
    export = cli("export", "--db", location, "--output", exported)
    assert export.code == 0, export.err
    verified = cli("verify", "--db", location)
    assert verified.code == 0, verified.err
    head = next(line for line in verified.out.splitlines() if line.startswith("head receipt"))
    return report.out, exported.read_bytes(), head


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_the_demo_reads_the_same_from_a_file_and_from_a_server(
    server: str, tmp_path: Path, banshishi_database_url: Callable[[str], str]
) -> None:
    url = banshishi_database_url(server)
    prefix = f"demo{uuid.uuid4().hex[:8]}_"
    located = f"{url}{'&' if '?' in url else '?'}banshishi_prefix={prefix}"
    try:
        in_file = _written(str(tmp_path / "demo.db"), tmp_path)
        in_server = _written(located, tmp_path)
        assert in_server[0] == in_file[0]
        assert json.loads(in_server[0])  # a report with rows, not two empty outputs
        assert in_server[1] == in_file[1]
        assert in_server[1].count(b"\n") > int(ISSUES)
        assert in_server[2] == in_file[2]
        again = cli("demo", "--db", located, "--issues", "10", "--replace")
        assert again.code == 2
        assert "already holds a ledger" in again.err
        assert in_server[2] in cli("verify", "--db", located).out  # untouched
    finally:
        sql_backend(url, prefix=prefix).close()  # drops the ledger's tables
