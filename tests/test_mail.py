"""Mail through a real SMTP server: sign-up confirmation, the same answer for a taken
address, password reset, receipts and refund notices, retries and refusals."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from coursevault import clock
from coursevault.auth import service as auth
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.mail import outbox
from tests.course_helpers import make_course
from tests.factories import PASSWORD, error_code, login, make_user, signed_in
from tests.media_helpers import make_clip, new_video, upload_file, wait_for_video
from tests.smtp_server import MailServer

NEW_PASSWORD = "purple otter sings at dawn"


@pytest.fixture
def settings_overrides(smtp_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**smtp_overrides, "mail_from": "Course School <school@example.org>"}


async def register(client: httpx.AsyncClient, email: str, **fields: str) -> httpx.Response:
    body = {"email": email, "password": PASSWORD, "name": "Ada Learner", **fields}
    return await client.post("/api/auth/register", json=body)


def link_token(text: str, page: str) -> str:
    found = re.search(rf"https?://\S+/{page}#token=([A-Za-z0-9_-]+)", text)
    assert found, f"no /{page} link in:\n{text}"
    return found.group(1)


async def jobs_settled(db: Database, kind: str) -> list[dict[str, Any]]:
    """Waits until every job of KIND has finished (done or failed) and returns them."""
    for _ in range(400):
        jobs = await db.jobs.find({"kind": kind}).to_list()
        if jobs and all(j["state"] in ("done", "failed") for j in jobs):
            return jobs
        await asyncio.sleep(0.05)
    raise AssertionError(f"jobs of {kind} did not finish: {jobs}")


async def test_W8_sign_up_mails_a_confirmation_link_that_works_once(
    client: httpx.AsyncClient, db: Database, mail_server: MailServer
) -> None:
    response = await register(client, "ada@example.com")
    assert response.status_code == 202, response.text
    [mail] = await mail_server.wait_for("ada@example.com")
    assert mail.subject == "Confirm your email address"
    assert mail.message["From"] == "Course School <school@example.org>"
    token = link_token(mail.body("plain"), "verify-email")
    assert token in mail.body("html")
    # Only the hash is stored, and the queue never held the link.
    stored = await db.account_tokens.find_one({"purpose": "verify_email"})
    assert stored is not None and stored["_id"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(await db.jobs.find().to_list())

    signed = (await login(client, "ada@example.com")).json()
    bearer = {"Authorization": f"Bearer {signed['access_token']}"}
    client.cookies.clear()
    me = (await client.get("/api/auth/me", headers=bearer)).json()
    assert me["email_verified"] is False  # can browse and buy meanwhile; the web shows a banner

    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 204
    assert (await client.get("/api/auth/me", headers=bearer)).json()["email_verified"] is True
    again = await client.post("/api/auth/verify-email", json={"token": token})
    assert again.status_code == 400 and error_code(again) == "invalid_link"
    resend = await client.post("/api/auth/verify-email/resend", headers=bearer)
    assert resend.status_code == 409 and error_code(resend) == "already_verified"


@pytest.mark.parametrize("token", ["", "x" * 200, "not-a-real-token"])
async def test_a_bad_confirmation_token_is_refused(
    client: httpx.AsyncClient, db: Database, token: str
) -> None:
    response = await client.post("/api/auth/verify-email", json={"token": token})
    assert response.status_code in (400, 422)
    assert error_code(response) in ("invalid_link", "validation_error")


async def test_resend_sends_a_new_link_and_both_work_until_one_is_used(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    user = await make_user(db, settings, email="late@example.com")
    signed = (await login(client, user.email)).json()
    client.cookies.clear()
    bearer = {"Authorization": f"Bearer {signed['access_token']}"}
    resent = await client.post("/api/auth/verify-email/resend", headers=bearer)
    assert resent.status_code == 202 and "late@example.com" in resent.json()["detail"]
    [mail] = await mail_server.wait_for(user.email)
    token = link_token(mail.body(), "verify-email")
    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 204


async def test_W7_sign_up_with_a_taken_address_answers_the_same_and_mails_its_owner(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    owner = await make_user(db, settings, email="owner@example.com")
    fresh = await register(client, "fresh@example.com")
    taken = await register(client, "owner@example.com", password="another long passphrase 9")
    assert (fresh.status_code, taken.status_code) == (202, 202)
    assert fresh.json()["detail"] == taken.json()["detail"]
    assert set(fresh.json()) == set(taken.json()) == {"email", "detail"}
    assert await db.users.count_documents({"email": "owner@example.com"}) == 1
    [notice] = await mail_server.wait_for(owner.email)
    assert notice.subject == "Someone tried to sign up with your address"
    assert "/forgot-password" in notice.body()
    # The owner's password is untouched; the new one does not sign in.
    assert (await login(client, owner.email)).status_code == 200
    assert (await login(client, owner.email, "another long passphrase 9")).status_code == 401
    # A weak password is refused for both alike, before anything else happens.
    weak_new = await register(client, "other@example.com", password="password1234")
    weak_taken = await register(client, "owner@example.com", password="password1234")
    assert (weak_new.status_code, weak_taken.status_code) == (422, 422)


async def test_W8_password_reset_by_mail_ends_every_session(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    student = await signed_in(client, db, settings)
    email = student.user.email
    unknown = await client.post("/api/auth/password-reset", json={"email": "nobody@example.com"})
    known = await client.post("/api/auth/password-reset", json={"email": email.upper()})
    assert (unknown.status_code, known.status_code) == (202, 202)
    assert unknown.json() == known.json()
    [mail] = await mail_server.wait_for(email)
    assert mail.subject == "Reset your password"
    token = link_token(mail.body(), "reset-password")
    await jobs_settled(db, "auth.mail_reset")
    assert mail_server.to("nobody@example.com") == []
    assert await db.account_tokens.count_documents({"purpose": "password_reset"}) == 1

    confirm = "/api/auth/password-reset/confirm"
    weak = await client.post(confirm, json={"token": token, "password": "password1234"})
    assert weak.status_code == 422 and error_code(weak) == "weak_password"
    done = await client.post(confirm, json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.text

    assert (await client.get("/api/auth/me", headers=student.bearer)).status_code == 401
    refreshed = await client.post(
        "/api/auth/refresh", json={"refresh_token": student.refresh_token}
    )
    assert refreshed.status_code == 401
    assert (await login(client, email)).status_code == 401
    assert (await login(client, email, NEW_PASSWORD)).status_code == 200
    client.cookies.clear()
    reused = await client.post(confirm, json={"token": token, "password": "another fine phrase"})
    assert reused.status_code == 400 and error_code(reused) == "invalid_link"
    assert await db.account_tokens.count_documents({"purpose": "password_reset"}) == 0
    user = await db.users.find_one({"email": email})
    assert user is not None and user["email_verified_at"] is not None  # the mailbox answered


async def test_W8_an_expired_reset_link_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    user = await make_user(db, settings, email="slow@example.com")
    await client.post("/api/auth/password-reset", json={"email": user.email})
    [mail] = await mail_server.wait_for(user.email)
    token = link_token(mail.body(), "reset-password")
    stored = await db.account_tokens.find_one({"user_id": user.id})
    assert stored is not None
    lifetime = stored["expires_at"] - stored["created_at"]
    assert (
        lifetime == timedelta(seconds=settings.password_reset_ttl_seconds) == timedelta(minutes=30)
    )
    past = clock.now() - timedelta(seconds=1)  # the link's 30 minutes are over
    await db.account_tokens.update_one({"_id": stored["_id"]}, {"$set": {"expires_at": past}})
    response = await client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 400 and error_code(response) == "invalid_link"
    assert (await login(client, user.email)).status_code == 200


async def test_mail_bodies_escape_what_people_typed(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    # A confirmed address is greeted by its name (M3: an unconfirmed one never is).
    name = '<img src=x onerror="alert(1)">'
    await auth.create_user(
        db=db, settings=settings, email="xss@example.com", name=name, password=PASSWORD,
        role=Role.student, verified=True,
    )  # fmt: skip
    reset = await client.post("/api/auth/password-reset", json={"email": "xss@example.com"})
    assert reset.status_code == 202, reset.text
    [mail] = await mail_server.wait_for("xss@example.com")
    assert name in mail.body("plain")
    assert "<img" not in mail.body("html")
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in mail.body("html")


async def test_a_deferred_message_is_sent_again_and_a_refused_one_is_given_up(
    client: httpx.AsyncClient, db: Database, mail_server: MailServer
) -> None:
    mail_server.defer_next = 1  # the relay says 451 once
    assert (await register(client, "patient@example.com")).status_code == 202
    async with asyncio.timeout(30):  # deferred: queued again for later (5 s)...
        while not await db.jobs.find_one(
            {"kind": "auth.mail_verification", "attempts": 1, "state": "queued"}
        ):
            await asyncio.sleep(0.05)
    # ... and that later is now (the test does not wait out the back-off).
    await db.jobs.update_many({"state": "queued"}, {"$set": {"run_at": clock.now()}})
    [mail] = await mail_server.wait_for("patient@example.com", within=30)
    [job] = await jobs_settled(db, "auth.mail_verification")
    assert (job["state"], job["attempts"]) == ("done", 2)
    assert mail.subject == "Confirm your email address"

    mail_server.refused.add("gone@example.com")
    await db.jobs.delete_many({})
    assert (await register(client, "gone@example.com")).status_code == 202
    [job] = await jobs_settled(db, "auth.mail_verification")
    assert (job["state"], job["attempts"]) == ("failed", 1)  # 550: retrying cannot help
    assert "recipient refused" in job["error"]


async def test_a_receipt_once_per_order_and_a_refund_notice(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    teacher = await make_user(db, settings, role=Role.instructor)
    course = await make_course(db, teacher, title="Cats & <Dogs>", amount=4900)
    student = await signed_in(client, db, settings)
    admin = await signed_in(client, db, settings, role=Role.admin)
    order = await client.post(f"/api/courses/{course.id}/checkout", json={}, headers=student.bearer)
    order_id = order.json()["order_id"]
    paid = await client.post(
        f"/api/payments/local/{order_id}/complete",
        json={"outcome": "succeed"},
        headers=student.bearer,
    )
    assert paid.status_code == 200, paid.text
    [receipt] = await mail_server.wait_for(student.user.email)
    assert receipt.subject == "Your receipt for Cats & <Dogs>"
    assert "49.00 USD" in receipt.body() and order_id in receipt.body()
    assert "Cats &amp; &lt;Dogs&gt;" in receipt.body("html")
    # Reading the order again (it re-checks the payment) sends no second receipt.
    assert (await client.get(f"/api/orders/{order_id}", headers=student.bearer)).status_code == 200

    refund = await client.post(f"/api/admin/orders/{order_id}/refund", headers=admin.bearer)
    assert refund.status_code == 200, refund.text
    mails = await mail_server.wait_for(student.user.email, count=2)
    assert [m.subject for m in mails] == [
        "Your receipt for Cats & <Dogs>",
        "Your refund for Cats & <Dogs>",
    ]
    await jobs_settled(db, "mail.send")
    assert len(mail_server.to(student.user.email)) == 2


@pytest.mark.parametrize("settings_overrides", [{"mail_enabled": False}])
async def test_without_mail_reset_says_so_and_sign_up_still_works(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await client.post("/api/auth/password-reset", json={"email": "a@example.com"})
    assert response.status_code == 503 and error_code(response) == "mail_disabled"
    assert (await register(client, "quiet@example.com")).status_code == 202
    assert await db.jobs.count_documents({}) == 0
    assert (await login(client, "quiet@example.com")).status_code == 200


async def test_instructors_hear_when_a_video_is_ready_or_failed(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    tmp_path: Path,
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    good = await new_video(client, teacher.bearer, title="Intro <1>")
    clip = make_clip(tmp_path / "c.mp4", size="320x240", seconds=2)
    await upload_file(client, teacher.bearer, good["upload_url"], clip.read_bytes())
    bad = await new_video(client, teacher.bearer, title="Notes")
    text = b"This is a text file, not a video.\n" * 20
    await upload_file(client, teacher.bearer, bad["upload_url"], text, filename="notes.mp4")
    for video in (good, bad):
        await wait_for_video(client, teacher.bearer, video["id"])
    mails = await mail_server.wait_for(teacher.user.email, count=2)
    by_subject = {m.subject: m for m in mails}
    assert set(by_subject) == {"“Intro <1>” is ready", "“Notes” could not be processed"}
    failed = by_subject["“Notes” could not be processed"].body()
    assert "Reason: " in failed and "not a supported video" in failed
    assert "0x" not in failed  # a readable reason, never raw tool output
    assert "Intro &lt;1&gt;" in by_subject["“Intro <1>” is ready"].body("html")


@pytest.mark.parametrize("settings_overrides", [{"smtp_url": None}])
async def test_without_smtp_development_mail_lands_in_the_outbox(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    assert (await register(client, "dev@example.com")).status_code == 202
    await jobs_settled(db, "auth.mail_verification")
    [stored] = [p for p in outbox.messages(settings.data_dir) if p.to == "dev@example.com"]
    path = settings.data_dir / outbox.OUTBOX / f"{stored.id}.eml"
    assert path.stat().st_mode & 0o777 == 0o600  # it holds a sign-in link
    env = {**os.environ, "COURSEVAULT_DATA_DIR": str(settings.data_dir)}
    listed = await run_cli(env, "mail", "list")
    assert stored.id in listed and "Confirm your email address" in listed
    shown = await run_cli(env, "mail", "show", stored.id[:20])
    token = link_token(shown, "verify-email")
    assert (await client.post("/api/auth/verify-email", json={"token": token})).status_code == 204
    missing = await asyncio.create_subprocess_exec(
        CLI, "mail", "show", "no-such-message", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await missing.communicate()
    assert missing.returncode == 1 and b"No single message" in err


CLI = str(Path(sys.executable).with_name("coursevault"))


async def run_cli(env: dict[str, str], *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()
