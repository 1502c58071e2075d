"""Amounts in minor units: parsing, formatting, percentages and allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thamani.errors import InvalidInput
from thamani.money import (
    CURRENCIES,
    MAX_AMOUNT,
    Rounding,
    allocate,
    currency,
    format_amount,
    from_float,
    parse_amount,
    percent_of,
    to_major,
)

CODES = st.sampled_from(sorted(CURRENCIES))


@pytest.mark.parametrize(
    ("text", "code", "minor"),
    [
        ("1250.50", "KES", 125050),
        ("1,250.5", "KES", 125050),
        ("1_000", "KES", 100000),
        (" 7 ", "TZS", 700),
        ("1000", "UGX", 1000),
        ("-12.34", "GBP", -1234),
        (15, "KES", 1500),
        ("0.00", "kes", 0),
    ],
)
def test_amounts_parse_to_minor_units(text: str | int, code: str, minor: int) -> None:
    assert parse_amount(text, code) == minor


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("1.5", "UGX", "more than 0 decimal places for UGX"),
        ("10.005", "KES", "more than 2 decimal places"),
        ("ten", "KES", "is not an amount"),
        ("NaN", "KES", "is not an amount"),
        ("Infinity", "KES", "is not an amount"),
        (str(MAX_AMOUNT + 1), "UGX", "too large"),
    ],
)
def test_bad_amounts_are_refused_not_rounded(text: str, code: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_amount(text, code)
    assert e.value.code == "invalid_amount"
    assert fragment in e.value.message


def test_an_unknown_currency_names_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as e:
        currency("XYZ")
    assert e.value.code == "unknown_currency"
    assert "KES" in e.value.message


def test_amounts_format_for_people() -> None:
    assert format_amount(125050, "KES") == "KES 1,250.50"
    assert format_amount(-5, "KES") == "-KES 0.05"
    assert format_amount(1234567, "UGX") == "UGX 1,234,567"
    assert format_amount(125050, "KES", symbol=False) == "1,250.50"
    assert to_major(125050, "KES") == Decimal("1250.5")


@given(st.integers(-MAX_AMOUNT, MAX_AMOUNT), CODES)
def test_formatting_and_parsing_round_trip(minor: int, code: str) -> None:
    assert parse_amount(format_amount(minor, code, symbol=False), code) == minor


def test_floats_from_outside_round_half_even() -> None:
    assert from_float(129.16000000000003, "KES") == 12916
    assert from_float(0.125, "KES") == 12
    assert from_float(0.135, "KES") == 14


@pytest.mark.parametrize(
    ("amount", "bp", "rounding", "share"),
    [
        (12345, 2000, Rounding.HALF_UP, 2469),
        (5, 1000, Rounding.HALF_UP, 1),
        (5, 1000, Rounding.HALF_EVEN, 0),
        (15, 1000, Rounding.HALF_EVEN, 2),
        (19, 1000, Rounding.DOWN, 1),
        (100, 0, Rounding.HALF_UP, 0),
    ],
)
def test_percentages_round_as_told(amount: int, bp: int, rounding: Rounding, share: int) -> None:
    assert percent_of(amount, bp, rounding) == share


def test_a_negative_percentage_is_refused() -> None:
    with pytest.raises(InvalidInput):
        percent_of(100, -1)


@given(st.integers(0, 10**15), st.integers(0, 10_000))
def test_a_percentage_lies_between_its_roundings(amount: int, bp: int) -> None:
    down = percent_of(amount, bp, Rounding.DOWN)
    up = percent_of(amount, bp, Rounding.HALF_UP)
    even = percent_of(amount, bp, Rounding.HALF_EVEN)
    assert down <= even <= up <= down + 1
    assert down == amount * bp // 10_000
    assert percent_of(amount, 10_000) == amount


@given(st.integers(-(10**15), 10**15), st.lists(st.integers(0, 10**6), min_size=1, max_size=20))
def test_allocation_never_loses_a_unit(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        with pytest.raises(InvalidInput):
            allocate(total, weights)
        return
    shares = allocate(total, weights)
    assert sum(shares) == total
    assert len(shares) == len(weights)
    wsum = sum(weights)
    for share, w in zip(shares, weights, strict=True):
        exact = Decimal(total) * w / wsum
        assert exact - 1 < share < exact + 1
        if w == 0 and total >= 0:
            assert share == 0


def test_allocation_gives_leftover_units_to_the_largest_remainders() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(10, [3, 3, 4]) == [3, 3, 4]
    assert allocate(7, [1, 2]) == [2, 5]


@pytest.mark.parametrize("weights", [[], [1, -1]])
def test_allocation_refuses_meaningless_weights(weights: list[int]) -> None:
    with pytest.raises(InvalidInput) as e:
        allocate(100, weights)
    assert e.value.code == "invalid_allocation"
