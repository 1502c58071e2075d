"""Request dependencies: the platform, and who is asking."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request

from thamani.errors import Forbidden
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform


def platform(request: Request) -> Platform:
    p: Platform = request.app.state.platform
    return p


def actor(request: Request) -> Actor:
    """The actor behind the request's bearer token (401 without a valid one)."""
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else None
    p: Platform = request.app.state.platform
    return p.parties.authenticate(secret)


def require(*scopes: Scope) -> Callable[[Actor], Actor]:
    """A dependency that lets the request through only with every scope named."""

    def check(who: Actor = Depends(actor)) -> Actor:
        missing = [s.value for s in scopes if s not in who.scopes]
        if missing:
            raise Forbidden(
                "this token lacks the scope " + ", ".join(missing), code="missing_scope"
            )
        return who

    return check
