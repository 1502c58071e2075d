"""The ledger's state machine: the pure core that decides every transfer.

It takes a batch and the state it needs (the accounts named, transfers that already
exist with the batch's ids, the pending transfers referenced, the pending transfers due
to expire) and returns one result per transfer, the journal entries to append and every
account and pending transfer it touched. It does no I/O. For speed it changes the account
states it was given in place (a linked chain that fails is undone); a caller whose
transaction then fails to commit must throw those states away and read them again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from thamani.ledger.ids import ID_MAX
from thamani.ledger.records import (
    AccountFlags,
    Event,
    PendingStatus,
    PendingTransfer,
    Transfer,
    TransferFlags,
)
from thamani.ledger.results import TransferResult as R
from thamani.money import MAX_AMOUNT

_LINKED = int(TransferFlags.LINKED)
_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
_BAL_DR = int(TransferFlags.BALANCING_DEBIT)
_BAL_CR = int(TransferFlags.BALANCING_CREDIT)
_CLOSE_DR = int(TransferFlags.CLOSING_DEBIT)
_CLOSE_CR = int(TransferFlags.CLOSING_CREDIT)
_KNOWN = 0xFF
_DR_LIMIT = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CR_LIMIT = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
_CLOSED = int(AccountFlags.CLOSED)
_U32 = 2**32 - 1
_I64 = 2**63 - 1
_NS = 1_000_000_000


class AccountState:
    """The state of one account as the state machine sees it.

    no: the store's internal number for the account.
    key: its id as the 16 bytes the store keeps.
    id, ledger, code, flags: as opened (``flags`` gains or loses ``CLOSED``).
    dp, dpo, cp, cpo: debits pending, debits posted, credits pending, credits posted.
    owner, sponsor: the parties that may see and debit it.
    """

    __slots__ = (
        "code",
        "cp",
        "cpo",
        "dp",
        "dpo",
        "flags",
        "id",
        "key",
        "ledger",
        "no",
        "owner",
        "sponsor",
    )

    def __init__(
        self,
        no: int,
        id: int,
        ledger: int,
        code: int,
        flags: int,
        dp: int = 0,
        dpo: int = 0,
        cp: int = 0,
        cpo: int = 0,
        owner: int | None = None,
        sponsor: int | None = None,
    ) -> None:
        self.no = no
        self.id = id
        self.key = id.to_bytes(16, "big")
        self.ledger = ledger
        self.code = code
        self.flags = flags
        self.dp = dp
        self.dpo = dpo
        self.cp = cp
        self.cpo = cpo
        self.owner = owner
        self.sponsor = sponsor

    def copy(self) -> AccountState:
        return AccountState(
            self.no,
            self.id,
            self.ledger,
            self.code,
            self.flags,
            self.dp,
            self.dpo,
            self.cp,
            self.cpo,
            self.owner,
            self.sponsor,
        )

    def balances(self) -> tuple[int, int, int, int]:
        return (self.dp, self.dpo, self.cp, self.cpo)

    def __repr__(self) -> str:
        return (
            f"AccountState(no={self.no}, id={self.id}, ledger={self.ledger}, flags={self.flags},"
            f" dp={self.dp}, dpo={self.dpo}, cp={self.cp}, cpo={self.cpo})"
        )


#: A decided journal entry: (seq, event, transfer as stored but for its timestamp,
#: timestamp, debit account state, credit account state).
Entry = tuple[int, int, Transfer, int, AccountState, AccountState]


@dataclass(slots=True)
class TransferBatch:
    """What deciding a batch produced.

    results: one per submitted transfer, in order.
    entries: journal entries to append, in order (expiries first, then transfers).
    accounts: every account touched, by id, in its new state.
    before: (debits pending, debits posted) of every touched account before the batch.
    pendings: the new state of every pending transfer created or resolved, by id.
    last_timestamp: the largest timestamp handed out.
    next_seq: the journal position after the last entry.
    """

    results: list[R]
    entries: list[Entry]
    accounts: dict[int, AccountState]
    before: dict[int, tuple[int, int]]
    pendings: dict[int, PendingTransfer]
    last_timestamp: int
    next_seq: int

    @property
    def created(self) -> list[Transfer]:
        """The transfers this batch recorded, with their timestamps."""
        return [_stamped(e[2], e[3]) for e in self.entries if e[1] == _TRANSFER]

    @property
    def expired(self) -> list[Transfer]:
        """The pending transfers this batch released because their time ran out."""
        return [_stamped(e[2], e[3]) for e in self.entries if e[1] == _EXPIRY]

    def ledger_deltas(self) -> dict[int, tuple[int, int]]:
        """Per ledger, how much the batch added to (posted, pending) totals."""
        out: dict[int, tuple[int, int]] = {}
        for i, a in self.accounts.items():
            dp0, dpo0 = self.before[i]
            posted, pend = out.get(a.ledger, (0, 0))
            out[a.ledger] = (posted + a.dpo - dpo0, pend + a.dp - dp0)
        return {k: v for k, v in out.items() if v != (0, 0)}


_TRANSFER = int(Event.TRANSFER)
_EXPIRY = int(Event.EXPIRY)


def _stamped(t: Transfer, ts: int) -> Transfer:
    return Transfer(
        t.id,
        t.debit_account_id,
        t.credit_account_id,
        t.amount,
        t.ledger,
        t.code,
        t.flags,
        t.pending_id,
        t.timeout,
        t.user_data_128,
        t.user_data_64,
        t.user_data_32,
        ts,
    )


def _exists(t: Transfer, e: Transfer) -> R:
    """Compare a resubmitted transfer with the one stored under its id."""
    if t.flags != e.flags:
        return R.EXISTS_WITH_DIFFERENT_FLAGS
    if t.flags & (_POST | _VOID):
        if t.pending_id != e.pending_id:
            return R.EXISTS_WITH_DIFFERENT_PENDING_ID
        if t.debit_account_id and t.debit_account_id != e.debit_account_id:
            return R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != e.credit_account_id:
            return R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.amount and t.amount != e.amount:
            return R.EXISTS_WITH_DIFFERENT_AMOUNT
    else:
        if t.pending_id != e.pending_id:
            return R.EXISTS_WITH_DIFFERENT_PENDING_ID
        if t.timeout != e.timeout:
            return R.EXISTS_WITH_DIFFERENT_TIMEOUT
        if t.debit_account_id != e.debit_account_id:
            return R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id != e.credit_account_id:
            return R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.flags & (_BAL_DR | _BAL_CR):
            # The stored amount is what balancing allowed; a retry may ask for that or more.
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
    # A post or void may leave its ledger and code out (0); any other transfer names them.
    optional = t.flags & (_POST | _VOID)
    if (t.ledger or not optional) and t.ledger != e.ledger:
        return R.EXISTS_WITH_DIFFERENT_LEDGER
    if (t.code or not optional) and t.code != e.code:
        return R.EXISTS_WITH_DIFFERENT_CODE
    return R.EXISTS


def _mutually_exclusive(f: int) -> bool:
    kinds = (f & _PENDING != 0) + (f & _POST != 0) + (f & _VOID != 0)
    if kinds > 1:
        return True
    if f & (_BAL_DR | _BAL_CR) and f & (_POST | _VOID):
        return True
    return bool(f & (_CLOSE_DR | _CLOSE_CR) and f & (_POST | _VOID))


class _Batch:
    """One batch being decided; see ``decide_transfers``."""

    def __init__(
        self,
        accounts: Mapping[int, AccountState],
        existing: Mapping[int, Transfer],
        pendings: Mapping[int, PendingTransfer],
        now: int,
        last_timestamp: int,
        next_seq: int,
        may_debit: Callable[[AccountState], bool] | None,
    ) -> None:
        self.states = accounts
        self.existing = existing
        self.committed_pendings = pendings
        self.now = now
        self.ts = last_timestamp
        self.seq = next_seq
        self.may_debit = may_debit
        self.touched: dict[int, AccountState] = {}
        self.before: dict[int, tuple[int, int]] = {}
        self.pendings: dict[int, PendingTransfer] = {}
        self.created: dict[int, Transfer] = {}
        self.entries: list[Entry] = []
        # Undo log for the open linked chain: (kind, key, previous value).
        self.undo: list[tuple[int, object, object]] | None = None

    # -- state access -------------------------------------------------------------------

    def account(self, account_id: int) -> AccountState | None:
        a = self.touched.get(account_id)
        if a is None:
            a = self.states.get(account_id)
            if a is None:
                return None
            self.touched[account_id] = a
            self.before[account_id] = (a.dp, a.dpo)
        return a

    def pending(self, pending_id: int) -> PendingTransfer | None:
        p = self.pendings.get(pending_id)
        return p if p is not None else self.committed_pendings.get(pending_id)

    def set_pending(self, p: PendingTransfer) -> None:
        if self.undo is not None:
            self.undo.append((1, p.id, self.pendings.get(p.id)))
        self.pendings[p.id] = p

    def save(self, a: AccountState) -> None:
        if self.undo is not None:
            self.undo.append((0, a, (a.dp, a.dpo, a.cp, a.cpo, a.flags)))

    def next_timestamp(self) -> int:
        ts = self.now if self.now > self.ts else self.ts + 1
        self.ts = ts
        return ts

    def visible(self, e: Transfer) -> bool:
        """May the caller know this stored transfer (it may debit one of its accounts)?"""
        if self.may_debit is None:
            return True
        for account_id in (e.debit_account_id, e.credit_account_id):
            a = self.touched.get(account_id) or self.states.get(account_id)
            if a is not None and self.may_debit(a):
                return True
        return False

    def exists(self, t: Transfer, e: Transfer) -> R:
        """A resubmitted id: compared with the stored transfer, unless that transfer is
        another party's, whose contents are not disclosed."""
        if not self.visible(e):
            return R.ID_ALREADY_USED
        return _exists(t, e)

    # -- linked chains ------------------------------------------------------------------

    def open_chain(self) -> tuple[int, int, int]:
        self.undo = []
        return (len(self.entries), self.seq, self.ts)

    def close_chain(self) -> None:
        self.undo = None

    def rollback_chain(self, mark: tuple[int, int, int]) -> None:
        assert self.undo is not None
        for kind, key, prev in reversed(self.undo):
            if kind == 0:
                a = key
                assert isinstance(a, AccountState)
                a.dp, a.dpo, a.cp, a.cpo, a.flags = prev  # type: ignore[misc]
            elif prev is None:
                self.pendings.pop(key, None)  # type: ignore[call-overload]
            else:
                self.pendings[key] = prev  # type: ignore[index,assignment]
        n_entries, self.seq, self.ts = mark
        for e in self.entries[n_entries:]:
            if e[1] == _TRANSFER:
                self.created.pop(e[2].id, None)
        del self.entries[n_entries:]
        self.undo = []

    # -- expiry -------------------------------------------------------------------------

    def expire(self, due: Sequence[PendingTransfer]) -> None:
        for p in due:
            current = self.pending(p.id) or p
            if current.status is not PendingStatus.PENDING:
                continue
            if not current.expires_at or current.expires_at > self.now:
                continue
            dr = self.account(current.debit_account_id)
            cr = self.account(current.credit_account_id)
            assert dr is not None, "pending transfer names an unknown account"
            assert cr is not None, "pending transfer names an unknown account"
            dr.dp -= current.amount
            cr.cp -= current.amount
            if current.flags & _CLOSE_DR:
                dr.flags &= ~_CLOSED
            if current.flags & _CLOSE_CR:
                cr.flags &= ~_CLOSED
            self.pendings[p.id] = _with_status(current, PendingStatus.EXPIRED)
            stored = Transfer(
                id=current.id,
                debit_account_id=current.debit_account_id,
                credit_account_id=current.credit_account_id,
                amount=current.amount,
                ledger=current.ledger,
                code=current.code,
                flags=_VOID,
                pending_id=current.id,
            )
            self.entries.append((self.seq, _EXPIRY, stored, self.next_timestamp(), dr, cr))
            self.seq += 1

    # -- one transfer -------------------------------------------------------------------

    def create(self, t: Transfer) -> R:
        f = t.flags
        tid = t.id
        if f & ~_LINKED == 0 and not t.timestamp and 0 < tid < ID_MAX:
            return self.create_plain(t, tid)
        if t.timestamp:
            return R.TIMESTAMP_MUST_BE_ZERO
        if f & ~_KNOWN or f < 0:
            return R.RESERVED_FLAG
        if tid == 0:
            return R.ID_MUST_NOT_BE_ZERO
        if tid == ID_MAX:
            return R.ID_MUST_NOT_BE_INT_MAX
        e = self.created.get(tid) or self.existing.get(tid)
        if e is not None:
            return self.exists(t, e)
        if _mutually_exclusive(f):
            return R.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        if not 0 <= t.amount <= MAX_AMOUNT:
            return R.AMOUNT_OUT_OF_RANGE
        if (
            not 0 <= t.user_data_128 <= ID_MAX
            or not 0 <= t.user_data_64 <= _I64
            or not 0 <= t.user_data_32 <= _U32
        ):
            return R.USER_DATA_OUT_OF_RANGE
        if f & (_POST | _VOID):
            return self.post_or_void(t, f)
        return self.create_general(t, f)

    def create_plain(self, t: Transfer, tid: int) -> R:
        """The common case: a single-phase transfer with no flags but ``linked``."""
        e = self.created.get(tid) or self.existing.get(tid)
        if e is not None:
            return self.exists(t, e)
        amount = t.amount
        if (
            not 0 < amount <= MAX_AMOUNT
            or not 0 <= t.user_data_64 <= _I64
            or not 0 <= t.user_data_32 <= _U32
            or not 0 <= t.user_data_128 <= ID_MAX
            or t.pending_id
            or t.timeout
            or not t.ledger
            or not t.code
        ):
            return self.create_general(t, t.flags)
        dr_id = t.debit_account_id
        cr_id = t.credit_account_id
        touched = self.touched
        dr = touched.get(dr_id) or self.account(dr_id)
        cr = touched.get(cr_id) or self.account(cr_id)
        if (
            dr is None
            or cr is None
            or dr is cr
            or (self.may_debit is not None and not self.may_debit(dr))
        ):
            return self.create_general(t, t.flags)
        ledger = t.ledger
        if dr.ledger != ledger or cr.ledger != ledger or (dr.flags | cr.flags) & _CLOSED:
            return self.create_general(t, t.flags)
        if dr.dpo + amount > MAX_AMOUNT or cr.cpo + amount > MAX_AMOUNT:
            return self.create_general(t, t.flags)
        if dr.dp + dr.dpo + amount > MAX_AMOUNT or cr.cp + cr.cpo + amount > MAX_AMOUNT:
            return self.create_general(t, t.flags)
        if dr.flags & _DR_LIMIT and dr.dp + dr.dpo + amount > dr.cpo:
            return R.EXCEEDS_CREDITS
        if cr.flags & _CR_LIMIT and cr.cp + cr.cpo + amount > cr.dpo:
            return R.EXCEEDS_DEBITS
        if self.undo is not None:
            self.save(dr)
            self.save(cr)
        ts = self.now if self.now > self.ts else self.ts + 1
        self.ts = ts
        dr.dpo += amount
        cr.cpo += amount
        self.created[tid] = t
        self.entries.append((self.seq, _TRANSFER, t, ts, dr, cr))
        self.seq += 1
        return R.OK

    def create_general(self, t: Transfer, f: int) -> R:
        """Every other single-phase or pending transfer, with every check in order."""
        tid = t.id
        if not 0 <= t.amount <= MAX_AMOUNT:
            return R.AMOUNT_OUT_OF_RANGE
        if (
            not 0 <= t.user_data_128 <= ID_MAX
            or not 0 <= t.user_data_64 <= _I64
            or not 0 <= t.user_data_32 <= _U32
        ):
            return R.USER_DATA_OUT_OF_RANGE
        dr_id = t.debit_account_id
        cr_id = t.credit_account_id
        if dr_id == 0:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if dr_id == ID_MAX:
            return R.DEBIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX
        if cr_id == 0:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO
        if cr_id == ID_MAX:
            return R.CREDIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX
        if dr_id == cr_id:
            return R.ACCOUNTS_MUST_BE_DIFFERENT
        if t.pending_id:
            return R.PENDING_ID_MUST_BE_ZERO
        pending = f & _PENDING
        if not pending:
            if t.timeout:
                return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
            if f & (_CLOSE_DR | _CLOSE_CR):
                return R.CLOSING_TRANSFER_MUST_BE_PENDING
        amount = t.amount
        if amount == 0 and not f & (_BAL_DR | _BAL_CR):
            return R.AMOUNT_MUST_NOT_BE_ZERO
        if t.ledger == 0:
            return R.LEDGER_MUST_NOT_BE_ZERO
        if t.code == 0:
            return R.CODE_MUST_NOT_BE_ZERO
        if not 0 <= t.timeout <= _U32:
            return R.OVERFLOWS_TIMEOUT
        dr = self.account(dr_id)
        if dr is None or (self.may_debit is not None and not self.may_debit(dr)):
            return R.DEBIT_ACCOUNT_NOT_FOUND
        cr = self.account(cr_id)
        if cr is None:
            return R.CREDIT_ACCOUNT_NOT_FOUND
        if dr.ledger != cr.ledger:
            return R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
        if t.ledger != dr.ledger:
            return R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
        if dr.flags & _CLOSED:
            return R.DEBIT_ACCOUNT_ALREADY_CLOSED
        if cr.flags & _CLOSED:
            return R.CREDIT_ACCOUNT_ALREADY_CLOSED

        if f & (_BAL_DR | _BAL_CR):
            if amount == 0:
                amount = MAX_AMOUNT
            if f & _BAL_DR:
                amount = min(amount, max(0, dr.cpo - dr.dpo - dr.dp))
            if f & _BAL_CR:
                amount = min(amount, max(0, cr.dpo - cr.cpo - cr.cp))

        if pending:
            if dr.dp + amount > MAX_AMOUNT:
                return R.OVERFLOWS_DEBITS_PENDING
            if cr.cp + amount > MAX_AMOUNT:
                return R.OVERFLOWS_CREDITS_PENDING
        else:
            if dr.dpo + amount > MAX_AMOUNT:
                return R.OVERFLOWS_DEBITS_POSTED
            if cr.cpo + amount > MAX_AMOUNT:
                return R.OVERFLOWS_CREDITS_POSTED
        if dr.dp + dr.dpo + amount > MAX_AMOUNT:
            return R.OVERFLOWS_DEBITS
        if cr.cp + cr.cpo + amount > MAX_AMOUNT:
            return R.OVERFLOWS_CREDITS
        ts = self.now if self.now > self.ts else self.ts + 1
        expires_at = ts + t.timeout * _NS if pending and t.timeout else 0
        if expires_at > _I64:
            return R.OVERFLOWS_TIMEOUT
        if dr.flags & _DR_LIMIT and dr.dp + dr.dpo + amount > dr.cpo:
            return R.EXCEEDS_CREDITS
        if cr.flags & _CR_LIMIT and cr.cp + cr.cpo + amount > cr.dpo:
            return R.EXCEEDS_DEBITS

        # Apply.
        self.save(dr)
        self.save(cr)
        self.ts = ts
        if pending:
            dr.dp += amount
            cr.cp += amount
            if f & _CLOSE_DR:
                dr.flags |= _CLOSED
            if f & _CLOSE_CR:
                cr.flags |= _CLOSED
            self.set_pending(
                PendingTransfer(
                    tid,
                    dr_id,
                    cr_id,
                    amount,
                    t.ledger,
                    t.code,
                    f,
                    expires_at,
                    PendingStatus.PENDING,
                    ts,
                )
            )
        else:
            dr.dpo += amount
            cr.cpo += amount
        stored = t
        if amount != t.amount:
            stored = Transfer(
                tid,
                dr_id,
                cr_id,
                amount,
                t.ledger,
                t.code,
                f,
                0,
                t.timeout,
                t.user_data_128,
                t.user_data_64,
                t.user_data_32,
            )
        self.created[tid] = stored
        self.entries.append((self.seq, _TRANSFER, stored, ts, dr, cr))
        self.seq += 1
        return R.OK

    def post_or_void(self, t: Transfer, f: int) -> R:
        pid = t.pending_id
        if pid == 0:
            return R.PENDING_ID_MUST_NOT_BE_ZERO
        if pid == ID_MAX:
            return R.PENDING_ID_MUST_NOT_BE_INT_MAX
        if pid == t.id:
            return R.PENDING_ID_MUST_BE_DIFFERENT
        if t.timeout:
            return R.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        p = self.pending(pid)
        if p is None:
            other = self.created.get(pid) or self.existing.get(pid)
            if other is not None and self.visible(other):
                return R.PENDING_TRANSFER_NOT_PENDING
            return R.PENDING_TRANSFER_NOT_FOUND
        if not p.flags & _PENDING:
            return R.PENDING_TRANSFER_NOT_PENDING
        dr = self.account(p.debit_account_id)
        cr = self.account(p.credit_account_id)
        assert dr is not None, "pending transfer names an unknown account"
        assert cr is not None, "pending transfer names an unknown account"
        if self.may_debit is not None and not (self.may_debit(dr) or self.may_debit(cr)):
            return R.PENDING_TRANSFER_NOT_FOUND
        if t.debit_account_id and t.debit_account_id != p.debit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id and t.credit_account_id != p.credit_account_id:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        if t.ledger and t.ledger != p.ledger:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER
        if t.code and t.code != p.code:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_CODE
        post = f & _POST
        amount = t.amount if t.amount else p.amount
        if post and amount > p.amount:
            return R.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if not post and amount != p.amount:
            return R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        if p.status is PendingStatus.POSTED:
            return R.PENDING_TRANSFER_ALREADY_POSTED
        if p.status is PendingStatus.VOIDED:
            return R.PENDING_TRANSFER_ALREADY_VOIDED
        if p.status is PendingStatus.EXPIRED or (p.expires_at and p.expires_at <= self.now):
            return R.PENDING_TRANSFER_EXPIRED
        if post:
            if dr.dpo + amount > MAX_AMOUNT:
                return R.OVERFLOWS_DEBITS_POSTED
            if cr.cpo + amount > MAX_AMOUNT:
                return R.OVERFLOWS_CREDITS_POSTED

        self.save(dr)
        self.save(cr)
        dr.dp -= p.amount
        cr.cp -= p.amount
        if post:
            dr.dpo += amount
            cr.cpo += amount
        elif p.flags & (_CLOSE_DR | _CLOSE_CR):
            if p.flags & _CLOSE_DR:
                dr.flags &= ~_CLOSED
            if p.flags & _CLOSE_CR:
                cr.flags &= ~_CLOSED
        ts = self.next_timestamp()
        self.set_pending(_with_status(p, PendingStatus.POSTED if post else PendingStatus.VOIDED))
        stored = Transfer(
            t.id,
            p.debit_account_id,
            p.credit_account_id,
            amount,
            p.ledger,
            p.code,
            f,
            pid,
            0,
            t.user_data_128,
            t.user_data_64,
            t.user_data_32,
        )
        self.created[t.id] = stored
        self.entries.append((self.seq, _TRANSFER, stored, ts, dr, cr))
        self.seq += 1
        return R.OK


def _with_status(p: PendingTransfer, status: PendingStatus) -> PendingTransfer:
    return PendingTransfer(
        p.id,
        p.debit_account_id,
        p.credit_account_id,
        p.amount,
        p.ledger,
        p.code,
        p.flags,
        p.expires_at,
        status,
        p.timestamp,
    )


def decide_transfers(
    transfers: Sequence[Transfer],
    *,
    accounts: Mapping[int, AccountState],
    existing: Mapping[int, Transfer],
    pendings: Mapping[int, PendingTransfer],
    due: Sequence[PendingTransfer] = (),
    now: int,
    last_timestamp: int,
    next_seq: int,
    may_debit: Callable[[AccountState], bool] | None = None,
    permissions: Sequence[Callable[[AccountState], bool] | None] | None = None,
) -> TransferBatch:
    """Decide a batch of transfers; see the module docstring.

    ``accounts`` must hold every account the batch names (and the accounts of the pending
    transfers it resolves or that are due); their states are updated in place.
    ``existing`` holds every stored transfer whose id the batch reuses, ``pendings`` every
    stored pending transfer it names. ``may_debit`` limits which accounts the caller may
    take money from; the others look absent. ``permissions``, when given, holds one such
    check per transfer (a batch that combines several callers' submissions).
    """
    b = _Batch(accounts, existing, pendings, now, last_timestamp, next_seq, may_debit)
    b.expire(due)
    results: list[R] = []
    n = len(transfers)
    chain_start = -1
    chain_mark: tuple[int, int, int] = (0, 0, 0)
    chain_failed = False
    ok = R.OK
    create = b.create
    # The loop below decides plain, unlinked transfers inline (the common case, and the
    # hot path of the whole ledger); everything else goes through ``_Batch.create``. The
    # inline path makes exactly the checks ``create_plain`` makes, and falls back to
    # ``create`` for anything it does not handle, so both give the same results.
    created = b.created
    touched = b.touched
    states = b.states
    before = b.before
    entries_append = b.entries.append
    results_append = results.append
    lookup_existing = existing.get
    exceeds_credits = R.EXCEEDS_CREDITS
    exceeds_debits = R.EXCEEDS_DEBITS
    check = may_debit
    for i, t in enumerate(transfers):
        if permissions is not None:
            check = b.may_debit = permissions[i]
        f = t.flags
        if f == 0 and chain_start < 0:
            tid = t.id
            amount = t.amount
            dr = touched.get(t.debit_account_id)
            if dr is None:
                dr = states.get(t.debit_account_id)
                if dr is not None:
                    touched[dr.id] = dr
                    before[dr.id] = (dr.dp, dr.dpo)
            cr = touched.get(t.credit_account_id)
            if cr is None:
                cr = states.get(t.credit_account_id)
                if cr is not None:
                    touched[cr.id] = cr
                    before[cr.id] = (cr.dp, cr.dpo)
            if (
                0 < tid < ID_MAX
                and 0 < amount <= MAX_AMOUNT
                and not t.timestamp
                and not t.pending_id
                and not t.timeout
                and dr is not None
                and cr is not None
                and dr is not cr
                and t.ledger == dr.ledger == cr.ledger
                and t.code
                and 0 <= t.user_data_64 <= _I64
                and 0 <= t.user_data_32 <= _U32
                and 0 <= t.user_data_128 <= ID_MAX
                and not (dr.flags | cr.flags) & _CLOSED
                and dr.dp + dr.dpo + amount <= MAX_AMOUNT
                and cr.cp + cr.cpo + amount <= MAX_AMOUNT
                and tid not in created
                and lookup_existing(tid) is None
                and (check is None or check(dr))
            ):
                if dr.flags & _DR_LIMIT and dr.dp + dr.dpo + amount > dr.cpo:
                    results_append(exceeds_credits)
                    continue
                if cr.flags & _CR_LIMIT and cr.cp + cr.cpo + amount > cr.dpo:
                    results_append(exceeds_debits)
                    continue
                ts = now if now > b.ts else b.ts + 1
                b.ts = ts
                dr.dpo += amount
                cr.cpo += amount
                created[tid] = t
                entries_append((b.seq, _TRANSFER, t, ts, dr, cr))
                b.seq += 1
                results_append(ok)
                continue
            results_append(create(t))
            continue
        linked = f & _LINKED
        if linked and chain_start < 0:
            chain_start = i
            chain_mark = b.open_chain()
            chain_failed = False
        if chain_failed:
            result = R.LINKED_EVENT_FAILED
        elif linked and i == n - 1:
            result = R.LINKED_EVENT_CHAIN_OPEN
        else:
            result = create(t)
        if result is not ok and chain_start >= 0 and not chain_failed:
            chain_failed = True
            b.rollback_chain(chain_mark)
            for j in range(chain_start, i):
                results[j] = R.LINKED_EVENT_FAILED
        results_append(result)
        if chain_start >= 0 and not linked:
            chain_start = -1
            chain_failed = False
            b.close_chain()
    return TransferBatch(results, b.entries, b.touched, b.before, b.pendings, b.ts, b.seq)
