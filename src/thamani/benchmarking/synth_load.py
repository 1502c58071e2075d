"""The loader's figure: a synthetic county loaded into a fresh embedded store.

Generates ``people`` people and a year of their care, then loads them through the rooms'
batch paths (``platform.synth``) into a new SQLite store in a temporary directory
(``synchronous=FULL``, as the platform runs it), and reports:

- ``claims_per_second``: claims over the time spent in ``Claims.submit_batch``
  (adjudication and settlement with their ledger transfers);
- ``load_seconds``: the whole load (parties, wallets, programmes, enrolment, top-ups,
  claims, out-of-pocket payments, referrals, deaths), and each stage's seconds;
- ``encounters_per_second``: encounters of the care stage over its seconds (top-ups,
  claims and wallet payments together).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from thamani.config import Environment, Settings
from thamani.platform import open_platform


def run(people: int = 20_000, years: int = 1, seed: int = 1, quiet: bool = False) -> dict[str, Any]:
    """Measure loading a generated county of ``people`` people into a new store."""
    with tempfile.TemporaryDirectory(prefix="thamani-bench-load-") as tmp:
        settings = Settings(environment=Environment.DEVELOPMENT, data_dir=Path(tmp) / "data")
        plat = open_platform(settings)
        try:
            if not quiet:
                print(f"loading {people:,} people x {years} year(s) into {tmp}", file=sys.stderr)
            done = plat.synth.synthesise(people=people, years=years, seed=seed)
        finally:
            plat.close()
    t = done.tallies
    care = t.seconds.get("care", 0.0)
    encounters = t.claims.get("submitted", 0) + t.own_money.get("care_wallet_payments", 0)
    encounters += t.own_money.get("care_desk_encounters", 0)
    return {
        "people": people,
        "years": years,
        "seed": seed,
        "claims": t.claims.get("submitted", 0),
        "claims_paid": t.claims.get("paid", 0),
        "wallet_payments": t.own_money.get("care_wallet_payments", 0),
        "top_ups": t.top_ups.get("count", 0),
        "claims_per_second": round(done.claims_per_second),
        "encounters_per_second": round(encounters / care) if care else 0,
        "generate_seconds": round(done.generate_seconds, 2),
        "load_seconds": round(done.seconds, 2),
        "stage_seconds": dict(t.seconds),
        "cores": os.cpu_count(),
    }
