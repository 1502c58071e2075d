"""An asyncio gateway to the ledger: submissions from an event loop, decided in threads.

Web requests arrive on one event loop. Rather than each occupying a worker thread, they
queue here; two gateway threads take everything queued, hand it to the writer as one
group (decided together, committed together) and resolve each request's future. While one
thread waits for the disk, the other decides the next group.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any

from thamani.ledger.machine import AccountState, TransferBatch
from thamani.ledger.pipeline import Writer
from thamani.ledger.records import BATCH_MAX, Transfer

_Item = tuple[
    Sequence[Transfer],
    Callable[[AccountState], bool] | None,
    asyncio.AbstractEventLoop,
    "asyncio.Future[TransferBatch]",
]


class Gate:
    """Async submissions to one ``Writer`` through a small pool of threads."""

    def __init__(self, writer: Writer, threads: int = 2) -> None:
        self._writer = writer
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._size = threads
        self._lock = threading.Lock()

    async def submit(
        self, transfers: Sequence[Transfer], may_debit: Callable[[AccountState], bool] | None
    ) -> TransferBatch:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[TransferBatch] = loop.create_future()
        self._start()
        self._queue.put((transfers, may_debit, loop, future))
        return await future

    def _start(self) -> None:
        if self._threads:
            return
        with self._lock:
            if self._threads:
                return
            for n in range(self._size):
                t = threading.Thread(target=self._run, name=f"ledger-gate-{n}", daemon=True)
                t.start()
                self._threads.append(t)

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=10)
        self._threads.clear()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            items = [first]
            size = len(first[0])
            while size < BATCH_MAX:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)  # leave the stop signal for this thread's next turn
                    break
                items.append(nxt)
                size += len(nxt[0])
            try:
                outcomes: list[Any] = self._writer.submit_many([(i[0], i[1]) for i in items])
            except BaseException as e:
                outcomes = [e] * len(items)
            for (_t, _m, loop, future), outcome in zip(items, outcomes, strict=True):
                loop.call_soon_threadsafe(_resolve, future, outcome)


def _resolve(future: asyncio.Future[TransferBatch], outcome: Any) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
