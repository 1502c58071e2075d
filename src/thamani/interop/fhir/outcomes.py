"""Errors as FHIR ``OperationOutcome``s, each issue naming the element at fault.

The element is written as a FHIRPath-like expression: ``Claim.item[2].quantity.value``
(FHIR's own convention for ``OperationOutcome.issue.expression``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from thamani.errors import ThamaniError

#: FHIR issue types by Thamani error class and code.
ISSUE_TYPES = {
    "InvalidInput": "invalid",
    "NotFound": "not-found",
    "Conflict": "conflict",
    "Forbidden": "forbidden",
    "Unauthorized": "login",
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One issue of an OperationOutcome.

    code: the FHIR issue type (``invalid``, ``structure``, ``required``, ``value``,
        ``not-found``, ``business-rule``...).
    diagnostics: what is wrong, for people.
    expression: the element at fault (FHIRPath-like), when there is one.
    severity: ``error`` (or ``warning``, ``information``).
    """

    code: str
    diagnostics: str
    expression: str | None = None
    severity: str = "error"


class FhirError(ThamaniError):
    """A resource could not be read; carries the issues for the OperationOutcome."""

    status = 422
    exit_code = 2
    title = "Invalid FHIR resource"

    def __init__(self, issues: Sequence[Issue], *, status: int = 422) -> None:
        first = issues[0]
        super().__init__(
            first.diagnostics,
            code="invalid_fhir",
            where=first.expression,
            details={"issues": [i.diagnostics for i in issues]},
        )
        self.issues = list(issues)
        self.status = status


def path(resource: str, loc: Sequence[int | str]) -> str:
    """``("item", 2, "quantity")`` under ``Claim`` as ``Claim.item[2].quantity``."""
    out = resource
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and part != "__root__":
            out += f".{part}"
    return out


def from_validation(resource: str, e: ValidationError, prefix: str = "") -> FhirError:
    """The issues of a model's validation error, each with its element."""
    issues = []
    for err in e.errors():
        loc = tuple(err.get("loc", ()))
        kind = err.get("type", "")
        code = (
            "required"
            if kind == "missing" or kind.endswith(".missing")
            else "structure"
            if kind == "extra_forbidden"
            else "value"
        )
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            msg = f"unknown element {loc[-1]!r}" if loc else msg
        base = prefix or resource
        issues.append(Issue(code, msg, path(base, loc)))
    return FhirError(issues or [Issue("invalid", "invalid resource", resource)])


def from_error(e: ThamaniError, resource: str | None = None) -> list[Issue]:
    if isinstance(e, FhirError):
        return e.issues
    where = e.where
    if where and resource and not where.startswith(resource):
        where = f"{resource}.{where}" if not where.startswith("claim") else where
    return [Issue(ISSUE_TYPES.get(type(e).__name__, "processing"), e.message, where)]


def operation_outcome(issues: Sequence[Issue]) -> dict[str, Any]:
    """An OperationOutcome resource (validated against the R4B model)."""
    from fhir.resources.R4B.operationoutcome import OperationOutcome

    body = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": i.severity,
                "code": i.code,
                "diagnostics": i.diagnostics,
                **({"expression": [i.expression]} if i.expression else {}),
            }
            for i in issues
        ],
    }
    return OperationOutcome.model_validate(body).model_dump(mode="json", exclude_none=True)
