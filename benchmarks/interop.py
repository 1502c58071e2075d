"""Import figures for BENCHMARKS.md: ``uv run python benchmarks/interop.py`` (same as
``uv run thamani bench interop --json``)."""

import json

from thamani.benchmarking.interop import run

if __name__ == "__main__":
    print(json.dumps(run(people=2_000, repeats=5), indent=2))
