"""Each resource of a unit checked against its FHIR R4 (R4B model) definition.

Resources of the types Thamani imports are validated in full (every element, required
elements, value types, and the codes of required bindings, ``bindings.py``); resources of
other types are only checked to be of a FHIR resource type, then skipped and counted.
Every fault is an ``Issue`` naming the element (``Bundle.entry[3].resource.status``); all
faults of a unit are reported together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from thamani.interop.fhir.bindings import check_bindings
from thamani.interop.fhir.outcomes import FhirError, Issue, from_validation
from thamani.interop.fhir.sources import Entry, Unit

#: The resource types imported, in the order they are written (a resource's references
#: point to types written before it).
IMPORTED = (
    "Organization",
    "Practitioner",
    "Patient",
    "Coverage",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "Procedure",
    "Immunization",
    "AllergyIntolerance",
    "Claim",
    "ExplanationOfBenefit",
)

#: A FHIR id: letters, digits, '-' and '.', at most 64.
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
#: Issues reported for one unit at most (the rest are counted in the last one).
MAX_ISSUES = 50


@dataclass(frozen=True, slots=True)
class Checked:
    """A resource that passed validation.

    entry: where it came from.
    type: its resource type.
    id: its id in its source: the resource's ``id``, else the uuid of a ``urn:uuid:``
        fullUrl (imports are idempotent by this id).
    imported: whether its type is one Thamani imports (else it is skipped and counted).
    """

    entry: Entry
    type: str
    id: str
    imported: bool

    @property
    def resource(self) -> dict[str, Any]:
        return self.entry.resource


@cache
def model_class(resource_type: str) -> Callable[..., Any] | None:
    """The R4B model class of a resource type (None when FHIR has no such type)."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        cls = get_fhir_model_class(resource_type)
    except (ValueError, KeyError, AttributeError, ImportError):
        return None
    if not hasattr(cls, "model_validate"):  # pragma: no cover - defensive
        return None
    return cls.model_validate


def source_id(entry: Entry) -> str | None:
    """The resource's id, else its fullUrl's uuid."""
    rid = entry.resource.get("id")
    if isinstance(rid, str) and rid:
        return rid
    url = entry.full_url or ""
    if url.startswith("urn:uuid:"):
        return url[9:]
    return None


def check_entry(entry: Entry) -> tuple[Checked | None, list[Issue]]:
    """One entry validated: the checked resource, or the issues that stop it."""
    res = entry.resource
    rtype = res.get("resourceType")
    where = entry.where
    if not isinstance(rtype, str) or not rtype:
        return None, [Issue("required", "a resource needs a resourceType", f"{where}.resourceType")]
    validate = model_class(rtype)
    if validate is None:
        return None, [
            Issue(
                "not-supported",
                f"unknown resource type {rtype!r}",
                f"{where}.resourceType",
            )
        ]
    imported = rtype in IMPORTED
    if imported:
        try:
            validate(res)
        except ValidationError as e:
            return None, from_validation(rtype, e, where).issues
        codes = check_bindings(rtype, res, where)
        if codes:
            return None, codes
    rid = source_id(entry)
    if rid is None:
        return None, [
            Issue(
                "required",
                f"{rtype} needs an id (or a urn:uuid fullUrl) to be imported idempotently",
                f"{where}.id",
            )
        ]
    if not ID.fullmatch(rid):
        return None, [Issue("value", f"{rid!r} is not a FHIR id", f"{where}.id")]
    return Checked(entry, rtype, rid, imported), []


def check_unit(unit: Unit) -> list[Checked]:
    """Every entry of ``unit`` validated; ``FhirError`` with all their issues (each with its
    location) when any fails, or when two resources share a type and an id."""
    out: list[Checked] = []
    issues: list[Issue] = []
    seen: dict[tuple[str, str], Entry] = {}
    for entry in unit.entries:
        checked, found = check_entry(entry)
        if checked is not None:
            key = (checked.type, checked.id)
            first = seen.get(key)
            if first is not None:
                found = [
                    Issue(
                        "duplicate",
                        f"{checked.type}/{checked.id} appears twice (also at {first.where})",
                        f"{entry.where}.id",
                    )
                ]
            else:
                seen[key] = entry
                out.append(checked)
        issues.extend(_located(found, entry))
        if len(issues) >= MAX_ISSUES:
            raise FhirError(_capped(issues))
    if issues:
        raise FhirError(issues)
    return out


def _located(issues: Sequence[Issue], entry: Entry) -> list[Issue]:
    """Issues that say which resource they are about (type, id or fullUrl, location)."""
    res = entry.resource
    rtype = res.get("resourceType") or "resource"
    ident = res.get("id") or entry.full_url
    who = f"{rtype}/{ident}" if ident else str(rtype)
    where = f" ({entry.location})" if entry.location else ""
    return [
        Issue(i.code, f"{who}{where}: {i.diagnostics}", i.expression, i.severity) for i in issues
    ]


def _capped(issues: list[Issue]) -> list[Issue]:
    return [*issues[: MAX_ISSUES - 1], Issue("too-costly", "further issues were not checked")]
