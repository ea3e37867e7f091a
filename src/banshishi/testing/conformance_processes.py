"""Conformance: several processes on one store, and a writer killed in a batch.

Child processes open the store from the backend's picklable spec
(:func:`open_backend`), started with ``fork``. Two racing on one issue, having
both read the same version, end with one step written and a
:class:`ConcurrencyError` for the other, who reads again and retries; writers on
different issues lose nothing. A writer killed with SIGKILL while the backend
writes a batch (the kill comes as the backend reads the batch's last summary
line) leaves the batches before it whole and none of its own, and so does a
sweep killed in its third batch.
"""

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar, overload

from pendulum import DateTime

from banshishi import (
    BanshishiError,
    ChainReport,
    Command,
    LedgerStore,
    SlaLevel,
    Subject,
)
from banshishi.store import EventStore

from .backend import BackendSpec, StoreBackend, open_backend
from .conformance_cases import (
    CLERK,
    STEPS,
    SUPERVISOR,
    URGE_AT,
    looped,
    make_issue,
    open_ledger,
    transferred,
)

_FORK = multiprocessing.get_context("fork")
WAIT = 60.0
"""Seconds to wait for a child: far more than any takes."""


def _run(target: Callable[..., None], jobs: list[tuple[Any, ...]], results: Any) -> list[Any]:
    """Run ``target`` on each job in a process of its own; what each put in ``results``."""
    processes = [_FORK.Process(target=target, args=job) for job in jobs]
    for process in processes:
        process.start()
    try:
        outcomes = [results.get(timeout=WAIT) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=WAIT)
            if process.is_alive():
                process.kill()
                process.join()
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return outcomes


# -- racing on one issue ----------------------------------------------------------------


class BarrierClock:
    """A clock that, the first time it is asked, waits until every racer is there.

    The ledger asks the clock after it has read the issue and checked its version,
    and before it writes: so every racer has read the same version when the first
    of them writes."""

    def __init__(self, barrier: Any, moment: DateTime) -> None:
        self.barrier = barrier
        self.moment = moment
        self.waited = False

    def now(self) -> DateTime:
        if not self.waited:
            self.waited = True
            self.barrier.wait(timeout=WAIT)
        return self.moment


def _racer(
    spec: BackendSpec, issue_id: str, named: bool, barrier: Any, name: str, results: Any
) -> None:
    outcome: dict[str, Any] = {"name": name}
    try:
        clock = BarrierClock(barrier, URGE_AT)
        with LedgerStore(open_backend(spec), clock=clock) as store:
            given: dict[str, Any] = {"expected_version": 2} if named else {}
            try:
                store.apply(issue_id, "urge", actor=SUPERVISOR, note=f"urged by {name}", **given)
                outcome["first"] = ("ok", store.version(issue_id))
            except BanshishiError as error:
                outcome["first"] = (type(error).__name__, str(error))
                report = store.verify()
                outcome["after"] = (store.version(issue_id), report.intact, report.events)
                seen = store.version(issue_id)
                again: dict[str, Any] = {"expected_version": seen} if named else {}
                store.apply(issue_id, "urge", actor=SUPERVISOR, note=f"{name} again", **again)
                outcome["retry"] = store.version(issue_id)
    except BaseException as error:  # reported to the parent, which fails the test
        outcome["crash"] = repr(error)
    results.put(outcome)


def _race(backend: StoreBackend, named: bool) -> None:
    with open_ledger(backend) as store:
        (issue,) = transferred(store, [0])
    barrier, results = _FORK.Barrier(2), _FORK.Queue()
    jobs = [(backend.spec, issue.id, named, barrier, name, results) for name in ("A", "B")]
    outcomes = _run(_racer, jobs, results)
    assert all("crash" not in outcome for outcome in outcomes), outcomes
    assert sorted(o["first"][0] for o in outcomes) == ["ConcurrencyError", "ok"], outcomes
    (winner,) = (o for o in outcomes if o["first"][0] == "ok")
    (loser,) = (o for o in outcomes if o["first"][0] != "ok")
    assert winner["first"] == ("ok", 3)
    assert issue.id in loser["first"][1]
    assert loser["after"] == (3, True, 3)  # the winner's one event, and a sound chain
    assert loser["retry"] == 4
    with open_ledger(backend) as store:
        assert store.verify() == ChainReport(intact=True, events=4, head=store.head())
        notes = [event.note for event in store.history(issue.id)[2:]]
        assert notes == [f"urged by {winner['name']}", f"{loser['name']} again"]


def test_two_processes_naming_one_version_one_wins_the_other_retries(
    conformance_backend: StoreBackend,
) -> None:
    _race(conformance_backend, named=True)


def test_two_processes_on_one_issue_read_alike_one_wins_the_other_retries(
    conformance_backend: StoreBackend,
) -> None:
    _race(conformance_backend, named=False)


# -- writers on different issues --------------------------------------------------------

WRITERS = 3
OWN = 3
ROUNDS = 3


def _writer(spec: BackendSpec, numbers: list[int], barrier: Any, name: str, results: Any) -> None:
    outcome: dict[str, Any] = {"name": name, "written": 0}
    try:
        with LedgerStore(open_backend(spec)) as store:
            ids = [make_issue(n).id for n in numbers]
            barrier.wait(timeout=WAIT)
            for round_ in range(ROUNDS):
                at = URGE_AT.add(minutes=round_)
                for index, issue_id in enumerate(ids):
                    given = {"expected_version": 2 + round_} if index % 2 else {}
                    note = f"{name} {round_}"
                    store.apply(issue_id, "urge", actor=SUPERVISOR, at=at, note=note, **given)
                    outcome["written"] += 1
            at = URGE_AT.add(hours=1)
            batch = [
                Command(issue_id=i, event="urge", actor=SUPERVISOR, at=at, note=f"{name} batch")
                for i in ids
            ]
            outcome["written"] += store.apply_many(batch)
    except BaseException as error:  # reported to the parent, which fails the test
        outcome["crash"] = repr(error)
    results.put(outcome)


def test_writers_in_several_processes_lose_nothing(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        transferred(store, range(WRITERS * OWN))
    barrier, results = _FORK.Barrier(WRITERS), _FORK.Queue()
    jobs = [
        (conformance_backend.spec, list(range(w * OWN, (w + 1) * OWN)), barrier, f"w{w}", results)
        for w in range(WRITERS)
    ]
    outcomes = _run(_writer, jobs, results)
    assert all("crash" not in outcome for outcome in outcomes), outcomes
    assert [o["written"] for o in outcomes] == [OWN * (ROUNDS + 1)] * WRITERS
    with open_ledger(conformance_backend) as store:
        events = WRITERS * OWN * (2 + ROUNDS + 1)
        assert store.verify() == ChainReport(intact=True, events=events, head=store.head())
        assert [e.seq for e in store.store.events()] == list(range(1, events + 1))
        for w in range(WRITERS):
            for n in range(w * OWN, (w + 1) * OWN):
                history = store.history(make_issue(n).id)
                notes = [event.note for event in history[2:]]
                assert notes == [f"w{w} {r}" for r in range(ROUNDS)] + [f"w{w} batch"]
        assert {line.version for line in store.summaries()} == {2 + ROUNDS + 1}


# -- a writer killed in the middle of a batch -------------------------------------------

T = TypeVar("T")


class DyingItems(Sequence[T]):
    """A batch's items (its summary lines, its messages) that kill the process as
    the last one is read."""

    def __init__(self, items: Sequence[T], say: Connection) -> None:
        self._items = tuple(items)
        self._say = say

    def _die(self) -> None:
        self._say.send("dying")
        os.kill(os.getpid(), signal.SIGKILL)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        last = len(self._items) - 1
        if isinstance(index, slice):
            if last in range(len(self._items))[index]:
                self._die()
            return self._items[index]
        if index in (last, -1):
            self._die()
        return self._items[index]

    def __iter__(self) -> Iterator[T]:
        for index, item in enumerate(self._items):
            if index == len(self._items) - 1:
                self._die()
            yield item


class DyingStore:
    """The backend, whose appends after the first ``whole`` die half-way, as the
    last of what they write in ``field`` (``issues``, ``messages``) is read."""

    def __init__(self, store: EventStore, whole: int, say: Connection, field: str) -> None:
        self._store = store
        self._whole = whole
        self._say = say
        self._field = field
        self._calls = 0

    def append(self, appends: Sequence[Any], **lines: Any) -> int:
        self._calls += 1
        if self._calls > self._whole:
            lines[self._field] = DyingItems(lines.get(self._field, ()), self._say)
            self._say.send("appending")
        seq = self._store.append(appends, **lines)
        self._say.send(f"committed {self._calls}")
        return seq

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _dying_writer(spec: BackendSpec, say: Connection) -> None:
    store = LedgerStore(DyingStore(open_backend(spec), 2, say, "issues"))
    looped(store, range(4))  # two batches: the receipts, then every other step
    store.receive_many([make_issue(n) for n in range(100, 130)], actor=CLERK)
    say.send("finished")


def said_by_child(target: Callable[..., None], spec: BackendSpec) -> tuple[list[str], int | None]:
    """Run ``target(spec, say)`` in a child; what it said, and how it ended."""
    receiving, say = _FORK.Pipe(duplex=False)
    child = _FORK.Process(target=target, args=(spec, say))
    child.start()
    say.close()
    said: list[str] = []
    try:
        while receiving.poll(WAIT):
            said.append(receiving.recv())
    except EOFError:
        pass
    finally:
        child.join(timeout=WAIT)
        if child.is_alive():
            child.kill()
            child.join()
        receiving.close()
    return said, child.exitcode


def test_a_writer_killed_in_a_batch_leaves_the_batches_before_it(
    conformance_backend: StoreBackend,
) -> None:
    conformance_backend.open().close()  # the store made before the child opens it
    said, code = said_by_child(_dying_writer, conformance_backend.spec)
    assert code == -signal.SIGKILL, said
    assert said == ["committed 1", "committed 2", "appending", "dying"]
    with open_ledger(conformance_backend) as store:
        events = 4 * STEPS
        assert store.verify() == ChainReport(intact=True, events=events, head=store.head())
        assert len(list(store.store.events())) == events
        assert len(store.summaries()) == 4
        assert store.version(make_issue(100).id) == 0
        assert store.store.version(Subject.ISSUE, make_issue(129).id) == 0
        looped(store, range(4, 6))  # writing goes on where the last commit left it
        assert store.verify() == ChainReport(intact=True, events=6 * STEPS, head=store.head())


SWEPT = 20
BATCH = 6  # the child dies writing its third batch, after two whole ones


def _dying_sweeper(spec: BackendSpec, say: Connection) -> None:
    store = LedgerStore(DyingStore(open_backend(spec), 2, say, "issues"))
    store.sweep(at=URGE_AT, batch_size=BATCH)
    say.send("finished")


def _urges(store: LedgerStore) -> dict[str, int]:
    return {
        line.id: sum(event.name == "urge" for event in store.history(line.id))
        for line in store.summaries()
    }


def test_a_sweep_killed_half_way_leaves_whole_batches(conformance_backend: StoreBackend) -> None:
    with open_ledger(conformance_backend) as store:
        transferred(store, range(SWEPT))
    said, code = said_by_child(_dying_sweeper, conformance_backend.spec)
    assert code == -signal.SIGKILL, said
    assert said == ["committed 1", "committed 2", "appending", "dying"]
    with open_ledger(conformance_backend) as store:
        assert store.verify()
        urges = _urges(store)
        done = sorted(issue_id for issue_id, n in urges.items() if n)
        assert done == sorted(urges)[: 2 * BATCH]  # two whole batches, by id, each urged once
        assert set(urges.values()) == {0, 1}
        assert len(list(store.store.events())) == 2 * SWEPT + 2 * BATCH
        report = store.sweep(at=URGE_AT, batch_size=BATCH)
        assert report.counts()[SlaLevel.OVERDUE] == SWEPT
        assert sorted(report.urged) == sorted(urges)[2 * BATCH :]
        assert set(_urges(store).values()) == {1}
        assert store.verify().events == 3 * SWEPT
