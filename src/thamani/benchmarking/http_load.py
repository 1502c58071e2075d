"""A small HTTP/1.1 load generator on asyncio streams, for loopback benchmarks.

It keeps connections alive, sends one request at a time per connection, and records each
request's latency from the moment it was due (open loop) or sent (closed loop). Written
here rather than taken from a package so the benchmark needs nothing outside PyPI and
costs the machine little next to the server it measures.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class LoadResult:
    """What a load run measured.

    sent, completed, failed: requests.
    seconds: wall time of the run.
    latencies_ms: one per completed request.
    statuses: count per HTTP status.
    """

    sent: int = 0
    completed: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
        return ordered[k]


def _request(host: str, port: int, path: str, body: bytes, token: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:].strip())
    if length:
        await reader.readexactly(length)
    return status


async def _run(
    host: str,
    port: int,
    path: str,
    token: str,
    make_body: Callable[[int], bytes],
    *,
    total: int,
    concurrency: int,
    rate: float | None,
) -> LoadResult:
    result = LoadResult()
    counter = iter(range(total))
    start = time.perf_counter()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in counter:
                due = start + i / rate if rate else time.perf_counter()
                if rate:
                    delay = due - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                req = _request(host, port, path, make_body(i), token)
                result.sent += 1
                writer.write(req)
                await writer.drain()
                try:
                    status = await _read_response(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    result.failed += 1
                    return
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    result.completed += 1
                    result.latencies_ms.append((time.perf_counter() - due) * 1000)
                else:
                    result.failed += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - start
    return result


def closed_loop(
    host: str,
    port: int,
    path: str,
    token: str,
    make_body: Callable[[int], bytes],
    *,
    total: int,
    concurrency: int,
) -> LoadResult:
    """As fast as ``concurrency`` connections go, each waiting for its answer."""
    return asyncio.run(
        _run(host, port, path, token, make_body, total=total, concurrency=concurrency, rate=None)
    )


def open_loop(
    host: str,
    port: int,
    path: str,
    token: str,
    make_body: Callable[[int], bytes],
    *,
    rate: float,
    total: int,
    concurrency: int = 64,
) -> LoadResult:
    """Requests due at a steady ``rate`` per second; latency counts from when each was due,
    so a server that falls behind shows it (no coordinated omission)."""
    return asyncio.run(
        _run(host, port, path, token, make_body, total=total, concurrency=concurrency, rate=rate)
    )
