"""Provider payouts: each provider's posted receivable moves to its settlement account.

One run covers every provider (or those named) on every ledger, in batches; a line per
(provider, ledger). The run id makes it idempotent: the plan is written down before any
money moves, a repeated run returns the stored lines, and an interrupted run resubmits the
same transfers (ids derived from the run and the account). Only posted money is paid out:
reservations still pending at the clinic stay until they are settled. Where the provider's
payout target is a mobile-money number and a gateway is given, the money is also
disbursed through it after the ledger has recorded the payout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from thamani.channels.mobile_money import Disbursement, MobileMoneyGateway
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import InvalidInput
from thamani.ledger.codes import TransferCode
from thamani.ledger.ids import derived_id, from_bytes, to_bytes
from thamani.ledger.records import BATCH_MAX, Transfer
from thamani.wallets import store
from thamani.wallets.accounts import RECEIVABLE, SETTLEMENT
from thamani.wallets.context import WalletContext
from thamani.wallets.phones import normalise_phone

METHODS = ("bank", "mobile_money")


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """One provider's payout on one ledger.

    provider_party_id, provider_name: who is paid.
    ledger, currency: where the money was.
    amount: minor units paid out.
    transfer_id: the ledger transfer (receivable to settlement).
    result: the ledger's answer (``ok``/``exists`` mean paid).
    method, target: where it goes outside the platform (None when no target is set).
    """

    provider_party_id: int
    provider_name: str
    ledger: int
    currency: str
    amount: int
    transfer_id: int
    result: str
    method: str | None
    target: str | None

    @property
    def paid(self) -> bool:
        return self.result in ("ok", "exists")


@dataclass(frozen=True, slots=True)
class PayoutRun:
    """A payout run and its lines (the payout statement).

    run_id: the caller's id for the run.
    lines: one per (provider, ledger) that had money to pay out.
    replayed: True when the run had been done before and nothing moved now.
    """

    run_id: str
    lines: tuple[PayoutLine, ...]
    replayed: bool = False

    def totals(self) -> dict[str, int]:
        """Paid out per currency."""
        out: dict[str, int] = {}
        for x in self.lines:
            if x.paid:
                out[x.currency] = out.get(x.currency, 0) + x.amount
        return out


def set_payout_target(ctx: WalletContext, provider_id: int, method: str, reference: str) -> None:
    """Where a provider's payouts go: a bank account number or a mobile-money phone."""
    if method not in METHODS:
        raise InvalidInput(f"method must be one of {', '.join(METHODS)}", where="method")
    ref = normalise_phone(reference, where="reference") if method == "mobile_money" else reference
    if not ref.strip():
        raise InvalidInput("a payout target needs a reference", where="reference")
    ctx.parties.get(provider_id)
    with write_transaction(ctx.engine) as conn:
        store.set_payout_target(conn, provider_id, method, ref.strip()[:64], ctx.now())


def stored_run(ctx: WalletContext, run_id: str) -> PayoutRun | None:
    with read_transaction(ctx.engine) as conn:
        found = store.payout_run(conn, run_id)
        if found is None:
            return None
        run, rows = found
        names = store.party_names(conn, [r.provider_party_id for r in rows])
    lines = tuple(
        PayoutLine(
            r.provider_party_id,
            names.get(r.provider_party_id, ""),
            r.ledger,
            r.currency,
            r.amount,
            from_bytes(r.transfer_id),
            r.result,
            r.method,
            r.target,
        )
        for r in rows
    )
    return PayoutRun(run_id, lines, replayed=run.status == "done")


def run_payouts(
    ctx: WalletContext,
    run_id: str,
    provider_ids: Sequence[int] | None = None,
    gateway: MobileMoneyGateway | None = None,
) -> PayoutRun:
    """Pay out every posted receivable balance (of ``provider_ids``, or of all providers)."""
    run_id = run_id.strip()
    if not run_id or len(run_id) > 64:
        raise InvalidInput("a payout run needs an id of 1 to 64 characters", where="run_id")
    done = stored_run(ctx, run_id)
    if done is not None and done.replayed:
        return done
    if done is None:
        with read_transaction(ctx.engine) as conn:
            accts = (
                store.all_provider_accounts(conn)
                if provider_ids is None
                else store.provider_accounts_of(conn, provider_ids)
            )
            currencies = store.ledger_currencies(conn)
            targets = store.payout_targets_of(conn, {k[0] for k in accts})
        receivables = {(p, led): a for (p, led, role), a in accts.items() if role == RECEIVABLE}
        balances = {a.id: a for a in ctx.ledger.accounts(list(receivables.values()))}
        planned = []
        for (provider, ledger), rec in sorted(receivables.items()):
            a = balances.get(rec)
            amount = a.credits_posted - a.debits_posted - a.debits_pending if a else 0
            if amount <= 0:
                continue
            method, target = targets.get(provider, (None, None))
            planned.append(
                {
                    "provider_party_id": provider,
                    "ledger": ledger,
                    "currency": currencies.get(ledger, "XXX"),
                    "receivable_account_id": to_bytes(rec),
                    "settlement_account_id": to_bytes(accts[(provider, ledger, SETTLEMENT)]),
                    "transfer_id": to_bytes(derived_id("thamani.wallets.payout", run_id, rec)),
                    "amount": amount,
                    "result": "planned",
                    "method": method,
                    "target": target,
                }
            )
        with write_transaction(ctx.engine) as conn:
            store.insert_payout_run(conn, run_id, planned, ctx.now())
    with read_transaction(ctx.engine) as conn:
        found = store.payout_run(conn, run_id)
    assert found is not None
    rows = found[1]
    transfers = [
        Transfer(
            from_bytes(r.transfer_id),
            from_bytes(r.receivable_account_id),
            from_bytes(r.settlement_account_id),
            r.amount,
            r.ledger,
            int(TransferCode.PAYOUT),
            user_data_128=derived_id("thamani.wallets.payout-run", run_id),
            user_data_64=r.provider_party_id,
        )
        for r in rows
    ]
    results: dict[bytes, str] = {}
    for start in range(0, len(transfers), BATCH_MAX):
        chunk = transfers[start : start + BATCH_MAX]
        for t, res in zip(chunk, ctx.ledger.create_transfers(chunk), strict=True):
            results[to_bytes(t.id)] = res.value
    entries = [
        store.Entry(
            from_bytes(r.transfer_id), "payout", None, r.provider_party_id, None, 0, None, run_id
        )
        for r in rows
    ]
    with write_transaction(ctx.engine) as conn:
        store.insert_entries(conn, entries, ctx.now())
        store.finish_payout_run(conn, run_id, results, ctx.now())
    out = stored_run(ctx, run_id)
    assert out is not None
    if gateway is not None:
        orders = [
            Disbursement(str(x.transfer_id), x.target, x.amount, x.currency, f"payout {run_id}")
            for x in out.lines
            if x.paid and x.method == "mobile_money" and x.target
        ]
        if orders:
            gateway.disburse(orders)
    return PayoutRun(run_id, out.lines, replayed=False)
