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
- **Release** (``release``, and ``settle``'s ``releases`` for a rejected claim made under a
  pre-authorisation): voids a pre-authorisation's pending transfer.
- **Reversal** (``reverse``): correcting transfers the other way (never an edit), linked.

Every call takes a *recorder*: a function that writes the claims' own rows (their status,
their lines, the usage counters) and that runs inside the very transaction that commits
the money. A claim and its payment are stored together or not at all; there is no moment
when one exists without the other. Each call is one ledger batch, so it holds at most
8,190 transfers (the longest chain, three).

Transfer ids are derived from the claim id and the purpose, so settling the same claim
again (a retry) can never move money twice: the ledger answers ``exists``.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.machine import TransferBatch
from thamani.ledger.records import BATCH_MAX, Account, Transfer, TransferFlags
from thamani.ledger.results import TransferResult
from thamani.ledger.service import Ledger
from thamani.records import quick_init

#: The longest chain a claim makes: post a pre-authorisation, pay the rest, take a co-pay.
LONGEST_CHAIN = 3
#: Claims one call may settle (one ledger batch).
MAX_CHAINS = BATCH_MAX // LONGEST_CHAIN

_LINKED = int(TransferFlags.LINKED)
_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
_CLAIM_PAYMENT = TransferCode.CLAIM_PAYMENT


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
    SECONDARY = 9
    """A historical claim's payment by its secondary payer."""


def transfer_id(claim_id: int, purpose: Purpose) -> int:
    """The id of the transfer made for a claim and a purpose: the same, always.

    The claim's id with its lowest four bits replaced by the purpose. Claim ids are
    ``new_id()``s (48 bits of time, 80 random bits), so two claims' transfer ids differ in
    their random bits, and no other transfer (also a ``new_id()``) shares them but by a
    76-bit coincidence.
    """
    return (claim_id & ~0xF) | int(purpose)


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


@quick_init
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


@quick_init
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


Recorder = Callable[[Connection, list["Settled"]], None]
"""Writes the claims' rows given the outcomes, inside the transaction that moves the money
(it may run more than once if the ledger has to decide its batch again: only the last run
commits)."""


class Settlement(Protocol):
    """Moves claims' money; each call's ``record`` commits with it. One result per request."""

    def settle(
        self,
        holds: Sequence[Hold],
        payments: Sequence[Payment],
        record: Recorder,
        releases: Sequence[tuple[int, int]] = (),
    ) -> list[Settled]:
        """Reserve the holds, make the payments and release the pre-authorisations of
        rejected claims (each (claim id, pre-authorisation id)); results in that order."""
        ...

    def release(self, preauth_ids: Sequence[int], record: Recorder) -> list[Settled]: ...

    def reverse(self, payments: Sequence[Payment], record: Recorder) -> list[Settled]: ...

    def move(self, transfers: Sequence[Transfer], record: Mover) -> list[TransferResult]:
        """Submit transfers made elsewhere (a historical claim's payments, already linked
        where they must be) as one ledger batch; ``record(conn, results)`` runs in its
        commit. One result per transfer."""
        ...


#: Writes rows in the transaction that commits transfers given to ``Settlement.move``.
Mover = Callable[[Connection, list[TransferResult]], None]


class LedgerSettlement:
    """``Settlement`` straight on the ledger (see the module's docstring)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._receivables: dict[tuple[int, int], int] = {}
        self._wallet_ledgers: dict[int, int] = {}
        self._lock = threading.Lock()

    def settle(
        self,
        holds: Sequence[Hold],
        payments: Sequence[Payment],
        record: Recorder,
        releases: Sequence[tuple[int, int]] = (),
    ) -> list[Settled]:
        self._prepare_co_pays(payments)
        chains = [[self._hold(h)] for h in holds]
        chains.extend(self._payment_chain(p) for p in payments)
        chains.extend(
            [
                Transfer(
                    transfer_id(claim, Purpose.VOID),
                    flags=_VOID,
                    pending_id=transfer_id(preauth, Purpose.HOLD),
                    user_data_128=claim,
                )
            ]
            for claim, preauth in releases
        )
        ids = [h.claim_id for h in holds] + [p.claim_id for p in payments]
        ids += [claim for claim, _ in releases]
        return self._submit(ids, chains, record)

    def release(self, preauth_ids: Sequence[int], record: Recorder) -> list[Settled]:
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
        return self._submit(list(preauth_ids), chains, record)

    def reverse(self, payments: Sequence[Payment], record: Recorder) -> list[Settled]:
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
        return self._submit([p.claim_id for p in payments], chains, record)

    @staticmethod
    def _hold(h: Hold) -> Transfer:
        return Transfer(
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
            _CLAIM_PAYMENT,
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

    def move(self, transfers: Sequence[Transfer], record: Mover) -> list[TransferResult]:
        if len(transfers) > BATCH_MAX:
            raise ValueError(f"one move holds at most {BATCH_MAX} transfers, not {len(transfers)}")

        def also(conn: Connection, decided: TransferBatch) -> None:
            record(conn, decided.results)

        return self.ledger.submit(transfers, also=also).results

    def _submit(
        self, claim_ids: list[int], chains: list[list[Transfer]], record: Recorder
    ) -> list[Settled]:
        """Submit the chains (each linked inside) as one ledger batch, ``record`` in its
        commit; one outcome per chain."""
        batch: list[Transfer] = []
        spans: list[tuple[int, int]] = []
        for chain in chains:
            start = len(batch)
            last = len(chain) - 1
            for k, t in enumerate(chain):
                batch.append(t if k == last else _with_flags(t, t.flags | _LINKED))
            spans.append((start, len(batch)))
        if len(batch) > BATCH_MAX:
            raise ValueError(
                f"one settlement holds at most {BATCH_MAX} transfers, not {len(batch)}"
            )
        out: list[Settled] = []

        def also(conn: Connection, decided: TransferBatch) -> None:
            results = decided.results
            out.clear()
            out.extend(
                _outcome(cid, batch[a:b], results[a:b])
                for cid, (a, b) in zip(claim_ids, spans, strict=True)
            )
            record(conn, out)

        self.ledger.submit(batch, also=also)
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
    ids = tuple([t.id for t in chain])
    failed = False
    for r in results:
        if r not in _RECORDED:
            if r is not _LINKED_FAILED:
                return Settled(cid, False, r.value, ids)
            failed = True
    if not failed:
        return Settled(cid, True, "ok", ids)
    return Settled(cid, False, _LINKED_FAILED.value, ids)


#: ``TransferResult.recorded``, as a tuple compared by identity (a claim's hot path).
_RECORDED = tuple(r for r in TransferResult if r.recorded)
_LINKED_FAILED = TransferResult.LINKED_EVENT_FAILED
