"""The demonstration, continued: programmes, enrolment and claims with their clinical data.

``claims_steps(platform)`` yields ``Step``s after the ledger's: the two example programme
files are loaded, households enrolled, claims paid at tariff, a claim rejected with its
reason, a pre-authorised admission settled for less than was held, a claim flagged for
review and approved by the payer, and the FHIR answers a provider's system receives.
Every amount shown is read back from the ledger or the stored claim.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from thamani.claims.records import (
    Claim,
    ClaimInput,
    ClaimUse,
    Diagnosis,
    Encounter,
    LabResult,
    LineInput,
    Vital,
)
from thamani.demo.scenario import Step
from thamani.errors import InvalidInput
from thamani.interop.fhir.claims import claim_response
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.records import Account, Transfer
from thamani.money import format_amount
from thamani.parties.records import PartyKind
from thamani.platform import Platform
from thamani.schemes.documents import (
    load_programme_file,
    parse_enrolment,
    parse_programme,
    read_yaml,
)
from thamani.schemes.records import CareType, Definition, EncounterClass


def _example(name: str) -> Path:
    return Path(str(resources.files("thamani.schemes").joinpath(f"examples/{name}.yaml")))


def money(minor: int) -> str:
    return format_amount(minor, "KES")


def _visit(
    member: str,
    provider: str,
    programme: str,
    day: date,
    lines: list[tuple[str, int, int]],
    dx: str,
    cls: EncounterClass = EncounterClass.OUTPATIENT,
    *,
    use: ClaimUse = ClaimUse.CLAIM,
    reference: str | None = None,
    preauth: int = 0,
    end: date | None = None,
    **extra: Any,
) -> ClaimInput:
    return ClaimInput(
        use=use,
        provider=provider,
        member=member,
        programme=programme,
        reference=reference,
        preauth_id=preauth,
        encounter=Encounter(
            cls, CareType.NORMAL, day, end, "Dr. A. Ochieng", (Diagnosis(dx, True),), **extra
        ),
        lines=tuple(
            LineInput(k, code, qty, price) for k, (code, qty, price) in enumerate(lines, 1)
        ),
    )


def _lines(c: Claim) -> list[str]:
    out = []
    for x in c.lines:
        what = f"{x.code} x{x.quantity}: asked {money(x.asked)}, tariff {money(x.valuated)}"
        if x.reason:
            what += f" -> {x.status.value} ({x.reason}: {x.message})"
        else:
            what += f" -> programme pays {money(x.payer)}, member {money(x.member_pays)}"
        out.append("  " + what)
    return out


def claims_steps(p: Platform) -> Iterator[Step]:
    """The claims part of the demonstration (run after the ledger's steps)."""
    today = datetime.fromtimestamp(p.clock.now_ns() / 1e9, tz=UTC).date()
    start, end = today - timedelta(days=120), today + timedelta(days=240)
    run = f"{new_id() % 10_000:04d}"

    # 1. Programmes from their files.
    for kind, name, ref in (
        (PartyKind.PAYER, "Mama Bora Fund", "mama-bora-fund"),
        (PartyKind.PAYER, "National Health Fund", "national-health-fund"),
        (PartyKind.PROVIDER, "Kisumu County Referral Hospital", "kcrh"),
        (PartyKind.PROVIDER, "Nyalenda Health Centre", "nyalenda-hc"),
        (PartyKind.PROVIDER, "Kondele Dispensary", "kondele-disp"),
    ):
        p.parties.ensure(kind, name, ref)
    defs: dict[str, Definition] = {}
    lines = []
    for code in ("linda-mama", "national-insurance"):
        done = p.schemes.define(load_programme_file(_example(code)))
        d = defs[code] = done.definition
        prog = d.programme
        source = new_id()
        p.ledger.create_accounts(
            [Account(source, prog.ledger, AccountCode.FUNDER_SOURCE, owner_party_id=prog.funder_id)]
        )
        p.ledger.create_transfers(
            [
                Transfer(
                    new_id(),
                    source,
                    prog.fund_account_id,
                    5_000_000_00,
                    prog.ledger,
                    TransferCode.FUNDING,
                )
            ]
        )
        lines.append(
            f"{prog.code} ({prog.kind.value}): {len(d.items)} benefit items, {len(d.tariff)} prices"
            f" at {len(prog.levels)} provider levels, {len(d.providers)} accredited providers;"
            f" fund {money(p.ledger.account(prog.fund_account_id).balance)} on ledger {prog.ledger}"
        )
    broken = read_yaml(_example("national-insurance"))
    broken["benefits"][3]["co_insurance"] = {"adult": "10 percent", "child": "0%"}
    try:
        parse_programme(broken, "national-insurance.yaml")
    except InvalidInput as e:
        lines.append(f"a file with a typo is refused, nothing stored: {e}")
    yield Step("Programmes are defined from their files", lines)

    # 2. Enrolment.
    lm_member, husband, ni_member, ni_child = (
        f"LM-{run}-1",
        f"LM-{run}-2",
        f"NI-{run}-1",
        f"NI-{run}-3",
    )
    p.schemes.enrol(
        "linda-mama",
        parse_enrolment(
            {
                "programme": "linda-mama",
                "households": [
                    {
                        "reference": f"HH-LM-{run}",
                        "name": "Odhiambo",
                        "area": "Kisumu East",
                        "start": start,
                        "end": end,
                        "members": [
                            {
                                "number": lm_member,
                                "name": "Akinyi Odhiambo",
                                "sex": "female",
                                "birth_date": "1996-03-14",
                            },
                            {
                                "number": husband,
                                "name": "Otieno Odhiambo",
                                "sex": "male",
                                "birth_date": "1994-01-09",
                            },
                        ],
                    }
                ],
            }
        ).households,
    )
    p.schemes.enrol(
        "national-insurance",
        parse_enrolment(
            {
                "programme": "national-insurance",
                "households": [
                    {
                        "reference": f"HH-NI-{run}",
                        "name": "Kamau",
                        "area": "Nyando",
                        "start": start,
                        "end": end,
                        "members": [
                            {
                                "number": ni_member,
                                "name": "Wanjiru Kamau",
                                "sex": "female",
                                "birth_date": "1985-05-02",
                            },
                            {
                                "number": ni_child,
                                "name": "Njeri Kamau",
                                "sex": "female",
                                "birth_date": "2015-08-30",
                            },
                        ],
                    }
                ],
            }
        ).households,
    )
    cover = p.schemes.coverage(lm_member, today)
    yield Step(
        "Two households are enrolled",
        [
            f"Akinyi ({lm_member}) and her husband in linda-mama, {start}..{end}",
            f"Wanjiru ({ni_member}) and her daughter in national-insurance, {start}..{end}",
            f"the desk checks cover: {lm_member} is covered today by "
            + ", ".join(c.programme_code for c in cover),
        ],
    )

    # 3. An antenatal visit paid at tariff, with its clinical record.
    anc = p.claims.submit(
        _visit(
            lm_member,
            "nyalenda-hc",
            "linda-mama",
            today - timedelta(days=30),
            [("ANC-VISIT", 1, 900_00), ("HB", 1, 300_00), ("IFAS", 1, 150_00)],
            "Z34.0",
            EncounterClass.ANTENATAL,
            reference=f"NHC-{run}-1",
            vitals=(
                Vital("systolic", "116", "mm[Hg]", "8480-6"),
                Vital("weight", "64.5", "kg", "29463-7"),
            ),
            labs=(LabResult("Haemoglobin", "11.4", "g/dL", "718-7", "HB"),),
        )
    )
    yield Step(
        f"An antenatal visit at Nyalenda Health Centre is {anc.status.label} at tariff",
        [
            *_lines(anc),
            f"the clinical record rides with it: {len(anc.encounter.vitals)} vitals,"
            f" {len(anc.encounter.labs)} lab result (Hb {anc.encounter.labs[0].value} g/dL),"
            f" diagnosis {anc.encounter.diagnoses[0].code}",
            f"paid {money(anc.payer)} (asked {money(anc.asked)})",
        ],
        ok=anc.status.label == "paid",
    )

    # 4. Rejections, with their reasons; nothing moves.
    fund_before = p.ledger.account(defs["linda-mama"].programme.fund_account_id).balance
    wrong = p.claims.submit(
        _visit(
            husband,
            "kcrh",
            "linda-mama",
            today - timedelta(days=5),
            [("DEL-NORMAL", 1, 6000_00)],
            "O80",
            EncounterClass.DELIVERY,
        )
    )
    ghost = p.claims.submit(
        _visit(
            f"LM-{run}-99",
            "kcrh",
            "linda-mama",
            today - timedelta(days=5),
            [("ANC-VISIT", 1, 800_00)],
            "Z34.0",
        )
    )
    again = p.claims.submit(
        _visit(
            lm_member,
            "nyalenda-hc",
            "linda-mama",
            today - timedelta(days=30),
            [("ANC-VISIT", 1, 900_00), ("HB", 1, 300_00), ("IFAS", 1, 150_00)],
            "Z34.0",
            EncounterClass.ANTENATAL,
        )
    )
    fund_after = p.ledger.account(defs["linda-mama"].programme.fund_account_id).balance
    yield Step(
        "Claims are rejected, each with its reason",
        [
            f"a delivery claimed for Otieno: {wrong.status.label} -"
            f" {wrong.findings[0].code}: {wrong.findings[0].message}",
            f"an unknown member: {ghost.status.label} - {ghost.findings[0].code}:"
            f" {ghost.findings[0].message}",
            f"the antenatal visit claimed twice: {again.status.label} - {again.findings[0].code}",
            f"the voucher fund did not move: {money(fund_before)} -> {money(fund_after)}",
        ],
        ok=wrong.status.label == again.status.label == ghost.status.label == "rejected",
    )

    # 5. A pre-authorised admission, settled for less than was held.
    fund_id = defs["linda-mama"].programme.fund_account_id
    admit = today - timedelta(days=3)
    pre = p.claims.submit(
        _visit(
            lm_member,
            "kcrh",
            "linda-mama",
            admit,
            [("DEL-CS", 1, 30000_00), ("BED-DAY", 5, 2000_00)],
            "O82.0",
            EncounterClass.DELIVERY,
            use=ClaimUse.PREAUTHORIZATION,
        )
    )
    held = p.ledger.account(fund_id)
    final = p.claims.submit(
        _visit(
            lm_member,
            "kcrh",
            "linda-mama",
            admit,
            [("DEL-CS", 1, 30000_00), ("BED-DAY", 3, 2500_00), ("OXY", 2, 85_00)],
            "O82.0",
            EncounterClass.DELIVERY,
            preauth=pre.id,
            end=admit + timedelta(days=3),
            reference=f"KCRH-{run}-CS",
        )
    )
    after = p.ledger.account(fund_id)
    hospital = next(a for a in defs["linda-mama"].providers if a.provider_reference == "kcrh")
    yield Step(
        "A caesarean section is pre-authorised at check-in and settled for less at discharge",
        [
            f"pre-authorisation {pre.status.label}: {money(pre.reserved)} held for"
            f" {defs['linda-mama'].programme.preauth_days} days"
            f" (fund available {money(held.available)})",
            *_lines(final),
            f"the claim is {final.status.label}: the hold is posted for {money(final.payer)};"
            f" {money(pre.reserved - min(pre.reserved, final.payer))} returns to the fund"
            f" (available {money(after.available)})",
            f"Kisumu County Referral Hospital's receivable:"
            f" {money(p.ledger.account(hospital.receivable_account_id).balance)}",
        ],
        ok=final.status.label == "paid" and pre.status.label == "authorised",
    )

    # 6. National insurance: co-insurance and a household deductible.
    opd = p.claims.submit(
        _visit(
            ni_member,
            "nyalenda-hc",
            "national-insurance",
            today - timedelta(days=2),
            [("OPD-CONSULT", 1, 500_00), ("MAL-RDT", 1, 150_00), ("AL-24", 1, 250_00)],
            "B54",
        )
    )
    yield Step(
        "Wanjiru's malaria visit under national insurance",
        [
            *_lines(opd),
            f"co-insurance of 10 % and the household's KES 500 outpatient deductible:"
            f" the programme pays {money(opd.payer)}, Wanjiru {money(opd.member_pays)}",
        ],
        ok=opd.status.label == "paid",
    )

    # 7. A flag sends a claim to review; the payer approves it.
    twice = p.claims.submit(
        _visit(
            ni_member,
            "kcrh",
            "national-insurance",
            today - timedelta(days=2),
            [("OPD-CONSULT", 1, 1000_00), ("FBC", 1, 500_00)],
            "R50.9",
        )
    )
    queue = p.claims.review_queue(programme="national-insurance")
    approved = p.claims.review(
        twice.id, note="seen at the health centre, referred for a blood count"
    )
    yield Step(
        "A claim goes to the payer's review queue",
        [
            f"the same day at a second provider: {twice.status.label} -"
            f" {twice.flags[0].code}: {twice.flags[0].message}",
            f"the National Health Fund's queue holds {len(queue)} claim(s)",
            f"the reviewer approves it: {approved.status.label}, {money(approved.payer)} paid",
        ],
        ok=twice.status.label == "in_review" and approved.status.label == "paid",
    )

    # 8. What a provider's system receives in FHIR.
    response = claim_response(final, "kcrh")
    item = response["item"][0]["adjudication"]
    yield Step(
        "Providers' systems speak FHIR R4",
        [
            f"ClaimResponse {response['id'][-8:]}: outcome {response['outcome']},"
            f" payment {response['payment']['amount']['value']:,.2f}"
            f" {response['payment']['amount']['currency']}",
            "  item 1 adjudication: "
            + ", ".join(
                f"{a['category']['coding'][0]['code']} {a['amount']['value']:,.2f}" for a in item
            ),
            "the rejected delivery answers outcome "
            + claim_response(wrong, "kcrh")["outcome"]
            + " with error "
            + claim_response(wrong, "kcrh")["error"][0]["code"]["coding"][0]["code"],
        ],
    )

    # 9. The books still balance, every claim's money included.
    report = p.verify_ledger()
    yield Step(
        "The books are verified again, every claim's money included",
        [
            f"{report.records:,} journal records re-hashed, {report.accounts:,} balances"
            f" folded and compared: {'ok' if report.ok else 'FAILED'}",
            *[f"  {x.code}: {x.message}" for x in report.problems],
        ],
        ok=report.ok,
    )
