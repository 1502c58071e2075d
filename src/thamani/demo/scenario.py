"""The demonstration: a county's money moving on the ledger, told step by step.

``steps(platform)`` yields ``Step`` records as it goes; the CLI prints them. Every amount,
balance and result shown is read back from the ledger, not written into the script.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from thamani.ledger.codes import AccountCode, TransferCode, describe_transfer_code
from thamani.ledger.ids import new_id
from thamani.ledger.records import Account, AccountFlags, Transfer, TransferFlags
from thamani.ledger.results import TransferResult
from thamani.ledger.service import Ledger
from thamani.money import format_amount, parse_amount
from thamani.parties.records import Party, PartyKind
from thamani.parties.service import Parties

SAVINGS = 1
"""Ledger of patients' own money (KES)."""
VOUCHER = 2
"""Ledger of the donor's maternal-care voucher fund (KES), kept apart so it cannot leak."""
CUR = "KES"


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the story.

    title: what happens.
    lines: what the ledger answered, for people.
    table: optional rows (first row is the header).
    ok: False when the step found something wrong.
    """

    title: str
    lines: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    ok: bool = True


def kes(text: str) -> int:
    return parse_amount(text, CUR)


def money(minor: int) -> str:
    return format_amount(minor, CUR)


@dataclass(slots=True)
class _Cast:
    donor: Party
    hospital: Party
    centre: Party
    patients: list[Party]
    clearing: int = 0
    donor_bank: int = 0
    fund: int = 0
    hospital_voucher: int = 0
    hospital_savings: int = 0
    centre_savings: int = 0
    wallets: dict[int, int] = field(default_factory=dict)


def _transfer(ledger: Ledger, t: Transfer) -> TransferResult:
    return ledger.create_transfers([t])[0]


def steps(ledger: Ledger, parties: Parties, verify: object) -> Iterator[Step]:
    """Run the ledger part of the demonstration. ``verify()`` returns a VerifyReport."""
    run = new_id() % 100_000

    # 1. Parties and ledgers.
    ledger.create_ledger(SAVINGS, CUR, "kes-savings", "patients' own money")
    ledger.create_ledger(VOUCHER, CUR, "kes-maternal-voucher", "donor voucher fund")
    cast = _Cast(
        donor=parties.create(PartyKind.PAYER, "Mama Bora Donor Fund", f"donor-{run}"),
        hospital=parties.create(
            PartyKind.PROVIDER, "Kisumu County Referral Hospital", f"kcrh-{run}"
        ),
        centre=parties.create(PartyKind.PROVIDER, "Nyalenda Health Centre", f"nhc-{run}"),
        patients=[
            parties.create(PartyKind.PATIENT, name, f"{ref}-{run}")
            for name, ref in (
                ("Akinyi Odhiambo", "akinyi"),
                ("Wanjiru Kamau", "wanjiru"),
                ("Otieno Ouma", "otieno"),
            )
        ],
    )
    yield Step(
        "A county programme comes online",
        [
            "two ledgers: kes-savings (patients' own money) and kes-maternal-voucher"
            " (the donor's earmarked fund); money cannot move between them",
            f"payer: {cast.donor.name}; providers: {cast.hospital.name}, {cast.centre.name}",
            "patients: " + ", ".join(p.name for p in cast.patients),
        ],
    )

    # 2. Accounts.
    wallet = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    accounts = [
        Account(cid := new_id(), SAVINGS, AccountCode.MOBILE_MONEY_CLEARING),
        Account(bid := new_id(), VOUCHER, AccountCode.FUNDER_SOURCE, owner_party_id=cast.donor.id),
        Account(
            fid := new_id(),
            VOUCHER,
            AccountCode.PROGRAMME_FUND,
            wallet,
            owner_party_id=cast.donor.id,
        ),
        Account(
            hv := new_id(),
            VOUCHER,
            AccountCode.PROVIDER_RECEIVABLE,
            owner_party_id=cast.hospital.id,
        ),
        Account(
            hs := new_id(),
            SAVINGS,
            AccountCode.PROVIDER_RECEIVABLE,
            owner_party_id=cast.hospital.id,
        ),
        Account(
            cs := new_id(),
            SAVINGS,
            AccountCode.PROVIDER_RECEIVABLE,
            owner_party_id=cast.centre.id,
        ),
    ]
    cast.clearing, cast.donor_bank, cast.fund = cid, bid, fid
    cast.hospital_voucher, cast.hospital_savings, cast.centre_savings = hv, hs, cs
    for p in cast.patients:
        cast.wallets[p.id] = new_id()
        accounts.append(
            Account(
                cast.wallets[p.id],
                SAVINGS,
                AccountCode.PATIENT_WALLET,
                wallet,
                owner_party_id=p.id,
            )
        )
    results = ledger.create_accounts(accounts)
    opened = sum(1 for r in results if r.recorded)
    yield Step(
        "Accounts are opened",
        [
            f"{opened} accounts opened; patient wallets and the programme fund may never go"
            " below zero (debits_must_not_exceed_credits), pending reservations included",
        ],
    )

    # 3. Top-ups from mobile money and the donor's funding.
    akinyi, wanjiru, otieno = cast.patients
    topups = [(akinyi, "1500"), (wanjiru, "800"), (otieno, "2500")]
    batch = [
        Transfer(new_id(), cast.clearing, cast.wallets[p.id], kes(a), SAVINGS, TransferCode.TOP_UP)
        for p, a in topups
    ]
    funding = Transfer(
        new_id(), cast.donor_bank, cast.fund, kes("250000"), VOUCHER, TransferCode.FUNDING
    )
    res = ledger.create_transfers([*batch, funding])
    lines = [
        f"{p.name} tops up {money(kes(a))} by mobile money: {r.value}"
        for (p, a), r in zip(topups, res, strict=False)
    ]
    lines.append(
        f"{cast.donor.name} funds the voucher programme with {money(kes('250000'))}:"
        f" {res[-1].value}"
    )
    yield Step("Money arrives", lines)

    # 4. Idempotency: the same top-up submitted again moves nothing.
    again = ledger.create_transfers([batch[0]])[0]
    after = ledger.account(cast.wallets[akinyi.id])
    yield Step(
        "The mobile-money callback arrives twice",
        [
            f"same transfer id resubmitted: {again.value} (nothing applied twice)",
            f"{akinyi.name}'s wallet still holds {money(after.balance)}",
        ],
    )

    # 5. A pre-authorised admission: pending at check-in, posted for less at discharge.
    preauth = new_id()
    r1 = _transfer(
        ledger,
        Transfer(
            preauth,
            cast.fund,
            cast.hospital_voucher,
            kes("12000"),
            VOUCHER,
            TransferCode.PRE_AUTHORISATION,
            int(TransferFlags.PENDING),
            timeout=7 * 86400,
        ),
    )
    fund_mid = ledger.account(cast.fund)
    r2 = _transfer(
        ledger,
        Transfer(
            new_id(),
            amount=kes("9850"),
            flags=int(TransferFlags.POST_PENDING_TRANSFER),
            pending_id=preauth,
        ),
    )
    fund_after = ledger.account(cast.fund)
    hosp = ledger.account(cast.hospital_voucher)
    r3 = _transfer(
        ledger,
        Transfer(
            new_id(),
            flags=int(TransferFlags.VOID_PENDING_TRANSFER),
            pending_id=preauth,
        ),
    )
    yield Step(
        f"{akinyi.name} is admitted for delivery at {cast.hospital.name}",
        [
            f"check-in: {money(kes('12000'))} reserved from the voucher fund: {r1.value}"
            f" (fund available {money(fund_mid.available)})",
            f"discharge: the bill is {money(kes('9850'))}; the reservation is posted for less:"
            f" {r2.value}",
            f"the remaining {money(kes('12000') - kes('9850'))} returns to the fund"
            f" (fund available {money(fund_after.available)});"
            f" the hospital has received {money(hosp.balance)}",
            f"a second attempt to resolve the same reservation is refused: {r3.value}",
        ],
    )

    # 6. A reservation voided.
    lab = new_id()
    v1 = _transfer(
        ledger,
        Transfer(
            lab,
            cast.wallets[wanjiru.id],
            cast.centre_savings,
            kes("500"),
            SAVINGS,
            TransferCode.CO_PAY,
            int(TransferFlags.PENDING),
            timeout=3600,
        ),
    )
    held = ledger.account(cast.wallets[wanjiru.id])
    v2 = _transfer(
        ledger,
        Transfer(new_id(), flags=int(TransferFlags.VOID_PENDING_TRANSFER), pending_id=lab),
    )
    freed = ledger.account(cast.wallets[wanjiru.id])
    yield Step(
        f"A lab test for {wanjiru.name} is booked, then cancelled",
        [
            f"{money(kes('500'))} reserved from her wallet: {v1.value}"
            f" (available {money(held.available)} of {money(held.balance)})",
            f"the test is cancelled and the reservation voided: {v2.value}"
            f" (available {money(freed.available)})",
        ],
    )

    # 7. Payments, an overdraft refused, and a linked pair that fails together.
    pay = _transfer(
        ledger,
        Transfer(
            new_id(),
            cast.wallets[otieno.id],
            cast.centre_savings,
            kes("650"),
            SAVINGS,
            TransferCode.CO_PAY,
        ),
    )
    too_much = _transfer(
        ledger,
        Transfer(
            new_id(),
            cast.wallets[wanjiru.id],
            cast.hospital_savings,
            kes("5000"),
            SAVINGS,
            TransferCode.CO_PAY,
        ),
    )
    linked = ledger.create_transfers(
        [
            Transfer(
                new_id(),
                cast.wallets[otieno.id],
                cast.hospital_savings,
                kes("300"),
                SAVINGS,
                TransferCode.CO_PAY,
                int(TransferFlags.LINKED),
            ),
            Transfer(
                new_id(),
                cast.wallets[akinyi.id],
                cast.hospital_savings,
                kes("99999"),
                SAVINGS,
                TransferCode.CO_PAY,
            ),
        ]
    )
    leaky = _transfer(
        ledger,
        Transfer(
            new_id(),
            cast.fund,
            cast.centre_savings,
            kes("100"),
            VOUCHER,
            TransferCode.CO_PAY,
        ),
    )
    yield Step(
        "Paying at the clinic",
        [
            f"{otieno.name} pays {money(kes('650'))} at {cast.centre.name}: {pay.value}",
            f"{wanjiru.name} tries to pay {money(kes('5000'))} she does not have: {too_much.value}",
            "a linked pair (one payment valid, its partner overdrawn) fails together: "
            + ", ".join(r.value for r in linked),
            f"voucher money sent to a savings account is refused: {leaky.value}",
        ],
    )

    # 8. Statements for every party.
    table = [["party", "account", "ledger", "balance", "available", "transfers"]]
    owners: list[tuple[str, int]] = [
        (cast.donor.name, cast.fund),
        (cast.hospital.name, cast.hospital_voucher),
        (cast.hospital.name, cast.hospital_savings),
        (cast.centre.name, cast.centre_savings),
    ]
    owners.extend((p.name, cast.wallets[p.id]) for p in cast.patients)
    detail: list[str] = []
    for name, acct in owners:
        st = ledger.statement(acct, limit=100)
        a = st.account
        table.append(
            [
                name,
                str(a.id)[-6:],
                "voucher" if a.ledger == VOUCHER else "savings",
                money(a.balance),
                money(a.available),
                str(len(st.lines)),
            ]
        )
        if name == akinyi.name:
            for line in st.lines:
                t = line.transfer
                sign = "-" if t.debit_account_id == a.id else "+"
                detail.append(
                    f"  {akinyi.name}: {sign}{money(t.amount)}"
                    f" {describe_transfer_code(t.code)} ({line.event.name.lower()})"
                )
    yield Step("Statements, for every party", detail, table)

    # 9. Sign a checkpoint, then verify everything from the first record.
    ledger.checkpoint()
    report = verify()  # type: ignore[operator]
    yield Step(
        "The books are verified from the first record",
        [
            f"{report.records:,} journal records re-hashed, {report.accounts:,} balances"
            f" folded and compared, {report.checkpoints} signed checkpoint(s):"
            f" {'ok' if report.ok else 'FAILED'}",
            *[f"  {p.code}: {p.message}" for p in report.problems],
        ],
        ok=report.ok,
    )
