"""The FHIR R4 endpoint, mounted at ``/fhir``: its own small app, so that every error it
answers is an ``OperationOutcome`` (``application/fhir+json``), not a problem document.

- ``POST /fhir/Claim``: a Claim (use ``claim`` or ``preauthorization``) -> ClaimResponse.
- ``POST /fhir``: a Bundle: a batch of Claims -> a batch-response Bundle of ClaimResponses;
  a transaction or collection -> imported, a transaction-response Bundle (see
  ``thamani.api.routers.fhir``).
- ``GET /fhir/ClaimResponse/{id}``, ``GET /fhir/ExplanationOfBenefit/{id}`` (settled claims).
- ``GET /fhir/Coverage?patient=<member number>``, ``GET /fhir/Coverage/{id}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from thamani.api.deps import platform, require
from thamani.api.routers import fhir
from thamani.api.routers.fhir import FhirResponse, read_body
from thamani.errors import InvalidInput, NotFound, ThamaniError
from thamani.interop.fhir.claims import claim_response, explanation_of_benefit, read_claim
from thamani.interop.fhir.coverage import coverage_resource
from thamani.interop.fhir.outcomes import Issue, from_error, operation_outcome
from thamani.ledger.ids import parse_id
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform


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

    @app.post("/Claim", tags=["fhir"])
    async def post_claim(
        request: Request,
        p: Platform = Depends(platform),
        who: Actor = Depends(require(Scope.CLAIMS_WRITE)),
    ) -> FhirResponse:
        """Adjudicate one Claim and answer its ClaimResponse."""
        resource = await read_body(request)

        def work() -> dict[str, Any]:
            claim = read_claim(resource, p.schemes.currency_of)
            done = p.claims.submit(claim, who)
            return claim_response(done, claim.provider)

        return FhirResponse(await run_in_threadpool(work), status_code=201)

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

    app.include_router(fhir.router)
    return app


def _id(text: str) -> int:
    return parse_id(text, field="id")


def _reference(p: Platform, party_id: int) -> str:
    return p.parties.get(party_id).reference or str(party_id)
