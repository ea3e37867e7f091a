"""The conformance suite: what every :class:`~banshishi.store.EventStore` backend
must pass, as pytest tests to import into a test module of your own.

The same tests run on SQLite, PostgreSQL and MariaDB in banshishi's own CI; run
them on a backend of yours, or on ``SqlEventStore`` over your system's database,
to know that :class:`~banshishi.LedgerStore` keeps its promises there. They cover
records written and read back, versions and :class:`~banshishi.ConcurrencyError`,
all-or-nothing batches, writers racing in several processes, the hash chain and
tampering behind the store's back, keyed chains and kept receipts, the versions
of the unit tree and of the policy, reads as of a past moment, every figure and
report compared with the Python path on simulated ledgers, the levels of
dispatch counted and reminded, the SLA sweep, a
writer killed with SIGKILL in the middle of a batch, and the outbox of messages
the steps owe (written with their events, killed or not; marked sent once).

Import the tests, and define a fixture ``store_backend`` that returns a
:class:`StoreBackend` for a fresh, empty store of the backend under test (the
suite closes what it opens)::

    # tests/test_ledger_backend.py
    import os
    import uuid

    import pytest

    from banshishi.testing.conformance import *  # noqa: F403
    from banshishi.testing.conformance import StoreBackend, sql_backend, sqlite_backend


    @pytest.fixture(params=["sqlite", "postgresql"])
    def store_backend(request, tmp_path) -> StoreBackend:
        if request.param == "sqlite":
            return sqlite_backend(tmp_path / "ledger.db")
        # A table prefix of the test's own, so that each test starts empty.
        return sql_backend(os.environ["LEDGER_TEST_URL"], prefix=f"t{uuid.uuid4().hex[:12]}_")

``pytest tests/test_ledger_backend.py`` then shows each test once per backend.
A backend of your own gets a :class:`BackendSpec`: a module-level function that
opens it (a child process opens the same store from the spec) and one that runs
SQL on its tables (the tampering tests). The suite takes a few seconds on SQLite;
it starts child processes with ``fork``.
"""

from collections.abc import Iterator

import pytest

from .backend import BackendSpec, StoreBackend, open_backend, sql_backend, sqlite_backend
from .conformance_chain import (
    test_a_change_behind_the_stores_back_is_found,
    test_a_healthy_chain_verifies_with_its_receipt,
    test_a_kept_receipt_holds_as_the_ledger_grows_and_sees_a_change,
    test_a_keyed_chain_opens_only_with_its_key,
    test_an_unkeyed_chain_refuses_a_key,
)
from .conformance_dispatch import (
    test_each_level_of_dispatch_is_counted_as_the_python_path,
    test_messages_written_with_no_events_keep_the_order_they_were_owed_in,
    test_the_sweep_reminds_each_open_dispatch_once_per_level,
)
from .conformance_figures import (
    test_every_figure_as_of_any_moment_is_the_python_paths,
    test_several_moments_in_one_pass_count_as_each_moment_alone,
    test_the_overdue_lines_of_a_moment_are_the_python_paths,
    test_the_periodic_report_is_the_python_paths,
    test_the_store_sweeps_as_the_ledger_does,
    test_the_summary_filters_are_the_python_paths,
)
from .conformance_outbox import (
    test_a_dispatch_chain_and_an_extension_write_what_they_owe,
    test_a_host_killed_after_delivering_and_before_marking_reads_them_again,
    test_a_host_that_stops_before_marking_reads_the_messages_again,
    test_a_ledger_made_before_the_outbox_gets_one_when_opened,
    test_a_refused_batch_writes_no_messages,
    test_a_writer_killed_writing_messages_leaves_neither_steps_nor_messages,
    test_each_step_writes_the_messages_it_owes,
    test_marking_sent_is_idempotent_and_refuses_an_unknown_id,
    test_the_answer_of_an_original_reaches_its_duplicates_requesters,
    test_the_sweep_owes_each_reminder_once_per_deadline,
)
from .conformance_processes import (
    test_a_sweep_killed_half_way_leaves_whole_batches,
    test_a_writer_killed_in_a_batch_leaves_the_batches_before_it,
    test_two_processes_naming_one_version_one_wins_the_other_retries,
    test_two_processes_on_one_issue_read_alike_one_wins_the_other_retries,
    test_writers_in_several_processes_lose_nothing,
)
from .conformance_records import (
    test_a_batch_with_a_refused_step_writes_nothing,
    test_a_campaign_written_reads_back_whole,
    test_a_duplicate_is_linked_only_to_its_original_as_read,
    test_a_stale_version_is_refused_and_writes_nothing,
    test_of_two_writers_the_one_with_a_stale_copy_is_refused_and_retries,
    test_receiving_an_issue_already_stored_is_a_duplicate,
    test_steps_through_the_store_take_and_refuse_what_the_ledger_does,
    test_the_backend_writes_a_batch_whole_or_not_at_all,
    test_the_policy_is_kept_in_versions,
    test_the_unit_tree_is_kept_in_versions,
)

__all__ = [
    "BackendSpec",
    "StoreBackend",
    "conformance_backend",
    "open_backend",
    "sql_backend",
    "sqlite_backend",
    "test_a_batch_with_a_refused_step_writes_nothing",
    "test_a_campaign_written_reads_back_whole",
    "test_a_change_behind_the_stores_back_is_found",
    "test_a_dispatch_chain_and_an_extension_write_what_they_owe",
    "test_a_duplicate_is_linked_only_to_its_original_as_read",
    "test_a_healthy_chain_verifies_with_its_receipt",
    "test_a_host_killed_after_delivering_and_before_marking_reads_them_again",
    "test_a_host_that_stops_before_marking_reads_the_messages_again",
    "test_a_kept_receipt_holds_as_the_ledger_grows_and_sees_a_change",
    "test_a_keyed_chain_opens_only_with_its_key",
    "test_a_ledger_made_before_the_outbox_gets_one_when_opened",
    "test_a_refused_batch_writes_no_messages",
    "test_a_stale_version_is_refused_and_writes_nothing",
    "test_a_sweep_killed_half_way_leaves_whole_batches",
    "test_a_writer_killed_in_a_batch_leaves_the_batches_before_it",
    "test_a_writer_killed_writing_messages_leaves_neither_steps_nor_messages",
    "test_an_unkeyed_chain_refuses_a_key",
    "test_each_level_of_dispatch_is_counted_as_the_python_path",
    "test_each_step_writes_the_messages_it_owes",
    "test_every_figure_as_of_any_moment_is_the_python_paths",
    "test_marking_sent_is_idempotent_and_refuses_an_unknown_id",
    "test_messages_written_with_no_events_keep_the_order_they_were_owed_in",
    "test_of_two_writers_the_one_with_a_stale_copy_is_refused_and_retries",
    "test_receiving_an_issue_already_stored_is_a_duplicate",
    "test_several_moments_in_one_pass_count_as_each_moment_alone",
    "test_steps_through_the_store_take_and_refuse_what_the_ledger_does",
    "test_the_answer_of_an_original_reaches_its_duplicates_requesters",
    "test_the_backend_writes_a_batch_whole_or_not_at_all",
    "test_the_overdue_lines_of_a_moment_are_the_python_paths",
    "test_the_periodic_report_is_the_python_paths",
    "test_the_policy_is_kept_in_versions",
    "test_the_store_sweeps_as_the_ledger_does",
    "test_the_summary_filters_are_the_python_paths",
    "test_the_sweep_owes_each_reminder_once_per_deadline",
    "test_the_sweep_reminds_each_open_dispatch_once_per_level",
    "test_the_unit_tree_is_kept_in_versions",
    "test_two_processes_naming_one_version_one_wins_the_other_retries",
    "test_two_processes_on_one_issue_read_alike_one_wins_the_other_retries",
    "test_writers_in_several_processes_lose_nothing",
]


@pytest.fixture
def conformance_backend(store_backend: StoreBackend) -> Iterator[StoreBackend]:
    """The ``store_backend`` you define, closed at the end of each test."""
    yield store_backend
    store_backend.close()
