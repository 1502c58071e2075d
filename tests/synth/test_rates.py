"""Generated rates fall within tolerance of the parameters that drive them."""

from __future__ import annotations

import numpy as np
import pytest

from thamani.synth import Parameters, Region
from thamani.synth.parameters import BySex

from .conftest import PEOPLE


def _age_years(county: Region) -> np.ndarray:
    people = county["people"]
    start = np.datetime64(county.info.start_date, "D")
    return ((start - people["birth_date"]).astype(np.int64) // 365).astype(np.int64)


def _expected(table: BySex, county: Region, members: np.ndarray) -> float:
    """Prevalence the parameter table implies for these people (by their age and sex)."""
    people = county["people"]
    band = np.clip(_age_years(county)[members] // 5, 0, 16)
    t = np.array([table.female, table.male]) / 100.0
    return float(t[people["sex"][members], band].mean())


def _prevalence(county: Region, condition: str, members: np.ndarray) -> float:
    cond = county["conditions"]
    labels = cond.column("condition").labels
    who = cond["person_id"][cond["condition"] == labels.index(condition)]
    return float(np.isin(members, who).mean())


def test_births_follow_the_crude_birth_rate(county: Region, params: Parameters) -> None:
    births = int((county["pregnancies"].column("outcome").decoded() == "live_birth").sum())
    deliveries = len(county["pregnancies"])
    rate = deliveries / PEOPLE * 1000
    assert rate == pytest.approx(params.demography.crude_birth_rate_per_1000.value, rel=0.12)
    assert births < deliveries


@pytest.mark.parametrize(
    ("condition", "lo", "hi"),
    [("hiv", 15, 49), ("copd", 40, 120), ("asthma", 0, 120), ("hypertension", 18, 120),
     ("diabetes", 18, 120)],
)  # fmt: skip
def test_prevalence_matches_the_parameters(
    county: Region, params: Parameters, condition: str, lo: int, hi: int
) -> None:
    age = _age_years(county)
    present = np.flatnonzero(county["people"]["mother_id"] < 0)
    members = present[(age[present] >= lo) & (age[present] <= hi)]
    expected = _expected(getattr(params.conditions, condition), county, members)
    got = _prevalence(county, condition, members)
    if condition == "hiv":
        expected += 0.002  # new infections during the year
    se = np.sqrt(expected * (1 - expected) / members.size)
    assert abs(got - expected) < max(4 * se, 0.1 * expected), (condition, got, expected)


def test_hiv_prevalence_is_near_the_unaids_figure(county: Region) -> None:
    age = _age_years(county)
    present = np.flatnonzero(county["people"]["mother_id"] < 0)
    adults = present[(age[present] >= 15) & (age[present] <= 49)]
    assert 0.025 < _prevalence(county, "hiv", adults) < 0.045


def test_facility_delivery_and_caesarean_rates(county: Region, params: Parameters) -> None:
    preg = county["pregnancies"]
    n = len(preg)
    facility = float((preg.column("place").decoded() == "facility").mean())
    caesarean = float((preg.column("mode").decoded() == "caesarean").mean())
    m = params.maternity
    assert facility == pytest.approx(m.facility_delivery_rate.value, abs=4 * np.sqrt(0.15 / n))
    assert caesarean == pytest.approx(m.caesarean_rate.value, abs=4 * np.sqrt(0.14 / n))
    at_home = preg.column("place").decoded() == "home"
    assert not (at_home & (preg.column("mode").decoded() == "caesarean")).any()


def _viral_loads(county: Region) -> tuple[np.ndarray, np.ndarray]:
    obs = county["observations"]
    vl = obs["loinc"] == obs.column("loinc").labels.index("20447-9")
    enc = county["encounters"]
    return obs["value"][vl], enc["facility_id"][obs["encounter_id"][vl]]


def test_viral_suppression_matches_the_parameter(county: Region, params: Parameters) -> None:
    values, _ = _viral_loads(county)
    assert values.size > 200
    suppressed = float((values < 1000).mean())
    target = params.hiv_care.viral_suppression.value
    assert suppressed == pytest.approx(target, abs=4 * np.sqrt(target * (1 - target) / values.size))


def test_antenatal_coverage(county: Region) -> None:
    anc = county["pregnancies"]["anc_contacts"]
    assert float((anc >= 1).mean()) == pytest.approx(0.98, abs=0.03)
    assert float((anc >= 4).mean()) == pytest.approx(0.66, abs=0.06)


def test_deaths_are_plausible(county: Region) -> None:
    crude = len(county["deaths"]) / PEOPLE * 1000
    assert 3.0 < crude < 11.0


def test_deaths_follow_the_life_table(county: Region, params: Parameters) -> None:
    """Background deaths of the people present at the start match the life table."""
    m = np.array(params.demography.mortality_per_1000.values) / 1000.0
    present = county["people"]["mother_id"] < 0
    band = np.clip(_age_years(county)[present] // 5, 0, 16)
    expected = float(m[band].sum())
    deaths = county["deaths"]
    causes = deaths.column("cause_icd10").decoded()
    background = present[deaths["person_id"]] & ~np.isin(causes, ["O95", "J46", "J44.9"])
    got = int(background.sum())
    assert abs(got - expected) < 4 * np.sqrt(expected) + 0.1 * expected, (got, expected)
