"""Exported objects named after the public module that exports them.

A class defined in ``banshishi._core.errors`` and exported from ``banshishi`` should
say so: reprs, tracebacks, pickles and doctests then show ``banshishi.InvalidValueError``,
never a private path that a move of the file would change. httpx and trio do the same.
What still needs the defining module (the source of a class, for the docstrings
under its fields) asks :func:`defined_in`: ``inspect.getsource`` looks in the file of
``__module__``, which is now the public module's.
"""

import importlib
import warnings
from collections.abc import Iterable, Mapping, MutableMapping

_PRIVATE = "banshishi._"
_DEFINED_IN: dict[object, str] = {}


def publish(module: str, namespace: Mapping[str, object], names: Iterable[str]) -> None:
    """Set ``__module__`` to ``module`` on each object of ``namespace`` named in ``names``
    that a private module of the package defines, and on what its class body defines
    (methods, class and static methods, nested classes), found by their ``__qualname__``.

    Objects without a ``__module__`` of their own (text, tuples, instances) are left
    as they are, as is anything defined outside the package or already published.
    """
    seen: set[int] = set()

    def fix(value: object, qualname: str) -> None:
        if id(value) in seen or getattr(value, "__qualname__", None) != qualname:
            return
        seen.add(id(value))
        if isinstance(value, classmethod | staticmethod):
            fix(value.__func__, qualname)
        found = getattr(value, "__module__", None)
        if not (isinstance(found, str) and found.startswith(_PRIVATE)):
            return
        _DEFINED_IN[value] = found
        value.__module__ = module
        if isinstance(value, type):
            for name, member in vars(value).items():
                fix(member, f"{qualname}.{name}")

    for name in names:
        fix(namespace.get(name), name)  # absent: served by the module's __getattr__


def defined_in(value: object) -> str:
    """The name of the module that defines ``value`` (its ``__module__`` unless published)."""
    found = _DEFINED_IN.get(value)
    return found if found is not None else str(getattr(value, "__module__", ""))


def served(
    module: str,
    namespace: MutableMapping[str, object],
    name: str,
    *,
    moved: Mapping[str, str],
    lazy: Iterable[str] = (),
) -> object:
    """What a public module's ``__getattr__`` serves for ``name`` beyond its
    namespace: ``__version__``, read from the installed metadata when first asked
    for (``importlib.metadata`` would cost every import tens of milliseconds); a
    public submodule named in ``lazy``, loaded on first use; or a name that
    ``moved`` to another public module, with a :class:`DeprecationWarning`.
    """
    if name == "__version__":
        metadata = importlib.import_module("importlib.metadata")
        try:
            found: str = metadata.version(module)
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
            found = "0.0.0"
        namespace["__version__"] = found
        return found
    if name in lazy:
        return importlib.import_module(f"{module}.{name}")
    new_home = moved.get(name)
    if new_home is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{module}.{name} has moved to {new_home}.{name}; import it from there"
        " (the old name will be removed in a later release)",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(importlib.import_module(new_home), name)
