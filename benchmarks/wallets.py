"""Wallet and pool figures for BENCHMARKS.md: ``uv run python benchmarks/wallets.py`` (same as
``uv run thamani bench wallets --json``)."""

import json

from thamani.benchmarking.wallets import run

if __name__ == "__main__":
    result = run(postgres_url="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    print(json.dumps(result, indent=2))
