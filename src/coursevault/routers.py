"""Every router the app serves, in one list (as `background_work.JOB_TYPES` lists the job
types): a new feature adds its line here, not a branch to `create_app`."""

from __future__ import annotations

from fastapi import APIRouter

from coursevault import ops
from coursevault.assessments import routes as assessment_routes
from coursevault.auth import routes as auth_routes
from coursevault.captions import routes as caption_routes
from coursevault.certificates import routes as certificate_routes
from coursevault.courses import cover_routes
from coursevault.courses import routes as course_routes
from coursevault.forensic import routes as forensic_routes
from coursevault.http import urls
from coursevault.media import routes as media_routes
from coursevault.payments import routes as payment_routes
from coursevault.reports import routes as report_routes
from coursevault.streaming import routes as streaming_routes
from coursevault.transcripts import routes as transcript_routes

ROUTERS: tuple[APIRouter, ...] = (
    auth_routes.router,
    auth_routes.admin_router,
    certificate_routes.router,
    cover_routes.router,
    cover_routes.public_router,
    certificate_routes.page_router,
    media_routes.router,
    media_routes.tus_router,
    streaming_routes.router,
    streaming_routes.playback_router,
    course_routes.router,
    assessment_routes.router,
    caption_routes.router,
    transcript_routes.router,
    forensic_routes.router,
    payment_routes.router,
    report_routes.router,
    ops.router,
)

# Routes that take large streamed bodies and enforce their own caps (tus uploads, covers,
# copies to trace): the JSON body limit does not apply to them.
UPLOAD_PREFIXES: tuple[str, ...] = ("/api/uploads/", "/api/covers/", forensic_routes.TRACE_PREFIX)

# Pages served outside the web app that still carry its security headers (U9).
PAGE_PREFIXES: tuple[str, ...] = (urls.COVERS_PREFIX + "/", certificate_routes.PAGE_PREFIX + "/")
