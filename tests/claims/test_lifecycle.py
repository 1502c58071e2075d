"""A claim's life: pre-authorisation held and posted (for less or more) or released;
flags that route to review and the reviewer's decision; reversal by a correcting
transfer; replays; a payment the ledger refuses, paid later; co-pays from a wallet."""

from __future__ import annotations

from datetime import date

import pytest

from tests.worlds import World, claim, example
from thamani.claims.reasons import Flag, Reason
from thamani.claims.records import ClaimStatus, ClaimUse, LineStatus
from thamani.claims.settlement import Purpose, transfer_id
from thamani.errors import Conflict, InvalidInput
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.records import Account, AccountFlags, PendingStatus, Transfer
from thamani.schemes.documents import parse_enrolment, parse_programme, read_yaml
from thamani.schemes.records import EncounterClass

ADMIT = date(2025, 6, 1)


def caesarean(w: World, *, beds: int, preauth: int = 0, use: ClaimUse = ClaimUse.CLAIM) -> object:
    return w.p.claims.submit(
        claim(
            "LM-1",
            "kcrh",
            [("DEL-CS", 1), ("BED-DAY", beds)],
            programme="linda-mama",
            dx=("O82.0",),
            cls=EncounterClass.DELIVERY,
            day=ADMIT,
            use=use,
            preauth=preauth,
        )
    )


def test_a_pre_authorised_admission_is_settled_for_less(world: World) -> None:
    fund = world.lm.programme.fund_account_id
    pre = caesarean(world, beds=5, use=ClaimUse.PREAUTHORIZATION)
    assert pre.status is ClaimStatus.AUTHORISED
    assert pre.reserved == 30_000_00 + 5 * 2_000_00
    held = world.p.ledger.account(fund)
    assert held.debits_pending == 40_000_00
    assert world.p.ledger.pending_status(transfer_id(pre.id, Purpose.HOLD)) is PendingStatus.PENDING
    final = caesarean(world, beds=3, preauth=pre.id)
    assert final.status is ClaimStatus.PAID
    assert final.payer == 36_000_00
    after = world.p.ledger.account(fund)
    assert after.debits_pending == 0
    assert held.balance - after.balance == 36_000_00  # 4,000 went back to the fund
    assert world.receivable("linda-mama", world.kcrh) == 36_000_00
    assert world.p.ledger.pending_status(transfer_id(pre.id, Purpose.HOLD)) is PendingStatus.POSTED
    assert world.p.claims.get(pre.id).status is ClaimStatus.CLOSED
    assert world.p.verify_ledger().ok


def test_more_than_was_held_is_paid_in_one_linked_chain(world: World) -> None:
    pre = caesarean(world, beds=2, use=ClaimUse.PREAUTHORIZATION)
    final = caesarean(world, beds=4, preauth=pre.id)
    assert final.status is ClaimStatus.PAID
    assert final.payer == 30_000_00 + 4 * 2_000_00
    posted, topped = world.p.ledger.transfers(
        [transfer_id(final.id, Purpose.POST), transfer_id(final.id, Purpose.TOP)]
    )
    assert (posted.amount, topped.amount) == (34_000_00, 4_000_00)
    assert posted.code == TransferCode.PRE_AUTHORISATION
    assert topped.code == TransferCode.CLAIM_PAYMENT


def test_a_rejected_claim_voids_its_pre_authorisation(world: World) -> None:
    fund = world.lm.programme.fund_account_id
    pre = caesarean(world, beds=2, use=ClaimUse.PREAUTHORIZATION)
    assert world.p.ledger.account(fund).debits_pending == 34_000_00
    rejected = world.p.claims.submit(
        claim(
            "LM-1",
            "kcrh",
            [("DEL-CS", 1)],
            programme="linda-mama",
            dx=("XX9",),
            cls=EncounterClass.DELIVERY,
            day=ADMIT,
            preauth=pre.id,
        )
    )
    assert rejected.status is ClaimStatus.REJECTED
    assert rejected.findings[0].code == Reason.DIAGNOSIS_INVALID.value
    assert world.p.ledger.account(fund).debits_pending == 0
    assert world.p.ledger.pending_status(transfer_id(pre.id, Purpose.HOLD)) is PendingStatus.VOIDED
    assert world.p.claims.get(pre.id).status is ClaimStatus.CLOSED
    assert world.receivable("linda-mama", world.kcrh) == 0


def test_a_pre_authorisation_is_released_when_the_admission_does_not_happen(world: World) -> None:
    pre = caesarean(world, beds=2, use=ClaimUse.PREAUTHORIZATION)
    released = world.p.claims.release_preauth(pre.id)
    assert released.status is ClaimStatus.CLOSED
    assert world.p.ledger.account(world.lm.programme.fund_account_id).debits_pending == 0
    late = caesarean(world, beds=2, preauth=pre.id)
    section, beds = late.lines
    assert (section.status, section.reason) == (LineStatus.REJECTED, Reason.PREAUTH_EXPIRED.value)
    assert section.message == f"pre-authorisation {pre.id} is closed"
    assert (late.status, beds.payer) == (ClaimStatus.PAID, 4_000_00)  # the beds need none


def test_a_fund_that_cannot_hold_the_amount_refuses_the_pre_authorisation(world: World) -> None:
    fund = world.lm.programme.fund_account_id
    balance = world.p.ledger.account(fund).balance
    sink = new_id()
    world.p.ledger.create_accounts(
        [Account(sink, world.lm.programme.ledger, AccountCode.FUNDER_SOURCE)]
    )
    world.p.ledger.create_transfers(
        [
            Transfer(
                new_id(),
                fund,
                sink,
                balance - 1_000_00,
                world.lm.programme.ledger,
                TransferCode.REFUND,
            )
        ]
    )
    pre = caesarean(world, beds=2, use=ClaimUse.PREAUTHORIZATION)
    assert pre.status is ClaimStatus.REJECTED
    assert pre.findings[-1].code == Reason.NOT_FUNDED.value
    assert world.p.ledger.account(fund).debits_pending == 0


def test_a_payment_the_ledger_refuses_is_paid_once_the_fund_is_topped_up(world: World) -> None:
    prog = world.ni.programme
    fund = prog.fund_account_id
    sink = new_id()
    world.p.ledger.create_accounts([Account(sink, prog.ledger, AccountCode.FUNDER_SOURCE)])
    world.p.ledger.create_transfers(
        [Transfer(new_id(), fund, sink, world.p.ledger.account(fund).balance, prog.ledger, 8)]
    )
    c = world.p.claims.submit(claim("NI-3", "kcrh", ["OPD-CONSULT", "FBC"]))
    assert c.status is ClaimStatus.VALUATED
    assert c.settlement == "exceeds_credits"
    assert world.p.claims.settle_pending() == 0
    world.p.ledger.create_transfers([Transfer(new_id(), sink, fund, 5_000_00, prog.ledger, 2)])
    assert world.p.claims.settle_pending() == 1
    paid = world.p.claims.get(c.id)
    assert (paid.status, paid.settlement) == (ClaimStatus.PAID, None)
    assert world.receivable("national-insurance", world.kcrh) == c.payer
    assert world.p.claims.settle_pending() == 0


def review_world(world: World, **review: object) -> None:
    """National insurance with these review rules, and every provider a hospital (peers)."""
    data = read_yaml(example("national-insurance"))
    data["review"] = review
    for x in data["providers"]:
        x["level"] = "hospital"
    world.p.schemes.define(parse_programme(data), replace_existing=True)


def test_the_same_member_at_two_providers_in_a_day_goes_to_review(world: World) -> None:
    first = world.p.claims.submit(claim("NI-1", "kondele-disp", ["OPD-CONSULT"]))
    assert first.status is ClaimStatus.PAID
    second = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT", "FBC"]))
    assert second.status is ClaimStatus.IN_REVIEW
    assert [f.code for f in second.flags] == [Flag.SEVERAL_PROVIDERS.value]
    assert world.receivable("national-insurance", world.kcrh) == 0  # nothing paid yet
    queue = world.p.claims.review_queue(programme="national-insurance")
    assert [c.id for c in queue] == [second.id]
    approved = world.p.claims.review(second.id, note="referred for a blood count")
    assert approved.status is ClaimStatus.PAID
    assert world.receivable("national-insurance", world.kcrh) == approved.payer
    assert world.p.claims.review_queue() == []


def test_the_same_diagnosis_again_and_again_goes_to_review(world: World) -> None:
    days = [date(2025, 6, 1), date(2025, 6, 8), date(2025, 6, 14)]
    out = [
        world.p.claims.submit(claim("NI-2", "kcrh", ["OPD-CONSULT"], dx=("J06.9",), day=d))
        for d in days
    ]
    assert [c.status for c in out] == [ClaimStatus.PAID, ClaimStatus.PAID, ClaimStatus.IN_REVIEW]
    assert out[2].flags[0].code == Flag.REPEATED_DIAGNOSIS.value
    assert out[2].flags[0].message == "J06 claimed 3 times for NI-2 within 30 days"


def test_a_provider_costing_far_more_than_its_peers_goes_to_review(world: World) -> None:
    review_world(
        world, outlier={"factor": 2, "min_encounters": 2}, repeat_diagnosis={"count": 0, "days": 1}
    )
    for k, d in enumerate((date(2025, 5, 1), date(2025, 5, 2))):
        c = world.p.claims.submit(claim(f"NI-{k + 1}", "nyalenda-hc", ["GLU"], day=d))
        assert c.status is ClaimStatus.PAID
    cheap = world.p.claims.submit(claim("NI-1", "kcrh", ["GLU"], day=date(2025, 5, 3)))
    assert cheap.status is ClaimStatus.PAID
    dear = world.p.claims.submit(claim("NI-2", "kcrh", [("AMOX-500", 40)], day=date(2025, 5, 4)))
    assert dear.status is ClaimStatus.IN_REVIEW
    assert dear.flags[0].code == Flag.COST_OUTLIER.value


def test_a_reviewer_rejects_one_line_and_the_rest_is_paid(world: World) -> None:
    world.p.claims.submit(claim("NI-1", "kondele-disp", ["OPD-CONSULT"]))
    flagged = world.p.claims.submit(claim("NI-1", "kcrh", ["FBC", ("AL-24", 3)]))
    assert flagged.status is ClaimStatus.IN_REVIEW
    done = world.p.claims.review(flagged.id, reject={2: "no malaria test on file"})
    assert done.status is ClaimStatus.PAID
    fbc, al = done.lines
    assert fbc.status is LineStatus.ACCEPTED
    assert (al.status, al.reason, al.message) == (
        LineStatus.REJECTED,
        Reason.REJECTED_IN_REVIEW.value,
        "no malaria test on file",
    )
    assert done.payer == fbc.payer
    # The rejected medicines no longer count against the member's limit of six.
    again = world.p.claims.submit(
        claim("NI-1", "kcrh", [("AL-24", 6)], dx=("J06.9",), day=date(2025, 6, 12))
    )
    assert again.status is ClaimStatus.PAID


def test_a_reviewer_rejects_the_whole_claim(world: World) -> None:
    world.p.claims.submit(claim("NI-1", "kondele-disp", ["OPD-CONSULT"]))
    flagged = world.p.claims.submit(claim("NI-1", "kcrh", ["FBC"]))
    done = world.p.claims.review(
        flagged.id, reject_all="a second visit the same day is not plausible"
    )
    assert done.status is ClaimStatus.REJECTED
    assert done.findings[-1].code == Reason.REJECTED_IN_REVIEW.value
    assert world.receivable("national-insurance", world.kcrh) == 0
    with pytest.raises(Conflict):
        world.p.claims.review(flagged.id)
    # Its duplicate key is free again: the corrected claim is not a duplicate.
    assert world.p.claims.submit(claim("NI-1", "kcrh", ["FBC"])).status is not ClaimStatus.REJECTED


def test_a_reviewer_must_give_reasons_for_lines_that_exist(world: World) -> None:
    world.p.claims.submit(claim("NI-1", "kondele-disp", ["OPD-CONSULT"]))
    flagged = world.p.claims.submit(claim("NI-1", "kcrh", ["FBC"]))
    with pytest.raises(InvalidInput):
        world.p.claims.review(flagged.id, reject={7: "no such line"})
    with pytest.raises(InvalidInput):
        world.p.claims.review(flagged.id, reject={1: "  "})
    assert world.p.claims.get(flagged.id).status is ClaimStatus.IN_REVIEW


def test_a_paid_claim_is_reversed_by_a_correcting_transfer(world: World) -> None:
    before = world.fund("national-insurance")
    paid = world.p.claims.submit(claim("NI-3", "kcrh", [("AL-24", 6)]))
    assert paid.status is ClaimStatus.PAID
    out = world.p.claims.reverse(paid.id, "billed for the wrong child")
    assert out.status is ClaimStatus.REVERSED
    assert out.reversed_at is not None
    assert world.fund("national-insurance") == before
    assert world.receivable("national-insurance", world.kcrh) == 0
    (pay,) = world.p.ledger.transfers([transfer_id(paid.id, Purpose.PAY)])  # still there
    (fix,) = world.p.ledger.transfers([transfer_id(paid.id, Purpose.REVERSE)])
    assert (fix.amount, fix.code) == (pay.amount, TransferCode.CORRECTION)
    assert fix.debit_account_id == pay.credit_account_id
    with pytest.raises(Conflict):
        world.p.claims.reverse(paid.id, "again")
    # The quantity used is given back: six more may be claimed.
    redo = world.p.claims.submit(claim("NI-3", "kcrh", [("AL-24", 6)], day=date(2025, 6, 11)))
    assert redo.status is ClaimStatus.PAID
    assert world.p.verify_ledger().ok


def test_a_replayed_submission_returns_the_stored_claim(world: World) -> None:
    c = claim("NI-1", "kcrh", ["OPD-CONSULT"], reference="KCRH-2025-0042")
    first = world.p.claims.submit(c)
    before = world.fund("national-insurance")
    again = world.p.claims.submit(c)
    assert again.id == first.id
    assert again.status is ClaimStatus.PAID
    assert world.fund("national-insurance") == before
    changed = claim("NI-1", "kcrh", ["OPD-CONSULT", "FBC"], reference="KCRH-2025-0042")
    with pytest.raises(Conflict) as err:
        world.p.claims.submit(changed)
    assert err.value.code == "reference_reused"
    assert world.fund("national-insurance") == before
    assert len(world.p.claims.claims()) == 1


def test_a_co_pay_from_the_members_wallet_moves_with_the_payment(world: World) -> None:
    savings = 1
    world.p.ledger.create_ledger(savings, "KES", "kes-savings")
    wallet, clearing = new_id(), new_id()
    world.p.ledger.create_accounts(
        [
            Account(clearing, savings, AccountCode.MOBILE_MONEY_CLEARING),
            Account(
                wallet,
                savings,
                AccountCode.PATIENT_WALLET,
                int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
            ),
        ]
    )
    world.p.schemes.enrol(
        "national-insurance",
        parse_enrolment(
            {
                "programme": "national-insurance",
                "households": [
                    {
                        "reference": "HH-NI-2",
                        "name": "Achieng",
                        "start": "2025-01-01",
                        "end": "2025-12-31",
                        "members": [
                            {
                                "number": "NI-4",
                                "name": "Achieng Otieno",
                                "sex": "female",
                                "birth_date": "1990-02-02",
                                "wallet_account": str(wallet),
                            }
                        ],
                    }
                ],
            }
        ).households,
    )
    world.p.ledger.create_transfers([Transfer(new_id(), clearing, wallet, 100_00, savings, 1)])
    first = world.p.claims.submit(claim("NI-4", "kcrh", ["FBC"], day=date(2025, 6, 2)))
    # The KES 500 policy deductible and 10 % of the rest are the member's: KES 500 > 100.
    assert first.status is ClaimStatus.VALUATED
    assert first.settlement == "exceeds_credits"
    assert world.fund("national-insurance") == 10_000_000_00  # the linked payment failed too
    world.p.ledger.create_transfers([Transfer(new_id(), clearing, wallet, 1_000_00, savings, 1)])
    assert world.p.claims.settle_pending() == 1
    assert world.p.ledger.account(wallet).balance == 1_100_00 - first.member_pays
    co = world.p.ledger.transfers([transfer_id(first.id, Purpose.CO_PAY)])[0]
    assert (co.amount, co.code, co.ledger) == (first.member_pays, TransferCode.CO_PAY, savings)
