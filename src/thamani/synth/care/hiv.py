"""HIV: testing, diagnosis, ART start, refills, viral loads (the 95-95-95 cascade).

Adults are tested each year at the testing rate; a positive test is a diagnosis, most
people start ART within days. People on ART collect refills monthly for six months, then
every three months once stable. A viral load is taken six months after starting and then
yearly; whether it is suppressed is the person's state, which depends on the quality of
the facility that manages them.
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
from thamani.synth.sampling import YEAR, calibrated, rate_ratio, schedule

I64 = NDArray[np.int64]


def _testing(
    rng: np.random.Generator,
    p: Parameters,
    people: People,
    places: Places,
    cs: ConditionState,
    deaths: DeathRegister,
    book: VisitBook,
    years: int,
) -> None:
    n = cs.has.shape[1]
    birth = people.birth[:n]
    for y in range(years):
        s = y * YEAR
        age = s + YEAR // 2 - birth
        day = np.asarray(s + rng.integers(0, YEAR, n), dtype=np.int64)
        test = (
            (age >= 15 * 365)
            & (age < 65 * 365)
            & (cs.diag[cat.HIV] > day)
            & (deaths.day[:n] > day)
            & (rng.random(n) < p.hiv_care.annual_test_rate.value)
        )
        idx = np.flatnonzero(test)
        d = day[idx]
        pos = cs.hiv_infected[idx] <= d
        v = book.visits(idx, people.primary[idx], d, cat.Kind.HIV_TEST, cat.icd("Z11.4"))
        book.observations(v, cat.M_HIV_TEST, np.nan, np.where(pos, cat.R_POSITIVE, cat.R_NEGATIVE))
        # A positive test is a diagnosis that day: B24 joins the encounter as a known condition.
        new = idx[pos]
        cs.diag[cat.HIV, new] = d[pos]
        local = places.fac_level[people.primary[new]] >= 1
        cs.facility[cat.HIV, new] = np.where(local, people.primary[new], people.hospital[new])
        linked = rng.random(new.size) < p.hiv_care.linkage_to_art.value
        cs.art_start[new[linked]] = d[pos][linked] + rng.integers(0, 15, int(linked.sum()))


def make_hiv_care(
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
    _testing(rng, p, people, places, cs, deaths, book, years)
    on = np.flatnonzero(cs.art_start < days)
    # Facility for people diagnosed at antenatal care without one yet.
    nofac = cs.facility[cat.HIV, on] < 0
    cs.facility[cat.HIV, on[nofac]] = people.primary[on[nofac]]
    fac = cs.facility[cat.HIV, on]
    z = places.fac_quality[fac]
    start = cs.art_start[on]
    new = start >= 0
    # Suppression for people who started during the years (prevalent ones were drawn).
    ni = on[new]
    cs.controlled[cat.HIV, ni] = rng.random(ni.size) < calibrated(
        p.hiv_care.viral_suppression.value, p.quality.viral_suppression_logit * z[new]
    )
    suppressed = cs.controlled[cat.HIV, on]

    # ART start visits.
    sv = book.visits(on[new], fac[new], start[new], cat.Kind.ART_START, cat.icd("B24"))
    book.observations(sv, cat.M_CD4, np.rint(np.exp(rng.normal(np.log(350), 0.6, sv.size))))
    cr = rng.random(sv.size) < 0.3
    book.observations(sv[cr], cat.M_CREATININE, np.round(rng.normal(0.9, 0.2, int(cr.sum())), 2))

    # Retention: loss to follow-up, less at better facilities.
    yearly = -np.log1p(-p.hiv_care.loss_to_follow_up_per_year.value)
    rate = yearly * rate_ratio(-p.quality.retention_logit, z) / YEAR
    begin = np.maximum(start, 0)
    stop = begin + rng.exponential(1.0, on.size) / np.maximum(rate, 1e-12)
    stop = np.minimum(np.minimum(stop, deaths.day[on]), days).astype(np.int64)

    # Refills: monthly for six months after starting, then by stability.
    a_first = start + 30
    a_stop = np.minimum(start + 180, stop)
    oa, da = schedule(a_first, a_stop, np.full(on.size, 30, dtype=np.int64))
    stable = suppressed & (rng.random(on.size) < p.hiv_care.stable_on_multimonth_share.value)
    interval = np.where(stable, 90, 30).astype(np.int64)
    b_first = np.where(new, start + 180, rng.integers(0, 90, on.size) % interval)
    ob, db = schedule(b_first, stop, interval)
    owner = np.concatenate([oa, ob])
    day = np.concatenate([da, db])
    months = np.concatenate([np.ones(oa.size, dtype=np.int64), interval[ob] // 30])
    order = np.lexsort((day, owner))
    owner, day, months = owner[order], day[order], months[order]
    rv = book.visits(on[owner], fac[owner], day, cat.Kind.ART_REFILL, cat.icd("B24"))
    book.lines(rv, cat.item("MED-TLD-30"), months)
    ctx = rng.random(on.size) < 0.3
    book.lines(rv[ctx[owner]], cat.item("MED-COTRIMOXAZOLE-30"), months[ctx[owner]])

    # Viral load at the first refill six months after starting, then once a year.
    vi = (day - start[owner] - 180) // YEAR
    first = np.ones(owner.size, dtype=bool)
    first[1:] = (owner[1:] != owner[:-1]) | (vi[1:] != vi[:-1])
    vl = first & (vi >= 0)
    vv, vo = rv[vl], owner[vl]
    sup = suppressed[vo]
    low = np.where(
        rng.random(vv.size) < 0.6,
        0.0,
        np.rint(np.exp(rng.uniform(np.log(20), np.log(999), vv.size))),
    )
    high = np.rint(10 ** rng.uniform(3.0, 5.7, vv.size))
    book.observations(vv, cat.M_VIRAL_LOAD, np.where(sup, low, high))

    # Yearly PROMs at the viral-load visit.
    base = 0.10 + 0.20 * ~sup + 0.35 * cs.has[cat.DEPRESSION, on[vo]]
    zq = z[vo]
    shift = p.quality.prom_shift_sd
    for instrument in (cat.PHQ9, cat.EQ5D):
        items, vas = answers(rng, instrument, burden(base, zq, shift, rng))
        book.proms(vv, instrument, cat.TP_ANNUAL, items, vas)
