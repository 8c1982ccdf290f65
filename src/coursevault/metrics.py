"""Prometheus metrics: counters the features increment, and gauges read from the database
when `/metrics` is scraped. One registry per process; with several granian workers each
answers for itself unless PROMETHEUS_MULTIPROC_DIR is set (prometheus-client's
multiprocess mode, docs/deploy/multi-node.md)."""

from __future__ import annotations

import ipaddress
import os
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coursevault.config import Settings

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "coursevault_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "coursevault_http_request_seconds",
    "Time to the start of the answer, by route template.",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
    registry=REGISTRY,
)
SEGMENT_BYTES = Counter(
    "coursevault_segment_bytes_total",
    "Bytes of HLS segments answered (sent by the app, or handed to nginx or a CDN).",
    ["delivery"],
    registry=REGISTRY,
)
KEY_REQUESTS = Counter(
    "coursevault_key_requests_total",
    "Content-key requests of signed-in viewers, by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
# Counted by every `ttl_cache.TtlCache` (labelled with its name). A lookup whose caller
# wants a fresh read (max_age 0) is neither: only lookups that could reuse an entry count.
CACHE_HITS = Counter(
    "coursevault_cache_hits_total",
    "Lookups answered from an in-process cache entry young enough, by cache.",
    ["cache"],
    registry=REGISTRY,
)
CACHE_MISSES = Counter(
    "coursevault_cache_misses_total",
    "Lookups that could reuse an in-process cache entry but found none young enough, by cache.",
    ["cache"],
    registry=REGISTRY,
)
TRANSCODE_SECONDS = Histogram(
    "coursevault_transcode_seconds",
    "Wall-clock time of successful transcodes (probe, ladder, packaging, publishing).",
    buckets=(5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200, 21600),
    registry=REGISTRY,
)
LIVE_SESSIONS = Gauge(
    "coursevault_live_playback_sessions",
    "Playback sessions whose lease is running, read at scrape time.",
    registry=REGISTRY,
    multiprocess_mode="max",
)
QUEUE_DEPTH = Gauge(
    "coursevault_job_queue_depth",
    "Jobs waiting to run, by kind, read at scrape time.",
    ["kind"],
    registry=REGISTRY,
    multiprocess_mode="max",
)
QUEUE_AGE = Gauge(
    "coursevault_job_queue_oldest_seconds",
    "Age of the oldest job due and waiting, read at scrape time.",
    registry=REGISTRY,
    multiprocess_mode="max",
)


def allowed(settings: Settings, client: str) -> bool:
    """Whether CLIENT (an IP address) is in one of COURSEVAULT_METRICS_ALLOW's networks."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in network for network in settings.metrics_allow)


def exposition() -> bytes:
    """The text format of every metric of this process (or of all, in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
        return generate_latest(merged)
    return generate_latest(REGISTRY)


def route_of(scope: Scope) -> str:
    """The route template of a request (never its path: ids would explode the labels)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope["path"].startswith("/hls/"):
        return "/hls/{token}/{video}/{file}"
    return "unmatched"


class RequestMetrics:
    """Counts every answer by method, route template and status, and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        waited: float | None = None

        async def sending(message: Message) -> None:
            nonlocal status, waited
            if message["type"] == "http.response.start":
                status = message["status"]
                waited = time.perf_counter() - started
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_of(scope)  # known once routing ran; looked up once per request
            if waited is not None:
                REQUEST_SECONDS.labels(route).observe(waited)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
