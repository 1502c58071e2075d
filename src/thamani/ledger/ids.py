"""128-bit identifiers for accounts and transfers.

Clients choose the id before they submit and retry with the same id; that is what makes
a transfer happen exactly once. ``new_id`` makes ids that sort by time (48 bits of
milliseconds, then 80 random bits), which keeps the store's id index appending at its end.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid

from thamani.errors import InvalidInput

ID_MAX = 2**128 - 1


#: Random bytes drawn from the system at once, for this many ids.
_DRAW = 4096


class _Randomness(threading.local):
    """Random bytes of the system's generator, drawn for many ids at once: each draw is
    a system call, which costs far more than the id it makes (on a busy virtual machine,
    hundreds of microseconds). One buffer per thread; a forked child draws its own."""

    buf = b""
    pos = 0


_random = _Randomness()


def _forget() -> None:
    _random.buf = b""
    _random.pos = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget)


def _random_bytes(count: int) -> bytes:
    r = _random
    pos = r.pos
    if pos + count > len(r.buf):
        r.buf = os.urandom(max(count, 10 * _DRAW))
        pos = 0
    r.pos = pos + count
    return r.buf[pos : pos + count]


def new_id() -> int:
    """A fresh, time-ordered 128-bit id (never 0, never the maximum)."""
    ms = time.time_ns() // 1_000_000
    return (ms << 80) | int.from_bytes(_random_bytes(10), "big") | 1


def new_ids(count: int) -> list[int]:
    """``count`` fresh ids at once (a batch path: one clock reading for all)."""
    ms = (time.time_ns() // 1_000_000) << 80
    raw = _random_bytes(10 * count)
    return [ms | int.from_bytes(raw[i : i + 10], "big") | 1 for i in range(0, 10 * count, 10)]


def derived_id(namespace: str, *parts: object) -> int:
    """An id made from an idempotency key: the same key always gives the same id.

    Use it where the outside world names the event (a mobile-money transaction id, a
    payment id and a part number): a replay then reuses the id, and the ledger answers
    ``exists`` instead of moving money twice. SHA-256 of the namespace and the parts,
    truncated to 128 bits (never 0, never the maximum).
    """
    text = "\x1f".join([namespace, *(str(p) for p in parts)])
    value = int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")
    if value in (0, ID_MAX):  # pragma: no cover - 2^-127
        value = 1
    return value


def to_bytes(value: int) -> bytes:
    """The 16-byte big-endian form the store keeps (sorts like the number)."""
    return value.to_bytes(16, "big")


def from_bytes(raw: bytes | None) -> int:
    return int.from_bytes(raw, "big") if raw else 0


def parse_id(value: object, *, field: str = "id") -> int:
    """Read an id given as an int, a decimal string, a 0x-hex string or a UUID."""
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a 128-bit id, not a boolean", where=field)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if text.lower().startswith("0x"):
                number = int(text, 16)
            elif "-" in text and len(text) == 36:
                number = uuid.UUID(text).int
            else:
                number = int(text, 10)
        except ValueError:
            raise InvalidInput(f"{field} {value!r} is not a 128-bit id", where=field) from None
    else:
        raise InvalidInput(f"{field} must be a 128-bit id", where=field)
    if not 0 <= number <= ID_MAX:
        raise InvalidInput(f"{field} {value!r} is outside 0..2^128-1", where=field)
    return number


def format_id(value: int) -> str:
    """Ids travel as decimal strings in JSON (JavaScript numbers cannot hold 128 bits)."""
    return str(value)
