"""Parties and API tokens over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from thamani.api.deps import actor, platform, require
from thamani.api.schemas.parties import (
    IssuedTokenOut,
    MeOut,
    PartyIn,
    PartyOut,
    TokenIn,
    TokenOut,
)
from thamani.parties.records import Actor, Scope
from thamani.parties.service import parse_scopes
from thamani.platform import Platform

router = APIRouter(tags=["parties"])


@router.get("/me", response_model=MeOut)
def me(who: Actor = Depends(actor)) -> MeOut:
    """Who the token belongs to and what it allows."""
    return MeOut(party=PartyOut.of(who.party), scopes=sorted(s.value for s in who.scopes))


@router.post("/parties", response_model=PartyOut, status_code=201)
def create_party(
    body: PartyIn,
    p: Platform = Depends(platform),
    _who: Actor = Depends(require(Scope.PARTIES_ADMIN)),
) -> PartyOut:
    return PartyOut.of(p.parties.create(body.kind, body.name, body.reference))


@router.get("/parties", response_model=list[PartyOut])
def list_parties(
    p: Platform = Depends(platform), _who: Actor = Depends(require(Scope.PARTIES_ADMIN))
) -> list[PartyOut]:
    return [PartyOut.of(x) for x in p.parties.all()]


@router.post("/tokens", response_model=IssuedTokenOut, status_code=201)
def issue_token(
    body: TokenIn,
    p: Platform = Depends(platform),
    _who: Actor = Depends(require(Scope.PARTIES_ADMIN)),
) -> IssuedTokenOut:
    """Issue a token for a party; the secret is in this response only."""
    issued = p.parties.issue_token(
        body.party_id,
        body.name,
        parse_scopes(body.scopes) or None,
        expires_in_days=body.expires_in_days,
    )
    base = TokenOut.of(issued.token)
    return IssuedTokenOut(**base.model_dump(), secret=issued.secret)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: int,
    p: Platform = Depends(platform),
    _who: Actor = Depends(require(Scope.PARTIES_ADMIN)),
) -> None:
    p.parties.revoke(token_id)
