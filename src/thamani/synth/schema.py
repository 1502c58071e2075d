"""The shape of a generated region: every table, every column, what it means.

This is the boundary between the generator and whatever reads it (the Parquet, FHIR and
Synthea writers now; the loader that turns encounters into claims through the claims
room's batch path later). Identifiers are integers counted from 0 within one region; ``-1``
means "none" and missing dates are null. Money is in integer minor units (KES cents).

Column types:
  id      int64 identifier (or -1)
  int     a small integer (counts, minutes, scores)
  money   int64 minor units
  float   float64 (NaN when absent)
  bool    true or false
  date    calendar date (null when absent)
  code    a code from a fixed list (stored as an index with its labels; null when -1)
  text    free text
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column.

    name: column name.
    type: one of id, int, money, float, bool, date, code, text.
    description: what it holds.
    """

    name: str
    type: str
    description: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table.

    name: table (and file) name.
    description: what a row is.
    columns: the columns, in order.
    hidden: ground truth the platform would not know (kept apart for tests and analytics).
    """

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    hidden: bool = False


def _t(name: str, description: str, *cols: tuple[str, str, str], hidden: bool = False) -> TableSpec:
    return TableSpec(name, description, tuple(ColumnSpec(*c) for c in cols), hidden)


TABLES: tuple[TableSpec, ...] = (
    _t("areas", "A sub-county.",
       ("area_id", "id", "area number"),
       ("name", "text", "area name"),
       ("population", "int", "people living there at the start"),
       ("urban_share", "float", "share of households in urban places"),
       ("poverty_rate", "float", "share of households below the poverty line"),
       ("malaria_risk", "float", "malaria endemicity, 0 (none) to 1 (lake endemic)")),
    _t("facilities", "A health facility.",
       ("facility_id", "id", "facility number"),
       ("name", "text", "facility name"),
       ("area_id", "id", "where it is"),
       ("level", "code", "facility level (dispensary .. county_referral_hospital)"),
       ("keph_level", "int", "Kenya Essential Package for Health level (2-5)"),
       ("ownership", "code", "public, private or faith_based"),
       ("opening_hours_per_day", "int", "hours open a day"),
       ("opening_days_per_week", "int", "days open a week"),
       ("beds", "int", "inpatient beds"),
       ("outpatient_slots_per_day", "int", "outpatient consultations it can offer a day"),
       ("staff_medical_officer", "int", "medical officers"),
       ("staff_clinical_officer", "int", "clinical officers"),
       ("staff_nurse", "int", "nurses and midwives"),
       ("staff_lab_technician", "int", "laboratory technicians"),
       ("staff_pharmacy_technician", "int", "pharmacy technicians"),
       ("staff_specialist", "int", "specialists (obstetrician, physician, surgeon...)"),
       ("staff_community_health_worker", "int", "community health promoters attached")),
    _t("facility_profiles", "A facility's built-in quality and cost (ground truth).",
       ("facility_id", "id", "facility"),
       ("quality", "float", "quality score z (mean 0, sd 1); lower is worse care"),
       ("cost_factor", "float", "multiplier on activity time and optional items (>1 costs more)"),
       hidden=True),
    _t("programmes", "A programme that pays for care.",
       ("programme_id", "id", "programme number"),
       ("name", "text", "programme name"),
       ("kind", "code", "national_insurance, maternal_voucher, poor_subsidy, savings_only"),
       ("currency", "text", "ISO 4217 currency"),
       ("covers", "text", "what it pays for")),
    _t("accreditations", "A facility accredited by a programme.",
       ("facility_id", "id", "facility"),
       ("programme_id", "id", "programme")),
    _t("households", "A household.",
       ("household_id", "id", "household number"),
       ("area_id", "id", "where it lives"),
       ("urban", "bool", "in an urban place"),
       ("size", "int", "members at the start"),
       ("wealth_quintile", "int", "1 (poorest) to 5 (richest)"),
       ("poor", "bool", "below the poverty line"),
       ("head_person_id", "id", "the household head")),
    _t("people", "A person (members at the start and babies born during the years).",
       ("person_id", "id", "person number"),
       ("household_id", "id", "household"),
       ("area_id", "id", "area"),
       ("sex", "code", "female or male"),
       ("birth_date", "date", "date of birth"),
       ("phone", "text", "synthetic phone number (never a real subscriber) or empty"),
       ("wealth_quintile", "int", "household wealth quintile"),
       ("primary_facility_id", "id", "usual primary-care facility"),
       ("hospital_id", "id", "usual hospital"),
       ("mother_id", "id", "mother, for babies born during the years, else -1"),
       ("death_date", "date", "date of death, null if alive at the end")),
    _t("enrolments", "A person enrolled in a programme for a period.",
       ("enrolment_id", "id", "enrolment number"),
       ("person_id", "id", "member"),
       ("programme_id", "id", "programme"),
       ("household_id", "id", "household covered"),
       ("member_number", "text", "programme's member number"),
       ("role", "code", "principal or dependant"),
       ("start_date", "date", "first day covered"),
       ("end_date", "date", "last day covered")),
    _t("conditions", "A chronic condition of a person (diagnosed or not yet).",
       ("person_id", "id", "person"),
       ("condition", "code", "hiv, copd, asthma, hypertension, diabetes, depression"),
       ("icd10", "code", "ICD-10 code"),
       ("onset_date", "date", "date of diagnosis (null if never diagnosed in the years)"),
       ("diagnosed", "bool", "diagnosed by the end"),
       ("severity", "int", "COPD GOLD 1-4, asthma step 1-3, hypertension stage 1-2, "
        "diabetes 1 oral 2 insulin, else 0"),
       ("controlled", "bool", "on treatment and controlled (HIV suppressed) (ground truth)"),
       ("facility_id", "id", "facility that manages it, -1 if none")),
    _t("pregnancies", "A pregnancy that ends in the years.",
       ("pregnancy_id", "id", "pregnancy number"),
       ("person_id", "id", "mother"),
       ("conception_date", "date", "estimated conception"),
       ("delivery_date", "date", "delivery"),
       ("gestation_weeks", "int", "completed weeks at delivery"),
       ("anc_contacts", "int", "antenatal contacts planned"),
       ("place", "code", "home or facility"),
       ("mode", "code", "vaginal or caesarean"),
       ("facility_id", "id", "facility of delivery, -1 at home"),
       ("outcome", "code", "live_birth or stillbirth"),
       ("complication_icd10", "code", "complication, null if none"),
       ("baby_person_id", "id", "the baby (live birth), else -1"),
       ("voucher", "bool", "covered by the maternal voucher")),
    _t("encounters", "A contact with a facility: one claim's worth of care.",
       ("encounter_id", "id", "encounter number (in date order)"),
       ("person_id", "id", "patient"),
       ("facility_id", "id", "where"),
       ("programme_id", "id", "programme expected to pay; -1 out of pocket"),
       ("start_date", "date", "first day"),
       ("end_date", "date", "last day (discharge)"),
       ("encounter_class", "code", "outpatient, inpatient, emergency, antenatal, delivery, "
        "community_outreach"),
       ("kind", "code", "what it was for"),
       ("care_cycle", "code", "maternity, hiv, airway, cardiometabolic, acute, "
        "specialist_referral"),
       ("pregnancy_id", "id", "pregnancy, for maternity care, else -1"),
       ("primary_icd10", "code", "main diagnosis"),
       ("cost", "money", "total at tariff (KES cents)"),
       ("minutes", "int", "staff minutes, all types")),
    _t("diagnoses", "A diagnosis on an encounter (sequence 1 is the main one).",
       ("encounter_id", "id", "encounter"),
       ("sequence", "int", "1, 2, ..."),
       ("icd10", "code", "ICD-10 code (WHO 2019)")),
    _t("lines", "A service, medicine or laboratory test on an encounter, at tariff.",
       ("encounter_id", "id", "encounter"),
       ("line_no", "int", "1, 2, ... within the encounter"),
       ("item_kind", "code", "service, medicine or lab"),
       ("item", "code", "local item code (the tariff's key)"),
       ("standard_code", "code", "ATC for medicines, LOINC for labs, empty for services"),
       ("quantity", "int", "units"),
       ("unit_price", "money", "tariff per unit at the facility's level (KES cents)"),
       ("amount", "money", "quantity x unit price (KES cents)")),
    _t("observations", "A laboratory result or vital sign.",
       ("encounter_id", "id", "encounter"),
       ("person_id", "id", "patient"),
       ("date", "date", "when"),
       ("loinc", "code", "LOINC code"),
       ("value", "float", "numeric result, NaN for a qualitative one"),
       ("unit", "code", "UCUM unit"),
       ("result", "code", "qualitative result (positive, negative, blood group), "
        "empty if numeric")),
    _t("activity", "Staff time an encounter took (for time-driven activity-based costing).",
       ("encounter_id", "id", "encounter"),
       ("staff", "code", "staff type"),
       ("minutes", "int", "minutes")),
    _t("prom_responses", "A completed patient-reported outcome measure.",
       ("response_id", "id", "response number"),
       ("encounter_id", "id", "encounter where it was collected"),
       ("person_id", "id", "patient"),
       ("date", "date", "when"),
       ("instrument", "code", "CAT, mMRC, ACT, PHQ-9, EQ-5D-5L"),
       ("time_point", "code", "baseline, follow_up, antenatal_booking, "
        "six_weeks_postpartum, annual"),
       ("score", "int", "total (CAT 0-40, mMRC 0-4, ACT 5-25, PHQ-9 0-27); -1 for EQ-5D-5L"),
       ("profile", "text", "EQ-5D-5L five-digit profile, else empty"),
       ("vas", "int", "EQ VAS 0-100, else -1")),
    _t("prom_items", "One answer of a PROM response.",
       ("response_id", "id", "response"),
       ("item", "int", "item number from 1"),
       ("value", "int", "answer (item scale of the instrument)")),
    _t("referrals", "A referral to a specialist waiting list.",
       ("referral_id", "id", "referral number"),
       ("encounter_id", "id", "encounter that referred"),
       ("person_id", "id", "patient"),
       ("referral_date", "date", "the clock starts"),
       ("referring_facility_id", "id", "from"),
       ("receiving_facility_id", "id", "to (the hospital holding the list)"),
       ("specialty", "code", "specialty of the list"),
       ("priority", "code", "clinical priority P1a, P1b, P2, P3, P4"),
       ("icd10", "code", "reason")),
    _t("deaths", "A death during the years.",
       ("person_id", "id", "person"),
       ("death_date", "date", "date"),
       ("age_years", "int", "age in completed years"),
       ("cause_icd10", "code", "underlying cause"),
       ("place", "code", "community or facility"),
       ("facility_id", "id", "facility, -1 in the community")),
)  # fmt: skip

TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)


def spec(name: str) -> TableSpec:
    """The spec of a table by name."""
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(name)
