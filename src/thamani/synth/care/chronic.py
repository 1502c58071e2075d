"""Hypertension and diabetes: regular reviews with blood pressure and glucose, admissions.

People with a diagnosis are reviewed about every two months; whether their blood pressure
or glucose is at target is their controlled state (better at better facilities), and
uncontrolled disease brings more complication admissions (stroke, hyperglycaemic crisis).
EQ-5D-5L and PHQ-9 are collected once a year.
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
from thamani.synth.sampling import YEAR, calibrated, expand, schedule

I64 = NDArray[np.int64]


def make_chronic_care(
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
    c = p.chronic_care
    q = p.quality
    for condition, kind in (
        (cat.HYPERTENSION, cat.Kind.HYPERTENSION_REVIEW),
        (cat.DIABETES, cat.Kind.DIABETES_REVIEW),
    ):
        who = np.flatnonzero(cs.diag[condition] < days)
        fac = cs.facility[condition, who]
        z = places.fac_quality[fac]
        ok = cs.controlled[condition, who]
        begin = np.maximum(cs.diag[condition, who], 0)
        end = np.minimum(deaths.day[who], days)
        interval = np.full(who.size, int(c.review_interval_days.value), dtype=np.int64)
        first = begin + rng.integers(0, max(int(c.review_interval_days.value), 1), who.size)
        ro, rday = schedule(first, end, interval)
        attend = rng.random(ro.size) < calibrated(
            c.review_attendance.value, q.retention_logit * z[ro]
        )
        ro, rday = ro[attend], rday[attend]
        dx = cat.CONDITION_ICD10_INDEX[condition]
        rv = book.visits(who[ro], fac[ro], rday, kind, dx)
        good = ok[ro]
        n = ro.size
        if condition == cat.HYPERTENSION:
            sys_ = np.where(good, rng.normal(132, 8, n), rng.normal(158, 12, n))
            dia = np.where(good, rng.normal(82, 6, n), rng.normal(97, 8, n))
            book.observations(rv, cat.M_SYSTOLIC, np.rint(sys_))
            book.observations(rv, cat.M_DIASTOLIC, np.rint(dia))
        else:
            glu = np.where(good, rng.normal(7.0, 1.2, n), rng.normal(12.0, 3.0, n)).clip(3, 30)
            book.observations(rv, cat.M_GLUCOSE, np.round(glu, 1))
            a1c = rng.random(n) < 0.33
            val = np.where(good, rng.normal(6.6, 0.4, n), rng.normal(9.2, 1.3, n))[a1c]
            book.observations(rv[a1c], cat.M_HBA1C, np.round(val, 1).astype(np.float64))
        cr = rng.random(n) < 0.08
        book.observations(
            rv[cr], cat.M_CREATININE, np.round(rng.normal(1.0, 0.3, int(cr.sum())), 2).clip(0.3, 8)
        )

        # Yearly EQ-5D-5L and PHQ-9 at the first review of each year.
        yearly = np.ones(n, dtype=bool)
        yearly[1:] = (ro[1:] != ro[:-1]) | (rday[1:] // YEAR != rday[:-1] // YEAR)
        yi = np.flatnonzero(yearly)
        base = 0.12 + 0.15 * ~good[yi] + 0.08 * cs.severity[condition, who[ro[yi]]]
        depressed = cs.has[cat.DEPRESSION, who[ro[yi]]]
        for instrument, extra in ((cat.EQ5D, 0.15), (cat.PHQ9, 0.35)):
            b = burden(base + extra * depressed, z[ro[yi]], q.prom_shift_sd, rng)
            items, vas = answers(rng, instrument, b)
            book.proms(rv[yi], instrument, cat.TP_ANNUAL, items, vas)

        # Complication admissions, three times as frequent when not controlled.
        exposure = np.maximum(end - begin, 0) / YEAR
        lam = c.complication_admissions_per_year.value * np.where(ok, 0.6, 1.8) * exposure
        owner, _ = expand(rng.poisson(lam))
        aday = begin[owner] + (rng.random(owner.size) * (end[owner] - begin[owner])).astype(
            np.int64
        )
        hosp = people.hospital[who[owner]]
        los = 2 + rng.poisson(4.0, owner.size)
        adx = cat.icd("I64") if condition == cat.HYPERTENSION else cat.icd("E11.6")
        # The condition itself joins the admission's diagnoses as a known comorbidity.
        book.visits(who[owner], hosp, aday, cat.Kind.CHRONIC_ADMISSION, adx, los=los)
        die = rng.random(owner.size) < 0.08
        deaths.record(
            who[owner][die], aday[die] + los[die], np.full(int(die.sum()), adx), hosp[die]
        )
