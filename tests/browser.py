"""Chromium driven by Playwright: shared by the browser tests (the `browser` fixture is in
conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.factories import PASSWORD
from tests.processes import Server, create_account, sign_up

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"
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


def app_server(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    admin: str | None = None,
    teacher: str | None = None,
    **env: str,
) -> Iterator[Server]:
    """A browser test module's server (one worker) serving the built web app: ADMIN made by
    the operator before it starts, TEACHER signed up as an instructor once it runs. Fails
    at once when Chromium or the built app is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    if not (WEB_DIST / "index.html").exists():
        pytest.fail("web/dist is not built: run `make test` (it builds the web app first)")
    data_dir = tmp_path_factory.mktemp(name) / "data"
    if admin:
        create_account(data_dir, admin, "admin")  # only an operator makes admins
    running = Server(data_dir, workers=1, **env)
    if teacher:
        sign_up(running.url, teacher, "instructor")
    yield running
    running.stop()


def text_course(
    server: Server, teacher: str, title: str, amount: int, lesson: tuple[str, str]
) -> tuple[str, str]:
    """A published course of TEACHER's at AMOUNT cents with one text LESSON (its title and
    body), made over the API: (course id, lesson id)."""
    with httpx.Client(base_url=server.url, timeout=30) as api:
        api.headers.update(login(api, teacher))
        created = api.post(
            "/api/courses", json={"title": title, "price": {"amount": amount, "currency": "usd"}}
        )
        assert created.status_code == 201, created.text
        course = created.json()
        section = api.post(f"/api/courses/{course['id']}/sections", json={"title": "One"}).json()
        made = api.post(
            f"/api/courses/{course['id']}/sections/{section['id']}/lessons",
            json={"title": lesson[0], "kind": "text", "body": lesson[1]},
        )
        assert made.status_code == 201, made.text
        assert api.post(f"/api/courses/{course['id']}/publish").status_code == 200
    return str(course["id"]), str(made.json()["id"])


def new_context(browser: Browser, server: Server, *, locale: str = "en-US") -> BrowserContext:
    """A browser context on SERVER whose languages are LOCALE's: the web app picks its language
    from them, so the tests read English whatever the machine is set to."""
    context = browser.new_context(
        base_url=server.url, viewport={"width": 1280, "height": 860}, locale=locale
    )
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


def choose_in_player(page: Page, menu: str, item: str) -> None:
    """Chooses ITEM in the lesson player's MENU ("Captions", "Speed" or "Quality") with the
    pointer, as a viewer does."""
    page.get_by_role("button", name=re.compile(f"^{menu}: ")).click()
    choices = page.get_by_role("menu", name=menu)
    choices.get_by_role("menuitemradio", name=item, exact=True).click()
    expect(choices).to_be_hidden()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
