"""The clinical record room: batch writes, idempotent re-import, reads and who sees what."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from thamani.clinical import systems
from thamani.clinical.records import (
    Allergy,
    CarePlan,
    ClinicalBatch,
    Condition,
    Encounter,
    Immunization,
    Kind,
    Medication,
    Observation,
    Procedure,
    Reaction,
    ValueType,
)
from thamani.errors import Forbidden, InvalidInput, NotFound
from thamani.parties.records import Party, PartyKind
from thamani.platform import Platform


def t(day: int, hour: int = 9) -> datetime:
    return datetime(2024, 3, day, hour, 15, 7, tzinfo=UTC)


def visit(source_id: str, patient: Party, facility: Party, day: int) -> Encounter:
    return Encounter(
        0, "synthea", source_id, patient.id, facility.id, "Dr Achieng", None, "ambulatory",
        "185345009", systems.SNOMED_CT, "Encounter for symptom", t(day), t(day, 10),
        "195662009", systems.SNOMED_CT, "Acute viral pharyngitis", "USD", 7749, 379809, 0,
    )  # fmt: skip


def chart(patient: Party, clinic: Party, hospital: Party) -> ClinicalBatch:
    """Two visits (one at the clinic, one at the hospital) and one of every other kind."""
    pid = patient.id
    return ClinicalBatch(
        encounters=[visit("enc-1", patient, clinic, 4), visit("enc-2", patient, hospital, 9)],
        linked=[
            (Condition(0, "synthea", "c1", pid, None, "195662009", systems.SNOMED_CT,
                       "Acute viral pharyngitis", date(2024, 3, 4), date(2024, 3, 18)), "enc-1"),
            (Condition(0, "synthea", "c2", pid, None, "E11.9", systems.ICD_10,
                       "Type 2 diabetes", date(2019, 1, 2)), None),
            (Observation(0, "synthea", "o1", pid, None, "vital-signs", "8302-2", systems.LOINC,
                         "Body Height", "127.9", ValueType.NUMERIC, "cm", t(4)), "enc-1"),
            (Observation(0, "synthea", "o2", pid, None, "survey", "72166-2", systems.LOINC,
                         "Tobacco smoking status", "Never smoked tobacco (finding)",
                         ValueType.TEXT, None, t(9)), "enc-2"),
            (Medication(0, "synthea", "m1", pid, None, None, "665078", systems.RXNORM,
                        "Loratadine 5 MG Chewable Tablet", t(4), None, 174, "USD", 724, 0,
                        125976), "enc-1"),
            (Procedure(0, "synthea", "p1", pid, None, "430193006", systems.SNOMED_CT,
                       "Medication Reconciliation", t(9), t(9, 10), "USD", 73540), "enc-2"),
            (Immunization(0, "synthea", "i1", pid, None, "140", systems.CVX,
                          "Influenza, seasonal", t(9), "USD", 14052), "enc-2"),
            (Allergy(0, "synthea", "a1", pid, None, "111088007", systems.SNOMED_CT,
                     "Latex (substance)", date(2009, 9, 27), None, "allergy", "environment",
                     (Reaction("418290006", systems.SNOMED_CT, "Itching", "MODERATE"),)),
             "enc-1"),
            (CarePlan(0, "synthea", "cp1", pid, None, "53950000", systems.SNOMED_CT,
                      "Respiratory therapy", date(2024, 3, 4), date(2024, 5, 10)), "enc-1"),
        ],
    )  # fmt: skip


@pytest.fixture
def people(platform: Platform) -> dict[str, Party]:
    ps = platform.parties
    return {
        "amina": ps.create(PartyKind.PATIENT, "Amina", "pat-amina"),
        "baraka": ps.create(PartyKind.PATIENT, "Baraka", "pat-baraka"),
        "clinic": ps.create(PartyKind.PROVIDER, "Kondele clinic", "kondele"),
        "hospital": ps.create(PartyKind.PROVIDER, "County hospital", "kcrh"),
        "insurer": ps.create(PartyKind.PAYER, "Insurer", "ins"),
        "admin": ps.create(PartyKind.ADMIN, "Operator", "op"),
        "auditor": ps.create(PartyKind.AUDITOR, "Auditor", "aud"),
    }


def test_a_batch_is_stored_whole_and_read_back_unchanged(
    platform: Platform, people: dict[str, Party]
) -> None:
    amina = people["amina"]
    batch = chart(amina, people["clinic"], people["hospital"])
    done = platform.clinical.store(batch)
    assert done.added == {
        Kind.ENCOUNTER: 2, Kind.CONDITION: 2, Kind.OBSERVATION: 2, Kind.MEDICATION: 1,
        Kind.PROCEDURE: 1, Kind.IMMUNIZATION: 1, Kind.ALLERGY: 1, Kind.CARE_PLAN: 1,
    }  # fmt: skip
    rec = platform.clinical.record(amina.id)
    assert [e.source_id for e in rec.encounters] == ["enc-1", "enc-2"]
    by_source = {e.source_id: e.id for e in rec.encounters}
    # Every record reads back as it went in, with the store's id and its encounter's id.
    for record, ref in batch.linked:
        kind = next(k for k in Kind if type(record).__name__.lower().replace("_", "")
                    in k.value.replace("_", ""))  # fmt: skip
        stored = [r for r in rec.of(kind) if r.source_id == record.source_id]
        assert len(stored) == 1
        assert stored[0].id > 0
        expected = record._replace(  # type: ignore[union-attr]
            id=stored[0].id, encounter_id=by_source[ref] if ref else None
        )
        assert stored[0] == expected
    for e, sent in zip(rec.encounters, batch.encounters, strict=True):
        assert e == sent._replace(id=e.id)
    assert rec.observations[0].number == 127.9
    assert rec.observations[1].number is None
    assert rec.allergies[0].reactions[0].severity == "MODERATE"


def test_storing_the_same_batch_again_changes_nothing(
    platform: Platform, people: dict[str, Party]
) -> None:
    batch = chart(people["amina"], people["clinic"], people["hospital"])
    platform.clinical.store(batch)
    before = platform.clinical.record(people["amina"].id)
    again = platform.clinical.store(batch)
    assert again.total_added == 0
    assert again.unchanged[Kind.ENCOUNTER] == 2
    assert again.unchanged[Kind.OBSERVATION] == 2
    assert platform.clinical.record(people["amina"].id) == before
    assert platform.clinical.counts("synthea")[Kind.CONDITION] == 2


def test_records_may_name_encounters_stored_earlier(
    platform: Platform, people: dict[str, Party]
) -> None:
    batch = chart(people["amina"], people["clinic"], people["hospital"])
    platform.clinical.store(ClinicalBatch(encounters=batch.encounters))
    done = platform.clinical.store(ClinicalBatch(linked=batch.linked))
    assert done.added[Kind.CONDITION] == 2
    rec = platform.clinical.record(people["amina"].id)
    assert rec.conditions[1].encounter_id == rec.encounters[0].id


def test_a_record_naming_an_unknown_encounter_stores_nothing(
    platform: Platform, people: dict[str, Party]
) -> None:
    batch = chart(people["amina"], people["clinic"], people["hospital"])
    bad = ClinicalBatch(batch.encounters, [*batch.linked, (batch.linked[0][0]._replace(
        source_id="c9"), "enc-404")])  # fmt: skip
    with pytest.raises(InvalidInput, match="enc-404"):
        platform.clinical.store(bad)
    assert sum(platform.clinical.counts().values()) == 0


def test_who_sees_what(platform: Platform, people: dict[str, Party]) -> None:
    c = platform.clinical
    amina = people["amina"]
    c.store(chart(amina, people["clinic"], people["hospital"]))
    actor = platform.parties.actor
    # The patient sees her whole record.
    assert len(c.record(amina.id, actor(amina)).encounters) == 2
    # A provider sees its own encounters and what was recorded in them, nothing else.
    seen = c.record(amina.id, actor(people["clinic"]))
    assert [e.source_id for e in seen.encounters] == ["enc-1"]
    assert {x.source_id for x in seen.conditions} == {"c1"}
    assert {x.source_id for x in seen.observations} == {"o1"}
    assert seen.procedures == []
    assert seen.immunizations == []
    hospital = c.record(amina.id, actor(people["hospital"]))
    assert {x.source_id for x in hospital.immunizations} == {"i1"}
    # Another patient, and a provider who never saw her: not found; a payer's token
    # cannot read clinical records at all.
    with pytest.raises(NotFound):
        c.record(amina.id, actor(people["baraka"]))
    with pytest.raises(Forbidden):
        c.record(amina.id, actor(people["insurer"]))
    other = platform.parties.create(PartyKind.PROVIDER, "Elsewhere", "elsewhere")
    with pytest.raises(NotFound):
        c.record(amina.id, actor(other))
    # Encounters one by one.
    enc = c.record(amina.id).encounters
    assert c.encounter(enc[0].id, actor(people["clinic"])).linked[Kind.CONDITION][0].code == (
        "195662009"
    )
    with pytest.raises(NotFound):
        c.encounter(enc[1].id, actor(people["clinic"]))
    with pytest.raises(NotFound):
        c.encounter(enc[0].id, actor(people["baraka"]))
    assert len(c.record(amina.id, actor(people["auditor"])).encounters) == 2
    # Bulk import and export are for interop:admin (admins) only.
    with pytest.raises(Forbidden):
        c.store(ClinicalBatch(), actor(people["clinic"]))
    with pytest.raises(Forbidden):
        c.page(Kind.ENCOUNTER, actor=actor(people["auditor"]))
    assert len(c.page(Kind.ENCOUNTER, actor=actor(people["admin"]))) == 2


def test_times_before_1970_keep_their_millisecond() -> None:
    from thamani.clinical.store import from_ms, to_ms

    old = datetime(1941, 7, 2, 23, 59, 58, 123000, tzinfo=UTC)
    assert to_ms(old) < 0
    assert from_ms(to_ms(old)) == old


@pytest.mark.parametrize(
    ("code", "digits", "letters", "system"),
    [
        ("195662009", systems.SNOMED_CT, systems.ICD_10, systems.SNOMED_CT),
        ("665078", systems.RXNORM, systems.ATC, systems.RXNORM),
        ("E11.9", systems.SNOMED_CT, systems.ICD_10, systems.ICD_10),
        ("O80", systems.SNOMED_CT, systems.ICD_10, systems.ICD_10),
        ("J01CA04", systems.RXNORM, systems.ATC, systems.ATC),
        ("A01", systems.RXNORM, systems.ATC, systems.ATC),
        ("A01", systems.SNOMED_CT, systems.ICD_10, systems.ICD_10),
        ("8302-2", systems.SNOMED_CT, systems.ICD_10, systems.LOINC),
        ("OPD-CONSULT", systems.SNOMED_CT, systems.ICD_10, systems.LOCAL),
    ],
)
def test_a_codes_system_is_told_from_its_shape(
    code: str, digits: str, letters: str, system: str
) -> None:
    assert systems.guess_system(code, digits, letters) == system
    assert systems.system_named("SNOMED-CT") == systems.SNOMED_CT
    assert systems.system_named("RxNorm") == systems.RXNORM
