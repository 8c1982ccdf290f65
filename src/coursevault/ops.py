"""What operators and load balancers ask a node: `/healthz` and `/metrics`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from coursevault import background_work, clock, disk, metrics
from coursevault.config import Settings
from coursevault.database import db
from coursevault.errors import ErrorCode, error_body, not_found
from coursevault.jobs import service as jobs
from coursevault.streaming import service as playback

router = APIRouter()


def _connection(request: Request) -> db.Connection:
    connection: db.Connection = request.app.state.connection
    return connection


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/metrics", include_in_schema=False)
async def prometheus(request: Request) -> Response:
    """Prometheus text format, for COURSEVAULT_METRICS_ALLOW's networks only (404 to
    everyone else, as if there were no such page)."""
    if not metrics.allowed(_settings(request), request.client.host if request.client else ""):
        raise not_found()
    database = _connection(request).db
    depth, oldest = await jobs.queue_stats(db=database)
    for kind in (t.kind for t in background_work.JOB_TYPES):
        metrics.QUEUE_DEPTH.labels(kind).set(depth.get(kind, 0))
    metrics.QUEUE_AGE.set((clock.now() - oldest).total_seconds() if oldest else 0.0)
    metrics.LIVE_SESSIONS.set(await playback.count_live(db=database))
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/healthz", tags=["health"], operation_id="health")
async def health(request: Request) -> JSONResponse:
    """`ok`; `degraded` (200) when free space is below the reserve: uploads are refused
    but playback works, so a load balancer keeps the node; `unavailable` (503) when the
    database does not answer."""
    connection = _connection(request)
    if not await db.ping(connection.client):
        body = error_body(ErrorCode.database_unavailable, "The database does not answer.")
        return JSONResponse({"status": "unavailable", "database": connection.kind, **body}, 503)
    low = disk.is_low(_settings(request))
    return JSONResponse(
        {
            "status": "degraded" if low else "ok",
            "database": connection.kind,
            "disk": "low" if low else "ok",
        }
    )
