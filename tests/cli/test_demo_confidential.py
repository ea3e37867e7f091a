"""The demo's confidential reports (保密件) are withheld from its event export
unless ``--include-confidential``: a withheld export cannot be imported, and the
full one moves the ledger whole."""

import csv
from pathlib import Path

import pytest

from banshishi import LedgerStore
from cli_demo import cli


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo-confidential") / "ledger.db"
    assert cli("demo", "--db", path, "--issues", "400", "--seed", "5").code == 0
    return path


def test_the_demo_export_withholds_its_confidential_reports_unless_asked(
    demo: Path, tmp_path: Path
) -> None:
    with LedgerStore.open(demo, read_only=True) as store:
        secret = [issue for issue in store.issues() if issue.confidential]
    assert secret, "the demo takes some reports in as confidential"
    withheld, whole = tmp_path / "withheld.csv", tmp_path / "whole.csv"
    assert cli("export", "--db", demo, "-o", withheld).code == 0
    assert cli("export", "--db", demo, "-o", whole, "--include-confidential").code == 0
    ids = {issue.id: issue for issue in secret}

    def rows_of(path: Path) -> list[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as file:
            return [row for row in csv.DictReader(file) if row["record_id"] in ids]

    held_rows, whole_rows = rows_of(withheld), rows_of(whole)
    assert len(held_rows) == len(whole_rows) >= 2 * len(secret)
    for held, kept in zip(held_rows, whole_rows, strict=True):
        issue = ids[held["record_id"]]
        assert '"withheld":true' in held["data"]
        assert '"withheld"' not in kept["data"]
        if held["name"] == "receive":
            assert issue.description not in held["data"]
            assert issue.description in kept["data"]
    refused = cli("import", withheld, "--db", tmp_path / "a.db")
    assert refused.code == 2
    assert "--include-confidential" in refused.err
    moved = cli("import", whole, "--db", tmp_path / "b.db")
    assert moved.code == 0, moved.err
