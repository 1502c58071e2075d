"""Areas, facilities (with their hidden quality and cost) and programmes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.parameters import Parameters

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]

PROGRAMMES: tuple[tuple[str, int, str], ...] = (
    ("Social Health Authority (national insurance)", cat.INSURANCE,
     "outpatient, inpatient, maternity and chronic care at contracted facilities"),
    ("Mama Bora maternal voucher", cat.VOUCHER,
     "antenatal care, delivery and postnatal care for voucher holders (donor funded)"),
    ("County subsidy for poor households", cat.SUBSIDY,
     "the national insurance benefit package, premiums paid by the county government"),
    ("Afya health savings wallet", cat.SAVINGS,
     "nothing: members pay from their own earmarked savings at any facility"),
)  # fmt: skip
"""Programme name, kind and what it pays for; programme_id is the position."""


@dataclass(frozen=True, slots=True)
class Places:
    """The region's areas and facilities.

    area_population: people per area at the start.
    fac_*: one entry per facility (area, level 0-3, hidden quality z and cost factor,
        ownership, beds, daily outpatient slots, opening hours and days, staff by type).
    accredited: facility x programme, true where the programme pays that facility.
    names: facility names.
    county_hospital: the county referral hospital's facility id.
    """

    area_population: I64
    fac_area: I64
    fac_level: I64
    fac_quality: F64
    fac_cost: F64
    fac_ownership: I64
    fac_beds: I64
    fac_slots: I64
    fac_hours: I64
    fac_days: I64
    fac_staff: I64
    accredited: B
    names: tuple[str, ...]
    county_hospital: int


def _area_counts(shares: F64, n: int) -> I64:
    """People per area: largest-remainder rounding of the shares (sums to n exactly)."""
    raw = shares / shares.sum() * n
    base = np.floor(raw).astype(np.int64)
    rest = n - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return np.asarray(base, dtype=np.int64)


def _staff(staff: Mapping[Any, float], kind: str) -> float:
    return float(staff.get(kind, 0.0))


def make_places(rng: np.random.Generator, p: Parameters, people: int) -> Places:
    areas = p.areas.items
    shares = np.array([a.population_share for a in areas])
    pop = _area_counts(shares, people)
    capital = int(np.argmax(shares))
    fac_area_l: list[int] = []
    fac_level_l: list[int] = []
    names: list[str] = []
    for lv, spec in enumerate(p.facilities.levels):
        for ai, area in enumerate(areas):
            n = max(spec.min_per_area, round(spec.per_100k * pop[ai] / 100_000))
            if lv == 3:
                n = 1 if ai == capital else 0
            title = cat.LEVELS[lv].replace("_", " ").title()
            for k in range(n):
                fac_area_l.append(ai)
                fac_level_l.append(lv)
                names.append(
                    f"{area.name} County Referral Hospital"
                    if lv == 3
                    else f"{area.name} {title} {k + 1}"
                )
    fac_area = np.array(fac_area_l, dtype=np.int64)
    fac_level = np.array(fac_level_l, dtype=np.int64)
    n_fac = fac_area.size
    levels = p.facilities.levels
    qmean = np.array([lv.quality_mean for lv in levels])[fac_level]
    quality = qmean + p.facilities.quality_sd.value * rng.standard_normal(n_fac)
    cmean = np.array([lv.cost_factor_mean for lv in levels])[fac_level]
    sd = p.facilities.cost_factor_sd.value
    cost = cmean * np.exp(sd * rng.standard_normal(n_fac) - sd * sd / 2)
    private = rng.random(n_fac) < np.array([lv.private_share for lv in levels])[fac_level]
    faith = (~private) & (rng.random(n_fac) < 0.15) & (fac_level < 3)
    ownership = np.where(private, 1, np.where(faith, 2, 0)).astype(np.int64)

    def span(lo_hi: list[tuple[int, int]]) -> I64:
        lo = np.array([a for a, _ in lo_hi])[fac_level]
        hi = np.array([b for _, b in lo_hi])[fac_level]
        return np.asarray(lo + np.floor(rng.random(n_fac) * (hi - lo + 1)), dtype=np.int64)

    beds = span([lv.beds for lv in levels])
    slots = span([lv.outpatient_slots_per_day for lv in levels])
    hours = np.array([lv.opening_hours_per_day for lv in levels], dtype=np.int64)[fac_level]
    days = np.array([lv.opening_days_per_week for lv in levels], dtype=np.int64)[fac_level]
    staff_mean = np.array(
        [[_staff(lv.staff, s) for s in cat.STAFF] for lv in levels], dtype=np.float64
    )[fac_level]
    staff = rng.poisson(staff_mean * np.exp(0.2 * rng.standard_normal(staff_mean.shape)))
    staff[:, cat.NURSE] = np.maximum(staff[:, cat.NURSE], 1)
    staff = staff.astype(np.int64)

    acc = np.zeros((n_fac, len(PROGRAMMES)), dtype=bool)
    pr = p.programmes
    acc[:, cat.INSURANCE] = (fac_level >= 2) | (
        rng.random(n_fac) < pr.insurance_accredited_share.value
    )
    acc[:, cat.SUBSIDY] = acc[:, cat.INSURANCE]
    acc[:, cat.VOUCHER] = quality >= pr.voucher_accredited_quality_floor.value
    acc[:, cat.SAVINGS] = True
    county = int(np.flatnonzero(fac_level == 3)[0])
    return Places(
        area_population=pop,
        fac_area=fac_area,
        fac_level=fac_level,
        fac_quality=quality,
        fac_cost=cost,
        fac_ownership=ownership,
        fac_beds=beds,
        fac_slots=slots,
        fac_hours=hours,
        fac_days=days,
        fac_staff=staff,
        accredited=acc,
        names=tuple(names),
        county_hospital=county,
    )
