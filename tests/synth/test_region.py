"""The region holds together: keys resolve, money adds up, scores stay in range, nobody
is seen after death."""

from __future__ import annotations

import numpy as np
import pytest

from thamani.synth import Parameters, Region, generate
from thamani.synth.schema import TABLES


def test_tables_follow_the_schema(county: Region) -> None:
    assert [t.name for t in county] == [t.name for t in TABLES]
    for t in county:
        assert [c.name for c in t.columns] == [c.name for c in t.spec.columns]
        assert len(t) > 0, t.name


def test_keys_resolve(county: Region) -> None:
    n_people = len(county["people"])
    n_fac = len(county["facilities"])
    enc = county["encounters"]
    assert (enc["encounter_id"] == np.arange(len(enc))).all()
    assert enc["person_id"].max() < n_people
    assert enc["facility_id"].max() < n_fac
    for table in ("diagnoses", "lines", "observations", "activity", "prom_responses", "referrals"):
        assert county[table]["encounter_id"].max() < len(enc)
    pr = county["prom_responses"]
    assert (pr["person_id"] == enc["person_id"][pr["encounter_id"]]).all()
    assert county["prom_items"]["response_id"].max() < len(pr)
    programmes = enc["programme_id"]
    assert programmes.min() >= -1
    assert programmes.max() < len(county["programmes"])


def test_money_adds_up_in_cents(county: Region) -> None:
    lines = county["lines"]
    assert lines["amount"].dtype == np.int64
    assert (lines["amount"] == lines["unit_price"] * lines["quantity"]).all()
    enc = county["encounters"]
    per_encounter = np.zeros(len(enc), dtype=np.int64)
    np.add.at(per_encounter, lines["encounter_id"], lines["amount"])
    assert (per_encounter == enc["cost"]).all()
    assert (enc["cost"] > 0).all()
    minutes = np.zeros(len(enc), dtype=np.int64)
    np.add.at(minutes, county["activity"]["encounter_id"], county["activity"]["minutes"])
    assert (minutes == enc["minutes"]).all()


def test_encounters_are_in_date_order_within_the_year(county: Region) -> None:
    enc = county["encounters"]
    start = enc["start_date"]
    assert (np.diff(start.astype(np.int64)) >= 0).all()
    assert str(start.min()) >= county.info.start_date
    assert str(start.max()) <= county.info.end_date
    assert (enc["end_date"] >= start).all()


def test_nobody_is_seen_after_death_or_before_birth(county: Region) -> None:
    people = county["people"]
    enc = county["encounters"]
    died = people["death_date"][enc["person_id"]]
    dead = ~np.isnat(died)
    assert (enc["start_date"][dead] <= died[dead]).all()
    assert (enc["start_date"] >= people["birth_date"][enc["person_id"]]).all()
    deaths = county["deaths"]
    assert (people["death_date"][deaths["person_id"]] == deaths["death_date"]).all()


@pytest.mark.parametrize(
    ("instrument", "lo", "hi"),
    [("CAT", 0, 40), ("mMRC", 0, 4), ("ACT", 5, 25), ("PHQ-9", 0, 27)],
)
def test_prom_totals_stay_in_range(county: Region, instrument: str, lo: int, hi: int) -> None:
    pr = county["prom_responses"]
    scores = pr["score"][pr.column("instrument").decoded() == instrument]
    assert scores.size > 0
    assert scores.min() >= lo
    assert scores.max() <= hi


def test_eq5d_profiles_are_five_levels(county: Region) -> None:
    pr = county["prom_responses"]
    eq = pr.column("instrument").decoded() == "EQ-5D-5L"
    profiles = pr["profile"][eq].astype(str)
    assert all(len(p) == 5 and set(p) <= set("12345") for p in profiles)
    vas = pr["vas"][eq]
    assert vas.min() >= 0
    assert vas.max() <= 100


def test_referrals_carry_a_priority_and_a_list(county: Region) -> None:
    ref = county["referrals"]
    assert set(ref.column("priority").decoded()) <= {"P1a", "P1b", "P2", "P3", "P4"}
    levels = county["facilities"].column("level").decoded()[ref["receiving_facility_id"]]
    assert set(levels) <= {"sub_county_hospital", "county_referral_hospital"}
    assert len(set(ref.column("specialty").decoded())) >= 5


def test_every_facility_level_and_programme_is_there(county: Region) -> None:
    fac = county["facilities"]
    assert set(fac.column("level").decoded()) == {
        "dispensary", "health_centre", "sub_county_hospital", "county_referral_hospital",
    }  # fmt: skip
    assert (fac["staff_nurse"] > 0).all()
    kinds = set(county["programmes"].column("kind").decoded())
    assert kinds == {"national_insurance", "maternal_voucher", "poor_subsidy", "savings_only"}
    enc = county["encounters"]
    voucher = enc["programme_id"] == 1
    assert voucher.any()
    assert set(enc.column("care_cycle").decoded()[voucher]) == {"maternity"}


def test_two_years_hold_two_years_of_care(small_county: Region) -> None:
    enc = small_county["encounters"]
    year = enc["start_date"].astype("datetime64[Y]").astype(int) + 1970
    first, second = (year == 2025).sum(), (year == 2026).sum()
    assert small_county.info.end_date == "2026-12-31"
    assert 0.8 < second / first < 1.25
    births = small_county["pregnancies"]["delivery_date"].astype("datetime64[Y]").astype(int)
    assert set(np.unique(births + 1970)) == {2025, 2026}


def test_no_duplicate_claims(county: Region) -> None:
    """No two encounters share person, facility, kind and date (a duplicate claim)."""
    enc = county["encounters"]
    key = np.stack(
        [enc["person_id"], enc["facility_id"], enc["kind"], enc["start_date"].astype(np.int64)]
    )
    assert np.unique(key, axis=1).shape[1] == len(enc)


@pytest.mark.parametrize("people", [1, 5, 40])
def test_a_tiny_region_is_generated_whole(params: Parameters, people: int) -> None:
    """Too few people for a pregnancy or an airway disease: the tables are there, empty."""
    r = generate(params, people, 1, 3)
    assert len(r["people"]) >= people
    assert len(r["facilities"]) > 0
    assert (r["encounters"]["cost"] >= 0).all()
    assert len(r["enrolments"]) == len(r["enrolments"]["member_number"])
