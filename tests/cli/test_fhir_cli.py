"""``thamani import fhir`` and ``thamani export fhir`` as a user types them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import orjson

from tests.cli.invoke import run_cli, store_options
from tests.interop.fhir_data import HIV, bundle_files, first_bundle, load, types_in
from thamani.config import Settings


def test_import_then_export_on_the_command_line(settings: Settings, tmp_path: Path) -> None:
    opts = store_options(settings)
    r = run_cli(*opts, "import", "fhir", str(HIV), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["imported"] == 5
    assert out["failed"] == []
    assert out["read"] == dict(sorted(types_in([load(f) for f in bundle_files()]).items()))
    r = run_cli(*opts, "export", "fhir", str(tmp_path / "bulk"), "--json")
    assert r.exit_code == 0, r.output
    counts = json.loads(r.stdout)["counts"]
    assert counts["Encounter"] == out["added"]["Encounter"]
    manifest = orjson.loads((tmp_path / "bulk" / "manifest.json").read_bytes())
    assert {o["type"]: o["count"] for o in manifest["output"]} == {
        t: n for t, n in counts.items() if n
    }


def test_a_failed_bundle_is_reported_and_the_exit_code_says_so(
    settings: Settings, tmp_path: Path
) -> None:
    shutil.copy(bundle_files()[1], tmp_path / "good.json")
    broken = first_bundle()
    broken["entry"][1]["resource"]["period"]["start"] = "yesterday"
    (tmp_path / "bad.json").write_bytes(orjson.dumps(broken))
    r = run_cli(*store_options(settings), "import", "fhir", str(tmp_path))
    assert r.exit_code == 2
    assert "1 of 2 imported" in r.stdout
    assert "bad.json" in r.stderr
    assert "Bundle.entry[1].resource.period.start" in r.stderr
