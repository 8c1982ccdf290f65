"""Account flows by mail in a real browser: the banner of an unconfirmed address, the
confirmation link, and a forgotten password reset end to end (mail read from the
development outbox the server writes)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from coursevault.mail import outbox
from tests.a11y import assert_accessible
from tests.browser import CHROMIUM, new_context, shot
from tests.conftest import TEST_SECRET
from tests.e2e.test_web_e2e import PASSWORD, sign_up
from tests.processes import Server

pytestmark = pytest.mark.slow

NEW_PASSWORD = "purple otter sings at dawn"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    data_dir = tmp_path_factory.mktemp("accounts") / "data"
    running = Server(data_dir, workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET)
    yield running
    running.stop()


def mailed(server: Server, to: str, subject: str) -> str:
    """The text of the message to TO with SUBJECT, once the worker wrote it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in outbox.messages(server.data_dir):
            if message.to == to and message.subject == subject:
                return message.text
        time.sleep(0.1)
    raise AssertionError(f"no mail {subject!r} to {to}")


def mailed_link(server: Server, to: str, subject: str) -> str:
    text = mailed(server, to, subject)
    link = re.search(r"(http://\S+#token=[\w-]+)", text)
    assert link, text
    return link.group(1)


def test_confirm_the_address_then_reset_a_forgotten_password(
    server: Server, browser: Browser
) -> None:
    email = f"lea-{secrets.token_hex(3)}@example.com"
    page = new_context(browser, server).new_page()
    sign_up(page, "Léa Learner", email, teach=False)
    banner = page.get_by_role("region", name="Email confirmation")
    expect(banner).to_contain_text(email)
    shot(page, "verify-banner")

    link = mailed_link(server, email, "Confirm your email address")
    page.goto(link)
    expect(page.get_by_role("status").filter(has_text="address is confirmed")).to_be_visible()
    expect(banner).to_have_count(0)
    assert "#token" not in page.url  # the token left the address bar

    # Signing up again with the same address does not sign in and tells nothing new.
    other = new_context(browser, server).new_page()
    other.goto("/signup")
    other.get_by_label("Name").fill("Mallory")
    other.get_by_label("Email").fill(email)
    other.get_by_label("Password").fill("mallory picks a long phrase")
    other.get_by_role("button", name="Create account").click()
    expect(other.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert "/forgot-password" in mailed(server, email, "Someone tried to sign up with your address")

    page.get_by_role("button", name="Sign out").click()
    page.goto("/signin")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account uses this address")
    shot(page, "forgot-password")

    page.goto(mailed_link(server, email, "Reset your password"))
    page.get_by_label("New password", exact=False).first.fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("not the same phrase at all")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("alert")).to_contain_text("differ")
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    shot(page, "password-changed")

    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("incorrect")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_german_browser_sees_german_and_the_account_keeps_its_language(
    server: Server, browser: Browser
) -> None:
    """#28: the language comes from the browser until the account has one; the server's
    mail and messages follow it; the account menu's choice is kept on the account."""
    email = f"jonas-{secrets.token_hex(3)}@example.com"
    page = new_context(browser, server, locale="de-DE").new_page()
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Katalog")).to_be_visible()
    assert_accessible(page, "the catalog in German")
    shot(page, "catalog-de")

    page.goto("/signup")
    page.get_by_label("Name").fill("Jonas Lerner")
    page.get_by_label("E-Mail", exact=True).fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_label("lernen").check()
    page.get_by_role("button", name="Konto erstellen").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    # The first mail is already German: the sign-up carried the language shown.
    assert "#token=" in mailed_link(server, email, "Bestätigen Sie Ihre E-Mail-Adresse")
    page.goto("/account")
    assert_accessible(page, "the account page in German")
    shot(page, "account-de")

    # A wrong password: the server's own message, in German (its code is unchanged).
    page.get_by_role("button", name="Abmelden").click()
    # Signed out before the next page loads: one loaded sooner still shows the signed-in
    # account's "confirm your address" banner, another element labelled "E-Mail…".
    expect(page.get_by_role("button", name="Abmelden")).to_have_count(0)
    page.goto("/signin")
    page.get_by_label("E-Mail", exact=True).fill(email)
    page.get_by_label("Passwort").fill("not the password at all")
    with page.expect_response(lambda r: r.url.endswith("/api/auth/login")) as refused:
        page.get_by_role("button", name="Anmelden").click()
    assert refused.value.json()["error"]["code"] == "invalid_credentials"
    expect(page.get_by_role("alert")).to_contain_text("E-Mail-Adresse oder Passwort ist falsch.")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()

    # English chosen in the account menu is kept on the account ...
    with page.expect_response(
        lambda r: r.url.endswith("/api/auth/me") and r.request.method == "PATCH"
    ) as saved:
        page.get_by_label("Anzeigesprache").select_option("en")
    assert saved.value.ok and saved.value.json()["language"] == "en"
    expect(page.get_by_role("link", name="Catalog")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # ... so another German browser shows English once this account signs in there.
    other = new_context(browser, server, locale="de-DE").new_page()
    other.goto("/signin")
    expect(other.get_by_role("link", name="Katalog")).to_be_visible()
    other.get_by_label("E-Mail", exact=True).fill(email)
    other.get_by_label("Passwort").fill(PASSWORD)
    other.get_by_role("button", name="Anmelden").click()
    expect(other.get_by_role("button", name="Sign out")).to_be_visible()
    expect(other.locator("html")).to_have_attribute("lang", "en")
