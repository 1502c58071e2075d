"""Bulk Data NDJSON in: the generator's FHIR output imported as one unit (counted from its
files), its claims' money kept exactly, exported and imported again unchanged."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from tests.conftest import make_settings
from tests.interop.fhir_data import cents
from tests.interop.test_fhir_import import all_claims, exported
from thamani.claims.records import ClaimStatus
from thamani.clock import ManualClock
from thamani.interop.fhir.validation import IMPORTED
from thamani.platform import Platform, open_platform
from thamani.synth.export import export_region
from thamani.synth.writers import Format


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "fhir"
    export_region(out, Format.FHIR, people=500, years=1, seed=2)
    return out


def resources(directory: Path) -> list[dict[str, object]]:
    return [
        orjson.loads(line)
        for f in sorted(directory.glob("*.ndjson"))
        for line in f.read_bytes().splitlines()
    ]


def test_the_generated_ndjson_imports_whole_and_again_changes_nothing(
    platform: Platform, region: Path
) -> None:
    rows = resources(region)
    counts = Counter(str(r["resourceType"]) for r in rows)
    summary = platform.fhir.import_path(region)
    assert [u.ok for u in summary.units] == [True], summary.failed
    assert summary.total("read") == dict(sorted(counts.items()))
    assert summary.total("added") == {t: n for t, n in sorted(counts.items()) if t in IMPORTED}
    assert summary.total("skipped") == {"QuestionnaireResponse": counts["QuestionnaireResponse"]}
    claims = all_claims(platform)
    assert len(claims) == counts["Claim"]
    assert {c.status for c in claims} == {ClaimStatus.BILLED}
    total = sum(cents(r["total"]["value"]) for r in rows if r["resourceType"] == "Claim")
    assert sum(c.asked for c in claims) == total == sum(c.not_covered for c in claims)
    assert sum(c.payer for c in claims) == 0
    again = platform.fhir.import_path(region)
    assert again.total("added") == {}
    assert again.total("unchanged") == summary.total("added")


def test_the_generated_ndjson_round_trips(
    platform: Platform, region: Path, tmp_path: Path, clock: ManualClock
) -> None:
    platform.fhir.import_path(region)
    one = platform.fhir.export(tmp_path / "one")
    counts = Counter(str(r["resourceType"]) for r in resources(region))
    assert one.counts["Coverage"] == counts["Coverage"]
    assert one.counts["Patient"] == counts["Patient"]
    fresh = open_platform(make_settings(tmp_path / "fresh"), clock=clock)
    try:
        summary = fresh.fhir.import_path(one.directory)
        assert [u.ok for u in summary.units] == [True], summary.failed
        two = fresh.fhir.export(tmp_path / "two")
    finally:
        fresh.close()
    assert exported(two.directory) == exported(one.directory)


def test_a_reference_to_a_patient_nobody_knows_writes_nothing(
    platform: Platform, tmp_path: Path
) -> None:
    (tmp_path / "Coverage.ndjson").write_bytes(
        orjson.dumps(
            {
                "resourceType": "Coverage",
                "id": "c1",
                "status": "active",
                "beneficiary": {"reference": "Patient/nobody"},
                "payor": [{"display": "Somebody Insurance"}],
                "period": {"start": "2025-01-01"},
            }
        )
        + b"\n"
    )
    summary = platform.fhir.import_path(tmp_path)
    [unit] = summary.failed
    [issue] = unit.issues
    assert issue.expression == "Coverage.beneficiary.reference"
    assert issue.code == "not-found"
    assert platform.schemes.programmes() == []
