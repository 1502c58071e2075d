"""Stored claims written as a FHIR R4 Claim and ExplanationOfBenefit, for the Bulk Data
export: the inverse of ``thamani.interop.fhir.history`` (a pair written here reads back
as the same historical claim)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from thamani.claims.records import ClaimStatus
from thamani.interop.fhir.elements import Coded, concept
from thamani.interop.fhir.history import (
    ADJUDICATION,
    CLAIM_TYPE,
    DIAGNOSIS_TYPE,
    INFO,
    PRIORITY,
    THAMANI_ADJUDICATION,
)
from thamani.money import to_major


def _money_json(minor: int, cur: str) -> dict[str, Any]:
    major = to_major(minor, cur)
    value: int | float = int(major) if major == major.to_integral_value() else float(major)
    return {"value": value, "currency": cur}


def _adjudication(code: str, minor: int, cur: str, system: str = ADJUDICATION) -> dict[str, Any]:
    return {
        "category": {"coding": [{"system": system, "code": code}]},
        "amount": _money_json(minor, cur),
    }


@dataclass(frozen=True, slots=True)
class Written:
    """A stored claim as its resources (the EOB None for a claim billed and unpaid)."""

    claim: dict[str, Any]
    eob: dict[str, Any] | None


def claim_resources(
    rid: str,
    stored: Any,
    given: Any,
    patient: str,
    provider: str,
    payer: str,
    payer_name: str,
) -> Written:
    """A stored claim (``Claim`` record ``stored`` and its ``ClaimInput`` ``given``) as a
    Claim and an ExplanationOfBenefit, with these resource ids for its patient, provider
    and payer (the programme's funder; ``payer_name`` its name: an import makes one
    programme per payer, so the funder, not the programme, is what comes back)."""
    cur = stored.currency
    e = given.encounter
    history = given.history
    lines = stored.lines
    extra = history.lines if history is not None else ()
    setting = stored.encounter_class
    kind = {
        "coding": [
            {"system": CLAIM_TYPE, "code": "institutional" if setting.hospital else "professional"}
        ]
    }
    period = {"start": stored.service_date.isoformat()}
    if e.end is not None and e.end != stored.service_date:
        period["end"] = e.end.isoformat()
    created = _iso(stored.submitted_at)
    items = []
    for k, x in enumerate(lines):
        system, display = (extra[k].system, extra[k].display) if k < len(extra) else (None, "")
        items.append(
            {
                "sequence": x.sequence,
                "productOrService": concept(Coded(system or "", x.code, display or "")),
                "quantity": {"value": x.quantity},
                "net": _money_json(x.asked, cur),
            }
        )
    insurer = {"reference": f"Organization/{payer}", "display": payer_name}
    claim: dict[str, Any] = {
        "resourceType": "Claim",
        "id": rid,
        "status": "active",
        "type": kind,
        "use": "claim",
        "patient": {"reference": f"Patient/{patient}"},
        "billablePeriod": period,
        "created": created,
        "insurer": insurer,
        "provider": {"reference": f"Organization/{provider}"},
        "priority": {"coding": [{"system": PRIORITY, "code": "normal"}]},
        "supportingInfo": [
            {
                "sequence": 1,
                "category": {"coding": [{"system": INFO, "code": "encounter-class"}]},
                "code": {"coding": [{"system": INFO, "code": setting.value}]},
            }
        ],
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": payer_name}}],
        "item": items,
        "total": _money_json(stored.asked, cur),
    }
    if e.practitioner:
        claim["careTeam"] = [{"sequence": 1, "provider": {"display": e.practitioner}}]
    if e.diagnoses:
        claim["diagnosis"] = [
            {
                "sequence": k,
                "diagnosisCodeableConcept": concept(Coded(d.system or "", d.code, "")),
                **(
                    {"type": [{"coding": [{"system": DIAGNOSIS_TYPE, "code": "principal"}]}]}
                    if d.primary
                    else {}
                ),
            }
            for k, d in enumerate(e.diagnoses, 1)
        ]
    paid = stored.payer + stored.co_pay + stored.deductible
    if stored.status is ClaimStatus.BILLED and paid == 0 and stored.not_covered == stored.asked:
        return Written(claim, None)
    eob_items = []
    for item, x in zip(items, lines, strict=True):
        adj = [
            _adjudication("submitted", x.asked, cur),
            _adjudication("benefit", x.payer, cur),
            _adjudication("copay", x.co_pay + x.deductible, cur),
        ]
        if x.not_covered:
            adj.append(_adjudication("outstanding", x.not_covered, cur, THAMANI_ADJUDICATION))
        eob_items.append({**item, "adjudication": adj})
    eob: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit",
        "id": rid,
        "status": "active",
        "type": kind,
        "use": "claim",
        "patient": claim["patient"],
        "billablePeriod": period,
        "created": created,
        "insurer": insurer,
        "provider": claim["provider"],
        "claim": {"reference": f"Claim/{rid}"},
        "outcome": "complete" if stored.status is ClaimStatus.PAID else "partial",
        "insurance": [{"focal": True, "coverage": {"display": payer_name}}],
        "item": eob_items,
        "total": [
            {
                "category": {"coding": [{"system": ADJUDICATION, "code": "submitted"}]},
                "amount": _money_json(stored.asked, cur),
            },
            {
                "category": {"coding": [{"system": ADJUDICATION, "code": "benefit"}]},
                "amount": _money_json(stored.payer, cur),
            },
        ],
        "payment": {"amount": _money_json(stored.payer, cur)},
    }
    return Written(claim, eob)


def _iso(ns: int) -> str:
    t = datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC)
    return t.isoformat().replace("+00:00", "Z")
