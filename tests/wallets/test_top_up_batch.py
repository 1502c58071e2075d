"""Many confirmed top-ups at once (``Wallets.credit_top_ups``): the same rules as one at a
time, each TransID credited once, unknown accounts kept for refund, bad input refused whole."""

from __future__ import annotations

import pytest

from tests.wallets.county import MOTHER_PHONE, SISTER_PHONE, County, kes
from thamani.errors import InvalidInput
from thamani.wallets.records import FundingSource
from thamani.wallets.topups import TopUp, TopUpStatus


def top_up(trans: str, account: str, amount: int, phone: str | None = None) -> TopUp:
    return TopUp(trans, "600000", phone or account, account, amount, "KES")


def test_a_batch_credits_each_wallet_once(county: County) -> None:
    c = county
    batch = [
        top_up("QA1", MOTHER_PHONE, kes(300)),
        top_up("QA2", f"TH{c.sister.id:06d}", kes(200), SISTER_PHONE),
        top_up("QA3", SISTER_PHONE, kes(50), MOTHER_PHONE),
        top_up("QA4", "254700000000", kes(10)),
    ]
    done = c.p.wallets.credit_top_ups(batch)
    assert [r.status for r in done] == [
        TopUpStatus.CREDITED,
        TopUpStatus.CREDITED,
        TopUpStatus.CREDITED,
        TopUpStatus.UNMATCHED,
    ]
    assert [r.source for r in done[:3]] == [
        FundingSource.SAVINGS,
        FundingSource.SAVINGS,
        FundingSource.FAMILY,
    ]
    assert c.balances(c.mother)[("savings", 0)] == kes(300)
    assert c.balances(c.sister)[("savings", 0)] == kes(200)
    assert c.balances(c.sister)[("family", 0)] == kes(50)

    again = c.p.wallets.credit_top_ups(batch)
    assert [r.status for r in again] == [TopUpStatus.DUPLICATE] * 3 + [TopUpStatus.UNMATCHED]
    assert c.balances(c.mother)[("savings", 0)] == kes(300)
    # The batch and the single path share one record: a replay one at a time is known.
    assert c.p.wallets.credit_top_up(batch[0]).status is TopUpStatus.DUPLICATE
    statement = c.p.wallets.statement(c.sister.id)
    assert len(statement.lines) == 2


def test_a_bad_amount_or_a_repeated_transaction_changes_nothing(county: County) -> None:
    c = county
    with pytest.raises(InvalidInput) as e:
        c.p.wallets.credit_top_ups(
            [top_up("QB1", MOTHER_PHONE, kes(10)), top_up("QB2", MOTHER_PHONE, 0)]
        )
    assert e.value.where == "top_ups/1/amount"
    with pytest.raises(InvalidInput) as e:
        c.p.wallets.credit_top_ups(
            [top_up("QB3", MOTHER_PHONE, kes(10)), top_up("QB3", MOTHER_PHONE, kes(10))]
        )
    assert e.value.code == "duplicate_transaction"
    assert c.balances(c.mother)[("savings", 0)] == 0


def test_savings_accounts_are_found_for_wallet_holders(county: County) -> None:
    c = county
    found = c.p.wallets.savings_accounts([c.mother.id, c.sister.id, c.donor.id])
    assert set(found) == {c.mother.id, c.sister.id}
    mine = {s.source: s.account_id for s in c.p.wallets.sources(c.mother.id)}
    assert found[c.mother.id] == mine[FundingSource.SAVINGS]
