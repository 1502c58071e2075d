"""Ledger figures for BENCHMARKS.md: ``uv run python benchmarks/ledger.py`` (same as
``uv run thamani bench ledger --json``)."""

import json
import sys

from thamani.benchmarking.ledger import run

if __name__ == "__main__":
    big = "--verify-10m" in sys.argv
    result = run(
        transfers=1_000_000,
        accounts=10_000,
        http_requests=20_000,
        verify_records=10_000_000 if big else 0,
        postgres_url="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        quiet=False,
    )
    print(json.dumps(result, indent=2))
