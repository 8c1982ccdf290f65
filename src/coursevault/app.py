"""The FastAPI application: factory, lifespan (database, indexes), middleware; the routers
are listed in `routers.py`, health and metrics live in `ops.py`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from coursevault import __version__, background_work, logs, metrics, repos, routers
from coursevault.config import Settings
from coursevault.database import db, supervision
from coursevault.errors import install_error_handlers
from coursevault.http import urls, web_app
from coursevault.http.body_limit import BodyLimitMiddleware
from coursevault.media import stores as media_storage
from coursevault.streaming.delivery import HlsDelivery

log = logging.getLogger(__name__)


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Connects the database (supervising the embedded one), ensures the indexes and runs
    the in-process worker while the app serves."""

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

    return lifespan


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    """The middleware, innermost first: the last added sees a request first."""
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_json_body_bytes,
        exempt_prefixes=routers.UPLOAD_PREFIXES,
    )
    app.add_middleware(
        web_app.PageHeaders,
        headers=web_app.page_headers(settings),
        prefixes=routers.PAGE_PREFIXES,
    )
    # Playlists and segments never reach the FastAPI stack.
    app.add_middleware(
        HlsDelivery,
        settings=settings,
        prefix=urls.HLS_PREFIX,
        database=lambda: app.state.connection.db,
    )
    app.add_middleware(metrics.RequestMetrics)  # outermost: it sees /hls answers too


def create_app(settings: Settings | None = None) -> FastAPI:
    """Builds the application for SETTINGS (read from the environment when None)."""
    if settings is None:  # a server process (granian's workers build the app themselves)
        settings = Settings()
        logs.configure(settings)
    app = FastAPI(
        title="CourseVault",
        version=__version__,
        lifespan=_lifespan(settings),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    install_error_handlers(app)
    _install_middleware(app, settings)
    for router in routers.ROUTERS:
        app.include_router(router)
    web_app.install(app, settings.web_dist or web_app.default_dist(), settings)  # last: a catch-all
    return app
