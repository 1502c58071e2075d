"""The wallet's records: funding sources, earmarks, draw-down rules, priced items, results.

A patient's wallet is a set of ledger accounts, one per (funding source, programme). Own
money (savings, family) lives on the currency's savings ledger; each programme's money
lives on that programme's own ledger, so it cannot leak to a provider or a service the
programme does not pay for. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from thamani.money import Rounding


class FundingSource(enum.Enum):
    """Where the money in one wallet account came from."""

    SAVINGS = "savings"
    """The patient's own money, topped up by mobile money."""
    FAMILY = "family"
    """Money sent by relatives (their phone is kept as the source)."""
    VOUCHER = "voucher"
    """A donor's conditional voucher (e.g. a maternal-care bundle)."""
    SUBSIDY = "subsidy"
    """A government subsidy for the poorest households."""
    COVER = "cover"
    """An insurer's or a scheme's cover for its members."""

    @property
    def is_own(self) -> bool:
        """Own money (savings, family) is unconditional and lives on the savings ledger."""
        return self in (FundingSource.SAVINGS, FundingSource.FAMILY)

    @property
    def number(self) -> int:
        """A small stable number for the ledger's ``user_data_32``."""
        return _SOURCE_NUMBERS[self]

    @classmethod
    def from_number(cls, number: int) -> FundingSource:
        return _SOURCES_BY_NUMBER[number]


_SOURCE_NUMBERS = {
    FundingSource.SAVINGS: 1,
    FundingSource.FAMILY: 2,
    FundingSource.VOUCHER: 3,
    FundingSource.SUBSIDY: 4,
    FundingSource.COVER: 5,
}
_SOURCES_BY_NUMBER = {v: k for k, v in _SOURCE_NUMBERS.items()}

OWN_SOURCES = (FundingSource.FAMILY, FundingSource.SAVINGS)
PROGRAMME_SOURCES = (FundingSource.VOUCHER, FundingSource.SUBSIDY, FundingSource.COVER)

#: Sponsor funds first, savings last: the order used when a programme says nothing else.
DEFAULT_ORDER = (*PROGRAMME_SOURCES, *OWN_SOURCES)


class ExpiryPolicy(enum.Enum):
    """What happens to a programme's unspent money in members' wallets after its validity."""

    RETURN_TO_FUND = "return_to_fund"
    """Back to the programme's fund on the platform (the funder may grant it again)."""
    RETURN_TO_FUNDER = "return_to_funder"
    """Back out to the funder's own account (it leaves the programme)."""
    KEEP = "keep"
    """Stays where it is (frozen: it can no longer be spent after the validity ends)."""


class ShortfallPolicy(enum.Enum):
    """What happens when the programme's money does not cover its share of a payment."""

    OWN_FUNDS = "own_funds"
    """The patient's own money pays the rest (the payment shows it as a shortfall)."""
    REFUSE = "refuse"
    """The payment is refused (``insufficient_programme_funds``)."""


@dataclass(frozen=True, slots=True)
class Earmark:
    """The conditions on a programme's money.

    accredited_providers: provider party ids where it may be spent; None: any provider.
    covered_codes: service or item codes it pays for; None (with ``covered_categories``
        None too): every item.
    covered_categories: categories of items it pays for (e.g. ``antenatal``).
    valid_from: first day it may be spent.
    valid_until: last day it may be spent (inclusive); None: no end.
    on_expiry: what happens to unspent money after ``valid_until``.
    """

    accredited_providers: frozenset[int] | None = None
    covered_codes: frozenset[str] | None = None
    covered_categories: frozenset[str] | None = None
    valid_from: date = date.min
    valid_until: date | None = None
    on_expiry: ExpiryPolicy = ExpiryPolicy.RETURN_TO_FUND

    @property
    def covers_every_item(self) -> bool:
        return self.covered_codes is None and self.covered_categories is None

    def covers(self, code: str, category: str) -> bool:
        if self.covers_every_item:
            return True
        return code in (self.covered_codes or ()) or category in (self.covered_categories or ())


@dataclass(frozen=True, slots=True)
class DrawDownRule:
    """How a payment under a programme is split between sources.

    order: the order sources are drawn from (within the programme's share, then within the
        patient's own share).
    copay_bp: the patient's co-pay share of the amount, in basis points (2,000 = 20 %).
    copay_rounding: how the co-pay is rounded to a whole minor unit.
    shortfall: what happens when the programme's money does not cover its share.
    """

    order: tuple[FundingSource, ...] = DEFAULT_ORDER
    copay_bp: int = 0
    copay_rounding: Rounding = Rounding.HALF_UP
    shortfall: ShortfallPolicy = ShortfallPolicy.OWN_FUNDS


@dataclass(frozen=True, slots=True)
class PricedItem:
    """One line of a bill, already priced (at tariff, by the claims room).

    code: the service or item code (local code, CPT, ATC...).
    category: its category in the benefit package (e.g. ``antenatal``, ``laboratory``).
    amount: minor units, positive.
    description: for people (shown on statements).
    """

    code: str
    category: str
    amount: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProgrammeFunding:
    """A programme as the wallets see it: its money, its ledger and its rules.

    programme_id: the schemes room's programme number.
    name: shown on statements.
    currency: ISO 4217 code of its ledger.
    source: which kind of money it puts into members' wallets (voucher, subsidy, cover).
    funder_party_id: the payer that funds it (sponsor of members' accounts).
    earmark: where, on what and when its money may be spent.
    rule: draw-down order and co-pay at payment.
    ledger: its own ledger number (0 until registered).
    fund_account_id: its fund on that ledger (0 until registered).
    funder_account_id: the funder's own account outside the platform (0 until registered).
    """

    programme_id: int
    name: str
    currency: str
    source: FundingSource
    funder_party_id: int
    earmark: Earmark = field(default_factory=Earmark)
    rule: DrawDownRule = field(default_factory=DrawDownRule)
    ledger: int = 0
    fund_account_id: int = 0
    funder_account_id: int = 0


@dataclass(frozen=True, slots=True)
class PatientProfile:
    """What the platform keeps about a patient beyond the party record (personal data:
    it never leaves the operational store; the pool gets only the year and the area).

    party_id: the patient's party.
    phone: MSISDN in international form without '+' (2547XXXXXXXX).
    wallet_ref: the account reference for mobile-money top-ups (``TH`` and digits).
    birth_date: date of birth.
    sex: ``female``, ``male`` or ``other``.
    area: the area the pool reports by (county, sub-county or ward code).
    closed: a closed wallet refuses top-ups.
    """

    party_id: int
    phone: str
    wallet_ref: str
    birth_date: date
    sex: str
    area: str
    closed: bool = False


@dataclass(frozen=True, slots=True)
class WalletOpening:
    """What it takes to open a patient's wallet.

    patient_id: the patient party.
    phone: mobile number in any usual form (``0712...``, ``+254 712...``).
    birth_date: date of birth (only its year reaches the data pool).
    sex: ``female``, ``male``, ``other`` or ``unknown``.
    area: county, sub-county or ward the pool reports by.
    """

    patient_id: int
    phone: str
    birth_date: date
    sex: str
    area: str


@dataclass(frozen=True, slots=True)
class WalletSource:
    """One account of a patient's wallet.

    account_id: its ledger account.
    patient_party_id: the owner.
    source: the funding source.
    programme_id: the programme (0 for own money).
    ledger: the ledger it lives on.
    sponsor_party_id: the payer that funds it (None for own money).
    """

    account_id: int
    patient_party_id: int
    source: FundingSource
    programme_id: int
    ledger: int
    sponsor_party_id: int | None


@dataclass(frozen=True, slots=True)
class SourceBalance:
    """A wallet account with its balance, for people.

    source, programme_id, ledger, account_id: as ``WalletSource``.
    programme_name: the programme's name ('' for own money).
    currency: the ledger's currency.
    balance: posted balance in minor units.
    available: what may be spent now (pending reservations taken off).
    valid_until: the last day programme money may be spent (None: no end).
    """

    source: FundingSource
    programme_id: int
    programme_name: str
    ledger: int
    account_id: int
    currency: str
    balance: int
    available: int
    valid_until: date | None
