"""Codes under FHIR R4 required bindings are checked against their value sets: a status
of ``marvellous`` is refused, naming resource and element, and nothing is written."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from tests.interop.fhir_data import entry_of, first_bundle
from thamani.interop.fhir.outcomes import FhirError
from thamani.interop.fhir.sources import read_bundle
from thamani.interop.fhir.validation import check_unit
from thamani.platform import Platform

CLINICAL = "http://terminology.hl7.org/CodeSystem/"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1990-04-02"}
SNOMED = {"coding": [{"system": "http://snomed.info/sct", "code": "91935009"}]}
#: Sound resources of the imported types the Synthea HIV bundles do not have.
OTHERS: dict[str, dict[str, Any]] = {
    "Condition": {
        "resourceType": "Condition",
        "id": "d1",
        "clinicalStatus": {
            "coding": [{"system": f"{CLINICAL}condition-clinical", "code": "active"}]
        },
        "verificationStatus": {
            "coding": [{"system": f"{CLINICAL}condition-ver-status", "code": "confirmed"}]
        },
        "code": SNOMED,
        "subject": {"reference": "Patient/p1"},
    },
    "MedicationRequest": {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": SNOMED,
        "subject": {"reference": "Patient/p1"},
    },
    "Procedure": {
        "resourceType": "Procedure",
        "id": "x1",
        "status": "completed",
        "code": SNOMED,
        "subject": {"reference": "Patient/p1"},
    },
    "Coverage": {
        "resourceType": "Coverage",
        "id": "c1",
        "status": "active",
        "beneficiary": {"reference": "Patient/p1"},
        "payor": [{"display": "Aetna"}],
    },
    "AllergyIntolerance": {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "clinicalStatus": {
            "coding": [{"system": f"{CLINICAL}allergyintolerance-clinical", "code": "active"}]
        },
        "verificationStatus": {
            "coding": [
                {"system": f"{CLINICAL}allergyintolerance-verification", "code": "confirmed"}
            ]
        },
        "type": "allergy",
        "category": ["food", "environment"],
        "criticality": "low",
        "code": SNOMED,
        "patient": {"reference": "Patient/p1"},
        "reaction": [{"manifestation": [SNOMED], "severity": "mild"}],
    },
}


def collection() -> dict[str, Any]:
    resources = [PATIENT, *OTHERS.values()]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": copy.deepcopy(r)} for r in resources],
    }


def issues_of(bundle: dict[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(FhirError) as e:
        check_unit(read_bundle(orjson.dumps(bundle)))
    return [(i.code, i.expression) for i in e.value.issues]


def test_sound_codes_pass() -> None:
    assert len(check_unit(read_bundle(collection()))) == 1 + len(OTHERS)
    assert len(check_unit(read_bundle(first_bundle()))) == len(first_bundle()["entry"])


@pytest.mark.parametrize(
    ("rtype", "nth", "path", "value", "expression"),
    [
        ("Encounter", 2, ("status",), "marvellous", "status"),
        ("Observation", 0, ("status",), "done", "status"),
        ("Immunization", 1, ("status",), "given", "status"),
        ("Claim", 3, ("status",), "open", "status"),
        ("Claim", 3, ("use",), "bill", "use"),
        ("ExplanationOfBenefit", 0, ("outcome",), "paid", "outcome"),
        ("ExplanationOfBenefit", 0, ("status",), "final", "status"),
        ("Patient", 0, ("gender",), "f", "gender"),
    ],
)  # fmt: skip
def test_a_code_outside_its_value_set_is_named_in_the_hiv_bundle(
    rtype: str, nth: int, path: tuple[str | int, ...], value: str, expression: str
) -> None:
    bundle = first_bundle()
    k = entry_of(bundle, rtype, nth)
    node = bundle["entry"][k]["resource"]
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    assert issues_of(bundle) == [("code-invalid", f"Bundle.entry[{k}].resource.{expression}")]


@pytest.mark.parametrize(
    ("rtype", "path", "value", "expression"),
    [
        (
            "Condition", ("clinicalStatus", "coding", 0, "code"), "cured",
            "clinicalStatus.coding[0].code",
        ),
        (
            "Condition", ("verificationStatus", "coding", 0, "system"), "http://example.org/vs",
            "verificationStatus.coding",
        ),
        ("MedicationRequest", ("status",), "finished", "status"),
        ("MedicationRequest", ("intent",), "wish", "intent"),
        ("Procedure", ("status",), "done", "status"),
        ("Coverage", ("status",), "valid", "status"),
        (
            "AllergyIntolerance", ("clinicalStatus", "coding", 0, "code"), "gone",
            "clinicalStatus.coding[0].code",
        ),
        ("AllergyIntolerance", ("category", 1), "pollen", "category[1]"),
        ("AllergyIntolerance", ("criticality",), "very", "criticality"),
        ("AllergyIntolerance", ("reaction", 0, "severity"), "awful", "reaction[0].severity"),
    ],
)  # fmt: skip
def test_a_code_outside_its_value_set_is_named(
    rtype: str, path: tuple[str | int, ...], value: str, expression: str
) -> None:
    bundle = collection()
    k = 1 + list(OTHERS).index(rtype)
    node = bundle["entry"][k]["resource"]
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    assert issues_of(bundle) == [("code-invalid", f"Bundle.entry[{k}].resource.{expression}")]


def test_a_marvellous_encounter_is_refused_and_nothing_is_written(platform: Platform) -> None:
    bundle = first_bundle()
    k = entry_of(bundle, "Encounter", 4)
    bundle["entry"][k]["resource"]["status"] = "marvellous"
    with pytest.raises(FhirError) as e:
        platform.fhir.import_bundle(orjson.dumps(bundle))
    [issue] = e.value.issues
    rid = bundle["entry"][k]["resource"]["id"]
    assert issue.expression == f"Bundle.entry[{k}].resource.status"
    assert issue.diagnostics.startswith(f"Encounter/{rid} (request entry {k}): 'marvellous'")
    assert "http://hl7.org/fhir/ValueSet/encounter-status" in issue.diagnostics
    assert sum(platform.clinical.counts().values()) == 0
    assert platform.claims.claims() == []
    assert [p for p in platform.parties.all() if (p.reference or "").startswith("member:")] == []
