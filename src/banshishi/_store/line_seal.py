"""Binding each summary line to the event that produced it.

A line's digest is SHA-256 (hex) of the hash of the event that left the record
at the line's version, followed by each of the line's values as
``<length>:<text>`` (``~`` for null), as an event's link is written (see
``link``); on a keyed chain, HMAC-SHA256 of the same text under the chain's
key. An issue line of ``issue_lines`` adds the moment its span opened
(``from_us``); the moment it closed is not bound, since the next event sets it,
and is checked against that next line instead.

So a line edited in the file no longer matches its digest, and plain
``verify`` finds it without rebuilding a record; on a keyed chain, no one
without the key can write a digest that matches.
"""

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any


def line_digest(event_hash: str, values: Iterable[Any], key: bytes | None) -> str:
    """The digest binding a line's ``values`` to the hash of its event."""
    text = "".join(["~" if value is None else _field(str(value)) for value in values])
    message = f"{event_hash}{text}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _field(text: str) -> str:
    return f"{len(text)}:{text}"
