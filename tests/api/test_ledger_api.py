"""The ledger over HTTP, with real tokens for every kind of party (on both stores).

The cast: an admin, an auditor, an analyst, a donor (payer), a clinic (provider) and two
patients. Each asks for accounts, moves money, opens accounts and verifies the books with
its own token; every refusal is an RFC 9457 problem document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from thamani.api.app import create_app
from thamani.clock import ManualClock
from thamani.ledger.records import BATCH_MAX
from thamani.parties.records import PartyKind, Scope
from thamani.platform import Platform

PROBLEM = "application/problem+json"
CLEARING, WALLET_A, WALLET_B, CLINIC, FUND, VOUCHER_A = 1, 2, 3, 4, 5, 6


@dataclass
class Cast:
    client: TestClient
    platform: Platform
    party: dict[str, int]
    token: dict[str, str]

    def call(self, who: str | None, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token[who]}"} if who else {}
        return self.client.request(method, "/v1" + path, headers=headers, **kw)

    def transfer(self, who: str, *transfers: dict[str, Any]) -> list[str]:
        r = self.call(who, "POST", "/transfers", json={"transfers": list(transfers)})
        assert r.status_code == 200, r.text
        return [x["result"] for x in r.json()["results"]]

    def balance(self, account_id: int) -> tuple[int, int, int, int]:
        a = self.platform.ledger.account(account_id)
        return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)


def assert_problem(r: Any, status: int, code: str, where: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code)
    assert body["title"]
    assert body["detail"]
    if where is not None:
        assert body["where"] == where, body
    return body


@pytest.fixture
def cast(platform: Platform) -> Iterator[Cast]:
    parties = platform.parties
    kinds = {
        "admin": PartyKind.ADMIN,
        "auditor": PartyKind.AUDITOR,
        "analyst": PartyKind.ANALYST,
        "donor": PartyKind.PAYER,
        "clinic": PartyKind.PROVIDER,
        "akinyi": PartyKind.PATIENT,
        "otieno": PartyKind.PATIENT,
    }
    party = {name: parties.create(kind, name.title()).id for name, kind in kinds.items()}
    token = {name: parties.issue_token(pid, "tests").secret for name, pid in party.items()}
    client = TestClient(create_app(platform, sweep_expiries=False))
    c = Cast(client, platform, party, token)
    r = c.call(
        "admin", "POST", "/ledgers", json={"ledger": 1, "currency": "KES", "name": "kes-savings"}
    )
    assert r.status_code == 201, r.text
    wallet = ["debits_must_not_exceed_credits"]
    r = c.call(
        "admin",
        "POST",
        "/accounts",
        json={
            "accounts": [
                {"id": CLEARING, "ledger": 1, "code": 400},
                {"id": WALLET_A, "ledger": 1, "code": 100, "flags": wallet,
                 "owner_party_id": party["akinyi"]},
                {"id": WALLET_B, "ledger": 1, "code": 100, "flags": wallet,
                 "owner_party_id": party["otieno"]},
                {"id": CLINIC, "ledger": 1, "code": 200, "owner_party_id": party["clinic"]},
                {"id": FUND, "ledger": 1, "code": 300, "owner_party_id": party["donor"]},
                {"id": VOUCHER_A, "ledger": 1, "code": 100, "flags": wallet,
                 "owner_party_id": party["akinyi"], "sponsor_party_id": party["donor"]},
            ]
        },
    )  # fmt: skip
    assert r.json()["ok"] == 6, r.text
    assert c.transfer(
        "admin",
        {"id": 10, "debit_account_id": CLEARING, "credit_account_id": WALLET_A, "amount": 1000,
         "ledger": 1, "code": 1},
        {"id": 11, "debit_account_id": CLEARING, "credit_account_id": WALLET_B, "amount": 500,
         "ledger": 1, "code": 1},
        {"id": 12, "debit_account_id": FUND, "credit_account_id": VOUCHER_A, "amount": 3000,
         "ledger": 1, "code": 2},
    ) == ["ok"] * 3  # fmt: skip
    yield c
    client.close()


def pay(tid: int, dr: int, cr: int, amount: int, **extra: Any) -> dict[str, Any]:
    return {"id": str(tid), "debit_account_id": str(dr), "credit_account_id": str(cr),
            "amount": amount, "ledger": 1, "code": 3, **extra}  # fmt: skip


# -- who is asking ----------------------------------------------------------------------


def test_no_token_a_bad_one_or_an_unknown_one_is_401(cast: Cast) -> None:
    r = cast.client.get("/v1/accounts/2")
    body = assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    assert "Bearer thm_" in body["detail"]
    r = cast.client.get("/v1/accounts/2", headers={"Authorization": "Bearer not-a-token"})
    assert_problem(r, 401, "invalid_token")
    r = cast.client.get("/v1/accounts/2", headers={"Authorization": "Bearer thm_" + "x" * 43})
    assert_problem(r, 401, "invalid_token")
    r = cast.client.get("/v1/accounts/2", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert_problem(r, 401, "unauthorized")


def test_a_revoked_token_is_401_at_once(cast: Cast) -> None:
    assert cast.call("akinyi", "GET", "/me").status_code == 200
    (tok,) = cast.platform.parties.tokens(cast.party["akinyi"])
    r = cast.call("admin", "DELETE", f"/tokens/{tok.id}")
    assert r.status_code == 204
    assert_problem(cast.call("akinyi", "GET", "/me"), 401, "token_revoked")
    assert_problem(cast.call("admin", "DELETE", f"/tokens/{tok.id}"), 404, "token_not_found")


def test_an_expired_token_is_401_even_just_after_use(cast: Cast, clock: ManualClock) -> None:
    issued = cast.platform.parties.issue_token(cast.party["clinic"], "short", expires_in_days=1)
    cast.token["short"] = issued.secret
    assert cast.call("short", "GET", "/me").status_code == 200
    clock.advance(86_400)
    assert_problem(cast.call("short", "GET", "/me"), 401, "token_expired")


def test_me_names_the_party_and_its_scopes(cast: Cast) -> None:
    for name in cast.party:
        body = cast.call(name, "GET", "/me").json()
        assert body["party"]["id"] == cast.party[name]
        assert body["party"]["name"] == name.title()
    assert "ledger:verify" in cast.call("auditor", "GET", "/me").json()["scopes"]
    assert cast.call("analyst", "GET", "/me").json()["scopes"] == ["capacity:read", "pool:read"]


# -- seeing accounts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("akinyi", {WALLET_A, VOUCHER_A}),
        ("otieno", {WALLET_B}),
        ("clinic", {CLINIC}),
        ("donor", {FUND, VOUCHER_A}),
        ("auditor", {CLEARING, WALLET_A, WALLET_B, CLINIC, FUND, VOUCHER_A}),
        ("admin", {CLEARING, WALLET_A, WALLET_B, CLINIC, FUND, VOUCHER_A}),
    ],
)
def test_each_party_sees_only_its_accounts(cast: Cast, who: str, visible: set[int]) -> None:
    for account_id in (CLEARING, WALLET_A, WALLET_B, CLINIC, FUND, VOUCHER_A):
        r = cast.call(who, "GET", f"/accounts/{account_id}")
        if account_id in visible:
            assert r.status_code == 200, r.text
            assert r.json()["id"] == str(account_id)
        else:
            body = assert_problem(r, 404, "account_not_found")
            assert "balance" not in r.text
            assert "credits_posted" not in body
        r = cast.call(who, "GET", f"/accounts/{account_id}/statement")
        assert r.status_code == (200 if account_id in visible else 404)


def test_an_analyst_reads_no_account(cast: Cast) -> None:
    body = assert_problem(cast.call("analyst", "GET", "/accounts/2"), 403, "missing_scope")
    assert "ledger:read" in body["detail"]
    assert_problem(cast.call("analyst", "GET", "/accounts"), 403, "missing_scope")


def test_my_accounts_lists_what_i_own_or_fund(cast: Cast) -> None:
    ids = {a["id"] for a in cast.call("donor", "GET", "/accounts").json()}
    assert ids == {str(FUND), str(VOUCHER_A)}
    ids = {a["id"] for a in cast.call("akinyi", "GET", "/accounts").json()}
    assert ids == {str(WALLET_A), str(VOUCHER_A)}


def test_a_wallet_shows_its_balance_to_its_owner(cast: Cast) -> None:
    body = cast.call("akinyi", "GET", f"/accounts/{WALLET_A}").json()
    assert (body["credits_posted"], body["balance"], body["available"]) == (1000, 1000, 1000)
    assert body["flags"] == ["debits_must_not_exceed_credits"]


# -- moving money -----------------------------------------------------------------------


def test_a_patient_pays_a_clinic_from_her_wallet_exactly_once(cast: Cast) -> None:
    t = pay(20, WALLET_A, CLINIC, 400)
    assert cast.transfer("akinyi", t) == ["ok"]
    assert cast.transfer("akinyi", t) == ["exists"]
    assert cast.transfer("akinyi", {**t, "amount": 401}) == ["exists_with_different_amount"]
    assert cast.balance(WALLET_A) == (0, 400, 0, 1000)
    assert cast.balance(CLINIC) == (0, 0, 0, 400)


def test_a_patient_cannot_move_a_clinic_s_or_another_patient_s_money(cast: Cast) -> None:
    before = {i: cast.balance(i) for i in (WALLET_A, WALLET_B, CLINIC)}
    assert cast.transfer(
        "akinyi", pay(21, CLINIC, WALLET_A, 100), pay(22, WALLET_B, WALLET_A, 100)
    ) == ["debit_account_not_found", "debit_account_not_found"]
    assert {i: cast.balance(i) for i in before} == before
    assert_problem(cast.call("akinyi", "GET", "/transfers/21"), 404, "transfer_not_found")


def test_a_clinic_posts_a_reservation_on_a_patient_s_wallet(cast: Cast) -> None:
    assert cast.transfer("akinyi", pay(30, WALLET_A, CLINIC, 600, flags=["pending"])) == ["ok"]
    # The clinic cannot take more, nor take it directly, but may post it, for less.
    assert cast.transfer("clinic", pay(31, WALLET_A, CLINIC, 100)) == ["debit_account_not_found"]
    assert cast.transfer(
        "clinic",
        {"id": 32, "pending_id": 30, "amount": 700, "flags": ["post_pending_transfer"]},
        {"id": 33, "pending_id": 30, "amount": 450, "flags": ["post_pending_transfer"]},
    ) == ["exceeds_pending_transfer_amount", "ok"]
    assert cast.balance(WALLET_A) == (0, 450, 0, 1000)
    # Someone who is on neither side is told there is no such reservation.
    assert cast.transfer("otieno", pay(34, WALLET_B, CLINIC, 10, flags=["pending"])) == ["ok"]
    assert cast.transfer(
        "akinyi", {"id": 35, "pending_id": 34, "flags": ["void_pending_transfer"]}
    ) == ["pending_transfer_not_found"]


def test_a_donor_spends_what_it_sponsors_and_nothing_else(cast: Cast) -> None:
    assert cast.transfer(
        "donor", pay(40, VOUCHER_A, CLINIC, 900), pay(41, WALLET_A, CLINIC, 1)
    ) == ["ok", "debit_account_not_found"]
    assert cast.balance(VOUCHER_A) == (0, 900, 0, 3000)


@pytest.mark.parametrize("who", ["auditor", "analyst"])
def test_auditors_and_analysts_move_no_money(cast: Cast, who: str) -> None:
    r = cast.call(who, "POST", "/transfers", json={"transfers": [pay(50, CLEARING, CLINIC, 1)]})
    assert_problem(r, 403, "missing_scope")
    assert cast.balance(CLINIC) == (0, 0, 0, 0)


def test_a_token_holds_only_the_scopes_it_was_given(cast: Cast) -> None:
    issued = cast.platform.parties.issue_token(
        cast.party["akinyi"], "read only", frozenset({Scope.LEDGER_READ})
    )
    cast.token["read"] = issued.secret
    assert cast.call("read", "GET", f"/accounts/{WALLET_A}").status_code == 200
    r = cast.call("read", "POST", "/transfers", json={"transfers": [pay(51, WALLET_A, CLINIC, 1)]})
    body = assert_problem(r, 403, "missing_scope")
    assert body["detail"] == "this token lacks the scope ledger:write"
    r = cast.call(
        "admin", "POST", "/tokens",
        json={"party_id": cast.party["akinyi"], "name": "too much", "scopes": ["ledger:verify"]},
    )  # fmt: skip
    assert_problem(r, 422, "scope_not_allowed", where="scopes")


# -- opening accounts and ledgers ---------------------------------------------------------


def test_who_may_open_accounts_for_whom(cast: Cast) -> None:
    def open_(who: str, **account: Any) -> Any:
        return cast.call(
            who, "POST", "/accounts", json={"accounts": [{"ledger": 1, "code": 100, **account}]}
        )

    for who in ("akinyi", "clinic", "auditor", "analyst"):
        assert_problem(open_(who, id=60), 403, "missing_scope")
    # A donor opens its own accounts, and accounts it funds for others.
    r = open_("donor", id=61)
    assert r.json()["results"][0]["result"] == "ok"
    assert cast.platform.ledger.account(61).owner_party_id == cast.party["donor"]
    r = open_(
        "donor", id=62, owner_party_id=cast.party["otieno"], sponsor_party_id=cast.party["donor"]
    )
    assert r.json()["results"][0]["result"] == "ok"
    # But not another party's own account, nor one funded by someone else.
    assert_problem(open_("donor", id=63, owner_party_id=cast.party["otieno"]), 403, "forbidden",
                   where="/accounts/0")  # fmt: skip
    assert_problem(
        open_(
            "donor",
            id=64,
            owner_party_id=cast.party["donor"],
            sponsor_party_id=cast.party["clinic"],
        ),
        403,
        "forbidden",
    )
    r = open_("admin", id=65, owner_party_id=cast.party["otieno"])
    assert r.json()["results"][0]["result"] == "ok"
    assert {a.id for a in cast.platform.ledger.accounts([63, 64])} == set()


def test_only_admins_create_ledgers(cast: Cast) -> None:
    body = {"ledger": 2, "currency": "KES", "name": "kes-voucher"}
    for who in ("donor", "auditor", "akinyi"):
        assert_problem(cast.call(who, "POST", "/ledgers", json=body), 403, "missing_scope")
    assert cast.call("admin", "POST", "/ledgers", json=body).status_code == 201
    assert [x["ledger"] for x in cast.call("auditor", "GET", "/ledgers").json()] == [1, 2]


# -- verification -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "admin"])
def test_auditors_and_admins_verify_the_books(cast: Cast, who: str) -> None:
    r = cast.call(who, "POST", "/ledger/verify")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True
    assert (body["records"], body["accounts"], body["first_bad_seq"]) == (9, 6, None)


@pytest.mark.parametrize("who", ["akinyi", "clinic", "donor", "analyst"])
def test_nobody_else_verifies(cast: Cast, who: str) -> None:
    assert_problem(cast.call(who, "POST", "/ledger/verify"), 403, "missing_scope")


# -- malformed requests -----------------------------------------------------------------


def test_a_batch_over_8190_is_refused_naming_the_field(cast: Cast) -> None:
    batch = [pay(100_000 + i, CLEARING, CLINIC, 1) for i in range(BATCH_MAX + 1)]
    r = cast.call("admin", "POST", "/transfers", json={"transfers": batch})
    body = assert_problem(r, 422, "invalid_input", where="/transfers")
    assert "8190" in body["detail"]
    assert cast.balance(CLINIC) == (0, 0, 0, 0)


def test_a_batch_of_8190_is_taken(cast: Cast) -> None:
    batch = [pay(100_000 + i, CLEARING, CLINIC, 1) for i in range(BATCH_MAX)]
    r = cast.call("admin", "POST", "/transfers", json={"transfers": batch})
    assert r.status_code == 200
    assert (r.json()["ok"], r.json()["failed"]) == (BATCH_MAX, 0)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "not-a-number"),
        ("id", -1),
        ("id", str(2**128)),
        ("debit_account_id", "0xZZ"),
        ("pending_id", True),
        ("amount", -5),
        ("flags", ["pending", "sideways"]),
    ],
)
def test_a_malformed_transfer_is_refused_naming_the_field(
    cast: Cast, field: str, value: Any
) -> None:
    good = pay(70, WALLET_A, CLINIC, 5)
    r = cast.call(
        "akinyi", "POST", "/transfers", json={"transfers": [good, {**good, "id": 71, field: value}]}
    )
    body = assert_problem(r, 422, "invalid_input", where=f"/transfers/1/{field}")
    assert body["errors"][0]["where"] == f"/transfers/1/{field}"
    assert body["instance"] == "/v1/transfers"
    assert cast.balance(WALLET_A) == (0, 0, 0, 1000)  # nothing of the batch moved


def test_malformed_ids_in_paths_are_refused_naming_them(cast: Cast) -> None:
    body = assert_problem(
        cast.call("admin", "GET", "/accounts/twelve"), 422, "invalid_input", where="account_id"
    )
    assert "twelve" in body["detail"]
    assert_problem(
        cast.call("admin", "GET", "/transfers/-3"), 422, "invalid_input", where="transfer_id"
    )
    assert_problem(
        cast.call("admin", "GET", "/accounts/2/statement?limit=0"),
        422,
        "invalid_input",
        where="/limit",
    )


def test_ids_travel_as_decimal_strings_and_may_come_as_hex_or_uuid(cast: Cast) -> None:
    big = 2**127 + 5
    t = {**pay(0, WALLET_A, CLINIC, 5), "id": hex(big)}
    assert cast.transfer("akinyi", t) == ["ok"]
    body = cast.call("akinyi", "GET", f"/transfers/{big}").json()
    assert body["id"] == str(big)
    assert (
        cast.call("akinyi", "GET", "/transfers/00000000-0000-0000-0000-00000000000a").json()[
            "amount"
        ]
        == 1000
    )


# -- statements -------------------------------------------------------------------------


def test_a_statement_pages_over_http(cast: Cast) -> None:
    cast.transfer("akinyi", *(pay(200 + i, WALLET_A, CLINIC, 1 + i) for i in range(25)))
    seen: list[int] = []
    after = 0
    pages = 0
    while True:
        r = cast.call("akinyi", "GET", f"/accounts/{WALLET_A}/statement?limit=10&after={after}")
        body = r.json()
        pages += 1
        seen.extend(line["transfer"]["amount"] for line in body["lines"])
        if body["next_cursor"] is None:
            break
        after = body["next_cursor"]
    assert pages == 3
    assert seen == [1000, *range(1, 26)]
    assert body["account"]["debits_posted"] == sum(range(1, 26))
    newest = cast.call("akinyi", "GET", f"/accounts/{WALLET_A}/statement?limit=3&order=desc").json()
    assert [x["transfer"]["amount"] for x in newest["lines"]] == [25, 24, 23]
    assert [x["direction"] for x in newest["lines"]] == ["debit"] * 3
    older = cast.call(
        "akinyi",
        "GET",
        f"/accounts/{WALLET_A}/statement?limit=3&order=desc&after={newest['next_cursor']}",
    ).json()
    assert [x["transfer"]["amount"] for x in older["lines"]] == [22, 21, 20]
    clinic = cast.call("clinic", "GET", f"/accounts/{CLINIC}/statement?limit=1").json()
    assert clinic["lines"][0]["direction"] == "credit"


def test_an_account_for_an_unknown_party_is_a_problem_not_a_crash(cast: Cast) -> None:
    r = cast.call(
        "admin", "POST", "/accounts",
        json={"accounts": [{"id": 90, "ledger": 1, "code": 100, "owner_party_id": 9999}]},
    )  # fmt: skip
    assert_problem(r, 422, "party_not_found", where="/accounts")
