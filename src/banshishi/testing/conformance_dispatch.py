"""Conformance: the levels of dispatch (二级/三级承办) counted by the backend.

Each issue's line carries its dispatches, and the backend keeps them one row
each; the figures of each level as of any moment are those
:func:`dispatch_figures` counts over the issues rebuilt from their events, a
dispatch line changed behind the store's back is found by ``verify``, and the
sweep owes each open dispatch due soon or overdue one reminder per level; its
reminders, written with no events, keep the order they were owed in.
"""

import datetime as dt

from banshishi import LedgerStore, Message, MessageKind, dispatch_figures

from .backend import StoreBackend
from .conformance_cases import HANDLERS, UNITS, URGE_AT, open_ledger, transferred

_DAY = dt.timedelta(days=1)


def _chains(store: LedgerStore) -> list[str]:
    """Four issues handed down: two levels answered up (one late), one handed
    back, one left open past its deadline."""
    issues = transferred(store, range(4))
    for n, issue in enumerate(issues):
        lead, second, third = (UNITS[(n + k) % len(UNITS)] for k in range(3))
        at = issue.received_at + dt.timedelta(hours=2)
        store.apply(issue.id, "sign_for", actor=HANDLERS[lead], at=at)
        store.apply(
            issue.id, "dispatch", actor=HANDLERS[lead], at=at, unit=second, due=at + 9 * _DAY
        )
        if n == 3:
            continue  # left open at level 2
        store.apply(issue.id, "dispatch", actor=HANDLERS[second], at=at + _DAY, unit=third,
                    due=at + 5 * _DAY)  # fmt: skip
        if n == 2:
            store.apply(issue.id, "hand_back", actor=HANDLERS[third], at=at + 2 * _DAY,
                        note="不属本单位")  # fmt: skip
            continue
        answered = at + (3 if n == 0 else 7) * _DAY  # issue 1's third level answers late
        store.apply(issue.id, "report_up", actor=HANDLERS[third], at=answered, answer="已办理")
        store.apply(issue.id, "report_up", actor=HANDLERS[second], at=answered + _DAY,
                    answer="经核实已办理")  # fmt: skip
    return [issue.id for issue in issues]


def test_each_level_of_dispatch_is_counted_as_the_python_path(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        _chains(store)
        issues = list(store.issues())
        times = sorted({event.at for issue in issues for event in issue.history})
        moments = [t + dt.timedelta(microseconds=d) for t in times for d in (-1, 0)]
        for moment in [*moments, times[-1] + 30 * _DAY]:
            assert store.dispatch_figures(as_of=moment) == dispatch_figures(issues, moment)
        figures = store.dispatch_figures(at=times[-1] + 30 * _DAY)
        assert [(f.level, f.dispatched, f.answered, f.handed_back, f.overdue)
                for f in figures.values()] == [(2, 4, 2, 0, 2), (3, 3, 2, 1, 0)]  # fmt: skip
        assert figures[3].answered_on_time == 1
        assert store.verify()
        assert store.verify(deep=True)
    table = conformance_backend.table("dispatch_lines")
    conformance_backend.execute(f"UPDATE {table} SET answered_us = NULL WHERE level = 3")
    with open_ledger(conformance_backend) as store:
        report = store.verify()
        assert not report
        assert "dispatch lines" in report.problem


def test_the_sweep_reminds_each_open_dispatch_once_per_level(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        ids = _chains(store)
        for _ in range(2):
            store.sweep(at=URGE_AT)
        kinds = (MessageKind.DISPATCH_DUE_SOON, MessageKind.DISPATCH_OVERDUE)
        reminded = [m for m in store.pending_messages() if m.kind in kinds]
        # Open past their deadlines: issue 2's second level and issue 3's.
        assert sorted((m.record_id, m.kind, m.recipient) for m in reminded) == sorted(
            (ids[n], MessageKind.DISPATCH_OVERDUE, UNITS[(n + 1) % len(UNITS)]) for n in (2, 3)
        )


def test_messages_written_with_no_events_keep_the_order_they_were_owed_in(
    conformance_backend: StoreBackend,
) -> None:
    with open_ledger(conformance_backend) as store:
        (issue,) = transferred(store, range(1))
        owed = store.pending_messages()

        def reminder(n: int) -> Message:
            return Message(
                id=f"r{n}", record_id=issue.id, kind=MessageKind.DISPATCH_OVERDUE,
                recipient=UNITS[1], text=f"第{n}次提醒", created_at=URGE_AT + n * _DAY,
            )  # fmt: skip

        head = store.head()
        for first in (1, 3):  # two writes of no events, as two sweeps make
            store.store.append([], messages=[reminder(first), reminder(first + 1)])
        assert store.head() == head  # the chain is as it was
        assert [m.id for m in store.pending_messages()] == [
            *(m.id for m in owed),
            "r1",
            "r2",
            "r3",
            "r4",
        ]
