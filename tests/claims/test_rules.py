"""The benefit rules in money: tariff, co-insurance and co-pay by care type and age,
deductibles and ceilings per member, treatment and policy (hospital or not), and a
savings programme where the member pays everything."""

from __future__ import annotations

from datetime import date

import pytest

from tests.worlds import World, claim, example
from thamani.claims.reasons import Reason
from thamani.claims.records import ClaimStatus, ClaimUse, LineStatus
from thamani.claims.valuation import member_part
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.records import Account, Transfer
from thamani.schemes.documents import parse_enrolment, parse_programme, read_yaml
from thamani.schemes.records import CareType, EncounterClass, Share


@pytest.mark.parametrize(
    ("valuated", "quantity", "share", "member"),
    [
        (12_345, 1, Share(co_insurance_bp=1000), 1_235),  # 1,234.5 rounds half up
        (12_344, 1, Share(co_insurance_bp=1000), 1_234),
        (10_000, 1, Share(co_insurance_bp=1250), 1_250),
        (9_999, 1, Share(co_insurance_bp=0), 0),
        (5_000, 3, Share(co_pay=1_000), 3_000),  # a fixed co-pay per unit
        (2_000, 3, Share(co_pay=1_000), 2_000),  # never more than the line is worth
        (7_000, 1, Share(), 0),
    ],
)
def test_the_members_share_of_a_line(
    valuated: int, quantity: int, share: Share, member: int
) -> None:
    assert member_part(valuated, quantity, share) == member


def test_claims_are_paid_at_tariff_not_at_the_price_asked(world: World) -> None:
    c = world.p.claims.submit(
        claim("NI-3", "kcrh", [("OPD-CONSULT", 1, 5000_00), ("FBC", 1, 1_00)], day=date(2025, 6, 2))
    )
    assert [(x.asked, x.valuated) for x in c.lines] == [(5000_00, 1000_00), (1_00, 500_00)]


def test_the_policy_deductible_is_met_by_the_household_first(world: World) -> None:
    # Children pay no co-insurance; the household first pays KES 500 of outpatient care.
    child = world.p.claims.submit(
        claim("NI-3", "kcrh", ["OPD-CONSULT", "FBC"], day=date(2025, 6, 2))
    )
    consult, fbc = child.lines
    assert (consult.valuated, consult.deductible, consult.payer) == (1000_00, 500_00, 500_00)
    assert (fbc.deductible, fbc.payer) == (0, 500_00)
    # The deductible is the policy's: the child's father does not pay it again.
    father = world.p.claims.submit(claim("NI-2", "kcrh", ["FBC"], day=date(2025, 6, 3)))
    (line,) = father.lines
    assert (line.co_pay, line.deductible, line.payer) == (50_00, 0, 450_00)


def test_the_deductible_applies_to_outpatient_care_only(world: World) -> None:
    pre = world.p.claims.submit(
        claim(
            "NI-2",
            "kcrh",
            [("BED-DAY", 2)],
            dx=("J18.9",),
            cls=EncounterClass.INPATIENT,
            use=ClaimUse.PREAUTHORIZATION,
            day=date(2025, 6, 1),
        )
    )
    c = world.p.claims.submit(
        claim(
            "NI-2",
            "kcrh",
            [("BED-DAY", 2)],
            dx=("J18.9",),
            cls=EncounterClass.INPATIENT,
            preauth=pre.id,
            day=date(2025, 6, 1),
            end=date(2025, 6, 3),
        )
    )
    (line,) = c.lines
    assert (line.valuated, line.co_pay, line.deductible, line.payer) == (7000_00, 0, 0, 7000_00)


@pytest.mark.parametrize(
    ("member", "care", "share"),
    [
        ("NI-1", CareType.NORMAL, 10_00),  # adults 10 %
        ("NI-1", CareType.REFERRAL, 5_00),  # 5 % when referred
        ("NI-1", CareType.EMERGENCY, 0),  # nothing in an emergency
        ("NI-3", CareType.NORMAL, 0),  # children nothing
    ],
)
def test_co_insurance_by_care_type_and_age(
    world: World, member: str, care: CareType, share: int
) -> None:
    # Meet the household's deductible first, so that only co-insurance is left.
    world.p.claims.submit(claim("NI-2", "kcrh", ["OPD-CONSULT"], day=date(2025, 5, 1)))
    c = world.p.claims.submit(
        claim(member, "kcrh", ["FBC", "GLU"], care=care, day=date(2025, 6, 2))
    )
    assert c.status is ClaimStatus.PAID
    fbc, glu = c.lines
    assert fbc.co_pay == share * 5  # of KES 500
    assert c.payer == fbc.valuated + glu.valuated - c.co_pay


def test_the_member_ceiling_pays_up_to_what_is_left(world: World) -> None:
    # Children pay no co-insurance; non-hospital care has a member ceiling of KES 20,000.
    first = world.p.claims.submit(claim("NI-3", "kcrh", [("AMOX-500", 100)], day=date(2025, 6, 1)))
    assert (first.valuated, first.deductible, first.payer) == (18_000_00, 500_00, 17_500_00)
    second = world.p.claims.submit(claim("NI-3", "kcrh", [("AMOX-500", 30)], day=date(2025, 6, 2)))
    (line,) = second.lines
    assert second.status is ClaimStatus.PAID
    assert line.status is LineStatus.PARTIAL
    assert (line.valuated, line.payer, line.not_covered) == (5_400_00, 2_500_00, 2_900_00)
    assert line.reason == Reason.CEILING_REACHED.value
    assert line.message == "AMOX-500: the ceiling leaves KES 2,500.00 of KES 5,400.00"
    assert world.receivable("national-insurance", world.kcrh) == 17_500_00 + 2_500_00
    third = world.p.claims.submit(claim("NI-3", "kcrh", [("AMOX-500", 1)], day=date(2025, 6, 3)))
    assert third.status is ClaimStatus.REJECTED
    assert third.lines[0].reason == Reason.CEILING_REACHED.value
    assert third.payer == 0


def test_the_treatment_ceiling_caps_one_claim(world: World) -> None:
    data = read_yaml(example("national-insurance"))
    data["limits"]["ceiling"]["treatment"] = "1200"
    world.p.schemes.define(parse_programme(data), replace_existing=True)
    c = world.p.claims.submit(
        claim("NI-3", "kcrh", ["OPD-CONSULT", "FBC", "GLU"], day=date(2025, 6, 2))
    )
    # The consultation pays 500 after the deductible, the blood count 500, the glucose 150.
    paid = [x.payer for x in c.lines]
    assert paid == [500_00, 500_00, 150_00]
    assert c.payer == 1_150_00
    c2 = world.p.claims.submit(claim("NI-3", "kcrh", [("AMOX-500", 10)], day=date(2025, 6, 3)))
    assert (c2.payer, c2.not_covered) == (1_200_00, 600_00)


def test_a_hospital_ceiling_leaves_outpatient_care_alone(world: World) -> None:
    data = read_yaml(example("national-insurance"))
    data["limits"]["ceiling"]["member"] = {"hospital": "5000", "non_hospital": "20000"}
    world.p.schemes.define(parse_programme(data), replace_existing=True)
    pre = world.p.claims.submit(
        claim(
            "NI-2",
            "kcrh",
            [("BED-DAY", 3)],
            dx=("J18.9",),
            cls=EncounterClass.INPATIENT,
            use=ClaimUse.PREAUTHORIZATION,
            day=date(2025, 6, 1),
        )
    )
    assert pre.reserved == 5000_00  # the estimate is capped by the ceiling too
    stay = world.p.claims.submit(
        claim(
            "NI-2",
            "kcrh",
            [("BED-DAY", 3)],
            dx=("J18.9",),
            cls=EncounterClass.INPATIENT,
            preauth=pre.id,
            day=date(2025, 6, 1),
            end=date(2025, 6, 4),
        )
    )
    assert (stay.payer, stay.not_covered) == (5000_00, 5500_00)
    outpatient = world.p.claims.submit(claim("NI-2", "kcrh", ["FBC", "GLU"], day=date(2025, 6, 10)))
    assert [x.status for x in outpatient.lines] == [LineStatus.ACCEPTED] * 2
    assert outpatient.not_covered == 0
    assert outpatient.payer == 500_00 + 150_00 - 65_00 - 500_00  # co-insurance, deductible


def test_the_policy_ceiling_is_shared_by_the_household(world: World) -> None:
    data = read_yaml(example("national-insurance"))
    data["limits"]["ceiling"]["policy"] = "1000"
    world.p.schemes.define(parse_programme(data), replace_existing=True)
    a = world.p.claims.submit(claim("NI-3", "kcrh", [("AMOX-500", 5)], day=date(2025, 6, 1)))
    assert a.payer == 900_00 - 500_00
    b = world.p.claims.submit(claim("NI-2", "kcrh", [("AMOX-500", 10)], day=date(2025, 6, 2)))
    assert b.payer == 1000_00 - 400_00


def test_a_fixed_co_pay_and_a_savings_programme(world: World) -> None:
    data = read_yaml(example("national-insurance"))
    data.update(code="duka-savings", name="Duka savings", kind="savings", ledger=9)
    data.pop("waiting_period_days")
    data["benefits"] = [b for b in data["benefits"] if not b.get("preauthorisation")]
    for code in ("BED-DAY", "APPX"):
        data["tariff"].pop(code)
    data["limits"] = {}
    world.p.schemes.define(parse_programme(data))
    data2 = read_yaml(example("national-insurance"))
    data2.update(code="copay-scheme", name="Co-pay scheme", ledger=10)
    data2.pop("waiting_period_days")
    data2["defaults"] = {"co_pay": {"adult": "100", "child": "0"}}
    data2["limits"] = {}
    world.p.schemes.define(parse_programme(data2))
    for code in ("duka-savings", "copay-scheme"):
        world.p.schemes.enrol(
            code,
            parse_enrolment(
                {
                    "programme": code,
                    "households": [
                        {
                            "reference": "HH-NI-1",
                            "name": "Kamau",
                            "start": "2025-01-01",
                            "end": "2025-12-31",
                            "members": [
                                {
                                    "number": "NI-1",
                                    "name": "Wanjiru Kamau",
                                    "sex": "female",
                                    "birth_date": "1985-05-02",
                                }
                            ],
                        }
                    ],
                }
            ).households,
        )
    for code in ("copay-scheme",):
        d = world.p.schemes.programme(code).programme
        src = new_id()
        world.p.ledger.create_accounts([Account(src, d.ledger, AccountCode.FUNDER_SOURCE)])
        world.p.ledger.create_transfers(
            [Transfer(new_id(), src, d.fund_account_id, 10**9, d.ledger, TransferCode.FUNDING)]
        )
    savings = world.p.claims.submit(claim("NI-1", "kcrh", ["FBC"], programme="duka-savings"))
    assert (savings.status, savings.payer, savings.co_pay) == (ClaimStatus.PAID, 0, 500_00)
    copay = world.p.claims.submit(claim("NI-1", "kcrh", [("PCM-500", 3)], programme="copay-scheme"))
    assert (copay.co_pay, copay.payer) == (150_00, 0)  # 3 x KES 100 capped at KES 150
    copay2 = world.p.claims.submit(claim("NI-1", "kcrh", ["FBC"], programme="copay-scheme"))
    assert (copay2.co_pay, copay2.payer) == (100_00, 400_00)
