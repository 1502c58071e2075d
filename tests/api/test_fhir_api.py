"""``POST /fhir`` with a transaction Bundle: imported all or nothing, answered by a
transaction-response Bundle or an OperationOutcome; only ``interop:admin`` may."""

from __future__ import annotations

from typing import Any

import orjson
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from tests.api.conftest import Api
from tests.interop.fhir_data import entry_of, first_bundle
from thamani.parties.records import PartyKind, Scope

FHIR_JSON = "application/fhir+json"


def post(api: Api, body: Any, who: str | None = "admin") -> Any:
    headers = {"Content-Type": FHIR_JSON, **(api.auth(who) if who else {})}
    return api.client.post("/fhir", content=orjson.dumps(body), headers=headers)


def patients(api: Api) -> list[str]:
    """The bundle's patient among the parties (the world's members are not in it)."""
    mine = f"member:{first_bundle()['entry'][0]['resource']['id']}"
    return [
        p.reference or "" for p in api.world.p.parties.all(PartyKind.PATIENT) if p.reference == mine
    ]


def test_a_transaction_bundle_is_imported_and_answered_entry_by_entry(api: Api) -> None:
    bundle = first_bundle()
    r = post(api, bundle)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(FHIR_JSON)
    answer = r.json()
    Bundle.model_validate(answer)
    assert answer["type"] == "transaction-response"
    assert len(answer["entry"]) == len(bundle["entry"])
    k = entry_of(bundle, "Encounter", 4)
    enc = bundle["entry"][k]["resource"]
    assert answer["entry"][k]["response"] == {
        "status": "201 Created",
        "location": f"Encounter/{enc['id']}",
    }
    d = entry_of(bundle, "DocumentReference")
    assert answer["entry"][d]["response"]["status"] == "200 OK"
    assert "location" not in answer["entry"][d]["response"]
    patient = bundle["entry"][0]["resource"]["id"]
    assert patients(api) == [f"member:{patient}"]
    again = post(api, bundle).json()
    assert again["entry"][k]["response"]["status"] == "200 OK"
    assert patients(api) == [f"member:{patient}"]


def test_a_faulty_bundle_is_an_operation_outcome_and_writes_nothing(api: Api) -> None:
    bundle = first_bundle()
    k = entry_of(bundle, "Immunization", 2)
    del bundle["entry"][k]["resource"]["vaccineCode"]
    r = post(api, bundle)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(FHIR_JSON)
    outcome = r.json()
    OperationOutcome.model_validate(outcome)
    [issue] = outcome["issue"]
    assert issue["expression"] == [f"Bundle.entry[{k}].resource.vaccineCode"]
    assert issue["code"] == "required"
    assert bundle["entry"][k]["resource"]["id"] in issue["diagnostics"]
    assert patients(api) == []
    r = api.client.post("/fhir", content=b"{not json", headers=api.auth("admin"))
    assert (r.status_code, r.json()["issue"][0]["code"]) == (400, "structure")
    r = post(api, {"resourceType": "Bundle", "type": "searchset"})
    assert (r.status_code, r.json()["issue"][0]["expression"]) == (400, ["Bundle.type"])


def test_only_a_token_with_interop_admin_may_import(api: Api) -> None:
    bundle = first_bundle()
    r = post(api, bundle, None)
    assert (r.status_code, r.json()["resourceType"]) == (401, "OperationOutcome")
    for who in ("kcrh", "insurer", "wanjiru", "analyst"):
        r = post(api, bundle, who)
        assert r.status_code == 403, who
        assert r.json()["issue"][0]["code"] == "forbidden"
    p = api.world.p
    admin = p.parties.by_reference("admin")
    narrow = p.parties.issue_token(admin.id, "read", frozenset({Scope.CLAIMS_READ})).secret
    r = api.client.post(
        "/fhir", content=orjson.dumps(bundle), headers={"Authorization": f"Bearer {narrow}"}
    )
    assert r.status_code == 403
    assert patients(api) == []
