"""Time as Thamani reads it: a ``Clock`` protocol, the system clock and a test clock."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the time in nanoseconds since the Unix epoch."""

    def now_ns(self) -> int: ...


class SystemClock:
    """The machine's wall clock."""

    def now_ns(self) -> int:
        return time.time_ns()


class ManualClock:
    """A clock that moves only when told: for tests and simulations."""

    def __init__(self, start_ns: int = 1_700_000_000 * 1_000_000_000) -> None:
        self._now = start_ns

    def now_ns(self) -> int:
        return self._now

    def advance(self, seconds: float = 0.0, *, ns: int = 0) -> None:
        self._now += int(seconds * 1_000_000_000) + ns

    def set(self, now_ns: int) -> None:
        self._now = now_ns
