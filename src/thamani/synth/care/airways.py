"""Chronic airway disease (COPD and asthma): reviews, exacerbations, admissions, PROMs.

People with a diagnosis are reviewed about twice a year (CAT and mMRC for COPD, ACT for
asthma, EQ-5D-5L yearly). Exacerbations arrive at a rate set by COPD grade; worse
facilities see more of them, and more of them severe (emergency care and admission).
Some admissions end in death; some lead to a referral to respiratory medicine.
"""

from __future__ import annotations

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
from thamani.synth.sampling import YEAR, calibrated, expand, rate_ratio, schedule

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

COPD_BURDEN = np.array([0.0, 0.22, 0.38, 0.56, 0.74])
"""Typical CAT burden by GOLD grade (index 1-4): CAT about 9, 15, 22, 30."""
ASTHMA_BURDEN = np.array([0.0, 0.18, 0.35, 0.55])
FEV1_COPD = np.array([0.0, 85.0, 65.0, 40.0, 25.0])
"""Typical FEV1 % predicted by GOLD grade (grade 1 >= 80, 2 50-79, 3 30-49, 4 < 30)."""
FEV1_ASTHMA = np.array([0.0, 88.0, 75.0, 62.0])


def make_airway_care(
    rng: np.random.Generator,
    p: Parameters,
    people: People,
    places: Places,
    cs: ConditionState,
    deaths: DeathRegister,
    book: VisitBook,
    years: int,
) -> None:
    days = years * YEAR
    a = p.airway_care
    q = p.quality
    shift = q.prom_shift_sd
    for condition in (cat.COPD, cat.ASTHMA):
        who = np.flatnonzero(cs.diag[condition] < days)
        fac = cs.facility[condition, who]
        z = places.fac_quality[fac]
        sev = cs.severity[condition, who]
        begin = np.maximum(cs.diag[condition, who], 0)
        end = np.minimum(deaths.day[who], days)
        exposure = np.maximum(end - begin, 0) / YEAR

        # Exacerbations: more, and more often severe, at worse facilities.
        if condition == cat.COPD:
            base = np.array(a.copd_exacerbations_per_year_by_grade.values)[sev - 1]
        else:
            base = np.full(who.size, a.asthma_exacerbations_per_year.value) * (0.5 + 0.5 * sev)
        lam = base * rate_ratio(q.exacerbation_log_rate_ratio, z) * exposure
        count = rng.poisson(lam)
        owner, _ = expand(count)
        eday = begin[owner] + (rng.random(owner.size) * (end[owner] - begin[owner])).astype(
            np.int64
        )
        severe = rng.random(owner.size) < calibrated(
            a.severe_share.value, q.severe_exacerbation_logit * z[owner]
        )
        mod = ~severe
        mdx = cat.icd("J44.1") if condition == cat.COPD else cat.icd("J45.9")
        sdx = cat.icd("J44.1") if condition == cat.COPD else cat.icd("J46")
        mv = book.visits(
            who[owner[mod]], fac[owner[mod]], eday[mod], cat.Kind.EXACERBATION_MODERATE, mdx
        )
        book.observations(mv, cat.M_SPO2, np.rint(rng.normal(93, 2.5, mv.size)).clip(80, 100))
        so = owner[severe]
        hosp = np.where(places.fac_level[fac[so]] >= 2, fac[so], people.hospital[who[so]])
        los = 2 + rng.poisson(3.0, so.size)
        sv = book.visits(who[so], hosp, eday[severe], cat.Kind.EXACERBATION_ADMISSION, sdx, los=los)
        book.observations(sv, cat.M_SPO2, np.rint(rng.normal(86, 4, sv.size)).clip(60, 100))
        die = rng.random(so.size) < a.admission_mortality.value * rate_ratio(-0.3, z[so])
        cause = cat.icd("J44.9") if condition == cat.COPD else cat.icd("J46")
        deaths.record(
            who[so][die], eday[severe][die] + los[die], np.full(int(die.sum()), cause), hosp[die]
        )
        ref = rng.random(sv.size) < 0.3
        book.referrals(
            sv[ref],
            np.full(int(ref.sum()), _specialty(p, "respiratory_medicine")),
            np.full(int(ref.sum()), 2),
            np.full(
                int(ref.sum()), cat.icd("J44.9") if condition == cat.COPD else cat.icd("J45.9")
            ),
            np.full(int(ref.sum()), places.county_hospital),
        )

        # Reviews about twice a year.
        every = int(a.review_interval_days.value)
        interval = np.full(who.size, every, dtype=np.int64)
        first = begin + rng.integers(0, every, who.size)
        ro, rday = schedule(first, end, interval)
        attend = rng.random(ro.size) < calibrated(
            a.review_attendance.value, q.retention_logit * z[ro]
        )
        ro, rday = ro[attend], rday[attend]
        rv = book.visits(
            who[ro], fac[ro], rday, cat.Kind.AIRWAY_REVIEW, cat.CONDITION_ICD10_INDEX[condition]
        )
        book.observations(rv, cat.M_SPO2, np.rint(rng.normal(95 - 1.5 * sev[ro], 2)).clip(75, 100))
        spiro = (places.fac_level[fac[ro]] >= 2) & (rng.random(ro.size) < a.spirometry_share.value)
        fev1_by_severity = FEV1_COPD if condition == cat.COPD else FEV1_ASTHMA
        fev1 = fev1_by_severity[sev[ro]]
        book.observations(
            rv[spiro], cat.M_FEV1, np.rint(fev1[spiro] + rng.normal(0, 6, int(spiro.sum())))
        )
        book.lines(rv[spiro], cat.item("SVC-SPIROMETRY"))
        rank = np.zeros(ro.size, dtype=np.int64)
        if ro.size:
            _, starts = np.unique(ro, return_index=True)
            rank = np.arange(ro.size) - np.repeat(starts, np.diff(np.append(starts, ro.size)))
        tp = np.where(rank == 0, cat.TP_BASELINE, cat.TP_FOLLOW_UP)
        n_ex = count[ro].astype(np.float64)
        if condition == cat.COPD:
            b = burden(COPD_BURDEN[sev[ro]] + 0.04 * n_ex, z[ro], shift, rng)
            for instrument in (cat.CAT, cat.MMRC):
                items, vas = answers(rng, instrument, b)
                book.proms(rv, instrument, tp, items, vas)
        else:
            b = burden(ASTHMA_BURDEN[sev[ro]] + 0.05 * n_ex, z[ro], shift, rng)
            items, vas = answers(rng, cat.ACT, b)
            book.proms(rv, cat.ACT, tp, items, vas)
        yearly = (rank == 0) | ((rday // YEAR) != (np.roll(rday, 1) // YEAR))
        yi = np.flatnonzero(yearly)
        items, vas = answers(rng, cat.EQ5D, np.clip(b[yi] * 0.8, 0, 1))
        book.proms(rv[yi], cat.EQ5D, cat.TP_ANNUAL, items, vas)


def _specialty(p: Parameters, name: str) -> int:
    names = [s.name for s in p.referrals.specialties]
    return names.index(name) if name in names else 0
