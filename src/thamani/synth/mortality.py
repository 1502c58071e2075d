"""Deaths: background mortality by age with excess for conditions, and the death register.

Stages that kill (childbirth, a severe exacerbation) record into the same ``DeathRegister``;
the earliest death of a person stands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.conditions import ConditionState
from thamani.synth.parameters import Parameters
from thamani.synth.sampling import NEVER, YEAR, age_band

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


@dataclass(slots=True)
class DeathRegister:
    """Who dies when, of what and where (one entry per person; mutable while generating).

    day: day of death (NEVER if alive at the end).
    cause: ICD-10 index of the underlying cause (-1 if alive).
    facility: facility of death (-1 in the community or alive).
    """

    day: I64
    cause: I64
    facility: I64

    @classmethod
    def empty(cls, n: int) -> DeathRegister:
        return cls(
            np.full(n, NEVER, dtype=np.int64),
            np.full(n, -1, dtype=np.int64),
            np.full(n, -1, dtype=np.int64),
        )

    def extend(self, n: int) -> None:
        """Room for ``n`` more people (babies)."""
        more = DeathRegister.empty(n)
        self.day = np.concatenate([self.day, more.day])
        self.cause = np.concatenate([self.cause, more.cause])
        self.facility = np.concatenate([self.facility, more.facility])

    def record(self, person: I64, day: I64, cause: I64, facility: I64) -> None:
        """Record deaths; a person's earliest death stands."""
        if person.size == 0:
            return
        order = np.lexsort((day, person))
        person, day, cause, facility = person[order], day[order], cause[order], facility[order]
        first = np.ones(person.size, dtype=bool)
        first[1:] = person[1:] != person[:-1]
        person, day, cause, facility = person[first], day[first], cause[first], facility[first]
        earlier = day < self.day[person]
        p = person[earlier]
        self.day[p] = day[earlier]
        self.cause[p] = cause[earlier]
        self.facility[p] = facility[earlier]


def background_deaths(
    rng: np.random.Generator,
    p: Parameters,
    birth: I64,
    excess: F64,
    excess_cause: I64,
    years: int,
    hospital: I64,
) -> tuple[I64, I64, I64, I64]:
    """Deaths from age (and the excess of conditions) over the years.

    ``excess`` multiplies each person's age-specific rate, normalised to mean 1 within each
    age band: the life table already holds the deaths that conditions cause, so the county's
    deaths stay at the life table's rates while the people with conditions die more of
    them. The excess share of a death is attributed to ``excess_cause``. Returns (person,
    day, cause ICD index, facility).
    """
    m = np.array(p.demography.mortality_per_1000.values) / 1000.0
    n = birth.size
    band0 = age_band(np.maximum(-birth, 0))
    per_band = np.bincount(band0, weights=excess, minlength=17)
    count = np.maximum(np.bincount(band0, minlength=17), 1)
    excess = excess / np.where(per_band > 0, per_band / count, 1.0)[band0]
    alive = np.ones(n, dtype=bool)
    out_p, out_d = [], []
    for y in range(years):
        start = y * YEAR
        age = np.maximum(start - birth, 0)
        present = alive & (birth < start + YEAR)
        hazard = m[age_band(age)] * excess
        exposure = (start + YEAR - np.maximum(birth, start)) / YEAR
        dies = present & (rng.random(n) < 1.0 - np.exp(-hazard * exposure))
        lo = np.maximum(birth, start)
        day = lo + (rng.random(n) * (start + YEAR - lo)).astype(np.int64)
        idx = np.flatnonzero(dies)
        out_p.append(idx)
        out_d.append(day[idx])
        alive &= ~dies
    person = np.concatenate(out_p) if out_p else np.zeros(0, dtype=np.int64)
    day = np.concatenate(out_d) if out_d else np.zeros(0, dtype=np.int64)
    share_excess = np.clip(1.0 - 1.0 / np.maximum(excess[person], 1e-9), 0.0, 1.0)
    age_years = (day - birth[person]) // 365
    base_cause = np.where(age_years >= 60, cat.icd("I64"), cat.icd("R99"))
    cause = np.where(rng.random(person.size) < share_excess, excess_cause[person], base_cause)
    in_facility = rng.random(person.size) < p.demography.death_in_facility_share.value
    facility = np.where(in_facility, hospital[person], -1)
    return person.astype(np.int64), day.astype(np.int64), cause.astype(np.int64), facility


def condition_excess(p: Parameters, cs: ConditionState) -> tuple[F64, I64]:
    """Each person's mortality rate ratio from their conditions, and the main cause."""
    rr = p.conditions.excess_mortality_rate_ratio
    n = cs.has.shape[1]
    excess = np.ones(n)
    cause = np.full(n, cat.icd("R99"), dtype=np.int64)
    hiv_bad = cs.has[cat.HIV] & (cs.hiv_infected < 0) & ~cs.controlled[cat.HIV]
    terms = (
        (cs.has[cat.HYPERTENSION] & ~cs.controlled[cat.HYPERTENSION], rr.hypertension, "I64"),
        (cs.has[cat.DIABETES] & ~cs.controlled[cat.DIABETES], rr.diabetes, "E11.9"),
        (cs.has[cat.COPD] & (cs.severity[cat.COPD] >= 3), rr.copd_severe, "J44.9"),
        (hiv_bad, rr.hiv_unsuppressed, "B24"),
    )
    best = np.ones(n)
    for mask, ratio, code in terms:
        excess = np.where(mask, excess * ratio, excess)
        take = mask & (ratio > best)
        cause = np.where(take, cat.icd(code), cause)
        best = np.where(take, ratio, best)
    return excess, cause
