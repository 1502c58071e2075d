"""Programmes, enrolment and coverage over HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Depends, Query

from thamani.api.deps import platform, require
from thamani.api.schemas.schemes import (
    CoverageOut,
    DefinedOut,
    EnrolIn,
    EnrolledOut,
    ProgrammeDetailOut,
    ProgrammeOut,
)
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform
from thamani.schemes.documents import parse_programme

router = APIRouter(tags=["programmes"])


@router.post("/programmes", response_model=DefinedOut, status_code=201)
def define_programme(
    body: dict[str, Any] = Body(..., description="A programme document (as in a programme file)."),
    replace: bool = Query(False, description="Replace an existing definition (bumps its version)."),
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.SCHEMES_WRITE)),
) -> DefinedOut:
    """Define a programme from its document; the same document twice changes nothing."""
    doc = parse_programme(body, "body")
    done = p.schemes.define(doc, who, replace_existing=replace)
    return DefinedOut(
        outcome=done.outcome.value,
        enrolled=done.enrolled,
        programme=ProgrammeDetailOut.of_definition(done.definition),
    )


@router.get("/programmes", response_model=list[ProgrammeOut])
def list_programmes(
    p: Platform = Depends(platform), who: Actor = Depends(require(Scope.SCHEMES_READ))
) -> list[ProgrammeOut]:
    """The programmes the caller funds, is accredited by, or is covered by."""
    return [ProgrammeOut.of(x) for x in p.schemes.programmes(who)]


@router.get("/programmes/{code}", response_model=ProgrammeDetailOut)
def get_programme(
    code: str, p: Platform = Depends(platform), who: Actor = Depends(require(Scope.SCHEMES_READ))
) -> ProgrammeDetailOut:
    return ProgrammeDetailOut.of_definition(p.schemes.programme(code, who))


@router.post("/programmes/{code}/enrolments", response_model=EnrolledOut, status_code=201)
def enrol(
    code: str,
    body: EnrolIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.SCHEMES_WRITE)),
) -> EnrolledOut:
    """Enrol households for a period (all or nothing)."""
    done = p.schemes.enrol(code, body.households, who)
    return EnrolledOut(
        households=done.households,
        members_enrolled=done.members_enrolled,
        members_created=done.members_created,
    )


@router.get("/members/{number}/coverage", response_model=list[CoverageOut])
def coverage(
    number: str,
    on: date | None = Query(None, description="Only enrolments covering this date."),
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.SCHEMES_READ)),
) -> list[CoverageOut]:
    """A member's cover (a provider checks it at the desk; a patient sees their own)."""
    return [CoverageOut.of(c) for c in p.schemes.coverage(number, on, who)]
