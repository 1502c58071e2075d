"""What a payment, a reservation or its settlement comes to: the records the claims room
gets back from ``Wallets.pay``/``reserve``/``settle``/``release``, and how a stored payment
reads as one."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from thamani.money import allocate
from thamani.wallets.drawdown import PaymentRefusal
from thamani.wallets.records import FundingSource, PricedItem
from thamani.wallets.store import StoredPayment


class PaymentStatus(enum.Enum):
    """Where a payment or reservation stands."""

    PAID = "paid"
    RESERVED = "reserved"
    SETTLED = "settled"
    RELEASED = "released"
    EXPIRED = "expired"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A bill to pay from a patient's wallet.

    payment_id: the caller's 128-bit id (a claim id): the same id pays once.
    patient_party_id: whose wallet pays.
    provider_party_id: the clinic paid.
    items: the priced items (code, category, amount, description).
    programme_id: the programme paying its share (None: the patient's own money only).
    service_date: the day of the service (None: today); earmarks are judged on it.
    currency: for own-money payments (None: the programme's, else the platform's).
    """

    payment_id: int
    patient_party_id: int
    provider_party_id: int
    items: tuple[PricedItem, ...]
    programme_id: int | None = None
    service_date: date | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class PaidPart:
    """What one source paid (or holds reserved) for a payment.

    source: the funding source.
    programme_id: its programme (0 for own money).
    account_id: the wallet account.
    ledger: the ledger it moved on.
    amount: minor units.
    transfer_id: the ledger transfer.
    """

    source: FundingSource
    programme_id: int
    account_id: int
    ledger: int
    amount: int
    transfer_id: int


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """The outcome of a payment, a reservation or its settlement.

    payment_id: the caller's id.
    status: ``PaymentStatus``.
    patient_party_id, provider_party_id: who paid whom.
    programme_id: the programme (None for own money).
    currency: ISO code.
    service_date: the day of the service.
    total: minor units paid (or reserved; after settlement, what was posted).
    copay: the patient's co-pay share within ``total``.
    shortfall: the programme's share its money could not cover, paid by the patient.
    items: the priced items.
    parts: which source paid (or holds) how much; they sum to ``total``.
    refusal: why nothing moved (status REFUSED, or a refused settlement).
    replayed: True when this id had been handled before and nothing moved now.
    """

    payment_id: int
    status: PaymentStatus
    patient_party_id: int
    provider_party_id: int
    programme_id: int | None
    currency: str
    service_date: date
    total: int
    copay: int
    shortfall: int
    items: tuple[PricedItem, ...]
    parts: tuple[PaidPart, ...] = ()
    refusal: PaymentRefusal | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def by_source(self) -> dict[FundingSource, int]:
        """Minor units paid per funding source (sources that paid nothing are left out)."""
        out: dict[FundingSource, int] = {}
        for p in self.parts:
            out[p.source] = out.get(p.source, 0) + p.amount
        return out

    def line_copay(self) -> list[int]:
        """The co-pay attributed to each item (largest remainder: sums to ``copay``)."""
        if not self.copay or not self.items:
            return [0] * len(self.items)
        return allocate(self.copay, [i.amount for i in self.items])


_SHOWN_PHASE = {
    "planned": "pay",
    "paid": "pay",
    "reserving": "reserve",
    "reserved": "reserve",
    "releasing": "reserve",
    "released": "reserve",
    "expired": "reserve",
    "settling": "settle",
    "settled": "settle",
}
_STATUS = {
    "paid": PaymentStatus.PAID,
    "reserved": PaymentStatus.RESERVED,
    "settled": PaymentStatus.SETTLED,
    "released": PaymentStatus.RELEASED,
    "expired": PaymentStatus.EXPIRED,
}


def result_of(
    p: StoredPayment, *, replayed: bool = False, refusal: PaymentRefusal | None = None
) -> PaymentResult:
    phase = _SHOWN_PHASE.get(p.status)
    parts = tuple(
        PaidPart(x.source, x.programme_id, x.account_id, x.ledger, x.amount, x.transfer_id)
        for x in p.parts
        if x.phase == phase and x.amount > 0
    )
    status = _STATUS.get(p.status, PaymentStatus.RESERVED)
    if p.status == "refused":
        status, parts = PaymentStatus.REFUSED, ()
    return PaymentResult(
        p.id,
        status,
        p.patient_party_id,
        p.provider_party_id,
        p.programme_id or None,
        p.currency,
        p.service_date,
        p.total,
        p.copay,
        p.shortfall,
        p.items,
        parts,
        refusal,
        replayed,
    )


def refused(r: PaymentRequest, currency: str, on: date, refusal: PaymentRefusal) -> PaymentResult:
    total = sum(i.amount for i in r.items)
    return PaymentResult(
        r.payment_id,
        PaymentStatus.REFUSED,
        r.patient_party_id,
        r.provider_party_id,
        r.programme_id,
        currency,
        on,
        total,
        0,
        0,
        r.items,
        (),
        refusal,
    )
