"""Where the command line finds a keyed ledger's chain key: in the environment,
never on the command line, where other users could read it in the process list.

``BANSHISHI_CHAIN_KEY_FILE`` names a file holding the key (its whole content,
less a final line break); ``BANSHISHI_CHAIN_KEY`` holds the key itself. Set one
or neither: with neither, ledgers are opened and made without a key.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from banshishi._core.errors import InvalidValueError
from banshishi._store.chain_key import chain_key_given

KEY_FILE_VARIABLE = "BANSHISHI_CHAIN_KEY_FILE"
KEY_VARIABLE = "BANSHISHI_CHAIN_KEY"
_MAX_KEY_FILE = 4096


def chain_key_from_environment(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The chain key the environment gives (``os.environ`` if ``None``), or ``None``."""
    environ = os.environ if environ is None else environ
    named, given = environ.get(KEY_FILE_VARIABLE), environ.get(KEY_VARIABLE)
    if named is not None and given is not None:
        raise InvalidValueError(
            field=KEY_FILE_VARIABLE,
            value=named,
            problem=f"and {KEY_VARIABLE} are both set",
            hint="Set only one of them.",
        )
    if given is not None:
        # The variable's bytes as the system gave them, even if they are not UTF-8.
        return chain_key_given(os.fsencode(given), field=KEY_VARIABLE)
    if named is None:
        return None
    try:
        with Path(named).open("rb") as file:
            raw = file.read(_MAX_KEY_FILE + 1)
    except OSError as error:
        raise InvalidValueError(
            field=KEY_FILE_VARIABLE, value=named, problem=f"cannot be read ({error.strerror})"
        ) from None
    if len(raw) > _MAX_KEY_FILE:
        raise InvalidValueError(
            field=KEY_FILE_VARIABLE,
            value=named,
            problem=f"names a file of more than {_MAX_KEY_FILE} bytes, not a key",
        )
    key = raw.removesuffix(b"\n").removesuffix(b"\r")
    return chain_key_given(key, field=f"the key in {KEY_FILE_VARIABLE} ({named})")
