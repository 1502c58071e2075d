"""No personal identifiers beyond the synthetic ones."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import orjson

from thamani.synth import Region
from thamani.synth.writers import Format, write_region

PHONE = re.compile(r"^\+2547000\d{6,}$")


def test_people_carry_only_synthetic_identifiers(county: Region) -> None:
    people = county["people"]
    names = {c.name for c in people.columns}
    assert not names & {"name", "first", "last", "national_id", "ssn", "address", "email"}
    phones = people["phone"].astype(str)
    given = phones[phones != ""]
    assert given.size > 0.3 * phones.size
    assert all(PHONE.match(p) for p in given)
    assert min(len(p) for p in given) >= 14  # a real Kenyan mobile number has 13 characters
    assert np.unique(given).size == given.size


def test_files_hold_no_names(small_county: Region, tmp_path: Path) -> None:
    write_region(small_county, tmp_path / "fhir", Format.FHIR)
    with (tmp_path / "fhir" / "Patient.ndjson").open("rb") as f:
        for line in f:
            patient = orjson.loads(line)
            assert "name" not in patient
            assert all(set(a) <= {"district", "country"} for a in patient["address"])
    write_region(small_county, tmp_path / "synthea", Format.SYNTHEA)
    with (tmp_path / "synthea" / "patients.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            assert row["FIRST"] == row["LAST"] == row["SSN"] == row["ADDRESS"] == ""
