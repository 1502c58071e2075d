"""The meanings Thamani gives to account and transfer codes.

The ledger itself only requires codes to be non-zero; these are the platform's own
conventions, used by the wallets, claims and contracts rooms and shown in statements.
"""

from __future__ import annotations

import enum


class AccountCode(enum.IntEnum):
    """What an account is for."""

    PATIENT_WALLET = 100
    """A patient's money from one funding source (savings, family, voucher, subsidy, cover)."""
    PROVIDER_RECEIVABLE = 200
    """What a facility has earned and not yet been paid out."""
    PROVIDER_SETTLEMENT = 210
    """A facility's bank or mobile-money account outside the platform (payout target)."""
    PROGRAMME_FUND = 300
    """A programme's money: a donor's voucher fund, a subsidy budget, an insurer's pool."""
    FUNDER_SOURCE = 310
    """Where a funder's money comes from (its bank, outside the platform)."""
    MOBILE_MONEY_CLEARING = 400
    """The platform's float at a mobile-money operator: top-ups arrive through it."""
    BRIDGE = 500
    """Moves money between two ledgers, in pairs of linked transfers."""
    PLATFORM_FEES = 600


class TransferCode(enum.IntEnum):
    """Why money moved."""

    TOP_UP = 1
    FUNDING = 2
    CLAIM_PAYMENT = 3
    CO_PAY = 4
    PRE_AUTHORISATION = 5
    CAPITATION = 6
    BONUS = 7
    REFUND = 8
    FEE = 9
    PAYOUT = 10
    SEND_TO_RELATIVE = 11
    EXPIRY_RETURN = 12
    CORRECTION = 13
    WITHHOLD = 14
    GRANT = 15
    """A programme loads conditional funds (a voucher, a subsidy, cover) into a member's wallet."""


def describe_transfer_code(code: int) -> str:
    try:
        return TransferCode(code).name.lower().replace("_", " ")
    except ValueError:
        return f"code {code}"


def describe_account_code(code: int) -> str:
    try:
        return AccountCode(code).name.lower().replace("_", " ")
    except ValueError:
        return f"code {code}"
