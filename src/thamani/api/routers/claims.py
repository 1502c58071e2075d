"""Claims over HTTP: submit (singly or in batch), read, review, reverse, release."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from thamani.api.deps import platform, require
from thamani.api.schemas.claims import (
    ClaimIn,
    ClaimOut,
    ClaimsIn,
    ClaimsOut,
    ReverseIn,
    ReviewIn,
    SettledOut,
)
from thamani.claims.records import ClaimStatus
from thamani.errors import Forbidden, InvalidInput
from thamani.ledger.ids import parse_id
from thamani.parties.records import Actor, PartyKind, Scope
from thamani.platform import Platform

router = APIRouter(tags=["claims"])


def _status(value: str | None) -> ClaimStatus | None:
    if value is None:
        return None
    try:
        return ClaimStatus[value.upper()]
    except KeyError:
        known = ", ".join(s.label for s in ClaimStatus)
        raise InvalidInput(f"unknown status {value!r}; known: {known}", where="status") from None


@router.post("/claims", response_model=ClaimOut, status_code=201)
def submit_claim(
    body: ClaimIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_WRITE)),
) -> ClaimOut:
    """Submit one claim (or pre-authorisation request) for your own facility. A rejected
    claim is stored with its reasons (and moves no money); resubmitting the same
    ``reference`` with the same content returns the stored claim."""
    return ClaimOut.of(p.claims.submit(body.record(), who))


@router.post("/claims/batch", response_model=ClaimsOut, status_code=201)
def submit_batch(
    body: ClaimsIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_WRITE)),
) -> ClaimsOut:
    """Submit many claims; one result per claim, in order. A malformed claim anywhere and
    nothing is stored."""
    done = p.claims.submit_batch([c.record() for c in body.claims], who)
    counts: dict[str, int] = {}
    for c in done:
        counts[c.status.label] = counts.get(c.status.label, 0) + 1
    return ClaimsOut(claims=[ClaimOut.of(c) for c in done], counts=counts)


@router.get("/claims", response_model=list[ClaimOut])
def list_claims(
    status: str | None = Query(None, description="e.g. paid, rejected, in_review"),
    programme: str | None = None,
    after: int = Query(0, ge=0, description="The last ``no`` of the previous page."),
    limit: int = Query(100, ge=1, le=1000),
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_READ)),
) -> list[ClaimOut]:
    """The claims the caller may see: a provider its own, a payer its programmes', a
    patient their own."""
    found = p.claims.claims(
        who, status=_status(status), programme=programme, after=after, limit=limit
    )
    return [ClaimOut.of(c) for c in found]


@router.get("/claims/review-queue", response_model=list[ClaimOut])
def review_queue(
    programme: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_REVIEW)),
) -> list[ClaimOut]:
    """Claims flagged for review in the programmes the caller funds."""
    return [ClaimOut.of(c) for c in p.claims.review_queue(who, programme=programme, limit=limit)]


@router.get("/claims/{claim_id}", response_model=ClaimOut)
def get_claim(
    claim_id: str,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_READ)),
) -> ClaimOut:
    """One claim; another party's claim answers 404 as if it did not exist."""
    return ClaimOut.of(p.claims.get(parse_id(claim_id, field="claim_id"), who))


@router.post("/claims/{claim_id}/review", response_model=ClaimOut)
def review(
    claim_id: str,
    body: ReviewIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_REVIEW)),
) -> ClaimOut:
    """Approve a claim in review (rejecting the lines named), and pay what is approved."""
    done = p.claims.review(
        parse_id(claim_id, field="claim_id"),
        who,
        reject=body.reject,
        reject_all=body.reject_all,
        note=body.note,
    )
    return ClaimOut.of(done)


@router.post("/claims/{claim_id}/reverse", response_model=ClaimOut)
def reverse(
    claim_id: str,
    body: ReverseIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_REVIEW)),
) -> ClaimOut:
    """Reverse a paid claim by a correcting transfer."""
    return ClaimOut.of(p.claims.reverse(parse_id(claim_id, field="claim_id"), body.reason, who))


@router.post("/claims/{claim_id}/release", response_model=ClaimOut)
def release(
    claim_id: str,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_READ)),
) -> ClaimOut:
    """Release a pre-authorisation's hold (the admission did not happen)."""
    return ClaimOut.of(p.claims.release_preauth(parse_id(claim_id, field="claim_id"), who))


@router.post("/claims/settle", response_model=SettledOut)
def settle_pending(
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.CLAIMS_REVIEW)),
) -> SettledOut:
    """Pay valuated claims whose payment the ledger refused earlier (admins only)."""
    if who.kind is not PartyKind.ADMIN:
        raise Forbidden("only an admin retries payments", code="not_admin")
    return SettledOut(paid=p.claims.settle_pending())
