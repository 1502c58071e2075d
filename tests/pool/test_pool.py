"""The pseudonymised pool: what goes in, what never does, and what may be published."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from thamani.config import Environment, Settings
from thamani.errors import ConfigurationError, InvalidInput
from thamani.parties.records import PartyKind
from thamani.platform import Platform
from thamani.pool.pseudonym import Pseudonymiser, load_pseudonym_key
from thamani.pool.records import PoolEncounter, Suppression
from thamani.pool.writer import SCHEMA, iso_week
from thamani.wallets.records import FundingSource

MONDAY = date(2025, 3, 3)


def encounter(
    n: int, area: str, dx: tuple[str, ...], day: date = MONDAY, patient: int = 0
) -> PoolEncounter:
    return PoolEncounter(
        encounter_id=f"enc-{area}-{dx[0]}-{n}-{day.isoformat()}",
        patient_party_id=patient or 10_000 + n,
        provider_party_id=7,
        encounter_date=day,
        encounter_class="outpatient",
        diagnosis_codes=dx,
        service_codes=("CONS",),
        amount_total=50_000,
        paid_by_source={FundingSource.COVER: 45_000, FundingSource.SAVINGS: 5_000},
        programme="Afya cover",
        year_of_birth=1980 + n % 30,
        sex="female" if n % 2 else "male",
        area=area,
    )


def read_rows(p: Platform) -> list[dict[str, object]]:
    files = sorted(p.pool.directory.glob("month=*/*.parquet"))
    return [row for f in files for row in pq.read_table(f).to_pylist()]


def test_pool_rows_hold_no_personal_identifiers(platform: Platform) -> None:
    mother = platform.parties.create(PartyKind.PATIENT, "Akinyi Odhiambo", "akinyi-pool")
    platform.wallets.open_wallet(
        mother.id, phone="0712345678", birth_date=date(1996, 3, 2), sex="female", area="Kisumu"
    )
    e = PoolEncounter(
        encounter_id="CLAIM-2025-000123",
        patient_party_id=mother.id,
        provider_party_id=42,
        encounter_date=date(2025, 3, 5),
        encounter_class="antenatal",
        diagnosis_codes=("z34.0",),
        service_codes=("ANC1", "HB"),
        amount_total=100_000,
        paid_by_source={FundingSource.VOUCHER: 90_000, FundingSource.SAVINGS: 10_000},
        programme="Mama Bora",
    )
    result = platform.pool.append([e])
    assert result.appended == 1
    assert result.files[0].startswith("month=2025-03/")
    (row,) = read_rows(platform)
    assert list(row) == SCHEMA.names
    assert row["year_of_birth"] == 1996
    assert (row["sex"], row["area"], row["encounter_week"]) == ("female", "Kisumu", "2025-W10")
    assert row["diagnosis_codes"] == ["Z34.0"]
    assert (row["paid_voucher"], row["paid_savings"], row["paid_cover"]) == (90_000, 10_000, 0)
    text = " ".join(str(v) for v in row.values())
    for secret in (
        "Akinyi",
        "Odhiambo",
        "0712345678",
        "254712345678",
        "CLAIM-2025-000123",
        "1996-03-02",
        "TH0",
    ):
        assert secret not in text
    assert row["pseudonym"] != str(mother.id)
    assert len(str(row["pseudonym"])) == 32
    # Appending the same settled encounter again adds nothing.
    again = platform.pool.append([e, e])
    assert (again.appended, again.already_there) == (0, 2)
    assert len(read_rows(platform)) == 1


def test_pseudonyms_are_stable_per_key_and_differ_across_keys(tmp_path: Path) -> None:
    a = Pseudonymiser(b"k" * 32)
    assert a.member(17) == Pseudonymiser(b"k" * 32).member(17)
    assert a.member(17) != a.member(18)
    assert a.member(17) != Pseudonymiser(b"j" * 32).member(17)
    dev = Settings(data_dir=tmp_path)
    assert load_pseudonym_key(dev) == load_pseudonym_key(dev)  # generated once, kept
    prod = Settings(environment=Environment.PRODUCTION, data_dir=tmp_path / "p")
    with pytest.raises(ConfigurationError) as e:
        load_pseudonym_key(prod)
    assert e.value.code == "default_secret_refused"
    configured = Settings(environment=Environment.PRODUCTION, pseudonym_key="x" * 40)
    assert load_pseudonym_key(configured) == b"x" * 40


def test_the_disease_map_suppresses_small_cells_and_their_complements(
    platform: Platform,
) -> None:
    batch = (
        [encounter(n, "Kisumu Central", ("B50.9",)) for n in range(10)]
        + [encounter(n, "Kisumu East", ("B50.0", "B50.9")) for n in range(7)]
        + [encounter(n, "Seme", ("B54",)) for n in range(3)]
        + [encounter(n, "Nyando", ("A09",)) for n in range(3)]
        + [encounter(n, "Muhoroni", ("J06.9",)) for n in range(6)]
        + [encounter(n, "Seme", ("J06.9",), MONDAY + timedelta(days=7)) for n in range(5)]
    )
    platform.pool.append(batch)
    m = platform.pool.disease_map()
    cells = {(c.week, c.area, c.diagnosis): (c.count, c.suppressed) for c in m.cells}
    week = iso_week(MONDAY)
    # Malaria (B50) in week 10: Kisumu Central 10, Kisumu East 7 (coded twice, counted once).
    assert cells[(week, "Kisumu Central", "B50")] == (10, None)
    assert cells[(week, "Kisumu East", "B50")] == (7, None)
    # B54 in Seme: 3 cases, alone in its row: the cell and the total are both withheld.
    assert cells[(week, "Seme", "B54")] == (None, Suppression.SMALL_NUMBER)
    totals = {(t.week, t.diagnosis): (t.count, t.suppressed) for t in m.totals}
    assert totals[(week, "B54")] == (None, Suppression.SMALL_NUMBER)
    assert cells[(week, "Muhoroni", "J06")] == (6, None)
    assert cells[(iso_week(MONDAY + timedelta(days=7)), "Seme", "J06")] == (5, None)


def test_a_suppressed_cell_cannot_be_recomputed_from_the_row_total(platform: Platform) -> None:
    platform.pool.append(
        [encounter(n, "Kisumu Central", ("B50",)) for n in range(10)]
        + [encounter(n, "Kisumu East", ("B50",)) for n in range(7)]
        + [encounter(n, "Seme", ("B50",)) for n in range(3)]
    )
    m = platform.pool.disease_map()
    row = {c.area: c for c in m.cells}
    (total,) = m.totals
    assert total.count == 20
    assert row["Seme"].suppressed is Suppression.SMALL_NUMBER
    # Kisumu East is withheld as its complement, so 20 - 10 leaves two unknowns.
    assert row["Kisumu East"].suppressed is Suppression.COMPLEMENTARY
    assert row["Kisumu Central"].count == 10
    published = sum(c.count or 0 for c in m.cells)
    hidden = [c for c in m.cells if c.count is None]
    assert total.count - published == 10
    assert len(hidden) == 2
    # Every published count is at or above the threshold.
    assert all(c.count is None or c.count >= 5 for c in m.cells)


def test_the_map_filters_by_dates_and_export_writes_parquet_and_csv(
    platform: Platform, tmp_path: Path
) -> None:
    platform.pool.append(
        [encounter(n, "Seme", ("A09",), MONDAY + timedelta(days=35 * (n % 2))) for n in range(12)]
    )
    march = platform.pool.disease_map(until=date(2025, 3, 31))
    assert [(c.area, c.count) for c in march.cells] == [("Seme", 6)]
    out = platform.pool.export(tmp_path / "out")
    assert out.rows == 12
    assert sorted(f.split("/")[0] for f in out.files) == ["month=2025-03", "month=2025-04"]
    flat = platform.pool.export(tmp_path / "csv", "csv")
    with (tmp_path / "csv" / "pool.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == flat.rows == 12
    assert rows[0]["diagnosis_codes"] == "A09"
    assert "pseudonym" in rows[0]
    with pytest.raises(InvalidInput):
        platform.pool.export(tmp_path / "x", "xlsx")


def test_an_empty_pool_answers_an_empty_map_and_bad_encounters_are_refused(
    platform: Platform,
) -> None:
    assert platform.pool.disease_map().cells == ()
    spa = PoolEncounter("x", 1, 1, MONDAY, "spa", ())
    with pytest.raises(InvalidInput) as e:
        platform.pool.append([encounter(1, "Seme", ("A09",)), spa])
    assert e.value.where == "encounters/1/encounter_class"
    assert platform.pool.disease_map().cells == ()
