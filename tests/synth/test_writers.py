"""The files: FHIR R4 that validates, Synthea headers that match a real export, Parquet
that reads back to the same numbers."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from fhir.resources.R4B import get_fhir_model_class

from thamani.synth import Region
from thamani.synth.writers import Format, write_region
from thamani.synth.writers.fhir import RESOURCE_TYPES

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def fhir_dir(small_county: Region, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fhir")
    write_region(small_county, out, Format.FHIR)
    return out


@pytest.fixture(scope="module")
def synthea_dir(small_county: Region, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthea")
    write_region(small_county, out, Format.SYNTHEA)
    return out


@pytest.mark.parametrize("rtype", RESOURCE_TYPES)
def test_a_sample_of_each_resource_type_validates_as_r4(fhir_dir: Path, rtype: str) -> None:
    model = get_fhir_model_class(rtype)
    with (fhir_dir / f"{rtype}.ndjson").open("rb") as f:
        lines = list(itertools.islice(f, 0, 4000, 37))
    assert lines
    for line in lines:
        data = orjson.loads(line)
        assert data["resourceType"] == rtype
        model.model_validate(data)


def test_the_bulk_manifest_counts_every_file(fhir_dir: Path) -> None:
    manifest = orjson.loads((fhir_dir / "manifest.json").read_bytes())
    assert [o["type"] for o in manifest["output"]] == list(RESOURCE_TYPES)
    for o in manifest["output"]:
        with (fhir_dir / o["url"]).open("rb") as f:
            assert sum(1 for _ in f) == o["count"]


def test_claims_total_their_lines(fhir_dir: Path, small_county: Region) -> None:
    with (fhir_dir / "Claim.ndjson").open("rb") as f:
        claims = [orjson.loads(x) for x in itertools.islice(f, 500)]
    for c in claims:
        total = round(sum(i["net"]["value"] for i in c["item"]), 2)
        assert total == c["total"]["value"]
        assert c["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["system"].endswith(
            "icd-10"
        )
    assert len(claims) == min(500, len(small_county["encounters"]))


def _real_headers() -> dict[str, list[str]]:
    out = {}
    for line in (HERE / "synthea_v3_headers.txt").read_text().splitlines():
        name, header = line.split(": ", 1)
        out[name] = header.split(",")
    return out


def test_synthea_headers_match_a_real_v3_export(synthea_dir: Path) -> None:
    real = _real_headers()
    assert len(real) == 10
    for name, header in real.items():
        with (synthea_dir / f"{name}.csv").open(newline="") as f:
            assert next(csv.reader(f)) == header, name


def test_synthea_files_read_back(synthea_dir: Path, small_county: Region) -> None:
    with (synthea_dir / "encounters.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    enc = small_county["encounters"]
    assert len(rows) == len(enc)
    total = sum(round(float(r["TOTAL_CLAIM_COST"]) * 100) for r in rows)
    assert total == int(enc["cost"].sum())
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", r["START"]) for r in rows[:100])
    with (synthea_dir / "patients.csv").open(newline="") as f:
        patients = list(csv.DictReader(f))
    assert len(patients) == len(small_county["people"])


def test_parquet_reads_back_the_same_numbers(small_county: Region, tmp_path: Path) -> None:
    write_region(small_county, tmp_path, Format.PARQUET)
    lines = pq.read_table(tmp_path / "lines.parquet")
    assert lines.num_rows == len(small_county["lines"])
    assert lines.column("amount").to_pylist()[:50] == small_county["lines"]["amount"][:50].tolist()
    items = lines.column("item").to_pylist()
    assert items[:5] == small_county["lines"].column("item").decoded()[:5].tolist()
    people = pq.read_table(tmp_path / "people.parquet")
    assert people.schema.field("birth_date").type.__str__() == "date32[day]"
    meta = orjson.loads((tmp_path / "region.json").read_bytes())
    assert {t["name"]: t["rows"] for t in meta["tables"]} == small_county.counts()
