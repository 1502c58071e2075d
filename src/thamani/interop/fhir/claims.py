"""FHIR R4 ``Claim`` to ``ClaimInput`` and back, and claims to ``ClaimResponse`` and
``ExplanationOfBenefit``.

How a Claim's elements map (the rest is ignored):

- ``use``: ``claim`` or ``preauthorization``; ``identifier[0].value``: the provider's claim
  number; ``patient``: ``Patient/<member number>`` (or an identifier); ``provider``:
  ``Organization/<facility reference>`` (or an identifier).
- ``insurance[0].coverage``: ``Coverage/<enrolment id>``, or an identifier whose value is the
  programme's code; ``insurance[0].preAuthRef[0]``: the pre-authorisation's id;
  ``insurer`` with an identifier of system ``PROGRAMME`` also names the programme.
- ``billablePeriod``: the encounter's dates (else the first item's ``servicedDate``);
  ``priority`` ``stat`` means emergency care, a ``referral`` referral care;
  ``careTeam[0].provider``: the practitioner.
- ``diagnosis[].diagnosisCodeableConcept``: ICD-10 codings (system ``ICD10`` or
  ``ICD10_CM``); ``type`` ``principal`` marks the primary diagnosis.
- ``item[]``: ``productOrService`` (the programme's item code; an ATC or LOINC coding rides
  along), ``quantity``, ``unitPrice`` (major units, converted to minor units).
- ``supportingInfo[]`` with a category of system ``INFO``: ``encounter-class``,
  ``care-type``, ``vital-sign``, ``lab-result`` (a LOINC ``code`` and a value) and
  ``patient-reported`` (question in ``code.text``, answer in ``valueString``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from thamani.claims.records import (
    Answer,
    Claim,
    ClaimInput,
    ClaimStatus,
    ClaimUse,
    Diagnosis,
    Encounter,
    LabResult,
    LineInput,
    LineStatus,
    Vital,
)
from thamani.errors import InvalidInput
from thamani.interop.fhir.outcomes import FhirError, Issue, from_validation
from thamani.ledger.ids import format_id
from thamani.money import CURRENCIES, parse_amount, to_major
from thamani.schemes.records import CareType, EncounterClass, IcdEdition

BASE = "https://thamani.health/fhir"
INFO = f"{BASE}/CodeSystem/claim-information"
REASONS = f"{BASE}/CodeSystem/adjudication-reason"
FLAGS = f"{BASE}/CodeSystem/review-flag"
PROGRAMME = f"{BASE}/programme"
MEMBER = f"{BASE}/member-number"
FACILITY = f"{BASE}/facility"
ITEMS = f"{BASE}/CodeSystem/benefit-item"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"

#: Resolves a currency for amounts without one: (programme code, coverage id) -> ISO code
#: (None when the claim does not say which programme it is for).
CurrencyOf = Callable[[str | None, int | None], str | None]


def _fail(where: str, message: str, code: str = "value") -> FhirError:
    return FhirError([Issue(code, message, where)])


def _ref_id(ref: Any, kind: str, where: str, system: str) -> str:
    """The id in ``Kind/<id>``, or the value of an identifier of ``system`` (any system)."""
    if ref is None:
        raise _fail(where, f"{where} is required", "required")
    text = getattr(ref, "reference", None)
    if text:
        head, _, tail = text.rpartition("/")
        if head.split("/")[-1] != kind or not tail:
            raise _fail(f"{where}.reference", f"expected {kind}/<id>, not {text!r}")
        return str(tail)
    ident = getattr(ref, "identifier", None)
    if ident is not None and ident.value:
        return str(ident.value)
    raise _fail(where, f"{where} needs a reference ({kind}/<id>) or an identifier", "required")


def _code(concept: Any, system: str | None = None) -> str | None:
    if concept is None:
        return None
    for c in concept.coding or ():
        if system is None or c.system == system:
            return str(c.code) if c.code else None
    return None


def read_claim(resource: Any, currency_of: CurrencyOf, prefix: str = "Claim") -> ClaimInput:
    """A FHIR R4 Claim (a dict) as a ``ClaimInput``; faults are ``FhirError``s naming the
    element."""
    from fhir.resources.R4B.claim import Claim as FhirClaim

    if not isinstance(resource, dict):
        raise _fail(prefix, "a Claim resource is a JSON object", "structure")
    if resource.get("resourceType") != "Claim":
        raise _fail(
            f"{prefix}.resourceType",
            f"expected a Claim, not {resource.get('resourceType')!r}",
            "structure",
        )
    try:
        c = FhirClaim.model_validate(resource)
    except ValidationError as e:
        raise from_validation("Claim", e, prefix) from None
    use_text = c.use or "claim"
    try:
        use = ClaimUse(use_text)
    except ValueError:
        raise _fail(
            f"{prefix}.use", f"use {use_text!r} is not supported (claim or preauthorization)"
        ) from None
    member = _ref_id(c.patient, "Patient", f"{prefix}.patient", MEMBER)
    provider = _ref_id(c.provider, "Organization", f"{prefix}.provider", FACILITY)
    programme: str | None = None
    coverage: int | None = None
    preauth = 0
    insurer = c.insurer.identifier if c.insurer is not None else None
    if insurer is not None and insurer.system == PROGRAMME:
        programme = insurer.value
    ins = c.insurance[0] if c.insurance else None
    if ins is not None:
        cov = ins.coverage
        if cov.reference:
            text = _ref_id(cov, "Coverage", f"{prefix}.insurance[0].coverage", "")
            if not text.isdigit():
                raise _fail(f"{prefix}.insurance[0].coverage.reference", "Coverage/<number>")
            coverage = int(text)
        elif cov.identifier is not None and cov.identifier.value:
            programme = programme or cov.identifier.value
        if ins.preAuthRef:
            ref = str(ins.preAuthRef[0] or "")
            if not ref.isdigit():
                raise _fail(f"{prefix}.insurance[0].preAuthRef[0]", f"{ref!r} is not a claim id")
            preauth = int(ref)
    start, end = _period(c, prefix)
    info = _supporting(c, prefix)
    cls = info.get("encounter-class") or _class_of_type(c)
    care = info.get("care-type")
    if care is None:
        care = (
            CareType.EMERGENCY.value
            if _code(c.priority) == "stat" or cls == EncounterClass.EMERGENCY.value
            else CareType.REFERRAL.value
            if c.referral is not None
            else CareType.NORMAL.value
        )
    try:
        encounter_class = EncounterClass(cls)
        care_type = CareType(care)
    except ValueError as e:
        raise _fail(f"{prefix}.supportingInfo", str(e)) from None
    practitioner = None
    if c.careTeam:
        p = c.careTeam[0].provider
        practitioner = p.display or (p.reference.rpartition("/")[2] if p.reference else None)
    diagnoses = _diagnoses(c, prefix)
    cur = currency_of(programme, coverage)
    lines = []
    for k, item in enumerate(c.item or ()):
        where = f"{prefix}.item[{k}]"
        code = _code(item.productOrService, None)
        if not code:
            raise _fail(f"{where}.productOrService", "an item needs a code", "required")
        qty = item.quantity.value if item.quantity is not None else 1
        if qty is None or Decimal(qty) != int(qty) or int(qty) < 1:
            raise _fail(f"{where}.quantity.value", f"quantity {qty} is not a whole number >= 1")
        price = 0
        if item.unitPrice is not None and item.unitPrice.value is not None:
            currency = item.unitPrice.currency or cur
            if currency is None:
                raise _fail(
                    f"{where}.unitPrice.currency",
                    "give the currency (the claim does not name its programme)",
                    "required",
                )
            try:
                price = parse_amount(str(item.unitPrice.value), currency)
            except InvalidInput as e:
                raise _fail(f"{where}.unitPrice", e.message) from None
        lines.append(
            LineInput(
                int(item.sequence or k + 1),
                code,
                int(qty),
                price,
                _code(item.productOrService, ATC),
                _code(item.productOrService, LOINC),
            )
        )
    if not lines:
        raise _fail(f"{prefix}.item", "a claim has at least one item", "required")
    reference = c.identifier[0].value if c.identifier else None
    return ClaimInput(
        use=use,
        provider=provider,
        member=member,
        encounter=Encounter(
            encounter_class,
            care_type,
            start,
            end,
            practitioner,
            diagnoses,
            tuple(info.get("labs", ())),
            tuple(info.get("vitals", ())),
            tuple(info.get("answers", ())),
        ),
        lines=tuple(lines),
        programme=programme,
        coverage=coverage,
        reference=reference,
        preauth_id=preauth,
    )


def _period(c: Any, prefix: str) -> tuple[date, date | None]:
    bp = c.billablePeriod
    start = end = None
    if bp is not None:
        start = _day(bp.start)
        end = _day(bp.end)
    if start is None and c.item and c.item[0].servicedDate is not None:
        start = c.item[0].servicedDate
    if start is None:
        raise _fail(f"{prefix}.billablePeriod.start", "the service date is required", "required")
    if end == start:
        end = None
    return start, end


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _class_of_type(c: Any) -> str:
    kind = _code(c.type)
    return (
        EncounterClass.INPATIENT.value
        if kind == "institutional"
        else EncounterClass.OUTPATIENT.value
    )


def _diagnoses(c: Any, prefix: str) -> tuple[Diagnosis, ...]:
    out = []
    for k, d in enumerate(c.diagnosis or ()):
        where = f"{prefix}.diagnosis[{k}].diagnosisCodeableConcept"
        concept = d.diagnosisCodeableConcept
        code = _code(concept, ICD10) or _code(concept, ICD10_CM) or _code(concept, None)
        if not code:
            raise _fail(where, "a diagnosis needs an ICD-10 coding", "required")
        primary = any(_code(t) == "principal" for t in d.type or ())
        out.append(Diagnosis(code, primary))
    if not out:
        raise _fail(f"{prefix}.diagnosis", "a claim carries at least one diagnosis", "required")
    if not any(d.primary for d in out):
        out[0] = Diagnosis(out[0].code, True)
    return tuple(out)


def _supporting(c: Any, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {"labs": [], "vitals": [], "answers": []}
    for k, s in enumerate(c.supportingInfo or ()):
        kind = _code(s.category, INFO)
        where = f"{prefix}.supportingInfo[{k}]"
        if kind in ("encounter-class", "care-type"):
            value = _code(s.code)
            if not value:
                raise _fail(f"{where}.code", f"{kind} needs a code", "required")
            out[kind] = value
        elif kind in ("vital-sign", "lab-result"):
            name = (s.code.text if s.code else None) or (
                s.code.coding[0].display if s.code and s.code.coding else None
            )
            loinc = _code(s.code, LOINC)
            if s.valueQuantity is not None:
                value, unit = _number(s.valueQuantity.value), s.valueQuantity.unit
            elif s.valueString is not None:
                value, unit = s.valueString, None
            else:
                raise _fail(f"{where}.value[x]", f"a {kind} needs a value", "required")
            label = name or loinc or kind
            if kind == "vital-sign":
                out["vitals"].append(Vital(label, value, unit, loinc))
            else:
                out["labs"].append(LabResult(label, value, unit, loinc))
        elif kind == "patient-reported":
            question = s.code.text if s.code is not None else None
            if not question or s.valueString is None:
                raise _fail(where, "an answer needs code.text and valueString", "required")
            out["answers"].append(Answer(question, s.valueString))
    return out


def _number(value: Any) -> str:
    """A quantity's value as people write it (``118``, ``11.2``), without float noise."""
    return format(Decimal(str(value)).normalize(), "f")


# -- writing -----------------------------------------------------------------------------


def _money(minor: int, currency: str) -> dict[str, Any]:
    if currency not in CURRENCIES:  # a claim no programme could be found for: all zero
        return {"value": float(minor)}
    return {"value": float(to_major(minor, currency)), "currency": currency}


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def claim_resource(
    c: ClaimInput, currency: str, edition: IcdEdition = IcdEdition.WHO
) -> dict[str, Any]:
    """A ``ClaimInput`` as a FHIR R4 Claim (``read_claim`` reads it back unchanged)."""
    from fhir.resources.R4B.claim import Claim as FhirClaim

    e = c.encounter
    system = ICD10 if edition is IcdEdition.WHO else ICD10_CM
    info: list[dict[str, Any]] = [
        {
            "category": _concept(INFO, "encounter-class"),
            "code": _concept(INFO, e.encounter_class.value),
        },
        {"category": _concept(INFO, "care-type"), "code": _concept(INFO, e.care_type.value)},
    ]
    readings: tuple[tuple[str, tuple[Vital | LabResult, ...]], ...] = (
        ("vital-sign", e.vitals),
        ("lab-result", e.labs),
    )
    for kind, rows in readings:
        for x in rows:
            code: dict[str, Any] = {"text": x.name}
            if x.loinc:
                code["coding"] = [{"system": LOINC, "code": x.loinc}]
            entry: dict[str, Any] = {"category": _concept(INFO, kind), "code": code}
            entry["valueString"] = x.value if x.unit is None else None
            if x.unit is not None:
                entry["valueQuantity"] = {"value": float(Decimal(x.value)), "unit": x.unit}
            info.append({k: v for k, v in entry.items() if v is not None})
    for a in e.answers:
        info.append(
            {
                "category": _concept(INFO, "patient-reported"),
                "code": {"text": a.question},
                "valueString": a.answer,
            }
        )
    for n, entry in enumerate(info, 1):
        entry["sequence"] = n
    insurance: dict[str, Any] = {"sequence": 1, "focal": True}
    if c.coverage is not None:
        insurance["coverage"] = {"reference": f"Coverage/{c.coverage}"}
    elif c.programme:
        insurance["coverage"] = {"identifier": {"system": PROGRAMME, "value": c.programme}}
    else:
        insurance["coverage"] = {"display": "the member's cover on the service date"}
    if c.preauth_id:
        insurance["preAuthRef"] = [format_id(c.preauth_id)]
    body: dict[str, Any] = {
        "resourceType": "Claim",
        "status": "active",
        "type": _concept(
            CLAIM_TYPE,
            "institutional" if e.encounter_class is EncounterClass.INPATIENT else "professional",
        ),
        "use": c.use.value,
        "patient": {"reference": f"Patient/{c.member}"},
        "created": e.start.isoformat(),
        "provider": {"reference": f"Organization/{c.provider}"},
        "priority": _concept(PRIORITY, "stat" if e.care_type is CareType.EMERGENCY else "normal"),
        "insurance": [insurance],
        "billablePeriod": {"start": e.start.isoformat(), "end": (e.end or e.start).isoformat()},
        "diagnosis": [
            {
                "sequence": k,
                "diagnosisCodeableConcept": _concept(system, d.code),
                **({"type": [_concept(DIAGNOSIS_TYPE, "principal")]} if d.primary else {}),
            }
            for k, d in enumerate(e.diagnoses, 1)
        ],
        "supportingInfo": info,
        "item": [
            {
                "sequence": x.sequence,
                "productOrService": {
                    "coding": [
                        {"system": ITEMS, "code": x.code},
                        *([{"system": ATC, "code": x.atc}] if x.atc else []),
                        *([{"system": LOINC, "code": x.loinc}] if x.loinc else []),
                    ]
                },
                "quantity": {"value": x.quantity},
                "unitPrice": _money(x.unit_price, currency),
            }
            for x in c.lines
        ],
    }
    if c.programme and c.coverage is not None:
        body["insurer"] = {"identifier": {"system": PROGRAMME, "value": c.programme}}
    if c.reference:
        body["identifier"] = [{"system": f"{FACILITY}/{c.provider}/claim", "value": c.reference}]
    if e.practitioner:
        body["careTeam"] = [{"sequence": 1, "provider": {"display": e.practitioner}}]
    if e.care_type is CareType.REFERRAL:
        body["referral"] = {"display": "referred"}
    return FhirClaim.model_validate(body).model_dump(mode="json", exclude_none=True)


_OUTCOME = {
    ClaimStatus.REJECTED: "error",
    ClaimStatus.IN_REVIEW: "queued",
    ClaimStatus.VALUATED: "queued",
}


def _adjudication(x: Any, cur: str) -> list[dict[str, Any]]:
    rows = [
        {"category": _concept(ADJUDICATION, "submitted"), "amount": _money(x.asked, cur)},
    ]
    if x.status is not LineStatus.REJECTED:
        rows += [
            {"category": _concept(ADJUDICATION, "eligible"), "amount": _money(x.valuated, cur)},
            {"category": _concept(ADJUDICATION, "copay"), "amount": _money(x.co_pay, cur)},
            {"category": _concept(ADJUDICATION, "deductible"), "amount": _money(x.deductible, cur)},
            {"category": _concept(ADJUDICATION, "benefit"), "amount": _money(x.payer, cur)},
        ]
    if x.reason:
        rows[0]["reason"] = _concept(REASONS, x.reason, x.message)
    return rows


def claim_response(c: Claim, provider_ref: str) -> dict[str, Any]:
    """The ``ClaimResponse`` to a claim or pre-authorisation (validated R4B)."""
    from fhir.resources.R4B.claimresponse import ClaimResponse

    cur = c.currency
    outcome = _OUTCOME.get(c.status, "complete")
    if outcome == "complete" and any(x.status is not LineStatus.ACCEPTED for x in c.lines):
        outcome = "partial"
    body: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": format_id(c.id),
        "status": "cancelled" if c.status is ClaimStatus.REVERSED else "active",
        "type": _concept(
            CLAIM_TYPE,
            "institutional" if c.encounter_class is EncounterClass.INPATIENT else "professional",
        ),
        "use": c.use.value,
        "patient": {"reference": f"Patient/{c.member_ref}"},
        "created": _instant(c.decided_at),
        "insurer": _insurer(c),
        "requestor": {"reference": f"Organization/{provider_ref}"},
        "request": {"reference": f"Claim/{format_id(c.id)}"},
        "outcome": outcome,
        "disposition": _disposition(c),
        "item": [
            {"itemSequence": x.sequence, "adjudication": _adjudication(x, cur)} for x in c.lines
        ],
    }
    if c.reference:
        body["identifier"] = [{"system": f"{FACILITY}/{provider_ref}/claim", "value": c.reference}]
    if c.status is not ClaimStatus.REJECTED:
        body["total"] = _totals(c)
    if c.use is ClaimUse.PREAUTHORIZATION and c.status in (
        ClaimStatus.AUTHORISED,
        ClaimStatus.CLOSED,
    ):
        body["preAuthRef"] = format_id(c.id)
        body["preAuthPeriod"] = {"start": _instant(c.decided_at), "end": _instant(c.expires_at)}
    if c.status is ClaimStatus.PAID and c.paid_at:
        body["payment"] = {
            "type": _concept("http://terminology.hl7.org/CodeSystem/ex-paymenttype", "complete"),
            "date": _instant(c.paid_at)[:10],
            "amount": _money(c.payer, cur),
        }
    if c.findings:
        body["error"] = [{"code": _concept(REASONS, f.code, f.message)} for f in c.findings]
    notes = [f"{f.code}: {f.message}" for f in (*c.findings, *c.flags)]
    if notes:
        body["processNote"] = [{"number": k, "text": t} for k, t in enumerate(notes, 1)]
    return ClaimResponse.model_validate(body).model_dump(mode="json", exclude_none=True)


def explanation_of_benefit(c: Claim, provider_ref: str) -> dict[str, Any]:
    """The ``ExplanationOfBenefit`` of a settled (paid or reversed) claim."""
    from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

    if c.status not in (ClaimStatus.PAID, ClaimStatus.REVERSED):
        raise InvalidInput(
            f"claim {c.id} is {c.status.label}: only settled claims have an explanation of benefit",
            code="not_settled",
        )
    cur = c.currency
    coverage = (
        {"reference": f"Coverage/{c.enrolment_id}"}
        if c.enrolment_id
        else {"identifier": {"system": PROGRAMME, "value": c.programme_code}}
    )
    body: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit",
        "id": format_id(c.id),
        "status": "cancelled" if c.status is ClaimStatus.REVERSED else "active",
        "type": _concept(
            CLAIM_TYPE,
            "institutional" if c.encounter_class is EncounterClass.INPATIENT else "professional",
        ),
        "use": "claim",
        "patient": {"reference": f"Patient/{c.member_ref}"},
        "billablePeriod": {"start": c.service_date.isoformat()},
        "created": _instant(c.decided_at),
        "insurer": _insurer(c),
        "provider": {"reference": f"Organization/{provider_ref}"},
        "claim": {"reference": f"Claim/{format_id(c.id)}"},
        "claimResponse": {"reference": f"ClaimResponse/{format_id(c.id)}"},
        "outcome": "partial"
        if any(x.status is not LineStatus.ACCEPTED for x in c.lines)
        else "complete",
        "disposition": _disposition(c),
        "insurance": [{"focal": True, "coverage": coverage}],
        "diagnosis": [
            {"sequence": k, "diagnosisCodeableConcept": _concept(ICD10, d.code)}
            for k, d in enumerate(c.encounter.diagnoses, 1)
        ],
        "item": [
            {
                "sequence": x.sequence,
                "productOrService": _concept(ITEMS, x.code),
                "servicedDate": c.service_date.isoformat(),
                "quantity": {"value": x.quantity},
                "adjudication": _adjudication(x, cur),
            }
            for x in c.lines
        ],
        "total": _totals(c),
        "payment": {
            "date": _instant(c.paid_at or c.decided_at)[:10],
            "amount": _money(c.payer, cur),
        },
    }
    return ExplanationOfBenefit.model_validate(body).model_dump(mode="json", exclude_none=True)


def _insurer(c: Claim) -> dict[str, Any]:
    return {
        "identifier": {"system": PROGRAMME, "value": c.programme_code or "unknown"},
        "display": c.programme_code or "unknown programme",
    }


def _totals(c: Claim) -> list[dict[str, Any]]:
    cur = c.currency
    return [
        {"category": _concept(ADJUDICATION, "submitted"), "amount": _money(c.asked, cur)},
        {"category": _concept(ADJUDICATION, "eligible"), "amount": _money(c.valuated, cur)},
        {"category": _concept(ADJUDICATION, "copay"), "amount": _money(c.co_pay, cur)},
        {"category": _concept(ADJUDICATION, "deductible"), "amount": _money(c.deductible, cur)},
        {"category": _concept(ADJUDICATION, "benefit"), "amount": _money(c.payer, cur)},
    ]


def _disposition(c: Claim) -> str:
    if c.status is ClaimStatus.REJECTED:
        why = c.findings[0].message if c.findings else "every line was rejected"
        return f"rejected: {why}"
    if c.status is ClaimStatus.IN_REVIEW:
        return "in review: " + "; ".join(f.message for f in c.flags)
    return c.status.label


def _instant(ns: int) -> str:
    from datetime import UTC

    return datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat(timespec="seconds")
