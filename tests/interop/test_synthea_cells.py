"""Reading Synthea cells: amounts rounded half-even to the minor unit, faults named."""

from __future__ import annotations

import pytest

from thamani.errors import InvalidInput
from thamani.interop.synthea import reading
from thamani.interop.synthea.reading import Sheet
from thamani.money import currency

USD = currency("USD")


def sheet(*values: str) -> Sheet:
    return Sheet("payers", "payers.csv", {"AMOUNT": 0}, {"AMOUNT": "AMOUNT_COVERED"},
                 [[v] for v in values])  # fmt: skip


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("49112.87100000001", 4911287),
        ("16774.548999999995", 1677455),
        ("129.16000000000003", 12916),
        ("0.125", 12),
        ("0.135", 14),
        ("77.49", 7749),
        ("1519229.8175000006", 151922982),
        ("3", 300),
    ],
)
def test_amounts_lose_their_float_noise_half_even(text: str, minor: int) -> None:
    assert reading.money(sheet(text), 0, "AMOUNT", USD) == minor


def test_an_empty_amount_is_none_and_a_bad_one_is_named() -> None:
    assert reading.money(sheet(""), 0, "AMOUNT", USD) is None
    with pytest.raises(InvalidInput) as e:
        reading.money(sheet("1", "NaN"), 1, "AMOUNT", USD)
    assert e.value.where == "payers.csv row 2, column AMOUNT_COVERED"
    with pytest.raises(InvalidInput, match="negative"):
        reading.money(sheet("-0.01"), 0, "AMOUNT", USD)
