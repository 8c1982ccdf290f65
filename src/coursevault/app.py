"""The FastAPI application: factory, lifespan (database, indexes) and routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from coursevault import (
    __version__,
    background_work,
    clock,
    db,
    disk,
    logs,
    metrics,
    repos,
    supervision,
    urls,
    web_app,
)
from coursevault.auth.routes import admin_router as auth_admin_router
from coursevault.auth.routes import router as auth_router
from coursevault.body_limit import BodyLimitMiddleware
from coursevault.captions import routes as caption_routes
from coursevault.certificates import routes as certificate_routes
from coursevault.config import Settings
from coursevault.courses import cover_routes
from coursevault.courses import routes as course_routes
from coursevault.errors import ErrorCode, error_body, install_error_handlers, not_found
from coursevault.forensic import routes as forensic_routes
from coursevault.forensic.routes import TRACE_PREFIX
from coursevault.jobs import service as jobs
from coursevault.media import routes as media_routes
from coursevault.media import storage as media_storage
from coursevault.payments import routes as payment_routes
from coursevault.reports import routes as report_routes
from coursevault.streaming import routes as streaming_routes
from coursevault.streaming import service as playback
from coursevault.streaming.delivery import HlsDelivery

log = logging.getLogger(__name__)

# Routes that take large streamed bodies and enforce their own caps (tus uploads, covers).
UPLOAD_PREFIXES: tuple[str, ...] = ("/api/uploads/", "/api/covers/", TRACE_PREFIX)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the application for SETTINGS (read from the environment when None)."""
    if settings is None:  # a server process (granian's workers build the app themselves)
        settings = Settings()
        logs.configure(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _ = settings.master_secret  # fail at start, not on the first request
        connection = await db.connect(settings)
        app.state.connection = connection
        supervisor = supervision.supervisor_pid()
        watcher = asyncio.create_task(supervision.watch(supervisor)) if supervisor else None
        stop_worker = asyncio.Event()
        background: list[asyncio.Task[None]] = [
            asyncio.create_task(db.supervise(connection, settings, stop_worker))
        ]
        try:
            await repos.ensure_indexes(connection.db)
            if settings.inprocess_worker:
                background += background_work.start(
                    db=connection.db, settings=settings, stop=stop_worker
                )
            log.info("CourseVault ready (%s database)", connection.kind)
            yield
        finally:
            stop_worker.set()
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            if watcher is not None:
                watcher.cancel()
            await media_storage.close_all()
            await connection.close()

    app = FastAPI(
        title="CourseVault",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_json_body_bytes, exempt_prefixes=UPLOAD_PREFIXES
    )
    app.add_middleware(
        web_app.PageHeaders,
        headers=web_app.page_headers(settings),
        prefixes=(urls.COVERS_PREFIX + "/", certificate_routes.PAGE_PREFIX + "/"),
    )

    # Added last, so outermost: playlists and segments never reach the FastAPI stack.
    app.add_middleware(
        HlsDelivery,
        settings=settings,
        prefix=urls.HLS_PREFIX,
        database=lambda: app.state.connection.db,
    )
    app.add_middleware(metrics.RequestMetrics)  # outermost: it sees /hls answers too
    app.include_router(auth_router)
    app.include_router(auth_admin_router)
    app.include_router(certificate_routes.router)
    app.include_router(cover_routes.router)
    app.include_router(cover_routes.public_router)
    app.include_router(certificate_routes.page_router)
    app.include_router(media_routes.router)
    app.include_router(media_routes.tus_router)
    app.include_router(streaming_routes.router)
    app.include_router(streaming_routes.playback_router)
    app.include_router(course_routes.router)
    app.include_router(caption_routes.router)
    app.include_router(forensic_routes.router)
    app.include_router(payment_routes.router)
    app.include_router(report_routes.router)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        """Prometheus text format, for COURSEVAULT_METRICS_ALLOW's networks only (404 to
        everyone else, as if there were no such page)."""
        if not metrics.allowed(settings, request.client.host if request.client else ""):
            raise not_found()
        database = app.state.connection.db
        depth, oldest = await jobs.queue_stats(db=database)
        for kind in (t.kind for t in background_work.JOB_TYPES):
            metrics.QUEUE_DEPTH.labels(kind).set(depth.get(kind, 0))
        age = (clock.now() - oldest).total_seconds() if oldest else 0.0
        metrics.QUEUE_AGE.set(age)
        metrics.LIVE_SESSIONS.set(await playback.count_live(db=database))
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["health"], operation_id="health")
    async def health() -> JSONResponse:
        """`ok`; `degraded` (200) when free space is below the reserve: uploads are refused
        but playback works, so a load balancer keeps the node; `unavailable` (503) when the
        database does not answer."""
        kind = app.state.connection.kind
        if not await db.ping(app.state.connection.client):
            body = error_body(ErrorCode.database_unavailable, "The database does not answer.")
            return JSONResponse({"status": "unavailable", "database": kind, **body}, 503)
        low = disk.is_low(settings)
        return JSONResponse(
            {
                "status": "degraded" if low else "ok",
                "database": kind,
                "disk": "low" if low else "ok",
            }
        )

    web_app.install(app, settings.web_dist or web_app.default_dist(), settings)  # last: a catch-all
    return app
