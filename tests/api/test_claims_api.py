"""The claims and programmes API and the FHIR endpoint, as each party sees them."""

from __future__ import annotations

import copy
from typing import Any

from tests.api.conftest import Api
from tests.worlds import claim as make_claim
from tests.worlds import example
from thamani.claims.documents import to_document
from thamani.interop.fhir.claims import claim_resource
from thamani.schemes.documents import read_yaml


def anc(**extra: Any) -> dict[str, Any]:
    body = {
        "provider": "kcrh",
        "member": "LM-1",
        "programme": "linda-mama",
        "reference": "KCRH-1",
        "encounter": {
            "class": "antenatal",
            "start": "2025-06-10",
            "diagnoses": ["Z34.0"],
            "vitals": [{"name": "systolic", "value": "118", "unit": "mm[Hg]", "loinc": "8480-6"}],
        },
        "lines": [{"code": "ANC-VISIT", "unit_price": 90000}, {"code": "HB", "unit_price": 30000}],
    }
    body.update(extra)
    return body


def test_a_provider_submits_and_reads_its_claim(api: Api) -> None:
    r = api.client.post("/v1/claims", json=anc(), headers=api.auth("kcrh"))
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["status"], c["payer"], c["currency"]) == ("paid", 105000, "KES")
    assert c["lines"][0]["valuated"] == 80000
    assert c["encounter"]["vitals"][0]["loinc"] == "8480-6"
    again = api.client.post("/v1/claims", json=anc(), headers=api.auth("kcrh"))
    assert again.json()["id"] == c["id"]  # the replay returns the stored claim
    got = api.client.get(f"/v1/claims/{c['id']}", headers=api.auth("kcrh"))
    assert got.status_code == 200


def test_each_party_sees_only_its_own(api: Api) -> None:
    c = api.client.post("/v1/claims", json=anc(), headers=api.auth("kcrh")).json()
    seen = {
        who: api.client.get(f"/v1/claims/{c['id']}", headers=api.auth(who)).status_code
        for who in ("kcrh", "nyalenda", "donor", "insurer", "akinyi", "wanjiru", "admin", "analyst")
    }
    assert seen == {
        "kcrh": 200,
        "nyalenda": 404,
        "donor": 200,
        "insurer": 404,
        "akinyi": 200,
        "wanjiru": 404,
        "admin": 200,
        "analyst": 403,
    }
    mine = api.client.get("/v1/claims", headers=api.auth("akinyi")).json()
    assert [x["id"] for x in mine] == [c["id"]]
    assert api.client.get("/v1/claims", headers=api.auth("wanjiru")).json() == []


def test_a_provider_cannot_claim_for_another_facility(api: Api) -> None:
    r = api.client.post("/v1/claims", json=anc(provider="nyalenda-hc"), headers=api.auth("kcrh"))
    assert r.status_code == 403
    assert r.json()["code"] == "not_your_facility"
    assert api.client.get("/v1/claims", headers=api.auth("admin")).json() == []


def test_malformed_claims_are_refused_with_a_pointer(api: Api) -> None:
    body = anc()
    body["lines"][0]["quantity"] = 0
    r = api.client.post("/v1/claims", json=body, headers=api.auth("kcrh"))
    assert r.status_code == 422
    assert r.json()["where"] == "/lines/0/quantity"
    r = api.client.post("/v1/claims", json=anc(member="LM-404"), headers=api.auth("kcrh"))
    assert r.status_code == 201
    assert r.json()["findings"][0]["code"] == "member_unknown"
    r = api.client.post("/v1/claims", json=anc(programme="nope"), headers=api.auth("kcrh"))
    assert (r.status_code, r.json()["where"]) == (422, "claim.programme")


def test_a_batch_and_the_review_queue(api: Api) -> None:
    opd = {
        "provider": "kcrh",
        "member": "NI-1",
        "encounter": {"class": "outpatient", "start": "2025-06-10", "diagnoses": ["B54"]},
        "lines": [{"code": "FBC"}],
    }
    first = copy.deepcopy(opd)
    first["provider"] = "nyalenda-hc"
    r = api.client.post("/v1/claims", json=first, headers=api.auth("nyalenda"))
    assert r.json()["status"] == "paid"
    r = api.client.post("/v1/claims/batch", json={"claims": [opd]}, headers=api.auth("kcrh"))
    assert r.status_code == 201
    assert r.json()["counts"] == {"in_review": 1}
    flagged = r.json()["claims"][0]
    queue = api.client.get("/v1/claims/review-queue", headers=api.auth("insurer")).json()
    assert [x["id"] for x in queue] == [flagged["id"]]
    assert api.client.get("/v1/claims/review-queue", headers=api.auth("donor")).json() == []
    assert api.client.get("/v1/claims/review-queue", headers=api.auth("kcrh")).status_code == 403
    r = api.client.post(
        f"/v1/claims/{flagged['id']}/review", json={"note": "referred"}, headers=api.auth("insurer")
    )
    assert r.json()["status"] == "paid"
    r = api.client.post(
        f"/v1/claims/{flagged['id']}/reverse",
        json={"reason": "duplicate billing"},
        headers=api.auth("insurer"),
    )
    assert r.json()["status"] == "reversed"


def test_a_programme_is_defined_over_http_and_typos_name_the_path(api: Api) -> None:
    data = read_yaml(example("linda-mama"))
    data.update(code="linda-mama-2", ledger=12)
    for k in ("valid_from", "valid_to"):
        data[k] = data[k].isoformat()
    bad = copy.deepcopy(data)
    bad["benefits"][0]["max_quantiy"] = 3
    r = api.client.post("/v1/programmes", json=bad, headers=api.auth("donor"))
    assert r.status_code == 422
    assert r.json()["where"] == "body: benefits[0].max_quantiy"
    assert "did you mean max_quantity?" in r.json()["detail"]
    r = api.client.post("/v1/programmes", json=data, headers=api.auth("insurer"))
    assert r.status_code == 403
    r = api.client.post("/v1/programmes", json=data, headers=api.auth("donor"))
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "created"
    codes = [x["code"] for x in api.client.get("/v1/programmes", headers=api.auth("donor")).json()]
    assert codes == ["linda-mama", "linda-mama-2"]
    hh = {
        "households": [
            {
                "reference": "HH-X",
                "name": "X",
                "start": "2025-01-01",
                "end": "2025-12-31",
                "members": [
                    {"number": "X-1", "name": "Ann", "sex": "female", "birth_date": "1999-01-01"}
                ],
            }
        ]
    }
    r = api.client.post(
        "/v1/programmes/linda-mama-2/enrolments", json=hh, headers=api.auth("donor")
    )
    assert r.json()["members_enrolled"] == 1
    cover = api.client.get("/v1/members/X-1/coverage", headers=api.auth("kcrh")).json()
    assert cover[0]["programme"] == "linda-mama-2"


def test_fhir_claims_in_claim_responses_out(api: Api) -> None:
    resource = claim_resource(make_claim("NI-1", "kcrh", ["OPD-CONSULT", "FBC"]), "KES")
    resource["insurance"][0]["coverage"] = {"identifier": {"value": "national-insurance"}}
    r = api.client.post("/fhir/Claim", json=resource, headers=api.auth("kcrh"))
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/fhir+json")
    response = r.json()
    assert (response["resourceType"], response["outcome"]) == ("ClaimResponse", "complete")
    cid = response["id"]
    eob = api.client.get(f"/fhir/ExplanationOfBenefit/{cid}", headers=api.auth("wanjiru"))
    assert eob.json()["resourceType"] == "ExplanationOfBenefit"
    assert (
        api.client.get(f"/fhir/ExplanationOfBenefit/{cid}", headers=api.auth("akinyi")).status_code
        == 404
    )
    got = api.client.get(f"/fhir/ClaimResponse/{cid}", headers=api.auth("insurer"))
    assert got.json()["id"] == cid
    cov = api.client.get("/fhir/Coverage?patient=Patient/NI-1", headers=api.auth("wanjiru")).json()
    assert cov["total"] == 1
    assert cov["entry"][0]["resource"]["resourceType"] == "Coverage"
    enrolment = cov["entry"][0]["resource"]["id"]
    assert (
        api.client.get(f"/fhir/Coverage/{enrolment}", headers=api.auth("akinyi")).status_code == 404
    )


def test_malformed_fhir_answers_an_operation_outcome_and_stores_nothing(api: Api) -> None:
    resource = claim_resource(
        make_claim("NI-1", "kcrh", ["OPD-CONSULT"], programme="national-insurance"), "KES"
    )
    resource["item"][0]["quantity"]["value"] = "lots"
    r = api.client.post("/fhir/Claim", json=resource, headers=api.auth("kcrh"))
    assert r.status_code == 422
    outcome = r.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Claim.item[0].quantity.value"]
    r = api.client.post("/fhir/Claim", content=b"{not json", headers=api.auth("kcrh"))
    assert (r.status_code, r.json()["issue"][0]["code"]) == (400, "structure")
    r = api.client.post("/fhir/Claim", json=resource)
    assert (r.status_code, r.json()["resourceType"]) == (401, "OperationOutcome")
    assert api.client.get("/v1/claims", headers=api.auth("admin")).json() == []


def test_a_fhir_bundle_of_claims(api: Api) -> None:
    one = claim_resource(
        make_claim("NI-1", "kcrh", ["OPD-CONSULT"], programme="national-insurance"), "KES"
    )
    two = claim_resource(
        make_claim("NI-404", "kcrh", ["FBC"], programme="national-insurance"), "KES"
    )
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"resource": one}, {"resource": two}],
    }
    r = api.client.post("/fhir", json=bundle, headers=api.auth("kcrh"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["type"] == "batch-response"
    assert [e["resource"]["outcome"] for e in out["entry"]] == ["complete", "error"]
    broken = copy.deepcopy(bundle)
    broken["entry"][1]["resource"]["patient"] = {"reference": "Practitioner/1"}
    r = api.client.post("/fhir", json=broken, headers=api.auth("kcrh"))
    assert r.status_code == 422
    assert r.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.patient.reference"]
    assert len(api.client.get("/v1/claims", headers=api.auth("admin")).json()) == 2


def test_the_document_form_round_trips_through_the_api(api: Api) -> None:
    c = make_claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama", dx=("Z34.0",))
    r = api.client.post("/v1/claims", json=to_document(c), headers=api.auth("kcrh"))
    assert r.json()["status"] == "paid"
