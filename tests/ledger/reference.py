"""An in-memory reference model of the ledger's semantics, written apart from the ledger.

It is deliberately plain: dictionaries of accounts, transfers and pending transfers, one
function per kind of transfer, every check in the order of precedence documented in
``thamani.ledger.results`` (as refined by ``thamani.ledger.machine``: range checks on the
amount and the user data come straight after the flags), and a linked chain undone by
restoring a deep copy of the whole model taken when the chain opened. It shares no code
with ``thamani.ledger.machine`` or ``thamani.ledger.opening``; it imports only the record
types and result codes, which are the interface both must honour.

Timestamps follow the ledger's rule: each recorded event (account opened, transfer,
expiry) is stamped ``max(now, previous + 1)`` nanoseconds, so timeouts are exact.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from thamani.ledger.records import (
    Account,
    AccountFlags,
    PendingStatus,
    Transfer,
    TransferFlags,
)
from thamani.ledger.results import AccountResult as A
from thamani.ledger.results import TransferResult as R

U128_MAX = 2**128 - 1
U64_MAX = 2**63 - 1  # the store keeps signed 64-bit integers
U32_MAX = 2**32 - 1
AMOUNT_MAX = 2**63 - 1
SECOND = 1_000_000_000

LINKED = int(TransferFlags.LINKED)
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING_TRANSFER)
VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
BALANCING_DEBIT = int(TransferFlags.BALANCING_DEBIT)
BALANCING_CREDIT = int(TransferFlags.BALANCING_CREDIT)
CLOSING_DEBIT = int(TransferFlags.CLOSING_DEBIT)
CLOSING_CREDIT = int(TransferFlags.CLOSING_CREDIT)
ALL_TRANSFER_FLAGS = 0xFF

WALLET = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
CAPPED = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
CLOSED = int(AccountFlags.CLOSED)
ACCOUNT_LINKED = int(AccountFlags.LINKED)
SETTABLE_ACCOUNT_FLAGS = int(
    AccountFlags.LINKED
    | AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    | AccountFlags.HISTORY
)

#: Results that come before the "does this id exist already" check in precedence.
BEFORE_EXISTS = frozenset(
    {
        R.TIMESTAMP_MUST_BE_ZERO,
        R.RESERVED_FLAG,
        R.ID_MUST_NOT_BE_ZERO,
        R.ID_MUST_NOT_BE_INT_MAX,
    }
)


@dataclass
class Book:
    """One account in the model: what it was opened with and its four balances."""

    account: Account
    flags: int
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    def balances(self) -> tuple[int, int, int, int]:
        return (self.debits_pending, self.debits_posted, self.credits_pending, self.credits_posted)


@dataclass
class Reservation:
    """A pending transfer in the model."""

    transfer: Transfer
    expires_at: int
    status: PendingStatus = PendingStatus.PENDING


@dataclass
class Model:
    """The whole ledger as the reference sees it."""

    ledgers: set[int] = field(default_factory=set)
    books: dict[int, Book] = field(default_factory=dict)
    transfers: dict[int, Transfer] = field(default_factory=dict)
    reservations: dict[int, Reservation] = field(default_factory=dict)
    last_timestamp: int = 0
    #: Every recorded movement in order: ("transfer" | "expiry", stored transfer).
    history: list[tuple[str, Transfer]] = field(default_factory=list)

    # -- time -------------------------------------------------------------------------

    def stamp(self, now: int) -> int:
        self.last_timestamp = now if now > self.last_timestamp else self.last_timestamp + 1
        return self.last_timestamp

    def peek_stamp(self, now: int) -> int:
        return now if now > self.last_timestamp else self.last_timestamp + 1

    # -- accounts ---------------------------------------------------------------------

    def create_accounts(self, batch: Sequence[Account], now: int) -> list[A]:
        return _chained(self, batch, lambda m, a: m._open(a, now), A)

    def _open(self, a: Account, now: int) -> A:
        if a.timestamp != 0:
            return A.TIMESTAMP_MUST_BE_ZERO
        if a.flags < 0 or a.flags & ~SETTABLE_ACCOUNT_FLAGS:
            return A.RESERVED_FLAG
        if a.id == 0:
            return A.ID_MUST_NOT_BE_ZERO
        if a.id == U128_MAX:
            return A.ID_MUST_NOT_BE_INT_MAX
        old = self.books.get(a.id)
        if old is not None:
            e = old.account
            if a.flags & ~ACCOUNT_LINKED != e.flags:
                return A.EXISTS_WITH_DIFFERENT_FLAGS
            if a.user_data_128 != e.user_data_128:
                return A.EXISTS_WITH_DIFFERENT_USER_DATA_128
            if a.user_data_64 != e.user_data_64:
                return A.EXISTS_WITH_DIFFERENT_USER_DATA_64
            if a.user_data_32 != e.user_data_32:
                return A.EXISTS_WITH_DIFFERENT_USER_DATA_32
            if a.ledger != e.ledger:
                return A.EXISTS_WITH_DIFFERENT_LEDGER
            if a.code != e.code:
                return A.EXISTS_WITH_DIFFERENT_CODE
            if (a.owner_party_id, a.sponsor_party_id) != (e.owner_party_id, e.sponsor_party_id):
                return A.EXISTS_WITH_DIFFERENT_OWNER
            return A.EXISTS
        if a.flags & WALLET and a.flags & CAPPED:
            return A.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if a.debits_pending or a.debits_posted or a.credits_pending or a.credits_posted:
            return A.BALANCES_MUST_BE_ZERO
        if not (
            0 <= a.user_data_128 <= U128_MAX
            and 0 <= a.user_data_64 <= U64_MAX
            and 0 <= a.user_data_32 <= U32_MAX
        ):
            return A.USER_DATA_OUT_OF_RANGE
        if a.ledger == 0:
            return A.LEDGER_MUST_NOT_BE_ZERO
        if a.ledger not in self.ledgers:
            return A.LEDGER_NOT_FOUND
        if a.code == 0:
            return A.CODE_MUST_NOT_BE_ZERO
        opened = replace(a, flags=a.flags & ~ACCOUNT_LINKED, timestamp=self.stamp(now))
        self.books[a.id] = Book(opened, opened.flags)
        return A.OK

    # -- transfers --------------------------------------------------------------------

    def create_transfers(
        self,
        batch: Sequence[Transfer],
        now: int,
        may_debit: Callable[[Account], bool] | None = None,
    ) -> list[R]:
        """Expire what is due, then decide the batch in order."""
        self.expire(now)
        return _chained(self, batch, lambda m, t: m._transfer(t, now, may_debit), R)

    def expire(self, now: int) -> int:
        due = sorted(
            (r for r in self.reservations.values() if r.status is PendingStatus.PENDING),
            key=lambda r: r.expires_at,
        )
        n = 0
        for r in due:
            if not r.expires_at or r.expires_at > now:
                continue
            t = r.transfer
            dr, cr = self.books[t.debit_account_id], self.books[t.credit_account_id]
            dr.debits_pending -= t.amount
            cr.credits_pending -= t.amount
            if t.flags & CLOSING_DEBIT:
                dr.flags &= ~CLOSED
            if t.flags & CLOSING_CREDIT:
                cr.flags &= ~CLOSED
            r.status = PendingStatus.EXPIRED
            record = Transfer(
                t.id,
                t.debit_account_id,
                t.credit_account_id,
                t.amount,
                t.ledger,
                t.code,
                VOID,
                t.id,
                timestamp=self.stamp(now),
            )
            self.history.append(("expiry", record))
            n += 1
        return n

    def _transfer(self, t: Transfer, now: int, may_debit: Callable[[Account], bool] | None) -> R:
        f = t.flags
        if t.timestamp != 0:
            return R.TIMESTAMP_MUST_BE_ZERO
        if f < 0 or f & ~ALL_TRANSFER_FLAGS:
            return R.RESERVED_FLAG
        if t.id == 0:
            return R.ID_MUST_NOT_BE_ZERO
        if t.id == U128_MAX:
            return R.ID_MUST_NOT_BE_INT_MAX
        if t.id in self.transfers:
            stored = self.transfers[t.id]
            if may_debit is not None and not any(
                may_debit(self.books[x].account)
                for x in (stored.debit_account_id, stored.credit_account_id)
            ):
                return R.ID_ALREADY_USED  # another party's transfer: nothing disclosed
            return compare_with_stored(t, stored)
        phases = [bool(f & PENDING), bool(f & POST), bool(f & VOID)]
        resolving = bool(f & (POST | VOID))
        if (
            sum(phases) > 1
            or (resolving and f & (BALANCING_DEBIT | BALANCING_CREDIT))
            or (resolving and f & (CLOSING_DEBIT | CLOSING_CREDIT))
        ):
            return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if not 0 <= t.amount <= AMOUNT_MAX:
            return R.AMOUNT_OUT_OF_RANGE
        if not (
            0 <= t.user_data_128 <= U128_MAX
            and 0 <= t.user_data_64 <= U64_MAX
            and 0 <= t.user_data_32 <= U32_MAX
        ):
            return R.USER_DATA_OUT_OF_RANGE
        if resolving:
            return self._resolve(t, now, may_debit)
        return self._move(t, now, may_debit)

    def _move(self, t: Transfer, now: int, may_debit: Callable[[Account], bool] | None) -> R:
        f = t.flags
        if t.debit_account_id == 0:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if t.debit_account_id == U128_MAX:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX
        if t.credit_account_id == 0:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if t.credit_account_id == U128_MAX:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX
        if t.debit_account_id == t.credit_account_id:
            return R.ACCOUNTS_MUST_BE_DIFFERENT
        if t.pending_id != 0:
            return R.PENDING_ID_MUST_BE_ZERO
        pending = bool(f & PENDING)
        if not pending and t.timeout != 0:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if not pending and f & (CLOSING_DEBIT | CLOSING_CREDIT):
            return R.CLOSING_TRANSFER_MUST_BE_PENDING
        balancing = bool(f & (BALANCING_DEBIT | BALANCING_CREDIT))
        if t.amount == 0 and not balancing:
            return R.AMOUNT_MUST_NOT_BE_ZERO
        if t.ledger == 0:
            return R.LEDGER_MUST_NOT_BE_ZERO
        if t.code == 0:
            return R.CODE_MUST_NOT_BE_ZERO
        if not 0 <= t.timeout <= U32_MAX:
            return R.OVERFLOWS_TIMEOUT
        dr = self.books.get(t.debit_account_id)
        if dr is None or (may_debit is not None and not may_debit(dr.account)):
            return R.DEBIT_ACCOUNT_NOT_FOUND
        cr = self.books.get(t.credit_account_id)
        if cr is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        if dr.account.ledger != cr.account.ledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if t.ledger != dr.account.ledger:
            return R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        if dr.flags & CLOSED:
            return R.DEBIT_ACCOUNT_ALREADY_CLOSED
        if cr.flags & CLOSED:
            return R.CREDIT_ACCOUNT_ALREADY_CLOSED
        amount = t.amount
        if balancing:
            # The amount is a cap (0: no cap); move what the limit leaves room for.
            cap = amount or AMOUNT_MAX
            if f & BALANCING_DEBIT:
                room = dr.credits_posted - dr.debits_posted - dr.debits_pending
                cap = min(cap, max(room, 0))
            if f & BALANCING_CREDIT:
                room = cr.debits_posted - cr.credits_posted - cr.credits_pending
                cap = min(cap, max(room, 0))
            amount = cap
        if pending:
            if dr.debits_pending + amount > AMOUNT_MAX:
                return R.OVERFLOWS_DEBITS_PENDING
            if cr.credits_pending + amount > AMOUNT_MAX:
                return R.OVERFLOWS_CREDITS_PENDING
        else:
            if dr.debits_posted + amount > AMOUNT_MAX:
                return R.OVERFLOWS_DEBITS_POSTED
            if cr.credits_posted + amount > AMOUNT_MAX:
                return R.OVERFLOWS_CREDITS_POSTED
        if dr.debits_pending + dr.debits_posted + amount > AMOUNT_MAX:
            return R.OVERFLOWS_DEBITS
        if cr.credits_pending + cr.credits_posted + amount > AMOUNT_MAX:
            return R.OVERFLOWS_CREDITS
        ts = self.peek_stamp(now)
        expires_at = ts + t.timeout * SECOND if pending and t.timeout else 0
        if expires_at > U64_MAX:
            return R.OVERFLOWS_TIMEOUT
        if dr.flags & WALLET and dr.debits_pending + dr.debits_posted + amount > dr.credits_posted:
            return R.EXCEEDS_CREDITS
        if cr.flags & CAPPED and cr.credits_pending + cr.credits_posted + amount > cr.debits_posted:
            return R.EXCEEDS_DEBITS
        self.stamp(now)
        stored = replace(t, amount=amount, timestamp=ts)
        if pending:
            dr.debits_pending += amount
            cr.credits_pending += amount
            if f & CLOSING_DEBIT:
                dr.flags |= CLOSED
            if f & CLOSING_CREDIT:
                cr.flags |= CLOSED
            self.reservations[t.id] = Reservation(stored, expires_at)
        else:
            dr.debits_posted += amount
            cr.credits_posted += amount
        self.transfers[t.id] = stored
        self.history.append(("transfer", stored))
        return R.OK

    def _resolve(self, t: Transfer, now: int, may_debit: Callable[[Account], bool] | None) -> R:
        post = bool(t.flags & POST)
        if t.pending_id == 0:
            return R.PENDING_ID_MUST_NOT_BE_ZERO
        if t.pending_id == U128_MAX:
            return R.PENDING_ID_MUST_NOT_BE_INT_MAX
        if t.pending_id == t.id:
            return R.PENDING_ID_MUST_BE_DIFFERENT
        if t.timeout != 0:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        r = self.reservations.get(t.pending_id)
        if r is None:
            other = self.transfers.get(t.pending_id)
            if other is not None and (
                may_debit is None
                or any(
                    may_debit(self.books[x].account)
                    for x in (other.debit_account_id, other.credit_account_id)
                )
            ):
                return R.PENDING_TRANSFER_NOT_PENDING
            return R.PENDING_TRANSFER_NOT_FOUND
        p = r.transfer
        dr, cr = self.books[p.debit_account_id], self.books[p.credit_account_id]
        if may_debit is not None and not (may_debit(dr.account) or may_debit(cr.account)):
            return R.PENDING_TRANSFER_NOT_FOUND
        if t.debit_account_id and t.debit_account_id != p.debit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != p.credit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.ledger and t.ledger != p.ledger:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
        if t.code and t.code != p.code:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CODE
        amount = t.amount or p.amount
        if post and amount > p.amount:
            return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if not post and amount != p.amount:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        if r.status is PendingStatus.POSTED:
            return R.PENDING_TRANSFER_ALREADY_POSTED
        if r.status is PendingStatus.VOIDED:
            return R.PENDING_TRANSFER_ALREADY_VOIDED
        if r.status is PendingStatus.EXPIRED or (r.expires_at and r.expires_at <= now):
            return R.PENDING_TRANSFER_EXPIRED
        if post and dr.debits_posted + amount > AMOUNT_MAX:
            return R.OVERFLOWS_DEBITS_POSTED
        if post and cr.credits_posted + amount > AMOUNT_MAX:
            return R.OVERFLOWS_CREDITS_POSTED
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        if post:
            dr.debits_posted += amount
            cr.credits_posted += amount
            r.status = PendingStatus.POSTED
        else:
            if p.flags & CLOSING_DEBIT:
                dr.flags &= ~CLOSED
            if p.flags & CLOSING_CREDIT:
                cr.flags &= ~CLOSED
            r.status = PendingStatus.VOIDED
        stored = Transfer(
            t.id,
            p.debit_account_id,
            p.credit_account_id,
            amount,
            p.ledger,
            p.code,
            t.flags,
            p.id,
            0,
            t.user_data_128,
            t.user_data_64,
            t.user_data_32,
            self.stamp(now),
        )
        self.transfers[t.id] = stored
        self.history.append(("transfer", stored))
        return R.OK

    # -- the invariants ---------------------------------------------------------------

    def fold(self) -> dict[int, tuple[int, int, int, int]]:
        """Every account's balances recomputed from the history alone."""
        out = {i: [0, 0, 0, 0] for i in self.books}
        open_: dict[int, Transfer] = {}
        for kind, t in self.history:
            if kind == "expiry" or t.flags & (POST | VOID):
                p = open_.pop(t.pending_id)
                out[p.debit_account_id][0] -= p.amount
                out[p.credit_account_id][2] -= p.amount
                if kind == "transfer" and t.flags & POST:
                    out[t.debit_account_id][1] += t.amount
                    out[t.credit_account_id][3] += t.amount
            elif t.flags & PENDING:
                open_[t.id] = t
                out[t.debit_account_id][0] += t.amount
                out[t.credit_account_id][2] += t.amount
            else:
                out[t.debit_account_id][1] += t.amount
                out[t.credit_account_id][3] += t.amount
        return {i: (b[0], b[1], b[2], b[3]) for i, b in out.items()}


def compare_with_stored(t: Transfer, e: Transfer) -> R:
    """A resubmitted id: ``exists`` when every given field matches the stored transfer."""
    if t.flags != e.flags:
        return R.EXISTS_WITH_DIFFERENT_FLAGS
    if t.pending_id != e.pending_id:
        return R.EXISTS_WITH_DIFFERENT_PENDING_ID
    if t.flags & (POST | VOID):
        # Accounts and amount may be left out (0) of a post or void.
        if t.debit_account_id and t.debit_account_id != e.debit_account_id:
            return R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != e.credit_account_id:
            return R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.amount and t.amount != e.amount:
            return R.EXISTS_WITH_DIFFERENT_AMOUNT
    else:
        if t.timeout != e.timeout:
            return R.EXISTS_WITH_DIFFERENT_TIMEOUT
        if t.debit_account_id != e.debit_account_id:
            return R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id != e.credit_account_id:
            return R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.flags & (BALANCING_DEBIT | BALANCING_CREDIT):
            # The stored amount is what balancing let through; the same or a larger cap is
            # the same request.
            if t.amount and t.amount < e.amount:
                return R.EXISTS_WITH_DIFFERENT_AMOUNT
        elif t.amount != e.amount:
            return R.EXISTS_WITH_DIFFERENT_AMOUNT
    if t.user_data_128 != e.user_data_128:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_128
    if t.user_data_64 != e.user_data_64:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_64
    if t.user_data_32 != e.user_data_32:
        return R.EXISTS_WITH_DIFFERENT_USER_DATA_32
    # Only a post or void may leave its ledger and code out.
    optional = bool(t.flags & (POST | VOID))
    if (t.ledger or not optional) and t.ledger != e.ledger:
        return R.EXISTS_WITH_DIFFERENT_LEDGER
    if (t.code or not optional) and t.code != e.code:
        return R.EXISTS_WITH_DIFFERENT_CODE
    return R.EXISTS


def _chained(model: Model, batch: Sequence, decide: Callable, results: type) -> list:  # type: ignore[type-arg]
    """Decide each event; a failure inside a linked chain undoes the whole chain.

    The model is restored from a deep copy taken when the chain opened: simple rather
    than fast, so it cannot share a bug with the ledger's undo log.
    """
    out: list = []  # type: ignore[type-arg]
    chain_start: int | None = None
    saved: Model | None = None
    failed = False
    for i, event in enumerate(batch):
        linked = bool(event.flags & 1)
        if linked and chain_start is None:
            chain_start, saved, failed = i, copy.deepcopy(model), False
        if chain_start is not None and failed:
            result = results.LINKED_EVENT_FAILED
        elif linked and i == len(batch) - 1:
            result = results.LINKED_EVENT_CHAIN_OPEN
        else:
            result = decide(model, event)
        if result is not results.OK and chain_start is not None and not failed:
            failed = True
            assert saved is not None
            model.__dict__.update(copy.deepcopy(saved).__dict__)
            for j in range(chain_start, i):
                out[j] = results.LINKED_EVENT_FAILED
        out.append(result)
        if chain_start is not None and not linked:
            chain_start, saved = None, None
    return out
