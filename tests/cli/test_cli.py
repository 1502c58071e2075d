"""The ``thamani`` command as a user types it, on a data directory of the test's own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.invoke import run_cli, store_options
from thamani.config import Settings
from thamani.platform import open_platform


@pytest.fixture
def store(settings: Settings) -> list[str]:
    """Options naming a fresh store (SQLite, or a PostgreSQL schema) with a ledger and
    three accounts opened through the command line."""
    opts = store_options(settings)
    assert run_cli(*opts, "ledger", "create-ledger", "1", "KES", "kes-savings").exit_code == 0
    for account_id, code, flag in (
        ("1", "400", []),
        ("2", "100", ["--flag", "debits_must_not_exceed_credits"]),
        ("3", "200", []),
    ):
        r = run_cli(
            *opts,
            "ledger",
            "open-account",
            "--ledger",
            "1",
            "--code",
            code,
            "--id",
            account_id,
            *flag,
        )
        assert r.exit_code == 0, r.output
    return opts


def tx(tid: int | str, dr: int | str, cr: int | str, amount: int) -> dict[str, object]:
    return {"id": tid, "debit_account_id": dr, "credit_account_id": cr, "amount": amount,
            "ledger": 1, "code": 1}  # fmt: skip


def balances(settings: Settings, account_id: int) -> tuple[int, int, int, int]:
    p = open_platform(settings, migrate=False)
    try:
        a = p.ledger.account(account_id)
        return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
    finally:
        p.close()


def test_the_demo_runs_and_its_books_verify(tmp_path: Path) -> None:
    r = run_cli("--data-dir", str(tmp_path), "demo", "--people", "1500")
    assert r.exit_code == 0, r.output
    assert "The books are verified from the first record" in r.stdout
    # The real-data steps, between the claims and the waiting lists, each ending well.
    titles = re.findall(r"^([✓✗]) \d+\. (.+)$", r.stdout, re.MULTILINE)
    real = [t for t in titles if t[1].startswith(("Real ", "A malformed FHIR", "Imported again",
                                                    "Out as FHIR"))]  # fmt: skip
    assert [mark for mark, _ in real] == ["✓"] * 5, real
    names = [t for _, t in titles]
    assert names.index(real[0][1]) > names.index("Providers' systems speak FHIR R4")
    assert names.index(real[-1][1]) < names.index(
        "Capacity needed, by specialty (queueing formulas)"
    )
    assert "✗" not in r.stdout
    again = run_cli("--data-dir", str(tmp_path / "demo"), "ledger", "verify", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["ok"] is True


def test_init_is_idempotent_and_a_token_is_printed_once(tmp_path: Path) -> None:
    for _ in range(2):
        r = run_cli("--data-dir", str(tmp_path), "init")
        assert r.exit_code == 0, r.output
        assert "admin party: 1" in r.stdout
    r = run_cli("--data-dir", str(tmp_path), "token", "create", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["secret"].startswith("thm_")
    assert out["party_id"] == 1
    assert "ledger:verify" in out["scopes"]
    listed = run_cli("--data-dir", str(tmp_path), "token", "list", "--json")
    assert out["secret"] not in listed.stdout
    assert json.loads(listed.stdout)[0]["prefix"] == out["secret"][:12]


def test_a_token_for_an_unknown_scope_is_a_clear_error(tmp_path: Path) -> None:
    r = run_cli("--data-dir", str(tmp_path), "token", "create", "--scope", "ledger:steal")
    assert r.exit_code == 2
    assert "unknown scope 'ledger:steal'" in r.stderr


def test_verify_of_an_empty_store_is_ok(settings: Settings) -> None:
    r = run_cli(*store_options(settings), "ledger", "verify", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert (out["ok"], out["records"], out["first_bad_seq"], out["problems"]) == (True, 0, None, [])


def test_submit_moves_money_once_from_a_file(
    store: list[str], settings: Settings, tmp_path: Path
) -> None:
    f = tmp_path / "top-ups.ndjson"
    f.write_text(
        json.dumps(tx(10, 1, 2, 1500)) + "\n" + json.dumps(tx("0x0b", "1", "2", 500)) + "\n"
    )
    r = run_cli(*store, "ledger", "submit", str(f), "--json")
    assert r.exit_code == 0, r.output
    assert [x["result"] for x in json.loads(r.stdout)["results"]] == ["ok", "ok"]
    r = run_cli(*store, "ledger", "submit", str(f))
    assert r.exit_code == 0
    assert "2 recorded, 0 refused" in r.stdout
    assert balances(settings, 2) == (0, 0, 0, 2000)


def test_a_refused_transfer_makes_the_command_fail(store: list[str], tmp_path: Path) -> None:
    f = tmp_path / "pay.json"
    f.write_text(
        json.dumps(
            [
                {
                    "id": 20,
                    "debit_account_id": 2,
                    "credit_account_id": 3,
                    "amount": 5,
                    "ledger": 1,
                    "code": 3,
                }
            ]
        )
    )
    r = run_cli(*store, "ledger", "submit", str(f))
    assert r.exit_code == 1
    assert "transfer 0 (20): exceeds_credits" in r.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (json.dumps([tx(30, 1, 3, 5), tx(31, 1, 3, -5)]), "transfer 1 in"),
        (
            json.dumps([tx(30, 1, 3, 5), tx("thirty-one", 1, 3, 5)]),
            "'thirty-one' is not a 128-bit id",
        ),
        ('{"id": 30, "debit_account_id": 1,\n "amount": }', "is not JSON"),
        ('{"id": 30, "colour": "blue"}', "Extra inputs are not permitted"),
    ],
)
def test_a_malformed_file_is_refused_whole_with_a_clear_error(
    store: list[str], settings: Settings, tmp_path: Path, content: str, message: str
) -> None:
    f = tmp_path / "bad.json"
    f.write_text(content)
    r = run_cli(*store, "ledger", "submit", str(f))
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ")
    assert message in r.stderr
    assert str(f) in r.stderr
    assert balances(settings, 3) == (0, 0, 0, 0)  # the good transfer before it did not move


def test_a_missing_file_is_a_clear_error(store: list[str], tmp_path: Path) -> None:
    r = run_cli(*store, "ledger", "submit", str(tmp_path / "nowhere.json"))
    assert r.exit_code == 2
    assert "cannot read" in r.stderr


def test_a_statement_pages_on_the_command_line(store: list[str]) -> None:
    for i in range(5):
        r = run_cli(
            *store, "ledger", "transfer", "--debit", "1", "--credit", "2",
            "--amount", str(100 + i), "--ledger", "1", "--code", "1", "--id", str(40 + i), "--json",
        )  # fmt: skip
        assert json.loads(r.stdout)["result"] == "ok", r.output
    r = run_cli(*store, "ledger", "statement", "2", "--limit", "3", "--json")
    assert r.exit_code == 0, r.output
    page = json.loads(r.stdout)
    assert [x["amount"] for x in page["lines"]] == [100, 101, 102]
    assert page["account"]["balance"] == sum(range(100, 105))
    r = run_cli(
        *store,
        "ledger",
        "statement",
        "2",
        "--limit",
        "3",
        "--after",
        str(page["next_cursor"]),
        "--json",
    )
    rest = json.loads(r.stdout)
    assert [x["amount"] for x in rest["lines"]] == [103, 104]
    assert rest["next_cursor"] is None
    r = run_cli(*store, "ledger", "statement", "2")
    assert r.exit_code == 0
    assert "balance KES 5.10" in r.stdout
    r = run_cli(*store, "ledger", "statement", "99")
    assert r.exit_code == 3
    assert "account 99 not found" in r.stderr


def test_every_command_shortens_the_interpreter_switch_interval() -> None:
    """Threads holding the store's write lock get the interpreter lock back quickly."""
    import sys

    from thamani.db.engine import SWITCH_INTERVAL

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        assert run_cli("version").exit_code == 0
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL)
    finally:
        sys.setswitchinterval(before)
