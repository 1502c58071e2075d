"""The journal's canonical encoding, its SHA-256 hash chain and signed heads.

Every journal record is encoded to a fixed 163-byte big-endian layout and hashed together
with the hash of the record before it: ``hash[n] = SHA-256(hash[n-1] || encode(record[n]))``,
starting from ``GENESIS``. Changing, inserting, deleting or reordering any record changes
every hash after it. The chain head (and at intervals a checkpoint with per-ledger totals)
is signed with an Ed25519 key, so a rewritten chain cannot be passed off as the original
without the key.

Record layout (all integers unsigned, big-endian)::

    event u8 | seq u64 | id 16 | a 16 | b 16 | amount u64 | pending_id 16 | user_data_128 16
    | user_data_64 u64 | user_data_32 u32 | timeout u64 | ledger u32 | code u32 | flags u32
    | timestamp u64

For transfers and expiries ``a`` and ``b`` are the debit and credit account ids. For an
opened account ``a`` is the store's number for it, ``b`` its owner party and ``amount`` its
sponsor party, so ownership (which decides who may move money) is chained too.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable

GENESIS = hashlib.sha256(b"thamani ledger journal v1").digest()
ZERO16 = bytes(16)
RECORD = struct.Struct(">BQ16s16s16sQ16s16sQIQIIIQ")
_HEAD = b"thamani head v1\x00"
_CHECKPOINT = b"thamani checkpoint v1\x00"
_sha256 = hashlib.sha256
_pack = RECORD.pack


def encode(
    event: int,
    seq: int,
    id16: bytes,
    a16: bytes,
    b16: bytes,
    amount: int,
    pending16: bytes | None,
    ud128_16: bytes | None,
    ud64: int,
    ud32: int,
    timeout: int,
    ledger: int,
    code: int,
    flags: int,
    timestamp: int,
) -> bytes:
    """The canonical bytes of one journal record."""
    return _pack(
        event,
        seq,
        id16,
        a16,
        b16,
        amount,
        pending16 or ZERO16,
        ud128_16 or ZERO16,
        ud64,
        ud32,
        timeout,
        ledger,
        code,
        flags,
        timestamp,
    )


def chain(previous: bytes, record: bytes) -> bytes:
    """The hash of ``record`` chained onto ``previous``."""
    return _sha256(previous + record).digest()


def chain_all(previous: bytes, records: Iterable[bytes]) -> list[bytes]:
    """Hashes of consecutive records, each chained onto the one before."""
    out = []
    h = previous
    for r in records:
        h = _sha256(h + r).digest()
        out.append(h)
    return out


def head_message(seq: int, head_hash: bytes, timestamp: int) -> bytes:
    """What the head signature covers."""
    return _HEAD + struct.pack(">QQ", seq, timestamp) + head_hash


def checkpoint_message(seq: int, head_hash: bytes, timestamp: int, totals_json: str) -> bytes:
    """What a checkpoint signature covers: position, hash, time and the totals."""
    return (
        _CHECKPOINT
        + struct.pack(">QQ", seq, timestamp)
        + head_hash
        + _sha256(totals_json.encode()).digest()
    )
