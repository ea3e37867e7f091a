"""``banshishi import`` into a new ledger writes in batches, with progress, and
still makes the ledger whole or not at all."""

import pytest

from banshishi import LedgerStore, StoreError
from banshishi._cli import main as cli_main
from cli_demo import cli


@pytest.fixture(scope="module")
def exported(simulated, tmp_path_factory):
    campaign = simulated(issues=60, seed=9)
    folder = tmp_path_factory.mktemp("batches")
    source = folder / "source.db"
    with LedgerStore.open(source, create=True, policy=campaign.policy) as store:
        store.save_units(campaign.units, at=campaign.start)
        store.write_ledgers(campaign.ledger, campaign.pledges)
    path = folder / "events.csv"
    assert cli("export", "--db", source, "-o", path, "--include-confidential").code == 0
    return path


def test_a_new_ledger_is_written_in_batches_and_gives_the_same_export(
    exported, tmp_path, monkeypatch
):
    calls = []
    write = LedgerStore.write_histories

    def counted(self, histories, **extra):
        calls.append(len(histories))
        return write(self, histories, **extra)

    monkeypatch.setattr(cli_main, "IMPORT_BATCH", 7)
    monkeypatch.setattr(LedgerStore, "write_histories", counted)
    db = tmp_path / "imported.db"
    run = cli("import", exported, "--db", db)
    assert run.code == 0, run.err
    records = sum(calls)
    assert len(calls) == -(-records // 7) > 1
    assert all(n == 7 for n in calls[:-1])
    assert f"importing {records:,} records" in run.err
    again = tmp_path / "again.csv"
    assert cli("export", "--db", db, "-o", again, "--include-confidential").code == 0
    assert again.read_bytes() == exported.read_bytes()
    assert cli("verify", "--db", db, "--deep").code == 0


def test_a_batch_refused_half_way_leaves_no_ledger(exported, tmp_path, monkeypatch):
    write = LedgerStore.write_histories
    calls = []

    def failing(self, histories, **extra):
        calls.append(len(histories))
        if len(calls) == 3:
            raise StoreError(field="batch", value=3, problem="failed on purpose")
        return write(self, histories, **extra)

    monkeypatch.setattr(cli_main, "IMPORT_BATCH", 7)
    monkeypatch.setattr(LedgerStore, "write_histories", failing)
    db = tmp_path / "imported.db"
    run = cli("import", exported, "--db", db)
    assert run.code != 0
    assert "failed on purpose" in run.err
    assert not db.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
