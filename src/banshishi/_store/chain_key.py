"""What a ledger's hash chain is keyed with, and the receipt of its head.

An unkeyed chain links events with SHA-256: anyone can compute it, so it shows
a change made without recomputing the hashes, never one made by someone who
recomputes them. A keyed chain links them with HMAC-SHA256 under a secret key
that is never written to the file: without the key nobody can compute a link,
nor the seal the ledger keeps over its head (the last event's number and hash),
so changing, adding or removing events — at the end included — shows. What a
key cannot show is the whole file put back to an earlier state it really had;
a :class:`HeadReceipt` kept elsewhere shows that.
"""

import hashlib
import hmac
import re
from typing import Any, Self, final

import attrs

from banshishi._core.errors import ChainKeyError, InvalidTypeError, InvalidValueError
from banshishi._core.validators import field_name, whole_number

KEYED = "hmac-sha256"
"""The ``chain`` recorded in a keyed ledger's ``meta`` table."""
UNKEYED = "sha256"
"""The ``chain`` recorded in an unkeyed ledger's ``meta`` table (and assumed when absent)."""
MIN_KEY_BYTES = 16
"""The shortest key taken: 128 bits, beyond guessing."""

_HEX = re.compile(r"[0-9a-f]{64}")
_RECEIPT = re.compile(r"([0-9]{1,18}):([0-9a-f]{64})")


def chain_key_given(key: object, *, field: str = "chain_key") -> bytes | None:
    """``key`` as bytes (text is taken as UTF-8), or ``None``; a key shorter than
    :data:`MIN_KEY_BYTES` is refused. Errors name its type or length, never the key."""
    if key is None:
        return None
    if isinstance(key, str):
        try:
            raw = key.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValueError(
                field=field, value="text that is not valid Unicode", problem="cannot be a key"
            ) from None
    elif isinstance(key, bytes | bytearray):
        raw = bytes(key)
    else:
        raise InvalidTypeError(
            field=field,
            value=f"a value of type {type(key).__name__}",
            problem="must be bytes or text",
        )
    if len(raw) < MIN_KEY_BYTES:
        raise InvalidValueError(
            field=field,
            value=f"a key of {len(raw)} bytes",
            problem=f"is too short: a chain key needs at least {MIN_KEY_BYTES} bytes",
            hint="Make one with: python -c 'import secrets; print(secrets.token_hex(32))'",
        )
    return raw


def key_check(key: bytes) -> str:
    """What a keyed ledger records to tell its key from another: an HMAC of a
    fixed text, which does not reveal the key."""
    return hmac.new(key, b"banshishi-ledger key check", hashlib.sha256).hexdigest()


def seal(key: bytes, events: int, head: str) -> str:
    """The seal over a keyed chain's head: an HMAC of the event count and the last
    hash. It differs from every link (a link's text starts with 64 hex digits), so
    an earlier link's hash cannot pass for a sealed head."""
    text = f"banshishi-ledger head\x00{events}\x00{head}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Compare two hex digests in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())


def key_problem(
    keyed: bool, key: bytes | None, check: str | None, path: str
) -> ChainKeyError | None:
    """Why a ledger recorded as ``keyed`` (with ``check``, its key check) cannot be
    opened with ``key``; ``None`` when it can. A keyed ledger opened without a key
    can still be read, so that case is not a problem here."""
    if key is None:
        return None
    field, given = f"the chain key for {path}", f"a key of {len(key)} bytes"
    if not keyed:
        return ChainKeyError(
            field=field,
            value=given,
            problem="was given, but the ledger's chain is not keyed",
            hint="Open it without a key. If it was made with one, its chain was rewritten "
            "without the key.",
        )
    if check is None or not same(check, key_check(key)):
        return ChainKeyError(
            field=field,
            value=given,
            problem="is not the key this ledger's chain was made with",
            hint="Give the right key. If it is the right one, the ledger's record of its key "
            "was changed outside banshishi.",
        )
    return None


def key_needed(path: str, what: str) -> ChainKeyError:
    """The refusal to ``what`` (write to, verify) a keyed ledger opened without its key."""
    return ChainKeyError(
        field=f"the chain key for {path}",
        value=None,
        problem=f"is needed to {what} this ledger: its chain is keyed",
        hint="Open it with chain_key=..., or on the command line set BANSHISHI_CHAIN_KEY_FILE "
        "or BANSHISHI_CHAIN_KEY.",
    )


def _hex_digest(instance: Any, attribute: "attrs.Attribute[Any]", value: object) -> None:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise InvalidValueError(
            field=field_name(instance, attribute),
            value=value,
            problem="must be 64 lowercase hex digits",
        )


@final
@attrs.frozen(kw_only=True)
class HeadReceipt:
    """The head of a ledger's chain at one moment: how many events it held and the
    last one's hash (:data:`GENESIS` for none). As text, ``<events>:<hash>``.

    Kept where the ledger's writers cannot change it (a report sent up, a note in
    another system), it lets a later ``verify(expect_head=...)`` show any change to
    those first events and any removal of them, even by someone who recomputed
    every hash, or who put back an old copy of the whole file. It says nothing
    about events written after it.

    >>> receipt = HeadReceipt.parse("2:" + "ab" * 32)
    >>> receipt.events, str(receipt) == "2:" + "ab" * 32
    (2, True)
    """

    events: int = attrs.field(validator=whole_number(0))
    head: str = attrs.field(validator=_hex_digest)

    def __str__(self) -> str:
        return f"{self.events}:{self.head}"

    @classmethod
    def parse(cls, text: object, *, field: str = "receipt") -> Self:
        """The receipt written as ``text`` (``<events>:<hash>``)."""
        if isinstance(text, HeadReceipt):
            return cls(events=text.events, head=text.head)
        found = _RECEIPT.fullmatch(text.strip()) if isinstance(text, str) else None
        if found is None:
            raise InvalidValueError(
                field=field,
                value=text,
                problem="is not a head receipt: the event count, a colon, then 64 hex digits",
                hint="Pass back the receipt `banshishi verify` printed, as it was printed.",
            )
        return cls(events=int(found[1]), head=found[2])
