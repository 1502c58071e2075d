"""``thamani import synthea`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.invoke import run_cli, store_options
from tests.conftest import make_settings

DATA = Path(__file__).parents[1] / "interop" / "data" / "synthea-csv-27"


def test_import_synthea_prints_counts_and_money(tmp_path: Path) -> None:
    opts = store_options(make_settings(tmp_path))
    first = run_cli(*opts, "import", "synthea", str(DATA), "--json")
    assert first.exit_code == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["added"]["patients"] == 27
    assert out["added"]["claims"] == 1267
    assert out["money"]["charged"] == 109_240_273
    again = run_cli(*opts, "import", "synthea", str(DATA))
    assert again.exit_code == 0
    assert "1,267" in again.stdout


def test_a_directory_without_patients_is_refused(tmp_path: Path) -> None:
    opts = store_options(make_settings(tmp_path))
    done = run_cli(*opts, "import", "synthea", str(tmp_path))
    assert done.exit_code == 2
    assert "no patients.csv" in done.stderr


def test_export_csv_and_parquet_write_one_file_per_table(tmp_path: Path) -> None:
    opts = store_options(make_settings(tmp_path))
    assert run_cli(*opts, "import", "synthea", str(DATA), "--json").exit_code == 0
    for fmt in ("csv", "parquet"):
        done = run_cli(*opts, "export", fmt, str(tmp_path / fmt), "--json")
        assert done.exit_code == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["rows"]["claims"] == 1267
        assert len(out["files"]) == len(out["rows"]) == 14
        assert all(f.endswith(f".{fmt}") for f in out["files"])
