"""Payments: Stripe when a secret key is set, otherwise the local test checkout
(development and test only; production without Stripe sells nothing)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from coursevault.config.base import SettingsBase


class StripeSettings(SettingsBase):
    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None  # e.g. a localstripe URL in tests
    # An emulator whose subscriptions never move to their next period (localstripe, in
    # tests): a membership then counts one interval per paid invoice. Never on Stripe,
    # where a paid invoice pays the period its lines name, and no more.
    stripe_fixed_periods: bool = False
    stripe_js_url: str = "https://js.stripe.com/v3/"
    webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)  # P1, both ways
    instructor_refund_window_days: int = Field(default=14, ge=0)
    # A membership whose renewal failed keeps its access this long after the first failure.
    membership_grace_days: int = Field(default=3, ge=0, le=60)
