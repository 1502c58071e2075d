"""The ledger's records: accounts, transfers, their flags and the journal's event kinds."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from thamani.records import quick_init

#: Most transfers one batch may hold (TigerBeetle's batch size for 1 MiB messages).
BATCH_MAX = 8190


class AccountFlags(enum.IntFlag):
    """Flags set when an account is opened (``CLOSED`` is set and cleared by transfers)."""

    NONE = 0
    LINKED = 1 << 0
    """Opens or fails together with the next account in the batch."""
    DEBITS_MUST_NOT_EXCEED_CREDITS = 1 << 1
    """A wallet: it can never be overdrawn; pending debits count against it."""
    CREDITS_MUST_NOT_EXCEED_DEBITS = 1 << 2
    """A funding source with a limit: it can never be credited past what it sent out."""
    HISTORY = 1 << 3
    """Accepted for compatibility; every account keeps its full history here."""
    CLOSED = 1 << 5
    """No transfer may move money on it (set by a closing transfer)."""


ACCOUNT_FLAGS_SETTABLE = (
    AccountFlags.LINKED
    | AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    | AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
    | AccountFlags.HISTORY
    | AccountFlags.CLOSED
)


class TransferFlags(enum.IntFlag):
    """How a transfer behaves."""

    NONE = 0
    LINKED = 1 << 0
    """Succeeds or fails together with the next transfer in the batch."""
    PENDING = 1 << 1
    """Reserves the amount (phase one of a two-phase transfer)."""
    POST_PENDING_TRANSFER = 1 << 2
    """Posts the pending transfer named by ``pending_id``, fully or for less."""
    VOID_PENDING_TRANSFER = 1 << 3
    """Releases the pending transfer named by ``pending_id``."""
    BALANCING_DEBIT = 1 << 4
    """Moves at most what the debit account has available (``amount`` is the cap)."""
    BALANCING_CREDIT = 1 << 5
    """Moves at most what the credit account may still receive."""
    CLOSING_DEBIT = 1 << 6
    """A pending transfer that closes its debit account (voiding it reopens it)."""
    CLOSING_CREDIT = 1 << 7
    """A pending transfer that closes its credit account (voiding it reopens it)."""


TRANSFER_FLAGS_KNOWN = 0xFF


class Event(enum.IntEnum):
    """What a journal record records."""

    TRANSFER = 0
    EXPIRY = 1
    """The ledger released a pending transfer whose timeout passed."""
    ACCOUNT = 2
    """An account was opened."""


class PendingStatus(enum.IntEnum):
    """Where a pending transfer stands."""

    PENDING = 1
    POSTED = 2
    VOIDED = 3
    EXPIRED = 4


@quick_init
@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer of ``amount`` minor units from one account to another on one ledger.

    id: 128-bit id chosen by the client; the same id is the same transfer, forever.
    debit_account_id: the account money leaves (optional on post and void).
    credit_account_id: the account money arrives at (optional on post and void).
    amount: minor units; on a post, 0 means the whole pending amount.
    ledger: the partition (currency and fund) both accounts belong to.
    code: why money moved (see ``thamani.ledger.codes``).
    flags: ``TransferFlags``.
    pending_id: the pending transfer a post or void resolves.
    timeout: seconds a pending transfer may wait before it expires (0: never).
    user_data_128: a reference, e.g. the claim id.
    user_data_64: a second reference, e.g. the encounter number.
    user_data_32: a third reference, e.g. the facility or the benefit item.
    timestamp: nanoseconds since the epoch, assigned by the ledger (0 when submitting).
    """

    id: int
    debit_account_id: int = 0
    credit_account_id: int = 0
    amount: int = 0
    ledger: int = 0
    code: int = 0
    flags: int = 0
    pending_id: int = 0
    timeout: int = 0
    user_data_128: int = 0
    user_data_64: int = 0
    user_data_32: int = 0
    timestamp: int = 0


@dataclass(frozen=True, slots=True)
class Account:
    """An account and its four balances.

    id: 128-bit id chosen by the client.
    ledger: the partition it belongs to; it transacts only with accounts on the same ledger.
    code: what kind of account it is (see ``thamani.ledger.codes``).
    flags: ``AccountFlags``.
    user_data_128, user_data_64, user_data_32: references for the owner's own use.
    owner_party_id: the party whose account it is (sees it and may debit it).
    sponsor_party_id: the party that funds it (also sees it and may debit it).
    debits_pending, debits_posted, credits_pending, credits_posted: the balances, in
        minor units; they change only by transfers.
    timestamp: nanoseconds since the epoch at which the ledger opened it.
    """

    id: int
    ledger: int
    code: int
    flags: int = 0
    user_data_128: int = 0
    user_data_64: int = 0
    user_data_32: int = 0
    owner_party_id: int | None = None
    sponsor_party_id: int | None = None
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0
    timestamp: int = 0

    @property
    def balance(self) -> int:
        """Credits minus debits, posted only: what a wallet holds."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What a wallet could spend now: posted credits less posted and pending debits."""
        return self.credits_posted - self.debits_posted - self.debits_pending


@dataclass(frozen=True, slots=True)
class PendingTransfer:
    """The state of a two-phase transfer as the ledger tracks it.

    id: the pending transfer's id.
    debit_account_id, credit_account_id, amount, ledger, code, flags: as created.
    expires_at: nanoseconds since the epoch when it expires (0: never).
    status: ``PendingStatus``.
    timestamp: when it was created.
    """

    id: int
    debit_account_id: int
    credit_account_id: int
    amount: int
    ledger: int
    code: int
    flags: int
    expires_at: int
    status: PendingStatus
    timestamp: int
