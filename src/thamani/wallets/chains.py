"""Payments on the ledger: each phase of a payment is one linked chain of transfers, one per
paying account, each on its own ledger, all or nothing.

Transfer ids are derived from the payment id, the phase and the part's place, so a retry
resubmits the same transfers and the ledger answers ``exists``. Fields: ``user_data_128``
= the payment id, ``user_data_64`` = the programme (0 for own money), ``user_data_32`` =
the funding source's number.
"""

from __future__ import annotations

from collections.abc import Sequence

from thamani.ledger.codes import TransferCode
from thamani.ledger.ids import derived_id
from thamani.ledger.records import BATCH_MAX, Transfer, TransferFlags
from thamani.ledger.results import TransferResult
from thamani.wallets.context import WalletContext
from thamani.wallets.drawdown import PaymentRefusal
from thamani.wallets.store import StoredPayment

LINKED = int(TransferFlags.LINKED)
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING_TRANSFER)
VOID = int(TransferFlags.VOID_PENDING_TRANSFER)


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
