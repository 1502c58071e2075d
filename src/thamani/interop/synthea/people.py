"""Synthea's people and payers: patients, organisations, practitioners, payers and who
was covered by whom when.

Parties are numbered locally while the files are read (``Parties.local``): nothing is
written before every file has been read and checked, and the store's party ids are known
only then. ``Parties.wanted`` lists them in local order (local number = index + 1).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from thamani.interop.synthea import reading as rd
from thamani.interop.synthea.reading import Sheet
from thamani.parties.records import PartyKind
from thamani.schemes.records import Sex

SOURCE = "synthea"
#: Synthea's payer for people without cover.
NO_INSURANCE = "NO_INSURANCE"
_SLUG = re.compile(r"[^a-z0-9]+")
_SEX = {"M": Sex.MALE, "F": Sex.FEMALE}


def patient_reference(source_id: str) -> str:
    """A patient party's reference: the member convention of the schemes room."""
    return f"member:{source_id}"


def organisation_reference(source_id: str) -> str:
    return f"synthea-org:{source_id}"


def payer_reference(source_id: str) -> str:
    return f"synthea-payer:{source_id}"


def household_reference(source_id: str) -> str:
    return f"synthea:{source_id}"


def programme_code(source_id: str, name: str) -> str:
    """``synthea-`` and the payer's name (lower-case, dashes), and six hex digits of its
    id so that two payers of one name stay apart (``synthea-medicare-6f3a1c``)."""
    slug = _SLUG.sub("-", name.lower()).strip("-")[:40] or "payer"
    tag = hashlib.sha256(source_id.encode()).hexdigest()[:6]
    return f"synthea-{slug}-{tag}"


@dataclass(slots=True)
class Parties:
    """The parties the import needs, numbered locally.

    wanted: (kind, reference, name) in local order (local number = index + 1).
    local: reference to local number.
    """

    wanted: list[tuple[PartyKind, str, str]] = field(default_factory=list)
    local: dict[str, int] = field(default_factory=dict)

    def want(self, kind: PartyKind, reference: str, name: str) -> int:
        n = self.local.get(reference)
        if n is None:
            self.wanted.append((kind, reference, name[:200] or reference))
            n = self.local[reference] = len(self.wanted)
        return n


@dataclass(frozen=True, slots=True)
class Patient:
    """A patient as read.

    source_id: Synthea's id (the member number).
    party: local party number.
    name: full name (or ``Patient`` and the id's first group when the file has none).
    sex, birth_date: for the member record (no member without a birth date).
    area: county (or city).
    family: the household's name.
    """

    source_id: str
    party: int
    name: str
    sex: Sex
    birth_date: date | None
    area: str
    family: str


@dataclass(frozen=True, slots=True)
class Payer:
    """A payer as read, and the programme it becomes.

    source_id: Synthea's id.
    party: local party number.
    name: its name.
    code: the programme's code.
    savings: no one pays (Synthea's ``NO_INSURANCE``): a savings programme.
    """

    source_id: str
    party: int
    name: str
    code: str
    savings: bool


@dataclass(frozen=True, slots=True)
class Period:
    """A patient covered by a payer's programme, dates inclusive.

    patient: the patient's source id.
    code: the programme's code.
    start, end: the period.
    """

    patient: str
    code: str
    start: date
    end: date


@dataclass(slots=True)
class People:
    """Everyone the files name, by source id."""

    parties: Parties
    patients: dict[str, Patient]
    organisations: dict[str, int]
    practitioners: dict[str, tuple[str, str | None]]
    payers: dict[str, Payer]


def read_people(
    patients: Sheet,
    organisations: Sheet | None,
    practitioners: Sheet | None,
    payers: Sheet | None,
) -> People:
    parties = Parties()
    out: dict[str, Patient] = {}
    for i in rd.rows(patients):
        sid = rd.text(patients, i, "Id")
        if sid in out:
            raise patients.fault(i, "Id", f"patient {sid} is listed twice", "duplicate_id")
        parts = [rd.opt(patients, i, k) for k in ("PREFIX", "FIRST", "LAST", "SUFFIX")]
        name = " ".join(p for p in parts[1:3] if p) or f"Patient {sid.split('-')[0]}"
        sex = _SEX.get((rd.opt(patients, i, "GENDER") or "").upper(), Sex.UNKNOWN)
        born = rd.opt_day(patients, i, "BIRTHDATE")
        area = rd.opt(patients, i, "COUNTY") or rd.opt(patients, i, "CITY") or ""
        party = parties.want(PartyKind.PATIENT, patient_reference(sid), name)
        family = parts[2] or name
        out[sid] = Patient(sid, party, name, sex, born, area[:100], family[:200])
    orgs: dict[str, int] = {}
    for i in rd.rows(organisations):
        assert organisations is not None
        sid = rd.text(organisations, i, "Id")
        name = rd.text(organisations, i, "NAME")
        orgs[sid] = parties.want(PartyKind.PROVIDER, organisation_reference(sid), name)
    docs: dict[str, tuple[str, str | None]] = {}
    for i in rd.rows(practitioners):
        assert practitioners is not None
        sid = rd.text(practitioners, i, "Id")
        org = rd.opt(practitioners, i, "ORGANIZATION")
        if org is not None and org not in orgs:
            raise practitioners.fault(
                i, "ORGANIZATION", f"organisation {org} is not in organizations", "unknown_id"
            )
        docs[sid] = (rd.opt(practitioners, i, "NAME") or sid, org)
    pay: dict[str, Payer] = {}
    for i in rd.rows(payers):
        assert payers is not None
        sid = rd.text(payers, i, "Id")
        name = rd.text(payers, i, "NAME")
        party = parties.want(PartyKind.PAYER, payer_reference(sid), name)
        pay[sid] = Payer(sid, party, name, programme_code(sid, name), name == NO_INSURANCE)
    return People(parties, out, orgs, docs, pay)


def patient_of(people: People, sheet: Sheet, row: int, key: str) -> Patient:
    sid = rd.text(sheet, row, key)
    found = people.patients.get(sid)
    if found is None:
        raise sheet.fault(row, key, f"patient {sid} is not in patients", "unknown_id")
    return found


def payer_of(people: People, sheet: Sheet, row: int, key: str) -> Payer | None:
    """The payer a cell names (None when empty, or ``0`` as Synthea writes for none)."""
    sid = rd.opt(sheet, row, key)
    if sid is None or sid == "0":
        return None
    found = people.payers.get(sid)
    if found is None:
        raise sheet.fault(row, key, f"payer {sid} is not in payers", "unknown_id")
    return found


def read_periods(people: People, sheet: Sheet) -> list[Period]:
    """Cover from payer_transitions: a period ends the day before the next begins (an
    end given as a year alone, as Synthea 2 writes it, is that year's last day)."""
    out = []
    for i in rd.rows(sheet):
        p = patient_of(people, sheet, i, "PATIENT")
        if p.birth_date is None:
            raise sheet.fault(
                i, "PATIENT", f"patient {p.source_id} has cover but no birth date", "missing_value"
            )
        start = rd.day(sheet, i, "START_YEAR")
        raw_end = rd.text(sheet, i, "END_YEAR")
        if len(raw_end) == 4 and raw_end.isdigit():
            end = date(int(raw_end), 12, 31)
        else:
            end = rd.day(sheet, i, "END_YEAR") - timedelta(days=1)
        end = max(end, start)
        for key in ("PAYER", "SECONDARY_PAYER"):
            payer = payer_of(people, sheet, i, key)
            if payer is not None:
                out.append(Period(p.source_id, payer.code, start, end))
    return out
