"""Import figures: how fast real data comes in.

- ``synthea_resources_per_second``: rows of a Synthea CSV export imported per second
  (all tables together: patients, payers, cover, the clinical record, claims and their
  transactions; the ledger transfers of the claims' payments included), into a fresh
  embedded store (SQLite, ``synchronous=FULL``). Measured on an export written by
  ``thamani synth --format synthea --people N`` (writing it is not timed).
- ``synthea_27``: the same for the real 27-patient export (tests/interop/data), imported
  ``repeats`` times, each into a fresh store; the median is reported.
- ``fhir_resources_per_second``: resources of FHIR R4 transaction Bundles (one per
  patient, from ``thamani synth --format fhir --people N``) imported per second; the same
  files as Bulk Data NDJSON under ``fhir.ndjson`` (see ``thamani.benchmarking.fhir``).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from thamani.clock import ManualClock
from thamani.config import Environment, Settings
from thamani.interop.synthea.importer import Summary, SyntheaImport
from thamani.platform import open_platform

#: The real 27-patient export, in the repository's test data.
SYNTHEA_27 = Path(__file__).resolve().parents[3] / "tests/interop/data/synthea-csv-27"


def _import(directory: Path, currency: str, work: Path) -> Summary:
    settings = Settings(environment=Environment.TEST, data_dir=work)
    p = open_platform(settings, clock=ManualClock())
    try:
        return SyntheaImport(p).run(directory, currency_code=currency)
    finally:
        p.close()


def synthea(directory: Path, currency: str, repeats: int = 1) -> dict[str, Any]:
    """Import ``directory`` ``repeats`` times, each into a fresh store."""
    seconds = []
    summary = None
    with tempfile.TemporaryDirectory(prefix="thamani-bench-interop-") as tmp:
        for k in range(repeats):
            started = time.perf_counter()
            summary = _import(directory, currency, Path(tmp) / f"store-{k}")
            seconds.append(time.perf_counter() - started)
    assert summary is not None
    median = statistics.median(seconds)
    return {
        "resources": summary.resources,
        "claims": summary.added["claims"],
        "transfers": summary.transfers,
        "seconds": round(median, 3),
        "resources_per_second": round(summary.resources / median),
        "runs": len(seconds),
    }


def fhir(people: int, seed: int, quiet: bool) -> dict[str, Any] | None:
    """The FHIR import's figures (None when no people are asked for)."""
    if not people:
        return None
    from thamani.benchmarking import fhir as fhir_bench

    return fhir_bench.run(people, seed, quiet)


def run(
    people: int = 2_000, repeats: int = 5, seed: int = 1, quiet: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if SYNTHEA_27.is_dir():
        if not quiet:
            print(f"importing {SYNTHEA_27.name} x {repeats}", file=sys.stderr)
        out["synthea_27"] = synthea(SYNTHEA_27, "USD", repeats)
    if people:
        from thamani.synth.export import export_region
        from thamani.synth.writers import Format

        with tempfile.TemporaryDirectory(prefix="thamani-bench-synthea-") as tmp:
            files = Path(tmp) / "synthea"
            if not quiet:
                print(f"writing a Synthea export of {people:,} people", file=sys.stderr)
            export_region(files, Format.SYNTHEA, people=people, years=1, seed=seed)
            out["synthea_generated"] = {"people": people, **synthea(files, "KES", 1)}
    headline = out.get("synthea_generated") or out.get("synthea_27")
    figure = fhir(people, seed, quiet)
    return {
        "synthea_resources_per_second": headline["resources_per_second"] if headline else None,
        "fhir_resources_per_second": figure["resources_per_second"] if figure else None,
        **out,
        **({"fhir": figure} if figure else {}),
    }
