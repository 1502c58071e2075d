"""The capacity API: who may do what, problem documents, uploads and plans."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient

from tests.capacity.stories import REFERRALS_CSV, REMOVALS_CSV, set_today
from thamani.api.app import create_app
from thamani.capacity.samples import county_hospital_rtt
from thamani.clock import ManualClock
from thamani.parties.records import PartyKind
from thamani.platform import Platform

CSV = {"content-type": "text/csv"}


@dataclass
class Callers:
    """Bearer headers for each kind of caller."""

    admin: dict[str, str]
    rbd: dict[str, str]
    kch: dict[str, str]
    analyst: dict[str, str]


def bearer(platform: Platform, kind: PartyKind, name: str, ref: str | None) -> dict[str, str]:
    party = platform.parties.create(kind, name, ref)
    secret = platform.parties.issue_token(party.id, "test").secret
    return {"authorization": f"Bearer {secret}"}


@pytest.fixture
def client(platform: Platform, clock: ManualClock) -> Iterator[TestClient]:
    set_today(clock, date(2024, 6, 30))
    with TestClient(create_app(platform, sweep_expiries=False)) as c:
        yield c


@pytest.fixture
def who(platform: Platform) -> Callers:
    return Callers(
        admin=bearer(platform, PartyKind.ADMIN, "Admin", "admin"),
        rbd=bearer(platform, PartyKind.PROVIDER, "Dorset County Hospital", "RBD"),
        kch=bearer(platform, PartyKind.PROVIDER, "King's College Hospital", "KCH"),
        analyst=bearer(platform, PartyKind.ANALYST, "Analyst", None),
    )


RBD_ONLY = "\n".join(line for line in REFERRALS_CSV.splitlines() if ",KCH," not in line)


def test_a_provider_manages_its_own_referrals(client: TestClient, who: Callers) -> None:
    r = client.post(
        "/v1/capacity/referrals/import?source=refs.csv",
        content=RBD_ONLY,
        headers={**who.rbd, **CSV},
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"source": "refs.csv", "referrals": 5, "removals": 0, "lists_created": 3}
    r = client.post(
        "/v1/capacity/referrals/import?source=rems.csv",
        content=REMOVALS_CSV,
        headers={**who.rbd, **CSV},
    )
    assert r.json()["removals"] == 2
    r = client.post(
        "/v1/capacity/referrals",
        json={
            "referral_id": "r9",
            "provider": "RBD",
            "specialty": "ent",
            "referred_on": "2024-02-10",
        },
        headers=who.rbd,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/v1/capacity/referrals/RBD/r9/pause", json={"on": "2024-02-20"}, headers=who.rbd
    )
    assert r.json()["status"] == "paused"
    r = client.post(
        "/v1/capacity/referrals/RBD/r9/resume", json={"on": "2024-03-01"}, headers=who.rbd
    )
    assert r.json()["paused_days"] == 10
    r = client.post(
        "/v1/capacity/referrals/RBD/r9/remove",
        json={"on": "2024-03-10", "reason": "treated"},
        headers=who.rbd,
    )
    body = r.json()
    assert (body["status"], body["removal_reason"], body["waited_days"]) == (
        "removed",
        "treated",
        19,
    )
    lists = client.get("/v1/capacity/lists", headers=who.rbd).json()
    assert sum(w["waiting"] for w in lists) == 3
    mine = client.get("/v1/capacity/referrals?provider=RBD&status=waiting", headers=who.rbd).json()
    assert [r["referral_id"] for r in mine] == ["r3", "r4", "r5"]


def test_a_bad_csv_names_row_and_column_and_changes_nothing(
    client: TestClient, who: Callers
) -> None:
    bad = RBD_ONLY.replace("r4,RBD,ent,P3", "r4,RBD,ent,P7")
    r = client.post(
        "/v1/capacity/referrals/import?source=refs.csv", content=bad, headers={**who.rbd, **CSV}
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["where"] == "refs.csv, row 5, column 'priority'"
    assert (problem["file"], problem["row"], problem["column"]) == ("refs.csv", 5, "priority")
    assert "P7" in problem["detail"]
    assert client.get("/v1/capacity/lists", headers=who.rbd).json() == []
    r = client.post(
        "/v1/capacity/referrals/import", content=b"\xff\xfe", headers={**who.rbd, **CSV}
    )
    assert r.status_code == 422


def test_other_providers_lists_are_out_of_reach(client: TestClient, who: Callers) -> None:
    client.post("/v1/capacity/referrals/import", content=RBD_ONLY, headers={**who.rbd, **CSV})
    assert client.get("/v1/capacity/referrals/RBD/r1", headers=who.rbd).status_code == 200
    assert client.get("/v1/capacity/referrals/RBD/r1", headers=who.kch).status_code == 404
    r = client.post("/v1/capacity/referrals/RBD/r1/pause", json={}, headers=who.kch)
    assert r.status_code == 404
    r = client.post(
        "/v1/capacity/referrals",
        json={"referral_id": "z1", "provider": "RBD", "specialty": "ent"},
        headers=who.kch,
    )
    assert (r.status_code, r.json()["code"]) == (403, "not_your_list")
    mixed = REFERRALS_CSV.replace("\nr", "\nq")
    r = client.post("/v1/capacity/referrals/import", content=mixed, headers={**who.kch, **CSV})
    assert r.status_code == 403
    assert client.get("/v1/capacity/lists", headers=who.kch).json() == []
    assert client.get("/v1/capacity/statistics?as_of=2024-03-31", headers=who.kch).json() == []
    assert client.get("/v1/capacity/lists").status_code == 401


def test_analysts_read_aggregates_only(client: TestClient, who: Callers) -> None:
    client.post("/v1/capacity/referrals/import", content=RBD_ONLY, headers={**who.rbd, **CSV})
    stats = client.get("/v1/capacity/statistics?as_of=2024-03-31", headers=who.analyst)
    assert stats.status_code == 200
    rows = stats.json()
    assert sum(s["waiting"] for s in rows) == 5
    assert all("referral_id" not in s for s in rows)
    assert client.get("/v1/capacity/referrals/RBD/r1", headers=who.analyst).status_code == 404
    assert client.get("/v1/capacity/referrals?provider=RBD", headers=who.analyst).status_code == 404
    r = client.post(
        "/v1/capacity/schedule",
        json={"provider": "RBD", "start": "2024-04-01"},
        headers=who.analyst,
    )
    assert r.status_code == 404
    r = client.post(
        "/v1/capacity/referrals",
        json={"referral_id": "z1", "provider": "RBD", "specialty": "ent"},
        headers=who.analyst,
    )
    assert (r.status_code, r.json()["code"]) == (403, "missing_scope")
    r = client.post(
        "/v1/capacity/simulate", json={"as_of": "2024-03-31", "days": 60}, headers=who.analyst
    )
    assert r.status_code == 200
    assert len(r.json()) == 5


def test_rtt_upload_statistics_and_report(client: TestClient, who: Callers) -> None:
    data = county_hospital_rtt().read_bytes()
    r = client.post("/v1/capacity/rtt?source=rtt.csv", content=data, headers={**who.kch, **CSV})
    assert r.status_code == 403
    r = client.post("/v1/capacity/rtt?source=rtt.csv", content=data, headers={**who.rbd, **CSV})
    assert r.status_code == 201, r.text
    assert r.json()["rows"] == 512
    stats = client.get(
        "/v1/capacity/rtt/statistics?provider=RBD&part=Part_2", headers=who.analyst
    ).json()
    total = next(s for s in stats if s["treatment_function"] == "C_999")
    assert (total["waiting"], total["within_18_weeks_pct"], total["p92_weeks"]) == (
        21702,
        57.8,
        42.6,
    )
    page = client.get("/v1/capacity/report?svg=true", headers=who.admin)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Dorset County Hospital" in page.text


def test_simulate_with_scenarios_schedule_and_forecast(client: TestClient, who: Callers) -> None:
    client.post("/v1/capacity/referrals/import", content=RBD_ONLY, headers={**who.rbd, **CSV})
    r = client.post(
        "/v1/capacity/simulate",
        json={
            "as_of": "2024-03-31",
            "days": 120,
            "scenarios": [
                {
                    "name": "saturday lists",
                    "changes": [
                        {
                            "kind": "extra_sessions",
                            "sessions_per_day": 1,
                            "slots_per_session": 2,
                            "cost_per_session": 250000,
                            "weekdays": [5],
                        }
                    ],
                },
                {
                    "name": "strike",
                    "changes": [
                        {"kind": "strike", "capacity_kept": 0, "start_day": 1, "end_day": 8}
                    ],
                },
            ],
        },
        headers=who.rbd,
    )
    assert r.status_code == 200, r.text
    assert [o["name"] for o in r.json()] == ["baseline", "saturday lists", "strike"]
    assert r.json()[1]["capacity_cost"] > 0
    r = client.post(
        "/v1/capacity/simulate",
        json={"scenarios": [{"name": "x", "changes": [{"kind": "magic"}]}]},
        headers=who.rbd,
    )
    assert r.status_code == 422
    r = client.post(
        "/v1/capacity/schedule", json={"provider": "RBD", "start": "2024-04-01"}, headers=who.rbd
    )
    assert r.status_code == 200
    assert r.json()["booked"] == 5  # nobody was removed in this story
    r = client.get("/v1/capacity/forecast?as_of=2024-03-31&horizon=4", headers=who.rbd)
    assert r.status_code == 200
    assert len(r.json()["forecast"]) == 4
