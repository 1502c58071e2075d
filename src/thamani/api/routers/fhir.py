"""``POST /fhir``: a FHIR R4 Bundle, answered in FHIR (``application/fhir+json``).

- A ``transaction`` or ``collection`` Bundle is imported (``interop:admin``): patients,
  organisations, the clinical record and historical claims, all or nothing. The answer
  is a ``transaction-response`` Bundle with one entry per entry sent (``201 Created``,
  ``200 OK`` when it was stored already or is of a type not imported, with a note); a
  fault is an OperationOutcome naming the resource and the element (400 when the body is
  not an importable Bundle, 422 when a resource in it is at fault).
- A ``batch`` Bundle of Claims is adjudicated (``claims:write``), answered by a
  ``batch-response`` Bundle of ClaimResponses.

The router is mounted on the FHIR sub-application (``thamani.api.fhir``), whose error
handlers answer OperationOutcomes.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from thamani.api.deps import actor, platform
from thamani.errors import Forbidden
from thamani.interop.fhir.claims import claim_response, read_claim
from thamani.interop.fhir.coverage import bundle_entries, response_bundle
from thamani.interop.fhir.outcomes import FhirError, Issue, operation_outcome
from thamani.interop.fhir.results import Outcome, UnitResult
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform

MEDIA_TYPE = "application/fhir+json"

router = APIRouter(tags=["fhir"])


class FhirResponse(Response):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def read_body(request: Request) -> Any:
    """The request's JSON; an OperationOutcome (400) when it is not JSON."""
    raw = await request.body()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise FhirError([Issue("structure", f"the body is not JSON: {e}")], status=400) from None


def _need(who: Actor, scope: Scope) -> None:
    if scope not in who.scopes:
        raise Forbidden(f"this token lacks the scope {scope.value}", code="missing_scope")


@router.post("/")
async def post_bundle(
    request: Request,
    p: Platform = Depends(platform),
    who: Actor = Depends(actor),
) -> FhirResponse:
    """Import a transaction or collection Bundle, or adjudicate a batch of Claims."""
    bundle = await read_body(request)
    if isinstance(bundle, dict) and bundle.get("type") == "batch":
        _need(who, Scope.CLAIMS_WRITE)
        return FhirResponse(await run_in_threadpool(_claims, p, who, bundle))
    _need(who, Scope.INTEROP_ADMIN)
    result = await run_in_threadpool(p.fhir.import_bundle, bundle, who)
    return FhirResponse(transaction_response(result))


def _claims(p: Platform, who: Actor, bundle: Any) -> dict[str, Any]:
    """A batch Bundle of Claims: every Claim is read first (one malformed entry and
    nothing is stored), then all are adjudicated together."""
    resources = bundle_entries(bundle)
    claims = [
        read_claim(r, p.schemes.currency_of, f"Bundle.entry[{k}].resource")
        for k, r in enumerate(resources)
    ]
    done = p.claims.submit_batch(claims, who)
    return response_bundle(
        [("201 Created", claim_response(d, c.provider)) for d, c in zip(done, claims, strict=True)]
    )


_STATUS = {Outcome.ADDED: "201 Created", Outcome.UNCHANGED: "200 OK", Outcome.SKIPPED: "200 OK"}


def transaction_response(result: UnitResult) -> dict[str, Any]:
    """The answer to an imported Bundle: one entry per entry sent, in order."""
    entries = []
    for e in sorted(result.entries, key=lambda x: x.index):
        response: dict[str, Any] = {"status": _STATUS[e.outcome]}
        note = None
        if e.outcome is Outcome.SKIPPED:
            note = f"{e.type} resources are not imported"
        else:
            response["location"] = f"{e.type}/{e.id}"
            if e.outcome is Outcome.UNCHANGED:
                note = f"{e.type}/{e.id} was stored already: left as it was"
        if note:
            response["outcome"] = operation_outcome(
                [Issue("informational", note, None, "information")]
            )
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
