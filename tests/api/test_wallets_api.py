"""The wallets, the M-Pesa callbacks and the disease map over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_settings
from tests.wallets.county import MOTHER_PHONE, VOUCHER, County, build_county, kes
from thamani.api.app import create_app
from thamani.channels.mobile_money import FakeOperator
from thamani.clock import ManualClock
from thamani.parties.records import Party, PartyKind
from thamani.platform import open_platform
from thamani.pool.records import PoolEncounter
from thamani.wallets.records import PricedItem

SECRET = "operator-shared-secret-123"


@pytest.fixture
def county(tmp_path: Path, store_url: str | None) -> Iterator[County]:
    settings = make_settings(tmp_path, store_url, mpesa_callback_secret=SECRET)
    plat = open_platform(settings, clock=ManualClock())
    try:
        yield build_county(plat)
    finally:
        plat.close()


@pytest.fixture
def client(county: County) -> Iterator[TestClient]:
    with TestClient(create_app(county.p, sweep_expiries=False)) as c:
        yield c


def auth(c: County, party: Party) -> dict[str, str]:
    return {"Authorization": f"Bearer {c.p.parties.issue_token(party.id, 'test').secret}"}


def c2b(c: County, trans_id: str, amount: str, ref: str) -> dict[str, str]:
    op = FakeOperator(c.p.settings.mpesa_shortcode)
    return op.document(phone="254712345678", amount=amount, account_ref=ref, trans_id=trans_id)


def test_a_top_up_arrives_by_callback_once(county: County, client: TestClient) -> None:
    doc = c2b(county, "SKL9ZZ1", "250.00", "0712345678")
    path = "/v1/channels/mpesa"
    assert client.post(f"{path}/validation", json=doc).status_code == 401
    assert client.post(f"{path}/confirmation?token=wrong", json=doc).status_code == 401
    ok = client.post(f"{path}/validation", json=doc, headers={"X-Callback-Token": SECRET})
    assert ok.json() == {"ResultCode": "0", "ResultDesc": "Accepted"}
    for _ in range(2):
        ack = client.post(f"{path}/confirmation?token={SECRET}", json=doc)
        assert ack.json() == {"ResultCode": 0, "ResultDesc": "Success"}
    unknown = client.post(
        f"{path}/validation",
        json=c2b(county, "SKL9ZZ2", "5", "TH424242"),
        headers={"X-Callback-Token": SECRET},
    )
    assert unknown.json()["ResultCode"] == "C2B00012"
    me = client.get("/v1/wallets/me", headers=auth(county, county.mother)).json()
    savings = next(s for s in me["sources"] if s["source"] == "savings")
    assert savings["balance"] == kes(250)
    assert me["wallet_ref"].startswith("TH")


def test_payers_see_only_what_they_fund(county: County, client: TestClient) -> None:
    county.p.wallets.grant(VOUCHER, [(county.mother.id, kes(800))], "g1")
    donor = client.get(f"/v1/wallets/{county.mother.id}", headers=auth(county, county.donor))
    assert [s["source"] for s in donor.json()["sources"]] == ["voucher"]
    insurer = client.get(f"/v1/wallets/{county.mother.id}", headers=auth(county, county.insurer))
    assert insurer.status_code == 404
    assert insurer.json()["code"] == "wallet_not_found"
    clinic = client.get(f"/v1/wallets/{county.mother.id}", headers=auth(county, county.clinic))
    assert clinic.status_code == 404


def test_send_statement_and_payouts(county: County, client: TestClient) -> None:
    c = county
    c.top_up(MOTHER_PHONE, kes(1_000))
    sent = client.post(
        "/v1/wallets/me/send",
        json={"to": "0722000111", "amount": kes(300), "send_id": "s-1"},
        headers=auth(c, c.mother),
    ).json()
    assert (sent["status"], sent["recipient_name"]) == ("sent", "Atieno Odhiambo")
    st = client.get("/v1/wallets/statement", headers=auth(c, c.sister)).json()
    line = next(x for x in st["lines"] if x["kind"] == "send")
    assert (line["phone"], line["amount"], line["source"]) == (MOTHER_PHONE, kes(300), "family")
    other = client.get(f"/v1/wallets/statements/{c.mother.id}", headers=auth(c, c.sister))
    assert other.status_code == 404
    r = c.p.wallets.pay(
        patient_id=c.mother.id,
        provider_id=c.pharmacy.id,
        items=[PricedItem("ORS", "medicine", kes(200))],
        programme_id=None,
        payment_id=12345,
    )
    assert r.ok
    pharmacy = auth(c, c.pharmacy)
    run = client.post("/v1/payouts", json={"run_id": "r-1"}, headers=pharmacy).json()
    assert run["totals"] == {"KES": kes(200)}
    assert client.post("/v1/payouts", json={"run_id": "r-1"}, headers=pharmacy).json()["replayed"]
    theirs = client.post(
        "/v1/payouts", json={"run_id": "r-2", "provider_ids": [c.clinic.id]}, headers=pharmacy
    )
    assert theirs.status_code == 403
    assert client.get("/v1/payouts/r-1", headers=auth(c, c.clinic)).status_code == 404
    assert (
        client.post("/v1/payouts", json={"run_id": "x"}, headers=auth(c, c.mother)).status_code
        == 403
    )


def test_the_disease_map_is_for_analysts_and_payers_only(
    county: County, client: TestClient
) -> None:
    c = county
    c.p.pool.append(
        [
            PoolEncounter(
                f"e{n}", c.mother.id, c.clinic.id, date(2025, 3, 3), "outpatient", ("B50.9",)
            )
            for n in range(6)
        ]
    )
    analyst = c.p.parties.create(PartyKind.ANALYST, "County epidemiologist", "epi")
    got = client.get("/v1/pool/disease-map?code_length=3", headers=auth(c, analyst))
    assert got.status_code == 200
    assert got.json()["cells"] == [
        {
            "week": "2025-W10",
            "area": "Kisumu Central",
            "diagnosis": "B50",
            "count": 6,
            "suppressed": None,
        }
    ]
    assert client.get("/v1/pool/disease-map", headers=auth(c, c.donor)).status_code == 200
    refused = client.get("/v1/pool/disease-map", headers=auth(c, c.mother))
    assert refused.status_code == 403
