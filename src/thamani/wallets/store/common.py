"""Helpers shared by the wallets' SQL modules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
