"""Every export command withholds a confidential issue (保密件) unless
``--include-confidential``; ``disclose`` never lists one."""

from pathlib import Path

import pytest

from banshishi import LedgerStore
from cast import CLERK_C1, new_issue
from cli_helpers import run

SECRET = "举报某店售假"

EXPORTS = (
    ("export",),
    ("ledger-file", "export"),
    ("open311", "export", "--extended"),
)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.receive(new_issue("secret", title=SECRET, confidential=True), actor=CLERK_C1)
        store.receive(new_issue("open", title="路灯不亮"), actor=CLERK_C1)
    return path


@pytest.mark.parametrize("command", EXPORTS)
def test_an_export_withholds_a_confidential_issue_unless_asked(capsys, ledger, command) -> None:
    code, out, _ = run(capsys, *command, "--db", ledger)
    assert code == 0
    assert SECRET not in out
    assert "路灯不亮" in out
    code, out, _ = run(capsys, *command, "--db", ledger, "--include-confidential")
    assert code == 0
    assert SECRET in out


def test_disclose_never_lists_a_confidential_issue(capsys, ledger) -> None:
    code, out, _ = run(capsys, "disclose", "issues", "--db", ledger, "--format", "csv")
    assert code == 0
    assert "路灯不亮" in out
    assert SECRET not in out
    assert "secret" not in out
