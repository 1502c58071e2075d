"""Opening wallets: one at a time or an enrolment file at once, checked whole first."""

from __future__ import annotations

from datetime import date

import pytest

from thamani.errors import Conflict, InvalidInput
from thamani.ledger.ids import new_id
from thamani.parties.records import PartyKind
from thamani.platform import Platform
from thamani.wallets.records import FundingSource, WalletOpening


def patients(p: Platform, n: int) -> list[int]:
    run = new_id() % 10**6
    return [p.parties.create(PartyKind.PATIENT, f"Patient {i}", f"p{run}-{i}").id for i in range(n)]


def test_an_enrolment_file_opens_every_wallet_or_none(platform: Platform) -> None:
    ids = patients(platform, 4)
    rows = [
        WalletOpening(pid, f"07{10_000_000 + pid:08d}", date(1990, 1, 1), "female", "Seme")
        for pid in ids
    ]
    bad = [*rows[:3], WalletOpening(ids[3], "07123", date(1990, 1, 1), "female", "Seme")]
    with pytest.raises(InvalidInput) as e:
        platform.wallets.open_wallets(bad)
    assert e.value.where == "wallets/3/phone"
    assert platform.wallets.profiles(ids) == {}
    twice = [*rows[:3], WalletOpening(ids[3], rows[0].phone, date(1990, 1, 1), "male", "Seme")]
    with pytest.raises(Conflict):
        platform.wallets.open_wallets(twice)
    opened = platform.wallets.open_wallets(rows)
    assert [o.wallet_ref for o in opened] == [f"TH{pid:06d}" for pid in ids]
    assert [s.source for s in platform.wallets.sources(ids[0])] == [
        FundingSource.SAVINGS,
        FundingSource.FAMILY,
    ]
    again = platform.wallets.open_wallets(rows)  # a no-op
    assert again == opened
    other = patients(platform, 1)[0]
    with pytest.raises(Conflict) as taken:
        platform.wallets.open_wallet(
            other, phone=rows[1].phone, birth_date=date(1990, 1, 1), sex="male", area="Seme"
        )
    assert taken.value.code == "phone_taken"


def test_only_patients_have_wallets_and_details_are_checked(platform: Platform) -> None:
    clinic = platform.parties.create(PartyKind.PROVIDER, "Clinic", f"c{new_id() % 10**6}")
    with pytest.raises(InvalidInput, match="not a patient"):
        platform.wallets.open_wallet(
            clinic.id, phone="0712345678", birth_date=date(1990, 1, 1), sex="female", area="X"
        )
    (pid,) = patients(platform, 1)
    for field, value in (("sex", "f"), ("area", " "), ("birth_date", date(2999, 1, 1))):
        kwargs = {
            "phone": "0712345678",
            "birth_date": date(1990, 1, 1),
            "sex": "female",
            "area": "Seme",
            field: value,
        }
        with pytest.raises(InvalidInput) as e:
            platform.wallets.open_wallet(pid, **kwargs)  # type: ignore[arg-type]
        assert e.value.where == field
