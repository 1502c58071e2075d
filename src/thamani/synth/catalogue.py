"""The clinical catalogue the generator draws from: codes, encounter kinds and their content.

Code lists are constants (tuples), not parameters: ICD-10 codes from the WHO 2019 edition,
LOINC codes for laboratory results and vital signs, local item codes for services and
medicines (with ATC codes for the medicines). What each kind of encounter contains (the
services and medicines on its claim, the staff minutes it takes) is written here once;
prices come from the tariff in the parameters file.

Generated arrays hold small integer indices into these tuples; the writers turn them back
into codes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

SEXES = ("female", "male")
LEVELS = ("dispensary", "health_centre", "sub_county_hospital", "county_referral_hospital")
KEPH_LEVEL = (2, 3, 4, 5)
"""Kenya Essential Package for Health level of each facility level."""
OWNERSHIPS = ("public", "private", "faith_based")
STAFF = (
    "medical_officer",
    "clinical_officer",
    "nurse",
    "lab_technician",
    "pharmacy_technician",
    "specialist",
    "community_health_worker",
)
MO, CO, NURSE, LAB, PHARM, SPEC, CHW = range(len(STAFF))

ENCOUNTER_CLASSES = (
    "outpatient",
    "inpatient",
    "emergency",
    "antenatal",
    "delivery",
    "community_outreach",
)
OUTPATIENT, INPATIENT, EMERGENCY, ANTENATAL, DELIVERY, COMMUNITY = range(6)

CONDITIONS = ("hiv", "copd", "asthma", "hypertension", "diabetes", "depression")
HIV, COPD, ASTHMA, HYPERTENSION, DIABETES, DEPRESSION = range(len(CONDITIONS))

CARE_CYCLES = ("maternity", "hiv", "airway", "cardiometabolic", "acute", "specialist_referral")
C_MATERNITY, C_HIV, C_AIRWAY, C_CARDIOMETABOLIC, C_ACUTE, C_REFERRAL = range(6)

PRIORITIES = ("P1a", "P1b", "P2", "P3", "P4")
PROGRAMME_KINDS = ("national_insurance", "maternal_voucher", "poor_subsidy", "savings_only")
INSURANCE, VOUCHER, SUBSIDY, SAVINGS = range(4)
SELF_PAY = -1
ROLES = ("principal", "dependant")
DELIVERY_PLACES = ("home", "facility")
DELIVERY_MODES = ("vaginal", "caesarean")
BIRTH_OUTCOMES = ("live_birth", "stillbirth")
DEATH_PLACES = ("community", "facility")

# ---------------------------------------------------------------- ICD-10 (WHO 2019)
ICD10: tuple[tuple[str, str], ...] = (
    ("Z34.9", "Supervision of normal pregnancy, unspecified"),
    ("Z35.9", "Supervision of high-risk pregnancy, unspecified"),
    ("O80.9", "Single spontaneous delivery, unspecified"),
    ("O82.0", "Delivery by elective caesarean section"),
    ("O82.1", "Delivery by emergency caesarean section"),
    ("Z37.0", "Single live birth"),
    ("Z37.1", "Single stillbirth"),
    ("O72.1", "Other immediate postpartum haemorrhage"),
    ("O14.9", "Pre-eclampsia, unspecified"),
    ("O66.9", "Obstructed labour, unspecified"),
    ("Z39.2", "Routine postpartum follow-up"),
    ("O95", "Obstetric death of unspecified cause"),
    ("P96.9", "Condition originating in the perinatal period, unspecified"),
    ("O98.7", "HIV disease complicating pregnancy, childbirth and the puerperium"),
    ("Z11.4", "Special screening examination for HIV"),
    ("Z21", "Asymptomatic HIV infection status"),
    ("B24", "Unspecified HIV disease"),
    ("J44.9", "Chronic obstructive pulmonary disease, unspecified"),
    ("J44.1", "COPD with acute exacerbation, unspecified"),
    ("J45.9", "Asthma, unspecified"),
    ("J46", "Status asthmaticus"),
    ("I10", "Essential (primary) hypertension"),
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("E11.6", "Type 2 diabetes mellitus with other specified complications"),
    ("I64", "Stroke, not specified as haemorrhage or infarction"),
    ("I50.9", "Heart failure, unspecified"),
    ("F32.9", "Depressive episode, unspecified"),
    ("B50.9", "Plasmodium falciparum malaria, unspecified"),
    ("B50.8", "Other severe and complicated Plasmodium falciparum malaria"),
    ("J06.9", "Acute upper respiratory infection, unspecified"),
    ("J18.9", "Pneumonia, unspecified"),
    ("A09.9", "Gastroenteritis and colitis of unspecified origin"),
    ("L08.9", "Local infection of skin and subcutaneous tissue, unspecified"),
    ("N39.0", "Urinary tract infection, site not specified"),
    ("B82.9", "Intestinal parasitism, unspecified"),
    ("T14.9", "Injury, unspecified"),
    ("M54.5", "Low back pain"),
    ("K02.9", "Dental caries, unspecified"),
    ("H10.9", "Conjunctivitis, unspecified"),
    ("A01.0", "Typhoid fever"),
    ("K29.7", "Gastritis, unspecified"),
    ("K40.9", "Unilateral or unspecified inguinal hernia"),
    ("K80.2", "Calculus of gallbladder without cholecystitis"),
    ("K35.8", "Acute appendicitis, other and unspecified"),
    ("N40", "Hyperplasia of prostate"),
    ("D25.9", "Leiomyoma of uterus, unspecified"),
    ("N81.9", "Female genital prolapse, unspecified"),
    ("N95.0", "Postmenopausal bleeding"),
    ("H25.9", "Senile cataract, unspecified"),
    ("H52.1", "Myopia"),
    ("M17.9", "Gonarthrosis, unspecified"),
    ("M19.9", "Arthrosis, unspecified"),
    ("H66.9", "Otitis media, unspecified"),
    ("J03.9", "Acute tonsillitis, unspecified"),
    ("N18.9", "Chronic kidney disease, unspecified"),
    ("I25.9", "Chronic ischaemic heart disease, unspecified"),
    ("R99", "Other ill-defined and unspecified causes of mortality"),
)
ICD10_CODES: tuple[str, ...] = tuple(c for c, _ in ICD10)


def icd(code: str) -> int:
    """Index of an ICD-10 code in the catalogue (ValueError for a code not in it)."""
    return ICD10_CODES.index(code)


CONDITION_ICD10 = ("B24", "J44.9", "J45.9", "I10", "E11.9", "F32.9")
"""The diagnosis code recorded for each chronic condition (order of CONDITIONS)."""
CONDITION_ICD10_INDEX: tuple[int, ...] = tuple(icd(c) for c in CONDITION_ICD10)

# ---------------------------------------------------------------- items on a claim
SERVICE, MEDICINE, LAB_TEST = 0, 1, 2
ITEM_KINDS = ("service", "medicine", "lab")


@dataclass(frozen=True, slots=True)
class Item:
    """A billable item.

    code: local item code (the tariff's key).
    kind: SERVICE, MEDICINE or LAB_TEST.
    description: what it is, for people.
    standard: the standard code beside the local one: ATC for a medicine, LOINC for a
        laboratory test, "" for a service.
    """

    code: str
    kind: int
    description: str
    standard: str = ""


ITEMS: tuple[Item, ...] = (
    Item("SVC-OPD-CONSULT", SERVICE, "Outpatient consultation"),
    Item("SVC-ANC-VISIT", SERVICE, "Antenatal care contact"),
    Item("SVC-NORMAL-DELIVERY", SERVICE, "Normal delivery package"),
    Item("SVC-CAESAREAN", SERVICE, "Caesarean section package"),
    Item("SVC-PNC-VISIT", SERVICE, "Postnatal care contact"),
    Item("SVC-HIV-COUNSEL-TEST", SERVICE, "HIV counselling and testing"),
    Item("SVC-ART-VISIT", SERVICE, "Antiretroviral therapy clinic visit"),
    Item("SVC-CHRONIC-REVIEW", SERVICE, "Chronic disease clinic review"),
    Item("SVC-SPIROMETRY", SERVICE, "Spirometry"),
    Item("SVC-NEBULISATION", SERVICE, "Nebulisation"),
    Item("SVC-OXYGEN-DAY", SERVICE, "Oxygen therapy, per day"),
    Item("SVC-INPATIENT-DAY", SERVICE, "Inpatient bed day"),
    Item("SVC-EMERGENCY", SERVICE, "Emergency department attendance"),
    Item("SVC-SPECIALIST-REFERRAL", SERVICE, "Referral consultation"),
    Item("SVC-PERINEAL-REPAIR", SERVICE, "Repair of perineal tear"),
    Item("SVC-BLOOD-TRANSFUSION", SERVICE, "Blood transfusion"),
    Item("LAB-HIV-RAPID", LAB_TEST, "HIV rapid test", "68961-2"),
    Item("LAB-VIRAL-LOAD", LAB_TEST, "HIV viral load", "20447-9"),
    Item("LAB-CD4", LAB_TEST, "CD4 count", "24467-3"),
    Item("LAB-HAEMOGLOBIN", LAB_TEST, "Haemoglobin", "718-7"),
    Item("LAB-MALARIA-RDT", LAB_TEST, "Malaria rapid diagnostic test", "70569-9"),
    Item("LAB-GLUCOSE", LAB_TEST, "Blood glucose", "15074-8"),
    Item("LAB-HBA1C", LAB_TEST, "Glycated haemoglobin (HbA1c)", "4548-4"),
    Item("LAB-SYPHILIS", LAB_TEST, "Syphilis RPR", "20507-0"),
    Item("LAB-BLOOD-GROUP", LAB_TEST, "ABO and Rh blood group", "882-1"),
    Item("LAB-URINALYSIS", LAB_TEST, "Urine protein", "2888-6"),
    Item("LAB-CREATININE", LAB_TEST, "Serum creatinine", "2160-0"),
    Item("MED-TLD-30", MEDICINE, "Tenofovir/lamivudine/dolutegravir, 30 tablets", "J05AR27"),
    Item("MED-COTRIMOXAZOLE-30", MEDICINE, "Cotrimoxazole 960 mg, 30 tablets", "J01EE01"),
    Item("MED-IFAS-30", MEDICINE, "Iron and folic acid, 30 tablets", "B03AD03"),
    Item("MED-SP-IPTP", MEDICINE, "Sulfadoxine-pyrimethamine, IPTp dose", "P01BD51"),
    Item("MED-TETANUS-TOXOID", MEDICINE, "Tetanus toxoid vaccine dose", "J07AM01"),
    Item("MED-OXYTOCIN", MEDICINE, "Oxytocin 10 IU injection", "H01BB02"),
    Item("MED-CEFTRIAXONE-1G", MEDICINE, "Ceftriaxone 1 g injection", "J01DD04"),
    Item("MED-SALBUTAMOL-INHALER", MEDICINE, "Salbutamol 100 mcg inhaler", "R03AC02"),
    Item("MED-BECLOMETASONE-INHALER", MEDICINE, "Beclometasone 100 mcg inhaler", "R03BA01"),
    Item("MED-PREDNISOLONE-5", MEDICINE, "Prednisolone 5 mg, course", "H02AB06"),
    Item("MED-HYDROCORTISONE-IV", MEDICINE, "Hydrocortisone 100 mg injection", "H02AB09"),
    Item("MED-AMOXICILLIN-500", MEDICINE, "Amoxicillin 500 mg, course", "J01CA04"),
    Item("MED-DOXYCYCLINE-100", MEDICINE, "Doxycycline 100 mg, course", "J01AA02"),
    Item("MED-AMLODIPINE-30", MEDICINE, "Amlodipine 5 mg, 30 tablets", "C08CA01"),
    Item("MED-HCTZ-30", MEDICINE, "Hydrochlorothiazide 25 mg, 30 tablets", "C03AA03"),
    Item("MED-ENALAPRIL-30", MEDICINE, "Enalapril 10 mg, 30 tablets", "C09AA02"),
    Item("MED-METFORMIN-60", MEDICINE, "Metformin 500 mg, 60 tablets", "A10BA02"),
    Item("MED-INSULIN-VIAL", MEDICINE, "Human insulin 100 IU/ml vial", "A10AB01"),
    Item("MED-ARTEMETHER-LUMEFANTRINE", MEDICINE, "Artemether-lumefantrine course", "P01BF01"),
    Item("MED-ARTESUNATE-IV", MEDICINE, "Artesunate injection course", "P01BE03"),
    Item("MED-PARACETAMOL", MEDICINE, "Paracetamol, course", "N02BE01"),
    Item("MED-ORS-ZINC", MEDICINE, "Oral rehydration salts and zinc", "A07CA"),
    Item("MED-ALBENDAZOLE", MEDICINE, "Albendazole 400 mg", "P02CA03"),
    Item("MED-CIPROFLOXACIN-500", MEDICINE, "Ciprofloxacin 500 mg, course", "J01MA02"),
    Item("MED-OMEPRAZOLE-20", MEDICINE, "Omeprazole 20 mg, course", "A02BC01"),
    Item("MED-IBUPROFEN-400", MEDICINE, "Ibuprofen 400 mg, course", "M01AE01"),
    Item("MED-TETRACYCLINE-EYE", MEDICINE, "Tetracycline eye ointment", "S01AA09"),
    Item("MED-IV-FLUIDS", MEDICINE, "Intravenous fluids, litre", "B05BB01"),
)
ITEM_CODES: tuple[str, ...] = tuple(i.code for i in ITEMS)
STANDARD_CODES: tuple[str, ...] = tuple(sorted({i.standard for i in ITEMS}))
ITEM_STANDARD: tuple[int, ...] = tuple(STANDARD_CODES.index(i.standard) for i in ITEMS)
ITEM_KIND: tuple[int, ...] = tuple(i.kind for i in ITEMS)


def item(code: str) -> int:
    """Index of a local item code."""
    return ITEM_CODES.index(code)


# ---------------------------------------------------------------- observations
@dataclass(frozen=True, slots=True)
class Measure:
    """A laboratory result or vital sign.

    loinc: LOINC code.
    description: LOINC short name, for people.
    unit: UCUM unit ("" for a qualitative result).
    item: the billable lab item that produces it, or "" for a vital sign.
    """

    loinc: str
    description: str
    unit: str
    item: str = ""


MEASURES: tuple[Measure, ...] = (
    Measure(
        "68961-2",
        "HIV 1+2 Ab [Presence] in Serum or Plasma by Rapid immunoassay",
        "",
        "LAB-HIV-RAPID",
    ),
    Measure(
        "20447-9",
        "HIV 1 RNA [#/volume] (viral load) in Serum or Plasma",
        "{copies}/mL",
        "LAB-VIRAL-LOAD",
    ),
    Measure("24467-3", "CD3+CD4+ (T4 helper) cells [#/volume] in Blood", "/uL", "LAB-CD4"),
    Measure("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", "LAB-HAEMOGLOBIN"),
    Measure(
        "70569-9",
        "Plasmodium falciparum Ag [Presence] in Blood by Rapid immunoassay",
        "",
        "LAB-MALARIA-RDT",
    ),
    Measure("15074-8", "Glucose [Moles/volume] in Blood", "mmol/L", "LAB-GLUCOSE"),
    Measure("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "LAB-HBA1C"),
    Measure("20507-0", "Reagin Ab [Presence] in Serum by RPR", "", "LAB-SYPHILIS"),
    Measure("882-1", "ABO and Rh group [Type] in Blood", "", "LAB-BLOOD-GROUP"),
    Measure("2888-6", "Protein [Presence] in Urine", "", "LAB-URINALYSIS"),
    Measure("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", "LAB-CREATININE"),
    Measure("8480-6", "Systolic blood pressure", "mm[Hg]"),
    Measure("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    Measure("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    Measure("20152-5", "FEV1 measured/predicted", "%"),
)
LOINC_CODES: tuple[str, ...] = tuple(m.loinc for m in MEASURES)
(
    M_HIV_TEST, M_VIRAL_LOAD, M_CD4, M_HB, M_MALARIA, M_GLUCOSE, M_HBA1C, M_SYPHILIS,
    M_BLOOD_GROUP, M_URINE_PROTEIN, M_CREATININE, M_SYSTOLIC, M_DIASTOLIC, M_SPO2, M_FEV1,
) = range(len(MEASURES))  # fmt: skip
UNITS: tuple[str, ...] = tuple(sorted({m.unit for m in MEASURES}))
MEASURE_UNIT: tuple[int, ...] = tuple(UNITS.index(m.unit) for m in MEASURES)
MEASURE_ITEM: tuple[int, ...] = tuple(item(m.item) if m.item else -1 for m in MEASURES)

RESULTS = ("", "positive", "negative", "O+", "A+", "B+", "AB+", "O-", "A-")
"""Text results of qualitative tests ("" for a numeric result)."""
R_NONE, R_POSITIVE, R_NEGATIVE = 0, 1, 2
BLOOD_GROUPS = (3, 4, 5, 6, 7, 8)
BLOOD_GROUP_SHARES = (0.47, 0.26, 0.20, 0.04, 0.02, 0.01)
"""ABO/Rh shares in East Africa (approximate; blood transfusion service reports)."""

# ---------------------------------------------------------------- PROMs
INSTRUMENTS = ("CAT", "mMRC", "ACT", "PHQ-9", "EQ-5D-5L")
CAT, MMRC, ACT, PHQ9, EQ5D = range(len(INSTRUMENTS))
ITEM_COUNT = (8, 1, 5, 9, 5)
ITEM_RANGE = ((0, 5), (0, 4), (1, 5), (0, 3), (1, 5))
"""Lowest and highest answer of each item (EQ-5D-5L: levels 1-5 per dimension)."""
TIME_POINTS = (
    "baseline",
    "follow_up",
    "antenatal_booking",
    "six_weeks_postpartum",
    "annual",
)
TP_BASELINE, TP_FOLLOW_UP, TP_BOOKING, TP_SIX_WEEKS, TP_ANNUAL = range(5)


# ---------------------------------------------------------------- encounter kinds
class Kind(enum.IntEnum):
    """What an encounter was for; each kind has one content template below."""

    ANC_VISIT = 0
    DELIVERY_VAGINAL = 1
    DELIVERY_CAESAREAN = 2
    POSTNATAL = 3
    HIV_TEST = 4
    ART_START = 5
    ART_REFILL = 6
    AIRWAY_REVIEW = 7
    EXACERBATION_MODERATE = 8
    EXACERBATION_ADMISSION = 9
    HYPERTENSION_REVIEW = 10
    DIABETES_REVIEW = 11
    CHRONIC_ADMISSION = 12
    ACUTE_VISIT = 13
    ACUTE_ADMISSION = 14
    REFERRAL_CONSULT = 15


@dataclass(frozen=True, slots=True)
class Line:
    """A line of an encounter's template.

    item: local item code.
    quantity: units per encounter (per day when ``per_day``).
    probability: share of encounters that carry it (raised at costly facilities when < 1).
    per_day: quantity multiplies by the length of stay.
    """

    item: str
    quantity: int = 1
    probability: float = 1.0
    per_day: bool = False


@dataclass(frozen=True, slots=True)
class Template:
    """What an encounter of one kind holds.

    kind: the encounter kind.
    encounter_class: index into ENCOUNTER_CLASSES.
    care_cycle: index into CARE_CYCLES.
    lines: services and medicines (labs come with their results).
    minutes: (staff type, minutes) for the encounter.
    minutes_per_day: (staff type, minutes) per inpatient day.
    """

    kind: Kind
    encounter_class: int
    care_cycle: int
    lines: tuple[Line, ...]
    minutes: tuple[tuple[int, int], ...]
    minutes_per_day: tuple[tuple[int, int], ...] = ()


TEMPLATES: tuple[Template, ...] = (
    Template(Kind.ANC_VISIT, ANTENATAL, C_MATERNITY,
             (Line("SVC-ANC-VISIT"), Line("MED-IFAS-30", 1, 0.9),
              Line("MED-TETANUS-TOXOID", 1, 0.3)),
             ((NURSE, 20), (CO, 5))),
    Template(Kind.DELIVERY_VAGINAL, DELIVERY, C_MATERNITY,
             (Line("SVC-NORMAL-DELIVERY"), Line("MED-OXYTOCIN", 1, 0.95),
              Line("SVC-PERINEAL-REPAIR", 1, 0.2), Line("SVC-INPATIENT-DAY", 1, 0.3, True)),
             ((NURSE, 240), (CO, 30), (MO, 10)), ((NURSE, 60),)),
    Template(Kind.DELIVERY_CAESAREAN, DELIVERY, C_MATERNITY,
             (Line("SVC-CAESAREAN"), Line("MED-OXYTOCIN"), Line("MED-CEFTRIAXONE-1G", 3),
              Line("MED-IV-FLUIDS", 3), Line("SVC-INPATIENT-DAY", 1, 1.0, True),
              Line("SVC-BLOOD-TRANSFUSION", 1, 0.05)),
             ((SPEC, 60), (MO, 60), (NURSE, 180)), ((NURSE, 90), (MO, 15))),
    Template(Kind.POSTNATAL, OUTPATIENT, C_MATERNITY,
             (Line("SVC-PNC-VISIT"),), ((NURSE, 20),)),
    Template(Kind.HIV_TEST, COMMUNITY, C_HIV,
             (Line("SVC-HIV-COUNSEL-TEST"),), ((NURSE, 15), (CHW, 10))),
    Template(Kind.ART_START, OUTPATIENT, C_HIV,
             (Line("SVC-ART-VISIT"), Line("MED-TLD-30"), Line("MED-COTRIMOXAZOLE-30", 1, 0.5)),
             ((CO, 20), (NURSE, 20), (PHARM, 10))),
    Template(Kind.ART_REFILL, OUTPATIENT, C_HIV,
             (Line("SVC-ART-VISIT"),), ((NURSE, 10), (CO, 5), (PHARM, 5))),
    Template(Kind.AIRWAY_REVIEW, OUTPATIENT, C_AIRWAY,
             (Line("SVC-CHRONIC-REVIEW"), Line("MED-SALBUTAMOL-INHALER", 1, 0.9),
              Line("MED-BECLOMETASONE-INHALER", 1, 0.5)),
             ((CO, 15), (NURSE, 10), (PHARM, 5))),
    Template(Kind.EXACERBATION_MODERATE, OUTPATIENT, C_AIRWAY,
             (Line("SVC-OPD-CONSULT"), Line("SVC-NEBULISATION", 1, 0.8),
              Line("MED-PREDNISOLONE-5"), Line("MED-AMOXICILLIN-500", 1, 0.5),
              Line("MED-DOXYCYCLINE-100", 1, 0.3)),
             ((CO, 20), (NURSE, 25), (PHARM, 5))),
    Template(Kind.EXACERBATION_ADMISSION, INPATIENT, C_AIRWAY,
             (Line("SVC-EMERGENCY"), Line("SVC-INPATIENT-DAY", 1, 1.0, True),
              Line("SVC-OXYGEN-DAY", 1, 0.8, True), Line("MED-HYDROCORTISONE-IV", 2),
              Line("MED-CEFTRIAXONE-1G", 1, 0.6, True), Line("SVC-NEBULISATION", 3)),
             ((MO, 40), (NURSE, 60)), ((NURSE, 120), (MO, 20))),
    Template(Kind.HYPERTENSION_REVIEW, OUTPATIENT, C_CARDIOMETABOLIC,
             (Line("SVC-CHRONIC-REVIEW"), Line("MED-AMLODIPINE-30", 2, 0.7),
              Line("MED-HCTZ-30", 2, 0.5), Line("MED-ENALAPRIL-30", 2, 0.3)),
             ((CO, 10), (NURSE, 10), (PHARM, 5))),
    Template(Kind.DIABETES_REVIEW, OUTPATIENT, C_CARDIOMETABOLIC,
             (Line("SVC-CHRONIC-REVIEW"), Line("MED-METFORMIN-60", 2, 0.85),
              Line("MED-INSULIN-VIAL", 2, 0.15)),
             ((CO, 15), (NURSE, 10), (PHARM, 5), (LAB, 5))),
    Template(Kind.CHRONIC_ADMISSION, INPATIENT, C_CARDIOMETABOLIC,
             (Line("SVC-EMERGENCY"), Line("SVC-INPATIENT-DAY", 1, 1.0, True),
              Line("MED-IV-FLUIDS", 1, 0.7, True)),
             ((MO, 40), (NURSE, 60)), ((NURSE, 100), (MO, 20))),
    Template(Kind.ACUTE_VISIT, OUTPATIENT, C_ACUTE,
             (Line("SVC-OPD-CONSULT"),), ((CO, 12), (NURSE, 5), (PHARM, 3))),
    Template(Kind.ACUTE_ADMISSION, INPATIENT, C_ACUTE,
             (Line("SVC-EMERGENCY"), Line("SVC-INPATIENT-DAY", 1, 1.0, True),
              Line("MED-IV-FLUIDS", 1, 0.6, True)),
             ((MO, 30), (NURSE, 45)), ((NURSE, 90), (MO, 15))),
    Template(Kind.REFERRAL_CONSULT, OUTPATIENT, C_REFERRAL,
             (Line("SVC-SPECIALIST-REFERRAL"),), ((CO, 15), (NURSE, 5))),
)  # fmt: skip
KIND_NAMES: tuple[str, ...] = tuple(k.name.lower() for k in Kind)

DIAGNOSIS_LINES: tuple[tuple[str, tuple[Line, ...]], ...] = (
    ("B50.9", (Line("MED-ARTEMETHER-LUMEFANTRINE"), Line("MED-PARACETAMOL"))),
    ("B50.8", (Line("MED-ARTESUNATE-IV"), Line("MED-PARACETAMOL"))),
    ("J06.9", (Line("MED-PARACETAMOL"), Line("MED-AMOXICILLIN-500", 1, 0.3))),
    ("J18.9", (Line("MED-AMOXICILLIN-500", 1, 0.8), Line("MED-CEFTRIAXONE-1G", 3, 0.3))),
    ("A09.9", (Line("MED-ORS-ZINC"),)),
    ("L08.9", (Line("MED-AMOXICILLIN-500", 1, 0.7),)),
    ("N39.0", (Line("MED-CIPROFLOXACIN-500"),)),
    ("B82.9", (Line("MED-ALBENDAZOLE"),)),
    ("T14.9", (Line("MED-IBUPROFEN-400", 1, 0.7), Line("MED-PARACETAMOL", 1, 0.3))),
    ("M54.5", (Line("MED-IBUPROFEN-400"),)),
    ("K02.9", (Line("MED-AMOXICILLIN-500", 1, 0.4), Line("MED-PARACETAMOL", 1, 0.6))),
    ("H10.9", (Line("MED-TETRACYCLINE-EYE"),)),
    ("A01.0", (Line("MED-CIPROFLOXACIN-500"),)),
    ("K29.7", (Line("MED-OMEPRAZOLE-20"),)),
    ("I64", (Line("MED-AMLODIPINE-30", 1, 0.6),)),
    ("E11.6", (Line("MED-INSULIN-VIAL", 1, 0.9),)),
)
"""Medicines that go with a primary diagnosis, on top of the kind's template."""
