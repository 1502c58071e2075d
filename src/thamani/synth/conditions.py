"""Chronic conditions by age and sex, with comorbidity, diagnosis, severity and control.

Prevalence comes from the parameter tables by five-year band and sex. Comorbidity is drawn
with odds ratios that leave each prevalence where the parameters put it (see
``sampling.bernoulli_with_odds_ratio``). Whether a condition is controlled (HIV virally
suppressed, blood pressure or glucose at target) depends on the quality of the facility
that manages it: that is how worse facilities produce worse outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.parameters import BySex, Parameters
from thamani.synth.people import People
from thamani.synth.places import Places
from thamani.synth.sampling import (
    NEVER,
    YEAR,
    age_band,
    bernoulli_with_odds_ratio,
    calibrated,
    categorical,
)

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ConditionState:
    """Conditions of the people present at the start (index = condition, person).

    has: has the condition at the start (HIV: infected at the start or during the years).
    diag: day of diagnosis (negative: before the start; NEVER: not in the years). The HIV
        row is completed by the testing stages (antenatal and HIV testing).
    severity: see the conditions table.
    facility: facility that manages it (-1 if none).
    controlled: controlled on treatment (ground truth).
    hiv_infected: day of HIV infection (NEVER if never).
    art_start: day ART started (NEVER if not on ART); completed by the HIV stage.
    """

    has: B
    diag: I64
    severity: I64
    facility: I64
    controlled: B
    hiv_infected: I64
    art_start: I64


def _prevalence(table: BySex, band: I64, sex: I64) -> F64:
    t = np.array([table.female, table.male], dtype=np.float64) / 100.0
    return np.asarray(t[sex, band], dtype=np.float64)


def make_conditions(
    rng: np.random.Generator, p: Parameters, people: People, places: Places, days: int
) -> ConditionState:
    n = people.n
    c = p.conditions
    age = -people.birth
    band = age_band(age)
    strata = band * 2 + people.sex
    has = np.zeros((len(cat.CONDITIONS), n), dtype=bool)
    has[cat.DIABETES] = rng.random(n) < _prevalence(c.diabetes, band, people.sex)
    has[cat.HYPERTENSION] = bernoulli_with_odds_ratio(
        rng,
        _prevalence(c.hypertension, band, people.sex),
        has[cat.DIABETES],
        c.comorbidity.hypertension_given_diabetes_odds_ratio,
        strata,
    )
    has[cat.HIV] = rng.random(n) < _prevalence(c.hiv, band, people.sex)
    has[cat.COPD] = bernoulli_with_odds_ratio(
        rng,
        _prevalence(c.copd, band, people.sex),
        has[cat.HIV],
        c.comorbidity.copd_given_hiv_odds_ratio,
        strata,
    )
    has[cat.ASTHMA] = rng.random(n) < _prevalence(c.asthma, band, people.sex)
    chronic = np.asarray(has[: cat.DEPRESSION].any(axis=0), dtype=bool)
    has[cat.DEPRESSION] = bernoulli_with_odds_ratio(
        rng,
        _prevalence(c.depression, band, people.sex),
        chronic,
        c.comorbidity.depression_given_chronic_odds_ratio,
        strata,
    )

    # New HIV infections during the years (adults 15-49 without HIV).
    hiv_infected = np.where(has[cat.HIV], -(rng.integers(1, 15 * YEAR, n)), NEVER).astype(np.int64)
    at_risk = (~has[cat.HIV]) & (age >= 15 * 365) & (age < 50 * 365)
    rate = c.hiv_incidence_per_1000.value / 1000.0
    t_inf = rng.exponential(YEAR / max(rate, 1e-12), n)
    new = at_risk & (t_inf < days)
    hiv_infected = np.where(new, t_inf.astype(np.int64), hiv_infected)
    has[cat.HIV] |= new

    # Diagnosis: prevalent diagnosed before the start; others may be diagnosed later.
    diag = np.full(has.shape, NEVER, dtype=np.int64)
    share = c.diagnosed_share
    before = -(rng.integers(30, 10 * YEAR, size=has.shape))
    for k, s in (
        (cat.HIV, share.hiv),
        (cat.HYPERTENSION, share.hypertension),
        (cat.DIABETES, share.diabetes),
        (cat.COPD, share.copd),
        (cat.ASTHMA, share.asthma),
    ):
        known = has[k] & (rng.random(n) < s)
        if k == cat.HIV:
            known &= hiv_infected < 0
            before_k = np.maximum(before[k], hiv_infected + 30)
            diag[k] = np.where(known, np.minimum(before_k, -1), NEVER)
            continue
        diag[k] = np.where(known, before[k], NEVER)
        yearly = getattr(c.new_diagnosis_per_year, cat.CONDITIONS[k])
        if yearly > 0:
            t = rng.exponential(YEAR / -np.log1p(-min(yearly, 0.999)), n)
            later = has[k] & ~known & (t < days)
            diag[k] = np.where(later, t.astype(np.int64), diag[k])

    severity = np.zeros(has.shape, dtype=np.int64)
    severity[cat.COPD] = np.where(
        has[cat.COPD], categorical(rng, np.array(c.copd_gold_grade_shares.values), n) + 1, 0
    )
    severity[cat.ASTHMA] = np.where(
        has[cat.ASTHMA], categorical(rng, np.array([0.6, 0.3, 0.1]), n) + 1, 0
    )
    severity[cat.HYPERTENSION] = np.where(has[cat.HYPERTENSION], 1 + (rng.random(n) < 0.4), 0)
    severity[cat.DIABETES] = np.where(has[cat.DIABETES], 1 + (rng.random(n) < 0.15), 0)

    # The facility that manages each condition: the primary facility when it is a health
    # centre (sometimes a dispensary), else the hospital; severe COPD at the hospital.
    level_primary = places.fac_level[people.primary]
    facility = np.full(has.shape, -1, dtype=np.int64)
    for k in range(len(cat.CONDITIONS)):
        u = rng.random(n)
        local = ((level_primary == 1) & (u < 0.6)) | ((level_primary == 0) & (u < 0.3))
        if k == cat.COPD:
            local &= severity[cat.COPD] <= 2
        facility[k] = np.where(
            diag[k] < NEVER, np.where(local, people.primary, people.hospital), -1
        )

    q = p.quality
    controlled = np.zeros(has.shape, dtype=bool)
    for k, target, effect in (
        (cat.HIV, p.hiv_care.viral_suppression.value, q.viral_suppression_logit),
        (cat.HYPERTENSION, p.chronic_care.hypertension_control.value, q.hypertension_control_logit),
        (cat.DIABETES, p.chronic_care.diabetes_control.value, q.diabetes_control_logit),
        (cat.ASTHMA, 0.5, q.hypertension_control_logit),
        (cat.COPD, 0.5, q.hypertension_control_logit),
    ):
        idx = np.flatnonzero(diag[k] < NEVER)
        z = places.fac_quality[facility[k, idx]]
        controlled[k, idx] = rng.random(idx.size) < calibrated(target, effect * z)
    art_start = np.where(
        (diag[cat.HIV] < 0) & (rng.random(n) < p.hiv_care.linkage_to_art.value),
        diag[cat.HIV] + rng.integers(0, 30, n),
        NEVER,
    ).astype(np.int64)
    art_start = np.where(art_start < NEVER, np.minimum(art_start, -1), NEVER)
    return ConditionState(
        has=has,
        diag=diag,
        severity=severity,
        facility=facility,
        controlled=controlled,
        hiv_infected=hiv_infected,
        art_start=art_start,
    )
