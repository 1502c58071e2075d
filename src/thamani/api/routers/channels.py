"""The mobile-money operator's callbacks (M-Pesa C2B validation and confirmation).

The operator presents no bearer token: each call must carry the shared secret in the
``X-Callback-Token`` header or in the ``token`` query parameter of the registered URL.
Bodies and answers are the operator's own JSON documents.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Query

from thamani.api.deps import platform
from thamani.platform import Platform

router = APIRouter(prefix="/channels/mpesa", tags=["channels"])


def _authenticated(
    p: Platform = Depends(platform),
    x_callback_token: str | None = Header(default=None),
    token: str | None = Query(default=None, description="The shared secret, if not in a header."),
) -> Platform:
    p.mpesa.authenticate(x_callback_token or token)
    return p


@router.post("/validation")
def validation(
    document: dict[str, Any] = Body(...), p: Platform = Depends(_authenticated)
) -> dict[str, Any]:
    """May this paybill payment be accepted? ``ResultCode`` "0" or a C2B000xx code."""
    return p.mpesa.validate(document)


@router.post("/confirmation")
def confirmation(
    document: dict[str, Any] = Body(...), p: Platform = Depends(_authenticated)
) -> dict[str, Any]:
    """The payment went through: credit the wallet once (by ``TransID``) and acknowledge."""
    return p.mpesa.confirm(document)
