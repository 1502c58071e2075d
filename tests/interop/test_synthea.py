"""Importing Synthea CSV: the real 27-patient export, again, broken, and our own output.

Expected counts and money are computed here from the CSV files with the csv module, not
taken from the importer's output.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from thamani.claims.records import ClaimStatus
from thamani.clinical import systems
from thamani.clinical.records import Kind
from thamani.db.engine import read_transaction
from thamani.db.tables import claims as claims_table
from thamani.db.tables import parties
from thamani.errors import InvalidInput
from thamani.interop.synthea.importer import Summary, SyntheaImport
from thamani.interop.synthea.people import patient_reference
from thamani.platform import Platform
from thamani.synth.export import export_region
from thamani.synth.writers import Format

DATA = Path(__file__).parent / "data" / "synthea-csv-27"


def rows(name: str, directory: Path = DATA) -> list[dict[str, str]]:
    with (directory / f"{name}.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def cents(text: str) -> int:
    return int((Decimal(text or "0") * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def expected_money() -> dict[str, int]:
    """Who paid what, by walking each claim's transactions in CHARGEID order: a charge
    is billed to the primary payer (1) or the patient (p); a COPAY is the patient's; a
    TRANSFERIN hands the rest to the secondary payer (2) or the patient (p)."""
    by_claim: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows("claims_transactions"):
        by_claim[r["CLAIMID"]].append(r)
    out = {"charged": 0, "payer_paid": 0, "patient_paid": 0, "outstanding": 0}
    for txs in by_claim.values():
        txs.sort(key=lambda r: int(r["CHARGEID"]))
        who = "payer_paid"
        left = 0
        for r in txs:
            if r["TYPE"] == "CHARGE":
                out["outstanding"] += left
                out["charged"] += cents(r["AMOUNT"])
                left = cents(r["AMOUNT"])
                who = "patient_paid" if r["TRANSFERTYPE"] == "p" else "payer_paid"
                continue
            if r["TYPE"] == "PAYMENT":
                paid_by = "patient_paid" if r["METHOD"] == "COPAY" else who
                out[paid_by] += cents(r["PAYMENTS"])
            elif r["TYPE"] == "TRANSFERIN":
                who = "patient_paid" if r["TRANSFERTYPE"] == "p" else "payer_paid"
            if r["OUTSTANDING"]:
                left = cents(r["OUTSTANDING"])
        out["outstanding"] += left
    return out


def run(platform: Platform, directory: Path = DATA, currency: str = "USD") -> Summary:
    return SyntheaImport(platform).run(directory, currency_code=currency)


def state(platform: Platform) -> tuple[object, ...]:
    """Everything an import writes, counted (and the ledger's head)."""
    with read_transaction(platform.engine) as conn:
        n_parties = conn.execute(select(func.count()).select_from(parties)).scalar_one()
        n_claims = conn.execute(select(func.count()).select_from(claims_table)).scalar_one()
    head = platform.ledger.head()
    return (
        n_parties,
        n_claims,
        tuple(sorted(platform.clinical.counts().items(), key=lambda kv: kv[0].value)),
        len(platform.schemes.programmes()),
        head.seq if head else 0,
    )


def test_the_real_export_imports_whole(platform: Platform) -> None:
    done = run(platform)
    # Every row of every table the platform keeps.
    assert done.added["patients"] == len(rows("patients")) == 27
    assert done.added["organizations"] == len(rows("organizations"))
    assert done.added["payers"] == len(rows("payers"))
    assert done.added["members"] == 27
    assert done.added["encounters"] == len(rows("encounters"))
    for kind, table in (
        ("conditions", "conditions"), ("observations", "observations"),
        ("medications", "medications"), ("procedures", "procedures"),
        ("immunizations", "immunizations"), ("allergies", "allergies"),
        ("care_plans", "careplans"),
    ):  # fmt: skip
        assert done.added[kind] == len(rows(table)), kind
    assert done.added["claims"] == len(rows("claims")) == 1267
    cover = {(r["PATIENT"], r[k], r["START_YEAR"][:10]) for r in rows("payer_transitions")
             for k in ("PAYER", "SECONDARY_PAYER") if r[k]}  # fmt: skip
    assert done.added["enrolments"] == len(cover)
    assert done.not_imported == ["devices", "supplies", "imaging_studies"]
    # The money, as the source has it.
    money = expected_money()
    assert done.money == money
    assert money["charged"] == 109_240_273
    # The claims as stored add up to the same.
    with read_transaction(platform.engine) as conn:
        stored = conn.execute(
            select(
                func.sum(claims_table.c.asked),
                func.sum(claims_table.c.payer),
                func.sum(claims_table.c.co_pay),
                func.sum(claims_table.c.not_covered),
                func.count(),
            )
        ).one()
    assert tuple(stored) == (
        money["charged"], money["payer_paid"], money["patient_paid"], money["outstanding"], 1267
    )  # fmt: skip
    billed = sum(1 for r in rows("claims") if "BILLED" in (r["STATUS1"], r["STATUSP"]))
    assert len(platform.claims.claims(status=ClaimStatus.BILLED, limit=1000)) == billed == 2
    # And the ledger: what the providers received is what payers and patients paid.
    # (a provider has one receivable on the ledger, whichever programme pays into it)
    accounts = {a.receivable_account_id for p in platform.schemes.programmes()
                for a in platform.schemes.programme(p.code).providers}  # fmt: skip
    received = sum(a.credits_posted for a in platform.ledger.accounts(list(accounts)))
    assert received == money["payer_paid"] + money["patient_paid"]
    assert platform.verify_ledger().ok


def test_codes_keep_their_systems_and_records_their_patient(platform: Platform) -> None:
    run(platform)
    first = rows("patients")[0]["Id"]
    patient = platform.parties.by_reference(patient_reference(first))
    rec = platform.clinical.record(patient.id)
    assert len(rec.encounters) == sum(1 for r in rows("encounters") if r["PATIENT"] == first)
    assert {c.system for c in rec.conditions} == {systems.SNOMED_CT}
    assert {m.system for m in rec.medications} <= {systems.RXNORM}
    # Observations are LOINC but for Synthea's own quality-of-life scores.
    local = {o.code for o in rec.observations if o.system != systems.LOINC}
    assert {o.system for o in rec.observations} == {systems.LOINC, systems.LOCAL}
    assert local <= {"QALY", "QOLS", "DALY"}
    height = next(o for o in rec.observations if o.code == "8302-2")
    assert height.unit == "cm"
    assert height.number is not None
    enc = {e.source_id: e.id for e in rec.encounters}
    assert all(c.encounter_id in enc.values() for c in rec.conditions if c.encounter_id)
    # A claim keeps its SNOMED CT diagnoses as SNOMED CT (never checked as ICD-10).
    claim = platform.claims.claims(limit=1)[0]
    assert claim.encounter.diagnoses[0].system == systems.SNOMED_CT


def test_importing_again_changes_nothing(platform: Platform) -> None:
    first = run(platform)
    before = state(platform)
    again = run(platform)
    assert state(platform) == before
    assert set(again.added.values()) == {0}
    assert again.unchanged["claims"] == 1267
    assert again.unchanged["observations"] == first.added["observations"]
    assert again.transfers == 0


def broken_copy(tmp_path: Path, table: str, change: dict[str, object]) -> Path:
    """A copy of the export with one table changed: ``drop`` a column, or ``set``
    (row number from 1, column, value)."""
    out = tmp_path / "export"
    shutil.copytree(DATA, out)
    data = rows(table)
    header = list(data[0])
    if "drop" in change:
        header.remove(str(change["drop"]))
    if "set" in change:
        row, col, value = change["set"]  # type: ignore[misc]
        data[row - 1][col] = value
    with (out / f"{table}.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, header, extrasaction="ignore")
        w.writeheader()
        w.writerows(data)
    return out


@pytest.mark.parametrize(
    ("table", "change", "where"),
    [
        ("conditions", {"drop": "CODE"}, "conditions.csv, column CODE"),
        ("claims_transactions", {"set": (5, "AMOUNT", "12.3.4")},
         "claims_transactions.csv row 5, column AMOUNT"),
        ("encounters", {"set": (3, "START", "2023-13-45T10:00:00Z")},
         "encounters.csv row 3, column START"),
        ("observations", {"set": (7, "PATIENT", "no-such-patient")},
         "observations.csv row 7, column PATIENT"),
        ("medications", {"set": (2, "TOTALCOST", "-4.00")},
         "medications.csv row 2, column TOTALCOST"),
    ],
)  # fmt: skip
def test_a_fault_names_file_row_and_column_and_writes_nothing(
    platform: Platform, tmp_path: Path, table: str, change: dict[str, object], where: str
) -> None:
    before = state(platform)
    with pytest.raises(InvalidInput) as e:
        run(platform, broken_copy(tmp_path, table, change))
    assert e.value.where == where
    assert state(platform) == before


def test_headers_of_other_versions_are_read_by_name(platform: Platform, tmp_path: Path) -> None:
    out = tmp_path / "v2"
    shutil.copytree(DATA, out)
    renames = {
        "encounters": {"PAYER_COVERAGE": "PAYER COVERAGE", "BASE_ENCOUNTER_COST": "COST"},
        "procedures": {"START": "DATE"},
        "immunizations": {"BASE_COST": "COST"},
    }
    for table, names in renames.items():
        text = (out / f"{table}.csv").read_text().split("\n", 1)
        header = ",".join(names.get(h, h) for h in text[0].split(","))
        (out / f"{table}.csv").write_text(header + "\n" + text[1])
    # Optional columns may be missing altogether.
    lines = (DATA / "allergies.csv").read_text().split("\n")
    (out / "allergies.csv").write_text("\n".join(",".join(r.split(",")[:7]) for r in lines))
    done = run(platform, out)
    assert done.added["encounters"] == 604
    assert done.added["procedures"] == 249
    assert done.added["allergies"] == 40
    assert done.money == expected_money()
    covered = sum(cents(r["PAYER_COVERAGE"]) for r in rows("encounters"))
    assert sum(e.payer_coverage or 0 for e in platform.clinical.page(Kind.ENCOUNTER)) == covered


def test_our_own_synthea_output_imports(platform: Platform, tmp_path: Path) -> None:
    out = tmp_path / "synth"
    export_region(out, Format.SYNTHEA, people=500, years=1, seed=1)
    done = run(platform, out, "KES")
    assert done.added["patients"] == len(rows("patients", out))
    assert done.added["encounters"] == len(rows("encounters", out))
    assert done.added["claims"] == len(rows("claims", out))
    assert done.added["procedures"] == len(rows("procedures", out))
    assert done.money["charged"] == sum(
        cents(r["TOTAL_CLAIM_COST"]) for r in rows("encounters", out)
    )
    assert done.money["payer_paid"] == sum(
        cents(r["PAYER_COVERAGE"]) for r in rows("encounters", out)
    )
    # Its diagnoses are ICD-10 and its medicines ATC: told apart from SNOMED CT and RxNorm.
    conditions = platform.clinical.page(Kind.CONDITION, limit=100)
    assert {c.system for c in conditions} == {systems.ICD_10}
    meds = platform.clinical.page(Kind.MEDICATION, limit=100)
    assert {m.system for m in meds} == {systems.ATC}
    assert set(run(platform, out, "KES").added.values()) == {0}
