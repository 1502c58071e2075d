"""The ledger's figures: batch throughput, HTTP throughput and latency, verify speed."""

from __future__ import annotations

from typing import Any


def run(
    *,
    transfers: int,
    accounts: int,
    http_requests: int,
    verify_records: int,
    postgres_url: str | None,
    quiet: bool,
) -> dict[str, Any]:
    raise NotImplementedError("written next")
