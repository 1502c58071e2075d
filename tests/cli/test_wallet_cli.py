"""``thamani wallet``, ``thamani payouts`` and ``thamani pool`` on an embedded store."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from thamani.cli.common import STATE
from thamani.cli.main import app

Run = Callable[..., str]


@pytest.fixture
def thamani(tmp_path: Path) -> Run:
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> str:
        try:
            result = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), *args])
        finally:
            if STATE._platform is not None:
                STATE._platform.close()
            STATE._platform = None
            STATE.overrides.clear()
        assert (result.exit_code == 0) is ok, result.output
        return result.output

    return run


def test_a_wallet_from_the_command_line(thamani: Run, tmp_path: Path) -> None:
    run = thamani
    run("party", "create", "patient", "Akinyi Odhiambo", "--reference", "akinyi")
    run("party", "create", "patient", "Atieno Odhiambo", "--reference", "atieno")
    opened = json.loads(
        run(
            "wallet",
            "open",
            "akinyi",
            "--phone",
            "0712345678",
            "--birth-date",
            "1996-03-02",
            "--sex",
            "female",
            "--area",
            "Kisumu Central",
            "--json",
        )
    )
    assert opened["wallet_ref"] == "TH000001"
    run(
        "wallet",
        "open",
        "atieno",
        "--phone",
        "0722000111",
        "--birth-date",
        "1990-07-09",
        "--sex",
        "female",
        "--area",
        "Kisumu East",
    )
    first = json.loads(
        run(
            "wallet",
            "topup-simulate",
            "TH000001",
            "150.00",
            "--phone",
            "254712345678",
            "--trans-id",
            "SKL1",
            "--json",
        )
    )
    again = json.loads(
        run(
            "wallet",
            "topup-simulate",
            "TH000001",
            "150.00",
            "--phone",
            "254712345678",
            "--trans-id",
            "SKL1",
            "--json",
        )
    )
    assert (first["status"], again["status"]) == ("credited", "duplicate")
    refused = run("wallet", "topup-simulate", "TH999999", "10", "--phone", "2547", ok=False)
    assert "C2B00012" in refused
    sent = json.loads(
        run("wallet", "send", "akinyi", "0722000111", "50", "--send-id", "s1", "--json")
    )
    assert sent["status"] == "sent"
    shown = json.loads(run("wallet", "show", "akinyi", "--json"))
    assert {s["source"]: s["balance"] for s in shown["sources"]} == {"savings": 10_000, "family": 0}
    st = json.loads(run("wallet", "statement", "atieno", "--json"))
    assert [(x["kind"], x["amount"], x["phone"]) for x in st["lines"]] == [
        ("send", 5_000, "254712345678")
    ]
    assert "nothing paid out" in run("payouts", "run", "--run-id", "r1")
    m = json.loads(run("pool", "disease-map", "--json"))
    assert m["cells"] == []
    assert "0 encounters" in run("pool", "export", str(tmp_path / "export"))
