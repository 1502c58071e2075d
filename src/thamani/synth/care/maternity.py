"""Pregnancy and childbirth: antenatal contacts, deliveries, postnatal care, babies, deaths.

Births follow the age-specific fertility rates, scaled so the county's births match the
crude birth rate. Where a woman delivers (home or facility) depends on her household's
wealth, town or village and the voucher; caesareans happen in hospitals. Stillbirth,
maternal and neonatal death depend on the quality of the place of delivery (a home birth
counts as care of low quality).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.care.proms import answers, burden
from thamani.synth.care.visits import VisitBook
from thamani.synth.conditions import ConditionState
from thamani.synth.mortality import DeathRegister
from thamani.synth.parameters import Parameters
from thamani.synth.people import People
from thamani.synth.places import Places
from thamani.synth.sampling import (
    NEVER,
    YEAR,
    calibrated,
    categorical,
    choose_in_groups,
    expand,
    rate_ratio,
)

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

HOME_QUALITY = -1.5
"""Quality score given to a home birth (no skilled attendant, no emergency care)."""
COMPLICATIONS = (cat.icd("O72.1"), cat.icd("O14.9"), cat.icd("O66.9"))
COMPLICATION_SHARES = np.array([0.40, 0.35, 0.25])


@dataclass(frozen=True, slots=True)
class Maternity:
    """Pregnancies that end in delivery during the years, and the babies born.

    mother, conception, delivery (days), gestation (weeks), anc (contacts planned), facility
    (-1 at home), caesarean, stillbirth, complication (ICD index or -1), voucher, voucher
    start and end days; baby (person id or -1). baby_* describe the babies (person ids
    follow the people present at the start, in pregnancy order).
    """

    mother: I64
    conception: I64
    delivery: I64
    gestation: I64
    anc: I64
    facility: I64
    caesarean: B
    stillbirth: B
    complication: I64
    voucher: B
    voucher_start: I64
    voucher_end: I64
    baby: I64
    baby_sex: I64
    baby_mother: I64
    baby_birth: I64


def _deliveries(
    rng: np.random.Generator, p: Parameters, people: People, death: I64, years: int
) -> I64:
    """(mother, day) of deliveries: births per year = crude birth rate x population."""
    asfr = np.array(p.demography.fertility_by_age_per_1000.values) / 1000.0
    female = people.sex == 0
    target = p.demography.crude_birth_rate_per_1000.value / 1000.0 * people.n
    mothers, days = [], []
    for y in range(years):
        age = y * YEAR + YEAR // 2 - people.birth
        fband = (age // int(5 * 365.25)) - 3
        ok = female & (fband >= 0) & (fband < 7)
        base = np.where(ok, asfr[np.clip(fband, 0, 6)], 0.0)
        scale = target / max(float(base.sum()), 1e-9)
        prob = np.minimum(base * scale, 0.9)
        idx = np.flatnonzero(rng.random(people.n) < prob)
        mothers.append(idx)
        days.append(y * YEAR + rng.integers(0, YEAR, idx.size))
    mother = np.concatenate(mothers)
    day = np.concatenate(days)
    order = np.lexsort((day, mother))
    mother, day = mother[order], day[order]
    keep = day < death[mother]
    close = np.zeros(mother.size, dtype=bool)
    close[1:] = (mother[1:] == mother[:-1]) & (day[1:] - day[:-1] < 300)
    keep &= ~close
    out = np.stack([mother[keep], day[keep]])
    return out.astype(np.int64)


def make_maternity(
    rng: np.random.Generator,
    p: Parameters,
    people: People,
    places: Places,
    cs: ConditionState,
    deaths: DeathRegister,
    book: VisitBook,
    years: int,
) -> Maternity:
    m = p.maternity
    q = p.quality
    mother, delivery = _deliveries(rng, p, people, deaths.day, years)
    n = mother.size
    preg = np.arange(n, dtype=np.int64)
    gest = np.clip(np.rint(rng.normal(39.0, 1.6, n)), 28, 42).astype(np.int64)
    lmp = delivery - gest * 7
    conception = lmp + 14
    area = people.area[mother]
    quint = people.quintile[mother]
    urban = people.hh_urban[people.household[mother]]
    voucher_area = np.isin(
        area, [i for i, a in enumerate(p.areas.items) if a.name in p.programmes.voucher_areas]
    )
    voucher = (
        voucher_area
        & (quint <= p.programmes.voucher_quintiles.value)
        & (rng.random(n) < p.programmes.voucher_uptake.value)
    )

    # Antenatal contacts.
    k = categorical(rng, np.array(m.anc_contacts_distribution.values), n)
    first_week = np.clip(
        rng.normal(m.first_anc_week_mean.value, m.first_anc_week_sd.value, n), 6, gest - 2
    )
    owner, j = expand(k)
    span = (gest[owner] - 1 - first_week[owner]) / np.maximum(k[owner] - 1, 1)
    week = first_week[owner] + j * span + rng.uniform(-0.5, 0.5, owner.size)
    week = np.clip(week, 4, gest[owner] - 1)
    anc_day = lmp[owner] + (week * 7).astype(np.int64)
    anc_fac = np.where(rng.random(owner.size) < 0.8, people.primary[mother[owner]],
                       people.hospital[mother[owner]])  # fmt: skip
    woman = mother[owner]
    age_years = (delivery[owner] - people.birth[woman]) // 365
    hiv_known = cs.diag[cat.HIV, woman] <= anc_day
    high_risk = (age_years < 18) | (age_years > 35) | hiv_known
    dx = np.where(high_risk, cat.icd("Z35.9"), cat.icd("Z34.9"))
    v = book.visits(woman, anc_fac, anc_day, cat.Kind.ANC_VISIT, dx, pregnancy=preg[owner])
    book.diagnoses(v[hiv_known], cat.icd("O98.7"))
    malaria = np.array([a.malaria_risk for a in p.areas.items])[area[owner]] >= 0.5
    iptp = malaria & (week >= 16)
    book.lines(v[iptp], cat.item("MED-SP-IPTP"))

    # Booking visit: blood tests, HIV test for women not known positive, PHQ-9.
    first = j == 0
    fv, fw, fday = v[first], woman[first], anc_day[first]
    book.observations(fv, cat.M_HB, np.round(rng.normal(11.4, 1.3, fv.size), 1))
    test = cs.diag[cat.HIV, fw] > fday
    positive = test & (cs.hiv_infected[fw] <= fday)
    book.observations(
        fv[test], cat.M_HIV_TEST, np.nan, np.where(positive[test], cat.R_POSITIVE, cat.R_NEGATIVE)
    )
    newly = fw[positive]
    cs.diag[cat.HIV, newly] = fday[positive]
    cs.facility[cat.HIV, newly] = people.primary[newly]
    linked = rng.random(newly.size) < p.hiv_care.linkage_to_art.value
    cs.art_start[newly[linked]] = fday[positive][linked] + rng.integers(0, 8, int(linked.sum()))
    syph = rng.random(fv.size) < 0.015
    book.observations(fv, cat.M_SYPHILIS, np.nan, np.where(syph, cat.R_POSITIVE, cat.R_NEGATIVE))
    group = np.array(cat.BLOOD_GROUPS)[categorical(rng, np.array(cat.BLOOD_GROUP_SHARES), fv.size)]
    book.observations(fv, cat.M_BLOOD_GROUP, np.nan, group)
    book.observations(
        fv, cat.M_URINE_PROTEIN, np.nan,
        np.where(rng.random(fv.size) < 0.05, cat.R_POSITIVE, cat.R_NEGATIVE),
    )  # fmt: skip
    shift = p.quality.prom_shift_sd
    base = 0.12 + 0.35 * cs.has[cat.DEPRESSION, fw] + 0.10 * cs.has[cat.HIV, fw]
    items, vas = answers(
        rng, cat.PHQ9, burden(base, places.fac_quality[anc_fac[first]], shift, rng)
    )
    book.proms(fv, cat.PHQ9, cat.TP_BOOKING, items, vas)

    # Place and mode of delivery.
    wealth_shift = (
        m.wealth_effect_facility_delivery.value * (quint - 3) + 0.8 * voucher + 0.3 * urban
    )
    in_facility = rng.random(n) < calibrated(m.facility_delivery_rate.value, wealth_shift)
    cs_share = m.caesarean_rate.value / m.facility_delivery_rate.value
    fi = np.flatnonzero(in_facility)
    caesarean = np.zeros(n, dtype=bool)
    caesarean[fi] = rng.random(fi.size) < calibrated(cs_share, 0.2 * (quint[fi] - 3.0))
    to_hospital = caesarean | (rng.random(n) < m.hospital_delivery_share.value)
    county = rng.random(n) < 0.3
    hospital = np.where(county & caesarean, places.county_hospital, people.hospital[mother])
    hc_weight = (places.fac_level == 1).astype(np.float64)
    centre = choose_in_groups(rng, places.fac_area, hc_weight, area)
    facility = np.where(in_facility, np.where(to_hospital, hospital, centre), -1)
    z = np.where(in_facility, places.fac_quality[np.maximum(facility, 0)], HOME_QUALITY)

    comp_p = calibrated(m.complication_rate.value, q.complication_logit * z)
    has_comp = rng.random(n) < comp_p
    complication = np.where(
        has_comp, np.array(COMPLICATIONS)[categorical(rng, COMPLICATION_SHARES, n)], -1
    )
    still_p = m.stillbirth_per_1000.value / 1000.0 * rate_ratio(q.stillbirth_log_rate_ratio, z)
    stillbirth = rng.random(n) < still_p
    mat_shift = q.maternal_death_log_rate_ratio * z + np.log(3.0) * has_comp
    mat_p = m.maternal_mortality_per_100k.value / 100_000.0 * rate_ratio(1.0, mat_shift)
    maternal_death = rng.random(n) < mat_p
    md = np.flatnonzero(maternal_death)
    deaths.record(
        mother[md], delivery[md] + rng.integers(0, 42, md.size),
        np.full(md.size, cat.icd("O95")), facility[md],
    )  # fmt: skip

    # Delivery encounters.
    los = np.where(caesarean, 3 + rng.poisson(1.0, n), (rng.random(n) < 0.3).astype(np.int64))
    emergency = rng.random(n) < 0.6
    ddx = np.where(
        caesarean, np.where(emergency, cat.icd("O82.1"), cat.icd("O82.0")), cat.icd("O80.9")
    )
    kind = np.where(caesarean, int(cat.Kind.DELIVERY_CAESAREAN), int(cat.Kind.DELIVERY_VAGINAL))
    dv = book.visits(
        mother[fi], facility[fi], delivery[fi], kind[fi], ddx[fi], los=los[fi], pregnancy=preg[fi]
    )
    book.diagnoses(dv, np.where(stillbirth[fi], cat.icd("Z37.1"), cat.icd("Z37.0")))
    withc = complication[fi] >= 0
    book.diagnoses(dv[withc], complication[fi][withc])
    hivd = cs.diag[cat.HIV, mother[fi]] <= delivery[fi]
    book.diagnoses(dv[hivd], cat.icd("O98.7"))
    pph = complication[fi] == cat.icd("O72.1")
    book.lines(dv[pph], cat.item("MED-OXYTOCIN"), 2)
    book.observations(dv[pph], cat.M_HB, np.round(rng.normal(8.5, 1.5, int(pph.sum())), 1))

    # Babies.
    live = np.flatnonzero(~stillbirth)
    first_baby = people.n
    baby = np.full(n, -1, dtype=np.int64)
    baby[live] = first_baby + np.arange(live.size)
    deaths.extend(live.size)
    nn_p = (
        m.neonatal_mortality_per_1000.value
        / 1000.0
        * rate_ratio(q.neonatal_death_log_rate_ratio, z[live])
    )
    nd = rng.random(live.size) < nn_p
    nd_day = delivery[live] + np.minimum(rng.exponential(4.0, live.size).astype(np.int64), 27)
    deaths.record(baby[live][nd], nd_day[nd], np.full(int(nd.sum()), cat.icd("P96.9")),
                  facility[live][nd])  # fmt: skip

    # Postnatal check at six weeks, with PHQ-9 and EQ-5D-5L.
    pnc_day = delivery + 42 + rng.integers(-7, 8, n)
    go = (rng.random(n) < m.postnatal_visit_rate.value) & (pnc_day < deaths.day[mother])
    pi = np.flatnonzero(go)
    pfac = people.primary[mother[pi]]
    pv = book.visits(
        mother[pi], pfac, pnc_day[pi], cat.Kind.POSTNATAL, cat.icd("Z39.2"), pregnancy=pi
    )
    lost_baby = stillbirth[pi] | (baby[pi] >= 0) & (deaths.day[np.maximum(baby[pi], 0)] < NEVER)
    zq = places.fac_quality[pfac]
    base = 0.12 + 0.35 * cs.has[cat.DEPRESSION, mother[pi]] + 0.35 * lost_baby
    items, vas = answers(rng, cat.PHQ9, burden(base, zq, shift, rng))
    book.proms(pv, cat.PHQ9, cat.TP_SIX_WEEKS, items, vas)
    base = 0.10 + 0.12 * caesarean[pi] + 0.15 * (complication[pi] >= 0) + 0.2 * lost_baby
    items, vas = answers(rng, cat.EQ5D, burden(base, zq, shift, rng))
    book.proms(pv, cat.EQ5D, cat.TP_SIX_WEEKS, items, vas)

    first_anc = np.full(n, NEVER, dtype=np.int64)
    np.minimum.at(first_anc, owner, anc_day)
    v_start = np.minimum(first_anc, delivery - 60)
    return Maternity(
        mother=mother,
        conception=conception,
        delivery=delivery,
        gestation=gest,
        anc=k,
        facility=facility,
        caesarean=caesarean,
        stillbirth=stillbirth,
        complication=complication,
        voucher=voucher,
        voucher_start=v_start,
        voucher_end=delivery + 42,
        baby=baby,
        baby_sex=(rng.random(live.size) < 0.51).astype(np.int64),
        baby_mother=mother[live],
        baby_birth=delivery[live],
    )
