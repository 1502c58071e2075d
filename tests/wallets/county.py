"""A small county for the wallet (and wallet API) tests: a donor's antenatal voucher, an
insurer's cover, three providers (two accredited by the donor), a mother and her sister."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from thamani.ledger.ids import new_id
from thamani.parties.records import Party, PartyKind
from thamani.platform import Platform
from thamani.wallets.records import (
    DrawDownRule,
    Earmark,
    FundingSource,
    PricedItem,
    ProgrammeFunding,
)
from thamani.wallets.topups import TopUp, TopUpResult

VOUCHER = 7001
"""The donor's antenatal voucher: clinic and hospital only, antenatal and delivery only,
valid in 2023, 10 % co-pay; unspent money returns to the fund."""
COVER = 7002
"""The insurer's outpatient cover: any provider, any item, from 2023, no co-pay."""
DAY = date(2023, 11, 14)
"""The day of the tests' ManualClock (1,700,000,000 s after the epoch)."""
MOTHER_PHONE = "254712345678"
SISTER_PHONE = "254722000111"


@dataclass(slots=True)
class County:
    p: Platform
    donor: Party
    insurer: Party
    clinic: Party
    hospital: Party
    pharmacy: Party
    mother: Party
    sister: Party

    def top_up(self, account_ref: str, amount: int, phone: str | None = None) -> TopUpResult:
        """A confirmed mobile-money top-up (the channel itself is tested in tests/channels)."""
        return self.p.wallets.credit_top_up(
            TopUp(
                trans_id=f"T{new_id() % 10**9:09d}",
                shortcode="600000",
                phone=phone or account_ref,
                account_ref=account_ref,
                amount=amount,
                currency="KES",
            )
        )

    def balances(self, patient: Party) -> dict[tuple[str, int], int]:
        return {
            (s.source.value, s.programme_id): s.balance for s in self.p.wallets.sources(patient.id)
        }


def kes(major: int) -> int:
    """Whole shillings in cents."""
    return major * 100


def anc(amount: int, code: str = "ANC1", category: str = "antenatal") -> PricedItem:
    return PricedItem(code, category, amount, f"{code} antenatal visit")


def build_county(platform: Platform) -> County:
    parties = platform.parties
    run = new_id() % 10**8
    c = County(
        platform,
        donor=parties.create(PartyKind.PAYER, "Mama Bora Donor Fund", f"donor-{run}"),
        insurer=parties.create(PartyKind.PAYER, "Afya Insurance", f"ins-{run}"),
        clinic=parties.create(PartyKind.PROVIDER, "Nyalenda Health Centre", f"nhc-{run}"),
        hospital=parties.create(PartyKind.PROVIDER, "Kisumu County Hospital", f"kch-{run}"),
        pharmacy=parties.create(PartyKind.PROVIDER, "Corner Pharmacy", f"ph-{run}"),
        mother=parties.create(PartyKind.PATIENT, "Akinyi Odhiambo", f"akinyi-{run}"),
        sister=parties.create(PartyKind.PATIENT, "Atieno Odhiambo", f"atieno-{run}"),
    )
    w = platform.wallets
    w.open_wallet(
        c.mother.id,
        phone="0712345678",
        birth_date=date(1996, 3, 2),
        sex="female",
        area="Kisumu Central",
    )
    w.open_wallet(
        c.sister.id,
        phone="+254 722 000 111",
        birth_date=date(1990, 7, 9),
        sex="female",
        area="Kisumu East",
    )
    w.register_programme(
        ProgrammeFunding(
            VOUCHER,
            "Mama Bora antenatal voucher",
            "KES",
            FundingSource.VOUCHER,
            c.donor.id,
            Earmark(
                accredited_providers=frozenset({c.clinic.id, c.hospital.id}),
                covered_categories=frozenset({"antenatal", "delivery"}),
                valid_from=date(2023, 1, 1),
                valid_until=date(2023, 12, 31),
            ),
            DrawDownRule(copay_bp=1000),
        )
    )
    w.register_programme(
        ProgrammeFunding(
            COVER,
            "Afya outpatient cover",
            "KES",
            FundingSource.COVER,
            c.insurer.id,
            Earmark(valid_from=date(2023, 1, 1)),
        )
    )
    assert w.fund_programme(VOUCHER, kes(100_000), "donor-grant-2023").result.recorded
    assert w.fund_programme(COVER, kes(50_000), "premiums-2023").result.recorded
    return c


def code_of(result: object) -> str | None:
    """The refusal code of a payment result (None when it went through)."""
    refusal = getattr(result, "refusal", None)
    return None if refusal is None else str(refusal.code)
