"""Schemas of the wallets API: amounts in minor units, ids as decimal strings."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from thamani.ledger.ids import format_id
from thamani.wallets.payouts import PayoutRun
from thamani.wallets.records import PatientProfile, SourceBalance
from thamani.wallets.statements import PartyStatement
from thamani.wallets.topups import SendResult


class WalletIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patient_id: int = Field(description="The patient party.")
    phone: str = Field(min_length=9, max_length=20, description="Mobile number.")
    birth_date: date
    sex: str = Field(description="female, male, other or unknown")
    area: str = Field(min_length=1, max_length=100, description="County, sub-county or ward.")
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class SourceOut(BaseModel):
    source: str
    programme_id: int
    programme: str
    account_id: str
    ledger: int
    currency: str
    balance: int
    available: int
    valid_until: date | None

    @classmethod
    def of(cls, s: SourceBalance) -> SourceOut:
        return cls(
            source=s.source.value,
            programme_id=s.programme_id,
            programme=s.programme_name,
            account_id=format_id(s.account_id),
            ledger=s.ledger,
            currency=s.currency,
            balance=s.balance,
            available=s.available,
            valid_until=s.valid_until,
        )


class WalletOut(BaseModel):
    patient_id: int
    wallet_ref: str | None = Field(description="Account reference for mobile-money top-ups.")
    sources: list[SourceOut]

    @classmethod
    def of(
        cls, patient_id: int, profile: PatientProfile | None, sources: list[SourceBalance]
    ) -> WalletOut:
        return cls(
            patient_id=patient_id,
            wallet_ref=profile.wallet_ref if profile else None,
            sources=[SourceOut.of(s) for s in sources],
        )


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: str = Field(min_length=3, max_length=40, description="Phone or wallet reference.")
    amount: int = Field(gt=0, description="Minor units.")
    send_id: str = Field(min_length=1, max_length=64, description="Idempotency key.")
    currency: str | None = Field(default=None, min_length=3, max_length=3)


class SendOut(BaseModel):
    status: str
    amount: int
    recipient_name: str
    transfer_id: str | None
    code: str
    message: str

    @classmethod
    def of(cls, r: SendResult) -> SendOut:
        return cls(
            status=r.status.value,
            amount=r.amount,
            recipient_name=r.recipient_name,
            transfer_id=format_id(r.transfer_id) if r.transfer_id else None,
            code=r.code,
            message=r.message,
        )


class AccountSummaryOut(BaseModel):
    account_id: str
    label: str
    source: str | None
    programme_id: int
    ledger: int
    currency: str
    balance: int
    available: int


class StatementLineOut(BaseModel):
    at: int = Field(description="Nanoseconds since the epoch.")
    account_id: str
    account: str
    transfer_id: str
    kind: str
    direction: str
    amount: int
    currency: str
    pending: bool
    source: str | None
    programme: str
    counterparty: str
    services: list[str]
    reference: str
    phone: str


class PartyStatementOut(BaseModel):
    party_id: int
    party_name: str
    accounts: list[AccountSummaryOut]
    lines: list[StatementLineOut]

    @classmethod
    def of(cls, st: PartyStatement) -> PartyStatementOut:
        return cls(
            party_id=st.party_id,
            party_name=st.party_name,
            accounts=[
                AccountSummaryOut(
                    account_id=format_id(a.account_id),
                    label=a.label,
                    source=a.source.value if a.source else None,
                    programme_id=a.programme_id,
                    ledger=a.ledger,
                    currency=a.currency,
                    balance=a.balance,
                    available=a.available,
                )
                for a in st.accounts
            ],
            lines=[
                StatementLineOut(
                    at=x.at,
                    account_id=format_id(x.account_id),
                    account=x.account_label,
                    transfer_id=format_id(x.transfer_id),
                    kind=x.kind,
                    direction=x.direction,
                    amount=x.amount,
                    currency=x.currency,
                    pending=x.pending,
                    source=x.source.value if x.source else None,
                    programme=x.programme,
                    counterparty=x.counterparty,
                    services=list(x.services),
                    reference=x.reference,
                    phone=x.phone,
                )
                for x in st.lines
            ],
        )


class PayoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    run_id: str = Field(min_length=1, max_length=64, description="Idempotency key of the run.")
    provider_ids: list[int] | None = Field(
        default=None, description="Default: every provider (admins) or yourself (providers)."
    )


class PayoutLineOut(BaseModel):
    provider_id: int
    provider_name: str
    ledger: int
    currency: str
    amount: int
    transfer_id: str
    result: str
    method: str | None
    target: str | None


class PayoutRunOut(BaseModel):
    run_id: str
    replayed: bool
    totals: dict[str, int]
    lines: list[PayoutLineOut]

    @classmethod
    def of(cls, run: PayoutRun) -> PayoutRunOut:
        return cls(
            run_id=run.run_id,
            replayed=run.replayed,
            totals=run.totals(),
            lines=[
                PayoutLineOut(
                    provider_id=x.provider_party_id,
                    provider_name=x.provider_name,
                    ledger=x.ledger,
                    currency=x.currency,
                    amount=x.amount,
                    transfer_id=format_id(x.transfer_id),
                    result=x.result,
                    method=x.method,
                    target=x.target,
                )
                for x in run.lines
            ],
        )
