"""The FHIR R4 required code bindings of the resources Thamani imports.

The R4B models of ``fhir.resources`` check types and cardinality but not code bindings:
an Encounter whose ``status`` is ``marvellous`` passes them. A *required* binding means
the code must come from the value set, so each element the import reads (or that changes
a resource's meaning, like ``entered-in-error``) is checked here against its R4 value set.
A ``code`` must be one of the set's codes; a ``CodeableConcept`` must have a coding of the
set's code system (or of no system) with one of them, and no coding of that system with
another. A fault is an ``Issue`` of type ``code-invalid`` naming the element
(``Encounter.status``, ``Condition.clinicalStatus.coding[0].code``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from thamani.interop.fhir.outcomes import Issue

TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"


@dataclass(frozen=True, slots=True)
class ValueSet:
    """A required value set: its name and canonical URL, its codes, and for a
    CodeableConcept the code system they come from (None: the element is a ``code``)."""

    name: str
    url: str
    codes: tuple[str, ...]
    system: str | None = None


def _vs(name: str, slug: str, codes: str, system: str | None = None) -> ValueSet:
    return ValueSet(name, f"http://hl7.org/fhir/ValueSet/{slug}", tuple(codes.split()), system)


FM_STATUS = _vs(
    "FinancialResourceStatusCodes", "fm-status", "active cancelled draft entered-in-error"
)
CLAIM_USE = _vs("Use", "claim-use", "claim preauthorization predetermination")
ENCOUNTER_STATUS = _vs(
    "EncounterStatus",
    "encounter-status",
    "planned arrived triaged in-progress onleave finished cancelled entered-in-error unknown",
)
#: Each imported type's elements under a required binding: (path, value set). A path's
#: steps go into every item of a list (``reaction`` then ``severity``).
BINDINGS: dict[str, tuple[tuple[tuple[str, ...], ValueSet], ...]] = {
    "Patient": (
        (
            ("gender",),
            _vs("AdministrativeGender", "administrative-gender", "male female other unknown"),
        ),
    ),
    "Coverage": ((("status",), FM_STATUS),),
    "Encounter": (
        (("status",), ENCOUNTER_STATUS),
        (("statusHistory", "status"), ENCOUNTER_STATUS),
    ),
    "Condition": (
        (
            ("clinicalStatus",),
            _vs(
                "ConditionClinicalStatusCodes",
                "condition-clinical",
                "active recurrence relapse inactive remission resolved",
                f"{TERMINOLOGY}condition-clinical",
            ),
        ),
        (
            ("verificationStatus",),
            _vs(
                "ConditionVerificationStatus",
                "condition-ver-status",
                "unconfirmed provisional differential confirmed refuted entered-in-error",
                f"{TERMINOLOGY}condition-ver-status",
            ),
        ),
    ),
    "Observation": (
        (
            ("status",),
            _vs(
                "ObservationStatus",
                "observation-status",
                "registered preliminary final amended corrected cancelled entered-in-error unknown",
            ),
        ),
    ),
    "MedicationRequest": (
        (
            ("status",),
            _vs(
                "medicationrequest Status",
                "medicationrequest-status",
                "active on-hold cancelled completed entered-in-error stopped draft unknown",
            ),
        ),
        (
            ("intent",),
            _vs(
                "medicationRequest Intent",
                "medicationrequest-intent",
                "proposal plan order original-order reflex-order filler-order instance-order"
                " option",
            ),
        ),
    ),
    "Procedure": (
        (
            ("status",),
            _vs(
                "EventStatus",
                "event-status",
                "preparation in-progress not-done on-hold stopped completed entered-in-error"
                " unknown",
            ),
        ),
    ),
    "Immunization": (
        (
            ("status",),
            _vs(
                "ImmunizationStatusCodes",
                "immunization-status",
                "completed entered-in-error not-done",
            ),
        ),
    ),
    "AllergyIntolerance": (
        (
            ("clinicalStatus",),
            _vs(
                "AllergyIntoleranceClinicalStatusCodes",
                "allergyintolerance-clinical",
                "active inactive resolved",
                f"{TERMINOLOGY}allergyintolerance-clinical",
            ),
        ),
        (
            ("verificationStatus",),
            _vs(
                "AllergyIntoleranceVerificationStatusCodes",
                "allergyintolerance-verification",
                "unconfirmed confirmed refuted entered-in-error",
                f"{TERMINOLOGY}allergyintolerance-verification",
            ),
        ),
        (
            ("type",),
            _vs("AllergyIntoleranceType", "allergy-intolerance-type", "allergy intolerance"),
        ),
        (
            ("category",),
            _vs(
                "AllergyIntoleranceCategory",
                "allergy-intolerance-category",
                "food medication environment biologic",
            ),
        ),
        (
            ("criticality",),
            _vs(
                "AllergyIntoleranceCriticality",
                "allergy-intolerance-criticality",
                "low high unable-to-assess",
            ),
        ),
        (
            ("reaction", "severity"),
            _vs("AllergyIntoleranceSeverity", "reaction-event-severity", "mild moderate severe"),
        ),
    ),
    "Claim": ((("status",), FM_STATUS), (("use",), CLAIM_USE)),
    "ExplanationOfBenefit": (
        (
            ("status",),
            _vs(
                "ExplanationOfBenefitStatus",
                "explanationofbenefit-status",
                "active cancelled draft entered-in-error",
            ),
        ),
        (("use",), CLAIM_USE),
        (
            ("outcome",),
            _vs("ClaimProcessingCodes", "remittance-outcome", "queued complete error partial"),
        ),
    ),
}


def check_bindings(resource_type: str, resource: dict[str, Any], where: str) -> list[Issue]:
    """The issues of ``resource``'s codes under required bindings (``where`` is the
    resource's own expression, ``Bundle.entry[3].resource``)."""
    issues: list[Issue] = []
    for steps, vs in BINDINGS.get(resource_type, ()):
        for expression, value in _values(resource, steps, where):
            issues.extend(_check(value, vs, expression))
    return issues


def _values(node: Any, steps: tuple[str, ...], where: str) -> Iterator[tuple[str, Any]]:
    """Every value at ``steps`` under ``node``, with its expression (lists entered)."""
    if not steps:
        yield where, node
        return
    if not isinstance(node, dict):
        return
    value = node.get(steps[0])
    if value is None:
        return
    here = f"{where}.{steps[0]}"
    if isinstance(value, list):
        for k, item in enumerate(value):
            yield from _values(item, steps[1:], f"{here}[{k}]")
    else:
        yield from _values(value, steps[1:], here)


def _allowed(vs: ValueSet) -> str:
    return f"the required value set {vs.name} ({vs.url}): {', '.join(vs.codes)}"


def _check(value: Any, vs: ValueSet, expression: str) -> list[Issue]:
    if vs.system is None:
        if isinstance(value, str) and value in vs.codes:
            return []
        return [Issue("code-invalid", f"{value!r} is not a code of {_allowed(vs)}", expression)]
    codings = value.get("coding") if isinstance(value, dict) else None
    ours = [
        (k, c)
        for k, c in enumerate(codings or ())
        if isinstance(c, dict) and c.get("system") in (None, vs.system)
    ]
    bad = [(k, c) for k, c in ours if c.get("code") not in vs.codes]
    if bad:
        return [
            Issue(
                "code-invalid",
                f"{c.get('code')!r} is not a code of {_allowed(vs)}",
                f"{expression}.coding[{k}].code",
            )
            for k, c in bad
        ]
    if not ours:
        return [
            Issue(
                "code-invalid",
                f"needs a coding of {vs.system} from {_allowed(vs)}",
                f"{expression}.coding",
            )
        ]
    return []
