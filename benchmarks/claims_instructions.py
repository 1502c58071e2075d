"""Machine instructions per claim on the batch path: a figure the machine's noise leaves alone.

``python benchmarks/claims_instructions.py`` runs the batch path in one process (the
benchmark's programme, members and claims; one part, stored on the same thread) under
``valgrind --tool=callgrind``, counting instructions only while ``Claims.submit_batch``
runs, for two batch sizes; the difference divided by the difference in claims is what one
more claim costs, whatever else the machine is doing (wall-clock figures on a shared
machine vary by a third from run to run). It takes two or three minutes. Needs valgrind
(Debian's package); prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SIZES = (2000, 4000)
MEMBERS = 8000


def _inner(claims: int) -> None:
    """Inside valgrind: set up, then count instructions around one ``submit_batch``."""
    from thamani.benchmarking import claims as bench
    from thamani.clock import ManualClock
    from thamani.config import Environment, Settings
    from thamani.platform import open_platform

    data = Path(tempfile.mkdtemp(prefix="thamani-instr-"))
    settings = Settings(environment=Environment.TEST, data_dir=data, claim_workers=1)
    p = open_platform(settings, clock=ManualClock(int(bench.NOW.timestamp() * 1e9)))
    refs = bench.setup(p, members=MEMBERS, providers=40)
    work = bench.make_claims(claims, members=MEMBERS, providers=refs)
    p.claims.submit_batch(bench.make_claims(2000, members=MEMBERS, providers=refs, seed=99))
    p.claims.flush_pool()
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    p.claims.submit_batch(work)
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
    shutil.rmtree(data, ignore_errors=True)
    os._exit(0)  # the count is taken; closing the store is not measured


def _count(claims: int) -> int:
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}/cg.%p",
                sys.executable,
                __file__,
                "--inner",
                str(claims),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inner", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.inner:
        _inner(a.inner)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    counts = {n: _count(n) for n in SIZES}
    small, large = SIZES
    per_claim = (counts[large] - counts[small]) / (large - small)
    print(
        json.dumps(
            {
                "instructions_per_claim": round(per_claim),
                "instructions": {str(n): c for n, c in counts.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
