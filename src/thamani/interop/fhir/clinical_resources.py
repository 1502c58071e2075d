"""The clinical record written as FHIR R4 resources, for the Bulk Data export: the inverse
of ``thamani.interop.fhir.clinical`` (a resource written here reads back as the same
record)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from thamani.clinical.records import (
    Allergy,
    Condition,
    Encounter,
    Immunization,
    Medication,
    Observation,
    Procedure,
    ValueType,
)
from thamani.interop.fhir.clinical import ACT, CODE_OF_CLASS, SOURCE
from thamani.interop.fhir.elements import (
    Coded,
    concept,
    iso_time,
    json_number,
)
from thamani.interop.fhir.validation import ID

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ALLERGY_TYPES = frozenset({"allergy", "intolerance"})
ALLERGY_CATEGORIES = frozenset({"food", "medication", "environment", "biologic"})
SEVERITIES = frozenset({"mild", "moderate", "severe"})


def record_id(r: Any) -> str:
    """The id a record's resource gets: its FHIR id for records imported from FHIR, else
    ``<source>-<source id>`` (a hash of it when that is not a FHIR id)."""
    if r.source == SOURCE and ID.fullmatch(r.source_id):
        return str(r.source_id)
    text = f"{r.source}-{r.source_id}"
    if ID.fullmatch(text):
        return text
    return "h" + hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Names:
    """Resource ids for the store's numbers, for the references an export writes.

    patients: party id -> Patient id.
    organizations: party id -> Organization id.
    encounters: encounter id -> Encounter id.
    """

    patients: dict[int, str]
    organizations: dict[int, str]
    encounters: dict[int, str]

    def links(self, r: Any, patient: str = "subject") -> dict[str, Any]:
        out: dict[str, Any] = {patient: {"reference": f"Patient/{self.patients[r.patient_id]}"}}
        if r.encounter_id is not None and r.encounter_id in self.encounters:
            out["encounter"] = {"reference": f"Encounter/{self.encounters[r.encounter_id]}"}
        return out


def _c(code: str, system: str, display: str) -> dict[str, Any]:
    return concept(Coded(system, code, display))


def _reasons(r: Any) -> dict[str, Any]:
    if not r.reason_code:
        return {}
    return {"reasonCode": [_c(r.reason_code, r.reason_system or "", r.reason_display or "")]}


def encounter_resource(e: Encounter, names: Names) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": record_id(e),
        "status": "finished",
        "class": {
            "system": ACT,
            "code": CODE_OF_CLASS.get(e.encounter_class, "AMB"),
            "display": e.encounter_class,
        },
    }
    if e.code:
        out["type"] = [_c(e.code, e.system, e.display)]
    out["subject"] = {"reference": f"Patient/{names.patients[e.patient_id]}"}
    if e.practitioner:
        out["participant"] = [{"individual": {"display": e.practitioner}}]
    period = {"start": iso_time(e.start)}
    if e.stop is not None:
        period["end"] = iso_time(e.stop)
    out["period"] = period
    out.update(_reasons(e))
    if e.facility_id is not None and e.facility_id in names.organizations:
        out["serviceProvider"] = {"reference": f"Organization/{names.organizations[e.facility_id]}"}
    return out


def condition_resource(r: Condition, names: Names) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Condition",
        "id": record_id(r),
        "code": _c(r.code, r.system, r.display),
        **names.links(r),
        "onsetDateTime": r.onset.isoformat(),
    }
    if r.abatement is not None:
        out["abatementDateTime"] = r.abatement.isoformat()
    return out


def observation_resource(r: Observation, names: Names) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Observation", "id": record_id(r), "status": "final"}
    if r.category:
        out["category"] = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": r.category}]}]
    out["code"] = _c(r.code, r.system, r.display)
    out.update(names.links(r))
    out["effectiveDateTime"] = iso_time(r.at)
    if r.value is not None:
        if r.value_type is ValueType.NUMERIC:
            q: dict[str, Any] = {"value": json_number(r.value)}
            if r.unit:
                q["unit"] = r.unit
            out["valueQuantity"] = q
        elif r.value_type is ValueType.CODED:
            out["valueCodeableConcept"] = {"coding": [{"code": r.value}]}
        else:
            out["valueString"] = r.value
    return out


def medication_resource(r: Medication, names: Names) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": record_id(r),
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": _c(r.code, r.system, r.display),
        **names.links(r),
        "authoredOn": iso_time(r.start),
    }
    out.update(_reasons(r))
    dispense: dict[str, Any] = {"numberOfRepeatsAllowed": max(0, r.dispenses - 1)}
    if r.stop is not None:
        dispense["validityPeriod"] = {"end": iso_time(r.stop)}
    out["dispenseRequest"] = dispense
    return out


def procedure_resource(r: Procedure, names: Names) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": record_id(r),
        "status": "completed",
        "code": _c(r.code, r.system, r.display),
        **names.links(r),
    }
    if r.stop is None:
        out["performedDateTime"] = iso_time(r.start)
    else:
        out["performedPeriod"] = {"start": iso_time(r.start), "end": iso_time(r.stop)}
    out.update(_reasons(r))
    return out


def immunization_resource(r: Immunization, names: Names) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "id": record_id(r),
        "status": "completed",
        "vaccineCode": _c(r.code, r.system, r.display),
        **names.links(r, "patient"),
        "occurrenceDateTime": iso_time(r.at),
    }


def allergy_resource(r: Allergy, names: Names) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "AllergyIntolerance", "id": record_id(r)}
    kind = (r.allergy_type or "").lower()
    if kind in ALLERGY_TYPES:
        out["type"] = kind
    category = (r.category or "").lower()
    if category in ALLERGY_CATEGORIES:
        out["category"] = [category]
    out["code"] = _c(r.code, r.system, r.display)
    out.update(names.links(r, "patient"))
    out["recordedDate"] = r.start.isoformat()
    if r.stop is not None:
        out["lastOccurrence"] = r.stop.isoformat()
    reactions = []
    for x in r.reactions:
        one: dict[str, Any] = {"manifestation": [_c(x.code, x.system, x.display)]}
        if (x.severity or "").lower() in SEVERITIES:
            one["severity"] = (x.severity or "").lower()
        reactions.append(one)
    if reactions:
        out["reaction"] = reactions
    return out
