"""The FHIR import figure counts every resource of the generated bundles (a small run)."""

from __future__ import annotations

from pathlib import Path

import orjson

from thamani.benchmarking import fhir
from thamani.synth.export import export_region
from thamani.synth.writers import Format


def test_the_bundles_hold_every_resource_once_and_import_whole(tmp_path: Path) -> None:
    export_region(tmp_path / "ndjson", Format.FHIR, people=500, years=1, seed=2)
    written = sum(len(f.read_bytes().splitlines()) for f in (tmp_path / "ndjson").glob("*.ndjson"))
    patients = len((tmp_path / "ndjson" / "Patient.ndjson").read_bytes().splitlines())
    made, resources = fhir.bundles(tmp_path / "ndjson", tmp_path / "bundles")
    assert (made, resources) == (patients + 1, written)
    one = orjson.loads(sorted((tmp_path / "bundles").glob("patient-*.json"))[0].read_bytes())
    assert one["type"] == "transaction"
    assert one["entry"][0]["resource"]["resourceType"] == "Patient"
    refs = [e["resource"].get("subject", {}).get("reference") for e in one["entry"][1:]]
    assert all(r.startswith("urn:uuid:") for r in refs if r)
    figure = fhir._timed(tmp_path / "bundles", tmp_path / "store")
    assert figure["units"] == made
    assert figure["resources"] == written
    assert figure["resources_per_second"] > 0
