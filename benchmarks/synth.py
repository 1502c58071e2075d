"""Generator figure for BENCHMARKS.md: ``uv run python benchmarks/synth.py`` (same as
``uv run thamani bench synth --json``)."""

import json

from thamani.benchmarking.synth import run

if __name__ == "__main__":
    print(json.dumps(run(people=1_000_000, years=1, seed=1), indent=2))
