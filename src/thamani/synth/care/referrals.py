"""Referrals to specialist waiting lists, with a clinical priority (P1a .. P4).

Each referral comes with the consultation that made it (at the person's usual primary
facility or hospital) and joins the list of a specialty at the county referral hospital
(some surgical and gynaecological lists are held at the sub-county hospital). The
capacity room takes it from there.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.care.visits import VisitBook
from thamani.synth.parameters import Parameters
from thamani.synth.places import Places
from thamani.synth.sampling import YEAR, categorical_rows, expand

I64 = NDArray[np.int64]


def make_referrals(
    rng: np.random.Generator,
    p: Parameters,
    birth: I64,
    sex: I64,
    death: I64,
    primary: I64,
    hospital: I64,
    places: Places,
    book: VisitBook,
    years: int,
) -> None:
    days = years * YEAR
    r = p.referrals
    begin = np.maximum(birth, 0)
    end = np.minimum(death, days)
    exposure = np.maximum(end - begin, 0) / YEAR
    age = np.maximum(days // 2 - birth, 0) // 365
    age_factor = np.where(age < 15, 0.4, np.where(age < 50, 1.0, 2.2))
    lam = r.per_1000_per_year.value / 1000.0 * age_factor * exposure
    owner, _ = expand(rng.poisson(lam))
    day = begin[owner] + (rng.random(owner.size) * (end[owner] - begin[owner])).astype(np.int64)

    specs = r.specialties
    shares = np.array([s.share for s in specs])
    women_only = np.array([s.name == "obstetrics_gynaecology" for s in specs])
    table = np.stack([shares, np.where(women_only, 0.0, shares)])
    specialty = categorical_rows(rng, table, sex[owner])
    prio_table = np.array([s.priority for s in specs])
    priority = categorical_rows(rng, prio_table, specialty)
    width = max(len(s.icd10) for s in specs)
    codes = np.full((len(specs), width), -1, dtype=np.int64)
    for i, s in enumerate(specs):
        codes[i, : len(s.icd10)] = [cat.icd(c) for c in s.icd10]
    n_codes = np.array([len(s.icd10) for s in specs])
    pick = (rng.random(owner.size) * n_codes[specialty]).astype(np.int64)
    reason = codes[specialty, pick]

    from_hospital = rng.random(owner.size) < 0.35
    referring = np.where(from_hospital, hospital[owner], primary[owner])
    local_list = np.isin(
        specialty,
        [i for i, s in enumerate(specs) if s.name in ("general_surgery", "obstetrics_gynaecology")],
    ) & (rng.random(owner.size) < 0.4)
    receiving = np.where(local_list, hospital[owner], places.county_hospital)
    v = book.visits(owner, referring, day, cat.Kind.REFERRAL_CONSULT, reason)
    book.referrals(v, specialty, priority, reason, receiving)
