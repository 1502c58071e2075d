"""Loader figure for BENCHMARKS.md: ``uv run python benchmarks/synth_load.py`` (same as
``uv run thamani bench synth-load --json``)."""

import json

from thamani.benchmarking.synth_load import run

if __name__ == "__main__":
    print(json.dumps(run(people=20_000, years=1, seed=1), indent=2))
