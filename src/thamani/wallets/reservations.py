"""Settling and releasing reservations (pre-authorisations made at check-in).

A reservation holds the money of each source as a pending transfer. Settling re-plans the
final bill with each source capped at what it holds (the bill may only shrink) and posts
each pending transfer for its new amount, voiding those that pay nothing; releasing voids
them all. Both run as one linked chain, are written down before they are submitted, and are
idempotent: settling or releasing twice returns the first outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Conflict, NotFound
from thamani.ledger.results import TransferResult
from thamani.wallets import store
from thamani.wallets.chains import chain, chain_failure, ledger_refusal, submit_chains, transfer_id
from thamani.wallets.context import WalletContext
from thamani.wallets.drawdown import Funds, PaymentRefusal, plan_payment
from thamani.wallets.payments import OWN_MONEY_RULE
from thamani.wallets.records import PricedItem
from thamani.wallets.results import PaymentResult, result_of
from thamani.wallets.store import StoredPart, StoredPayment


def _load(ctx: WalletContext, reservation_id: int) -> StoredPayment:
    with read_transaction(ctx.engine) as conn:
        found = store.load_payments(conn, [reservation_id]).get(reservation_id)
    if found is None or found.kind != "reservation":
        raise NotFound(f"reservation {reservation_id} not found", code="reservation_not_found")
    return found


def _refusal(p: StoredPayment, code: str, message: str) -> PaymentResult:
    return result_of(p, refusal=PaymentRefusal(code, message))


def _finish(
    ctx: WalletContext,
    p: StoredPayment,
    phase: str,
    results: Sequence[TransferResult],
    *,
    final: str,
    resumed: bool,
    restore: StoredPayment | None = None,
) -> PaymentResult:
    """Record how a settle or release chain went. On failure its rows are removed and the
    reservation's own totals and items come back (``restore``, or the stored ones)."""
    bad = chain_failure(results)
    now = ctx.now()
    with write_transaction(ctx.engine) as conn:
        if bad is None:
            store.set_payment_status(conn, [p.id], final, now)
        else:
            store.delete_parts(conn, p.id, phase)
            expired = bad is TransferResult.PENDING_TRANSFER_EXPIRED
            back = restore or p
            held = sum(x.amount for x in p.parts if x.phase == "reserve")
            store.set_payment_status(
                conn,
                [p.id],
                "expired" if expired else "reserved",
                now,
                totals=(held, back.copay, back.shortfall),
                items=back.items,
            )
    with read_transaction(ctx.engine) as conn:
        stored = store.load_payments(conn, [p.id])[p.id]
    if bad is None:
        return result_of(
            stored, replayed=resumed and all(r is TransferResult.EXISTS for r in results)
        )
    if bad is TransferResult.PENDING_TRANSFER_EXPIRED:
        return _refusal(stored, "reservation_expired", "the reservation expired before this")
    return result_of(stored, refusal=ledger_refusal(bad))


def settle(
    ctx: WalletContext, reservation_id: int, items: Sequence[PricedItem] | None = None
) -> PaymentResult:
    """Post a reservation for the final bill (the same items, or fewer or cheaper ones).

    Returns the parts as posted; a bill larger than the reservation, or one the earmark
    refuses, is a refusal value and the reservation stays as it was.
    """
    p = _load(ctx, reservation_id)
    if p.status == "settled":
        return result_of(p, replayed=True)
    if p.status in ("released", "releasing"):
        return _refusal(p, "reservation_released", "the reservation was released")
    if p.status == "expired":
        return _refusal(p, "reservation_expired", "the reservation expired")
    if p.status == "settling":
        return _finish(
            ctx,
            p,
            "settle",
            submit_chains(ctx, [chain(p, "settle")])[0],
            final="settled",
            resumed=True,
        )
    final_items = tuple(items) if items is not None else p.items
    held = [x for x in p.parts if x.phase == "reserve"]
    total = sum(i.amount for i in final_items)
    reserved = sum(x.amount for x in held)
    if total > reserved:
        return _refusal(
            p,
            "exceeds_reservation",
            f"the bill of {total} is more than the {reserved} reserved",
        )
    with read_transaction(ctx.engine) as conn:
        prog = store.programmes(conn, [p.programme_id]).get(p.programme_id)
    plan = plan_payment(
        final_items,
        [Funds(x.source, x.programme_id, x.account_id, x.ledger, x.amount) for x in held],
        rule=prog.rule if prog else OWN_MONEY_RULE,
        provider_party_id=p.provider_party_id,
        on=p.service_date,
        programme_id=p.programme_id or None,
        earmark=prog.earmark if prog else None,
    )
    if isinstance(plan, PaymentRefusal):
        return result_of(p, refusal=plan)
    posted = {x.account_id: x.amount for x in plan.parts}
    rows = [
        StoredPart(
            "settle",
            k,
            transfer_id(p.id, "settle", k),
            x.transfer_id,
            x.source,
            x.programme_id,
            x.account_id,
            x.provider_account_id,
            x.ledger,
            posted.get(x.account_id, 0),
        )
        for k, x in enumerate(held)
    ]
    totals = (plan.total, plan.copay, plan.shortfall)
    with write_transaction(ctx.engine) as conn:
        current = store.load_payments(conn, [p.id])[p.id]
        if current.status != "reserved":
            raise Conflict(
                f"reservation {p.id} is being {current.status} by another call",
                code="reservation_busy",
            )
        store.insert_parts(conn, [(p.id, x) for x in rows])
        store.set_payment_status(
            conn, [p.id], "settling", ctx.now(), totals=totals, items=final_items
        )
    with_rows = StoredPayment(
        p.id,
        p.kind,
        "settling",
        p.patient_party_id,
        p.provider_party_id,
        p.programme_id,
        p.currency,
        p.service_date,
        *totals,
        final_items,
        p.timeout,
        p.created_at,
        (*p.parts, *rows),
    )
    results = submit_chains(ctx, [chain(with_rows, "settle")])[0]
    return _finish(
        ctx,
        with_rows,
        "settle",
        results,
        final="settled",
        resumed=False,
        restore=p,
    )


def release(ctx: WalletContext, reservation_id: int) -> PaymentResult:
    """Void every part of a reservation: the money returns to the patient's sources."""
    p = _load(ctx, reservation_id)
    if p.status == "released":
        return result_of(p, replayed=True)
    if p.status in ("settled", "settling"):
        return _refusal(p, "reservation_settled", "the reservation was settled")
    if p.status == "expired":
        return _refusal(p, "reservation_expired", "the reservation expired")
    if p.status != "releasing":
        held = [x for x in p.parts if x.phase == "reserve"]
        rows = [
            StoredPart(
                "release",
                k,
                transfer_id(p.id, "release", k),
                x.transfer_id,
                x.source,
                x.programme_id,
                x.account_id,
                x.provider_account_id,
                x.ledger,
                0,
            )
            for k, x in enumerate(held)
        ]
        with write_transaction(ctx.engine) as conn:
            store.insert_parts(conn, [(p.id, x) for x in rows])
            store.set_payment_status(conn, [p.id], "releasing", ctx.now())
        p = StoredPayment(
            p.id,
            p.kind,
            "releasing",
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
            (*p.parts, *rows),
        )
    results = submit_chains(ctx, [chain(p, "release")])[0]
    return _finish(ctx, p, "release", results, final="released", resumed=False)
