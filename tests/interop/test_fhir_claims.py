"""FHIR R4: a Claim read and written back unchanged, answered by a ClaimResponse; an
ExplanationOfBenefit for a settled claim; a Coverage for an enrolment; faults named."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B.claim import Claim as FhirClaim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from tests.worlds import World, claim
from thamani.claims.records import ClaimStatus, ClaimUse, LabResult, Vital
from thamani.interop.fhir.claims import (
    claim_resource,
    claim_response,
    explanation_of_benefit,
    read_claim,
)
from thamani.interop.fhir.coverage import bundle_entries, coverage_resource
from thamani.interop.fhir.outcomes import FhirError, from_error, operation_outcome
from thamani.schemes.records import EncounterClass


def kes(_programme: str | None, _coverage: int | None) -> str:
    return "KES"


def anc_claim() -> Any:
    return claim(
        "LM-1",
        "kcrh",
        [("ANC-VISIT", 1, 900_00), ("HB", 1, 300_00)],
        programme="linda-mama",
        dx=("Z34.0",),
        cls=EncounterClass.ANTENATAL,
        reference="KCRH-ANC-001",
        vitals=(Vital("systolic", "118", "mm[Hg]", "8480-6"),),
        labs=(LabResult("Haemoglobin", "11.2", "g/dL", "718-7"),),
    )


def test_a_claim_goes_to_fhir_and_comes_back_the_same() -> None:
    original = anc_claim()
    resource = claim_resource(original, "KES")
    FhirClaim.model_validate(resource)  # a valid R4 Claim
    assert resource["item"][0]["unitPrice"] == {"value": 900.0, "currency": "KES"}
    assert read_claim(resource, kes) == original


def test_a_preauthorisation_request_round_trips_with_its_reference() -> None:
    original = claim(
        "NI-2",
        "kcrh",
        [("BED-DAY", 3, 3500_00), "APPX"],
        programme="national-insurance",
        dx=("K35.8",),
        cls=EncounterClass.INPATIENT,
        use=ClaimUse.PREAUTHORIZATION,
        end=date(2025, 6, 13),
    )
    resource = claim_resource(original, "KES")
    assert resource["use"] == "preauthorization"
    assert read_claim(resource, kes) == original


def test_a_fhir_claim_is_answered_by_a_claim_response(world: World) -> None:
    resource = claim_resource(anc_claim(), "KES")
    stored = world.p.claims.submit(read_claim(resource, kes))
    assert stored.status is ClaimStatus.PAID
    response = claim_response(stored, "kcrh")
    ClaimResponse.model_validate(response)
    assert response["outcome"] == "complete"
    assert response["request"]["reference"] == f"Claim/{stored.id}"
    benefit = [
        a["amount"]["value"]
        for a in response["item"][0]["adjudication"]
        if a["category"]["coding"][0]["code"] == "benefit"
    ]
    assert benefit == [800.0]  # paid at tariff, not the 900 asked
    assert response["payment"]["amount"] == {"value": 1050.0, "currency": "KES"}


def test_a_rejected_claim_answers_with_its_reason(world: World) -> None:
    bad = claim("LM-2", "kcrh", ["ANC-VISIT"], programme="linda-mama", dx=("O80",))
    stored = world.p.claims.submit(bad)
    response = claim_response(stored, "kcrh")
    assert response["outcome"] == "error"
    assert response["error"][0]["code"]["coding"][0]["code"] == "diagnosis_implausible"


def test_a_settled_claim_has_an_explanation_of_benefit(world: World) -> None:
    stored = world.p.claims.submit(read_claim(claim_resource(anc_claim(), "KES"), kes))
    eob = explanation_of_benefit(stored, "kcrh")
    ExplanationOfBenefit.model_validate(eob)
    assert eob["payment"]["amount"]["value"] == 1050.0
    assert eob["insurance"][0]["coverage"]["reference"] == f"Coverage/{stored.enrolment_id}"


def test_an_enrolment_is_a_coverage(world: World) -> None:
    cover = world.p.schemes.coverage("NI-3")[0]
    resource = coverage_resource(cover, "national-health-fund", "2025-06-15")
    Coverage.model_validate(resource)
    assert resource["beneficiary"]["reference"] == "Patient/NI-3"
    assert resource["status"] == "active"
    assert resource["class"][0]["value"] == "national-insurance"


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        (lambda r: r["item"][0]["quantity"].update(value="two"), "Claim.item[0].quantity.value"),
        (lambda r: r["item"][1]["quantity"].update(value=1.5), "Claim.item[1].quantity.value"),
        (lambda r: r.pop("patient"), "Claim.patient"),
        (lambda r: r.update(use="predetermination"), "Claim.use"),
        (
            lambda r: r["item"][0].update(productOrService={"text": "x"}),
            "Claim.item[0].productOrService",
        ),
        (lambda r: r.update(resourceType="Patient"), "Claim.resourceType"),
        (lambda r: r["diagnosis"].clear(), "Claim.diagnosis"),
        (lambda r: r.update(inventedElement=1), "Claim.inventedElement"),
        (lambda r: r["item"][0]["unitPrice"].update(value="1.234"), "Claim.item[0].unitPrice"),
    ],
)
def test_a_malformed_claim_names_the_element(change: Any, expression: str) -> None:
    resource = claim_resource(anc_claim(), "KES")
    broken = copy.deepcopy(resource)
    change(broken)
    with pytest.raises(FhirError) as err:
        read_claim(broken, kes)
    assert any(i.expression == expression for i in err.value.issues), err.value.issues
    outcome = operation_outcome(from_error(err.value))
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"


def test_a_bundle_of_claims_is_read_entry_by_entry() -> None:
    one = claim_resource(anc_claim(), "KES")
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [{"resource": one}] * 2}
    assert len(bundle_entries(bundle)) == 2
    with pytest.raises(FhirError) as err:
        bundle_entries({"resourceType": "Bundle", "type": "batch", "entry": [{}]})
    assert err.value.issues[0].expression == "Bundle.entry[0].resource"
