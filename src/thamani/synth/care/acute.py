"""Acute visits (malaria, respiratory infections, diarrhoea, injuries...) and admissions.

Everyone alive makes visits at the rate for their age; causes follow the outpatient
morbidity mix for children and adults, malaria scaled by the area's endemicity. Most visits
are at the usual primary facility, some go straight to the hospital; a few are admitted.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.care.visits import VisitBook
from thamani.synth.parameters import Parameters
from thamani.synth.sampling import YEAR, age_band, categorical_rows, expand

I64 = NDArray[np.int64]

FEBRILE = ("B50.9", "J06.9", "J18.9", "A01.0")
"""Causes whose visit includes a malaria rapid test."""


def make_acute_care(
    rng: np.random.Generator,
    p: Parameters,
    birth: I64,
    death: I64,
    area: I64,
    primary: I64,
    hospital: I64,
    book: VisitBook,
    years: int,
) -> None:
    days = years * YEAR
    ac = p.acute_care
    begin = np.maximum(birth, 0)
    end = np.minimum(death, days)
    exposure = np.maximum(end - begin, 0) / YEAR
    rates = np.array(ac.visits_per_person_year.values)
    band = age_band(np.maximum(days // 2 - birth, 0))
    owner, _ = expand(rng.poisson(rates[band] * exposure))
    day = begin[owner] + (rng.random(owner.size) * (end[owner] - begin[owner])).astype(np.int64)
    child = (day - birth[owner]) < 15 * 365

    causes = ac.causes.items
    malaria_risk = np.array([a.malaria_risk for a in p.areas.items])
    n_areas = malaria_risk.size
    table = np.zeros((n_areas * 2, len(causes)))
    for k, cause in enumerate(causes):
        for is_child in (0, 1):
            share = cause.child_share if is_child else cause.adult_share
            scale = 2.0 * malaria_risk if cause.malaria else np.ones(n_areas)
            table[np.arange(n_areas) * 2 + is_child, k] = share * scale
    drawn = categorical_rows(rng, table, area[owner] * 2 + child)
    code = np.array([cat.icd(c.icd10) for c in causes], dtype=np.int64)[drawn]

    bypass = rng.random(owner.size) < p.facilities.hospital_bypass_share.value
    fac = np.where(bypass, hospital[owner], primary[owner])
    adm_share = ac.admission_share.value
    severe_cause = np.isin(code, [cat.icd("B50.9"), cat.icd("J18.9"), cat.icd("A09.9")])
    admit = rng.random(owner.size) < adm_share * np.where(severe_cause, 2.5, 0.6)
    code = np.where(admit & (code == cat.icd("B50.9")), cat.icd("B50.8"), code)
    kind = np.where(admit, int(cat.Kind.ACUTE_ADMISSION), int(cat.Kind.ACUTE_VISIT))
    fac = np.where(admit, hospital[owner], fac)
    los = np.where(admit, 1 + rng.poisson(2.0, owner.size), 0)
    v = book.visits(owner, fac, day, kind, code, los=los)

    febrile = np.isin(code, [cat.icd(c) for c in (*FEBRILE, "B50.8")])
    is_malaria = np.isin(code, [cat.icd("B50.9"), cat.icd("B50.8")])
    tested = febrile & (rng.random(owner.size) < 0.85)
    book.observations(
        v[tested], cat.M_MALARIA, np.nan,
        np.where(is_malaria[tested], cat.R_POSITIVE, cat.R_NEGATIVE),
    )  # fmt: skip
    uti = code == cat.icd("N39.0")
    protein = np.where(rng.random(int(uti.sum())) < 0.4, cat.R_POSITIVE, cat.R_NEGATIVE)
    book.observations(v[uti], cat.M_URINE_PROTEIN, np.nan, protein)
    hb = admit
    book.observations(
        v[hb], cat.M_HB, np.round(rng.normal(10.5, 1.8, int(hb.sum())), 1).clip(3, 18)
    )
