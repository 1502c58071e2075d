"""Reading FHIR: Bundles and NDJSON as units, each resource validated against R4B, and
references resolved; every fault named by resource and element."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.interop.fhir_data import bundle_files, entry_of, first_bundle, load, types_in
from thamani.interop.fhir.outcomes import FhirError
from thamani.interop.fhir.references import Index, unresolved_urns
from thamani.interop.fhir.sources import UnitKind, pending_units, read_bundle
from thamani.interop.fhir.validation import IMPORTED, check_unit


def test_the_five_hiv_bundles_read_validate_and_resolve() -> None:
    bundles = [load(f) for f in bundle_files()]
    assert len(bundles) == 5
    units = [p.read() for p in pending_units(bundle_files()[0].parent)]
    assert [u.kind for u in units] == [UnitKind.BUNDLE] * 5
    assert [u.bundle_type for u in units] == ["transaction"] * 5
    checked = [c for u in units for c in check_unit(u)]
    assert len(checked) == sum(len(b["entry"]) for b in bundles)
    counts = types_in(bundles)
    imported = sum(n for t, n in counts.items() if t in IMPORTED)
    assert sum(c.imported for c in checked) == imported
    assert {c.type for c in checked if not c.imported} == {
        "DiagnosticReport",
        "DocumentReference",
        "Provenance",
    }
    for u in units:
        found = check_unit(u)
        index = Index(found)
        assert [i for c in found for i in unresolved_urns(c, index)] == []


def test_references_resolve_to_bundle_entries_or_outside_resources() -> None:
    bundle = first_bundle()
    unit = read_bundle(bundle)
    checked = check_unit(unit)
    index = Index(checked)
    k = entry_of(bundle, "ExplanationOfBenefit")
    eob = checked[k]
    where = unit.entries[k].where
    patient = index.resolve(eob.resource["patient"], f"{where}.patient", eob, ("Patient",))
    assert patient is not None
    assert (patient.type, patient.id, patient.local) == (
        "Patient",
        bundle["entry"][0]["resource"]["id"],
        True,
    )
    claim = index.resolve(eob.resource["claim"], f"{where}.claim", eob, ("Claim",))
    assert claim is not None
    assert claim.local
    assert bundle["entry"][entry_of(bundle, "Claim")]["resource"]["id"] == claim.id
    provider = index.resolve(eob.resource["provider"], f"{where}.provider", eob)
    assert provider is not None
    assert provider.type == "Practitioner"
    assert provider.identifier is not None
    assert provider.identifier.startswith("http://hl7.org/fhir/sid/us-npi|")
    assert not provider.local
    coverage = index.resolve(eob.resource["insurance"][0]["coverage"], "x", eob)
    assert coverage is not None
    assert coverage.contained is not None
    assert coverage.contained["resourceType"] == "Coverage"
    with pytest.raises(FhirError) as e:
        index.resolve(eob.resource["claim"], f"{where}.claim", eob, ("Patient",))
    assert e.value.issues[0].expression == f"{where}.claim.reference"


def _issues(bundle: Any) -> list[Any]:
    with pytest.raises(FhirError) as e:
        check_unit(read_bundle(orjson.dumps(bundle)))
    return e.value.issues


def test_a_missing_required_element_is_named() -> None:
    bundle = first_bundle()
    k = entry_of(bundle, "Encounter", 2)
    del bundle["entry"][k]["resource"]["status"]
    [issue] = _issues(bundle)
    assert issue.code == "required"
    assert issue.expression == f"Bundle.entry[{k}].resource.status"
    rid = bundle["entry"][k]["resource"]["id"]
    assert f"Encounter/{rid}" in issue.diagnostics


def test_a_bad_amount_and_an_unknown_element_are_named() -> None:
    bundle = first_bundle()
    k = entry_of(bundle, "Claim", 1)
    bundle["entry"][k]["resource"]["total"]["value"] = "twelve"
    bundle["entry"][k]["resource"]["item"][1]["colour"] = "blue"
    found = {(i.code, i.expression) for i in _issues(bundle)}
    assert found == {
        ("value", f"Bundle.entry[{k}].resource.total.value"),
        ("structure", f"Bundle.entry[{k}].resource.item[1].colour"),
    }


def test_an_unknown_resource_type_is_named() -> None:
    bundle = first_bundle()
    bundle["entry"][3]["resource"]["resourceType"] = "Banana"
    [issue] = _issues(bundle)
    assert (issue.code, issue.expression) == (
        "not-supported",
        "Bundle.entry[3].resource.resourceType",
    )
    assert "Banana" in issue.diagnostics


def test_an_unresolvable_urn_uuid_is_named() -> None:
    bundle = first_bundle()
    k = entry_of(bundle, "Observation", 4)
    bundle["entry"][k]["resource"]["encounter"]["reference"] = "urn:uuid:0000-nowhere"
    checked = check_unit(read_bundle(bundle))
    index = Index(checked)
    [issue] = [i for c in checked for i in unresolved_urns(c, index)]
    assert issue.expression == f"Bundle.entry[{k}].resource.encounter.reference"
    assert issue.code == "not-found"


PATIENT = b'{"resource": {"resourceType": "Patient"}'
TXN = b'{"resourceType": "Bundle", "type": "transaction", "entry": ['
DELETE = b'"request": {"method": "DELETE", "url": "Patient/1"}'


@pytest.mark.parametrize(
    ("body", "expression", "code"),
    [
        (b"{not json", None, "structure"),
        (b'{"resourceType": "Patient"}', "Bundle.resourceType", "structure"),
        (b'{"resourceType": "Bundle", "type": "searchset"}', "Bundle.type", "not-supported"),
        (TXN + PATIENT + b"}]}", "Bundle.entry[0].request", "required"),
        (TXN + b'{"fullUrl": 3}]}', "Bundle.entry[0].fullUrl", "value"),
        (
            TXN + PATIENT + b", " + DELETE + b"}]}",
            "Bundle.entry[0].request.method",
            "not-supported",
        ),
    ],
)
def test_a_malformed_bundle_is_refused_whole(
    body: bytes, expression: str | None, code: str
) -> None:
    with pytest.raises(FhirError) as e:
        read_bundle(body, "broken.json")
    issue = e.value.issues[0]
    assert (issue.expression, issue.code) == (expression, code)


def test_duplicate_and_id_less_resources_are_refused() -> None:
    bundle = first_bundle()
    twin = dict(bundle["entry"][5])
    bundle["entry"].append(twin)
    nameless = {
        "resource": {"resourceType": "Patient"},
        "request": {"method": "POST", "url": "Patient"},
    }
    bundle["entry"].append(nameless)
    n = len(bundle["entry"])
    found = [(i.code, i.expression) for i in _issues(bundle)]
    assert found == [
        ("duplicate", f"Bundle.entry[{n - 2}].resource.id"),
        ("required", f"Bundle.entry[{n - 1}].resource.id"),
    ]


def _ndjson(dir: Path, rtype: str, rows: list[dict[str, Any]]) -> None:
    (dir / f"{rtype}.ndjson").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))


def test_ndjson_files_are_one_unit_with_references_across_files(tmp_path: Path) -> None:
    _ndjson(tmp_path, "Patient", [{"resourceType": "Patient", "id": "p1", "gender": "female"}])
    _ndjson(tmp_path, "Encounter", [
        {"resourceType": "Encounter", "id": "e1", "status": "finished", "class": {"code": "AMB"},
         "subject": {"reference": "Patient/p1"}},
        {"resourceType": "Encounter", "id": "e2", "status": "finished", "class": {"code": "AMB"},
         "subject": {"reference": "Patient/p9"}},
    ])  # fmt: skip
    [pending] = pending_units(tmp_path)
    unit = pending.read()
    assert unit.kind is UnitKind.NDJSON
    checked = check_unit(unit)
    assert [(c.type, c.id) for c in checked] == [
        ("Encounter", "e1"),
        ("Encounter", "e2"),
        ("Patient", "p1"),
    ]
    index = Index(checked)
    one = index.resolve(
        checked[0].resource["subject"], "Encounter.subject", checked[0], ("Patient",)
    )
    nine = index.resolve(
        checked[1].resource["subject"], "Encounter.subject", checked[1], ("Patient",)
    )
    assert one is not None
    assert nine is not None
    assert (one.local, nine.local, nine.key) == (True, False, ("Patient", "p9"))


def test_an_ndjson_line_that_fails_names_its_file_and_line(tmp_path: Path) -> None:
    _ndjson(tmp_path, "Observation", [
        {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "x"}},
        {"resourceType": "Observation", "id": "o2", "code": {"text": "x"}},
    ])  # fmt: skip
    [pending] = pending_units(tmp_path)
    with pytest.raises(FhirError) as e:
        check_unit(pending.read())
    [issue] = e.value.issues
    assert issue.expression == "Observation.status"
    assert "Observation/o2 (Observation.ndjson:2)" in issue.diagnostics
    (tmp_path / "Observation.ndjson").write_bytes(b'{"resourceType": "Observation"}\n{oops\n')
    with pytest.raises(FhirError) as e:
        next(pending_units(tmp_path)).read()
    assert e.value.issues[0].expression == "Observation.ndjson:2"
