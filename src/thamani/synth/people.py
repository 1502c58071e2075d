"""Households and people: ages from the pyramid, sex, area, wealth, phones, usual facilities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from thamani.synth.parameters import Parameters
from thamani.synth.places import Places
from thamani.synth.sampling import categorical, choose_in_groups

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class People:
    """People at the start, sorted by household (head first).

    birth: birth day relative to the start date (negative: born before).
    sex: 0 female, 1 male.
    household, area, quintile (1-5), phone_serial (-1: no phone).
    primary, hospital: usual facilities.
    hh_*: one entry per household (area, urban, poor, quintile, size, head person).
    """

    birth: I64
    sex: I64
    household: I64
    area: I64
    quintile: I64
    phone_serial: I64
    primary: I64
    hospital: I64
    hh_area: I64
    hh_urban: B
    hh_poor: B
    hh_quintile: I64
    hh_size: I64
    hh_head: I64

    @property
    def n(self) -> int:
        return int(self.birth.size)


def make_people(rng: np.random.Generator, p: Parameters, places: Places, n: int) -> People:
    pyr = p.demography.age_pyramid
    joint = np.array(pyr.female + pyr.male, dtype=np.float64)
    draw = categorical(rng, joint, n)
    sex = draw // 17
    band = draw % 17
    width = np.where(band == 16, 15.0, 5.0)
    age_days = ((band * 5 + rng.random(n) * width) * DAYS_PER_YEAR).astype(np.int64)

    # Households: one adult head each, everyone else joins a household at random.
    n_hh = max(1, round(n / p.demography.household_size_mean.value))
    adults = np.flatnonzero(age_days >= 18 * DAYS_PER_YEAR)
    n_hh = min(n_hh, max(adults.size, 1))
    heads = rng.choice(adults, size=n_hh, replace=False) if adults.size else np.arange(1)
    household = rng.integers(0, n_hh, size=n)
    household[heads] = np.arange(n_hh)
    is_head = np.zeros(n, dtype=bool)
    is_head[heads] = True
    area_share = places.area_population / places.area_population.sum()
    hh_area = categorical(rng, area_share.astype(np.float64), n_hh)
    urban_share = np.array([a.urban_share for a in p.areas.items])
    hh_urban = rng.random(n_hh) < urban_share[hh_area]

    # Wealth: a latent score, higher in towns; poverty line per area, quintiles county-wide.
    wealth = rng.standard_normal(n_hh) + p.demography.wealth_urban_shift.value * hh_urban
    poverty = np.array([a.poverty_rate for a in p.areas.items])
    hh_poor = np.zeros(n_hh, dtype=bool)
    for a in range(len(p.areas.items)):
        idx = np.flatnonzero(hh_area == a)
        if idx.size:
            line = np.quantile(wealth[idx], poverty[a])
            hh_poor[idx] = wealth[idx] < line
    cuts = np.quantile(wealth, [0.2, 0.4, 0.6, 0.8])
    hh_quintile = (np.searchsorted(cuts, wealth, side="right") + 1).astype(np.int64)

    # Order people by household, head first, then older before younger.
    order = np.lexsort((-age_days, ~is_head, household))
    sex, age_days, household = sex[order], age_days[order], household[order]
    hh_size = np.bincount(household, minlength=n_hh).astype(np.int64)
    hh_head = (np.cumsum(hh_size) - hh_size).astype(np.int64)
    area = hh_area[household]

    adult = age_days >= 18 * DAYS_PER_YEAR
    has_phone = adult & (rng.random(n) < p.demography.phone_ownership_adults.value)
    phone_serial = np.where(has_phone, np.cumsum(has_phone) - 1, -1).astype(np.int64)

    primary_ok = places.fac_level <= 1
    weight = np.where(primary_ok, places.fac_slots.astype(np.float64), 0.0)
    primary = choose_in_groups(rng, places.fac_area, weight, area)
    hosp_w = np.where(places.fac_level == 2, 1.0, 0.0)
    hospital = choose_in_groups(rng, places.fac_area, hosp_w, area)
    return People(
        birth=-age_days,
        sex=sex.astype(np.int64),
        household=household.astype(np.int64),
        area=area.astype(np.int64),
        quintile=hh_quintile[household],
        phone_serial=phone_serial,
        primary=primary,
        hospital=hospital,
        hh_area=hh_area.astype(np.int64),
        hh_urban=hh_urban,
        hh_poor=hh_poor,
        hh_quintile=hh_quintile,
        hh_size=hh_size,
        hh_head=hh_head,
    )


def phone_numbers(serial: I64) -> NDArray[np.str_]:
    """Synthetic numbers: '+2547000' and six or more digits, 13+ digits in all.

    A real Kenyan mobile number has 12 digits (+254 and nine), so these can never reach a
    subscriber. Empty for people without a phone.
    """
    width = max(6, len(str(int(serial.max(initial=0)))))
    digits = np.char.zfill(np.maximum(serial, 0).astype(str), width)
    out = np.char.add("+2547000", digits)
    return np.where(serial >= 0, out, "")
