"""Schemas of the claims API: claims in (Thamani's JSON documents), claims out.

Ids travel as decimal strings, amounts as integers in minor units of ``currency``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from thamani.claims.documents import ClaimIn, ClaimsIn, to_document
from thamani.claims.records import Claim, ClaimInput, Finding, Line
from thamani.ledger.ids import format_id

__all__ = ["ClaimIn", "ClaimsIn"]


class FindingOut(BaseModel):
    code: str
    message: str
    line: int | None = None

    @classmethod
    def of(cls, f: Finding) -> FindingOut:
        return cls(code=f.code, message=f.message, line=f.line)


class LineOut(BaseModel):
    sequence: int
    code: str
    quantity: int
    asked: int
    valuated: int
    payer: int
    co_pay: int
    deductible: int
    not_covered: int
    status: str
    reason: str | None = None
    message: str | None = None

    @classmethod
    def of(cls, x: Line) -> LineOut:
        return cls(
            sequence=x.sequence,
            code=x.code,
            quantity=x.quantity,
            asked=x.asked,
            valuated=x.valuated,
            payer=x.payer,
            co_pay=x.co_pay,
            deductible=x.deductible,
            not_covered=x.not_covered,
            status=x.status.value,
            reason=x.reason,
            message=x.message,
        )


class ClaimOut(BaseModel):
    id: str
    no: int = Field(description="Cursor for paging (pass as ``after``).")
    use: str
    status: str
    programme: str
    currency: str
    provider_id: int
    member: str
    enrolment_id: int | None
    reference: str | None
    service_date: str
    encounter_class: str
    asked: int
    valuated: int
    payer: int
    co_pay: int
    deductible: int
    not_covered: int
    lines: list[LineOut]
    findings: list[FindingOut]
    flags: list[FindingOut]
    preauth_id: str | None
    reserved: int
    expires_at: int
    submitted_at: int
    decided_at: int
    paid_at: int | None
    reversed_at: int | None
    settlement: str | None
    encounter: dict[str, Any]

    @classmethod
    def of(cls, c: Claim) -> ClaimOut:
        doc = to_document(
            ClaimInput(c.use, "", c.member_ref, c.encounter, ())
        )  # the encounter's document form
        return cls(
            id=format_id(c.id),
            no=c.no,
            use=c.use.value,
            status=c.status.label,
            programme=c.programme_code,
            currency=c.currency,
            provider_id=c.provider_id,
            member=c.member_ref,
            enrolment_id=c.enrolment_id,
            reference=c.reference,
            service_date=c.service_date.isoformat(),
            encounter_class=c.encounter_class.value,
            asked=c.asked,
            valuated=c.valuated,
            payer=c.payer,
            co_pay=c.co_pay,
            deductible=c.deductible,
            not_covered=c.not_covered,
            lines=[LineOut.of(x) for x in c.lines],
            findings=[FindingOut.of(f) for f in c.findings],
            flags=[FindingOut.of(f) for f in c.flags],
            preauth_id=format_id(c.preauth_id) if c.preauth_id else None,
            reserved=c.reserved,
            expires_at=c.expires_at,
            submitted_at=c.submitted_at,
            decided_at=c.decided_at,
            paid_at=c.paid_at,
            reversed_at=c.reversed_at,
            settlement=c.settlement,
            encounter=doc["encounter"],
        )


class ClaimsOut(BaseModel):
    claims: list[ClaimOut]
    counts: dict[str, int] = Field(description="Claims by status.")


class ReviewIn(BaseModel):
    """A reviewer's decision: lines to reject (by sequence, with a reason); the rest are
    approved. ``reject_all`` rejects the whole claim."""

    model_config = ConfigDict(extra="forbid")
    reject: dict[int, str] = {}
    reject_all: str | None = Field(default=None, min_length=1, max_length=500)
    note: str = Field(default="", max_length=1000)


class ReverseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class SettledOut(BaseModel):
    paid: int
