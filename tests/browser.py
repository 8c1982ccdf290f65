"""Chromium driven by Playwright: shared by the browser tests (the `browser` fixture is in
conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.factories import PASSWORD
from tests.processes import Server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# Chromium on this network: no background calls to Google's hosts (see the env notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


@contextmanager
def launched() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Browser, server: Server) -> BrowserContext:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    # The browser's console lands in the test's captured output, shown when a test fails.
    context.on("console", lambda message: print(f"[console {message.type}] {message.text}"))
    context.on(
        "response",
        lambda r: (
            print(f"[http {r.status}] {r.url}") if r.status >= 400 or "/key" in r.url else None
        ),
    )
    return context


def login(client: httpx.Client, email: str) -> dict[str, str]:
    """Signs EMAIL in over the API; returns its bearer header (no cookies kept)."""
    token = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    client.cookies.clear()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def sign_in(page: Page, email: str) -> None:
    """Signs EMAIL in through the web app's form."""
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
