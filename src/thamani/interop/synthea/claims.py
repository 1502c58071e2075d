"""Synthea's claims and claims_transactions as historical claims.

A claim's lines come from its transactions, in ``CHARGEID`` order: each ``CHARGE`` opens
a line (its ``AMOUNT`` charged, ``PROCEDURECODE``, ``UNITS``, ``NOTES``) billed first to
whoever its ``TRANSFERTYPE`` names (``1`` the primary payer, ``p`` the patient). A
``PAYMENT`` is the patient's when its ``METHOD`` is ``COPAY``, else it is paid by whoever
the line is billed to at that moment; a ``TRANSFERIN`` moves the line on (``2`` to the
secondary payer, ``p`` to the patient). The line's last ``OUTSTANDING`` is what is still
owed. Without a claims_transactions file, a claim has one line: its encounter's total
claim cost, the payer's coverage, the rest paid by the patient.

A claim is paid first by its primary insurance (``PRIMARYPATIENTINSURANCEID``; when that
is ``0``, the encounter's payer, in the end Synthea's ``NO_INSURANCE``), at the
encounter's organisation (else the practitioner's). Its status is ``PAID`` when every
status it has is ``CLOSED``, else ``BILLED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from thamani.claims.history import HistoricalClaim, HistoricalLine
from thamani.claims.records import ClaimStatus, Diagnosis
from thamani.clinical import systems
from thamani.errors import InvalidInput
from thamani.interop.synthea import reading as rd
from thamani.interop.synthea.clinical import Visit, ns
from thamani.interop.synthea.people import (
    NO_INSURANCE,
    SOURCE,
    People,
    organisation_reference,
    patient_of,
    payer_of,
)
from thamani.interop.synthea.reading import Sheet
from thamani.ledger.ids import derived_id
from thamani.money import Currency
from thamani.schemes.records import EncounterClass

_CLASS = {
    "ambulatory": EncounterClass.OUTPATIENT,
    "wellness": EncounterClass.OUTPATIENT,
    "outpatient": EncounterClass.OUTPATIENT,
    "urgentcare": EncounterClass.OUTPATIENT,
    "virtual": EncounterClass.OUTPATIENT,
    "emergency": EncounterClass.EMERGENCY,
    "inpatient": EncounterClass.INPATIENT,
    "snf": EncounterClass.INPATIENT,
    "hospice": EncounterClass.INPATIENT,
    "home": EncounterClass.OUTREACH,
}
_PRIMARY, _SECONDARY, _PATIENT = 1, 2, 3
_BILLED_TO = {"1": _PRIMARY, "2": _SECONDARY, "p": _PATIENT, "P": _PATIENT}


def patient_account(source_id: str) -> int:
    """The patient's own account (what they paid, from outside the platform)."""
    return derived_id("synthea-patient-account", source_id)


@dataclass(slots=True)
class _Line:
    sequence: int
    code: str
    system: str | None
    display: str
    quantity: int
    charged: int
    paid: list[int]
    outstanding: int

    def done(self) -> HistoricalLine:
        return HistoricalLine(
            self.sequence, self.code, self.system, self.display, self.quantity, self.charged,
            self.paid[_PRIMARY], self.paid[_SECONDARY], self.paid[_PATIENT], self.outstanding,
        )  # fmt: skip


def read_lines(sheet: Sheet, cur: Currency) -> dict[str, list[HistoricalLine]]:
    """Each claim's lines from claims_transactions (see the module's docstring)."""
    by_claim: dict[str, list[tuple[int, int]]] = {}
    for i in rd.rows(sheet):
        charge = rd.count(sheet, i, "CHARGEID", -1)
        if charge < 0:
            raise sheet.fault(i, "CHARGEID", "CHARGEID is empty", "missing_value")
        by_claim.setdefault(rd.text(sheet, i, "CLAIMID"), []).append((charge, i))
    out: dict[str, list[HistoricalLine]] = {}
    for claim, rows in by_claim.items():
        rows.sort()
        lines: list[_Line] = []
        line: _Line | None = None
        billed = _PRIMARY
        for _, i in rows:
            kind = rd.text(sheet, i, "TYPE").upper()
            if kind == "CHARGE":
                if line is not None:
                    lines.append(line)
                code = rd.opt(sheet, i, "PROCEDURECODE") or "UNKNOWN"
                named = rd.opt(sheet, i, "PROCEDURESYSTEM")
                system = (
                    systems.system_named(named)
                    if named
                    else systems.guess_system(code, systems.SNOMED_CT)
                )
                charged = rd.money(sheet, i, "AMOUNT", cur) or 0
                transfer = rd.opt(sheet, i, "TRANSFERTYPE") or "1"
                billed = _BILLED_TO.get(transfer, _PRIMARY)
                line = _Line(
                    len(lines) + 1, code, system, rd.opt(sheet, i, "NOTES") or "",
                    max(1, rd.count(sheet, i, "UNITS", 1)), charged, [0, 0, 0, 0], charged,
                )  # fmt: skip
                continue
            if line is None:
                raise sheet.fault(
                    i, "TYPE", f"a {kind} before any CHARGE of claim {claim}", "invalid_value"
                )
            if kind == "PAYMENT":
                method = (rd.opt(sheet, i, "METHOD") or "").upper()
                who = _PATIENT if method == "COPAY" else billed
                line.paid[who] += rd.money(sheet, i, "PAYMENTS", cur) or 0
            elif kind == "TRANSFERIN":
                transfer = rd.opt(sheet, i, "TRANSFERTYPE") or "p"
                billed = _BILLED_TO.get(transfer, _PATIENT)
            elif kind not in ("TRANSFEROUT", "ADJUSTMENT"):
                raise sheet.fault(i, "TYPE", f"unknown transaction type {kind!r}")
            left = rd.money(sheet, i, "OUTSTANDING", cur)
            if left is not None:
                line.outstanding = left
        if line is not None:
            lines.append(line)
        out[claim] = [x.done() for x in lines]
    return out


def read_claims(
    people: People,
    sheet: Sheet,
    visits: Mapping[str, Visit],
    lines: Mapping[str, list[HistoricalLine]] | None,
    cur: Currency,
) -> list[HistoricalClaim]:
    """The claims (provider ids are local party numbers)."""
    no_insurance = next((p for p in people.payers.values() if p.name == NO_INSURANCE), None)
    org_refs = {v: k for k, v in people.organisations.items()}
    out = []
    seen: set[str] = set()
    for i in rd.rows(sheet):
        sid = rd.text(sheet, i, "Id")
        if sid in seen:
            raise sheet.fault(i, "Id", f"claim {sid} is listed twice", "duplicate_id")
        seen.add(sid)
        patient = patient_of(people, sheet, i, "PATIENTID")
        enc = rd.opt(sheet, i, "APPOINTMENTID")
        visit = visits.get(enc) if enc else None
        if enc and visit is None:
            raise sheet.fault(
                i, "APPOINTMENTID", f"encounter {enc} is not in encounters", "unknown_id"
            )
        doc = rd.opt(sheet, i, "PROVIDERID")
        practitioner, doc_org = people.practitioners.get(doc, (doc, None)) if doc else (None, None)
        facility = visit.facility if visit and visit.facility else 0
        org = rd.opt(sheet, i, "ORGANIZATION") or doc_org
        if not facility and org:
            if org not in people.organisations:
                raise sheet.fault(
                    i, "ORGANIZATION", f"organisation {org} is not in organizations", "unknown_id"
                )
            facility = people.organisations[org]
        if not facility:
            raise sheet.fault(
                i, "PROVIDERID", f"claim {sid} names no organisation (nor does its encounter)",
                "unknown_id",
            )  # fmt: skip
        org_ref = org_refs[facility]
        primary = payer_of(people, sheet, i, "PRIMARYPATIENTINSURANCEID")
        code = primary.code if primary else (visit.payer_code if visit else "")
        if not code:
            if no_insurance is None:
                raise sheet.fault(
                    i, "PRIMARYPATIENTINSURANCEID",
                    f"claim {sid} has no payer and payers has no {NO_INSURANCE}", "unknown_id",
                )  # fmt: skip
            code = no_insurance.code
        secondary = payer_of(people, sheet, i, "SECONDARYPATIENTINSURANCEID")
        service = rd.when(sheet, i, "SERVICEDATE")
        billed = rd.opt_when(sheet, i, "LASTBILLEDDATE1") or rd.opt_when(
            sheet, i, "LASTBILLEDDATEP"
        )
        statuses = [rd.opt(sheet, i, k) or "" for k in ("STATUS1", "STATUS2", "STATUSP")]
        closed = all(s.upper() in ("", "CLOSED") for s in statuses)
        if lines is not None and sid in lines:
            claim_lines = tuple(lines[sid])
        else:
            claim_lines = (_one_line(sheet, i, visit, cur),)
        diagnoses = _diagnoses(sheet, i)
        out.append(
            HistoricalClaim(
                SOURCE, sid, facility, organisation_reference(org_ref), patient.source_id,
                code, service.date(),
                _CLASS.get(visit.encounter_class if visit else "", EncounterClass.OUTPATIENT),
                claim_lines, ClaimStatus.PAID if closed else ClaimStatus.BILLED,
                "/".join(statuses), ns(billed or service),
                secondary.code if secondary else None, visit.stop if visit else None,
                (visit.practitioner if visit else None) or practitioner, diagnoses,
                patient_account(patient.source_id), enc or "",
            )
        )  # fmt: skip
    return out


def _one_line(sheet: Sheet, row: int, visit: Visit | None, cur: Currency) -> HistoricalLine:
    if visit is None:
        raise sheet.fault(
            row, "APPOINTMENTID",
            "without claims_transactions a claim needs its encounter for its amounts",
            "missing_value",
        )  # fmt: skip
    owed = sum(
        rd.money(sheet, row, k, cur) or 0 for k in ("OUTSTANDING1", "OUTSTANDING2", "OUTSTANDINGP")
    )
    paid = min(visit.payer_coverage, visit.total_cost)
    own = max(0, visit.total_cost - paid - owed)
    system = systems.guess_system(visit.code, systems.SNOMED_CT)
    return HistoricalLine(
        1, visit.code, system, visit.display, 1, visit.total_cost, paid, 0, own, owed
    )


def _diagnoses(sheet: Sheet, row: int) -> tuple[Diagnosis, ...]:
    named = rd.opt(sheet, row, "DIAGNOSISSYSTEM")
    given = named.split("|") if named else []
    out: list[Diagnosis] = []
    for k in range(1, 9):
        code = rd.opt(sheet, row, f"DIAGNOSIS{k}")
        if code is None:
            continue
        n = len(out)
        if n < len(given) and given[n]:
            system = systems.system_named(given[n])
            if system is None:
                raise InvalidInput(
                    f"unknown code system {given[n]!r}",
                    code="unknown_system",
                    where=sheet.where(row, "DIAGNOSISSYSTEM"),
                )
        else:
            system = systems.guess_system(code, systems.SNOMED_CT)
        out.append(Diagnosis(code, n == 0, system))
    return tuple(out)
