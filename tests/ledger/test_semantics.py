"""Ledger semantics the random walk reaches rarely, stated as scenarios (on both stores).

Several are regression tests for faults found while writing the stateful test: a failed
linked chain that failed every later transfer of its batch, a retried transfer answered
with a fresh refusal instead of ``exists``, and a malformed value that left the writer's
memory wrong so that later batches stored wrong balances.
"""

from __future__ import annotations

import struct
from dataclasses import replace

import pytest

from thamani.clock import ManualClock
from thamani.errors import InvalidInput
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.records import BATCH_MAX, Account, AccountFlags, Transfer, TransferFlags
from thamani.ledger.results import AccountResult as A
from thamani.ledger.results import TransferResult as R
from thamani.money import MAX_AMOUNT
from thamani.platform import Platform

WALLET = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
CAPPED = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING_TRANSFER)
VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
LINKED = int(TransferFlags.LINKED)

CLEARING, WALLET_A, CLINIC, DONOR_LIMIT, VOUCHER = 1, 2, 3, 4, 5
TOP_UP, PAY = TransferCode.TOP_UP, TransferCode.CLAIM_PAYMENT


def open_books(p: Platform) -> None:
    """A mobile-money float, a patient's wallet, a clinic, a capped funder, a voucher."""
    p.ledger.create_ledger(1, "KES", "kes-savings")
    p.ledger.create_ledger(2, "KES", "kes-voucher")
    assert (
        p.ledger.create_accounts(
            [
                Account(CLEARING, 1, AccountCode.MOBILE_MONEY_CLEARING),
                Account(WALLET_A, 1, AccountCode.PATIENT_WALLET, WALLET),
                Account(CLINIC, 1, AccountCode.PROVIDER_RECEIVABLE),
                Account(DONOR_LIMIT, 1, AccountCode.PROGRAMME_FUND, CAPPED),
                Account(VOUCHER, 2, AccountCode.PATIENT_WALLET, WALLET),
            ]
        )
        == [A.OK] * 5
    )


def balances(p: Platform, account_id: int) -> tuple[int, int, int, int]:
    a = p.ledger.account(account_id)
    return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)


def top_up(p: Platform, transfer_id: int, amount: int) -> None:
    assert p.ledger.create_transfers(
        [Transfer(transfer_id, CLEARING, WALLET_A, amount, 1, TOP_UP)]
    ) == [R.OK]


# -- linked chains ----------------------------------------------------------------------


def test_after_a_failed_chain_the_rest_of_the_batch_is_judged_on_its_own(
    platform: Platform,
) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    results = platform.ledger.create_transfers(
        [
            Transfer(11, WALLET_A, CLINIC, 600, 1, PAY, LINKED),
            Transfer(12, WALLET_A, CLINIC, 5000, 1, PAY),  # the chain fails here
            Transfer(13, WALLET_A, CLINIC, 300, 1, PAY, PENDING),  # on its own: fine
            Transfer(14, flags=POST, pending_id=13),  # and so is its posting
            Transfer(15, WALLET_A, CLINIC, 100, 1, PAY),
        ]
    )
    assert results == [R.LINKED_EVENT_FAILED, R.EXCEEDS_CREDITS, R.OK, R.OK, R.OK]
    assert balances(platform, WALLET_A) == (0, 400, 0, 1000)
    assert platform.verify_ledger().ok


def test_after_a_failed_chain_a_party_s_later_transfers_still_count(platform: Platform) -> None:
    """With access checks every transfer takes the general path (the bug hid there)."""
    from thamani.parties.records import PartyKind

    open_books(platform)
    patient = platform.parties.create(PartyKind.PATIENT, "Akinyi")
    platform.ledger.create_accounts([Account(6, 1, AccountCode.PATIENT_WALLET, WALLET,
                                             owner_party_id=patient.id)])  # fmt: skip
    platform.ledger.create_transfers([Transfer(10, CLEARING, 6, 1000, 1, TOP_UP)])
    actor = platform.parties.actor(patient)
    results = platform.ledger.create_transfers(
        [
            Transfer(11, 6, CLINIC, 100, 1, PAY, LINKED),
            Transfer(12, CLINIC, 6, 100, 1, PAY),  # not the patient's to debit
            Transfer(13, 6, CLINIC, 250, 1, PAY),
        ],
        actor,
    )
    assert results == [R.LINKED_EVENT_FAILED, R.DEBIT_ACCOUNT_NOT_FOUND, R.OK]
    assert balances(platform, 6) == (0, 250, 0, 1000)


def test_after_a_failed_chain_of_accounts_the_rest_is_opened(platform: Platform) -> None:
    platform.ledger.create_ledger(1, "KES", "kes-savings")
    results = platform.ledger.create_accounts(
        [
            Account(1, 1, 100, int(AccountFlags.LINKED)),
            Account(2, 9, 100),  # ledger 9 does not exist: the chain fails
            Account(3, 1, 100),
            Account(4, 1, 100, int(AccountFlags.LINKED)),
            Account(5, 1, 100),
        ]
    )
    assert results == [A.LINKED_EVENT_FAILED, A.LEDGER_NOT_FOUND, A.OK, A.OK, A.OK]
    assert [a.id for a in platform.ledger.accounts([1, 2, 3, 4, 5])] == [3, 4, 5]


def test_a_chain_open_at_the_end_of_the_batch_fails_whole(platform: Platform) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    results = platform.ledger.create_transfers(
        [
            Transfer(11, WALLET_A, CLINIC, 1, 1, PAY),
            Transfer(12, WALLET_A, CLINIC, 2, 1, PAY, LINKED),
            Transfer(13, WALLET_A, CLINIC, 3, 1, PAY, LINKED),
        ]
    )
    assert results == [R.OK, R.LINKED_EVENT_FAILED, R.LINKED_EVENT_CHAIN_OPEN]
    assert balances(platform, WALLET_A) == (0, 1, 0, 1000)


# -- exactly once -----------------------------------------------------------------------


def test_a_retry_answers_exists_even_when_it_could_not_happen_again(platform: Platform) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    pay = Transfer(11, WALLET_A, CLINIC, 1000, 1, PAY)
    assert platform.ledger.create_transfers([pay]) == [R.OK]
    # The wallet is empty now: a fresh payment would be refused, a retry is not one.
    assert platform.ledger.create_transfers([pay]) == [R.EXISTS]
    assert platform.ledger.create_transfers([replace(pay, amount=999)]) == [
        R.EXISTS_WITH_DIFFERENT_AMOUNT
    ]
    assert balances(platform, WALLET_A) == (0, 1000, 0, 1000)


def test_a_retried_post_answers_exists_not_already_posted(platform: Platform) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    platform.ledger.create_transfers([Transfer(20, WALLET_A, CLINIC, 800, 1, PAY, PENDING)])
    post = Transfer(21, amount=500, flags=POST, pending_id=20)
    assert platform.ledger.create_transfers([post]) == [R.OK]
    assert platform.ledger.create_transfers([post]) == [R.EXISTS]
    assert platform.ledger.create_transfers([replace(post, amount=0)]) == [R.EXISTS]
    assert platform.ledger.create_transfers([replace(post, amount=600)]) == [
        R.EXISTS_WITH_DIFFERENT_AMOUNT
    ]
    # A new id resolving it again is told how it ended.
    assert platform.ledger.create_transfers([Transfer(22, flags=VOID, pending_id=20)]) == [
        R.PENDING_TRANSFER_ALREADY_POSTED
    ]
    assert balances(platform, WALLET_A) == (0, 500, 0, 1000)


def test_a_stored_id_in_a_chain_fails_the_chain_with_exists(platform: Platform) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    results = platform.ledger.create_transfers(
        [
            Transfer(10, CLEARING, WALLET_A, 1000, 1, TOP_UP, LINKED),
            Transfer(11, WALLET_A, CLINIC, 5, 1, PAY),
        ]
    )
    assert results == [R.EXISTS_WITH_DIFFERENT_FLAGS, R.LINKED_EVENT_FAILED]
    assert balances(platform, WALLET_A) == (0, 0, 0, 1000)


CHANGES = [
    ({"flags": PENDING}, R.EXISTS_WITH_DIFFERENT_FLAGS),
    ({"debit_account_id": CLINIC}, R.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID),
    ({"credit_account_id": CLINIC}, R.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID),
    ({"amount": 1}, R.EXISTS_WITH_DIFFERENT_AMOUNT),
    ({"user_data_128": 9}, R.EXISTS_WITH_DIFFERENT_USER_DATA_128),
    ({"user_data_64": 9}, R.EXISTS_WITH_DIFFERENT_USER_DATA_64),
    ({"user_data_32": 9}, R.EXISTS_WITH_DIFFERENT_USER_DATA_32),
    ({"ledger": 2}, R.EXISTS_WITH_DIFFERENT_LEDGER),
    ({"code": 7}, R.EXISTS_WITH_DIFFERENT_CODE),
    ({"timeout": 5}, R.EXISTS_WITH_DIFFERENT_TIMEOUT),
    ({"pending_id": 3}, R.EXISTS_WITH_DIFFERENT_PENDING_ID),
    ({"user_data_64": 9, "amount": 1}, R.EXISTS_WITH_DIFFERENT_AMOUNT),
    ({}, R.EXISTS),
]


def test_a_changed_retry_names_the_field_and_moves_nothing(platform: Platform) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    before = [balances(platform, i) for i in (CLEARING, WALLET_A, CLINIC)]
    original = Transfer(10, CLEARING, WALLET_A, 1000, 1, TOP_UP)
    results = platform.ledger.create_transfers([replace(original, **c) for c, _ in CHANGES])
    assert results == [r for _, r in CHANGES]
    for change, result in CHANGES:  # one at a time too: alone in its batch
        assert platform.ledger.create_transfers([replace(original, **change)]) == [result]
    assert [balances(platform, i) for i in (CLEARING, WALLET_A, CLINIC)] == before


def test_a_recorded_chain_retried_with_a_failing_tail_answers_exists(
    platform: Platform,
) -> None:
    open_books(platform)
    head = Transfer(30, CLEARING, WALLET_A, 5, 1, TOP_UP, LINKED)
    assert platform.ledger.create_transfers(
        [head, Transfer(31, CLEARING, WALLET_A, 5, 1, TOP_UP)]
    ) == [R.OK, R.OK]
    assert platform.ledger.create_transfers(
        [head, Transfer(32, WALLET_A, CLINIC, 10**6, 1, PAY)]
    ) == [R.EXISTS, R.LINKED_EVENT_FAILED]
    assert balances(platform, WALLET_A) == (0, 0, 0, 10)


def test_duplicates_inside_one_batch_apply_once(platform: Platform) -> None:
    open_books(platform)
    t = Transfer(10, CLEARING, WALLET_A, 700, 1, TOP_UP)
    results = platform.ledger.create_transfers([t, t, replace(t, amount=1), t])
    assert results == [R.OK, R.EXISTS, R.EXISTS_WITH_DIFFERENT_AMOUNT, R.EXISTS]
    assert balances(platform, WALLET_A) == (0, 0, 0, 700)


def test_recorded_transfers_never_change(platform: Platform, clock: ManualClock) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    platform.ledger.create_transfers([Transfer(20, WALLET_A, CLINIC, 400, 1, PAY, PENDING,
                                               timeout=30, user_data_64=77)])  # fmt: skip
    before = platform.ledger.transfers([10, 20])
    platform.ledger.create_transfers([Transfer(21, amount=100, flags=POST, pending_id=20)])
    clock.advance(60)
    platform.ledger.expire()
    platform.ledger.create_transfers([Transfer(10, CLEARING, WALLET_A, 1, 1, TOP_UP)])
    assert platform.ledger.transfers([10, 20]) == before
    assert (before[1].amount, before[1].user_data_64) == (400, 77)
    assert before[1].timestamp > before[0].timestamp > 0


# -- batches ----------------------------------------------------------------------------


def test_a_full_batch_gets_one_result_per_transfer(platform: Platform) -> None:
    open_books(platform)
    batch = [Transfer(100 + i, CLEARING, CLINIC, 1, 1, TOP_UP) for i in range(BATCH_MAX)]
    batch[7] = replace(batch[7], amount=0)
    batch[4000] = replace(batch[4000], debit_account_id=WALLET_A)  # an empty wallet
    results = platform.ledger.create_transfers(batch)
    assert len(results) == BATCH_MAX
    assert results[7] is R.AMOUNT_MUST_NOT_BE_ZERO
    assert results[4000] is R.EXCEEDS_CREDITS
    assert results.count(R.OK) == BATCH_MAX - 2
    assert balances(platform, CLINIC) == (0, 0, 0, BATCH_MAX - 2)
    assert platform.verify_ledger().ok


def test_a_batch_too_large_is_refused_whole(platform: Platform) -> None:
    open_books(platform)
    head = platform.ledger.head()
    batch = [Transfer(100 + i, CLEARING, CLINIC, 1, 1, TOP_UP) for i in range(BATCH_MAX + 1)]
    with pytest.raises(InvalidInput) as e:
        platform.ledger.create_transfers(batch)
    assert e.value.code == "batch_too_large"
    assert "8190" in e.value.message
    assert platform.ledger.head() == head
    assert balances(platform, CLINIC) == (0, 0, 0, 0)


def test_a_value_no_record_can_hold_changes_nothing(platform: Platform) -> None:
    """A code wider than 32 bits after a good transfer in the same batch: the call fails,
    nothing of the batch is applied, and later batches see the true balances."""
    open_books(platform)
    with pytest.raises((InvalidInput, struct.error, OverflowError)):
        platform.ledger.create_transfers(
            [
                Transfer(10, CLEARING, CLINIC, 7, 1, TOP_UP),
                Transfer(11, CLEARING, CLINIC, 5, 1, 2**33),
            ]
        )
    assert platform.ledger.create_transfers([Transfer(12, CLEARING, CLINIC, 1, 1, TOP_UP)]) == [
        R.OK
    ]
    assert balances(platform, CLINIC) == (0, 0, 0, 1)
    report = platform.verify_ledger()
    assert report.ok, report.problems


# -- limits, two-phase, overflow --------------------------------------------------------


def test_a_funder_cannot_be_credited_past_what_it_sent(platform: Platform) -> None:
    open_books(platform)
    assert platform.ledger.create_transfers(
        [Transfer(10, CLEARING, DONOR_LIMIT, 1, 1, TOP_UP)]
    ) == [R.EXCEEDS_DEBITS]
    platform.ledger.create_transfers([Transfer(11, DONOR_LIMIT, CLINIC, 500, 1, PAY)])
    assert platform.ledger.create_transfers(
        [
            Transfer(12, CLEARING, DONOR_LIMIT, 300, 1, TOP_UP, PENDING),
            Transfer(13, CLEARING, DONOR_LIMIT, 201, 1, TOP_UP),  # pending credits count
            Transfer(14, CLEARING, DONOR_LIMIT, 200, 1, TOP_UP),
        ]
    ) == [R.OK, R.EXCEEDS_DEBITS, R.OK]
    assert balances(platform, DONOR_LIMIT) == (0, 500, 300, 200)


def test_void_releases_and_resolving_twice_names_the_outcome(
    platform: Platform, clock: ManualClock
) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    platform.ledger.create_transfers(
        [
            Transfer(20, WALLET_A, CLINIC, 300, 1, PAY, PENDING),
            Transfer(21, WALLET_A, CLINIC, 300, 1, PAY, PENDING, timeout=10),
        ]
    )
    assert balances(platform, WALLET_A) == (600, 0, 0, 1000)
    assert platform.ledger.create_transfers(
        [Transfer(22, flags=VOID, pending_id=20, amount=1)]
    ) == [R.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT]
    assert platform.ledger.create_transfers([Transfer(23, flags=VOID, pending_id=20)]) == [R.OK]
    assert platform.ledger.create_transfers([Transfer(24, flags=POST, pending_id=20)]) == [
        R.PENDING_TRANSFER_ALREADY_VOIDED
    ]
    clock.advance(11)  # its time is up: the next batch releases it before deciding
    assert platform.ledger.create_transfers([Transfer(25, flags=POST, pending_id=21)]) == [
        R.PENDING_TRANSFER_EXPIRED
    ]
    assert balances(platform, WALLET_A) == (0, 0, 0, 1000)
    assert platform.ledger.expire() == 0  # the batch above already released it
    assert platform.verify_ledger().ok


def test_a_timeout_runs_from_the_pending_transfer_s_timestamp(
    platform: Platform, clock: ManualClock
) -> None:
    open_books(platform)
    top_up(platform, 10, 1000)
    platform.ledger.create_transfers([Transfer(20, WALLET_A, CLINIC, 300, 1, PAY, PENDING,
                                               timeout=5)])  # fmt: skip
    (stamped,) = platform.ledger.transfers([20])
    clock.set(stamped.timestamp + 5 * 10**9 - 1)
    assert platform.ledger.expire() == 0
    clock.advance(ns=1)
    assert platform.ledger.expire() == 1
    assert balances(platform, WALLET_A) == (0, 0, 0, 1000)


def test_balances_cannot_overflow(platform: Platform) -> None:
    open_books(platform)
    assert platform.ledger.create_transfers(
        [
            Transfer(10, CLEARING, CLINIC, MAX_AMOUNT, 1, TOP_UP, PENDING),
            Transfer(11, CLEARING, CLINIC, 1, 1, TOP_UP, PENDING),
            Transfer(12, CLEARING, CLINIC, 1, 1, TOP_UP),
            Transfer(13, CLEARING, CLINIC, MAX_AMOUNT + 1, 1, TOP_UP),
            Transfer(14, WALLET_A, CLINIC, 1, 1, TOP_UP, PENDING),
            Transfer(15, flags=POST, pending_id=10),
            Transfer(16, CLINIC, CLEARING, 1, 1, TOP_UP),
            Transfer(17, WALLET_A, CLINIC, 1, 1, TOP_UP),
            Transfer(18, CLEARING, WALLET_A, 1, 1, TOP_UP),
            Transfer(19, DONOR_LIMIT, CLINIC, 1, 1, PAY, PENDING),
        ]
    ) == [
        R.OK,
        R.OVERFLOWS_DEBITS_PENDING,
        R.OVERFLOWS_DEBITS,
        R.AMOUNT_OUT_OF_RANGE,
        R.OVERFLOWS_CREDITS_PENDING,  # judged before the empty wallet's limit
        R.OK,
        R.OK,
        R.OVERFLOWS_CREDITS_POSTED,
        R.OVERFLOWS_DEBITS_POSTED,
        R.OVERFLOWS_CREDITS,
    ]
    assert balances(platform, CLEARING) == (0, MAX_AMOUNT, 0, 1)
    assert balances(platform, CLINIC) == (0, 1, 0, MAX_AMOUNT)
    report = platform.verify_ledger()
    assert report.ok, report.problems


def test_money_cannot_cross_funds(platform: Platform) -> None:
    open_books(platform)
    assert platform.ledger.create_transfers(
        [
            Transfer(10, CLEARING, VOUCHER, 5, 1, TOP_UP),
            Transfer(11, CLEARING, VOUCHER, 5, 2, TOP_UP),
            Transfer(12, CLEARING, CLINIC, 5, 2, TOP_UP),
        ]
    ) == [
        R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER,
        R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER,
        R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS,
    ]


def test_an_account_for_a_party_that_does_not_exist_is_refused(platform: Platform) -> None:
    platform.ledger.create_ledger(1, "KES", "kes-savings")
    with pytest.raises(InvalidInput) as e:
        platform.ledger.create_accounts(
            [Account(1, 1, 100), Account(2, 1, 100, owner_party_id=9999)]
        )
    assert e.value.code == "party_not_found"
    assert platform.ledger.accounts([1, 2]) == []
    assert platform.ledger.create_accounts([Account(1, 1, 100)]) == [A.OK]
    assert platform.verify_ledger().ok
