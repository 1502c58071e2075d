"""Capacity figures for BENCHMARKS.md; the work is in ``thamani.benchmarking.capacity``.

Run ``uv run python benchmarks/capacity.py`` (or ``uv run thamani bench capacity --json``).
"""

from __future__ import annotations

import json

from thamani.benchmarking.capacity import run

if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
