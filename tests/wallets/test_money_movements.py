"""Sending to relatives, provider payouts, expiry back to funders, statements, visibility."""

from __future__ import annotations

from datetime import date

import pytest

from tests.wallets.county import (
    COVER,
    MOTHER_PHONE,
    SISTER_PHONE,
    VOUCHER,
    County,
    anc,
    kes,
)
from thamani.errors import Forbidden, NotFound
from thamani.ledger.ids import new_id
from thamani.parties.records import PartyKind
from thamani.wallets.records import FundingSource, PricedItem
from thamani.wallets.topups import SendStatus


def test_a_sister_sends_money_and_her_phone_is_the_source(county: County) -> None:
    c, w = county, county.p.wallets
    c.top_up(SISTER_PHONE, kes(1_000))
    sent = w.send_to_relative(c.sister.id, "0712345678", kes(400), "send-1")
    assert sent.status is SendStatus.SENT
    assert sent.recipient_name == "Akinyi Odhiambo"
    again = w.send_to_relative(c.sister.id, "0712345678", kes(400), "send-1")
    assert again.status is SendStatus.DUPLICATE
    assert c.balances(c.mother)[("family", 0)] == kes(400)
    assert c.balances(c.sister)[("savings", 0)] == kes(600)
    line = next(x for x in w.statement(c.mother.id).lines if x.kind == "send")
    assert (line.direction, line.phone, line.counterparty) == (
        "in",
        SISTER_PHONE,
        "Atieno Odhiambo",
    )
    out = next(x for x in w.statement(c.sister.id).lines if x.kind == "send")
    assert (out.direction, out.counterparty) == ("out", "Akinyi Odhiambo")
    too_much = w.send_to_relative(c.sister.id, MOTHER_PHONE, kes(5_000), "send-2")
    assert (too_much.status, too_much.code) == (SendStatus.REFUSED, "insufficient_funds")
    nobody = w.send_to_relative(c.sister.id, "0799000000", kes(1), "send-3")
    assert (nobody.status, nobody.code) == (SendStatus.REFUSED, "unknown_recipient")
    mother = c.p.parties.actor(c.mother)
    with pytest.raises(Forbidden):
        w.send_to_relative(c.sister.id, MOTHER_PHONE, kes(1), "send-4", mother)


def test_provider_payouts_run_once_per_run_id(county: County) -> None:
    c, w = county, county.p.wallets
    w.grant(VOUCHER, [(c.mother.id, kes(2_000))], "g1")
    c.top_up(MOTHER_PHONE, kes(1_000))
    for provider, amount in ((c.clinic, 1_000), (c.hospital, 500)):
        r = w.pay(
            patient_id=c.mother.id,
            provider_id=provider.id,
            items=[anc(kes(amount))],
            programme_id=VOUCHER,
            payment_id=new_id(),
        )
        assert r.ok, r.refusal
    w.set_payout_target(c.clinic.id, "mobile_money", "0700111222")
    run = w.run_payouts("2023-11-week-46")
    lines = {(x.provider_name, x.ledger): x.amount for x in run.lines}
    voucher, savings = w.programme(VOUCHER).ledger, w.sources(c.mother.id)[0].ledger
    assert lines == {
        ("Nyalenda Health Centre", voucher): kes(900),
        ("Nyalenda Health Centre", savings): kes(100),
        ("Kisumu County Hospital", voucher): kes(450),
        ("Kisumu County Hospital", savings): kes(50),
    }
    assert all(x.paid for x in run.lines)
    assert run.totals() == {"KES": kes(1_500)}
    head = c.p.ledger.head()
    again = w.run_payouts("2023-11-week-46")
    assert again.replayed
    assert again.lines == run.lines
    assert c.p.ledger.head() == head
    assert w.run_payouts("2023-11-week-47").lines == ()  # nothing left to pay out
    gateway = w.gateway
    assert gateway is not None
    assert sorted(d.amount for d in gateway.disbursed.values()) == [kes(100), kes(900)]  # type: ignore[attr-defined]
    st = w.statement(c.clinic.id)
    payouts = [x for x in st.lines if x.kind == "payout"]
    assert sorted(x.amount for x in payouts if x.direction == "out") == [kes(100), kes(900)]
    clinic = c.p.parties.actor(c.clinic)
    with pytest.raises(Forbidden):
        w.run_payouts("mine", [c.hospital.id], clinic)
    mine = w.payout_run("2023-11-week-46", clinic)
    assert {x.provider_party_id for x in mine.lines} == {c.clinic.id}


def test_unspent_voucher_money_expires_back_to_the_fund(county: County) -> None:
    c, w = county, county.p.wallets
    w.grant(VOUCHER, [(c.mother.id, kes(1_000)), (c.sister.id, kes(700))], "g1")
    c.top_up(MOTHER_PHONE, kes(100))
    paid = w.pay(
        patient_id=c.mother.id,
        provider_id=c.clinic.id,
        items=[anc(kes(400))],
        programme_id=VOUCHER,
        payment_id=new_id(),
        service_date=date(2023, 11, 14),
    )
    assert paid.by_source() == {FundingSource.VOUCHER: kes(360), FundingSource.SAVINGS: kes(40)}
    fund_before = c.p.ledger.account(w.programme(VOUCHER).fund_account_id).balance
    assert w.expire_conditional_funds(date(2023, 12, 31)).movements == ()  # still valid
    run = w.expire_conditional_funds(date(2024, 1, 1))
    assert sorted(m.amount for m in run.movements) == [kes(640), kes(700)]
    assert run.returned == kes(1_340)
    assert c.balances(c.mother)[("voucher", VOUCHER)] == 0
    assert c.balances(c.sister)[("voucher", VOUCHER)] == 0
    fund_after = c.p.ledger.account(w.programme(VOUCHER).fund_account_id).balance
    assert fund_after - fund_before == kes(1_340)
    assert w.expire_conditional_funds(date(2024, 1, 2)).movements == ()
    line = next(x for x in w.statement(c.sister.id).lines if x.kind == "expiry")
    assert (line.direction, line.programme) == ("out", "Mama Bora antenatal voucher")
    # The insurer's cover has no end date: nothing of it expires.
    w.grant(COVER, [(c.mother.id, kes(100))], "c1")
    assert w.expire_conditional_funds(date(2030, 1, 1)).movements == ()


def test_the_patient_statement_shows_source_clinic_and_service(county: County) -> None:
    c, w = county, county.p.wallets
    w.grant(VOUCHER, [(c.mother.id, kes(1_000))], "g1")
    c.top_up(MOTHER_PHONE, kes(500))
    r = w.pay(
        patient_id=c.mother.id,
        provider_id=c.clinic.id,
        items=[anc(kes(800)), PricedItem("HB", "antenatal", kes(200), "haemoglobin test")],
        programme_id=VOUCHER,
        payment_id=new_id(),
    )
    st = w.statement(c.mother.id)
    paid = [x for x in st.lines if x.reference == str(r.payment_id)]
    assert {(x.source, x.amount, x.counterparty) for x in paid} == {
        (FundingSource.VOUCHER, kes(900), "Nyalenda Health Centre"),
        (FundingSource.SAVINGS, kes(100), "Nyalenda Health Centre"),
    }
    assert all(x.services == ("ANC1 antenatal visit", "haemoglobin test") for x in paid)
    assert {x.kind for x in paid} == {"payment", "co_pay"}
    assert {x.programme for x in paid} == {"Mama Bora antenatal voucher"}
    labels = {a.label: a.balance for a in st.accounts}
    assert labels["voucher: Mama Bora antenatal voucher"] == kes(100)
    assert labels["savings"] == kes(400)
    # The clinic sees the same payment from its side: who paid, from which source.
    clinic = w.statement(c.clinic.id)
    got = {(x.source, x.amount, x.counterparty) for x in clinic.lines if x.direction == "in"}
    assert got == {
        (FundingSource.VOUCHER, kes(900), "Akinyi Odhiambo"),
        (FundingSource.SAVINGS, kes(100), "Akinyi Odhiambo"),
    }
    # The donor sees the grant and the spend on the account it funds.
    donor = w.statement(c.donor.id, c.p.parties.actor(c.donor))
    kinds = [x.kind for x in donor.lines if x.account_label.startswith("voucher")]
    assert kinds == ["grant", "payment"]


def test_a_payer_sees_only_the_sources_it_funds(county: County) -> None:
    c, w = county, county.p.wallets
    w.grant(VOUCHER, [(c.mother.id, kes(1_000))], "g1")
    w.grant(COVER, [(c.mother.id, kes(3_000))], "c1")
    actor = c.p.parties.actor
    everything = {s.source for s in w.sources(c.mother.id, actor(c.mother))}
    assert everything == {
        FundingSource.SAVINGS,
        FundingSource.FAMILY,
        FundingSource.VOUCHER,
        FundingSource.COVER,
    }
    assert [s.source for s in w.sources(c.mother.id, actor(c.donor))] == [FundingSource.VOUCHER]
    assert [s.source for s in w.sources(c.mother.id, actor(c.insurer))] == [FundingSource.COVER]
    with pytest.raises(NotFound):
        w.sources(c.sister.id, actor(c.donor))
    with pytest.raises(NotFound):
        w.sources(c.mother.id, actor(c.sister))
    insurer = w.statement(c.insurer.id, actor(c.insurer))
    assert not any(a.source is FundingSource.VOUCHER for a in insurer.accounts)
    other_payer = c.p.parties.create(PartyKind.PAYER, "Another payer", f"x-{new_id() % 999}")
    with pytest.raises(NotFound):
        w.statement(c.donor.id, actor(other_payer))
