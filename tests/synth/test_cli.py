"""``thamani synth`` from the command line."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

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


def test_synth_without_out_says_the_store_path_is_not_there_yet() -> None:
    result = runner.invoke(app, ["synth", "--people", "100"])
    assert result.exit_code == 1
    assert "claims integration" in result.output


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
