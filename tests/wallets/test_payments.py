"""Paying at the clinic: draw-down by source, earmarks, idempotency, reservations."""

from __future__ import annotations

from datetime import date

import pytest

from tests.wallets.county import COVER, MOTHER_PHONE, VOUCHER, County, anc, code_of, kes
from thamani.clock import ManualClock
from thamani.ledger.ids import new_id
from thamani.ledger.records import TransferFlags
from thamani.wallets import payments, store
from thamani.wallets.records import FundingSource, PricedItem
from thamani.wallets.results import PaymentRequest, PaymentStatus

VOUCHER_SRC = ("voucher", VOUCHER)
SAVINGS = ("savings", 0)
FAMILY = ("family", 0)


def receivable(c: County, provider_id: int, ledger: int) -> int:
    accts = c.p.ledger.accounts_of(provider_id, ledger=ledger, code=200)
    return accts[0].balance if accts else 0


def test_a_mother_pays_with_her_voucher_and_her_savings(county: County) -> None:
    c, w = county, county.p.wallets
    w.grant(VOUCHER, [(c.mother.id, kes(1_000))], "anc-2023-batch-1")
    c.top_up(MOTHER_PHONE, kes(500))
    pid = new_id()
    r = w.pay(
        patient_id=c.mother.id,
        provider_id=c.clinic.id,
        items=[anc(kes(1_200))],
        programme_id=VOUCHER,
        payment_id=pid,
    )
    assert r.status is PaymentStatus.PAID, r.refusal
    # 10 % co-pay = 120; the programme's share of 1,080 finds 1,000 in the voucher, so the
    # 80 shortfall and the 120 co-pay come from her savings.
    assert (r.total, r.copay, r.shortfall) == (kes(1_200), kes(120), kes(80))
    assert r.by_source() == {FundingSource.VOUCHER: kes(1_000), FundingSource.SAVINGS: kes(200)}
    assert sum(p.amount for p in r.parts) == r.total
    assert c.balances(c.mother)[VOUCHER_SRC] == 0
    assert c.balances(c.mother)[SAVINGS] == kes(300)
    voucher_ledger = w.programme(VOUCHER).ledger
    assert receivable(c, c.clinic.id, voucher_ledger) == kes(1_000)
    # Each part is its own transfer on its own ledger, linked, and names the payment.
    transfers = c.p.ledger.transfers([p.transfer_id for p in r.parts])
    assert {t.ledger for t in transfers} == {p.ledger for p in r.parts}
    assert len({t.ledger for t in transfers}) == 2
    assert all(t.user_data_128 == pid for t in transfers)
    assert transfers[0].flags & int(TransferFlags.LINKED)
    assert c.p.verify_ledger().ok


def test_the_same_payment_id_pays_once(county: County) -> None:
    c, w = county, county.p.wallets
    c.top_up(MOTHER_PHONE, kes(1_000))
    pid = new_id()
    args = {
        "patient_id": c.mother.id,
        "provider_id": c.pharmacy.id,
        "items": [PricedItem("AMOX500", "medicine", kes(250), "amoxicillin")],
        "programme_id": None,
        "payment_id": pid,
    }
    first = w.pay(**args)  # type: ignore[arg-type]
    again = w.pay(**args)  # type: ignore[arg-type]
    assert first.status is again.status is PaymentStatus.PAID
    assert (first.replayed, again.replayed) == (False, True)
    assert again.parts == first.parts
    assert c.balances(c.mother)[SAVINGS] == kes(750)
    other = w.pay(**{**args, "items": [PricedItem("AMOX500", "medicine", kes(300))]})  # type: ignore[arg-type]
    assert other.status is PaymentStatus.REFUSED
    assert code_of(other) == "payment_id_reused"
    assert c.balances(c.mother)[SAVINGS] == kes(750)


@pytest.mark.parametrize(
    ("where", "item", "day", "code"),
    [
        ("pharmacy", anc(kes(300)), date(2023, 6, 1), "provider_not_accredited"),
        (
            "clinic",
            anc(kes(300), "LAB1", "laboratory"),
            date(2023, 6, 1),
            "item_not_covered_by_source",
        ),
        ("clinic", anc(kes(300)), date(2022, 12, 31), "source_not_yet_valid"),
        ("clinic", anc(kes(300)), date(2024, 1, 1), "source_expired"),
        ("clinic", anc(kes(9_000)), date(2023, 6, 1), "insufficient_funds"),
    ],
)
def test_each_earmark_refusal_has_its_code_and_moves_nothing(
    county: County, where: str, item: PricedItem, day: date, code: str
) -> None:
    c, w = county, county.p.wallets
    w.grant(VOUCHER, [(c.mother.id, kes(1_000))], "batch-1")
    c.top_up(MOTHER_PHONE, kes(200))
    before = (c.balances(c.mother), c.p.ledger.head())
    r = w.pay(
        patient_id=c.mother.id,
        provider_id=getattr(c, where).id,
        items=[item],
        programme_id=VOUCHER,
        payment_id=new_id(),
        service_date=day,
    )
    assert r.status is PaymentStatus.REFUSED
    assert r.refusal is not None
    assert r.refusal.code == code
    assert r.parts == ()
    assert (c.balances(c.mother), c.p.ledger.head()) == before
    if code == "item_not_covered_by_source":
        assert [f.item for f in r.refusal.failures] == ["LAB1"]


def test_a_patient_not_enrolled_in_the_programme_is_refused(county: County) -> None:
    c = county
    c.top_up(MOTHER_PHONE, kes(200))
    r = c.p.wallets.pay(
        patient_id=c.mother.id,
        provider_id=c.clinic.id,
        items=[anc(kes(100))],
        programme_id=VOUCHER,
        payment_id=new_id(),
    )
    assert code_of(r) == "no_programme_source"


def test_own_money_draws_family_first_and_savings_last(county: County) -> None:
    c, w = county, county.p.wallets
    c.top_up(MOTHER_PHONE, kes(500))
    c.top_up(MOTHER_PHONE, kes(100), phone="0722000111")  # her sister's phone: family money
    r = w.pay(
        patient_id=c.mother.id,
        provider_id=c.pharmacy.id,
        items=[PricedItem("ORS", "medicine", kes(300))],
        programme_id=None,
        payment_id=new_id(),
    )
    assert [(p.source, p.amount) for p in r.parts] == [
        (FundingSource.FAMILY, kes(100)),
        (FundingSource.SAVINGS, kes(200)),
    ]
    assert c.balances(c.mother)[FAMILY] == 0
    assert c.balances(c.mother)[SAVINGS] == kes(300)


def test_a_batch_of_payments_spends_each_shilling_once(county: County) -> None:
    c, w = county, county.p.wallets
    c.top_up(MOTHER_PHONE, kes(500))
    requests = [
        PaymentRequest(
            new_id(), c.mother.id, c.pharmacy.id, (PricedItem("X", "medicine", kes(200)),)
        )
        for _ in range(3)
    ]
    results = w.pay_batch(requests)
    assert [r.status for r in results] == [
        PaymentStatus.PAID,
        PaymentStatus.PAID,
        PaymentStatus.REFUSED,
    ]
    assert results[2].refusal is not None
    assert results[2].refusal.code == "insufficient_funds"
    assert results[2].refusal.missing == kes(100)
    assert c.balances(c.mother)[SAVINGS] == kes(100)


def test_a_reservation_is_settled_for_less_and_the_rest_released(county: County) -> None:
    c, w = county, county.p.wallets
    w.grant(COVER, [(c.mother.id, kes(5_000))], "cover-2023")
    rid = new_id()
    held = w.reserve(
        patient_id=c.mother.id,
        provider_id=c.hospital.id,
        items=[PricedItem("ADM", "inpatient", kes(3_000), "admission")],
        programme_id=COVER,
        reservation_id=rid,
    )
    assert held.status is PaymentStatus.RESERVED
    cover = next(s for s in w.sources(c.mother.id) if s.source is FundingSource.COVER)
    assert (cover.balance, cover.available) == (kes(5_000), kes(2_000))
    done = w.settle(rid, [PricedItem("ADM", "inpatient", kes(2_400), "admission")])
    assert done.status is PaymentStatus.SETTLED, done.refusal
    assert done.total == kes(2_400)
    assert done.by_source() == {FundingSource.COVER: kes(2_400)}
    cover = next(s for s in w.sources(c.mother.id) if s.source is FundingSource.COVER)
    assert (cover.balance, cover.available) == (kes(2_600), kes(2_600))
    assert receivable(c, c.hospital.id, w.programme(COVER).ledger) == kes(2_400)
    again = w.settle(rid)
    assert again.replayed
    assert again.total == kes(2_400)
    refused = w.release(rid)
    assert code_of(refused) == "reservation_settled"
    assert c.p.verify_ledger().ok


def test_a_reservation_cannot_be_settled_for_more(county: County) -> None:
    c, w = county, county.p.wallets
    c.top_up(MOTHER_PHONE, kes(1_000))
    rid = new_id()
    w.reserve(
        patient_id=c.mother.id,
        provider_id=c.pharmacy.id,
        items=[PricedItem("LAB", "laboratory", kes(500))],
        programme_id=None,
        reservation_id=rid,
    )
    more = w.settle(rid, [PricedItem("LAB", "laboratory", kes(600))])
    assert code_of(more) == "exceeds_reservation"
    assert more.status is PaymentStatus.RESERVED


def test_a_released_reservation_gives_the_money_back(county: County) -> None:
    c, w = county, county.p.wallets
    c.top_up(MOTHER_PHONE, kes(1_000))
    rid = new_id()
    w.reserve(
        patient_id=c.mother.id,
        provider_id=c.pharmacy.id,
        items=[PricedItem("LAB", "laboratory", kes(500))],
        programme_id=None,
        reservation_id=rid,
    )
    savings = next(s for s in w.sources(c.mother.id) if s.source is FundingSource.SAVINGS)
    assert savings.available == kes(500)
    r = w.release(rid)
    assert r.status is PaymentStatus.RELEASED
    savings = next(s for s in w.sources(c.mother.id) if s.source is FundingSource.SAVINGS)
    assert (savings.balance, savings.available) == (kes(1_000), kes(1_000))
    assert w.release(rid).replayed
    late = w.settle(rid)
    assert code_of(late) == "reservation_released"


def test_a_reservation_expires_at_its_timeout(county: County, clock: ManualClock) -> None:
    c, w = county, county.p.wallets
    c.top_up(MOTHER_PHONE, kes(1_000))
    rid = new_id()
    w.reserve(
        patient_id=c.mother.id,
        provider_id=c.pharmacy.id,
        items=[PricedItem("LAB", "laboratory", kes(500))],
        programme_id=None,
        reservation_id=rid,
        timeout=3600,
    )
    clock.advance(3601)
    c.p.ledger.expire()
    late = w.settle(rid)
    assert code_of(late) == "reservation_expired"
    assert late.status is PaymentStatus.EXPIRED
    assert c.balances(c.mother)[SAVINGS] == kes(1_000)


def test_a_payment_interrupted_before_or_after_the_ledger_completes_once(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, w = county, county.p.wallets
    c.top_up(MOTHER_PHONE, kes(1_000))
    bill = {
        "patient_id": c.mother.id,
        "provider_id": c.pharmacy.id,
        "items": [PricedItem("ORS", "medicine", kes(100))],
        "programme_id": None,
    }

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the process died here")

    # 1. The plan is written, then the process dies before the ledger hears of it.
    first = new_id()
    with monkeypatch.context() as m:
        m.setattr(payments, "submit_chains", crash)
        with pytest.raises(RuntimeError):
            w.pay(**bill, payment_id=first)  # type: ignore[arg-type]
    assert c.balances(c.mother)[SAVINGS] == kes(1_000)
    resumed = w.pay(**bill, payment_id=first)  # type: ignore[arg-type]
    assert (resumed.status, resumed.replayed) == (PaymentStatus.PAID, False)
    assert c.balances(c.mother)[SAVINGS] == kes(900)

    # 2. The ledger records the payment, then the process dies before saying so.
    second = new_id()
    with monkeypatch.context() as m:
        m.setattr(store, "set_payment_status", crash)
        with pytest.raises(RuntimeError):
            w.pay(**bill, payment_id=second)  # type: ignore[arg-type]
    assert c.balances(c.mother)[SAVINGS] == kes(800)
    again = w.pay(**bill, payment_id=second)  # type: ignore[arg-type]
    assert (again.status, again.replayed) == (PaymentStatus.PAID, True)
    assert c.balances(c.mother)[SAVINGS] == kes(800)
    assert c.p.verify_ledger().ok
