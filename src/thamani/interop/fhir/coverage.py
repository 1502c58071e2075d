"""Enrolments as FHIR R4 ``Coverage`` resources, and Claim Bundles in and out."""

from __future__ import annotations

from typing import Any

from thamani.interop.fhir.claims import MEMBER, PROGRAMME
from thamani.interop.fhir.outcomes import FhirError, Issue
from thamani.schemes.records import Coverage


def coverage_resource(c: Coverage, funder_ref: str, today_iso: str) -> dict[str, Any]:
    """A member's enrolment as a Coverage (validated R4B)."""
    from fhir.resources.R4B.coverage import Coverage as FhirCoverage

    e = c.enrolment
    active = e.start.isoformat() <= today_iso <= e.end.isoformat()
    body = {
        "resourceType": "Coverage",
        "id": str(e.id),
        "status": "active" if active else "cancelled",
        "subscriberId": c.household.reference,
        "beneficiary": {
            "reference": f"Patient/{c.member.reference}",
            "identifier": {"system": MEMBER, "value": c.member.reference},
            "display": c.member.name,
        },
        "period": {"start": e.start.isoformat(), "end": e.end.isoformat()},
        "payor": [{"reference": f"Organization/{funder_ref}"}],
        "class": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                            "code": "plan",
                        }
                    ]
                },
                "value": c.programme_code,
                "name": c.programme_name,
            }
        ],
        "identifier": [{"system": PROGRAMME, "value": f"{c.programme_code}/{e.id}"}],
    }
    return FhirCoverage.model_validate(body).model_dump(mode="json", exclude_none=True)


def bundle_entries(bundle: Any) -> list[Any]:
    """The resources of a Bundle of Claims (type batch or collection)."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    from thamani.interop.fhir.outcomes import from_validation

    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError([Issue("structure", "expected a Bundle", "Bundle.resourceType")])
    try:
        b = Bundle.model_validate(
            {
                **bundle,
                "entry": [
                    {k: v for k, v in e.items() if k != "resource"}
                    for e in bundle.get("entry") or []
                    if isinstance(e, dict)
                ],
            }
        )
    except ValidationError as e:
        raise from_validation("Bundle", e) from None
    if b.type not in ("batch", "collection", "transaction"):
        raise FhirError(
            [Issue("value", f"a Bundle of type {b.type} is not accepted", "Bundle.type")]
        )
    out = []
    for k, entry in enumerate(bundle.get("entry") or []):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if res is None:
            raise FhirError(
                [Issue("required", "each entry holds a resource", f"Bundle.entry[{k}].resource")]
            )
        out.append(res)
    if not out:
        raise FhirError([Issue("required", "the Bundle holds no entry", "Bundle.entry")])
    return out


def response_bundle(entries: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """A batch-response Bundle: (HTTP status, resource) per entry, in order."""
    from fhir.resources.R4B.bundle import Bundle

    head = {"resourceType": "Bundle", "type": "batch-response"}
    Bundle.model_validate({**head, "entry": [{"response": {"status": s}} for s, _ in entries]})
    return {**head, "entry": [{"resource": r, "response": {"status": s}} for s, r in entries]}
