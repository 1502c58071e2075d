"""The generator's figure: 1,000,000 people and a year of their care, to Parquet.

A child process generates the region and writes it to Parquet in a temporary directory;
the parent times it and reads the child's peak resident memory from
``getrusage(RUSAGE_CHILDREN)``. Target (population.md): under 60 s and under 4 GB on two
cores.

- ``seconds``: wall time of the child, from start to the last file written (Python start
  and imports included).
- ``people_per_second``: people / seconds.
- ``peak_rss_mb``: the child's peak resident set size in MiB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_CHILD = """
import json, sys, time
from pathlib import Path
from thamani.synth.export import export_region
from thamani.synth.writers import Format
r = export_region(Path(sys.argv[1]), Format.PARQUET, people=int(sys.argv[2]),
                  years=int(sys.argv[3]), seed=int(sys.argv[4]))
print(json.dumps({"rows": r.rows, "generate_seconds": r.generate_seconds,
                  "write_seconds": r.write_seconds}))
"""


def run(
    people: int = 1_000_000, years: int = 1, seed: int = 1, quiet: bool = False
) -> dict[str, Any]:
    """Measure generating ``people`` people and ``years`` of care to Parquet."""
    with tempfile.TemporaryDirectory(prefix="thamani-bench-synth-") as tmp:
        out = Path(tmp) / "region"
        if not quiet:
            print(f"generating {people:,} people x {years} year(s) to {out}", file=sys.stderr)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(out), str(people), str(years), str(seed)],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"the generator failed: {proc.stderr.strip()[-2000:]}")
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        size = sum(f.stat().st_size for f in out.iterdir())
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rows = child["rows"]
    return {
        "people": people,
        "years": years,
        "seed": seed,
        "seconds": round(seconds, 2),
        "people_per_second": round(people / seconds),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "generate_seconds": round(child["generate_seconds"], 2),
        "write_seconds": round(child["write_seconds"], 2),
        "encounters": rows["encounters"],
        "rows": sum(rows.values()),
        "parquet_mb": round(size / 2**20, 1),
        "cores": os.cpu_count(),
    }
