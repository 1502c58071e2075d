"""The demonstration, continued: a mother's health wallet.

``wallet_steps(platform)`` yields ``Step``s: a donor's antenatal voucher and a mother's own
money paying one clinic visit (with the breakdown by source), a mobile-money top-up whose
confirmation arrives twice and is credited once, the voucher refusing a pharmacy it did not
accredit, the clinic's payout, and the encounter joining the pseudonymised data pool. Every
figure shown is read back from the platform.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from thamani.channels.mobile_money import FakeOperator
from thamani.demo.scenario import Step
from thamani.ledger.ids import new_id
from thamani.money import format_amount
from thamani.parties.records import PartyKind
from thamani.platform import Platform
from thamani.pool.records import PoolEncounter
from thamani.wallets.records import (
    DrawDownRule,
    Earmark,
    FundingSource,
    PricedItem,
    ProgrammeFunding,
)

CUR = "KES"


def _money(minor: int) -> str:
    return format_amount(minor, CUR)


def wallet_steps(platform: Platform) -> Iterator[Step]:
    """Run the wallets part of the demonstration."""
    p, w = platform, platform.wallets
    run = new_id() % 10**8
    today = datetime.fromtimestamp(p.clock.now_ns() / 1e9, UTC).date()

    # 1. A donor's voucher programme and two wallets.
    donor = p.parties.create(PartyKind.PAYER, "Mama Bora Foundation", f"mama-bora-{run}")
    clinic = p.parties.create(PartyKind.PROVIDER, "Nyalenda Health Centre", f"nyalenda-{run}")
    pharmacy = p.parties.create(PartyKind.PROVIDER, "Kondele Chemist", f"kondele-{run}")
    mother = p.parties.create(PartyKind.PATIENT, "Achieng Otieno", f"achieng-{run}")
    sister = p.parties.create(PartyKind.PATIENT, "Awino Otieno", f"awino-{run}")
    phone, sister_phone = f"2547{run:08d}", f"2541{run:08d}"
    profile = w.open_wallet(
        mother.id, phone=phone, birth_date=date(1997, 5, 14), sex="female", area="Kisumu Central"
    )
    w.open_wallet(
        sister.id, phone=sister_phone, birth_date=date(1993, 2, 1), sex="female", area="Seme"
    )
    programme = w.register_programme(
        ProgrammeFunding(
            programme_id=run,
            name="Mama Bora antenatal voucher",
            currency=CUR,
            source=FundingSource.VOUCHER,
            funder_party_id=donor.id,
            earmark=Earmark(
                accredited_providers=frozenset({clinic.id}),
                covered_categories=frozenset({"antenatal", "delivery"}),
                valid_from=today - timedelta(days=30),
                valid_until=date(today.year + 1, 12, 31),
            ),
            rule=DrawDownRule(copay_bp=1_000),
        )
    )
    w.fund_programme(programme.programme_id, 250_000_00, f"pledge-{run}")
    granted = w.grant(programme.programme_id, [(mother.id, 1_500_00)], f"enrolment-{run}")
    yield Step(
        "A donor's antenatal voucher reaches a mother's wallet",
        [
            f"{donor.name} funds '{programme.name}' with {_money(250_000_00)} on its own"
            f" ledger ({programme.ledger}): voucher money cannot leak to other funds",
            f"earmark: spendable only at {clinic.name}, for antenatal and delivery care,"
            f" until {programme.earmark.valid_until}; 10 % co-pay; unspent money returns",
            f"{mother.name} (wallet {profile.wallet_ref}) receives a voucher of"
            f" {_money(granted[0].amount)}: {granted[0].result.value}",
        ],
    )

    # 2. Mobile-money top-ups; the operator sends one confirmation twice.
    operator = FakeOperator(p.settings.mpesa_shortcode)
    trans = f"SDM{run:07d}"[:10]
    first = operator.pay_bill(
        p.mpesa, phone=phone, amount="800.00", account_ref=profile.wallet_ref, trans_id=trans
    )
    head = p.ledger.head()
    replay = p.mpesa.receive(operator.confirmations[trans])
    unchanged = p.ledger.head() == head
    operator.pay_bill(p.mpesa, phone=sister_phone, amount="200.00", account_ref=phone)
    refused, _ = operator.pay_bill(p.mpesa, phone=phone, amount="50.00", account_ref="TH999999999")
    balances = {s.source: s.balance for s in w.sources(mother.id)}
    yield Step(
        "Top-ups arrive by M-Pesa; a confirmation is replayed",
        [
            f"paybill {p.settings.mpesa_shortcode}, account {profile.wallet_ref}: KES 800.00"
            f" validated ({first[0]['ResultDesc']}) and confirmed"
            f" ({(first[1] or {}).get('ResultDesc')})",
            f"the operator sends confirmation {trans} again: {replay.status.value}, the ledger"
            f" {'did not change' if unchanged else 'CHANGED'}",
            f"her sister pays KES 200.00 into her wallet from {sister_phone}: family money",
            f"a payment to an unknown account is refused at validation: {refused['ResultCode']}",
            f"savings {_money(balances[FundingSource.SAVINGS])}, family"
            f" {_money(balances[FundingSource.FAMILY])}, voucher"
            f" {_money(balances[FundingSource.VOUCHER])}",
        ],
        ok=unchanged and balances[FundingSource.SAVINGS] == 800_00,
    )

    # 3. Paying at the clinic: voucher first, co-pay and shortfall from her own money.
    bill = [
        PricedItem("ANC4", "antenatal", 1_600_00, "fourth antenatal visit"),
        PricedItem("HB", "antenatal", 400_00, "haemoglobin test"),
    ]
    paid = w.pay(
        patient_id=mother.id,
        provider_id=clinic.id,
        items=bill,
        programme_id=programme.programme_id,
        payment_id=new_id(),
    )
    table = [["source", "paid"]]
    table += [[s.value, _money(v)] for s, v in paid.by_source().items()]
    table.append(["total", _money(paid.total)])
    st = w.statement(mother.id)
    mine = [x for x in st.lines if x.reference == str(paid.payment_id)]
    yield Step(
        f"{mother.name} pays {_money(paid.total)} at {clinic.name}",
        [
            f"co-pay 10 %: {_money(paid.copay)}; the voucher's share is"
            f" {_money(paid.total - paid.copay)} but it holds {_money(1_500_00)}, so"
            f" {_money(paid.shortfall)} falls to her own money (family first, savings last)",
            "one linked chain of transfers across two ledgers: all or nothing",
            *[
                f"her statement: {x.source.value if x.source else ''} -{_money(x.amount)}"
                f" at {x.counterparty} for {', '.join(x.services)}"
                for x in mine
            ],
        ],
        table,
        ok=paid.ok and sum(paid.by_source().values()) == paid.total,
    )

    # 4. The earmark at work.
    shop = w.pay(
        patient_id=mother.id,
        provider_id=pharmacy.id,
        items=[PricedItem("FEFO", "antenatal", 150_00, "iron and folate")],
        programme_id=programme.programme_id,
        payment_id=new_id(),
    )
    yield Step(
        "The voucher refuses a provider it did not accredit",
        [
            f"{pharmacy.name} asks the voucher for {_money(150_00)}:"
            f" {shop.refusal.code if shop.refusal else 'paid'} (nothing moved)",
        ],
        ok=shop.refusal is not None,
    )

    # 5. The clinic is paid out.
    w.set_payout_target(clinic.id, "mobile_money", f"2547{(run + 1) % 10**8:08d}")
    payout = w.run_payouts(f"demo-payouts-{run}", [clinic.id])
    again = w.run_payouts(f"demo-payouts-{run}", [clinic.id])
    rows = [["ledger", "amount", "to", "result"]]
    rows += [
        [str(x.ledger), _money(x.amount), f"{x.method} {x.target}", x.result] for x in payout.lines
    ]
    yield Step(
        f"{clinic.name} is paid out",
        [
            f"posted receivables move to the clinic's mobile-money account, one line per"
            f" ledger: {_money(payout.totals().get(CUR, 0))}",
            "the same payout run again: "
            + ("already done, nothing moved" if again.replayed else "MOVED AGAIN"),
        ],
        rows,
        ok=again.replayed and payout.totals().get(CUR, 0) == paid.total,
    )

    # 6. The settled encounter joins the pseudonymised pool.
    appended = p.pool.append(
        [
            PoolEncounter(
                encounter_id=str(paid.payment_id),
                patient_party_id=mother.id,
                provider_party_id=clinic.id,
                encounter_date=paid.service_date,
                encounter_class="antenatal",
                diagnosis_codes=("Z34.8",),
                service_codes=tuple(i.code for i in bill),
                currency=CUR,
                amount_total=paid.total,
                paid_by_source=paid.by_source(),
                programme=programme.name,
                provider_level="level 3",
            )
        ]
    )
    pseudonym = p.pool.pseudonymiser.member(mother.id)
    yield Step(
        "The encounter joins the pseudonymised data pool",
        [
            f"{appended.appended} row appended to {', '.join(appended.files)}",
            f"it reads: member {pseudonym[:12]}…, born 1997, Kisumu Central, Z34, paid by"
            " voucher and own money; no name, phone or id",
        ],
    )

    # 7. The ledger still balances.
    report = p.verify_ledger()
    yield Step(
        "The books still verify after the wallets' movements",
        [
            f"{report.records:,} journal records re-hashed and {report.accounts:,} balances"
            f" folded: {'ok' if report.ok else 'FAILED'}",
            *[f"  {x.code}: {x.message}" for x in report.problems],
        ],
        ok=report.ok,
    )
