"""Claims as Thamani's own JSON documents (the API's ``/v1/claims`` and CLI files).

FHIR ``Claim`` resources are read by ``thamani.interop.fhir``; this is the plainer form.
Amounts are integers in the programme currency's minor unit, dates ISO 8601, ids decimal
strings. A fault names the path in the document (``claims[2].lines[0].quantity``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from thamani.claims.records import (
    Answer,
    ClaimInput,
    ClaimUse,
    Diagnosis,
    Encounter,
    LabResult,
    LineInput,
    Vital,
)
from thamani.errors import InvalidInput
from thamani.ledger.documents import Id
from thamani.schemes.documents import first_fault
from thamani.schemes.records import CareType, EncounterClass


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _diagnosis(value: Any) -> Any:
    return {"code": value} if isinstance(value, str) else value


class DiagnosisIn(_Doc):
    code: str = Field(min_length=3, max_length=10)
    primary: bool = False


class LabIn(_Doc):
    name: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=200)
    unit: str | None = Field(default=None, max_length=50)
    loinc: str | None = Field(default=None, pattern=r"^[0-9]{1,7}-[0-9]$")
    item: str | None = Field(default=None, max_length=64)


class VitalIn(_Doc):
    name: str = Field(min_length=1, max_length=100)
    value: str = Field(min_length=1, max_length=100)
    unit: str | None = Field(default=None, max_length=50)
    loinc: str | None = Field(default=None, pattern=r"^[0-9]{1,7}-[0-9]$")


class AnswerIn(_Doc):
    question: str = Field(min_length=1, max_length=500)
    answer: str = Field(max_length=2000)


class EncounterIn(_Doc):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    encounter_class: EncounterClass = Field(alias="class")
    care_type: CareType = CareType.NORMAL
    start: date
    end: date | None = None
    practitioner: str | None = Field(default=None, max_length=200)
    diagnoses: list[Annotated[DiagnosisIn, BeforeValidator(_diagnosis)]] = Field(
        min_length=1, max_length=50
    )
    labs: list[LabIn] = []
    vitals: list[VitalIn] = []
    answers: list[AnswerIn] = []


class LineIn(_Doc):
    sequence: int | None = Field(default=None, ge=1)
    code: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=100_000)
    unit_price: int = Field(default=0, ge=0, lt=2**53, description="Minor units.")
    atc: str | None = Field(default=None, max_length=7)
    loinc: str | None = Field(default=None, pattern=r"^[0-9]{1,7}-[0-9]$")


class ClaimIn(_Doc):
    """A claim or pre-authorisation request."""

    use: ClaimUse = ClaimUse.CLAIM
    provider: str = Field(min_length=1, max_length=100, description="Facility reference.")
    member: str = Field(min_length=1, max_length=64, description="Member number.")
    programme: str | None = Field(default=None, max_length=64)
    coverage: int | None = Field(default=None, ge=1, description="Enrolment id.")
    reference: str | None = Field(default=None, min_length=1, max_length=64)
    preauth_id: Id = 0
    encounter: EncounterIn
    lines: list[LineIn] = Field(min_length=1, max_length=200)

    def record(self) -> ClaimInput:
        e = self.encounter
        dx = e.diagnoses
        has_primary = any(d.primary for d in dx)
        return ClaimInput(
            use=self.use,
            provider=self.provider,
            member=self.member,
            programme=self.programme,
            coverage=self.coverage,
            reference=self.reference,
            preauth_id=self.preauth_id,
            encounter=Encounter(
                encounter_class=e.encounter_class,
                care_type=e.care_type,
                start=e.start,
                end=e.end,
                practitioner=e.practitioner,
                diagnoses=tuple(
                    Diagnosis(d.code, d.primary or (not has_primary and k == 0))
                    for k, d in enumerate(dx)
                ),
                labs=tuple(LabResult(x.name, x.value, x.unit, x.loinc, x.item) for x in e.labs),
                vitals=tuple(Vital(x.name, x.value, x.unit, x.loinc) for x in e.vitals),
                answers=tuple(Answer(x.question, x.answer) for x in e.answers),
            ),
            lines=tuple(
                LineInput(
                    x.sequence if x.sequence is not None else k + 1,
                    x.code,
                    x.quantity,
                    x.unit_price,
                    x.atc,
                    x.loinc,
                )
                for k, x in enumerate(self.lines)
            ),
        )


class ClaimsIn(_Doc):
    claims: list[ClaimIn] = Field(min_length=1, max_length=100_000)


def to_document(c: ClaimInput) -> dict[str, Any]:
    """A claim as the JSON document ``parse_claim`` reads."""
    e = c.encounter
    out: dict[str, Any] = {
        "use": c.use.value,
        "provider": c.provider,
        "member": c.member,
        "encounter": {
            "class": e.encounter_class.value,
            "care_type": e.care_type.value,
            "start": e.start.isoformat(),
            "diagnoses": [{"code": d.code, "primary": d.primary} for d in e.diagnoses],
        },
        "lines": [
            {
                "sequence": x.sequence,
                "code": x.code,
                "quantity": x.quantity,
                "unit_price": x.unit_price,
            }
            for x in c.lines
        ],
    }
    for key, value in (
        ("programme", c.programme),
        ("coverage", c.coverage),
        ("reference", c.reference),
        ("preauth_id", str(c.preauth_id) if c.preauth_id else None),
    ):
        if value is not None:
            out[key] = value
    if e.end:
        out["encounter"]["end"] = e.end.isoformat()
    if e.practitioner:
        out["encounter"]["practitioner"] = e.practitioner
    if e.labs:
        out["encounter"]["labs"] = [
            {
                k: v
                for k, v in (
                    ("name", x.name),
                    ("value", x.value),
                    ("unit", x.unit),
                    ("loinc", x.loinc),
                    ("item", x.item_code),
                )
                if v is not None
            }
            for x in e.labs
        ]
    if e.vitals:
        out["encounter"]["vitals"] = [
            {
                k: v
                for k, v in (
                    ("name", x.name),
                    ("value", x.value),
                    ("unit", x.unit),
                    ("loinc", x.loinc),
                )
                if v is not None
            }
            for x in e.vitals
        ]
    if e.answers:
        out["encounter"]["answers"] = [
            {"question": a.question, "answer": a.answer} for a in e.answers
        ]
    return out


def parse_claim(data: Any, source: str = "claim") -> ClaimInput:
    try:
        return ClaimIn.model_validate(data).record()
    except ValidationError as e:
        raise first_fault(e, ClaimIn, source) from None


def parse_claims(data: Any, source: str = "claims") -> list[ClaimInput]:
    """A batch: ``{"claims": [...]}`` or a bare list."""
    if isinstance(data, list):
        data = {"claims": data}
    try:
        return [c.record() for c in ClaimsIn.model_validate(data).claims]
    except ValidationError as e:
        raise first_fault(e, ClaimsIn, source) from None


def not_a_claim(source: str, why: str) -> InvalidInput:
    return InvalidInput(f"{why}", code="invalid_document", where=source)
