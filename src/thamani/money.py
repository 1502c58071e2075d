"""Amounts of money: integers in the currency's minor unit, never floats.

Every amount Thamani holds or sums is an ``int`` counting minor units (KES cents, GBP pence,
TZS shillings). This module is the one place that turns text into amounts and amounts into
text, and the one place where rounding happens, each rule written where it is applied.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from thamani.errors import InvalidInput

#: Largest amount a single transfer or balance may hold (the store keeps 64-bit integers).
MAX_AMOUNT = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency as the ledger sees it.

    code: ISO 4217 alphabetic code.
    exponent: number of decimal places of the minor unit (2 for KES, 0 for UGX).
    name: English name for people.
    """

    code: str
    exponent: int
    name: str

    @property
    def minor_per_major(self) -> int:
        return int(10**self.exponent)


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("KES", 2, "Kenyan shilling"),
        Currency("TZS", 2, "Tanzanian shilling"),
        Currency("UGX", 0, "Ugandan shilling"),
        Currency("RWF", 0, "Rwandan franc"),
        Currency("ETB", 2, "Ethiopian birr"),
        Currency("NGN", 2, "Nigerian naira"),
        Currency("GHS", 2, "Ghanaian cedi"),
        Currency("ZAR", 2, "South African rand"),
        Currency("XOF", 0, "West African CFA franc"),
        Currency("INR", 2, "Indian rupee"),
        Currency("CNY", 2, "Chinese yuan"),
        Currency("GBP", 2, "Pound sterling"),
        Currency("EUR", 2, "Euro"),
        Currency("USD", 2, "US dollar"),
    )
}


def currency(code: str) -> Currency:
    """The currency with this ISO code, or InvalidInput naming the code."""
    found = CURRENCIES.get(code.upper())
    if found is None:
        known = ", ".join(sorted(CURRENCIES))
        raise InvalidInput(f"unknown currency {code!r}; known: {known}", code="unknown_currency")
    return found


class Rounding(enum.Enum):
    """How a fractional minor unit is settled."""

    HALF_UP = "half_up"
    """0.5 goes away from zero: tariffs and co-pays as people compute them by hand."""
    HALF_EVEN = "half_even"
    """Banker's rounding: no drift when many amounts are rounded and summed."""
    DOWN = "down"
    """Toward zero: a payer never pays a fraction it did not owe."""


def parse_amount(text: str | int, cur: Currency | str) -> int:
    """Parse a major-unit decimal (``"1250.50"``) into minor units (125050).

    Refuses more decimal places than the currency has rather than rounding silently.
    Integers are taken as major units.
    """
    c = currency(cur) if isinstance(cur, str) else cur
    try:
        value = Decimal(str(text).strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise InvalidInput(f"{text!r} is not an amount", code="invalid_amount") from None
    if not value.is_finite():
        raise InvalidInput(f"{text!r} is not an amount", code="invalid_amount")
    scaled = value * c.minor_per_major
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"{text!r} has more than {c.exponent} decimal places for {c.code}",
            code="invalid_amount",
        )
    minor = int(scaled)
    if abs(minor) > MAX_AMOUNT:
        raise InvalidInput(f"{text!r} is too large", code="invalid_amount")
    return minor


def from_float(value: float, cur: Currency | str) -> int:
    """Round a float from an outside system (Synthea's money columns carry float noise).

    Rounding rule: the float's shortest decimal representation, rounded half-even to the
    minor unit, so 129.16000000000003 becomes 12916 cents.
    """
    c = currency(cur) if isinstance(cur, str) else cur
    d = Decimal(repr(float(value))) * c.minor_per_major
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def format_amount(minor: int, cur: Currency | str, *, symbol: bool = True) -> str:
    """Render minor units for people: ``format_amount(125050, "KES") == "KES 1,250.50"``."""
    c = currency(cur) if isinstance(cur, str) else cur
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), c.minor_per_major)
    text = f"{whole:,}"
    if c.exponent:
        text += f".{frac:0{c.exponent}d}"
    return f"{sign}{c.code} {text}" if symbol else f"{sign}{text}"


def to_major(minor: int, cur: Currency | str) -> Decimal:
    """Minor units as an exact Decimal of major units, for reports and JSON."""
    c = currency(cur) if isinstance(cur, str) else cur
    return Decimal(minor) / c.minor_per_major


def percent_of(amount: int, basis_points: int, rounding: Rounding = Rounding.HALF_UP) -> int:
    """``amount`` x ``basis_points`` / 10,000, rounded to a whole minor unit by ``rounding``.

    Co-insurance of 20 % is 2,000 basis points. Integers all the way: no float touches it.
    """
    if basis_points < 0:
        raise InvalidInput("a percentage cannot be negative", code="invalid_percentage")
    product = Decimal(amount) * basis_points / 10_000
    mode = {
        Rounding.HALF_UP: ROUND_HALF_UP,
        Rounding.HALF_EVEN: ROUND_HALF_EVEN,
        Rounding.DOWN: ROUND_DOWN,
    }[rounding]
    return int(product.quantize(Decimal(1), rounding=mode))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` minor units in proportion to ``weights`` without losing a unit.

    Largest-remainder method: each share is floored, and the units left over go one each
    to the shares with the largest remainders (earliest first on ties). The shares always
    sum to ``total``.
    """
    if not weights:
        raise InvalidInput("cannot allocate over no weights", code="invalid_allocation")
    if any(w < 0 for w in weights):
        raise InvalidInput("allocation weights cannot be negative", code="invalid_allocation")
    wsum = sum(weights)
    if wsum == 0:
        raise InvalidInput("allocation weights sum to zero", code="invalid_allocation")
    shares = [total * w // wsum for w in weights]
    rema = [(total * w) % wsum for w in weights]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-rema[i], i))
    for i in order[:left]:
        shares[i] += 1
    return shares
