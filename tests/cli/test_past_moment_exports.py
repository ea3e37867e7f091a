"""An export made now about a past moment (``--as-of``) withholds an issue that is
confidential now, though it was not marked then; and one marked then stays
withheld though the mark was lifted since (withheld if marked then OR now)."""

from pathlib import Path

import pytest

from banshishi import LedgerStore
from cast import CLERK_C1, DISPATCHER_D1, T0, new_issue
from cli_helpers import run

SECRET = "举报某店售假"
THEN = T0.add(days=1)  # the moment every export here is as of
EXPORTS = (
    ("disclose", "issues", "--format", "csv"),
    ("ledger-file", "export"),
    ("open311", "export", "--extended"),
)


def mark(store: LedgerStore, step: str, at_hours: int) -> None:
    store.apply("secret", step, actor=DISPATCHER_D1, at=T0.add(hours=at_hours), note="涉密")


@pytest.fixture(params=["marked since", "unmarked since"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """ "secret" was received in the clear and marked after THEN, or marked before
    THEN and unmarked after it; "open" never was."""
    path = tmp_path / "ledger.db"
    with LedgerStore.open(path, create=True) as store:
        store.receive(new_issue("secret", title=SECRET), actor=CLERK_C1)
        store.receive(new_issue("open", title="路灯不亮"), actor=CLERK_C1)
        if request.param == "marked since":
            mark(store, "mark_confidential", 48)
        else:
            mark(store, "mark_confidential", 2)
            mark(store, "unmark_confidential", 48)
    return path


@pytest.mark.parametrize("command", EXPORTS, ids=lambda command: command[0])
def test_an_export_as_of_a_past_moment_withholds_what_is_confidential_then_or_now(
    capsys, ledger, command
) -> None:
    code, out, _ = run(capsys, *command, "--db", ledger, "--as-of", THEN.isoformat())
    assert code == 0
    assert "路灯不亮" in out
    assert SECRET not in out
    if command[0] == "disclose":
        assert "secret" not in out


@pytest.mark.parametrize("command", EXPORTS[1:], ids=lambda command: command[0])
def test_an_unmasked_exchange_as_of_a_past_moment_still_carries_the_issue_whole(
    capsys, ledger, command
) -> None:
    code, out, _ = run(
        capsys, *command, "--db", ledger, "--as-of", THEN.isoformat(), "--include-confidential"
    )
    assert code == 0
    assert SECRET in out
