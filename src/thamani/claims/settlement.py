"""How a claim's money moves: the ``Settlement`` protocol and its direct-ledger form.

The claims room decides *what* is owed; a ``Settlement`` moves it. ``LedgerSettlement``
moves it directly on the ledger:

- **Pre-authorisation** (``reserve``): a pending transfer from the programme's fund to the
  provider's receivable, made at check-in, with the programme's hold as its timeout.
- **Payment** (``pay``): one linked chain per claim, so that it happens whole or not at all:
  the programme's part from its fund to the provider (posting the claim's
  pre-authorisation for what is owed, possibly less than was held, plus a further
  transfer if more is owed than was held; voiding it when nothing is owed), and the
  member's co-pay from the member's wallet to the provider's receivable on the wallet's
  ledger when the member has a wallet (otherwise the co-pay is paid at the desk, outside
  the ledger).
- **Release** (``release``): voids a pre-authorisation's pending transfer.
- **Reversal** (``reverse``): correcting transfers the other way (never an edit), linked.

Transfer ids are derived from the claim id and the purpose, so settling the same claim
again (after a crash, or a retry) can never move money twice: the ledger answers
``exists``.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import ID_MAX, new_id
from thamani.ledger.records import BATCH_MAX, Account, Transfer, TransferFlags
from thamani.ledger.results import TransferResult
from thamani.ledger.service import Ledger

_LINKED = int(TransferFlags.LINKED)
_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID = int(TransferFlags.VOID_PENDING_TRANSFER)


class Purpose(enum.IntEnum):
    """What a transfer made for a claim is for (part of its derived id)."""

    HOLD = 1
    POST = 2
    PAY = 3
    TOP = 4
    CO_PAY = 5
    VOID = 6
    REVERSE = 7
    REVERSE_CO_PAY = 8


def transfer_id(claim_id: int, purpose: Purpose) -> int:
    """The id of the transfer made for a claim and a purpose: the same, always."""
    raw = hashlib.blake2b(
        claim_id.to_bytes(16, "big") + bytes([purpose]), digest_size=16, person=b"thamani-claim"
    ).digest()
    value = int.from_bytes(raw, "big") | 1
    return value if value != ID_MAX else value - 2


@dataclass(frozen=True, slots=True)
class Hold:
    """A pre-authorisation's reservation.

    claim_id: the pre-authorisation's id; its pending transfer's id derives from it.
    ledger: the programme's ledger.
    fund_account_id: the programme's fund.
    receivable_account_id: the provider's receivable on that ledger.
    amount: what to hold, minor units.
    timeout_seconds: how long the hold lasts.
    """

    claim_id: int
    ledger: int
    fund_account_id: int
    receivable_account_id: int
    amount: int
    timeout_seconds: int


@dataclass(frozen=True, slots=True)
class Payment:
    """What one claim pays.

    claim_id: the claim.
    ledger, fund_account_id, receivable_account_id: the programme's ledger and accounts.
    amount: the programme's part, minor units.
    preauth_id: the pre-authorisation the claim is paid under (0: none).
    preauth_amount: what that pre-authorisation holds.
    co_pay: the member's part.
    member_account_id: the member's wallet (0: the co-pay is paid at the desk).
    provider_id: the provider (to find its receivable on the wallet's ledger).
    """

    claim_id: int
    ledger: int
    fund_account_id: int
    receivable_account_id: int
    amount: int
    preauth_id: int = 0
    preauth_amount: int = 0
    co_pay: int = 0
    member_account_id: int = 0
    provider_id: int = 0


@dataclass(frozen=True, slots=True)
class Settled:
    """What became of one hold, payment, release or reversal.

    claim_id: the claim.
    ok: the money moved (or had moved already: a retry).
    result: the ledger's answer for the first transfer that failed, or ``ok``.
    transfer_ids: the transfers made for it.
    """

    claim_id: int
    ok: bool
    result: str
    transfer_ids: tuple[int, ...]


class Settlement(Protocol):
    """Moves claims' money. One result per request, in order."""

    def reserve(self, holds: Sequence[Hold]) -> list[Settled]: ...

    def pay(self, payments: Sequence[Payment]) -> list[Settled]: ...

    def release(self, preauth_ids: Sequence[int]) -> list[Settled]: ...

    def reverse(self, payments: Sequence[Payment]) -> list[Settled]: ...


class LedgerSettlement:
    """``Settlement`` straight on the ledger (see the module's docstring)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._receivables: dict[tuple[int, int], int] = {}
        self._wallet_ledgers: dict[int, int] = {}
        self._lock = threading.Lock()

    def reserve(self, holds: Sequence[Hold]) -> list[Settled]:
        chains = [
            [
                Transfer(
                    transfer_id(h.claim_id, Purpose.HOLD),
                    h.fund_account_id,
                    h.receivable_account_id,
                    h.amount,
                    h.ledger,
                    TransferCode.PRE_AUTHORISATION,
                    _PENDING,
                    timeout=h.timeout_seconds,
                    user_data_128=h.claim_id,
                )
            ]
            for h in holds
        ]
        return self._submit([h.claim_id for h in holds], chains)

    def pay(self, payments: Sequence[Payment]) -> list[Settled]:
        self._prepare_co_pays(payments)
        chains = [self._payment_chain(p) for p in payments]
        return self._submit([p.claim_id for p in payments], chains)

    def release(self, preauth_ids: Sequence[int]) -> list[Settled]:
        chains = [
            [
                Transfer(
                    transfer_id(pid, Purpose.VOID),
                    flags=_VOID,
                    pending_id=transfer_id(pid, Purpose.HOLD),
                    user_data_128=pid,
                )
            ]
            for pid in preauth_ids
        ]
        return self._submit(list(preauth_ids), chains)

    def reverse(self, payments: Sequence[Payment]) -> list[Settled]:
        self._prepare_co_pays(payments)
        chains = []
        for p in payments:
            chain = []
            if p.amount:
                chain.append(
                    Transfer(
                        transfer_id(p.claim_id, Purpose.REVERSE),
                        p.receivable_account_id,
                        p.fund_account_id,
                        p.amount,
                        p.ledger,
                        TransferCode.CORRECTION,
                        user_data_128=p.claim_id,
                    )
                )
            co = self._co_pay_accounts(p)
            if co is not None:
                wallet, receivable, ledger = co
                chain.append(
                    Transfer(
                        transfer_id(p.claim_id, Purpose.REVERSE_CO_PAY),
                        receivable,
                        wallet,
                        p.co_pay,
                        ledger,
                        TransferCode.REFUND,
                        user_data_128=p.claim_id,
                    )
                )
            chains.append(chain)
        return self._submit([p.claim_id for p in payments], chains)

    # -- internals ----------------------------------------------------------------------

    def _payment_chain(self, p: Payment) -> list[Transfer]:
        chain: list[Transfer] = []
        if p.preauth_id:
            held = transfer_id(p.preauth_id, Purpose.HOLD)
            if p.amount == 0:
                chain.append(
                    Transfer(
                        transfer_id(p.claim_id, Purpose.VOID),
                        flags=_VOID,
                        pending_id=held,
                        user_data_128=p.claim_id,
                    )
                )
            else:
                posted = min(p.amount, p.preauth_amount)
                chain.append(
                    Transfer(
                        transfer_id(p.claim_id, Purpose.POST),
                        p.fund_account_id,
                        p.receivable_account_id,
                        posted,
                        p.ledger,
                        TransferCode.PRE_AUTHORISATION,
                        _POST,
                        pending_id=held,
                        user_data_128=p.claim_id,
                    )
                )
                if p.amount > posted:
                    chain.append(self._pay(p, p.amount - posted, Purpose.TOP))
        elif p.amount:
            chain.append(self._pay(p, p.amount, Purpose.PAY))
        co = self._co_pay_accounts(p)
        if co is not None:
            wallet, receivable, ledger = co
            chain.append(
                Transfer(
                    transfer_id(p.claim_id, Purpose.CO_PAY),
                    wallet,
                    receivable,
                    p.co_pay,
                    ledger,
                    TransferCode.CO_PAY,
                    user_data_128=p.claim_id,
                )
            )
        return chain

    @staticmethod
    def _pay(p: Payment, amount: int, purpose: Purpose) -> Transfer:
        return Transfer(
            transfer_id(p.claim_id, purpose),
            p.fund_account_id,
            p.receivable_account_id,
            amount,
            p.ledger,
            TransferCode.CLAIM_PAYMENT,
            user_data_128=p.claim_id,
        )

    def _co_pay_accounts(self, p: Payment) -> tuple[int, int, int] | None:
        if not p.co_pay or not p.member_account_id:
            return None
        ledger = self._wallet_ledgers.get(p.member_account_id)
        if ledger is None:
            return None
        receivable = self._receivables.get((p.provider_id, ledger))
        if receivable is None:
            return None
        return p.member_account_id, receivable, ledger

    def _prepare_co_pays(self, payments: Sequence[Payment]) -> None:
        """Find the wallets' ledgers and open the providers' receivables on them."""
        wallets = {p.member_account_id for p in payments if p.co_pay and p.member_account_id}
        with self._lock:
            unknown = [w for w in wallets if w not in self._wallet_ledgers]
            if unknown:
                for a in self.ledger.accounts(unknown):
                    self._wallet_ledgers[a.id] = a.ledger
            needed = {
                (p.provider_id, self._wallet_ledgers[p.member_account_id])
                for p in payments
                if p.co_pay and p.member_account_id in self._wallet_ledgers
            }
            to_open = []
            for provider, ledger in needed - set(self._receivables):
                found = [
                    a
                    for a in self.ledger.accounts_of(
                        provider, ledger=ledger, code=int(AccountCode.PROVIDER_RECEIVABLE)
                    )
                    if a.owner_party_id == provider
                ]
                if found:
                    self._receivables[(provider, ledger)] = found[0].id
                else:
                    acct = Account(
                        new_id(), ledger, AccountCode.PROVIDER_RECEIVABLE, owner_party_id=provider
                    )
                    to_open.append(acct)
                    self._receivables[(provider, ledger)] = acct.id
            if to_open:
                self.ledger.create_accounts(to_open)

    def _submit(self, claim_ids: list[int], chains: list[list[Transfer]]) -> list[Settled]:
        """Submit chains (each linked inside) in ledger batches; one outcome per chain."""
        out: list[Settled] = []
        batch: list[Transfer] = []
        spans: list[tuple[int, int, int]] = []

        def flush() -> None:
            results = self.ledger.create_transfers(batch) if batch else []
            for cid, start, end in spans:
                out.append(_outcome(cid, batch[start:end], results[start:end]))
            batch.clear()
            spans.clear()

        for cid, chain in zip(claim_ids, chains, strict=True):
            if len(batch) + len(chain) > BATCH_MAX:
                flush()
            if not chain:
                spans.append((cid, len(batch), len(batch)))
                continue
            start = len(batch)
            for k, t in enumerate(chain):
                last = k == len(chain) - 1
                batch.append(t if last else _with_flags(t, t.flags | _LINKED))
            spans.append((cid, start, len(batch)))
        flush()
        return out


def _with_flags(t: Transfer, flags: int) -> Transfer:
    return Transfer(
        t.id,
        t.debit_account_id,
        t.credit_account_id,
        t.amount,
        t.ledger,
        t.code,
        flags,
        t.pending_id,
        t.timeout,
        t.user_data_128,
        t.user_data_64,
        t.user_data_32,
    )


def _outcome(cid: int, chain: list[Transfer], results: list[TransferResult]) -> Settled:
    ids = tuple(t.id for t in chain)
    for r in results:
        if not r.recorded and r is not TransferResult.LINKED_EVENT_FAILED:
            return Settled(cid, False, r.value, ids)
    if all(r.recorded for r in results):
        return Settled(cid, True, "ok", ids)
    return Settled(cid, False, TransferResult.LINKED_EVENT_FAILED.value, ids)
