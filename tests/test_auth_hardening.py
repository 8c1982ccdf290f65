"""Issue #22, from outside: breached passwords (W9), reset links die with a password change
(W8), look-alike addresses are one account (W10), no typed name in mail to an unconfirmed
address (M3). Mail is read from a real SMTP server, as a person would read it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from coursevault import clock
from coursevault.config import Settings
from coursevault.database.db import Database
from tests import smtp_server
from tests.factories import PASSWORD, error_code, login, make_user, signed_in
from tests.smtp_server import MailServer

REGISTER = "/api/auth/register"
RESET = "/api/auth/password-reset"
CONFIRM_RESET = "/api/auth/password-reset/confirm"
CHANGE = "/api/auth/me/password"
NEW_PASSWORD = "purple otter sings at dawn"
PHISHING_NAME = "Your account is locked! Call +1 555 0100 to unlock it"


@pytest.fixture
def settings_overrides(smtp_overrides: dict[str, Any]) -> dict[str, Any]:
    return smtp_overrides


async def register(client: httpx.AsyncClient, email: str, **fields: str) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "name": "Ada Learner", **fields}
    return await client.post(REGISTER, json=body)


def link_token(text: str, page: str) -> str:
    found = re.search(rf"https?://\S+/{page}#token=([A-Za-z0-9_-]+)", text)
    assert found, f"no /{page} link in:\n{text}"
    return found.group(1)


async def reset_link(client: httpx.AsyncClient, mail_server: MailServer, email: str) -> str:
    """Asks for a reset link for EMAIL and reads it from the mail that arrives."""
    assert (await client.post(RESET, json={"email": email})).status_code == 202
    [mail] = await mail_server.wait_for(email)
    return link_token(mail.body(), "reset-password")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---- W9: breached and dressed-up passwords ------------------------------------------------

REFUSED = [
    ("correcthorsebatterystaple", "leaked"),  # in the breach list as typed
    ("Tr0ub4dor&3", "leaked"),  # xkcd 936's example, famous since
    ("P@ssw0rd2020", "leaked"),  # listed once its l33t is read as letters
    ("Summer2026!", "common word"),
    ("Welcome2026!", "common word"),
    ("Passw0rd!2026", "common word"),
    ("Winter2031#", "common word"),  # a year no list can hold yet
]


@pytest.mark.parametrize(("password", "says"), REFUSED)
async def test_W9_breached_and_dressed_up_passwords_are_refused_at_registration(
    client: httpx.AsyncClient, db: Database, password: str, says: str
) -> None:
    """W9: 422 weak_password with a message that says why; no account, no mail queued."""
    refused = await register(client, "new@example.com", password=password)
    assert refused.status_code == 422, refused.text
    assert error_code(refused) == "weak_password"
    assert says in refused.json()["error"]["message"]
    assert await db.users.count_documents({}) == 0
    assert await db.jobs.count_documents({}) == 0
    assert (await login(client, "new@example.com", password)).status_code == 401


async def test_W9_changing_to_a_breached_password_is_refused_and_the_old_one_stays(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """W9 at password change: every listed password is refused and nothing changes."""
    student = await signed_in(client, db, settings)
    before = await db.users.find_one({"_id": student.user.id})
    for password, says in REFUSED:
        body = {"current_password": PASSWORD, "new_password": password}
        refused = await client.patch(CHANGE, json=body, headers=student.bearer)
        assert refused.status_code == 422 and error_code(refused) == "weak_password", password
        assert says in refused.json()["error"]["message"]
    assert await db.users.find_one({"_id": student.user.id}) == before
    assert (await client.get("/api/auth/me", headers=student.bearer)).status_code == 200
    assert (await login(client, student.user.email, "Summer2026!")).status_code == 401
    assert (await login(client, student.user.email)).status_code == 200


async def test_W9_a_reset_link_refuses_a_breached_password_and_still_works_after(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    """W9 at password reset; a refused password leaves the link usable (W8)."""
    user = await make_user(db, settings, email="forgetful@example.com")
    token = await reset_link(client, mail_server, user.email)
    for password in ("correcthorsebatterystaple", "Welcome2026!", "Tr0ub4dor&3"):
        refused = await client.post(CONFIRM_RESET, json={"token": token, "password": password})
        assert refused.status_code == 422 and error_code(refused) == "weak_password", password
        assert (await login(client, user.email, password)).status_code == 401
    assert (await login(client, user.email)).status_code == 200  # the old one, unchanged
    done = await client.post(CONFIRM_RESET, json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text
    assert (await login(client, user.email, NEW_PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",
        "Summer rain on 4 tin roofs",
        "mountain-bicycle-42",
        "Ünïcødé 🔐 пароль 密码",
    ],
)
async def test_W9_passphrases_of_unrelated_words_are_still_accepted(
    client: httpx.AsyncClient, password: str
) -> None:
    """W9 refuses the listed and dressed-up single words, not passphrases that use them."""
    assert (await register(client, "new@example.com", password=password)).status_code == 202
    assert (await login(client, "new@example.com", password)).status_code == 200


# ---- W8: a password change voids the reset links -------------------------------------------


async def test_W8_changing_the_password_voids_every_outstanding_reset_link(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    """W8: a link mailed before the password changed (here through the change route, with
    the current password) no longer sets one, and the refused use changes nothing."""
    student = await signed_in(client, db, settings)
    email = student.user.email
    token = await reset_link(client, mail_server, email)
    changed = await client.patch(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase 42"},
        headers=student.bearer,
    )
    assert changed.status_code == 204, changed.text
    late = await client.post(CONFIRM_RESET, json={"token": token, "password": NEW_PASSWORD})
    assert late.status_code == 400 and error_code(late) == "invalid_link"
    assert (await login(client, email, NEW_PASSWORD)).status_code == 401
    assert (await login(client, email, "a brand new passphrase 42")).status_code == 200
    # The session that changed the password lives on (J6 ends only the others).
    assert (await client.get("/api/auth/me", headers=student.bearer)).status_code == 200


async def test_W8_a_reset_mail_held_up_until_after_a_password_change_brings_no_link(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    """W8: the relay defers the reset mail, the password changes meanwhile, then the retry
    runs: it mails nothing, and no link made along the way is left alive."""
    student = await signed_in(client, db, settings)
    mail_server.defer_next = 1  # the relay says 451 once
    assert (await client.post(RESET, json={"email": student.user.email})).status_code == 202
    async with asyncio.timeout(30):
        while not await db.jobs.find_one(
            {"kind": "auth.mail_reset", "attempts": 1, "state": "queued"}
        ):
            await asyncio.sleep(0.05)
    assert await db.account_tokens.count_documents({"purpose": "password_reset"}) == 0
    changed = await client.patch(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase 42"},
        headers=student.bearer,
    )
    assert changed.status_code == 204, changed.text
    await db.jobs.update_many({"state": "queued"}, {"$set": {"run_at": clock.now()}})
    async with asyncio.timeout(30):
        while (await db.jobs.find_one({"kind": "auth.mail_reset"}) or {}).get("state") != "done":
            await asyncio.sleep(0.05)
    assert mail_server.to(student.user.email) == []
    assert await db.account_tokens.count_documents({"purpose": "password_reset"}) == 0


# ---- W10: look-alike addresses are one account ---------------------------------------------

SPELLINGS = [
    "ｆｉｏｎａ.student@example.com",  # fullwidth letters
    "ＦＩＯＮＡ.Student@ｅｘａｍｐｌｅ．ｃｏｍ",  # fullwidth capitals, domain and full stop
    "\ufb01ona.student@example.com",  # the "fi" ligature
    "𝐟𝐢𝐨𝐧𝐚.student@example.com",  # mathematical bold letters
]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_W10_a_look_alike_address_is_the_same_account(
    client: httpx.AsyncClient, db: Database, mail_server: MailServer, spelling: str
) -> None:
    """W10: signing up again with a look-alike spelling makes no second account and changes
    nothing (W7 mails the owner); signing in with either spelling is the one account."""
    first = await register(client, "fiona.student@example.com")
    assert first.status_code == 202
    again = await register(client, spelling, password="another long passphrase 9")
    assert again.status_code == 202, again.text
    assert again.json() == first.json()
    assert again.json()["email"] == "fiona.student@example.com"
    assert await db.users.count_documents({}) == 1
    await mail_server.wait_for("fiona.student@example.com", count=2)  # confirmation, notice
    plain = (await login(client, "fiona.student@example.com")).json()
    typed = (await login(client, spelling)).json()
    client.cookies.clear()
    me_plain = (await client.get("/api/auth/me", headers=bearer(plain["access_token"]))).json()
    me_typed = (await client.get("/api/auth/me", headers=bearer(typed["access_token"]))).json()
    assert me_plain == me_typed
    assert (await login(client, spelling, "another long passphrase 9")).status_code == 401


async def test_W10_signing_up_with_a_fullwidth_address_stores_and_mails_the_plain_one(
    client: httpx.AsyncClient, db: Database, mail_server: MailServer
) -> None:
    """W10: the account, its confirmation mail and a reset asked in any spelling all go to
    the one address."""
    response = await register(client, "ｓｔｕｄｅｎｔ@example.com")
    assert response.status_code == 202
    assert response.json()["email"] == "student@example.com"
    [doc] = await db.users.find({}).to_list()
    assert doc["email"] == "student@example.com"
    [confirmation] = await mail_server.wait_for("student@example.com")
    assert confirmation.subject == "Confirm your email address"
    assert (await login(client, "student@example.com")).status_code == 200
    assert (await login(client, "ＳＴＵＤＥＮＴ@ｅｘａｍｐｌｅ．ｃｏｍ")).status_code == 200
    asked = await client.post(RESET, json={"email": "ｓｔｕｄｅｎｔ@example.com"})
    assert asked.status_code == 202
    mails = await mail_server.wait_for("student@example.com", count=2)
    assert {m.subject for m in mails} == {"Confirm your email address", "Reset your password"}
    assert all(r.to == ["student@example.com"] for r in mail_server.received)


@pytest.mark.parametrize("settings_overrides", [{"login_max_failures_per_account": 3}])
async def test_W10_failed_sign_ins_in_any_spelling_count_against_the_one_account(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """W10 with W3: the lockout cannot be walked around by spelling the address anew."""
    user = await make_user(db, settings, email="fiona.student@example.com")
    for spelling in SPELLINGS[:3]:
        assert (await login(client, spelling, "wrong password here")).status_code == 401
    locked = await login(client, user.email)
    assert locked.status_code == 429 and error_code(locked) == "too_many_attempts"


# ---- M3: no typed name in mail to an unconfirmed address ----------------------------------


def assert_no_typed_name(mail: smtp_server.Received) -> None:
    for body in (mail.body("plain"), mail.body("html")):
        assert "555 0100" not in body and "locked" not in body, body
        assert "<p>Hello,</p>" in body or body.splitlines()[0] == "Hello,", body


async def test_M3_the_confirmation_mail_does_not_carry_the_name_typed_at_sign_up(
    client: httpx.AsyncClient, mail_server: MailServer
) -> None:
    """M3: whoever types a victim's address and a phishing "name" cannot make us mail it."""
    assert (await register(client, "victim@example.com", name=PHISHING_NAME)).status_code == 202
    [mail] = await mail_server.wait_for("victim@example.com")
    assert mail.subject == "Confirm your email address"
    assert_no_typed_name(mail)
    link_token(mail.body(), "verify-email")  # the mail still does its job


async def test_M3_no_mail_to_an_unconfirmed_address_carries_the_account_s_name(
    client: httpx.AsyncClient, mail_server: MailServer
) -> None:
    """M3: the "someone tried to sign up" notice (W7) and a reset mail to an address not
    yet confirmed greet without the name its account was given."""
    assert (await register(client, "victim@example.com", name=PHISHING_NAME)).status_code == 202
    again = await register(client, "victim@example.com", name=PHISHING_NAME)
    assert again.status_code == 202
    assert (await client.post(RESET, json={"email": "victim@example.com"})).status_code == 202
    mails = await mail_server.wait_for("victim@example.com", count=3)
    assert {m.subject for m in mails} == {
        "Confirm your email address",
        "Someone tried to sign up with your address",
        "Reset your password",
    }
    for mail in mails:
        assert_no_typed_name(mail)


async def test_M3_a_confirmed_address_is_greeted_by_its_name(
    client: httpx.AsyncClient, mail_server: MailServer
) -> None:
    """M3 holds back the name only until the mailbox's owner confirmed the address."""
    assert (await register(client, "ada@example.com")).status_code == 202
    [confirmation] = await mail_server.wait_for("ada@example.com")
    token = link_token(confirmation.body(), "verify-email")
    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 204
    assert (await client.post(RESET, json={"email": "ada@example.com"})).status_code == 202
    mails = await mail_server.wait_for("ada@example.com", count=2)
    [reset] = [m for m in mails if m.subject == "Reset your password"]
    assert reset.body().splitlines()[0] == "Hello Ada Learner,"
    assert "<p>Hello Ada Learner,</p>" in reset.body("html")
