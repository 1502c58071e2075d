"""Paying a provider from a patient's wallet: plan, record, move, confirm.

A payment (or a reservation at check-in) is planned by ``drawdown.plan_payment``, written
down with its parts (status ``planned``/``reserving``) and then moved on the ledger as one
linked chain: one transfer per paying account, each on its own ledger, all or nothing.
Transfer ids are derived from the payment id, the phase and the part's place, so the same
payment id pays once: a replay returns the stored result, and a call interrupted after the
plan was written resubmits the same transfers (the ledger answers ``exists``).

Transfer fields: ``user_data_128`` = the payment id, ``user_data_64`` = the programme (0 for
own money), ``user_data_32`` = the funding source's number.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import InvalidInput
from thamani.ledger.codes import TransferCode
from thamani.ledger.ids import derived_id
from thamani.ledger.records import BATCH_MAX, Transfer, TransferFlags
from thamani.ledger.results import TransferResult
from thamani.money import allocate
from thamani.money import currency as lookup_currency
from thamani.wallets import store
from thamani.wallets.accounts import provider_accounts
from thamani.wallets.context import WalletContext
from thamani.wallets.drawdown import Funds, PaymentPlan, PaymentRefusal, plan_payment
from thamani.wallets.records import DrawDownRule, FundingSource, PricedItem, ProgrammeFunding
from thamani.wallets.store import StoredPart, StoredPayment

LINKED = int(TransferFlags.LINKED)
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING_TRANSFER)
VOID = int(TransferFlags.VOID_PENDING_TRANSFER)

#: Seconds a reservation holds the money before the ledger releases it by itself.
DEFAULT_RESERVATION_SECONDS = 7 * 86_400

#: The rule for payments that name no programme: family money first, savings last.
OWN_MONEY_RULE = DrawDownRule()


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


# -- reading back ---------------------------------------------------------------------

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


# -- the ledger side ------------------------------------------------------------------


def transfer_id(payment_id: int, phase: str, seq: int) -> int:
    return derived_id("thamani.wallets.payment", payment_id, phase, seq)


def chain(p: StoredPayment, phase: str) -> list[Transfer]:
    """The linked chain of transfers for one phase of a payment."""
    parts = [x for x in p.parts if x.phase == phase]
    out = []
    for k, x in enumerate(parts):
        linked = LINKED if k < len(parts) - 1 else 0
        ud = (p.id, x.programme_id, x.source.number)
        if phase in ("pay", "reserve"):
            if phase == "pay":
                code = TransferCode.CO_PAY if x.source.is_own else TransferCode.CLAIM_PAYMENT
                flags, timeout = linked, 0
            else:
                code, flags, timeout = TransferCode.PRE_AUTHORISATION, linked | PENDING, p.timeout
            out.append(
                Transfer(
                    x.transfer_id,
                    x.account_id,
                    x.provider_account_id,
                    x.amount,
                    x.ledger,
                    int(code),
                    flags,
                    0,
                    timeout,
                    *ud,
                )
            )
        else:
            resolve = POST if phase == "settle" and x.amount > 0 else VOID
            out.append(
                Transfer(
                    x.transfer_id,
                    amount=x.amount if resolve == POST else 0,
                    flags=linked | resolve,
                    pending_id=x.pending_id,
                    user_data_128=ud[0],
                    user_data_64=ud[1],
                    user_data_32=ud[2],
                )
            )
    return out


def submit_chains(
    ctx: WalletContext, chains: Sequence[list[Transfer]]
) -> list[list[TransferResult]]:
    """Submit linked chains in as few ledger batches as fit; one result list per chain."""
    out: list[list[TransferResult]] = []
    batch: list[Transfer] = []
    sizes: list[int] = []

    def flush() -> None:
        if not batch:
            return
        results = ctx.ledger.create_transfers(batch)
        at = 0
        for n in sizes:
            out.append(results[at : at + n])
            at += n
        batch.clear()
        sizes.clear()

    for c in chains:
        if len(batch) + len(c) > BATCH_MAX:
            flush()
        batch.extend(c)
        sizes.append(len(c))
    flush()
    return out


def chain_failure(results: Sequence[TransferResult]) -> TransferResult | None:
    """None when every transfer is recorded, else the result that failed the chain."""
    if all(r.recorded for r in results):
        return None
    for r in results:
        if not r.recorded and r is not TransferResult.LINKED_EVENT_FAILED:
            return r
    return TransferResult.LINKED_EVENT_FAILED


def ledger_refusal(r: TransferResult) -> PaymentRefusal:
    if r is TransferResult.EXCEEDS_CREDITS:
        return PaymentRefusal(
            "insufficient_funds", "a source no longer has the money (it was spent meanwhile)"
        )
    return PaymentRefusal("ledger_refused", f"the ledger refused the payment: {r.value}")


# -- paying and reserving -------------------------------------------------------------


@dataclass(slots=True)
class _World:
    """What planning a batch needs, read once."""

    sources: dict[int, list[Funds]]
    programmes: dict[int, ProgrammeFunding]
    savings: dict[str, int]


def _read_world(ctx: WalletContext, requests: Sequence[PaymentRequest]) -> _World:
    with read_transaction(ctx.engine) as conn:
        progs = store.programmes(conn, [r.programme_id or 0 for r in requests])
        by_patient = store.sources_of(conn, [r.patient_party_id for r in requests])
        savings = {cur: led for led, cur in store.savings_ledgers(conn).items()}
    ids = [s.account_id for srcs in by_patient.values() for s in srcs]
    balances = {a.id: a.available for a in ctx.ledger.accounts(ids)}
    funds = {
        pid: [
            Funds(s.source, s.programme_id, s.account_id, s.ledger, balances.get(s.account_id, 0))
            for s in srcs
        ]
        for pid, srcs in by_patient.items()
    }
    return _World(funds, progs, savings)


def _same(p: StoredPayment, r: PaymentRequest, kind: str) -> bool:
    return (
        p.kind == kind
        and p.patient_party_id == r.patient_party_id
        and p.provider_party_id == r.provider_party_id
        and (p.programme_id or None) == r.programme_id
        and p.items == r.items
    )


def make_payments(
    ctx: WalletContext,
    requests: Sequence[PaymentRequest],
    *,
    reserve: bool = False,
    timeout: int = DEFAULT_RESERVATION_SECONDS,
) -> list[PaymentResult]:
    """Pay (or reserve) a batch of bills; one result per request, in order."""
    ids = [r.payment_id for r in requests]
    if len(set(ids)) != len(ids):
        raise InvalidInput("a batch names the same payment id twice", code="duplicate_payment")
    for r in requests:
        if not 0 < r.payment_id < 2**128 - 1:
            raise InvalidInput(f"payment id {r.payment_id} is not a 128-bit id")
    if reserve and timeout < 0:
        raise InvalidInput("a reservation's timeout cannot be negative", where="timeout")
    for _attempt in range(3):
        try:
            return _make_payments(ctx, requests, reserve=reserve, timeout=timeout)
        except SQLIntegrityError:
            continue  # another caller recorded one of these ids meanwhile: read them again
    return _make_payments(ctx, requests, reserve=reserve, timeout=timeout)


def _make_payments(
    ctx: WalletContext, requests: Sequence[PaymentRequest], *, reserve: bool, timeout: int
) -> list[PaymentResult]:
    kind, phase = ("reservation", "reserve") if reserve else ("payment", "pay")
    with read_transaction(ctx.engine) as conn:
        existing = store.load_payments(conn, [r.payment_id for r in requests])
    results: dict[int, PaymentResult] = {}
    resume: list[StoredPayment] = []
    fresh: list[PaymentRequest] = []
    today = ctx.today()
    for r in requests:
        e = existing.get(r.payment_id)
        if e is None:
            fresh.append(r)
        elif not _same(e, r, kind):
            results[r.payment_id] = refused(
                r,
                e.currency,
                e.service_date,
                PaymentRefusal(
                    "payment_id_reused",
                    f"payment id {r.payment_id} was used for a different {e.kind}",
                ),
            )
        elif e.status in ("planned", "reserving"):
            resume.append(e)
        else:
            results[r.payment_id] = result_of(e, replayed=True)
    world = _read_world(ctx, fresh) if fresh else _World({}, {}, {})
    planned: list[tuple[PaymentRequest, str, date, PaymentPlan]] = []
    used: dict[int, int] = {}
    for r in fresh:
        on = r.service_date or today
        prog = world.programmes.get(r.programme_id) if r.programme_id else None
        cur = prog.currency if prog else lookup_currency(r.currency or ctx.settings.currency).code
        if r.programme_id and prog is None:
            results[r.payment_id] = refused(
                r,
                cur,
                on,
                PaymentRefusal("programme_not_found", f"programme {r.programme_id} is unknown"),
            )
            continue
        if r.currency and lookup_currency(r.currency).code != cur:
            raise InvalidInput(
                f"payment {r.payment_id} is in {r.currency} but programme"
                f" {r.programme_id} pays in {cur}",
                where="currency",
            )
        if not world.sources.get(r.patient_party_id):
            results[r.payment_id] = refused(
                r,
                cur,
                on,
                PaymentRefusal("wallet_not_found", f"patient {r.patient_party_id} has no wallet"),
            )
            continue
        savings = world.savings.get(cur)
        funds = [
            Funds(
                f.source,
                f.programme_id,
                f.account_id,
                f.ledger,
                f.available - used.get(f.account_id, 0),
            )
            for f in world.sources[r.patient_party_id]
            if (f.source.is_own and f.ledger == savings)
            or (prog is not None and f.programme_id == prog.programme_id)
        ]
        plan = plan_payment(
            r.items,
            funds,
            rule=prog.rule if prog else OWN_MONEY_RULE,
            provider_party_id=r.provider_party_id,
            on=on,
            programme_id=r.programme_id,
            earmark=prog.earmark if prog else None,
        )
        if isinstance(plan, PaymentRefusal):
            results[r.payment_id] = refused(r, cur, on, plan)
            continue
        for part in plan.parts:
            used[part.account_id] = used.get(part.account_id, 0) + part.amount
        planned.append((r, cur, on, plan))
    receivables = provider_accounts(
        ctx,
        {(r.provider_party_id, part.ledger) for r, _, _, plan in planned for part in plan.parts},
    )
    new: list[StoredPayment] = []
    for r, cur, on, plan in planned:
        parts = tuple(
            StoredPart(
                phase,
                k,
                transfer_id(r.payment_id, phase, k),
                0,
                x.source,
                x.programme_id,
                x.account_id,
                receivables[(r.provider_party_id, x.ledger)][0],
                x.ledger,
                x.amount,
            )
            for k, x in enumerate(plan.parts)
        )
        new.append(
            StoredPayment(
                r.payment_id,
                kind,
                "reserving" if reserve else "planned",
                r.patient_party_id,
                r.provider_party_id,
                r.programme_id or 0,
                cur,
                on,
                plan.total,
                plan.copay,
                plan.shortfall,
                r.items,
                timeout if reserve else 0,
                ctx.now(),
                parts,
            )
        )
    if new:
        with write_transaction(ctx.engine) as conn:
            store.insert_payments(conn, new, ctx.now())
    todo = [*resume, *new]
    outcomes = submit_chains(ctx, [chain(p, phase) for p in todo])
    done: list[StoredPayment] = []
    untouched: set[int] = set()  # resumed payments whose transfers were all there already
    failed: list[tuple[StoredPayment, TransferResult]] = []
    for p, res in zip(todo, outcomes, strict=True):
        bad = chain_failure(res)
        if bad is None:
            done.append(p)
            if all(r is TransferResult.EXISTS for r in res):
                untouched.add(p.id)
        else:
            failed.append((p, bad))
    final = "reserved" if reserve else "paid"
    with write_transaction(ctx.engine) as conn:
        store.set_payment_status(conn, [p.id for p in done], final, ctx.now())
        store.delete_payments(conn, [p.id for p, _ in failed])
    for p in done:
        results[p.id] = result_of(_with_status(p, final), replayed=p.id in untouched)
    for p, bad in failed:
        results[p.id] = result_of(_with_status(p, "refused"), refusal=ledger_refusal(bad))
    return [results[r.payment_id] for r in requests]


def _with_status(p: StoredPayment, status: str) -> StoredPayment:
    return StoredPayment(
        p.id,
        p.kind,
        status,
        p.patient_party_id,
        p.provider_party_id,
        p.programme_id,
        p.currency,
        p.service_date,
        p.total,
        p.copay,
        p.shortfall,
        p.items,
        p.timeout,
        p.created_at,
        p.parts,
    )
