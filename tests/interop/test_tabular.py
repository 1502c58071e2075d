"""The tabular export: Synthea's layout out, read back in, and out again unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import make_settings
from thamani.clock import ManualClock
from thamani.interop.synthea.importer import SyntheaImport
from thamani.interop.synthea.people import patient_reference
from thamani.interop.tabular.export import TabularExport
from thamani.platform import Platform, open_platform

DATA = Path(__file__).parent / "data" / "synthea-csv-27"


def fresh(tmp_path: Path, name: str) -> Platform:
    return open_platform(make_settings(tmp_path / name), clock=ManualClock())


def test_csv_round_trip_gives_the_same_files(platform: Platform, tmp_path: Path) -> None:
    SyntheaImport(platform).run(DATA)
    first = TabularExport(platform).run(tmp_path / "one", "csv")
    assert first.rows["claims"] == 1267
    assert first.rows["encounters"] == 604
    assert first.rows["patients"] == 27
    second_store = fresh(tmp_path, "second")
    try:
        back = SyntheaImport(second_store).run(tmp_path / "one")
        assert back.added["claims"] == 1267
        again = TabularExport(second_store).run(tmp_path / "two", "csv")
    finally:
        second_store.close()
    assert again.rows == first.rows
    for name in first.rows:
        one = (tmp_path / "one" / f"{name}.csv").read_bytes()
        assert one == (tmp_path / "two" / f"{name}.csv").read_bytes(), name
    # The money survives the trip.
    src = SyntheaImport(platform).run(DATA)
    assert back.money == src.money


def test_parquet_round_trip_gives_the_same_tables(platform: Platform, tmp_path: Path) -> None:
    SyntheaImport(platform).run(DATA)
    first = TabularExport(platform).run(tmp_path / "one", "parquet")
    second_store = fresh(tmp_path, "second")
    try:
        SyntheaImport(second_store).run(tmp_path / "one")
        TabularExport(second_store).run(tmp_path / "two", "parquet")
    finally:
        second_store.close()
    for name in first.rows:
        one = pq.read_table(tmp_path / "one" / f"{name}.parquet")
        assert one.equals(pq.read_table(tmp_path / "two" / f"{name}.parquet")), name
        assert one.num_rows == first.rows[name]


def test_pseudonymised_export_has_no_names_nor_source_ids(
    platform: Platform, tmp_path: Path
) -> None:
    SyntheaImport(platform).run(DATA)
    TabularExport(platform).run(tmp_path / "out", "csv", pseudonymiser=platform.pool.pseudonymiser)
    with (DATA / "patients.csv").open(newline="") as f:
        people = list(csv.DictReader(f))
    text = "".join(p.read_text() for p in (tmp_path / "out").glob("*.csv"))
    for person in people:
        assert person["Id"] not in text
        assert person["FIRST"] not in text
        assert person["LAST"] not in text
    with (tmp_path / "out" / "patients.csv").open(newline="") as f:
        out = list(csv.DictReader(f))
    assert {r["BIRTHDATE"][5:] for r in out} == {"01-01"}
    # The pseudonyms are the data pool's.
    party = platform.parties.by_reference(patient_reference(people[0]["Id"]))
    assert platform.pool.pseudonymiser.member(party.id) in {r["Id"] for r in out}
