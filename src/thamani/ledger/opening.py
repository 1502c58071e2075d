"""Opening accounts: the pure core that decides a batch of new accounts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from thamani.ledger.ids import ID_MAX
from thamani.ledger.machine import AccountState
from thamani.ledger.records import ACCOUNT_FLAGS_SETTABLE, Account, AccountFlags
from thamani.ledger.results import AccountResult as A

_LINKED = int(AccountFlags.LINKED)
_BOTH_LIMITS = int(
    AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
)
_U32 = 2**32 - 1
_I64 = 2**63 - 1


@dataclass(frozen=True, slots=True)
class AccountOpened:
    """A journal entry for an opened account.

    seq: position in the journal.
    no: the store's number for the account.
    account: the account as opened, with its timestamp.
    """

    seq: int
    no: int
    account: Account


@dataclass(slots=True)
class AccountBatch:
    """What deciding a batch of accounts produced (see ``TransferBatch``)."""

    results: list[A]
    opened: list[AccountOpened]
    last_timestamp: int
    next_seq: int
    next_no: int


def _exists(a: Account, e: AccountState, user_data: tuple[int, int, int]) -> A:
    """Compare a resubmitted account with the stored one, in the order of ``AccountResult``."""
    if (a.flags & ~_LINKED) != (e.flags & ~_LINKED & ~int(AccountFlags.CLOSED)):
        return A.EXISTS_WITH_DIFFERENT_FLAGS
    if a.user_data_128 != user_data[0]:
        return A.EXISTS_WITH_DIFFERENT_USER_DATA_128
    if a.user_data_64 != user_data[1]:
        return A.EXISTS_WITH_DIFFERENT_USER_DATA_64
    if a.user_data_32 != user_data[2]:
        return A.EXISTS_WITH_DIFFERENT_USER_DATA_32
    if a.ledger != e.ledger:
        return A.EXISTS_WITH_DIFFERENT_LEDGER
    if a.code != e.code:
        return A.EXISTS_WITH_DIFFERENT_CODE
    if a.owner_party_id != e.owner or a.sponsor_party_id != e.sponsor:
        return A.EXISTS_WITH_DIFFERENT_OWNER
    return A.EXISTS


def _check(a: Account, ledgers: Collection[int]) -> A:
    if a.timestamp:
        return A.TIMESTAMP_MUST_BE_ZERO
    if a.flags & ~int(ACCOUNT_FLAGS_SETTABLE) or a.flags & int(AccountFlags.CLOSED) or a.flags < 0:
        return A.RESERVED_FLAG
    if a.id == 0:
        return A.ID_MUST_NOT_BE_ZERO
    if a.id == ID_MAX:
        return A.ID_MUST_NOT_BE_INT_MAX
    return A.OK


def decide_accounts(
    accounts: Sequence[Account],
    *,
    existing: Mapping[int, AccountState],
    existing_user_data: Mapping[int, tuple[int, int, int]],
    ledgers: Collection[int],
    now: int,
    last_timestamp: int,
    next_seq: int,
    next_no: int,
) -> AccountBatch:
    """Decide a batch of new accounts, with TigerBeetle's results and linked chains.

    ``existing`` holds the stored accounts whose ids the batch reuses and
    ``existing_user_data`` their user data, so a resubmission is told ``exists`` or how it
    differs.
    """
    results: list[A] = []
    opened: list[AccountOpened] = []
    made: dict[int, Account] = {}
    ts, seq, no = last_timestamp, next_seq, next_no
    n = len(accounts)
    chain_start = -1
    chain_mark = (0, ts, seq, no)
    chain_failed = False
    for i, a in enumerate(accounts):
        linked = a.flags & _LINKED
        if linked and chain_start < 0:
            chain_start = i
            chain_mark = (len(opened), ts, seq, no)
            chain_failed = False
        if chain_failed:
            result = A.LINKED_EVENT_FAILED
        elif linked and i == n - 1:
            result = A.LINKED_EVENT_CHAIN_OPEN
        else:
            result = _check(a, ledgers)
            if result is A.OK:
                result = _decide_one(a, made, existing, existing_user_data, ledgers)
            if result is A.OK:
                ts = now if now > ts else ts + 1
                stored = Account(
                    a.id,
                    a.ledger,
                    a.code,
                    a.flags & ~_LINKED,
                    a.user_data_128,
                    a.user_data_64,
                    a.user_data_32,
                    a.owner_party_id,
                    a.sponsor_party_id,
                    0,
                    0,
                    0,
                    0,
                    ts,
                )
                made[a.id] = stored
                opened.append(AccountOpened(seq, no, stored))
                seq += 1
                no += 1
        if result is not A.OK and chain_start >= 0 and not chain_failed:
            chain_failed = True
            n_opened, ts, seq, no = chain_mark
            for o in opened[n_opened:]:
                made.pop(o.account.id, None)
            del opened[n_opened:]
            for j in range(chain_start, i):
                results[j] = A.LINKED_EVENT_FAILED
        results.append(result)
        if chain_start >= 0 and not linked:
            chain_start = -1
            chain_failed = False
    return AccountBatch(results, opened, ts, seq, no)


def _decide_one(
    a: Account,
    made: Mapping[int, Account],
    existing: Mapping[int, AccountState],
    existing_user_data: Mapping[int, tuple[int, int, int]],
    ledgers: Collection[int],
) -> A:
    prior = made.get(a.id)
    if prior is not None:
        state = AccountState(
            0,
            prior.id,
            prior.ledger,
            prior.code,
            prior.flags,
            owner=prior.owner_party_id,
            sponsor=prior.sponsor_party_id,
        )
        return _exists(a, state, (prior.user_data_128, prior.user_data_64, prior.user_data_32))
    if a.id in existing:
        return _exists(a, existing[a.id], existing_user_data.get(a.id, (0, 0, 0)))
    if (a.flags & _BOTH_LIMITS) == _BOTH_LIMITS:
        return A.FLAGS_ARE_MUTUALLY_EXCLUSIVE
    if a.debits_pending or a.debits_posted or a.credits_pending or a.credits_posted:
        return A.BALANCES_MUST_BE_ZERO
    if (
        not 0 <= a.user_data_128 <= ID_MAX
        or not 0 <= a.user_data_64 <= _I64
        or not 0 <= a.user_data_32 <= _U32
    ):
        return A.USER_DATA_OUT_OF_RANGE
    if a.ledger == 0:
        return A.LEDGER_MUST_NOT_BE_ZERO
    if a.ledger not in ledgers:
        return A.LEDGER_NOT_FOUND
    if a.code == 0:
        return A.CODE_MUST_NOT_BE_ZERO
    return A.OK
