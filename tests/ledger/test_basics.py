"""The ledger's semantics, stated as small scenarios in the domain's own words."""

from __future__ import annotations

from thamani.clock import ManualClock
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.records import Account, AccountFlags, Transfer, TransferFlags
from thamani.ledger.results import AccountResult as A
from thamani.ledger.results import TransferResult as R
from thamani.platform import Platform

WALLET = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING_TRANSFER)
VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
LINKED = int(TransferFlags.LINKED)


def setup(p: Platform) -> None:
    p.ledger.create_ledger(1, "KES", "kes-savings")
    p.ledger.create_ledger(2, "KES", "kes-voucher")
    results = p.ledger.create_accounts(
        [
            Account(1, 1, AccountCode.MOBILE_MONEY_CLEARING),
            Account(2, 1, AccountCode.PATIENT_WALLET, WALLET),
            Account(3, 1, AccountCode.PROVIDER_RECEIVABLE),
            Account(4, 2, AccountCode.PROGRAMME_FUND),
        ]
    )
    assert results == [A.OK] * 4


def balance(p: Platform, account_id: int) -> tuple[int, int, int, int]:
    a = p.ledger.account(account_id)
    return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)


def test_a_top_up_moves_money_exactly_once(platform: Platform) -> None:
    setup(platform)
    t = Transfer(10, 1, 2, 1500_00, 1, TransferCode.TOP_UP)
    assert platform.ledger.create_transfers([t]) == [R.OK]
    assert platform.ledger.create_transfers([t]) == [R.EXISTS]
    assert balance(platform, 2) == (0, 0, 0, 1500_00)
    assert balance(platform, 1) == (0, 1500_00, 0, 0)
    changed = Transfer(10, 1, 2, 1600_00, 1, TransferCode.TOP_UP)
    assert platform.ledger.create_transfers([changed]) == [R.EXISTS_WITH_DIFFERENT_AMOUNT]
    assert balance(platform, 2) == (0, 0, 0, 1500_00)


def test_a_wallet_cannot_be_overdrawn_and_pending_debits_count(platform: Platform) -> None:
    setup(platform)
    platform.ledger.create_transfers([Transfer(10, 1, 2, 1000, 1, 1)])
    assert platform.ledger.create_transfers([Transfer(11, 2, 3, 600, 1, 4, PENDING)]) == [R.OK]
    assert platform.ledger.create_transfers([Transfer(12, 2, 3, 500, 1, 4)]) == [R.EXCEEDS_CREDITS]
    assert platform.ledger.create_transfers([Transfer(13, 2, 3, 400, 1, 4)]) == [R.OK]
    assert balance(platform, 2) == (600, 400, 0, 1000)


def test_pending_is_posted_for_less_and_the_rest_released(platform: Platform) -> None:
    setup(platform)
    platform.ledger.create_transfers([Transfer(10, 1, 2, 12000, 1, 1)])
    assert platform.ledger.create_transfers([Transfer(20, 2, 3, 12000, 1, 5, PENDING)]) == [R.OK]
    assert balance(platform, 2) == (12000, 0, 0, 12000)
    assert platform.ledger.create_transfers(
        [Transfer(21, amount=9850, flags=POST, pending_id=20)]
    ) == [R.OK]
    assert balance(platform, 2) == (0, 9850, 0, 12000)
    assert balance(platform, 3) == (0, 0, 0, 9850)
    assert platform.ledger.create_transfers([Transfer(22, flags=VOID, pending_id=20)]) == [
        R.PENDING_TRANSFER_ALREADY_POSTED
    ]
    # Precedence follows the result list: the amount is judged before the state.
    assert platform.ledger.create_transfers(
        [Transfer(23, amount=12001, flags=POST, pending_id=20)]
    ) == [R.EXCEEDS_PENDING_TRANSFER_AMOUNT]


def test_a_reservation_expires_at_its_timeout(platform: Platform, clock: ManualClock) -> None:
    setup(platform)
    platform.ledger.create_transfers([Transfer(10, 1, 2, 1000, 1, 1)])
    platform.ledger.create_transfers([Transfer(20, 2, 3, 700, 1, 5, PENDING, timeout=60)])
    clock.advance(59)
    assert platform.ledger.expire() == 0
    assert balance(platform, 2) == (700, 0, 0, 1000)
    clock.advance(2)
    assert platform.ledger.expire() == 1
    assert balance(platform, 2) == (0, 0, 0, 1000)
    assert platform.ledger.create_transfers([Transfer(21, flags=POST, pending_id=20)]) == [
        R.PENDING_TRANSFER_EXPIRED
    ]
    assert platform.verify_ledger().ok


def test_a_linked_chain_fails_together(platform: Platform) -> None:
    setup(platform)
    platform.ledger.create_transfers([Transfer(10, 1, 2, 1000, 1, 1)])
    results = platform.ledger.create_transfers(
        [
            Transfer(11, 2, 3, 600, 1, 4, LINKED),
            Transfer(12, 2, 3, 600, 1, 4),
            Transfer(13, 2, 3, 100, 1, 4),
        ]
    )
    assert results == [R.LINKED_EVENT_FAILED, R.EXCEEDS_CREDITS, R.OK]
    assert balance(platform, 2) == (0, 100, 0, 1000)
    assert platform.ledger.create_transfers([Transfer(14, 2, 3, 1, 1, 4, LINKED)]) == [
        R.LINKED_EVENT_CHAIN_OPEN
    ]


def test_earmarked_money_cannot_leak_across_ledgers(platform: Platform) -> None:
    setup(platform)
    assert platform.ledger.create_transfers([Transfer(10, 4, 3, 100, 2, 3)]) == [
        R.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER
    ]
    assert platform.ledger.create_transfers([Transfer(11, 1, 2, 100, 2, 1)]) == [
        R.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS
    ]


def test_the_books_verify_and_statements_page(platform: Platform) -> None:
    setup(platform)
    platform.ledger.create_transfers([Transfer(100 + i, 1, 2, 10 + i, 1, 1) for i in range(25)])
    first = platform.ledger.statement(2, limit=10)
    assert [line.transfer.amount for line in first.lines] == list(range(10, 20))
    assert first.next_cursor is not None
    second = platform.ledger.statement(2, after=first.next_cursor, limit=10)
    assert [line.transfer.amount for line in second.lines] == list(range(20, 30))
    platform.ledger.index_statements()
    third = platform.ledger.statement(2, after=second.next_cursor or 0, limit=10)
    assert [line.transfer.amount for line in third.lines] == list(range(30, 35))
    assert third.next_cursor is None
    newest = platform.ledger.statement(2, limit=3, newest_first=True)
    assert [line.transfer.amount for line in newest.lines] == [34, 33, 32]
    report = platform.verify_ledger()
    assert report.ok, report.problems
    assert report.records == 4 + 25
