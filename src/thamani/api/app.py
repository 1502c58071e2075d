"""The web application factory: ``create_app(platform)`` builds it; nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from thamani import __version__
from thamani.api import problems
from thamani.api.fhir import create_fhir_app
from thamani.api.routers import claims, ledger, parties, schemes
from thamani.config import Settings
from thamani.platform import Platform, open_platform

log = logging.getLogger("thamani.api")

#: Seconds between two sweeps that release expired pending transfers.
EXPIRY_SWEEP_SECONDS = 1.0


def create_app(
    platform: Platform | None = None,
    *,
    settings: Settings | None = None,
    sweep_expiries: bool = True,
) -> FastAPI:
    """Build the API over ``platform`` (or one opened from ``settings``)."""
    plat = platform or open_platform(settings or Settings())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sweep(plat)) if sweep_expiries else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="Thamani",
        version=__version__,
        description=(
            "An open platform for value-based health financing. Authenticate with"
            " `Authorization: Bearer thm_...` (tokens come from `thamani token create`)."
            " Errors are RFC 9457 problem documents."
        ),
        lifespan=lifespan,
    )
    app.state.platform = plat
    problems.install(app)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(parties.router, prefix="/v1")
    app.include_router(ledger.router, prefix="/v1")
    app.include_router(schemes.router, prefix="/v1")
    app.include_router(claims.router, prefix="/v1")
    app.mount("/fhir", create_fhir_app(plat))
    return app


async def _sweep(plat: Platform) -> None:
    """Release pending transfers whose timeout passed, every second."""
    while True:
        await asyncio.sleep(EXPIRY_SWEEP_SECONDS)
        try:
            await asyncio.to_thread(plat.ledger.expire)
        except Exception:  # pragma: no cover - logged and retried on the next sweep
            log.exception("expiry sweep failed")
