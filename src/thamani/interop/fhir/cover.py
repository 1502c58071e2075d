"""Patients as members and ``Coverage`` as enrolments (and back, for the export).

- A ``Patient`` with a ``birthDate`` is also a member (the member number is the patient's
  id; ``gender`` the sex, ``unknown`` when absent) in a household of its own
  (``fhir:<id>``), as the Synthea import does: that is where a person's sex and birth
  date are kept.
- A ``Coverage`` enrols its ``beneficiary`` (a patient of the import, or a member stored
  already) in the programme of its ``payor[0]`` (one programme per payer, as for claims;
  see ``thamani.interop.fhir.payers``) for its ``period`` (open-ended: until 2199-12-31).
- On export, each enrolment is a Coverage whose id is made from the member number, the
  payer's resource id and the start, so that it comes back the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from thamani.interop.fhir.elements import day, fail
from thamani.interop.fhir.history import Payer
from thamani.interop.fhir.validation import Checked
from thamani.interop.payers import VALID_TO
from thamani.schemes.records import Enrolment, Member, Sex

#: FHIR ``gender`` to the member's sex.
SEX = {"female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER, "unknown": Sex.UNKNOWN}


@dataclass(frozen=True, slots=True)
class Person:
    """A member's details from a Patient.

    number: the member number (the patient's id).
    name: full name.
    sex: ``Sex``.
    birth_date: date of birth.
    """

    number: str
    name: str
    sex: Sex
    birth_date: date


@dataclass(frozen=True, slots=True)
class Cover:
    """A Coverage read: who, by whom, when.

    member: the member number of the beneficiary.
    payer: the payer (its programme is found or made on import).
    start, end: the covered dates.
    where: the Coverage's expression (for a fault).
    """

    member: str
    payer: Payer
    start: date
    end: date
    where: str


def household_reference(number: str) -> str:
    """The household of a patient's own (at most 64 characters)."""
    text = f"fhir:{number}"
    if len(text) <= 64:
        return text
    return "fhir:" + hashlib.sha256(number.encode()).hexdigest()[:32]


def person(c: Checked, name: str) -> Person | None:
    """The member a Patient makes (None without a birth date)."""
    r = c.resource
    if not r.get("birthDate"):
        return None
    born = day(r["birthDate"], f"{c.entry.where}.birthDate")
    return Person(c.id, name[:200], SEX.get(str(r.get("gender") or ""), Sex.UNKNOWN), born)


def cover(c: Checked, member: str, payer: Payer | None) -> Cover:
    """A Coverage's enrolment (the beneficiary's member number and the payer resolved by
    the importer)."""
    where = c.entry.where
    if payer is None:
        raise fail(f"{where}.payor[0]", "a Coverage needs its payor", "required")
    period = c.resource.get("period") or {}
    if not period.get("start"):
        raise fail(f"{where}.period.start", "a Coverage needs the start of its period", "required")
    start = day(period["start"], f"{where}.period.start")
    end = day(period["end"], f"{where}.period.end") if period.get("end") else VALID_TO
    if end < start:
        raise fail(f"{where}.period.end", f"the period ends ({end}) before it starts ({start})")
    return Cover(member, payer, start, end, where)


def coverage_id(member: str, payer: str, start: date) -> str:
    """A Coverage's id on export: stable across stores."""
    key = f"{member}|{payer}|{start.isoformat()}"
    return "cov-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def coverage_resource(e: Enrolment, m: Member, patient: str, payer: str) -> dict[str, Any]:
    """An enrolment as a Coverage (``patient`` and ``payer`` the resource ids)."""
    return {
        "resourceType": "Coverage",
        "id": coverage_id(m.reference, payer, e.start),
        "status": "active",
        "subscriberId": m.reference,
        "beneficiary": {"reference": f"Patient/{patient}"},
        "period": {"start": e.start.isoformat(), "end": e.end.isoformat()},
        "payor": [{"reference": f"Organization/{payer}"}],
    }
