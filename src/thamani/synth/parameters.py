"""The generator's parameters: one documented YAML file, parsed and checked here.

Every rate in the file carries the source it came from (``source:``); a rate without one,
a misspelt key or a value out of range is an ``InvalidInput`` naming the key. The default
file, ``kenya_county.yaml`` beside this module, describes a fictitious Kenyan county.
Pydantic lives only here, at the edge: the generator reads the validated model.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from thamani.errors import InvalidInput

AGE_BANDS = 17
"""Five-year bands 0-4 .. 75-79 and 80+."""

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Positive = Annotated[float, Field(ge=0.0)]
Source = Annotated[str, Field(min_length=3)]

LEVELS = ("dispensary", "health_centre", "sub_county_hospital", "county_referral_hospital")
STAFF_TYPES = (
    "medical_officer",
    "clinical_officer",
    "nurse",
    "lab_technician",
    "pharmacy_technician",
    "specialist",
    "community_health_worker",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rate(_Model):
    """A number with the source it comes from."""

    value: Positive
    source: Source


class ShareRate(_Model):
    """A share (0..1) with its source."""

    value: Share
    source: Source


class SignedRate(_Model):
    """A number that may be negative (a score threshold), with its source."""

    value: float
    source: Source


class Series(_Model):
    """A list of numbers with one source."""

    values: list[Positive]
    source: Source


class BySex(_Model):
    """Percentages by the 17 age bands, for men and women."""

    male: list[Annotated[float, Field(ge=0.0, le=100.0)]]
    female: list[Annotated[float, Field(ge=0.0, le=100.0)]]
    source: Source

    @model_validator(mode="after")
    def _bands(self) -> BySex:
        for name in ("male", "female"):
            if len(getattr(self, name)) != AGE_BANDS:
                raise ValueError(f"{name} needs {AGE_BANDS} values (age bands 0-4 .. 80+)")
        return self


class Region(_Model):
    name: str
    country: str
    currency: str
    start_date: dt.date


class Area(_Model):
    name: str
    population_share: Share
    urban_share: Share
    poverty_rate: Share
    malaria_risk: Share


class Areas(_Model):
    source: Source
    items: list[Area] = Field(min_length=1)


class Demography(_Model):
    age_pyramid: BySex
    household_size_mean: Rate
    crude_birth_rate_per_1000: Rate
    fertility_by_age_per_1000: Series
    mortality_per_1000: Series
    death_in_facility_share: ShareRate
    phone_ownership_adults: ShareRate
    wealth_urban_shift: Rate

    @model_validator(mode="after")
    def _lengths(self) -> Demography:
        if len(self.fertility_by_age_per_1000.values) != 7:
            raise ValueError("fertility_by_age_per_1000 needs 7 values (15-19 .. 45-49)")
        if len(self.mortality_per_1000.values) != AGE_BANDS:
            raise ValueError(f"mortality_per_1000 needs {AGE_BANDS} values")
        if self.household_size_mean.value < 1.0:
            raise ValueError("household_size_mean must be at least 1")
        return self


class Level(_Model):
    level: Literal["dispensary", "health_centre", "sub_county_hospital", "county_referral_hospital"]
    per_100k: Positive
    min_per_area: Annotated[int, Field(ge=0)]
    opening_hours_per_day: Annotated[int, Field(ge=1, le=24)]
    opening_days_per_week: Annotated[int, Field(ge=1, le=7)]
    beds: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]]
    outpatient_slots_per_day: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]]
    staff: dict[
        Literal[
            "medical_officer",
            "clinical_officer",
            "nurse",
            "lab_technician",
            "pharmacy_technician",
            "specialist",
            "community_health_worker",
        ],
        Positive,
    ]
    quality_mean: float
    cost_factor_mean: Annotated[float, Field(gt=0.0)]
    private_share: Share


class Facilities(_Model):
    source: Source
    quality_sd: Rate
    cost_factor_sd: Rate
    levels: list[Level]
    hospital_bypass_share: ShareRate

    @model_validator(mode="after")
    def _all_levels(self) -> Facilities:
        got = tuple(x.level for x in self.levels)
        if got != LEVELS:
            raise ValueError(f"levels must be listed once each, in order: {', '.join(LEVELS)}")
        if self.levels[1].min_per_area < 1 or self.levels[2].min_per_area < 1:
            raise ValueError(
                "every area needs a health centre and a sub-county hospital (min_per_area >= 1)"
            )
        return self


class Programmes(_Model):
    source: Source
    national_insurance_by_wealth_quintile: Series
    poor_subsidy_coverage: ShareRate
    voucher_quintiles: Rate
    voucher_uptake: ShareRate
    voucher_areas: list[str]
    voucher_accredited_quality_floor: SignedRate
    savings_share: ShareRate
    insurance_accredited_share: ShareRate


class Comorbidity(_Model):
    source: Source
    hypertension_given_diabetes_odds_ratio: Annotated[float, Field(gt=0.0)]
    depression_given_chronic_odds_ratio: Annotated[float, Field(gt=0.0)]
    copd_given_hiv_odds_ratio: Annotated[float, Field(gt=0.0)]


class Diagnosed(_Model):
    source: Source
    hiv: Share
    hypertension: Share
    diabetes: Share
    copd: Share
    asthma: Share


class NewDiagnosis(_Model):
    source: Source
    hypertension: Share
    diabetes: Share
    copd: Share
    asthma: Share


class ExcessMortality(_Model):
    source: Source
    hiv_unsuppressed: Positive
    copd_severe: Positive
    diabetes: Positive
    hypertension: Positive


class Conditions(_Model):
    hiv: BySex
    copd: BySex
    asthma: BySex
    hypertension: BySex
    diabetes: BySex
    depression: BySex
    comorbidity: Comorbidity
    diagnosed_share: Diagnosed
    new_diagnosis_per_year: NewDiagnosis
    hiv_incidence_per_1000: Rate
    copd_gold_grade_shares: Series
    excess_mortality_rate_ratio: ExcessMortality


class Maternity(_Model):
    anc_contacts_distribution: Series
    first_anc_week_mean: Rate
    first_anc_week_sd: Rate
    facility_delivery_rate: ShareRate
    caesarean_rate: ShareRate
    hospital_delivery_share: ShareRate
    postnatal_visit_rate: ShareRate
    stillbirth_per_1000: Rate
    neonatal_mortality_per_1000: Rate
    maternal_mortality_per_100k: Rate
    complication_rate: ShareRate
    wealth_effect_facility_delivery: Rate

    @model_validator(mode="after")
    def _checks(self) -> Maternity:
        if len(self.anc_contacts_distribution.values) != 9:
            raise ValueError("anc_contacts_distribution needs 9 shares (0 .. 8 contacts)")
        if self.caesarean_rate.value >= self.facility_delivery_rate.value:
            raise ValueError("caesarean_rate must be below facility_delivery_rate")
        return self


class HivCare(_Model):
    annual_test_rate: ShareRate
    linkage_to_art: ShareRate
    viral_suppression: ShareRate
    stable_on_multimonth_share: ShareRate
    loss_to_follow_up_per_year: ShareRate


class AirwayCare(_Model):
    review_interval_days: Rate
    review_attendance: ShareRate
    copd_exacerbations_per_year_by_grade: Series
    asthma_exacerbations_per_year: Rate
    severe_share: ShareRate
    admission_mortality: ShareRate
    spirometry_share: ShareRate


class ChronicCare(_Model):
    review_interval_days: Rate
    review_attendance: ShareRate
    hypertension_control: ShareRate
    diabetes_control: ShareRate
    complication_admissions_per_year: Rate


class Cause(_Model):
    name: str
    icd10: str
    child_share: Share
    adult_share: Share
    malaria: bool = False


class Causes(_Model):
    source: Source
    items: list[Cause] = Field(min_length=1)


class AcuteCare(_Model):
    visits_per_person_year: Series
    admission_share: ShareRate
    causes: Causes


class Specialty(_Model):
    name: str
    share: Share
    icd10: list[str] = Field(min_length=1)
    priority: list[Share]

    @model_validator(mode="after")
    def _five(self) -> Specialty:
        if len(self.priority) != 5:
            raise ValueError("priority needs 5 shares (P1a, P1b, P2, P3, P4)")
        return self


class Referrals(_Model):
    per_1000_per_year: Rate
    source: Source
    specialties: list[Specialty] = Field(min_length=1)


class Quality(_Model):
    source: Source
    viral_suppression_logit: float
    hypertension_control_logit: float
    diabetes_control_logit: float
    exacerbation_log_rate_ratio: float
    severe_exacerbation_logit: float
    stillbirth_log_rate_ratio: float
    neonatal_death_log_rate_ratio: float
    maternal_death_log_rate_ratio: float
    complication_logit: float
    retention_logit: float
    prom_shift_sd: float


class Tariffs(_Model):
    source: Source
    items: dict[str, tuple[Positive, Positive, Positive, Positive]]


class Parameters(_Model):
    """Everything the generator needs to know about the region it makes."""

    region: Region
    areas: Areas
    demography: Demography
    facilities: Facilities
    programmes: Programmes
    conditions: Conditions
    maternity: Maternity
    hiv_care: HivCare
    airway_care: AirwayCare
    chronic_care: ChronicCare
    acute_care: AcuteCare
    referrals: Referrals
    quality: Quality
    tariffs: Tariffs

    @model_validator(mode="after")
    def _cross(self) -> Parameters:
        names = [a.name for a in self.areas.items]
        for name in self.programmes.voucher_areas:
            if name not in names:
                raise ValueError(f"voucher area {name!r} is not one of the areas")
        if len(self.programmes.national_insurance_by_wealth_quintile.values) != 5:
            raise ValueError("national_insurance_by_wealth_quintile needs 5 values")
        if len(self.airway_care.copd_exacerbations_per_year_by_grade.values) != 4:
            raise ValueError("copd_exacerbations_per_year_by_grade needs 4 values")
        if len(self.conditions.copd_gold_grade_shares.values) != 4:
            raise ValueError("copd_gold_grade_shares needs 4 values")
        if len(self.acute_care.visits_per_person_year.values) != AGE_BANDS:
            raise ValueError(f"visits_per_person_year needs {AGE_BANDS} values")
        return self


DEFAULT_FILE = "kenya_county.yaml"


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def parse_parameters(text: str, origin: str = DEFAULT_FILE) -> Parameters:
    """Parse parameters from YAML text; ``InvalidInput`` names the faulty key."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise InvalidInput(f"parameters are not valid YAML: {e}", where=origin) from None
    if not isinstance(raw, dict):
        raise InvalidInput("parameters must be a YAML mapping", where=origin)
    try:
        return Parameters.model_validate(raw)
    except ValidationError as e:
        errors = e.errors()
        # A misspelt key also makes the intended key "missing": name the misspelling first.
        first = next((x for x in errors if x["type"] == "extra_forbidden"), errors[0])
        key = _where(tuple(first["loc"])) or "(top level)"
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown key (misspelt?)"
        elif first["type"] == "missing":
            msg = "required key is missing"
        raise InvalidInput(
            f"parameter {key}: {msg}",
            where=f"{origin}: {key}",
            code="invalid_parameters",
            details={"key": key, "errors": len(errors)},
        ) from None


def load_parameters(path: Path | None = None) -> Parameters:
    """The parameters in ``path``, or the default Kenyan county shipped with the package."""
    if path is None:
        text = resources.files("thamani.synth").joinpath(DEFAULT_FILE).read_text("utf-8")
        return parse_parameters(text, DEFAULT_FILE)
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise InvalidInput(f"cannot read parameters: {e.strerror}", where=str(path)) from None
    return parse_parameters(text, str(path))
