"""The web application factory: ``create_app(platform)`` builds it; nothing at import."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from thamani import __version__
from thamani.api import problems
from thamani.api.fhir import create_fhir_app
from thamani.api.responses import FastJSONResponse
from thamani.api.routers import capacity, channels, claims, ledger, parties, pool, schemes, wallets
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
        default_response_class=FastJSONResponse,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    # Swagger UI served from the package itself: the docs work on a machine offline.
    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Thamani API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon-32x32.png",
        )

    app.state.platform = plat
    problems.install(app)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # A request is matched against the routers in this order, each router's routes in
    # turn (about 85 µs to pass the others before reaching the claims): the busiest
    # paths first, claims and the operators' callbacks. No two routers share a path.
    app.include_router(claims.router, prefix="/v1")
    app.include_router(channels.router, prefix="/v1")
    app.include_router(wallets.router, prefix="/v1")
    app.include_router(ledger.router, prefix="/v1")
    app.include_router(schemes.router, prefix="/v1")
    app.include_router(parties.router, prefix="/v1")
    app.include_router(pool.router, prefix="/v1")
    app.include_router(capacity.router, prefix="/v1")
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
