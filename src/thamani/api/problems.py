"""Errors as RFC 9457 problem details (``application/problem+json``).

Each ``ThamaniError`` class maps to one status; the body names the stable error code, a
human sentence, and where the fault is. Request validation errors list every field at
fault by its JSON pointer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from thamani.api.responses import FastJSONResponse
from thamani.errors import ThamaniError

PROBLEM_BASE = "https://thamani.health/problems/"
MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    where: str | None = None,
    extra: dict[str, Any] | None = None,
) -> FastJSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if where:
        body["where"] = where
    if extra:
        body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return FastJSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return "/" + "/".join(parts)


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors into problem responses."""

    @app.exception_handler(ThamaniError)
    async def _thamani(request: Request, exc: ThamaniError) -> FastJSONResponse:
        return problem(
            exc.status,
            exc.code,
            exc.title,
            exc.message,
            instance=request.url.path,
            where=exc.where,
            extra=exc.details or None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> FastJSONResponse:
        errors = [
            {"where": _pointer(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"where": "/", "message": "invalid request"}
        return problem(
            422,
            "invalid_input",
            "Invalid input",
            f"{first['message']} at {first['where']}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            instance=request.url.path,
            where=first["where"],
            extra={"errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> FastJSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(
            exc.status_code,
            code,
            str(exc.detail) if exc.status_code != 404 else "Not found",
            str(exc.detail),
            instance=request.url.path,
        )
