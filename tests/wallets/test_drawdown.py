"""The draw-down planner on its own (pure): invariants by Hypothesis, rules by example."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thamani.errors import InvalidInput
from thamani.money import Rounding, percent_of
from thamani.wallets.drawdown import Funds, PaymentPlan, PaymentRefusal, plan_payment
from thamani.wallets.earmarks import SpendCode, check_spend
from thamani.wallets.records import (
    DrawDownRule,
    Earmark,
    FundingSource,
    PricedItem,
    ShortfallPolicy,
)

PROG = 11
DAY = date(2025, 3, 10)
OPEN = Earmark()
SOURCES = [
    Funds(FundingSource.SAVINGS, 0, 1, 1, 0),
    Funds(FundingSource.FAMILY, 0, 2, 1, 0),
    Funds(FundingSource.VOUCHER, PROG, 3, 2, 0),
]

amounts = st.integers(min_value=1, max_value=10**9)
items_st = st.lists(
    st.builds(PricedItem, st.sampled_from(["A", "B", "C"]), st.just("x"), amounts),
    min_size=1,
    max_size=6,
)
balances = st.tuples(*(st.integers(min_value=0, max_value=10**10) for _ in SOURCES))
rules = st.builds(
    DrawDownRule,
    order=st.permutations([FundingSource.VOUCHER, FundingSource.FAMILY, FundingSource.SAVINGS]).map(
        tuple
    ),
    copay_bp=st.integers(min_value=0, max_value=10_000),
    copay_rounding=st.sampled_from(list(Rounding)),
    shortfall=st.sampled_from(list(ShortfallPolicy)),
)


def funds(bal: tuple[int, ...]) -> list[Funds]:
    return [
        Funds(f.source, f.programme_id, f.account_id, f.ledger, b)
        for f, b in zip(SOURCES, bal, strict=True)
    ]


@given(items_st, balances, rules)
def test_parts_always_sum_to_the_bill_and_never_overdraw(
    items: list[PricedItem], bal: tuple[int, ...], rule: DrawDownRule
) -> None:
    plan = plan_payment(
        items, funds(bal), rule=rule, provider_party_id=1, on=DAY, programme_id=PROG, earmark=OPEN
    )
    total = sum(i.amount for i in items)
    if isinstance(plan, PaymentRefusal):
        assert plan.code in ("insufficient_funds", "insufficient_programme_funds")
        assert plan.missing > 0
        return
    assert sum(p.amount for p in plan.parts) == plan.total == total
    available = {f.account_id: f.available for f in funds(bal)}
    assert all(0 < p.amount <= available[p.account_id] for p in plan.parts)
    assert len({p.account_id for p in plan.parts}) == len(plan.parts)
    # The co-pay is the rule's percentage, rounded by the rule, and never paid by the
    # programme; the line co-pays share it out without losing a unit.
    assert plan.copay == percent_of(total, rule.copay_bp, rule.copay_rounding)
    assert plan.programme_paid == plan.paid_by(FundingSource.VOUCHER)
    assert plan.programme_paid + plan.shortfall == total - plan.copay
    assert sum(plan.line_copay) == plan.copay
    own = plan.paid_by(FundingSource.SAVINGS) + plan.paid_by(FundingSource.FAMILY)
    assert own == plan.copay + plan.shortfall


@given(items_st, balances, rules)
def test_sources_are_drawn_in_the_rules_order(
    items: list[PricedItem], bal: tuple[int, ...], rule: DrawDownRule
) -> None:
    plan = plan_payment(
        items, funds(bal), rule=rule, provider_party_id=1, on=DAY, programme_id=PROG, earmark=OPEN
    )
    if not isinstance(plan, PaymentPlan):
        return
    available = {f.source: f.available for f in funds(bal)}
    own_order = [s for s in rule.order if s.is_own]
    paid = {p.source: p.amount for p in plan.parts}
    # A later own source is used only once every earlier one is emptied.
    for earlier, later in itertools.pairwise(own_order):
        if paid.get(later, 0):
            assert paid.get(earlier, 0) == available[earlier]
    # The programme pays as much of its share as it holds.
    share = plan.total - plan.copay
    assert plan.programme_paid == min(share, available[FundingSource.VOUCHER])


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=0, max_value=10_000))
def test_copay_rounding_is_half_up_by_default(total: int, bp: int) -> None:
    plan = plan_payment(
        [PricedItem("A", "x", total)],
        funds((10**13, 0, 10**13)),
        rule=DrawDownRule(copay_bp=bp),
        provider_party_id=1,
        on=DAY,
        programme_id=PROG,
        earmark=OPEN,
    )
    assert isinstance(plan, PaymentPlan)
    exact = total * bp / 10_000
    assert abs(plan.copay - exact) <= 0.5
    if (total * bp) % 10_000 * 2 == 10_000:  # exactly half a unit: rounded up
        assert plan.copay == (total * bp) // 10_000 + 1


def test_a_co_pay_of_a_third_of_a_shilling_is_rounded_once() -> None:
    # 20 % of 1.67 KES (167 cents) is 33.4 cents: the patient pays 33, the voucher 134.
    plan = plan_payment(
        [PricedItem("A", "x", 100), PricedItem("B", "x", 67)],
        funds((1_000, 0, 1_000)),
        rule=DrawDownRule(copay_bp=2_000),
        provider_party_id=1,
        on=DAY,
        programme_id=PROG,
        earmark=OPEN,
    )
    assert isinstance(plan, PaymentPlan)
    assert (plan.copay, plan.programme_paid) == (33, 134)
    assert plan.line_copay == (20, 13)


def test_a_shortfall_is_refused_when_the_rule_says_so() -> None:
    plan = plan_payment(
        [PricedItem("A", "x", 1_000)],
        funds((5_000, 0, 600)),
        rule=DrawDownRule(shortfall=ShortfallPolicy.REFUSE),
        provider_party_id=1,
        on=DAY,
        programme_id=PROG,
        earmark=OPEN,
    )
    assert isinstance(plan, PaymentRefusal)
    assert (plan.code, plan.missing) == ("insufficient_programme_funds", 400)


def test_without_a_programme_only_own_money_pays() -> None:
    plan = plan_payment(
        [PricedItem("A", "x", 1_000)],
        funds((600, 300, 10_000)),
        rule=DrawDownRule(),
        provider_party_id=1,
        on=DAY,
    )
    assert isinstance(plan, PaymentRefusal)
    assert (plan.code, plan.missing) == ("insufficient_funds", 100)


def test_bad_items_are_misuse_not_refusals() -> None:
    with pytest.raises(InvalidInput, match="positive") as e:
        plan_payment(
            [PricedItem("A", "x", 0)],
            funds((1, 1, 1)),
            rule=DrawDownRule(),
            provider_party_id=1,
            on=DAY,
        )
    assert e.value.where == "items/0/amount"
    with pytest.raises(InvalidInput):
        plan_payment([], funds((1, 1, 1)), rule=DrawDownRule(), provider_party_id=1, on=DAY)


def test_the_earmark_reports_every_failure_with_its_code() -> None:
    e = Earmark(
        accredited_providers=frozenset({5}),
        covered_codes=frozenset({"ANC1"}),
        covered_categories=frozenset({"delivery"}),
        valid_from=date(2025, 1, 1),
        valid_until=date(2025, 12, 31),
    )
    items = [
        PricedItem("ANC1", "antenatal", 1),
        PricedItem("DEL", "delivery", 1),
        PricedItem("XRAY", "imaging", 1),
    ]
    assert check_spend(e, 5, items[:2], date(2025, 6, 1)) == []
    failures = check_spend(e, 6, items, date(2026, 1, 1))
    assert [(f.code, f.item) for f in failures] == [
        (SpendCode.SOURCE_EXPIRED, None),
        (SpendCode.PROVIDER_NOT_ACCREDITED, None),
        (SpendCode.ITEM_NOT_COVERED_BY_SOURCE, "XRAY"),
    ]
    assert (
        check_spend(e, 5, items[:1], date(2024, 12, 31))[0].code is SpendCode.SOURCE_NOT_YET_VALID
    )
