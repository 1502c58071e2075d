"""Request dependencies: the platform, and who is asking."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, Request

from thamani.errors import Forbidden
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform


async def platform(request: Request) -> Platform:
    p: Platform = request.app.state.platform
    return p


async def actor(request: Request) -> Actor:
    """The actor behind the request's bearer token (401 without a valid one).

    Runs on the event loop: a known token is answered from memory; an unknown one costs
    one indexed read every few seconds."""
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header[:7].lower() == "bearer " else None
    p: Platform = request.app.state.platform
    return p.parties.authenticate(secret)


def require(*scopes: Scope) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency that lets the request through only with every scope named."""

    async def check(who: Actor = Depends(actor)) -> Actor:
        missing = [s.value for s in scopes if s not in who.scopes]
        if missing:
            raise Forbidden(
                "this token lacks the scope " + ", ".join(missing), code="missing_scope"
            )
        return who

    return check
