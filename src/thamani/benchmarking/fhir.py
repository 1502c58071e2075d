"""How fast FHIR R4 comes in: ``fhir_resources_per_second``.

A synthetic region written by ``thamani synth --format fhir --people N`` (Bulk Data NDJSON)
is regrouped, untimed, into one ``transaction`` Bundle per patient (the patient and every
resource about them, referring to each other by ``urn:uuid`` fullUrls, as Synthea writes
its bundles) after one ``collection`` Bundle of the organisations. The figure is the
resources of all the bundles imported per second into a fresh embedded store (SQLite,
``synchronous=FULL``): reading, validating every resource against the R4B models,
resolving references, mapping, and writing parties, the clinical record and the claims
(recorded as billed) with their programmes. The same files as NDJSON (one unit) are
measured too, and the five real Synthea HIV bundles of the test data (``hiv``: 1,244
resources, 155 Claim and ExplanationOfBenefit pairs recorded with their payments on the
ledger), imported three times, each into a fresh store (the median).
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

from thamani.clock import ManualClock
from thamani.config import Environment, Settings
from thamani.platform import open_platform

#: The five Synthea HIV bundles in the repository's test data.
HIV = Path(__file__).resolve().parents[3] / "tests/interop/data/fhir-r4-synthea-hiv"
#: The element that names each resource's patient.
PATIENT_OF = {"Coverage": "beneficiary", "Claim": "patient"}


def _urn(rtype: str, rid: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{rtype}/{rid}')}"


def _relink(node: Any, local: set[str]) -> Any:
    """References to resources of the same bundle as their urn:uuid."""
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str) and ref in local:
            rtype, _, rid = ref.partition("/")
            node = {**node, "reference": _urn(rtype, rid)}
        return {k: _relink(v, local) for k, v in node.items()}
    if isinstance(node, list):
        return [_relink(v, local) for v in node]
    return node


def bundles(ndjson: Path, out: Path) -> tuple[int, int]:
    """Per-patient transaction Bundles from a synth NDJSON directory; returns (bundles,
    resources)."""
    out.mkdir(parents=True, exist_ok=True)
    by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    orgs = []
    for f in sorted(ndjson.glob("*.ndjson")):
        for line in f.read_bytes().splitlines():
            r = orjson.loads(line)
            rtype = r["resourceType"]
            if rtype == "Organization":
                orgs.append(r)
                continue
            if rtype == "Patient":
                by_patient[f"Patient/{r['id']}"].insert(0, r)
                continue
            who = r.get(PATIENT_OF.get(rtype, "subject")) or {}
            by_patient[who.get("reference", "")].append(r)
    entries = [{"resource": r} for r in orgs]
    (out / "0-organizations.json").write_bytes(
        orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
    )
    count = len(orgs)
    for k, (_, resources) in enumerate(sorted(by_patient.items())):
        local = {f"{r['resourceType']}/{r['id']}" for r in resources}
        entries = [
            {
                "fullUrl": _urn(r["resourceType"], r["id"]),
                "resource": _relink(r, local),
                "request": {"method": "POST", "url": r["resourceType"]},
            }
            for r in resources
        ]
        body = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        (out / f"patient-{k:06d}.json").write_bytes(orjson.dumps(body))
        count += len(resources)
    return len(by_patient) + 1, count


def _timed(path: Path, work: Path) -> dict[str, Any]:
    p = open_platform(Settings(environment=Environment.TEST, data_dir=work), clock=ManualClock())
    try:
        started = time.perf_counter()
        summary = p.fhir.import_path(path)
        seconds = time.perf_counter() - started
    finally:
        p.close()
    if summary.failed:
        raise RuntimeError(f"{summary.failed[0].name} failed: {summary.failed[0].issues[:3]}")
    read = sum(summary.total("read").values())
    return {
        "units": len(summary.units),
        "resources": read,
        "stored": sum(summary.total("added").values()),
        "seconds": round(seconds, 3),
        "resources_per_second": round(read / seconds),
    }


def run(people: int = 2_000, seed: int = 1, quiet: bool = False) -> dict[str, Any]:
    """Write the region, regroup it, and time both imports, each into a fresh store."""
    from thamani.synth.export import export_region
    from thamani.synth.writers import Format

    with tempfile.TemporaryDirectory(prefix="thamani-bench-fhir-") as tmp:
        root = Path(tmp)
        if not quiet:
            print(f"writing FHIR NDJSON for {people:,} people", file=sys.stderr)
        export_region(root / "ndjson", Format.FHIR, people=people, years=1, seed=seed)
        made, _ = bundles(root / "ndjson", root / "bundles")
        if not quiet:
            print(f"importing {made:,} bundles", file=sys.stderr)
        by_bundle = _timed(root / "bundles", root / "store-bundles")
        if not quiet:
            print("importing the NDJSON", file=sys.stderr)
        by_ndjson = _timed(root / "ndjson", root / "store-ndjson")
        hiv = None
        if HIV.is_dir():
            if not quiet:
                print("importing the Synthea HIV bundles x 3", file=sys.stderr)
            runs = [_timed(HIV, root / f"store-hiv-{k}") for k in range(3)]
            hiv = sorted(runs, key=lambda r: r["seconds"])[1]
    return {
        "people": people,
        **by_bundle,
        "ndjson": by_ndjson,
        **({"hiv": hiv} if hiv else {}),
    }
