"""The command line: load programme files, enrol, submit claims (Thamani JSON and FHIR),
review, and the errors people see (one line naming the file and the place)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.worlds import claim, example
from thamani.claims.documents import to_document
from thamani.cli.common import STATE
from thamani.cli.main import app
from thamani.interop.fhir.claims import claim_resource

runner = CliRunner()


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    STATE.overrides.clear()
    STATE._platform = None
    yield tmp_path, ["--data-dir", str(tmp_path / "data")]
    if STATE._platform is not None:
        STATE._platform.close()
    STATE._platform = None
    STATE.overrides.clear()


def run(base: list[str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*base, *args])
    return result.exit_code, result.output


def setup(base: list[str]) -> None:
    for kind, ref in (
        ("payer", "mama-bora-fund"),
        ("provider", "kcrh"),
        ("provider", "nyalenda-hc"),
        ("provider", "kondele-disp"),
    ):
        assert run(base, "party", "create", kind, ref, "--reference", ref)[0] == 0
    code, out = run(base, "programme", "load", str(example("linda-mama")))
    assert code == 0, out
    assert "created" in out
    fund = json.loads(run(base, "programme", "list", "--json")[1])[0]["fund_account_id"]
    assert (
        run(base, "ledger", "open-account", "--ledger", "2", "--code", "310", "--id", "77")[0] == 0
    )
    code, out = run(
        base,
        "ledger",
        "transfer",
        "--debit",
        "77",
        "--credit",
        fund,
        "--amount",
        "100000000",
        "--ledger",
        "2",
        "--code",
        "2",
    )
    assert code == 0, out


def test_a_programme_file_loads_once_and_a_typo_names_the_path(cli: tuple[Path, list[str]]) -> None:
    tmp, base = cli
    setup(base)
    code, out = run(base, "programme", "load", str(example("linda-mama")))
    assert (code, "unchanged" in out) == (0, True)
    bad = tmp / "bad.yaml"
    bad.write_text(example("linda-mama").read_text().replace("max_antenatal: 8", "max_antenatl: 8"))
    code, out = run(base, "programme", "load", str(bad))
    assert code == 2
    assert f"{bad}: limits.max_antenatl" in out.replace("\n", "")
    code, out = run(base, "programme", "list", "--json")
    assert [p["code"] for p in json.loads(out)] == ["linda-mama"]


def test_enrol_and_claim_from_the_command_line(cli: tuple[Path, list[str]]) -> None:
    tmp, base = cli
    setup(base)
    code, out = run(
        base,
        "enrol",
        "--programme",
        "linda-mama",
        "--household",
        "HH-1",
        "--start",
        "2024-01-01",
        "--end",
        "2027-12-31",
        "--member",
        "LM-1,Akinyi Odhiambo,female,1996-03-14",
    )
    assert code == 0, out
    assert "1 member enrolment(s)" in out
    c = claim("LM-1", "kcrh", ["ANC-VISIT", "HB"], programme="linda-mama", dx=("Z34.0",))
    doc = tmp / "claim.json"
    doc.write_text(json.dumps(to_document(c)))
    code, out = run(base, "claim", "submit", str(doc), "--json")
    assert code == 0, out
    stored = json.loads(out)
    assert (stored["status"], stored["payer"]) == ("paid", 105_000)
    code, out = run(base, "claim", "show", stored["id"], "--fhir")
    assert json.loads(out)["resourceType"] == "ClaimResponse"
    fhir = tmp / "fhir.json"
    later = claim("LM-1", "kcrh", ["PNC-VISIT"], programme="linda-mama", dx=("Z39.2",))
    fhir.write_text(json.dumps(claim_resource(later, "KES")))
    code, out = run(base, "claim", "submit", str(fhir), "--fhir")
    assert code == 0, out
    assert json.loads(out)["outcome"] == "complete"
    batch = tmp / "batch.ndjson"
    rows = [
        to_document(
            claim(
                "LM-1",
                "kondele-disp",
                ["HB"],
                programme="linda-mama",
                dx=("Z34.0",),
                day=date(2025, 6, 20),
            )
        ),
        to_document(claim("LM-9", "kondele-disp", ["HB"], programme="linda-mama", dx=("Z34.0",))),
    ]
    batch.write_text("\n".join(json.dumps(r) for r in rows))
    code, out = run(base, "claim", "batch", str(batch))
    assert code == 0, out
    assert "1 paid, 1 rejected" in out
    assert "member_unknown" in out
    code, out = run(base, "claim", "list", "--json")
    assert len(json.loads(out)) == 4


def test_a_malformed_claim_file_is_one_clear_line(cli: tuple[Path, list[str]]) -> None:
    tmp, base = cli
    setup(base)
    c = to_document(claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama"))
    c["lines"][0]["quantity"] = -1
    doc = tmp / "claim.json"
    doc.write_text(json.dumps(c))
    code, out = run(base, "claim", "submit", str(doc))
    assert code == 2
    assert "lines[0].quantity" in out
    fhir = claim_resource(claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama"), "KES")
    del fhir["patient"]
    doc.write_text(json.dumps(fhir))
    code, out = run(base, "claim", "submit", str(doc))
    assert code == 2
    assert "Claim.patient" in out
    assert json.loads(run(base, "claim", "list", "--json")[1]) == []
