"""FHIR R4 data types read from parsed JSON (after validation): codings, times, money.

Each reader takes the element (a dict, a string) and the FHIRPath-like expression where it
sits, so that a value Thamani cannot use is reported at its element.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from thamani.errors import InvalidInput
from thamani.interop.fhir.outcomes import FhirError, Issue
from thamani.money import MAX_AMOUNT, currency


def fail(where: str, message: str, code: str = "value") -> FhirError:
    return FhirError([Issue(code, message, where)])


@dataclass(frozen=True, slots=True)
class Coded:
    """One code: its system (a URI, '' when not given), the code and its display."""

    system: str
    code: str
    display: str


NO_CODE = Coded("", "", "")


def coded(concept: Any, prefer: tuple[str, ...] = ()) -> Coded:
    """The code of a CodeableConcept: the first coding of a ``prefer``red system, else the
    first coding with a code; a concept with text only is that text as a code of no system;
    no concept at all is ``NO_CODE``. A text used as a code is cut to 64 characters (the
    display keeps it whole)."""
    if not isinstance(concept, dict):
        return NO_CODE
    codings = [c for c in concept.get("coding") or () if isinstance(c, dict) and c.get("code")]
    text = concept.get("text") or ""
    for system in prefer:
        for c in codings:
            if c.get("system") == system:
                return Coded(system, str(c["code"]), str(c.get("display") or text))
    if codings:
        c = codings[0]
        return Coded(str(c.get("system") or ""), str(c["code"]), str(c.get("display") or text))
    if text:
        return Coded("", str(text)[:64], str(text))
    return NO_CODE


def coding_code(concept: Any) -> str | None:
    """The first code of a CodeableConcept (None when there is none)."""
    c = coded(concept)
    return c.code or None


def concept(c: Coded) -> dict[str, Any]:
    """A CodeableConcept for a code (the inverse of ``coded``)."""
    if not c.code:
        return {"text": c.display} if c.display else {}
    if not c.system and c.display and c.code == c.display[:64]:
        return {"text": c.display}
    coding: dict[str, Any] = {"code": c.code}
    if c.system:
        coding = {"system": c.system, **coding}
    if c.display:
        coding["display"] = c.display
    return {"coding": [coding], **({"text": c.display} if c.display else {})}


def instant(value: Any, where: str) -> datetime:
    """A FHIR ``dateTime`` or ``instant`` as a UTC time: a date alone (``2025-01-01``, or
    ``2025``, ``2025-03``) is its first moment in UTC; a time without an offset is UTC."""
    text = str(value)
    try:
        if len(text) == 4:
            t = datetime(int(text), 1, 1)
        elif len(text) == 7:
            t = datetime(int(text[:4]), int(text[5:7]), 1)
        else:
            t = datetime.fromisoformat(text)
    except ValueError:
        raise fail(where, f"{text!r} is not a FHIR dateTime") from None
    if t.tzinfo is None:
        return t.replace(tzinfo=UTC)
    return t.astimezone(UTC)


def day(value: Any, where: str) -> date:
    """A FHIR ``date`` or ``dateTime`` as a date (the day in its own offset)."""
    text = str(value)
    try:
        if len(text) == 4:
            return date(int(text), 1, 1)
        if len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 1)
        return date.fromisoformat(text[:10])
    except ValueError:
        raise fail(where, f"{text!r} is not a FHIR date") from None


def first(resource: dict[str, Any], *names: str) -> tuple[str, Any] | tuple[None, None]:
    """The first element of ``names`` the resource has (a choice type's variants)."""
    for n in names:
        v = resource.get(n)
        if v is not None:
            return n, v
    return None, None


def iso_time(t: datetime) -> str:
    """A UTC time as FHIR writes an instant (seconds, or milliseconds when it has them)."""
    t = t.astimezone(UTC)
    spec = "milliseconds" if t.microsecond else "seconds"
    return t.isoformat(timespec=spec).replace("+00:00", "Z")


def decimal_text(value: Any) -> str:
    """A JSON number as it was written (``64.204``, ``118``, ``84.0``): a float's shortest
    text, so no float noise and no digit added or lost."""
    return repr(value) if isinstance(value, float) else str(value)


def json_number(text: str) -> int | float:
    """Decimal text back to a JSON number (an int when it is whole)."""
    d = Decimal(text)
    if d == d.to_integral_value() and "." not in text and "E" not in text.upper():
        return int(d)
    return float(d)


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount of money read from a FHIR ``Money``.

    minor: integer minor units.
    currency: the ISO 4217 code.
    """

    minor: int
    currency: str


def money(value: Any, where: str, default_currency: str | None = None) -> Amount:
    """A ``Money`` (``{"value": 112.416, "currency": "USD"}``) in minor units.

    Rounding rule: the number's shortest decimal text, rounded half-even to the currency's
    minor unit (Synthea writes ``112.41600000000001`` for USD 112.416: 11242 cents). An
    amount that is negative, not finite, of an unknown currency or without one is an error
    at its element."""
    if not isinstance(value, dict):
        raise fail(where, "an amount of money is required", "required")
    number = value.get("value")
    code = value.get("currency") or default_currency
    if number is None:
        raise fail(f"{where}.value", "the amount has no value", "required")
    if not code:
        raise fail(f"{where}.currency", "the amount names no currency", "required")
    try:
        cur = currency(str(code))
    except InvalidInput as e:
        raise fail(f"{where}.currency", e.message) from None
    if isinstance(number, bool) or not isinstance(number, int | float | str):
        raise fail(f"{where}.value", f"{number!r} is not an amount")
    try:
        d = Decimal(repr(number)) if isinstance(number, float) else Decimal(str(number))
    except InvalidOperation:
        raise fail(f"{where}.value", f"{number!r} is not an amount") from None
    if not d.is_finite():
        raise fail(f"{where}.value", f"{number!r} is not an amount")
    if d < 0:
        raise fail(f"{where}.value", f"an amount cannot be negative ({number})")
    minor = int((d * cur.minor_per_major).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    if minor > MAX_AMOUNT:
        raise fail(f"{where}.value", f"{number} is too large")
    return Amount(minor, cur.code)
