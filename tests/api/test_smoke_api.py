from tests.api.conftest import Api


def test_smoke(api: Api) -> None:
    body = {
        "provider": "kcrh",
        "member": "LM-1",
        "programme": "linda-mama",
        "encounter": {"class": "antenatal", "start": "2025-06-10", "diagnoses": ["Z34.0"]},
        "lines": [{"code": "ANC-VISIT", "unit_price": 80000}],
    }
    r = api.client.post("/v1/claims", json=body, headers=api.auth("kcrh"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    r = api.client.get(f"/fhir/ExplanationOfBenefit/{cid}", headers=api.auth("akinyi"))
    assert r.status_code == 200, r.text
    r = api.client.get("/fhir/Coverage?patient=LM-1", headers=api.auth("akinyi"))
    assert r.status_code == 200, r.text
    r = api.client.get(f"/fhir/ExplanationOfBenefit/{cid}")
    assert r.status_code == 401, r.text
    assert r.json()["resourceType"] == "OperationOutcome"
