"""The FHIR R4 endpoint, mounted at ``/fhir``: its own small app, so that every error it
answers is an ``OperationOutcome`` (``application/fhir+json``), not a problem document.

- ``POST /fhir/Claim``: a Claim (use ``claim`` or ``preauthorization``) -> ClaimResponse.
- ``POST /fhir``: a Bundle (batch) of Claims -> a batch-response Bundle of ClaimResponses.
- ``GET /fhir/ClaimResponse/{id}``, ``GET /fhir/ExplanationOfBenefit/{id}`` (settled claims).
- ``GET /fhir/Coverage?patient=<member number>``, ``GET /fhir/Coverage/{id}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from thamani.api.deps import platform, require
from thamani.errors import InvalidInput, NotFound, ThamaniError
from thamani.interop.fhir.claims import claim_response, explanation_of_benefit, read_claim
from thamani.interop.fhir.coverage import bundle_entries, coverage_resource, response_bundle
from thamani.interop.fhir.outcomes import FhirError, Issue, from_error, operation_outcome
from thamani.ledger.ids import parse_id
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform

MEDIA_TYPE = "application/fhir+json"


class FhirResponse(Response):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _outcome(issues: list[Issue], status: int) -> FhirResponse:
    return FhirResponse(operation_outcome(issues), status_code=status)


def create_fhir_app(plat: Platform) -> FastAPI:
    """The ``/fhir`` sub-application over ``plat``."""
    app = FastAPI(
        title="Thamani FHIR R4",
        description="Claims in, ClaimResponse, ExplanationOfBenefit and Coverage out.",
        default_response_class=FhirResponse,
    )
    app.state.platform = plat

    @app.exception_handler(ThamaniError)
    async def _error(request: Request, exc: ThamaniError) -> FhirResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        resp = _outcome(from_error(exc), exc.status)
        if headers:
            resp.headers.update(headers)
        return resp

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> FhirResponse:
        code = "not-found" if exc.status_code == 404 else "not-supported"
        return _outcome([Issue(code, str(exc.detail))], exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> FhirResponse:
        issues = [
            Issue(
                "value",
                str(e.get("msg", "invalid")),
                ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body")),
            )
            for e in exc.errors()
        ]
        return _outcome(issues or [Issue("invalid", "invalid request")], 422)

    async def _body(request: Request) -> Any:
        raw = await request.body()
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as e:
            raise FhirError([Issue("structure", f"the body is not JSON: {e}")]) from None

    @app.post("/Claim", tags=["fhir"])
    async def post_claim(
        request: Request,
        p: Platform = Depends(platform),
        who: Actor = Depends(require(Scope.CLAIMS_WRITE)),
    ) -> FhirResponse:
        """Adjudicate one Claim and answer its ClaimResponse."""
        resource = await _body(request)

        def work() -> dict[str, Any]:
            claim = read_claim(resource, p.schemes.currency_of)
            done = p.claims.submit(claim, who)
            return claim_response(done, claim.provider)

        return FhirResponse(await run_in_threadpool(work), status_code=201)

    @app.post("/", tags=["fhir"])
    async def post_bundle(
        request: Request,
        p: Platform = Depends(platform),
        who: Actor = Depends(require(Scope.CLAIMS_WRITE)),
    ) -> FhirResponse:
        """A batch Bundle of Claims: every Claim is read first (one malformed entry and
        nothing is stored), then all are adjudicated together."""
        bundle = await _body(request)

        def work() -> dict[str, Any]:
            resources = bundle_entries(bundle)
            claims = [
                read_claim(r, p.schemes.currency_of, f"Bundle.entry[{k}].resource")
                for k, r in enumerate(resources)
            ]
            done = p.claims.submit_batch(claims, who)
            return response_bundle(
                [
                    ("201 Created", claim_response(d, c.provider))
                    for d, c in zip(done, claims, strict=True)
                ]
            )

        return FhirResponse(await run_in_threadpool(work))

    @app.get("/ClaimResponse/{claim_id}", tags=["fhir"])
    def get_claim_response(
        claim_id: str,
        p: Platform = Depends(platform),
        who: Actor = Depends(require(Scope.CLAIMS_READ)),
    ) -> FhirResponse:
        c = p.claims.get(_id(claim_id), who)
        return FhirResponse(claim_response(c, _reference(p, c.provider_id)))

    @app.get("/ExplanationOfBenefit/{claim_id}", tags=["fhir"])
    def get_eob(
        claim_id: str,
        p: Platform = Depends(platform),
        who: Actor = Depends(require(Scope.CLAIMS_READ)),
    ) -> FhirResponse:
        c = p.claims.get(_id(claim_id), who)
        try:
            return FhirResponse(explanation_of_benefit(c, _reference(p, c.provider_id)))
        except InvalidInput as e:
            raise NotFound(e.message, code="not_settled") from None

    @app.get("/Coverage", tags=["fhir"])
    def search_coverage(
        patient: str | None = None,
        p: Platform = Depends(platform),
        who: Actor = Depends(require(Scope.SCHEMES_READ)),
    ) -> FhirResponse:
        """Coverages of a member (``patient=NI-1`` or ``Patient/NI-1``), as a searchset."""
        if patient:
            member = patient.rpartition("/")[2]
            found = p.schemes.coverage(member, None, who)
        else:
            found = p.schemes.coverage_of(who)
        today = datetime.fromtimestamp(p.clock.now_ns() / 1e9, tz=UTC).date().isoformat()
        entries = [
            {"resource": coverage_resource(c, _reference(p, c.funder_id), today)} for c in found
        ]
        return FhirResponse(
            {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}
        )

    @app.get("/Coverage/{enrolment_id}", tags=["fhir"])
    def get_coverage(
        enrolment_id: int,
        p: Platform = Depends(platform),
        who: Actor = Depends(require(Scope.SCHEMES_READ)),
    ) -> FhirResponse:
        c = p.schemes.enrolment(enrolment_id, who)
        today = datetime.fromtimestamp(p.clock.now_ns() / 1e9, tz=UTC).date().isoformat()
        return FhirResponse(coverage_resource(c, _reference(p, c.funder_id), today))

    return app


def _id(text: str) -> int:
    return parse_id(text, field="id")


def _reference(p: Platform, party_id: int) -> str:
    return p.parties.get(party_id).reference or str(party_id)
