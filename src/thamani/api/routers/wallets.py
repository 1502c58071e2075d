"""Health wallets over HTTP: my wallet, a patient's wallet as a payer sees it, sending to
a relative, statements for every party, and provider payouts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from thamani.api.deps import platform, require
from thamani.api.schemas.wallets import (
    PartyStatementOut,
    PayoutIn,
    PayoutRunOut,
    SendIn,
    SendOut,
    WalletIn,
    WalletOut,
)
from thamani.errors import Forbidden, NotFound
from thamani.parties.records import Actor, PartyKind, Scope
from thamani.platform import Platform

router = APIRouter(tags=["wallets"])


@router.post("/wallets", response_model=WalletOut, status_code=201)
def open_wallet(
    body: WalletIn,
    p: Platform = Depends(platform),
    _who: Actor = Depends(require(Scope.PARTIES_ADMIN)),
) -> WalletOut:
    """Register a patient's profile and open their savings and family accounts."""
    profile = p.wallets.open_wallet(
        body.patient_id,
        phone=body.phone,
        birth_date=body.birth_date,
        sex=body.sex,
        area=body.area,
        currency=body.currency,
    )
    return WalletOut.of(body.patient_id, profile, p.wallets.sources(body.patient_id))


@router.get("/wallets/me", response_model=WalletOut)
def my_wallet(
    p: Platform = Depends(platform), who: Actor = Depends(require(Scope.WALLETS_READ))
) -> WalletOut:
    """The caller's wallet: one account per funding source, with balances."""
    if who.kind is not PartyKind.PATIENT:
        raise NotFound("you have no wallet (wallets belong to patients)", code="wallet_not_found")
    profile = p.wallets.profile(who.party_id)
    return WalletOut.of(who.party_id, profile, p.wallets.sources(who.party_id, who))


@router.post("/wallets/me/send", response_model=SendOut)
def send(
    body: SendIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.WALLETS_WRITE)),
) -> SendOut:
    """Send money from your savings to a relative's wallet (by phone or wallet reference).
    ``send_id`` makes it happen once however often it is retried."""
    if who.kind is not PartyKind.PATIENT:
        raise Forbidden("only patients send from their wallets", code="not_your_wallet")
    result = p.wallets.send_to_relative(
        who.party_id, body.to, body.amount, body.send_id, who, currency=body.currency
    )
    return SendOut.of(result)


@router.get("/wallets/statement", response_model=PartyStatementOut)
def my_statement(
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.WALLETS_READ)),
    limit: int = Query(default=200, ge=1, le=1000, description="Lines per account."),
) -> PartyStatementOut:
    """The caller's statement: payments with clinic and service, top-ups with the phone,
    grants, payouts; for a payer, also the member accounts it funds."""
    return PartyStatementOut.of(p.wallets.statement(who.party_id, who, limit=limit))


@router.get("/wallets/statements/{party_id}", response_model=PartyStatementOut)
def statement(
    party_id: int,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.WALLETS_READ)),
    limit: int = Query(default=200, ge=1, le=1000),
) -> PartyStatementOut:
    """Another party's statement, limited to the accounts the caller may see (404 if none)."""
    return PartyStatementOut.of(p.wallets.statement(party_id, who, limit=limit))


@router.get("/wallets/{patient_id}", response_model=WalletOut)
def patient_wallet(
    patient_id: int,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.WALLETS_READ)),
) -> WalletOut:
    """A patient's wallet as the caller may see it: a payer sees only what it funds."""
    sources = p.wallets.sources(patient_id, who)
    return WalletOut.of(patient_id, None, sources)


@router.post("/payouts", response_model=PayoutRunOut)
def run_payouts(
    body: PayoutIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.PAYOUTS_WRITE)),
) -> PayoutRunOut:
    """Pay out posted receivables to settlement accounts; the run id makes it happen once.
    A provider pays out only its own balance."""
    providers = body.provider_ids
    if providers is None and who.kind is PartyKind.PROVIDER:
        providers = [who.party_id]
    return PayoutRunOut.of(p.wallets.run_payouts(body.run_id, providers, who))


@router.get("/payouts/{run_id}", response_model=PayoutRunOut)
def payout_run(
    run_id: str,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.PAYOUTS_WRITE)),
) -> PayoutRunOut:
    """A payout run's statement (a provider sees only its own lines)."""
    return PayoutRunOut.of(p.wallets.payout_run(run_id, who))
