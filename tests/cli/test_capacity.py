"""``thamani capacity`` commands, run as a user would (CliRunner) on an SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.capacity.stories import REFERRALS_CSV, REMOVALS_CSV
from thamani.capacity.samples import county_hospital_rtt
from thamani.cli.common import STATE
from thamani.cli.main import app

RTT_KEYS = {
    "provider",
    "treatment_function",
    "part",
    "waiting",
    "within_18_weeks_pct",
    "over_52_weeks",
    "median_weeks",
    "p92_weeks",
}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner on a fresh store in ``tmp_path`` (the CLI keeps its platform in STATE)."""
    monkeypatch.setenv("THAMANI_ENVIRONMENT", "test")
    monkeypatch.delenv("THAMANI_DATABASE_URL", raising=False)
    STATE.overrides.clear()
    STATE._platform = None
    yield CliRunner()
    if STATE._platform is not None:
        STATE._platform.close()
    STATE._platform = None
    STATE.overrides.clear()


def run(cli: CliRunner, tmp_path: Path, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, ["--data-dir", str(tmp_path / "data"), "capacity", *args])
    assert result.exit_code == code, result.output + result.stderr
    return result.stdout


def test_rtt_json_gives_the_issue_keys_and_the_published_figures(
    cli: CliRunner, tmp_path: Path
) -> None:
    out = json.loads(run(cli, tmp_path, "rtt", str(county_hospital_rtt()), "--json"))
    assert all(set(row) == RTT_KEYS for row in out)
    by_key = {(r["provider"], r["treatment_function"], r["part"]): r for r in out}
    assert by_key["RBD", "C_999", "Part_2"] == {
        "provider": "RBD",
        "treatment_function": "C_999",
        "part": "Part_2",
        "waiting": 21702,
        "within_18_weeks_pct": 57.8,
        "over_52_weeks": 647,
        "median_weeks": 14.3,
        "p92_weeks": 42.6,
    }
    totals = {part: by_key["RBD", "C_999", part]["waiting"] for part in ("Part_1A", "Part_1B")}
    assert totals == {"Part_1A": 1544, "Part_1B": 2925}
    assert by_key["RBD", "C_999", "Part_3"]["median_weeks"] is None
    assert len(out) == len(by_key)


def test_rtt_of_a_bad_file_names_row_and_column(cli: CliRunner, tmp_path: Path) -> None:
    lines = county_hospital_rtt().read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[3].split(",")
    cells[header.index("Total")] = "oops"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines[:3], ",".join(cells), *lines[4:]]) + "\n")
    result = cli.invoke(app, ["capacity", "rtt", str(bad), "--json"])
    assert result.exit_code == 2
    assert "bad.csv, row 4, column 'Total'" in result.stderr


def test_referrals_lifecycle_statistics_and_plans(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "refs.csv").write_text(REFERRALS_CSV)
    (tmp_path / "rems.csv").write_text(REMOVALS_CSV)
    added = json.loads(
        run(cli, tmp_path, "referrals", "import", str(tmp_path / "refs.csv"), "--json")
    )
    assert added == {"source": "refs.csv", "referrals": 6, "removals": 0, "lists_created": 4}
    removed = json.loads(
        run(cli, tmp_path, "referrals", "import", str(tmp_path / "rems.csv"), "--json")
    )
    assert removed["removals"] == 2
    shown = json.loads(
        run(
            cli,
            tmp_path,
            "refer",
            "r7",
            "--provider",
            "RBD",
            "--specialty",
            "ent",
            "--on",
            "2024-02-10",
            "--json",
        )
    )
    assert (shown["status"], shown["priority"]) == ("waiting", "P3")
    run(cli, tmp_path, "pause", "r7", "--provider", "RBD", "--on", "2024-02-20")
    run(cli, tmp_path, "resume", "r7", "--provider", "RBD", "--on", "2024-03-01")
    gone = json.loads(
        run(
            cli,
            tmp_path,
            "remove",
            "r7",
            "--provider",
            "RBD",
            "--reason",
            "moved",
            "--on",
            "2024-03-10",
            "--json",
        )
    )
    assert [e["kind"] for e in gone["events"]] == ["start", "pause", "resume", "stop"]
    assert (gone["waited_days"], gone["removal_reason"]) == (19, "moved")
    lists = json.loads(run(cli, tmp_path, "lists", "--provider", "RBD", "--json"))
    assert {(w["specialty"], w["priority"]): w["removed"] for w in lists} == {
        ("ent", "P3"): 1,
        ("ortho", "P2"): 0,
        ("ortho", "P3"): 2,
    }
    stats = json.loads(run(cli, tmp_path, "stats", "--as-of", "2024-03-31", "--json"))
    ent = next(s for s in stats if (s["provider"], s["specialty"]) == ("RBD", "ent"))
    assert (ent["waiting"], ent["referrals"], ent["withdrawn"]) == (2, 3, 1)
    assert "referral_id" not in ent
    outcomes = json.loads(
        run(cli, tmp_path, "simulate", "--as-of", "2024-03-31", "--days", "90", "--json")
    )
    assert outcomes[0]["name"] == "baseline"
    assert len(outcomes) == 5
    table = run(
        cli, tmp_path, "simulate", "--as-of", "2024-03-31", "--days", "90", "--surge", "1.5"
    )
    assert "demand x1.5" in table
    booked = json.loads(
        run(cli, tmp_path, "schedule", "--provider", "RBD", "--start", "2024-04-01", "--json")
    )
    assert booked["booked"] == 3
    assert {b["referral_id"] for b in booked["bookings"]} == {"r3", "r4", "r5"}


def test_bad_referrals_csv_changes_nothing(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(REFERRALS_CSV.replace("2024-02-05", "05/02/2024"))
    result = cli.invoke(
        app, ["--data-dir", str(tmp_path / "data"), "capacity", "referrals", "import", str(bad)]
    )
    assert result.exit_code == 2
    assert "bad.csv, row 6, column 'referred_on'" in result.stderr
    assert json.loads(run(cli, tmp_path, "lists", "--json")) == []


def test_import_rtt_and_report(cli: CliRunner, tmp_path: Path) -> None:
    snap = json.loads(run(cli, tmp_path, "import-rtt", str(county_hospital_rtt()), "--json"))
    assert (snap["rows"], snap["providers"]) == (512, ["RBD"])
    out = tmp_path / "plan.html"
    written = json.loads(run(cli, tmp_path, "report", "--out", str(out), "--svg", "--json"))
    assert written["path"] == str(out.resolve())
    html = out.read_text()
    assert "Dorset County Hospital" in html
    assert html.count("<svg") >= 4
    direct = tmp_path / "direct.html"
    run(cli, tmp_path, "report", "--rtt", str(county_hospital_rtt()), "--out", str(direct))
    assert "vegaEmbed" in direct.read_text()


def test_forecast_needs_history(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "refs.csv").write_text(REFERRALS_CSV)
    run(cli, tmp_path, "referrals", "import", str(tmp_path / "refs.csv"))
    result = cli.invoke(
        app,
        ["--data-dir", str(tmp_path / "data"), "capacity", "forecast", "--as-of", "2024-01-10"],
    )
    assert result.exit_code == 2
    assert "need at least 3 whole weeks" in result.stderr
    weekly = json.loads(
        run(cli, tmp_path, "forecast", "--as-of", "2024-03-31", "--horizon", "4", "--json")
    )
    assert sum(h["referrals"] for h in weekly["history"]) == 6
    assert len(weekly["forecast"]) == 4
