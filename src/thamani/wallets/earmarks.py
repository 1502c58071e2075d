"""Earmarks: may a programme's money pay this provider, for these items, on this day?

``check_spend`` runs a fixed tuple of small checks and returns every failure as a value
with a stable code; an empty list means the spend is allowed. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from thamani.wallets.records import Earmark, PricedItem


class SpendCode(enum.Enum):
    """Why a programme's money may not pay."""

    PROVIDER_NOT_ACCREDITED = "provider_not_accredited"
    ITEM_NOT_COVERED_BY_SOURCE = "item_not_covered_by_source"
    SOURCE_NOT_YET_VALID = "source_not_yet_valid"
    SOURCE_EXPIRED = "source_expired"


@dataclass(frozen=True, slots=True)
class SpendFailure:
    """One reason a spend is refused.

    code: stable machine code.
    message: a sentence for people.
    item: the item code at fault (None when the whole spend is at fault).
    """

    code: SpendCode
    message: str
    item: str | None = None


@dataclass(frozen=True, slots=True)
class Spend:
    """What is to be paid from a programme's money.

    provider_party_id: where it is spent.
    items: the priced items.
    on: the service date.
    """

    provider_party_id: int
    items: Sequence[PricedItem]
    on: date


def _validity(e: Earmark, s: Spend) -> list[SpendFailure]:
    if s.on < e.valid_from:
        return [
            SpendFailure(
                SpendCode.SOURCE_NOT_YET_VALID,
                f"the programme's money may be spent from {e.valid_from.isoformat()},"
                f" not on {s.on.isoformat()}",
            )
        ]
    if e.valid_until is not None and s.on > e.valid_until:
        return [
            SpendFailure(
                SpendCode.SOURCE_EXPIRED,
                f"the programme's money could be spent until {e.valid_until.isoformat()},"
                f" not on {s.on.isoformat()}",
            )
        ]
    return []


def _provider(e: Earmark, s: Spend) -> list[SpendFailure]:
    if e.accredited_providers is None or s.provider_party_id in e.accredited_providers:
        return []
    return [
        SpendFailure(
            SpendCode.PROVIDER_NOT_ACCREDITED,
            f"provider {s.provider_party_id} is not accredited by the programme",
        )
    ]


def _items(e: Earmark, s: Spend) -> list[SpendFailure]:
    return [
        SpendFailure(
            SpendCode.ITEM_NOT_COVERED_BY_SOURCE,
            f"item {i.code} ({i.category}) is not in the programme's benefit package",
            item=i.code,
        )
        for i in s.items
        if not e.covers(i.code, i.category)
    ]


CHECKS: tuple[Callable[[Earmark, Spend], list[SpendFailure]], ...] = (
    _validity,
    _provider,
    _items,
)


def check_spend(
    earmark: Earmark, provider_party_id: int, items: Sequence[PricedItem], on: date
) -> list[SpendFailure]:
    """Every reason the earmarked money may not pay; empty when it may."""
    spend = Spend(provider_party_id, items, on)
    out: list[SpendFailure] = []
    for check in CHECKS:
        out.extend(check(earmark, spend))
    return out
