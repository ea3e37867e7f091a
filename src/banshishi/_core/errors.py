"""The library's exceptions.

Every error banshishi raises on purpose descends from one root, and each kind also
inherits the built-in exception a caller would naturally catch for it::

    BanshishiError
    ├── InvalidValueError (ValueError)        a value a field cannot take
    │   ├── UnknownValueError                 not a member of a vocabulary
    │   ├── NaiveDatetimeError                a datetime without a time zone
    │   ├── InvalidCountError                 a negative count, or more done than due
    │   ├── ChronologyError                   times out of order (deadline before receipt)
    │   ├── InconsistentRecordError           fields that contradict each other
    │   └── HierarchyError                    a unit tree that is not a tree
    ├── InvalidTypeError (TypeError)          a value of the wrong type
    ├── DuplicateError (ValueError)           the same id twice
    ├── LedgerFileError (ValueError)          a ledger file (台账) with bad rows; nothing read
    ├── NotFoundError (KeyError)              an id nobody knows
    ├── UnknownYearError (LookupError)        a date in a year the work calendar has no data for
    ├── WorkflowError                         a workflow step that was refused
    │   ├── TransitionRefusedError            the step cannot follow the issue's status
    │   ├── RoleError (PermissionError)       the actor may not take this step
    │   └── PreconditionError                 something the step needs is missing
    └── StoreError                            the ledger store refused or could not read
        ├── NotALedgerError                   a file that is not a banshishi ledger
        ├── ChainKeyError                     a keyed chain's key missing, wrong or unwanted
        ├── ConcurrencyError                  a write against a stale version
        ├── BatchRefusedError                 one step of a batch refused; nothing written
        └── StoreBusyError                    another writer held the store too long

A refused workflow step leaves the issue exactly as it was.

Every error carries ``field`` (the dotted name of what was wrong, for example
``Issue.deadline``) and ``value`` (what was received), and its message names
both, so a log line is enough to find the bad record.
"""

from typing import final

import attrs


class BanshishiError(Exception):
    """Root of every error the library raises on purpose.

    ``field`` names what was wrong, ``value`` is what was received, ``problem``
    says what is wrong with it and ``hint`` (possibly empty) what to do instead.
    """

    field: str
    value: object
    problem: str
    hint: str

    def __init__(self, *, field: str, value: object, problem: str, hint: str = "") -> None:
        self.field = field
        self.value = value
        self.problem = problem
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.field} {self.problem}; got {_shown(self.value)}"
        return f"{text}. {self.hint}" if self.hint else text

    def __str__(self) -> str:
        # KeyError would otherwise print the repr of its argument.
        return self._message()

    def at(self, field: str) -> "BanshishiError":
        """Return a copy of this error re-addressed to ``field`` (same kind and value)."""
        return type(self)(field=field, value=self.value, problem=self.problem, hint=self.hint)


def _shown(value: object, limit: int = 200) -> str:
    """``repr(value)``, cut to ``limit`` characters; never raises, even for huge ints."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # int too long to print, or a self-referencing value
        text = f"<{type(value).__name__} too large to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class InvalidValueError(BanshishiError, ValueError):
    """A field received a value it cannot take."""


@final
class UnknownValueError(InvalidValueError):
    """A string or number that is not a member of one of the library's vocabularies."""


@final
class NaiveDatetimeError(InvalidValueError):
    """A datetime without a time zone; banshishi never guesses which zone was meant."""


@final
class InvalidCountError(InvalidValueError):
    """A negative count, or a numerator larger than its denominator."""


@final
class ChronologyError(InvalidValueError):
    """Times in the wrong order, such as a deadline before the issue was received."""


@final
class InconsistentRecordError(InvalidValueError):
    """Fields of one record that contradict each other, such as closed with no feedback."""


@final
class HierarchyError(InvalidValueError):
    """Units that do not form a tree: a cycle, or a child ranked above its parent."""


@final
class InvalidTypeError(BanshishiError, TypeError):
    """A field received a value of the wrong type."""


@final
class DuplicateError(BanshishiError, ValueError):
    """The same identifier appears twice where it must be unique."""


@final
class LedgerFileError(BanshishiError, ValueError):
    """A ledger file (台账) that cannot be read as it stands: an unknown, missing or
    repeated column, or rows that do not make valid issues.

    ``problems`` lists every problem found, each with the row number a spreadsheet
    shows (the header is row 1), the column as headed in the file and the reason,
    so that the whole file can be fixed in one pass; the message shows the first
    few. When it is raised, no issue was taken from the file.
    """

    def __init__(
        self,
        *,
        field: str,
        value: object,
        problem: str,
        hint: str = "",
        problems: "tuple[RowProblem, ...]" = (),
    ) -> None:
        self.problems = problems
        super().__init__(field=field, value=value, problem=problem, hint=hint)

    def at(self, field: str) -> "LedgerFileError":
        return LedgerFileError(
            field=field,
            value=self.value,
            problem=self.problem,
            hint=self.hint,
            problems=self.problems,
        )


@final
class NotFoundError(BanshishiError, KeyError):
    """An identifier that the collection asked does not contain."""


@final
class UnknownYearError(BanshishiError, LookupError):
    """A date in a year the work calendar has no official schedule for.

    The calendar never guesses a year's holidays: add the year's schedule (see
    :meth:`WorkCalendar.with_schedule`) and ask again. ``year`` is the year missing.
    """

    def __init__(
        self, *, field: str, value: object, problem: str, hint: str = "", year: int = 0
    ) -> None:
        self.year = year
        super().__init__(field=field, value=value, problem=problem, hint=hint)

    def at(self, field: str) -> "UnknownYearError":
        return UnknownYearError(
            field=field, value=self.value, problem=self.problem, hint=self.hint, year=self.year
        )


class WorkflowError(BanshishiError):
    """A workflow step was refused; the issue it was aimed at is unchanged."""


@final
class TransitionRefusedError(WorkflowError):
    """The step cannot be taken from the issue's current status."""


@final
class RoleError(WorkflowError, PermissionError):
    """The actor's role, unit or identity does not allow the step."""


@final
class PreconditionError(WorkflowError):
    """The issue is not ready for the step: work unreported, no sign-off, a rating
    already given, the evaluation window still open, …"""


class StoreError(BanshishiError):
    """The ledger store refused a write or could not read its file; a refused
    write leaves the store and the records in memory as they were."""


@final
class NotALedgerError(StoreError):
    """The file is not a banshishi ledger (or not one this version can read); it
    was left untouched."""


@final
class ChainKeyError(StoreError):
    """A keyed ledger was written or verified without its key, opened with a key
    it was not made with, or an unkeyed ledger was opened with a key. The key
    itself never appears in the message."""


@final
class ConcurrencyError(StoreError):
    """A write was made against a stale version of a record: someone else wrote
    first. Nothing was written; read the record again and retry."""


@final
class BatchRefusedError(StoreError):
    """One step of a batch was refused, so none of the batch was written.

    ``index`` is the position of the refused item in the batch and ``error`` the
    refusal itself (also the ``__cause__``).
    """

    def __init__(
        self,
        *,
        field: str,
        value: object,
        problem: str,
        hint: str = "",
        index: int = 0,
        error: BanshishiError | None = None,
    ) -> None:
        self.index = index
        self.error = error
        super().__init__(field=field, value=value, problem=problem, hint=hint)

    def at(self, field: str) -> "BatchRefusedError":
        return BatchRefusedError(
            field=field,
            value=self.value,
            problem=self.problem,
            hint=self.hint,
            index=self.index,
            error=self.error,
        )


@final
class StoreBusyError(StoreError):
    """Another writer kept the store locked for longer than the time allowed."""


@final
@attrs.frozen(kw_only=True)
class RowProblem:
    """One thing wrong in a ledger file, found on reading it.

    ``row`` is the row number a spreadsheet shows (the header is row 1),
    ``column`` the column's header as written in the file ("" when the problem
    is the row as a whole), ``value`` what the cell held and ``reason`` what is
    wrong with it and, where it helps, what to write instead.
    """

    row: int
    column: str
    value: object
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where} ({_shown(self.value, 60)}): {self.reason}"
