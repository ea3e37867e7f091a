"""What the issue ledger and the pledge ledger share: rows kept by id, each moved
by the bulk engine through its workflow's table, and read back as records.
Library-internal base; the ledgers are the public classes."""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar

from pendulum import DateTime

from ._actor import Actor
from ._command import Command, PledgeCommand, Refusal
from ._engine import advance, collector_paused, entry_of, events_of
from ._errors import BanshishiError, DuplicateError, InvalidTypeError, NotFoundError
from ._event import Event
from ._machine import RecordMachine
from ._policy import DEFAULT_POLICY, WorkflowPolicy, check_policy
from ._status import Status
from ._time import Clock, SystemClock, check_clock
from ._transition_table import Rule


class Book:
    """Records by id, moved through ``machine``'s steps in bulk."""

    machine: ClassVar[type[RecordMachine]]
    table: ClassVar[Mapping[tuple[Status, str], tuple[Rule, ...]]]
    noun: ClassVar[str]
    """What a record is called in errors: "issue", "pledge"."""
    fields: ClassVar[tuple[str, ...]]
    row_type: ClassVar[Callable[[], Any]]
    creation: ClassVar[Callable[..., Event]]

    def __init__(
        self, *, policy: WorkflowPolicy = DEFAULT_POLICY, clock: Clock | None = None
    ) -> None:
        name = type(self).__name__
        check_policy(policy, field=f"{name}.policy")
        check_clock(clock, field=f"{name}.clock")
        self.policy = policy
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._rows: dict[str, Any] = {}

    def _insert(self, record: Any, history: list[Any]) -> None:
        record_type = self.machine.record_type.__name__
        if record.id in self._rows:
            raise DuplicateError(
                field=f"{record_type}.id", value=record.id, problem="is already on the ledger"
            )
        row = type(self).row_type()
        for name in self.fields:
            setattr(row, name, getattr(record, name))
        row.history = history
        self._rows[record.id] = row

    def _add(self, record: Any) -> None:
        history: list[Any] = []
        for event in record.history:
            history += entry_of(event)
        self._insert(record, history)

    def _apply(
        self,
        record_id: str,
        event: str,
        actor: Actor,
        at: DateTime | None,
        note: str,
        args: Mapping[str, Any],
    ) -> Any:  # the row's status type: IssueStatus or PledgeStatus
        row = self._rows.get(record_id) if type(record_id) is str else None
        if row is None:
            row = self._row(record_id)
        moment = self.clock.now() if at is None else at
        return advance(
            row,
            event,
            actor,
            moment,
            note,
            args,
            machine=self.machine,
            table=self.table,
            policy=self.policy,
        )

    def _apply_many(
        self, commands: Iterable[Command | PledgeCommand], command_type: type
    ) -> tuple[Refusal, ...]:
        refused: list[Refusal] = []
        apply = self._apply
        id_field = f"{self.noun}_id"
        with collector_paused():
            for index, command in enumerate(commands):
                if type(command) is not command_type:
                    raise InvalidTypeError(
                        field=f"commands[{index}]",
                        value=command,
                        problem=f"must be a {command_type.__name__}",
                    )
                try:
                    apply(
                        getattr(command, id_field),
                        command.event,
                        command.actor,
                        command.at,
                        command.note,
                        command.args,
                    )
                except BanshishiError as error:
                    refused.append(Refusal(index=index, command=command, error=error))
        return tuple(refused)

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._rows

    def __iter__(self) -> Iterator[str]:
        """The ids of the records, in the order they were put on the ledger."""
        return iter(self._rows)

    def _counts(self) -> Counter[Any]:
        return Counter(row.status for row in self._rows.values())

    def _row(self, record_id: str) -> Any:
        try:
            return self._rows[record_id]
        except (KeyError, TypeError):
            raise NotFoundError(
                field=f"{self.noun}_id", value=record_id, problem="is not on the ledger"
            ) from None

    def _record(self, record_id: str) -> Any:
        row = self._row(record_id)
        fields = {name: getattr(row, name) for name in self.fields}
        fields["history"] = self._events(row)
        return self.machine.record_type(**fields)

    def _events(self, row: Any, start: int = 0) -> tuple[Event, ...]:
        return events_of(row, self.machine, type(self).creation, start=start)
