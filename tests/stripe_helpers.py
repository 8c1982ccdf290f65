"""localstripe (a Stripe emulator) as the Stripe API, and events signed like Stripe signs them."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import stripe
import uvicorn
from fastapi import FastAPI

from tests.processes import free_port

SECRET_KEY = "sk_test_" + "c" * 24
PUBLISHABLE_KEY = "pk_test_" + "c" * 24
WEBHOOK_SECRET = "whsec_" + "w" * 32
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches, then the charge is declined

# Binds IPv4 loopback only (its own entry point listens on "::", which CI may not have).
_RUN = (
    "import sys; from aiohttp import web; from localstripe import server; "
    "web.run_app(server.app, host='127.0.0.1', port=int(sys.argv[1]), print=None)"
)


class LocalStripe:
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _RUN, str(self.port)], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/v1/balance", auth=(SECRET_KEY, ""), timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"localstripe did not start: {log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()

    def send_webhooks_to(self, url: str) -> None:
        """Registers the app's webhook endpoint and secret (replacing an earlier one)."""
        response = httpx.post(
            f"{self.url}/_config/webhooks/coursevault", data={"url": url, "secret": WEBHOOK_SECRET}
        )
        response.raise_for_status()

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            SECRET_KEY, http_client=stripe.HTTPXClient(), base_addresses={"api": self.url}
        )


def settings_for(stripe_url: str) -> dict[str, Any]:
    return {
        "stripe_secret_key": SECRET_KEY,
        "stripe_publishable_key": PUBLISHABLE_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": stripe_url,
    }


async def pay_as_browser(client: stripe.StripeClient, payment_intent: str, card: str) -> str:
    """What Stripe.js does with the card form: a PaymentMethod, then confirmation.

    localstripe confirms server-side only when the PaymentIntent already names its
    payment method, so the method is attached by an update first. Returns the status.
    """
    method = await client.v1.payment_methods.create_async(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    await client.v1.payment_intents.update_async(
        payment_intent, params={"payment_method": method.id}
    )
    try:
        confirmed = await client.v1.payment_intents.confirm_async(payment_intent)
    except stripe.CardError:
        return "declined"
    return str(confirmed.status)


def signed(
    event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """Returns the body and headers Stripe would send for EVENT, signed at time AT."""
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        body, secret, timestamp=at or int(time.time())
    )
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": obj},
    }


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """Serves APP (lifespan already entered) over real HTTP so localstripe can call it."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
