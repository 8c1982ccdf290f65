"""Every router the app serves, in one list (as `background_work.JOB_TYPES` lists the job
types): a new feature adds its line here, not a branch to `create_app`."""

from __future__ import annotations

from fastapi import APIRouter

from coursevault import ops
from coursevault.assessments import routes as assessment_routes
from coursevault.auth import routes as auth_routes
from coursevault.bundles import routes as bundle_routes
from coursevault.captions import routes as caption_routes
from coursevault.certificates import routes as certificate_routes
from coursevault.courses import cover_routes
from coursevault.courses import routes as course_routes
from coursevault.forensic import routes as forensic_routes
from coursevault.gifts import routes as gift_routes
from coursevault.gifts import service as gifts
from coursevault.http import urls
from coursevault.media import routes as media_routes
from coursevault.memberships import events as membership_events
from coursevault.memberships import routes as membership_routes
from coursevault.payments import kinds as order_kinds
from coursevault.payments import routes as payment_routes
from coursevault.payments import webhooks as payment_webhooks
from coursevault.payments.models import OrderKind
from coursevault.reports import routes as report_routes
from coursevault.streaming import routes as streaming_routes
from coursevault.teams import routes as team_routes
from coursevault.teams import service as teams
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
    membership_routes.router,
    bundle_routes.router,
    gift_routes.router,
    team_routes.router,
    report_routes.router,
    ops.router,
)

# What a paid, refunded or disputed order of each kind does beyond its buyer's own access
# (a course's, a bundle's): payments calls these without knowing the features above it.
ORDER_EFFECTS: dict[OrderKind, order_kinds.OrderEffect] = {
    OrderKind.gift: gifts.after_order,
    OrderKind.seats: teams.after_order,
}
order_kinds.on_change(ORDER_EFFECTS)

# Who takes a verified Stripe event before payments looks for its order (memberships: the
# events of subscriptions and invoices), and who takes those no order claims (memberships:
# refunds and disputes of an invoice's charge).
STRIPE_EVENT_HOOKS: tuple[payment_webhooks.EventHook, ...] = (membership_events.on_stripe_event,)
STRIPE_UNMATCHED_HOOKS: tuple[payment_webhooks.EventHook, ...] = (
    membership_events.on_stripe_charge_event,
)
payment_webhooks.on_event(STRIPE_EVENT_HOOKS, STRIPE_UNMATCHED_HOOKS)

# Routes that take large streamed bodies and enforce their own caps (tus uploads, covers,
# copies to trace): the JSON body limit does not apply to them.
UPLOAD_PREFIXES: tuple[str, ...] = ("/api/uploads/", "/api/covers/", forensic_routes.TRACE_PREFIX)

# Pages served outside the web app that still carry its security headers (U9).
PAGE_PREFIXES: tuple[str, ...] = (urls.COVERS_PREFIX + "/", certificate_routes.PAGE_PREFIX + "/")
