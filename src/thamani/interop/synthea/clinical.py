"""Synthea's clinical tables as the clinical room's records.

Party ids in the records made here are local numbers (see ``people.Parties``); the import
swaps them for the store's once the parties exist. Codes get their system: a ``SYSTEM``
column when the file has one (Synthea's allergies do; Thamani's export writes one for
every table), else told from the code's shape (all digits: SNOMED CT, or RxNorm for
medicines; ``E11.9``: ICD-10; ``J01CA04``: ATC; ``8302-2``: LOINC; anything else a local
code). Tables whose rows have no id of their own get a derived one: the encounter (or
the patient), the code and the start as written, and ``#2``, ``#3``... for repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from thamani.clinical import systems
from thamani.clinical.records import (
    Allergy,
    CarePlan,
    ClinicalBatch,
    Condition,
    Encounter,
    Immunization,
    Medication,
    Observation,
    Procedure,
    Reaction,
    ValueType,
)
from thamani.clinical.store import to_ms
from thamani.interop.synthea import reading as rd
from thamani.interop.synthea.people import SOURCE, People, patient_of, payer_of
from thamani.interop.synthea.reading import Sheet
from thamani.money import Currency

_VALUE_TYPES = {"numeric": ValueType.NUMERIC, "text": ValueType.TEXT, "coded": ValueType.CODED}


@dataclass(frozen=True, slots=True)
class Visit:
    """What the claims need to know of an encounter.

    patient: the patient's source id.
    facility: local party number of the organisation (0: unknown).
    encounter_class: Synthea's class.
    code, display: the encounter's type.
    start, stop: its dates.
    payer_code: the programme of the payer named on it ("" when none).
    total_cost, payer_coverage: minor units (0 when not given).
    practitioner: the practitioner's name, when known.
    """

    patient: str
    facility: int
    encounter_class: str
    code: str
    display: str
    start: date
    stop: date | None
    payer_code: str
    total_cost: int
    payer_coverage: int
    practitioner: str | None


def system_of(sheet: Sheet, row: int, code: str, digits: str, letters: str = systems.ICD_10) -> str:
    named = rd.opt(sheet, row, "SYSTEM")
    if named is not None:
        found = systems.system_named(named)
        if found is None:
            raise sheet.fault(row, "SYSTEM", f"unknown code system {named!r}", "unknown_system")
        return found
    return systems.guess_system(code, digits, letters)


def _reason(
    sheet: Sheet, row: int, digits: str = systems.SNOMED_CT
) -> tuple[str | None, str | None, str | None]:
    code = rd.opt(sheet, row, "REASONCODE")
    if code is None:
        return None, None, None
    named = rd.opt(sheet, row, "REASONSYSTEM")
    system = systems.system_named(named) if named else systems.guess_system(code, digits)
    return code, system, rd.opt(sheet, row, "REASONDESCRIPTION")


class _Ids:
    """Derived source ids, unique within a table (repeats get ``#2``, ``#3``...)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, *parts: str) -> str:
        key = "/".join(parts)
        n = self.seen.get(key, 0) + 1
        self.seen[key] = n
        return key if n == 1 else f"{key}#{n}"


def read_encounters(
    people: People, sheet: Sheet | None, cur: Currency
) -> tuple[list[Encounter], dict[str, Visit]]:
    out: list[Encounter] = []
    visits: dict[str, Visit] = {}
    for i in rd.rows(sheet):
        assert sheet is not None
        sid = rd.text(sheet, i, "Id")
        if sid in visits:
            raise sheet.fault(i, "Id", f"encounter {sid} is listed twice", "duplicate_id")
        patient = patient_of(people, sheet, i, "PATIENT")
        facility = 0
        org = rd.opt(sheet, i, "ORGANIZATION")
        doc = rd.opt(sheet, i, "PROVIDER")
        practitioner = None
        if doc is not None:
            name, doc_org = people.practitioners.get(doc, (doc, None))
            practitioner = name
            org = org or doc_org
        if org is not None:
            if org not in people.organisations:
                raise sheet.fault(
                    i, "ORGANIZATION", f"organisation {org} is not in organizations", "unknown_id"
                )
            facility = people.organisations[org]
        payer = payer_of(people, sheet, i, "PAYER")
        code = rd.text(sheet, i, "CODE")
        start = rd.when(sheet, i, "START")
        stop = rd.opt_when(sheet, i, "STOP")
        base = rd.money(sheet, i, "BASE_ENCOUNTER_COST", cur)
        total = rd.money(sheet, i, "TOTAL_CLAIM_COST", cur)
        covered = rd.money(sheet, i, "PAYER_COVERAGE", cur)
        priced = base is not None or total is not None or covered is not None
        rc, rs, rdisp = _reason(sheet, i)
        cls = rd.text(sheet, i, "ENCOUNTERCLASS").lower()
        display = rd.opt(sheet, i, "DESCRIPTION") or ""
        out.append(
            Encounter(
                0, SOURCE, sid, patient.party, facility or None, practitioner,
                payer.party if payer else None, cls, code,
                system_of(sheet, i, code, systems.SNOMED_CT), display, start, stop,
                rc, rs, rdisp, cur.code if priced else None, base, total, covered,
            )
        )  # fmt: skip
        visits[sid] = Visit(
            patient.source_id, facility, cls, code, display, start.date(),
            stop.date() if stop else None, payer.code if payer else "",
            total or 0, covered or 0, practitioner,
        )  # fmt: skip
    return out, visits


def _encounter(sheet: Sheet, row: int, visits: dict[str, Visit], patient: str) -> str | None:
    ref = rd.opt(sheet, row, "ENCOUNTER")
    if ref is None:
        return None
    v = visits.get(ref)
    if v is None:
        raise sheet.fault(row, "ENCOUNTER", f"encounter {ref} is not in encounters", "unknown_id")
    if v.patient != patient:
        raise sheet.fault(
            row, "ENCOUNTER", f"encounter {ref} is another patient's", "wrong_patient"
        )
    return ref


def read_linked(
    people: People, sheets: dict[str, Sheet | None], visits: dict[str, Visit], cur: Currency
) -> ClinicalBatch:
    """Conditions, observations, medications, procedures, immunizations, allergies and
    care plans (their encounters by source id)."""
    batch = ClinicalBatch()
    add = batch.linked.append

    sheet = sheets.get("conditions")
    ids = _Ids()
    for i in rd.rows(sheet):
        assert sheet is not None
        p = patient_of(people, sheet, i, "PATIENT")
        enc = _encounter(sheet, i, visits, p.source_id)
        code = rd.text(sheet, i, "CODE")
        sid = ids(enc or p.source_id, code, rd.text(sheet, i, "START"))
        add((Condition(
            0, SOURCE, sid, p.party, None, code, system_of(sheet, i, code, systems.SNOMED_CT),
            rd.opt(sheet, i, "DESCRIPTION") or "", rd.day(sheet, i, "START"),
            rd.opt_day(sheet, i, "STOP"),
        ), enc))  # fmt: skip

    sheet = sheets.get("observations")
    ids = _Ids()
    for i in rd.rows(sheet):
        assert sheet is not None
        p = patient_of(people, sheet, i, "PATIENT")
        enc = _encounter(sheet, i, visits, p.source_id)
        code = rd.text(sheet, i, "CODE")
        sid = ids(enc or p.source_id, code, rd.text(sheet, i, "DATE"))
        kind = (rd.opt(sheet, i, "TYPE") or "text").lower()
        add((Observation(
            0, SOURCE, sid, p.party, None, rd.opt(sheet, i, "CATEGORY"), code,
            system_of(sheet, i, code, systems.LOINC, systems.LOINC),
            rd.opt(sheet, i, "DESCRIPTION") or "", rd.opt(sheet, i, "VALUE"),
            _VALUE_TYPES.get(kind, ValueType.TEXT), rd.opt(sheet, i, "UNITS"),
            rd.when(sheet, i, "DATE"),
        ), enc))  # fmt: skip

    sheet = sheets.get("medications")
    ids = _Ids()
    for i in rd.rows(sheet):
        assert sheet is not None
        p = patient_of(people, sheet, i, "PATIENT")
        enc = _encounter(sheet, i, visits, p.source_id)
        payer = payer_of(people, sheet, i, "PAYER")
        code = rd.text(sheet, i, "CODE")
        sid = ids(enc or p.source_id, code, rd.text(sheet, i, "START"))
        rc, rs, rdisp = _reason(sheet, i)
        add((Medication(
            0, SOURCE, sid, p.party, None, payer.party if payer else None, code,
            system_of(sheet, i, code, systems.RXNORM, systems.ATC),
            rd.opt(sheet, i, "DESCRIPTION") or "", rd.when(sheet, i, "START"),
            rd.opt_when(sheet, i, "STOP"), rd.count(sheet, i, "DISPENSES", 1), cur.code,
            rd.money(sheet, i, "BASE_COST", cur), rd.money(sheet, i, "PAYER_COVERAGE", cur),
            rd.money(sheet, i, "TOTALCOST", cur), rc, rs, rdisp,
        ), enc))  # fmt: skip

    sheet = sheets.get("procedures")
    ids = _Ids()
    for i in rd.rows(sheet):
        assert sheet is not None
        p = patient_of(people, sheet, i, "PATIENT")
        enc = _encounter(sheet, i, visits, p.source_id)
        code = rd.text(sheet, i, "CODE")
        sid = ids(enc or p.source_id, code, rd.text(sheet, i, "START"))
        rc, rs, rdisp = _reason(sheet, i)
        add((Procedure(
            0, SOURCE, sid, p.party, None, code, system_of(sheet, i, code, systems.SNOMED_CT),
            rd.opt(sheet, i, "DESCRIPTION") or "", rd.when(sheet, i, "START"),
            rd.opt_when(sheet, i, "STOP"), cur.code, rd.money(sheet, i, "BASE_COST", cur),
            rc, rs, rdisp,
        ), enc))  # fmt: skip

    sheet = sheets.get("immunizations")
    ids = _Ids()
    for i in rd.rows(sheet):
        assert sheet is not None
        p = patient_of(people, sheet, i, "PATIENT")
        enc = _encounter(sheet, i, visits, p.source_id)
        code = rd.text(sheet, i, "CODE")
        sid = ids(enc or p.source_id, code, rd.text(sheet, i, "DATE"))
        add((Immunization(
            0, SOURCE, sid, p.party, None, code, system_of(sheet, i, code, systems.CVX),
            rd.opt(sheet, i, "DESCRIPTION") or "", rd.when(sheet, i, "DATE"), cur.code,
            rd.money(sheet, i, "BASE_COST", cur),
        ), enc))  # fmt: skip

    sheet = sheets.get("allergies")
    ids = _Ids()
    for i in rd.rows(sheet):
        assert sheet is not None
        p = patient_of(people, sheet, i, "PATIENT")
        enc = _encounter(sheet, i, visits, p.source_id)
        code = rd.text(sheet, i, "CODE")
        sid = ids(enc or p.source_id, code, rd.text(sheet, i, "START"))
        reactions = []
        for k in ("1", "2"):
            rcode = rd.opt(sheet, i, f"REACTION{k}")
            if rcode is not None:
                reactions.append(Reaction(
                    rcode, systems.SNOMED_CT, rd.opt(sheet, i, f"DESCRIPTION{k}") or "",
                    rd.opt(sheet, i, f"SEVERITY{k}"),
                ))  # fmt: skip
        add((Allergy(
            0, SOURCE, sid, p.party, None, code, system_of(sheet, i, code, systems.SNOMED_CT),
            rd.opt(sheet, i, "DESCRIPTION") or "", rd.day(sheet, i, "START"),
            rd.opt_day(sheet, i, "STOP"), rd.opt(sheet, i, "TYPE"),
            rd.opt(sheet, i, "CATEGORY"), tuple(reactions),
        ), enc))  # fmt: skip

    sheet = sheets.get("careplans")
    ids = _Ids()
    for i in rd.rows(sheet):
        assert sheet is not None
        p = patient_of(people, sheet, i, "PATIENT")
        enc = _encounter(sheet, i, visits, p.source_id)
        code = rd.text(sheet, i, "CODE")
        sid = rd.opt(sheet, i, "Id") or ids(enc or p.source_id, code, rd.text(sheet, i, "START"))
        rc, rs, rdisp = _reason(sheet, i)
        add((CarePlan(
            0, SOURCE, sid, p.party, None, code, system_of(sheet, i, code, systems.SNOMED_CT),
            rd.opt(sheet, i, "DESCRIPTION") or "", rd.day(sheet, i, "START"),
            rd.opt_day(sheet, i, "STOP"), rc, rs, rdisp,
        ), enc))  # fmt: skip
    return batch


def ns(t: datetime) -> int:
    """Nanoseconds since the epoch (exact)."""
    return to_ms(t) * 1_000_000 + t.microsecond % 1000 * 1000
