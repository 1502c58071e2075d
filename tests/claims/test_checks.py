"""Every automatic check, with its stable code: a rejected claim is stored with its
reasons, moves no money and uses no limit."""

from __future__ import annotations

from datetime import date

from tests.worlds import World, claim, example
from thamani.claims.reasons import Reason
from thamani.claims.records import Claim, ClaimStatus, ClaimUse, LineStatus
from thamani.schemes.documents import parse_programme, read_yaml
from thamani.schemes.records import EncounterClass, IcdEdition


def codes(c: Claim) -> set[str]:
    return {f.code for f in c.reasons}


def rejected(w: World, c: Claim, reason: Reason) -> None:
    """The claim is rejected for ``reason`` and nothing moved."""
    assert c.status is ClaimStatus.REJECTED, c
    assert reason.value in codes(c), c.reasons
    assert c.payer == 0
    assert all(x.status is LineStatus.REJECTED for x in c.lines)


def test_an_unknown_member_is_rejected(world: World) -> None:
    before = world.fund("linda-mama")
    c = world.p.claims.submit(claim("LM-404", "kcrh", ["ANC-VISIT"], programme="linda-mama"))
    rejected(world, c, Reason.MEMBER_UNKNOWN)
    assert c.findings[0].message == "no member is registered as LM-404"
    assert c.member_id is None
    assert world.fund("linda-mama") == before


def test_a_member_of_another_programme_is_not_enrolled(world: World) -> None:
    c = world.p.claims.submit(
        claim("NI-1", "kcrh", ["ANC-VISIT"], programme="linda-mama", dx=("Z34.0",))
    )
    rejected(world, c, Reason.NOT_ENROLLED)
    assert "not enrolled in programme linda-mama on 2025-06-10" in c.findings[0].message


def test_care_before_the_enrolment_starts_is_not_covered(world: World) -> None:
    world.clock.set(world.clock.now_ns())
    c = world.p.claims.submit(
        claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama", day=date(2024, 12, 31))
    )
    rejected(world, c, Reason.NOT_ENROLLED)
    assert "(2025-01-01..2025-12-31)" in c.findings[0].message


def test_the_programme_is_found_from_the_members_cover(world: World) -> None:
    c = world.p.claims.submit(claim("NI-3", "kondele-disp", ["OPD-CONSULT", "MAL-RDT"]))
    assert c.status is ClaimStatus.PAID
    assert c.programme_code == "national-insurance"


def test_a_provider_the_programme_does_not_accredit_is_refused(world: World) -> None:
    c = world.p.claims.submit(claim("LM-1", "back-street", ["ANC-VISIT"], programme="linda-mama"))
    rejected(world, c, Reason.PROVIDER_NOT_ACCREDITED)


def test_an_item_outside_the_package_is_refused_and_the_rest_paid(world: World) -> None:
    c = world.p.claims.submit(
        claim("LM-1", "kcrh", ["ANC-VISIT", "XRAY-CHEST"], programme="linda-mama", dx=("Z34.0",))
    )
    assert c.status is ClaimStatus.PAID
    good, bad = c.lines
    assert (good.status, good.payer) == (LineStatus.ACCEPTED, 800_00)
    assert (bad.status, bad.reason) == (LineStatus.REJECTED, Reason.ITEM_NOT_IN_PACKAGE.value)
    assert c.payer == 800_00


def test_an_item_without_a_price_at_the_providers_level_is_refused(world: World) -> None:
    c = world.p.claims.submit(
        claim("LM-1", "nyalenda-hc", ["US-OBS"], programme="linda-mama", dx=("Z34.0",))
    )
    rejected(world, c, Reason.ITEM_NOT_IN_TARIFF)
    assert c.lines[0].message == "US-OBS has no tariff at level health_centre"


def test_waiting_periods_differ_for_adults_and_children(world: World) -> None:
    early = date(2025, 1, 20)  # 19 days after the policy starts; adults wait 30
    adult = world.p.claims.submit(claim("NI-1", "kondele-disp", ["OPD-CONSULT"], day=early))
    rejected(world, adult, Reason.WAITING_PERIOD)
    assert (
        adult.lines[0].message
        == "OPD-CONSULT is covered from 2025-01-31 (30 days after 2025-01-01)"
    )
    child = world.p.claims.submit(claim("NI-3", "kondele-disp", ["OPD-CONSULT"], day=early))
    assert child.status is ClaimStatus.PAID


def test_an_item_with_its_own_waiting_period(world: World) -> None:
    c = world.p.claims.submit(
        claim("NI-1", "kcrh", ["OPD-CONSULT", "XRAY-CHEST"], day=date(2025, 3, 1))
    )
    assert [x.reason for x in c.lines] == [None, Reason.WAITING_PERIOD.value]


def test_quantity_over_the_limit_is_refused_across_claims(world: World) -> None:
    first = world.p.claims.submit(claim("NI-2", "kcrh", [("AL-24", 4)], day=date(2025, 6, 1)))
    assert first.status is ClaimStatus.PAID
    second = world.p.claims.submit(claim("NI-2", "kcrh", [("AL-24", 3)], day=date(2025, 6, 8)))
    rejected(world, second, Reason.QUANTITY_LIMIT)
    assert second.lines[0].message == (
        "AL-24: 3 more would make 7; the limit is 6 per period (4 used)"
    )
    third = world.p.claims.submit(claim("NI-2", "kcrh", [("AL-24", 2)], day=date(2025, 6, 9)))
    assert third.status is ClaimStatus.PAID


def test_an_item_repeated_too_soon_is_refused(world: World) -> None:
    first = world.p.claims.submit(
        claim(
            "LM-1",
            "kondele-disp",
            ["ANC-VISIT"],
            programme="linda-mama",
            dx=("Z34.0",),
            day=date(2025, 5, 1),
        )
    )
    assert first.status is ClaimStatus.PAID
    soon = world.p.claims.submit(
        claim(
            "LM-1",
            "kondele-disp",
            ["ANC-VISIT"],
            programme="linda-mama",
            dx=("Z34.0",),
            day=date(2025, 5, 10),
        )
    )
    rejected(world, soon, Reason.FREQUENCY_LIMIT)
    assert soon.lines[0].message == (
        "ANC-VISIT was given on 2025-05-01; it may be given 14 days apart at the least"
    )
    before = world.p.claims.submit(
        claim(
            "LM-1",
            "kondele-disp",
            ["ANC-VISIT"],
            programme="linda-mama",
            dx=("Z34.0",),
            day=date(2025, 4, 25),
        )
    )
    assert before.lines[0].reason == Reason.FREQUENCY_LIMIT.value  # a late claim for earlier
    later = world.p.claims.submit(
        claim(
            "LM-1",
            "kondele-disp",
            ["ANC-VISIT"],
            programme="linda-mama",
            dx=("Z34.0",),
            day=date(2025, 5, 15),
        )
    )
    assert later.status is ClaimStatus.PAID


def test_the_visit_count_limit_is_reached(world: World) -> None:
    delivery = claim(
        "LM-1",
        "nyalenda-hc",
        ["DEL-NORMAL"],
        programme="linda-mama",
        dx=("O80",),
        cls=EncounterClass.DELIVERY,
        day=date(2025, 6, 1),
    )
    assert world.p.claims.submit(delivery).status is ClaimStatus.PAID
    second = claim(
        "LM-1",
        "kcrh",
        ["BED-DAY"],
        programme="linda-mama",
        dx=("O80",),
        cls=EncounterClass.DELIVERY,
        day=date(2025, 6, 3),
    )
    c = world.p.claims.submit(second)
    rejected(world, c, Reason.VISIT_LIMIT)
    assert c.findings[0].message == "LM-1 has had 1 deliveries this period; the limit is 1"


def test_an_item_needing_pre_authorisation_is_refused_without_one(world: World) -> None:
    c = world.p.claims.submit(
        claim("NI-2", "kcrh", ["BED-DAY"], dx=("K35.8",), cls=EncounterClass.INPATIENT)
    )
    rejected(world, c, Reason.PREAUTH_MISSING)
    assert (
        c.lines[0].message
        == "BED-DAY needs a pre-authorisation; the claim names no pre-authorisation"
    )


def test_an_expired_pre_authorisation_does_not_pay(world: World) -> None:
    pre = world.p.claims.submit(
        claim(
            "NI-2",
            "kcrh",
            [("BED-DAY", 2)],
            dx=("K35.8",),
            cls=EncounterClass.INPATIENT,
            use=ClaimUse.PREAUTHORIZATION,
        )
    )
    assert pre.status is ClaimStatus.AUTHORISED
    world.clock.advance(31 * 86400)
    world.p.ledger.expire()
    c = world.p.claims.submit(
        claim(
            "NI-2",
            "kcrh",
            [("BED-DAY", 2)],
            dx=("K35.8",),
            cls=EncounterClass.INPATIENT,
            preauth=pre.id,
        )
    )
    rejected(world, c, Reason.PREAUTH_EXPIRED)
    assert c.lines[0].message == f"pre-authorisation {pre.id} is expired"


def test_another_members_pre_authorisation_does_not_count(world: World) -> None:
    pre = world.p.claims.submit(
        claim(
            "NI-2",
            "kcrh",
            [("BED-DAY", 2)],
            dx=("K35.8",),
            cls=EncounterClass.INPATIENT,
            use=ClaimUse.PREAUTHORIZATION,
        )
    )
    c = world.p.claims.submit(
        claim(
            "NI-1",
            "kcrh",
            [("BED-DAY", 2)],
            dx=("K35.8",),
            cls=EncounterClass.INPATIENT,
            preauth=pre.id,
        )
    )
    rejected(world, c, Reason.PREAUTH_MISSING)


def test_the_same_claim_twice_is_a_duplicate(world: World) -> None:
    first = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT", "FBC"]))
    assert first.status is ClaimStatus.PAID
    before = world.fund("national-insurance")
    again = world.p.claims.submit(claim("NI-1", "kcrh", ["FBC", "OPD-CONSULT"]))
    rejected(world, again, Reason.DUPLICATE_CLAIM)
    assert world.fund("national-insurance") == before


def test_a_diagnosis_that_is_not_an_icd10_code_is_refused(world: World) -> None:
    c = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"], dx=("XYZ.9",)))
    rejected(world, c, Reason.DIAGNOSIS_INVALID)
    assert c.findings[0].message == "XYZ.9 is not a code of icd-10"


def test_a_code_valid_only_in_icd10_cm_follows_the_programmes_edition(world: World) -> None:
    # O9A.1 (malignant neoplasm complicating pregnancy) exists in ICD-10-CM, not in WHO ICD-10.
    who = world.p.claims.submit(
        claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama", dx=("O9A.1",))
    )
    rejected(world, who, Reason.DIAGNOSIS_INVALID)
    data = read_yaml(example("linda-mama"))
    data["icd"] = IcdEdition.CM.value
    world.p.schemes.define(parse_programme(data), replace_existing=True)
    cm = world.p.claims.submit(
        claim(
            "LM-1",
            "kcrh",
            ["ANC-VISIT"],
            programme="linda-mama",
            dx=("O9A.1",),
            day=date(2025, 6, 11),
        )
    )
    assert cm.status is ClaimStatus.PAID


def test_implausible_diagnoses_for_sex_and_age(world: World) -> None:
    man = world.p.claims.submit(
        claim("LM-2", "kcrh", ["DEL-NORMAL"], programme="linda-mama", dx=("O80",))
    )
    rejected(world, man, Reason.DIAGNOSIS_IMPLAUSIBLE)
    assert man.findings[0].message == "O80 is a pregnancy code; the member is male"
    woman = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"], dx=("N40",)))
    rejected(world, woman, Reason.DIAGNOSIS_IMPLAUSIBLE)
    adult = world.p.claims.submit(claim("NI-2", "kcrh", ["OPD-CONSULT"], dx=("P07.3",)))
    rejected(world, adult, Reason.DIAGNOSIS_IMPLAUSIBLE)
    assert adult.findings[0].message == "P07.3 is a perinatal code; the member is 41 years old"
    girl = world.p.claims.submit(claim("NI-3", "kcrh", ["OPD-CONSULT"], dx=("J06.9",)))
    assert girl.status is ClaimStatus.PAID


def test_a_service_date_in_the_future_is_refused(world: World) -> None:
    c = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"], day=date(2025, 6, 17)))
    rejected(world, c, Reason.SERVICE_DATE_FUTURE)


def test_a_service_date_before_birth_is_refused(world: World) -> None:
    c = world.p.claims.submit(claim("NI-3", "kcrh", ["OPD-CONSULT"], day=date(2014, 1, 1)))
    rejected(world, c, Reason.SERVICE_DATE_BEFORE_BIRTH)
    assert "before NI-3 was born (2015-08-30)" in c.findings[0].message


def test_a_programme_narrowed_after_enrolment_stops_paying(world: World) -> None:
    data = read_yaml(example("national-insurance"))
    data["valid_to"] = date(2025, 3, 31)
    world.p.schemes.define(parse_programme(data), replace_existing=True)
    c = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"]))
    rejected(world, c, Reason.PROGRAMME_NOT_VALID)
