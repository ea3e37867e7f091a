"""The error tree: one root, a matching builtin each, and messages that name the field."""

import pytest

import banshishi
from banshishi import (
    BanshishiError,
    BatchRefusedError,
    ChainKeyError,
    ChronologyError,
    ConcurrencyError,
    DuplicateError,
    HierarchyError,
    InconsistentRecordError,
    InvalidCountError,
    InvalidTypeError,
    InvalidValueError,
    LedgerFileError,
    NaiveDatetimeError,
    NotALedgerError,
    NotFoundError,
    PreconditionError,
    RoleError,
    StoreBusyError,
    StoreError,
    TransitionRefusedError,
    UnitTree,
    UnknownValueError,
    UnknownYearError,
    WorkflowError,
)
from banshishi._core import errors as errors_module

# The builtin each error is documented (in _errors.py) to be catchable as; a
# refused workflow step is not a bad value, so most of those have none.
DOCUMENTED_BUILTIN = {
    StoreError: None,
    NotALedgerError: None,
    ChainKeyError: None,
    ConcurrencyError: None,
    BatchRefusedError: None,
    StoreBusyError: None,
    WorkflowError: None,
    TransitionRefusedError: None,
    PreconditionError: None,
    RoleError: PermissionError,
    InvalidValueError: ValueError,
    UnknownValueError: ValueError,
    NaiveDatetimeError: ValueError,
    InvalidCountError: ValueError,
    ChronologyError: ValueError,
    InconsistentRecordError: ValueError,
    HierarchyError: ValueError,
    InvalidTypeError: TypeError,
    DuplicateError: ValueError,
    LedgerFileError: ValueError,
    NotFoundError: KeyError,
    UnknownYearError: LookupError,
}
DOCUMENTED_PARENT = {
    StoreError: BanshishiError,
    NotALedgerError: StoreError,
    ChainKeyError: StoreError,
    ConcurrencyError: StoreError,
    BatchRefusedError: StoreError,
    StoreBusyError: StoreError,
    WorkflowError: BanshishiError,
    TransitionRefusedError: WorkflowError,
    PreconditionError: WorkflowError,
    RoleError: WorkflowError,
    InvalidValueError: BanshishiError,
    UnknownValueError: InvalidValueError,
    NaiveDatetimeError: InvalidValueError,
    InvalidCountError: InvalidValueError,
    ChronologyError: InvalidValueError,
    InconsistentRecordError: InvalidValueError,
    HierarchyError: InvalidValueError,
    InvalidTypeError: BanshishiError,
    DuplicateError: BanshishiError,
    LedgerFileError: BanshishiError,
    NotFoundError: BanshishiError,
    UnknownYearError: BanshishiError,
}
BUILTINS = (ValueError, TypeError, KeyError, LookupError, PermissionError)


def exported_error_classes():
    found = []
    for name in banshishi.__all__:
        obj = getattr(banshishi, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            found.append(obj)
    return found


ERRORS = exported_error_classes()
NON_ROOT = [cls for cls in ERRORS if cls is not BanshishiError]
by_error = pytest.mark.parametrize("cls", NON_ROOT, ids=lambda c: c.__name__)


def test_the_package_exports_the_root_and_every_documented_error():
    assert set(ERRORS) == {BanshishiError, *DOCUMENTED_BUILTIN}


def test_every_exported_error_descends_from_the_root():
    for cls in ERRORS:
        assert issubclass(cls, BanshishiError)
        assert issubclass(cls, Exception)


def test_the_root_inherits_no_builtin_besides_exception():
    assert not issubclass(BanshishiError, BUILTINS)


@by_error
def test_each_error_inherits_exactly_its_documented_builtin(cls):
    expected = DOCUMENTED_BUILTIN[cls]
    matching = [b for b in BUILTINS if issubclass(cls, b)]
    # KeyError is a LookupError: keep only the most specific builtin of each line.
    specific = [b for b in matching if not any(o is not b and issubclass(o, b) for o in matching)]
    assert specific == ([expected] if expected else [])


@by_error
def test_each_error_sits_under_its_documented_parent_in_the_tree(cls):
    parent = DOCUMENTED_PARENT[cls]
    assert issubclass(cls, parent)
    assert cls.__mro__[1] is parent


@by_error
def test_each_error_is_drawn_in_the_module_docstring(cls):
    lines = [line for line in errors_module.__doc__.splitlines() if f" {cls.__name__}" in line]
    assert lines, cls.__name__
    builtin = DOCUMENTED_BUILTIN[cls]
    if builtin is not None and cls.__mro__[1] in (BanshishiError, WorkflowError):
        assert f"({builtin.__name__})" in lines[0]


@by_error
def test_an_error_can_be_caught_as_its_builtin(cls):
    with pytest.raises(DOCUMENTED_BUILTIN[cls] or BanshishiError):
        raise cls(field="Issue.title", value="x", problem="is wrong")


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", ["路灯", 42, None, ("a", 1), "it's"])
def test_the_message_names_the_field_and_the_repr_of_the_value(cls, value):
    error = cls(field="Issue.deadline", value=value, problem="is before receipt")
    message = str(error)
    assert "Issue.deadline" in message
    assert repr(value) in message
    assert "is before receipt" in message
    assert error.field == "Issue.deadline"
    assert error.value == value


def test_the_hint_is_appended_to_the_message_when_given():
    error = InvalidValueError(field="F", value=1, problem="is bad", hint="Use 2.")
    assert str(error).endswith("Use 2.")
    assert "Use 2." not in str(InvalidValueError(field="F", value=1, problem="is bad"))


def test_not_found_prints_its_message_not_a_quoted_repr():
    error = NotFoundError(field="unit", value="town-9", problem="is not in the tree")
    assert str(error) == "unit is not in the tree; got 'town-9'"
    assert not str(error).startswith(("'", '"'))


def test_not_found_raised_by_the_library_prints_readably():
    with pytest.raises(NotFoundError) as caught:
        UnitTree([])["nowhere"]
    assert str(caught.value).startswith("unit ")
    assert "'nowhere'" in str(caught.value)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_at_re_addresses_the_error_keeping_its_class_value_problem_and_hint(cls):
    original = cls(field="Issue.co_units", value=["a"], problem="is odd", hint="Fix it.")
    moved = original.at("Issue.co_units[3]")
    assert type(moved) is cls
    assert moved is not original
    assert moved.field == "Issue.co_units[3]"
    assert moved.value is original.value
    assert moved.problem == original.problem
    assert moved.hint == original.hint
    assert "Issue.co_units[3]" in str(moved)
    assert original.field == "Issue.co_units"
