"""The ledger over HTTP: ledgers, accounts, transfer batches, statements, verify."""

from __future__ import annotations

import base64

from fastapi import APIRouter, Depends, Query

from thamani.api.deps import platform, require
from thamani.api.responses import FastJSONResponse
from thamani.api.schemas.ledger import (
    AccountOut,
    AccountsIn,
    HeadOut,
    LedgerIn,
    LedgerOut,
    ProblemOut,
    ResultOut,
    ResultsOut,
    StatementOut,
    TransferOut,
    TransfersIn,
    VerifyOut,
)
from thamani.errors import NotFound
from thamani.ledger.ids import format_id, parse_id
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform

router = APIRouter(tags=["ledger"])


@router.post("/ledgers", response_model=LedgerOut, status_code=201)
def create_ledger(
    body: LedgerIn,
    p: Platform = Depends(platform),
    _who: Actor = Depends(require(Scope.LEDGERS_ADMIN)),
) -> LedgerOut:
    """Register a ledger (one per currency and fund)."""
    info = p.ledger.create_ledger(body.ledger, body.currency, body.name, body.description)
    return LedgerOut.of(info)


@router.get("/ledgers", response_model=list[LedgerOut])
def list_ledgers(
    p: Platform = Depends(platform), _who: Actor = Depends(require(Scope.LEDGER_READ))
) -> list[LedgerOut]:
    return [LedgerOut.of(i) for i in p.ledger.ledgers()]


@router.post("/accounts", response_model=ResultsOut)
def create_accounts(
    body: AccountsIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.ACCOUNTS_WRITE)),
) -> ResultsOut:
    """Open a batch of accounts; the owner defaults to the caller."""
    records = [a.record(who.party_id) for a in body.accounts]
    results = p.ledger.create_accounts(records, who)
    out = [
        ResultOut(index=i, id=format_id(a.id), result=r.value)
        for i, (a, r) in enumerate(zip(records, results, strict=True))
    ]
    ok = sum(1 for r in results if r.recorded)
    return ResultsOut(results=out, ok=ok, failed=len(results) - ok)


@router.get("/accounts", response_model=list[AccountOut])
def my_accounts(
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.LEDGER_READ)),
    ledger: int | None = None,
    code: int | None = None,
) -> list[AccountOut]:
    """The accounts the caller owns or funds."""
    return [AccountOut.of(a) for a in p.ledger.accounts_of(who.party_id, ledger=ledger, code=code)]


@router.get("/accounts/{account_id}", response_model=AccountOut)
def get_account(
    account_id: str,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.LEDGER_READ)),
) -> AccountOut:
    """One account; another party's account answers 404 as if it did not exist."""
    return AccountOut.of(p.ledger.account(parse_id(account_id, field="account_id"), who))


@router.get("/accounts/{account_id}/statement", response_model=StatementOut)
def statement(
    account_id: str,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.LEDGER_READ)),
    after: int = Query(default=0, ge=0, description="Cursor from the previous page."),
    limit: int = Query(default=100, ge=1, le=1000),
    order: str = Query(default="asc", pattern="^(asc|desc)$"),
) -> StatementOut:
    """A page of the account's transfers, oldest first (or newest first with order=desc)."""
    st = p.ledger.statement(
        parse_id(account_id, field="account_id"),
        who,
        after=after,
        limit=limit,
        newest_first=order == "desc",
    )
    return StatementOut.of(st.account, st.lines, st.next_cursor)


@router.post("/transfers", response_model=ResultsOut)
async def create_transfers(
    body: TransfersIn,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.LEDGER_WRITE)),
) -> FastJSONResponse:
    """Submit up to 8,190 transfers; each gets its own result (``ok`` and ``exists``
    mean recorded). Retrying with the same ids never moves money twice."""
    records = [t.record() for t in body.transfers]
    results = (await p.ledger.submit_async(records, who)).results
    ok = sum(1 for r in results if r.recorded)
    # The hot path of the API: the body is built directly (same shape as ResultsOut).
    return FastJSONResponse(
        {
            "results": [
                {"index": i, "id": str(t.id), "result": r.value}
                for i, (t, r) in enumerate(zip(records, results, strict=True))
            ],
            "ok": ok,
            "failed": len(results) - ok,
        }
    )


@router.get("/transfers/{transfer_id}", response_model=TransferOut)
def get_transfer(
    transfer_id: str,
    p: Platform = Depends(platform),
    who: Actor = Depends(require(Scope.LEDGER_READ)),
) -> TransferOut:
    tid = parse_id(transfer_id, field="transfer_id")
    found = p.ledger.transfers([tid], who)
    if not found:
        raise NotFound(f"transfer {transfer_id} not found", code="transfer_not_found")
    return TransferOut.of(found[0])


@router.get("/ledger/head", response_model=HeadOut)
def head(
    p: Platform = Depends(platform), _who: Actor = Depends(require(Scope.LEDGER_READ))
) -> HeadOut:
    """The signed head of the journal."""
    h = p.ledger.head()
    return HeadOut(
        seq=h.seq if h else 0,
        hash=h.hash.hex() if h else "",
        timestamp=h.timestamp if h else 0,
        public_key=base64.b64encode(p.signer.public_key).decode(),
    )


@router.post("/ledger/verify", response_model=VerifyOut)
def verify(
    p: Platform = Depends(platform), _who: Actor = Depends(require(Scope.LEDGER_VERIFY))
) -> VerifyOut:
    """Recompute the hash chain, signatures, totals and balances from the first record."""
    r = p.verify_ledger()
    return VerifyOut(
        ok=r.ok,
        records=r.records,
        accounts=r.accounts,
        head_seq=r.head_seq,
        checkpoints=r.checkpoints,
        seconds=round(r.seconds, 3),
        first_bad_seq=r.first_bad_seq,
        problems=[ProblemOut(code=x.code, message=x.message, seq=x.seq) for x in r.problems],
    )
