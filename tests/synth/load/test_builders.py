"""The loader's pure builders: programme documents that fit the generated care, claims and
payments that carry each encounter whole, top-ups that cover what a household may owe."""

from __future__ import annotations

import numpy as np

from thamani.synth import Parameters, Region, generate
from thamani.synth import catalogue as cat
from thamani.synth.batches import encounter_batches
from thamani.synth.encounters import tariff_cents
from thamani.synth.load import fingerprint
from thamani.synth.load.care import TOP_UP_STEP, Lookups, care_batch, top_up_needs
from thamani.synth.load.naming import Names
from thamani.synth.load.people import households
from thamani.synth.load.programmes import (
    INSURANCE_CO_INSURANCE_BP,
    MATERNITY_ITEMS,
    programme_documents,
)


def names_of(region: Region) -> Names:
    return Names.of(region.info.name, region.info.currency, region.info.people)


def lookups(region: Region) -> Lookups:
    names = names_of(region)
    hh = households(region)
    kinds = region["programmes"].column("kind").decoded().tolist()
    phones = region["people"]["phone"]
    return Lookups(
        names=names,
        fingerprint="0" * 64,
        currency="KES",
        shortcode="600000",
        provider_party=list(range(1, len(region["facilities"]) + 1)),
        programme_code=[names.programme(k) for k in kinds],
        programme_kind=kinds,
        programme_payer=[900 + k for k in range(len(kinds))],
        patient_party=[2000 + p for p in range(len(region["people"]))],
        person_household=region["people"]["household_id"],
        holder_party=[1000 + int(h) if h >= 0 else 0 for h in hh.holder.tolist()],
        holder_phone=[str(phones[h]) if h >= 0 else "" for h in hh.holder.tolist()],
    )


def test_programmes_price_every_item_at_the_generators_tariff(
    county: Region, params: Parameters
) -> None:
    tariff = tariff_cents(params)
    docs = programme_documents(county, tariff, names_of(county))
    assert [k for _, k, _ in docs] == list(cat.PROGRAMME_KINDS)
    acc = county["accreditations"]
    for pid, kind, doc in docs:
        codes = {b.code for b in doc.benefits}
        if kind == "maternal_voucher":
            assert codes == MATERNITY_ITEMS
        else:
            assert codes == set(cat.ITEM_CODES)
        for code in codes:
            for k, level in enumerate(cat.LEVELS):
                assert doc.tariff[code][level] == tariff[cat.item(code), k]
        accredited = acc["facility_id"][acc["programme_id"] == pid]
        assert [p.provider for p in doc.providers] == [
            f"mfano-county-f{f:04d}" for f in sorted(accredited.tolist())
        ]
    insurance = docs[cat.INSURANCE][2]
    assert insurance.defaults.shares() is not None
    assert insurance.defaults.co_insurance is not None
    assert insurance.defaults.co_insurance.adult == INSURANCE_CO_INSURANCE_BP


def test_maternity_care_carries_only_what_the_voucher_pays_for(county: Region) -> None:
    enc = county["encounters"]
    lines = county["lines"]
    maternity = enc["care_cycle"] == cat.CARE_CYCLES.index("maternity")
    items = lines.column("item").decoded()[maternity[lines["encounter_id"]]]
    assert set(items.tolist()) <= MATERNITY_ITEMS
    assert len(items) > 0


def test_claims_and_payments_carry_each_encounter_whole(region: Region) -> None:
    look = lookups(region)
    enc = region["encounters"]
    lines = region["lines"]
    batch = next(encounter_batches(region, 400))
    work = care_batch(region, batch, 0, look)
    mine = enc["programme_id"][: batch.stop] >= 0
    assert len(work.claims) == int(mine.sum())
    first = work.claims[0]
    eid = int(np.flatnonzero(mine)[0])
    assert first.reference == f"E{eid}"
    assert first.member == look.names.person(int(enc["person_id"][eid]))
    assert first.programme == look.programme_code[int(enc["programme_id"][eid])]
    at = lines["encounter_id"] == eid
    assert [x.unit_price * x.quantity for x in first.lines] == lines["amount"][at].tolist()
    assert first.encounter.diagnoses[0].primary
    assert first.encounter.diagnoses[0].code == enc.column("primary_icd10").decoded()[eid]
    paid_here = sum(sum(i.amount for i in p.items) for p in work.payments) + work.desk_amount
    oop = enc["programme_id"][: batch.stop] < 0
    assert paid_here == int(enc["cost"][: batch.stop][oop].sum())
    again = care_batch(region, batch, 0, look)
    assert again == work


def test_top_ups_cover_what_a_household_may_owe(region: Region) -> None:
    look = lookups(region)
    enc = region["encounters"]
    lines = region["lines"]
    batch = next(encounter_batches(region, len(enc)))
    needs = top_up_needs(batch, look)
    kinds = np.array([*look.programme_kind, "none"])[enc["programme_id"][lines["encounter_id"]]]
    amount = lines["amount"]
    owed = np.where(
        np.isin(kinds, ["none", "savings_only"]),
        amount,
        np.where(
            kinds == "national_insurance",
            (amount * INSURANCE_CO_INSURANCE_BP + 5_000) // 10_000,
            0,
        ),
    )
    home = look.person_household[enc["person_id"][lines["encounter_id"]]]
    exact = np.bincount(home, weights=owed).astype(np.int64)
    holders = np.asarray(look.holder_party)
    for h in np.flatnonzero((exact > 0) & (holders[: exact.size] > 0)).tolist():
        assert needs[h] >= exact[h]
        assert needs[h] - exact[h] < TOP_UP_STEP + 10_000
        assert needs[h] % TOP_UP_STEP == 0
    assert all(look.holder_party[h] for h in needs)


def test_the_fingerprint_follows_the_region(region: Region, params: Parameters) -> None:
    same = generate(params, region.info.people, 1, region.info.seed)
    assert fingerprint(same) == fingerprint(region)
    other = generate(params, region.info.people, 1, region.info.seed + 1)
    assert fingerprint(other) != fingerprint(region)


def test_names_are_the_regions_own() -> None:
    n = Names.of("Mfano County", "KES", 20_000)
    assert (n.slug, n.initials) == ("mfano-county", "MC")
    assert n.person(42) == "MC0000042"
    assert n.member_party(42) == "member:MC0000042"
    assert n.household(7) == "MC-HH0000007"
    assert n.facility(3) == "mfano-county-f0003"
    assert n.programme("maternal_voucher") == "mfano-county-maternal-voucher"
    assert Names.of("Big", "KES", 12_000_000).person(5) == "B00000005"
