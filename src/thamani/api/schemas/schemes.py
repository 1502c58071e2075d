"""Schemas of the programmes API: programmes out, enrolment in, coverage out.

A programme is defined by posting the same document as a programme file (YAML) holds,
as JSON; it is read by ``thamani.schemes.documents`` so faults name the path in it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from thamani.ledger.ids import format_id
from thamani.schemes.documents import HouseholdIn
from thamani.schemes.records import Coverage, Definition, Programme
from thamani.schemes.store import encode


class ProgrammeOut(BaseModel):
    code: str
    name: str
    kind: str
    currency: str
    valid_from: str
    valid_to: str
    funder_id: int
    ledger: int
    fund_account_id: str
    icd: str
    version: int

    @classmethod
    def of(cls, p: Programme) -> ProgrammeOut:
        return cls(
            code=p.code,
            name=p.name,
            kind=p.kind.value,
            currency=p.currency,
            valid_from=p.valid_from.isoformat(),
            valid_to=p.valid_to.isoformat(),
            funder_id=p.funder_id,
            ledger=p.ledger,
            fund_account_id=format_id(p.fund_account_id),
            icd=p.icd.value,
            version=p.version,
        )


class ProgrammeDetailOut(ProgrammeOut):
    rules: dict[str, object] = Field(description="Limits, review rules, default cost shares.")
    benefits: list[dict[str, object]]
    tariff: list[dict[str, object]]
    providers: list[dict[str, object]]

    @classmethod
    def of_definition(cls, d: Definition) -> ProgrammeDetailOut:
        p = d.programme
        base = ProgrammeOut.of(p).model_dump()
        return cls(
            **base,
            rules={
                "adult_age": p.adult_age,
                "preauth_days": p.preauth_days,
                "levels": list(p.levels),
                "defaults": encode(p.defaults),
                "default_waiting_days": encode(p.default_waiting_days),
                "limits": encode(p.limits),
                "review": encode(p.review),
            },
            benefits=[encode(i) for i in d.items],
            tariff=[encode(t) for t in d.tariff],
            providers=[
                {
                    "provider_id": a.provider_id,
                    "provider": a.provider_reference,
                    "level": a.level,
                    "receivable_account_id": format_id(a.receivable_account_id),
                }
                for a in d.providers
            ],
        )


class DefinedOut(BaseModel):
    outcome: str
    enrolled: int
    programme: ProgrammeDetailOut


class EnrolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    households: list[HouseholdIn] = Field(min_length=1, max_length=10_000)


class EnrolledOut(BaseModel):
    households: int
    members_enrolled: int
    members_created: int


class CoverageOut(BaseModel):
    enrolment_id: int
    programme: str
    programme_name: str
    member: str
    name: str
    household: str
    start: str
    end: str

    @classmethod
    def of(cls, c: Coverage) -> CoverageOut:
        return cls(
            enrolment_id=c.enrolment.id,
            programme=c.programme_code,
            programme_name=c.programme_name,
            member=c.member.reference,
            name=c.member.name,
            household=c.household.reference,
            start=c.enrolment.start.isoformat(),
            end=c.enrolment.end.isoformat(),
        )
