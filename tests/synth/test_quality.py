"""Facilities of worse (hidden) quality really produce worse outcomes."""

from __future__ import annotations

import numpy as np

from thamani.synth import Region


def _quality_of_encounters(county: Region, encounter_ids: np.ndarray) -> np.ndarray:
    quality = county["facility_profiles"]["quality"]
    return quality[county["encounters"]["facility_id"][encounter_ids]]


def _split(county: Region, encounter_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of worse (below median quality) and better facilities."""
    q = _quality_of_encounters(county, encounter_ids)
    median = float(np.median(county["facility_profiles"]["quality"]))
    return q < median, q >= median


def _differs(worse: np.ndarray, better: np.ndarray, z: float = 2.5) -> float:
    """(mean worse - mean better) / standard error; positive means worse is higher."""
    se = np.sqrt(worse.var(ddof=1) / worse.size + better.var(ddof=1) / better.size)
    return float((worse.mean() - better.mean()) / se) if se > 0 else 0.0


def test_viral_suppression_is_lower_at_worse_facilities(county: Region) -> None:
    obs = county["observations"]
    vl = obs["loinc"] == obs.column("loinc").labels.index("20447-9")
    suppressed = (obs["value"][vl] < 1000).astype(float)
    worse, better = _split(county, obs["encounter_id"][vl])
    assert worse.sum() > 50
    assert better.sum() > 50
    assert _differs(suppressed[worse], suppressed[better]) < -2.5


def test_proms_are_worse_at_worse_facilities(county: Region) -> None:
    pr = county["prom_responses"]
    instrument = pr.column("instrument").decoded()
    eq = instrument == "EQ-5D-5L"
    worse, better = _split(county, pr["encounter_id"][eq])
    vas = pr["vas"][eq].astype(float)
    assert _differs(vas[worse], vas[better]) < -2.5
    phq = instrument == "PHQ-9"
    worse, better = _split(county, pr["encounter_id"][phq])
    score = pr["score"][phq].astype(float)
    assert _differs(score[worse], score[better]) > 2.5


def test_exacerbations_are_more_often_severe_at_worse_facilities(params: object) -> None:
    from thamani.synth import generate, load_parameters

    region = generate(load_parameters(), 60_000, 1, 3)
    conditions = region["conditions"]
    airway = np.isin(conditions.column("condition").decoded(), ["copd", "asthma"])
    fac = conditions["facility_id"][airway & conditions["diagnosed"]]
    quality = region["facility_profiles"]["quality"]
    median = float(np.median(quality))
    kind = region["encounters"].column("kind").decoded()
    person = region["encounters"]["person_id"]
    exac = np.isin(kind, ["exacerbation_moderate", "exacerbation_admission"])
    severe = (kind == "exacerbation_admission")[exac].astype(float)
    # Attribute each exacerbation to the facility that manages the person's airway disease.
    manager = np.full(len(region["people"]), -1)
    manager[conditions["person_id"][airway & conditions["diagnosed"]]] = fac
    q = quality[manager[person[exac]]]
    worse, better = q < median, q >= median
    assert _differs(severe[worse], severe[better]) > 2.0
