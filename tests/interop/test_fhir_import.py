"""Importing FHIR R4: the five Synthea HIV bundles into a store, counted and totalled from
their own JSON; imported again, nothing changes; a malformed bundle writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import make_settings
from tests.interop.fhir_data import (
    HIV,
    bundle_files,
    claim_totals,
    entry_of,
    eob_payments,
    first_bundle,
    load,
    types_in,
)
from thamani.claims.records import Claim, ClaimStatus
from thamani.clinical.records import Kind
from thamani.clock import ManualClock
from thamani.interop.fhir.outcomes import FhirError
from thamani.interop.fhir.results import ImportSummary
from thamani.interop.fhir.validation import IMPORTED
from thamani.parties.records import PartyKind
from thamani.platform import Platform, open_platform

#: Resource types stored in the clinical record, by kind.
CLINICAL = {
    Kind.ENCOUNTER: "Encounter",
    Kind.CONDITION: "Condition",
    Kind.OBSERVATION: "Observation",
    Kind.IMMUNIZATION: "Immunization",
}


def all_claims(p: Platform) -> list[Claim]:
    out: list[Claim] = []
    while page := p.claims.claims(after=out[-1].no if out else 0, limit=1000):
        out.extend(page)
    return out


def stored(p: Platform) -> dict[str, Any]:
    """What the store holds, in the terms the bundles count."""
    counts = p.clinical.counts("fhir")
    patients = [x for x in p.parties.all(PartyKind.PATIENT) if x.reference]
    claims = all_claims(p)
    return {
        "clinical": {k: n for k, n in counts.items() if n},
        "patients": sorted(x.reference or "" for x in patients),
        "claims": len(claims),
        "statuses": {c.status for c in claims},
        "charged": sum(c.asked for c in claims),
        "payer_paid": sum(c.payer for c in claims),
        "currencies": {c.currency for c in claims},
    }


def test_the_hiv_bundles_import_with_their_counts(platform: Platform) -> None:
    bundles = [load(f) for f in bundle_files()]
    expected = types_in(bundles)
    summary = platform.fhir.import_path(HIV)
    assert [u.ok for u in summary.units] == [True] * 5, summary.failed
    assert summary.total("read") == dict(sorted(expected.items()))
    assert summary.total("skipped") == {
        t: n for t, n in sorted(expected.items()) if t not in IMPORTED
    }
    assert summary.total("added") == {t: n for t, n in sorted(expected.items()) if t in IMPORTED}
    after = stored(platform)
    assert after["clinical"] == {k: expected[t] for k, t in CLINICAL.items()}
    assert after["patients"] == sorted(f"member:{b['entry'][0]['resource']['id']}" for b in bundles)
    assert after["claims"] == expected["Claim"] == expected["ExplanationOfBenefit"]
    assert after["statuses"] == {ClaimStatus.PAID}
    assert after["currencies"] == {"USD"}
    assert after["charged"] == claim_totals(bundles)
    assert after["payer_paid"] == eob_payments(bundles)
    assert summary.money() == {
        "USD": {
            "charged": claim_totals(bundles),
            "payer_paid": eob_payments(bundles),
            "patient_paid": summary.money()["USD"]["patient_paid"],
            "outstanding": 0,
        }
    }
    assert platform.verify_ledger().ok
    again = platform.fhir.import_path(HIV)
    assert again.total("added") == {}
    assert again.total("unchanged") == summary.total("added")
    assert stored(platform) == after


def test_a_malformed_bundle_writes_nothing_and_the_others_import(
    platform: Platform, tmp_path: Path
) -> None:
    for f in bundle_files()[1:3]:
        shutil.copy(f, tmp_path / f.name)
    bundle = first_bundle()
    k = entry_of(bundle, "Observation", 3)
    bundle["entry"][k]["resource"]["subject"]["reference"] = "urn:uuid:nobody"
    (tmp_path / "0-broken.json").write_bytes(orjson.dumps(bundle))
    summary: ImportSummary = platform.fhir.import_path(tmp_path)
    assert [(u.name, u.ok) for u in summary.units] == [
        ("0-broken.json", False),
        *[(f.name, True) for f in bundle_files()[1:3]],
    ]
    [issue] = summary.failed[0].issues
    assert issue.expression == f"Bundle.entry[{k}].resource.subject.reference"
    assert len(stored(platform)["patients"]) == 2
    with pytest.raises(FhirError):
        platform.fhir.import_bundle(orjson.dumps(bundle))
    assert len(stored(platform)["patients"]) == 2


def exported(directory: Path) -> dict[str, list[bytes]]:
    """An export's resources by type, each file's lines sorted (the order of a store's
    rows is not the export's meaning)."""
    manifest = orjson.loads((directory / "manifest.json").read_bytes())
    out = {}
    for o in manifest["output"]:
        lines = (directory / o["url"]).read_bytes().splitlines()
        assert len(lines) == o["count"]
        out[o["type"]] = sorted(lines)
    return out


def test_export_import_export_changes_nothing(
    platform: Platform, tmp_path: Path, clock: ManualClock
) -> None:
    platform.fhir.import_path(HIV)
    one = platform.fhir.export(tmp_path / "one")
    manifest = orjson.loads(one.manifest.read_bytes())
    assert manifest["requiresAccessToken"] is False
    assert manifest["transactionTime"] == one.transaction_time
    counts = {o["type"]: o["count"] for o in manifest["output"]}
    bundles = [load(f) for f in bundle_files()]
    expected = types_in(bundles)
    for rtype in ("Patient", "Encounter", "Observation", "Immunization", "Condition", "Claim",
                  "ExplanationOfBenefit"):  # fmt: skip
        assert counts[rtype] == expected[rtype]
    lines = [
        line
        for t in ("Claim", "ExplanationOfBenefit")
        for line in (one.directory / f"{t}.ndjson").read_bytes().splitlines()
    ]
    as_bundle = {"entry": [{"resource": orjson.loads(line)} for line in lines]}
    assert claim_totals([as_bundle]) == claim_totals(bundles)
    assert eob_payments([as_bundle]) == eob_payments(bundles)
    fresh = open_platform(make_settings(tmp_path / "fresh"), clock=clock)
    try:
        summary = fresh.fhir.import_path(tmp_path / "one")
        assert [u.ok for u in summary.units] == [True], summary.failed
        assert summary.total("added") == dict(counts.items())
        two = fresh.fhir.export(tmp_path / "two")
    finally:
        fresh.close()
    assert exported(two.directory) == exported(one.directory)


@pytest.mark.parametrize(
    ("resource", "element", "value", "expression"),
    [
        ("Claim", ("total", "currency"), "XYZ", "total.currency"),
        ("ExplanationOfBenefit", ("payment", "amount", "value"), -5, "payment.amount.value"),
        # one currency per claim: the EOB's lines are in USD
        ("Claim", ("item", 1, "net", "currency"), "KES", "item[1].net.currency"),
    ],
)
def test_a_bad_amount_is_named_and_writes_nothing(
    platform: Platform,
    resource: str,
    element: tuple[str | int, ...],
    value: object,
    expression: str,
) -> None:
    bundle = first_bundle()
    k = entry_of(bundle, resource, 2)
    node = bundle["entry"][k]["resource"]
    for step in element[:-1]:
        node = node[step]
    node[element[-1]] = value
    with pytest.raises(FhirError) as e:
        platform.fhir.import_bundle(orjson.dumps(bundle))
    [issue] = e.value.issues
    assert issue.expression == f"Bundle.entry[{k}].resource.{expression}"
    assert stored(platform)["patients"] == []
    assert stored(platform)["claims"] == 0
    assert platform.schemes.programmes() == []


def test_a_synthea_csv_import_goes_out_as_fhir_and_comes_back_the_same(
    platform: Platform, tmp_path: Path, clock: ManualClock
) -> None:
    from thamani.interop.synthea.importer import SyntheaImport

    SyntheaImport(platform).run(Path(__file__).parent / "data" / "synthea-csv-27")
    before = stored(platform)
    one = platform.fhir.export(tmp_path / "one")
    assert one.counts["Claim"] == before["claims"] == 1_267
    assert one.counts["Patient"] == 27
    fresh = open_platform(make_settings(tmp_path / "fresh"), clock=clock)
    try:
        summary = fresh.fhir.import_path(one.directory)
        assert [u.ok for u in summary.units] == [True], summary.failed
        after = stored(fresh)
        two = fresh.fhir.export(tmp_path / "two")
    finally:
        fresh.close()
    assert (after["claims"], after["charged"], after["payer_paid"]) == (
        before["claims"],
        before["charged"],
        before["payer_paid"],
    )
    assert exported(two.directory) == exported(one.directory)
