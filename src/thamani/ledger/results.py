"""Result codes, one per submitted account or transfer, listed in order of precedence.

The names follow TigerBeetle's so that people who know it know these. When more than one
applies, the first in the list is returned. ``ok`` and ``exists`` mean the transfer is
recorded; everything else means nothing was applied for it.
"""

from __future__ import annotations

import enum


class TransferResult(enum.Enum):
    """What happened to one submitted transfer."""

    OK = "ok"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    TIMESTAMP_MUST_BE_ZERO = "timestamp_must_be_zero"
    RESERVED_FLAG = "reserved_flag"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    ID_MUST_NOT_BE_INT_MAX = "id_must_not_be_int_max"
    ID_ALREADY_USED = "id_already_used"
    """Another party's transfer has this id (what it holds is not disclosed)."""
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    EXISTS_WITH_DIFFERENT_PENDING_ID = "exists_with_different_pending_id"
    EXISTS_WITH_DIFFERENT_TIMEOUT = "exists_with_different_timeout"
    EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID = "exists_with_different_debit_account_id"
    EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID = "exists_with_different_credit_account_id"
    EXISTS_WITH_DIFFERENT_AMOUNT = "exists_with_different_amount"
    EXISTS_WITH_DIFFERENT_USER_DATA_128 = "exists_with_different_user_data_128"
    EXISTS_WITH_DIFFERENT_USER_DATA_64 = "exists_with_different_user_data_64"
    EXISTS_WITH_DIFFERENT_USER_DATA_32 = "exists_with_different_user_data_32"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS = "exists"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "debit_account_id_must_not_be_zero"
    DEBIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX = "debit_account_id_must_not_be_int_max"
    CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "credit_account_id_must_not_be_zero"
    CREDIT_ACCOUNT_ID_MUST_NOT_BE_INT_MAX = "credit_account_id_must_not_be_int_max"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    PENDING_ID_MUST_BE_ZERO = "pending_id_must_be_zero"
    PENDING_ID_MUST_NOT_BE_ZERO = "pending_id_must_not_be_zero"
    PENDING_ID_MUST_NOT_BE_INT_MAX = "pending_id_must_not_be_int_max"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    CLOSING_TRANSFER_MUST_BE_PENDING = "closing_transfer_must_be_pending"
    AMOUNT_MUST_NOT_BE_ZERO = "amount_must_not_be_zero"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    USER_DATA_OUT_OF_RANGE = "user_data_out_of_range"
    LEDGER_MUST_NOT_BE_ZERO = "ledger_must_not_be_zero"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER = "accounts_must_have_the_same_ledger"
    TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS = (
        "transfer_must_have_the_same_ledger_as_accounts"
    )
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID = (
        "pending_transfer_has_different_debit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID = (
        "pending_transfer_has_different_credit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_LEDGER = "pending_transfer_has_different_ledger"
    PENDING_TRANSFER_HAS_DIFFERENT_CODE = "pending_transfer_has_different_code"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    DEBIT_ACCOUNT_ALREADY_CLOSED = "debit_account_already_closed"
    CREDIT_ACCOUNT_ALREADY_CLOSED = "credit_account_already_closed"
    OVERFLOWS_DEBITS_PENDING = "overflows_debits_pending"
    OVERFLOWS_CREDITS_PENDING = "overflows_credits_pending"
    OVERFLOWS_DEBITS_POSTED = "overflows_debits_posted"
    OVERFLOWS_CREDITS_POSTED = "overflows_credits_posted"
    OVERFLOWS_DEBITS = "overflows_debits"
    OVERFLOWS_CREDITS = "overflows_credits"
    OVERFLOWS_TIMEOUT = "overflows_timeout"
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"

    @property
    def recorded(self) -> bool:
        """The transfer is in the ledger (just now, or by an earlier identical submission)."""
        return self in (TransferResult.OK, TransferResult.EXISTS)


class AccountResult(enum.Enum):
    """What happened to one submitted account."""

    OK = "ok"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    TIMESTAMP_MUST_BE_ZERO = "timestamp_must_be_zero"
    RESERVED_FLAG = "reserved_flag"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    ID_MUST_NOT_BE_INT_MAX = "id_must_not_be_int_max"
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    EXISTS_WITH_DIFFERENT_USER_DATA_128 = "exists_with_different_user_data_128"
    EXISTS_WITH_DIFFERENT_USER_DATA_64 = "exists_with_different_user_data_64"
    EXISTS_WITH_DIFFERENT_USER_DATA_32 = "exists_with_different_user_data_32"
    EXISTS_WITH_DIFFERENT_LEDGER = "exists_with_different_ledger"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS_WITH_DIFFERENT_OWNER = "exists_with_different_owner"
    EXISTS = "exists"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    BALANCES_MUST_BE_ZERO = "balances_must_be_zero"
    USER_DATA_OUT_OF_RANGE = "user_data_out_of_range"
    LEDGER_MUST_NOT_BE_ZERO = "ledger_must_not_be_zero"
    LEDGER_NOT_FOUND = "ledger_not_found"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"

    @property
    def recorded(self) -> bool:
        return self in (AccountResult.OK, AccountResult.EXISTS)
