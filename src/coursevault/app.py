"""The FastAPI application: factory, lifespan (database, indexes) and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from coursevault import __version__, db
from coursevault.auth.routes import admin_router as auth_admin_router
from coursevault.auth.routes import router as auth_router
from coursevault.config import Settings
from coursevault.errors import error_body, install_error_handlers

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the application for SETTINGS (read from the environment when None)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _ = settings.master_secret  # fail at start, not on the first request
        connection = await db.connect(settings)
        app.state.connection = connection
        try:
            await db.ensure_indexes(connection.db)
            log.info("CourseVault ready (%s database)", connection.kind)
            yield
        finally:
            await connection.close()

    app = FastAPI(
        title="CourseVault",
        version=__version__,
        lifespan=lifespan,
        max_body_size=settings.max_json_body_bytes,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(auth_router)
    app.include_router(auth_admin_router)

    @app.get("/healthz", tags=["health"], operation_id="health")
    async def health() -> JSONResponse:
        kind = app.state.connection.kind
        if not await db.ping(app.state.connection.client):
            body = error_body("database_unavailable", "The database does not answer.")
            return JSONResponse({"status": "unavailable", "database": kind, **body}, 503)
        return JSONResponse({"status": "ok", "database": kind})

    return app
