"""FHIR R4 clinical resources to the clinical room's records (``clinical_resources`` writes
them back, for the export).

Encounter, Condition, Observation, MedicationRequest, Procedure, Immunization and
AllergyIntolerance each become one record (the mapping table, element by element, is in
docs/fhir.md).

Every record keeps ``source`` ``fhir`` and the resource's id as ``source_id``; the
patient is a party (see ``thamani.interop.fhir.people``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from thamani.clinical.records import (
    Allergy,
    Condition,
    Encounter,
    Immunization,
    Linked,
    Medication,
    Observation,
    Procedure,
    Reaction,
    ValueType,
)
from thamani.interop.fhir.elements import (
    Coded,
    coded,
    day,
    decimal_text,
    fail,
    first,
    instant,
)
from thamani.interop.fhir.validation import Checked

#: The ``source`` of every record a FHIR import stores.
SOURCE = "fhir"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#: Encounter settings by v3 ActCode (a class with a display keeps the display instead).
CLASS_OF_CODE = {
    "AMB": "ambulatory",
    "IMP": "inpatient",
    "EMER": "emergency",
    "HH": "home",
    "VR": "virtual",
    "FLD": "field",
    "SS": "short-stay",
    "ACUTE": "inpatient-acute",
    "NONAC": "inpatient-non-acute",
    "OBSENC": "observation",
    "PRENC": "pre-admission",
}
#: The ActCode written for a setting on export.
CODE_OF_CLASS = {
    **{v: k for k, v in CLASS_OF_CODE.items()},
    "wellness": "AMB",
    "outpatient": "AMB",
    "urgentcare": "EMER",
    "antenatal": "AMB",
    "delivery": "IMP",
    "community_outreach": "FLD",
}


class Links(Protocol):
    """Turns references into the store's terms (implemented by the importer)."""

    def patient(self, c: Checked, element: str) -> int:
        """The party of the patient the element refers to (an error when there is none)."""

    def organization(self, c: Checked, element: str) -> int | None:
        """The party of the organisation the element refers to, when it refers to one."""

    def practitioner(self, c: Checked, element: str) -> str | None:
        """The practitioner's name (or identifier) the element refers to."""

    def encounter(self, c: Checked, element: str) -> str | None:
        """The source id of the encounter the element refers to, when it does."""


def _at(c: Checked, name: str) -> str:
    return f"{c.entry.where}.{name}"


def _code(c: Checked, name: str, value: Any, *, required: bool = True) -> Coded:
    found = coded(value)
    if required and not found.code:
        raise fail(_at(c, name), f"{c.type}.{name} needs a code or a text", "required")
    return _fits(c, name, found)


def _fits(c: Checked, name: str, found: Coded) -> Coded:
    if len(found.code) > 64:
        raise fail(_at(c, name), f"the code {found.code[:20]!r}... is longer than 64 characters")
    if len(found.system) > 200:
        raise fail(_at(c, name), "the code system's URI is longer than 200 characters")
    return found


def _reason(c: Checked) -> tuple[str | None, str | None, str | None]:
    reasons = c.resource.get("reasonCode") or ()
    if not reasons:
        return None, None, None
    r = _fits(c, "reasonCode[0]", coded(reasons[0]))
    if not r.code:
        return None, None, None
    return r.code, r.system, r.display


def _time(c: Checked, *names: str) -> tuple[datetime | None, datetime | None]:
    """Start and end from the first of ``names`` present: a dateTime, or a Period."""
    name, value = first(c.resource, *names)
    if name is None:
        return None, None
    if isinstance(value, dict):
        start = instant(value["start"], _at(c, f"{name}.start")) if value.get("start") else None
        end = instant(value["end"], _at(c, f"{name}.end")) if value.get("end") else None
        return start, end
    if isinstance(value, str):
        return instant(value, _at(c, name)), None
    return None, None


def _required(c: Checked, value: datetime | None, name: str) -> datetime:
    if value is None:
        raise fail(_at(c, name), f"{c.type}.{name} is needed to import it", "required")
    return value


def _short(c: Checked, name: str, value: Any, size: int = 32) -> str | None:
    if value is None:
        return None
    text = str(value)
    if len(text) > size:
        raise fail(_at(c, name), f"{text[:20]!r}... is longer than {size} characters")
    return text


def encounter(c: Checked, links: Links) -> Encounter:
    r = c.resource
    cls = r.get("class") or {}
    setting = str(cls.get("display") or "").strip().lower() or CLASS_OF_CODE.get(
        str(cls.get("code") or ""), str(cls.get("code") or "").lower()
    )
    kind = coded((r.get("type") or [None])[0])
    start, stop = _time(c, "period")
    who = None
    for k, p in enumerate(r.get("participant") or ()):
        if isinstance(p, dict) and p.get("individual"):
            who = links.practitioner(c, f"participant[{k}].individual")
            break
    reason = _reason(c)
    return Encounter(
        0,
        SOURCE,
        c.id,
        links.patient(c, "subject"),
        links.organization(c, "serviceProvider"),
        who[:200] if who else None,
        None,
        _short(c, "class", setting) or "",
        *_as_row(_fits(c, "type[0]", kind)),
        _required(c, start, "period.start"),
        stop,
        *reason,
    )


def _as_row(x: Coded) -> tuple[str, str, str]:
    return x.code, x.system, x.display


def _day_of(c: Checked, *names: str) -> date | None:
    name, value = first(c.resource, *names)
    if name is None:
        return None
    if isinstance(value, dict):
        value = value.get("start")
        name = f"{name}.start"
        if value is None:
            return None
    if not isinstance(value, str):
        return None
    return day(value, _at(c, name))


def condition(c: Checked, links: Links) -> tuple[Condition, str | None]:
    r = c.resource
    onset = _day_of(c, "onsetDateTime", "onsetPeriod") or _day_of(c, "recordedDate")
    if onset is None:
        raise fail(_at(c, "onset[x]"), "a Condition needs onset[x] or recordedDate", "required")
    return Condition(
        0,
        SOURCE,
        c.id,
        links.patient(c, "subject"),
        None,
        *_as_row(_code(c, "code", r.get("code"))),
        onset,
        _day_of(c, "abatementDateTime", "abatementPeriod"),
    ), links.encounter(c, "encounter")


def observation(c: Checked, links: Links) -> tuple[Observation, str | None]:
    r = c.resource
    category = coded((r.get("category") or [None])[0]).code or None
    value, kind, unit = _value(c)
    at, _ = _time(c, "effectiveDateTime", "effectivePeriod", "effectiveInstant")
    if at is None and r.get("issued"):
        at = instant(r["issued"], _at(c, "issued"))
    return Observation(
        0,
        SOURCE,
        c.id,
        links.patient(c, "subject"),
        None,
        _short(c, "category[0]", category),
        *_as_row(_code(c, "code", r.get("code"))),
        value,
        kind,
        _short(c, "valueQuantity.unit", unit, 64),
        _required(c, at, "effective[x]"),
    ), links.encounter(c, "encounter")


def _value(c: Checked) -> tuple[str | None, ValueType, str | None]:
    r = c.resource
    q = r.get("valueQuantity")
    if isinstance(q, dict) and q.get("value") is not None:
        return decimal_text(q["value"]), ValueType.NUMERIC, q.get("unit") or q.get("code")
    if r.get("valueInteger") is not None:
        return str(r["valueInteger"]), ValueType.NUMERIC, None
    if r.get("valueString") is not None:
        return str(r["valueString"]), ValueType.TEXT, None
    if r.get("valueBoolean") is not None:
        return ("true" if r["valueBoolean"] else "false"), ValueType.TEXT, None
    if r.get("valueCodeableConcept") is not None:
        value = _code(c, "valueCodeableConcept", r["valueCodeableConcept"]).code
        return value, ValueType.CODED, None
    return None, ValueType.TEXT, None


def medication(c: Checked, links: Links) -> tuple[Medication, str | None]:
    r = c.resource
    if r.get("medicationCodeableConcept") is not None:
        med = _code(c, "medicationCodeableConcept", r["medicationCodeableConcept"])
    else:
        med = links_medication(c)
    start = instant(r["authoredOn"], _at(c, "authoredOn")) if r.get("authoredOn") else None
    dispense = r.get("dispenseRequest") or {}
    repeats = dispense.get("numberOfRepeatsAllowed")
    validity = dispense.get("validityPeriod") or {}
    stop = (
        instant(validity["end"], _at(c, "dispenseRequest.validityPeriod.end"))
        if validity.get("end")
        else None
    )
    return Medication(
        0,
        SOURCE,
        c.id,
        links.patient(c, "subject"),
        None,
        None,
        *_as_row(med),
        _required(c, start, "authoredOn"),
        stop,
        int(repeats) + 1 if isinstance(repeats, int) else 1,
        None,
        None,
        None,
        None,
        *_reason(c),
    ), links.encounter(c, "encounter")


def links_medication(c: Checked) -> Coded:
    """A MedicationRequest's medicine given by a reference: the contained (or the
    display of the) Medication."""
    ref = c.resource.get("medicationReference") or {}
    text = str(ref.get("reference") or "")
    if text.startswith("#"):
        for m in c.resource.get("contained") or ():
            if isinstance(m, dict) and m.get("id") == text[1:]:
                return _code(c, "medicationReference", m.get("code"))
    if ref.get("display"):
        return _fits(c, "medicationReference", coded({"text": ref["display"]}))
    raise fail(
        _at(c, "medication[x]"),
        "the medicine is needed as a code (medicationCodeableConcept, a contained"
        " Medication or a display)",
        "required",
    )


def procedure(c: Checked, links: Links) -> tuple[Procedure, str | None]:
    r = c.resource
    start, stop = _time(c, "performedDateTime", "performedPeriod")
    return Procedure(
        0,
        SOURCE,
        c.id,
        links.patient(c, "subject"),
        None,
        *_as_row(_code(c, "code", r.get("code"))),
        _required(c, start, "performed[x]"),
        stop,
        None,
        None,
        *_reason(c),
    ), links.encounter(c, "encounter")


def immunization(c: Checked, links: Links) -> tuple[Immunization, str | None]:
    r = c.resource
    at, _ = _time(c, "occurrenceDateTime")
    return Immunization(
        0,
        SOURCE,
        c.id,
        links.patient(c, "patient"),
        None,
        *_as_row(_code(c, "vaccineCode", r.get("vaccineCode"))),
        _required(c, at, "occurrenceDateTime"),
    ), links.encounter(c, "encounter")


def allergy(c: Checked, links: Links) -> tuple[Allergy, str | None]:
    r = c.resource
    start = _day_of(c, "recordedDate") or _day_of(c, "onsetDateTime", "onsetPeriod")
    if start is None:
        raise fail(_at(c, "recordedDate"), "an allergy needs recordedDate or onset[x]", "required")
    reactions = []
    for k, x in enumerate(r.get("reaction") or ()):
        for m in (x.get("manifestation") or ())[:1]:
            code = _code(c, f"reaction[{k}].manifestation[0]", m)
            reactions.append(Reaction(*_as_row(code), x.get("severity")))
    categories = r.get("category") or ()
    return Allergy(
        0,
        SOURCE,
        c.id,
        links.patient(c, "patient"),
        None,
        *_as_row(_code(c, "code", r.get("code"))),
        start,
        _day_of(c, "lastOccurrence"),
        _short(c, "type", r.get("type")),
        _short(c, "category[0]", categories[0] if categories else None),
        tuple(reactions),
    ), links.encounter(c, "encounter")


#: The mapping of each clinical resource type to records linked to an encounter.
LINKED: dict[str, Callable[[Checked, Links], tuple[Linked, str | None]]] = {
    "Condition": condition,
    "Observation": observation,
    "MedicationRequest": medication,
    "Procedure": procedure,
    "Immunization": immunization,
    "AllergyIntolerance": allergy,
}


@dataclass(frozen=True, slots=True)
class Mapped:
    """A unit's clinical records.

    encounters: the encounters.
    linked: the other records, each with the source id of its encounter (or None).
    """

    encounters: list[Encounter]
    linked: list[tuple[Linked, str | None]]
