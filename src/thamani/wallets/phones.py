"""Phone numbers as mobile-money operators write them: international digits, no '+'."""

from __future__ import annotations

from thamani.errors import InvalidInput

#: The country code assumed for numbers written the local way (``07XX...``).
DEFAULT_COUNTRY = "254"


def normalise_phone(text: str, *, where: str = "phone") -> str:
    """``+254 712 345 678``, ``0712345678`` and ``254712345678`` all become ``254712345678``.

    Refuses anything that is not 9 to 15 digits once spaces, dashes and a leading '+' are
    removed, naming the field.
    """
    raw = text.strip().replace(" ", "").replace("-", "")
    if raw.startswith("+"):
        raw = raw[1:]
    if not raw.isdigit():
        raise InvalidInput(f"{text!r} is not a phone number", code="invalid_phone", where=where)
    if raw.startswith("0") and len(raw) == 10:
        raw = DEFAULT_COUNTRY + raw[1:]
    if not 9 <= len(raw) <= 15:
        raise InvalidInput(
            f"{text!r} is not a phone number (9 to 15 digits)", code="invalid_phone", where=where
        )
    return raw


def phone_number(phone: str) -> int:
    """The phone as an integer, for a transfer's ``user_data_64`` (0 when masked)."""
    return int(phone) if phone.isdigit() and len(phone) <= 18 else 0
