"""Schemas of the ledger API; the inputs are the ledger's own documents, re-exported.

Ids travel as decimal strings, amounts as integers in minor units, flags as lists of names.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from thamani.ledger.documents import AccountsIn, TransfersIn, flag_names
from thamani.ledger.ids import format_id
from thamani.ledger.records import (
    Account,
    AccountFlags,
    PendingTransfer,
    Transfer,
    TransferFlags,
)
from thamani.ledger.store import LedgerInfo, StatementLine

__all__ = ["AccountsIn", "TransfersIn"]


class LedgerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ledger: int = Field(gt=0, lt=2**32, description="The ledger's number.")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code.")
    name: str = Field(min_length=1, max_length=100)
    description: str = ""


class LedgerOut(BaseModel):
    ledger: int
    currency: str
    name: str
    description: str
    posted_total: int
    pending_total: int

    @classmethod
    def of(cls, info: LedgerInfo) -> LedgerOut:
        return cls(
            ledger=info.ledger,
            currency=info.currency,
            name=info.name,
            description=info.description,
            posted_total=info.posted_total,
            pending_total=info.pending_total,
        )


class AccountOut(BaseModel):
    id: str
    ledger: int
    code: int
    flags: list[str]
    user_data_128: str
    user_data_64: int
    user_data_32: int
    owner_party_id: int | None
    sponsor_party_id: int | None
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    balance: int = Field(description="credits_posted - debits_posted")
    available: int = Field(description="credits_posted - debits_posted - debits_pending")
    timestamp: int

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(
            id=format_id(a.id),
            ledger=a.ledger,
            code=a.code,
            flags=flag_names(AccountFlags, a.flags),
            user_data_128=format_id(a.user_data_128),
            user_data_64=a.user_data_64,
            user_data_32=a.user_data_32,
            owner_party_id=a.owner_party_id,
            sponsor_party_id=a.sponsor_party_id,
            debits_pending=a.debits_pending,
            debits_posted=a.debits_posted,
            credits_pending=a.credits_pending,
            credits_posted=a.credits_posted,
            balance=a.balance,
            available=a.available,
            timestamp=a.timestamp,
        )


class TransferOut(BaseModel):
    id: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    ledger: int
    code: int
    flags: list[str]
    pending_id: str
    timeout: int
    user_data_128: str
    user_data_64: int
    user_data_32: int
    timestamp: int

    @classmethod
    def of(cls, t: Transfer) -> TransferOut:
        return cls(
            id=format_id(t.id),
            debit_account_id=format_id(t.debit_account_id),
            credit_account_id=format_id(t.credit_account_id),
            amount=t.amount,
            ledger=t.ledger,
            code=t.code,
            flags=flag_names(TransferFlags, t.flags),
            pending_id=format_id(t.pending_id),
            timeout=t.timeout,
            user_data_128=format_id(t.user_data_128),
            user_data_64=t.user_data_64,
            user_data_32=t.user_data_32,
            timestamp=t.timestamp,
        )


class ResultOut(BaseModel):
    index: int
    id: str
    result: str


class ResultsOut(BaseModel):
    results: list[ResultOut]
    ok: int = Field(description="How many were recorded now or before (ok or exists).")
    failed: int


class StatementLineOut(BaseModel):
    seq: int
    event: str
    direction: str = Field(description="debit or credit, from this account's side")
    transfer: TransferOut


class StatementOut(BaseModel):
    account: AccountOut
    lines: list[StatementLineOut]
    next_cursor: int | None

    @classmethod
    def of(cls, account: Account, lines: list[StatementLine], cursor: int | None) -> StatementOut:
        return cls(
            account=AccountOut.of(account),
            lines=[
                StatementLineOut(
                    seq=line.seq,
                    event=line.event.name.lower(),
                    direction="debit" if line.transfer.debit_account_id == account.id else "credit",
                    transfer=TransferOut.of(line.transfer),
                )
                for line in lines
            ],
            next_cursor=cursor,
        )


class PendingOut(BaseModel):
    id: str
    amount: int
    status: str
    expires_at: int

    @classmethod
    def of(cls, p: PendingTransfer) -> PendingOut:
        return cls(
            id=format_id(p.id),
            amount=p.amount,
            status=p.status.name.lower(),
            expires_at=p.expires_at,
        )


class ProblemOut(BaseModel):
    code: str
    message: str
    seq: int | None


class VerifyOut(BaseModel):
    ok: bool
    records: int
    accounts: int
    head_seq: int
    checkpoints: int
    seconds: float
    first_bad_seq: int | None
    problems: list[ProblemOut]


class HeadOut(BaseModel):
    seq: int
    hash: str
    timestamp: int
    public_key: str
