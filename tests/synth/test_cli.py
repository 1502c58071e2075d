"""``thamani synth`` from the command line."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from tests.cli.invoke import run_cli
from thamani.cli.main import app

runner = CliRunner()


def test_synth_writes_parquet_files(tmp_path: Path) -> None:
    out = tmp_path / "county"
    result = runner.invoke(
        app, ["synth", "--people", "2000", "--years", "1", "--seed", "3", "--out", str(out),
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"]["people"] >= 2000
    assert (out / "encounters.parquet").exists()
    assert (out / "region.json").exists()


def test_synth_without_out_loads_the_region_into_the_store(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    args = [*data, "synth", "--people", "300", "--seed", "2", "--json"]
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["people"] == 300
    assert summary["loaded"]["providers"] > 0
    assert summary["claims"]["submitted"] == sum(
        p["claims"] for p in summary["programmes"].values()
    )
    assert summary["claims_per_second"] > 0
    again = run_cli(*args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["already_loaded"] is True
    other = run_cli(*data, "synth", "--people", "300", "--seed", "3")
    assert other.exit_code == 4
    assert "holds the synthetic region" in other.output
    shown = run_cli(*data, "claim", "list", "--json")
    assert shown.exit_code == 0, shown.output


def test_a_misspelt_parameter_is_named(tmp_path: Path) -> None:
    text = resources.files("thamani.synth").joinpath("kenya_county.yaml").read_text("utf-8")
    bad = tmp_path / "county.yaml"
    bad.write_text(text.replace("crude_birth_rate_per_1000:", "crude_birth_rate_per_100:"))
    result = runner.invoke(
        app, ["synth", "--people", "100", "--out", str(tmp_path / "x"), "--parameters", str(bad)]
    )
    assert result.exit_code == 2
    assert "demography.crude_birth_rate_per_100" in result.output


def test_bad_sizes_are_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--people", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "people" in result.output
