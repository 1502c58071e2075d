"""The clinical record: what happened to a patient that is not itself a claim.

One record type per kind. Every record keeps where it came from (``source``, the system
that produced it, e.g. ``synthea`` or ``fhir``, and ``source_id``, that system's id for it)
and every code keeps the URI of its system (see ``thamani.clinical.systems``). People are
parties: ``patient_id`` is the patient's party, ``facility_id`` the provider's and
``payer_id`` the payer's. Amounts are integers in ``currency``'s minor unit. Times are
timezone-aware ``datetime`` in UTC; dates that sources give without a time (a condition's
onset) are ``date``.

The records are immutable named tuples rather than frozen dataclasses: an import makes
hundreds of thousands of them, and a named tuple is built four times faster (the claims
room's records make the same choice). The field order is the order of the table's
columns.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple


class Kind(enum.Enum):
    """The kinds of clinical record, each in its own table."""

    ENCOUNTER = "encounter"
    CONDITION = "condition"
    OBSERVATION = "observation"
    MEDICATION = "medication"
    PROCEDURE = "procedure"
    IMMUNIZATION = "immunization"
    ALLERGY = "allergy"
    CARE_PLAN = "care_plan"


class Encounter(NamedTuple):
    """A contact between a patient and a provider.

    id: the store's number (0 before it is stored).
    source, source_id: the producing system and its id for the encounter.
    patient_id: the patient's party.
    facility_id: the provider party (a facility) where it happened, when known.
    practitioner: who saw the patient (a name or the source's practitioner id).
    payer_id: the payer party that covered it, when known.
    encounter_class: the setting as the source codes it (Synthea and FHIR's class:
        ``ambulatory``, ``wellness``, ``outpatient``, ``inpatient``, ``emergency``,
        ``urgentcare``, ``home``, ``virtual``...).
    code, system, display: the encounter type.
    start, stop: when it began and ended (``stop`` None when open or not given).
    reason_code, reason_system, reason_display: why it happened, when given.
    currency: the currency of the amounts below (None when there are none).
    base_cost: the encounter's own cost, minor units.
    total_cost: the whole claim's cost, minor units.
    payer_coverage: what the payer covered, minor units.
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    facility_id: int | None
    practitioner: str | None
    payer_id: int | None
    encounter_class: str
    code: str
    system: str
    display: str
    start: datetime
    stop: datetime | None
    reason_code: str | None = None
    reason_system: str | None = None
    reason_display: str | None = None
    currency: str | None = None
    base_cost: int | None = None
    total_cost: int | None = None
    payer_coverage: int | None = None


class Condition(NamedTuple):
    """A problem, diagnosis or finding (SNOMED CT, ICD-10 or ICD-10-CM).

    id, source, source_id, patient_id: as for ``Encounter``.
    encounter_id: the encounter where it was recorded (None when none).
    code, system, display: the condition.
    onset: when it began.
    abatement: when it resolved (None: ongoing).
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    encounter_id: int | None
    code: str
    system: str
    display: str
    onset: date
    abatement: date | None = None


class ValueType(enum.Enum):
    """How an observation's value is written."""

    NUMERIC = "numeric"
    """A number (``value`` its decimal text, ``unit`` its UCUM unit)."""
    TEXT = "text"
    """Free text or a coded answer's text."""
    CODED = "coded"
    """A code (``value`` the code)."""


class Observation(NamedTuple):
    """A measurement or finding: a vital sign, a laboratory result, a survey score.

    id, source, source_id, patient_id, encounter_id: as for ``Condition``.
    category: ``vital-signs``, ``laboratory``, ``survey``... when given.
    code, system, display: what was observed (usually LOINC).
    value: the value as the source wrote it (decimal text for numbers: never a float).
    value_type: ``ValueType``.
    unit: the unit (UCUM), when it has one.
    at: when it was observed.
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    encounter_id: int | None
    category: str | None
    code: str
    system: str
    display: str
    value: str | None
    value_type: ValueType
    unit: str | None
    at: datetime

    @property
    def number(self) -> float | None:
        """The value as a number, when it is one (for analysis, never for money)."""
        if self.value_type is not ValueType.NUMERIC or self.value is None:
            return None
        try:
            return float(self.value)
        except ValueError:
            return None


class Medication(NamedTuple):
    """A medicine prescribed or dispensed (RxNorm or ATC).

    id, source, source_id, patient_id, encounter_id: as for ``Condition``.
    payer_id: the payer party that covered it, when known.
    code, system, display: the medicine.
    start, stop: the course (``stop`` None: ongoing).
    dispenses: how many times it was dispensed.
    currency: the currency of the amounts.
    base_cost: cost of one dispense, minor units.
    payer_coverage: what the payer covered, minor units.
    total_cost: the whole course's cost, minor units.
    reason_code, reason_system, reason_display: why it was given, when given.
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    encounter_id: int | None
    payer_id: int | None
    code: str
    system: str
    display: str
    start: datetime
    stop: datetime | None
    dispenses: int
    currency: str | None = None
    base_cost: int | None = None
    payer_coverage: int | None = None
    total_cost: int | None = None
    reason_code: str | None = None
    reason_system: str | None = None
    reason_display: str | None = None


class Procedure(NamedTuple):
    """A procedure done (SNOMED CT, or a local item code).

    id, source, source_id, patient_id, encounter_id: as for ``Condition``.
    code, system, display: the procedure.
    start, stop: when it was done.
    currency, base_cost: its cost, minor units.
    reason_code, reason_system, reason_display: why it was done, when given.
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    encounter_id: int | None
    code: str
    system: str
    display: str
    start: datetime
    stop: datetime | None
    currency: str | None = None
    base_cost: int | None = None
    reason_code: str | None = None
    reason_system: str | None = None
    reason_display: str | None = None


class Immunization(NamedTuple):
    """A vaccine given (CVX).

    id, source, source_id, patient_id, encounter_id: as for ``Condition``.
    code, system, display: the vaccine.
    at: when it was given.
    currency, base_cost: its cost, minor units.
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    encounter_id: int | None
    code: str
    system: str
    display: str
    at: datetime
    currency: str | None = None
    base_cost: int | None = None


class Reaction(NamedTuple):
    """One reaction to an allergen.

    code, system, display: the manifestation (SNOMED CT).
    severity: ``MILD``, ``MODERATE``, ``SEVERE`` as given, or None.
    """

    code: str
    system: str
    display: str
    severity: str | None = None


class Allergy(NamedTuple):
    """An allergy or intolerance.

    id, source, source_id, patient_id, encounter_id: as for ``Condition``.
    code, system, display: the substance (SNOMED CT or RxNorm).
    start: when it was recorded.
    stop: when it resolved (None: current).
    allergy_type: ``allergy`` or ``intolerance``, when given.
    category: ``food``, ``medication``, ``environment``..., when given.
    reactions: the reactions seen.
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    encounter_id: int | None
    code: str
    system: str
    display: str
    start: date
    stop: date | None = None
    allergy_type: str | None = None
    category: str | None = None
    reactions: tuple[Reaction, ...] = ()


class CarePlan(NamedTuple):
    """A care plan (SNOMED CT).

    id, source, source_id, patient_id, encounter_id: as for ``Condition``.
    code, system, display: the plan.
    start, stop: its period (``stop`` None: current).
    reason_code, reason_system, reason_display: what it addresses, when given.
    """

    id: int
    source: str
    source_id: str
    patient_id: int
    encounter_id: int | None
    code: str
    system: str
    display: str
    start: date
    stop: date | None = None
    reason_code: str | None = None
    reason_system: str | None = None
    reason_display: str | None = None


#: Records that hang on an encounter (every kind but the encounter itself).
Linked = Condition | Observation | Medication | Procedure | Immunization | Allergy | CarePlan
Record = Encounter | Linked

#: The record type of each kind.
RECORD_OF: dict[Kind, type[Record]] = {
    Kind.ENCOUNTER: Encounter,
    Kind.CONDITION: Condition,
    Kind.OBSERVATION: Observation,
    Kind.MEDICATION: Medication,
    Kind.PROCEDURE: Procedure,
    Kind.IMMUNIZATION: Immunization,
    Kind.ALLERGY: Allergy,
    Kind.CARE_PLAN: CarePlan,
}
KIND_OF: dict[type[Record], Kind] = {v: k for k, v in RECORD_OF.items()}


@dataclass(frozen=True, slots=True)
class ClinicalBatch:
    """Records to store together (an import).

    encounters: encounters (``id`` 0).
    linked: the other records (``id`` 0 and ``encounter_id`` None), each with the
        ``source_id`` of its encounter in the same source (None: no encounter). The
        encounter may be in this batch or stored already.
    """

    encounters: list[Encounter] = field(default_factory=list)
    linked: list[tuple[Linked, str | None]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.encounters) + len(self.linked)


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing a batch did, per kind.

    added: records stored now, by kind.
    unchanged: records that were stored already (same source and source id), by kind.
    """

    added: dict[Kind, int]
    unchanged: dict[Kind, int]

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


@dataclass(frozen=True, slots=True)
class ClinicalRecord:
    """A patient's clinical record (or the part of it the caller may see).

    patient_id: the patient's party.
    encounters, conditions, observations, medications, procedures, immunizations,
    allergies, care_plans: the records, each list oldest first.
    """

    patient_id: int
    encounters: list[Encounter] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    immunizations: list[Immunization] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    care_plans: list[CarePlan] = field(default_factory=list)

    def of(self, kind: Kind) -> list[Record]:
        """The records of one kind."""
        return getattr(self, _FIELD[kind])  # type: ignore[no-any-return]

    def counts(self) -> dict[Kind, int]:
        return {k: len(self.of(k)) for k in Kind}


_FIELD = {
    Kind.ENCOUNTER: "encounters",
    Kind.CONDITION: "conditions",
    Kind.OBSERVATION: "observations",
    Kind.MEDICATION: "medications",
    Kind.PROCEDURE: "procedures",
    Kind.IMMUNIZATION: "immunizations",
    Kind.ALLERGY: "allergies",
    Kind.CARE_PLAN: "care_plans",
}
FIELD_OF_KIND = _FIELD
