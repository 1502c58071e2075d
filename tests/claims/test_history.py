"""Historical claims (``Claims.record``): stored as their source had them, paid on the
ledger, never adjudicated again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.worlds import FUNDING, World
from thamani.claims.history import HistoricalClaim, HistoricalLine
from thamani.claims.records import ClaimStatus, Diagnosis
from thamani.clinical import systems
from thamani.errors import Conflict, Forbidden, InvalidInput
from thamani.schemes.records import EncounterClass


def old_claim(w: World, reference: str = "syn-1", **changes: object) -> HistoricalClaim:
    """A 2019 visit to the county hospital under national insurance, coded in SNOMED CT:
    2 lines, 300.00 charged, 180.00 paid by the programme, 100.00 by the patient."""
    c = HistoricalClaim(
        source="synthea",
        reference=reference,
        provider_id=w.kcrh.id,
        provider_reference="kcrh",
        member="NI-1",
        programme="national-insurance",
        service_date=date(2019, 3, 4),
        encounter_class=EncounterClass.OUTPATIENT,
        lines=(
            HistoricalLine(1, "185345009", systems.SNOMED_CT, "Encounter for symptom", 1,
                           200_00, 150_00, 0, 50_00, 0),
            HistoricalLine(2, "313782", systems.RXNORM, "Acetaminophen 325 MG", 2,
                           100_00, 30_00, 0, 50_00, 20_00),
        ),
        diagnoses=(Diagnosis("195662009", True, systems.SNOMED_CT),),
    )  # fmt: skip
    return replace(c, **changes)  # type: ignore[arg-type]


def test_a_historical_claim_is_stored_as_it_was_and_its_payer_pays(world: World) -> None:
    w = world
    fund = w.fund("national-insurance")
    owed = w.receivable("national-insurance", w.kcrh)
    done = w.p.claims.record([old_claim(w)])
    assert (done.added, done.unchanged) == (1, 0)
    assert (done.charged, done.payer_paid, done.patient_paid, done.outstanding) == (
        300_00, 180_00, 100_00, 20_00,
    )  # fmt: skip
    c = w.p.claims.get(done.claim_ids[0])
    assert c.status is ClaimStatus.PAID
    assert (c.asked, c.payer, c.co_pay, c.not_covered) == (300_00, 180_00, 100_00, 20_00)
    # SNOMED CT, not ICD-10: kept as such, never checked.
    assert c.encounter.diagnoses[0] == Diagnosis("195662009", True, systems.SNOMED_CT)
    assert c.findings == ()
    assert w.fund("national-insurance") == fund - 180_00
    # The patient named no account: their part was paid at the desk, off the ledger.
    assert w.receivable("national-insurance", w.kcrh) == owed + 180_00
    # Recording it again changes nothing.
    again = w.p.claims.record([old_claim(w)])
    assert (again.added, again.unchanged, again.transfers) == (0, 1, 0)
    assert w.fund("national-insurance") == fund - 180_00


def test_a_billed_claim_waits_for_nobody(world: World) -> None:
    w = world
    done = w.p.claims.record([old_claim(w, status=ClaimStatus.BILLED)])
    assert w.p.claims.get(done.claim_ids[0]).status is ClaimStatus.BILLED
    assert w.p.claims.settle_pending() == 0


def test_the_same_reference_with_other_content_is_a_conflict(world: World) -> None:
    w = world
    w.p.claims.record([old_claim(w)])
    fund = w.fund("national-insurance")
    with pytest.raises(Conflict, match="syn-1"):
        w.p.claims.record([old_claim(w, member="NI-2"), old_claim(w, "syn-2")])
    assert w.fund("national-insurance") == fund
    assert len(w.p.claims.claims()) == 1


def test_a_payment_the_fund_cannot_make_stores_nothing(world: World) -> None:
    w = world
    big = old_claim(w, lines=(
        HistoricalLine(1, "185345009", systems.SNOMED_CT, "Admission", 1,
                       FUNDING * 2, FUNDING * 2, 0, 0, 0),
    ))  # fmt: skip
    with pytest.raises(Conflict, match="syn-1"):
        w.p.claims.record([old_claim(w, "syn-0"), big])
    assert w.p.claims.claims() == []
    assert w.fund("national-insurance") == FUNDING


def test_faults_are_named_and_only_admins_record(world: World) -> None:
    w = world
    with pytest.raises(InvalidInput, match="not accredited"):
        w.p.claims.record([old_claim(w, provider_id=w.outsider.id)])
    with pytest.raises(InvalidInput, match="no programme"):
        w.p.claims.record([old_claim(w, programme="nope")])
    with pytest.raises(InvalidInput, match="appears twice"):
        w.p.claims.record([old_claim(w), old_claim(w)])
    with pytest.raises(Forbidden):
        w.p.claims.record([old_claim(w)], w.p.parties.actor(w.insurer))
    assert w.p.claims.claims() == []
