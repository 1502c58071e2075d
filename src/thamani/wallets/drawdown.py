"""Draw-down: which of a patient's sources pays how much of a bill.

``plan_payment`` is pure: given the priced items, the accounts the patient may draw from
(with what each has available), the programme's rule and earmark, the provider and the
service date, it returns a ``PaymentPlan`` whose parts always sum to the bill, or a
``PaymentRefusal`` saying why not. Amounts are integers in minor units throughout.

Under a programme the bill is split in two:

1. the patient's co-pay, ``percent_of(total, copay_bp, rule.copay_rounding)`` (half-up by
   default: the co-pay is rounded to the nearest minor unit, halves upward), and
2. the programme's share, ``total - copay`` (so the two always sum to the bill exactly).

The programme's share is drawn from the programme's sources in the rule's order, each up
to what it has available; what they cannot cover (the shortfall) is refused or falls to the
patient's own money, as the rule says. The co-pay and any shortfall are drawn from the
patient's own sources (family, savings) in the rule's order. Without a programme the whole
bill is the patient's own.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from thamani.errors import InvalidInput
from thamani.money import allocate, percent_of
from thamani.wallets.earmarks import SpendFailure, check_spend
from thamani.wallets.records import (
    DrawDownRule,
    Earmark,
    FundingSource,
    PricedItem,
    ShortfallPolicy,
)


@dataclass(frozen=True, slots=True)
class Funds:
    """A wallet account the planner may draw from.

    source: its funding source.
    programme_id: its programme (0 for own money).
    account_id: the ledger account.
    ledger: the ledger it lives on.
    available: what it may spend now, in minor units.
    """

    source: FundingSource
    programme_id: int
    account_id: int
    ledger: int
    available: int


@dataclass(frozen=True, slots=True)
class PlanPart:
    """What one account pays.

    source, programme_id, account_id, ledger: the account, as in ``Funds``.
    amount: minor units, positive.
    """

    source: FundingSource
    programme_id: int
    account_id: int
    ledger: int
    amount: int


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    """A bill split between sources.

    total: the bill, minor units (the parts sum to it).
    copay: the patient's co-pay share under the programme's rule (0 without a programme).
    programme_paid: what the programme's sources pay.
    shortfall: the programme's share its sources could not cover, paid by own money.
    parts: one per paying account, programme sources first, in draw-down order.
    line_copay: the co-pay attributed to each item, in order (largest remainder: sums to
        ``copay`` exactly).
    """

    total: int
    copay: int
    programme_paid: int
    shortfall: int
    parts: tuple[PlanPart, ...]
    line_copay: tuple[int, ...]

    def paid_by(self, source: FundingSource) -> int:
        return sum(p.amount for p in self.parts if p.source is source)


class RefusalCode(enum.Enum):
    """Why a payment cannot be made (beyond the earmark's own codes)."""

    PROVIDER_NOT_ACCREDITED = "provider_not_accredited"
    ITEM_NOT_COVERED_BY_SOURCE = "item_not_covered_by_source"
    SOURCE_NOT_YET_VALID = "source_not_yet_valid"
    SOURCE_EXPIRED = "source_expired"
    NO_PROGRAMME_SOURCE = "no_programme_source"
    INSUFFICIENT_PROGRAMME_FUNDS = "insufficient_programme_funds"
    INSUFFICIENT_FUNDS = "insufficient_funds"


@dataclass(frozen=True, slots=True)
class PaymentRefusal:
    """A payment that cannot be made; nothing moves.

    code: stable machine code (``RefusalCode`` values, or a use case's own).
    message: a sentence for people.
    failures: the earmark's failures, each with its own code (may be empty).
    missing: minor units short, for the insufficient-funds codes.
    """

    code: str
    message: str
    failures: tuple[SpendFailure, ...] = ()
    missing: int = 0


def _draw(
    amount: int, funds: Sequence[Funds], taken: dict[int, int], by_id: dict[int, Funds]
) -> int:
    """Draw ``amount`` from ``funds`` in order into ``taken``; returns what is left unpaid."""
    left = amount
    for f in funds:
        if left <= 0:
            break
        already = taken.get(f.account_id, 0)
        take = min(f.available - already, left)
        if take <= 0:
            continue
        taken[f.account_id] = already + take
        by_id[f.account_id] = f
        left -= take
    return left


def _ordered(funds: Sequence[Funds], rule: DrawDownRule, *, own: bool) -> list[Funds]:
    rank = {s: i for i, s in enumerate(rule.order)}
    chosen = [f for f in funds if f.source.is_own is own and f.source in rank]
    return sorted(chosen, key=lambda f: rank[f.source])


def plan_payment(
    items: Sequence[PricedItem],
    funds: Sequence[Funds],
    *,
    rule: DrawDownRule,
    provider_party_id: int,
    on: date,
    programme_id: int | None = None,
    earmark: Earmark | None = None,
) -> PaymentPlan | PaymentRefusal:
    """Split the bill for ``items`` between ``funds`` by ``rule``; or say why it cannot be.

    ``programme_id`` names the programme paying (None: the patient pays from own money);
    its ``earmark`` must then be given and is checked first. ``funds`` may hold accounts of
    other programmes: only the named programme's and the patient's own are drawn on.
    """
    if not items:
        raise InvalidInput("a payment needs at least one item", where="items")
    for n, i in enumerate(items):
        if i.amount <= 0:
            raise InvalidInput(
                f"item {i.code} has amount {i.amount}; amounts must be positive",
                where=f"items/{n}/amount",
            )
    if not 0 <= rule.copay_bp <= 10_000:
        raise InvalidInput(f"co-pay of {rule.copay_bp} basis points is outside 0..10,000")
    total = sum(i.amount for i in items)
    taken: dict[int, int] = {}  # account id -> amount, in draw order
    by_id: dict[int, Funds] = {}
    copay = programme_paid = shortfall = 0
    own_due = total
    if programme_id is not None:
        if earmark is None:
            raise InvalidInput("a programme payment needs the programme's earmark")
        failures = check_spend(earmark, provider_party_id, items, on)
        if failures:
            first = failures[0]
            return PaymentRefusal(
                first.code.value,
                "; ".join(f.message for f in failures),
                tuple(failures),
            )
        programme_funds = [
            f for f in _ordered(funds, rule, own=False) if f.programme_id == programme_id
        ]
        if not programme_funds:
            return PaymentRefusal(
                RefusalCode.NO_PROGRAMME_SOURCE.value,
                f"the patient has no wallet account for programme {programme_id}",
            )
        copay = percent_of(total, rule.copay_bp, rule.copay_rounding)
        share = total - copay
        unpaid = _draw(share, programme_funds, taken, by_id)
        programme_paid = share - unpaid
        if unpaid and rule.shortfall is ShortfallPolicy.REFUSE:
            return PaymentRefusal(
                RefusalCode.INSUFFICIENT_PROGRAMME_FUNDS.value,
                f"the programme's money is {unpaid} short of its share of {share}",
                missing=unpaid,
            )
        shortfall = unpaid
        own_due = copay + shortfall
    left = _draw(own_due, _ordered(funds, rule, own=True), taken, by_id)
    if left:
        return PaymentRefusal(
            RefusalCode.INSUFFICIENT_FUNDS.value,
            f"the patient's own money is {left} short of the {own_due} due from it",
            missing=left,
        )
    out = []
    for account_id, amount in taken.items():
        f = by_id[account_id]
        out.append(PlanPart(f.source, f.programme_id, f.account_id, f.ledger, amount))
    line_copay = allocate(copay, [i.amount for i in items]) if copay else [0] * len(items)
    return PaymentPlan(total, copay, programme_paid, shortfall, tuple(out), tuple(line_copay))
