"""W1–W6 and registration: Argon2id, uniform failures, throttling, password policy."""

from __future__ import annotations

import statistics
import time

import httpx
import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.conftest import BASE_URL, start_app
from tests.factories import PASSWORD, error_code, login, make_user

REGISTER = "/api/auth/register"


async def register(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    body = {"email": "new@example.com", "password": PASSWORD, "name": "New Person", **fields}
    return await client.post(REGISTER, json=body)


async def test_register_normalizes_email_and_never_makes_a_second_account(
    client: httpx.AsyncClient, db: Database
) -> None:
    response = await register(client, email="  Mixed.Case@Example.COM ")
    assert response.status_code == 202
    assert response.json()["email"] == "mixed.case@example.com"
    again = await register(client, email="mixed.case@example.com", name="Someone Else")
    assert again.status_code == 202  # the same answer: no account oracle (tests/test_mail.py)
    assert again.json() == response.json()
    [doc] = await db.users.find({"email": "mixed.case@example.com"}).to_list()
    assert (doc["roles"], doc["name"]) == (["student"], "New Person")


async def test_register_as_instructor_but_never_as_admin(client: httpx.AsyncClient) -> None:
    response = await register(client, email="teacher@example.com", role="instructor")
    assert response.status_code == 202
    login_ok = await login(client, "teacher@example.com")
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {login_ok.json()['access_token']}"}
    )
    assert me.json()["roles"] == ["instructor"]
    response = await register(client, email="boss@example.com", role="admin")
    assert response.status_code == 422
    assert error_code(response) == "validation_error"


@pytest.mark.parametrize("settings_overrides", [{"open_instructor_signup": False}])
async def test_closed_instructor_signup_is_forbidden(client: httpx.AsyncClient) -> None:
    response = await register(client, email="teacher@example.com", role="instructor")
    assert response.status_code == 403
    assert (await register(client, email="pupil@example.com")).status_code == 202


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD, "name": "X"},
        {"email": "a@example.com", "password": PASSWORD, "name": ""},
        {"email": "a@example.com", "name": "X"},
        {"email": "a@example.com", "password": 12345678901, "name": "X"},
    ],
)
async def test_register_rejects_malformed_bodies_and_stores_nothing(
    client: httpx.AsyncClient, db: Database, body: dict[str, object]
) -> None:
    response = await client.post(REGISTER, json=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert await db.users.count_documents({}) == 0


async def test_W1_passwords_are_argon2id_at_or_above_the_owasp_floor(
    client: httpx.AsyncClient, db: Database
) -> None:
    await register(client)
    doc = await db.users.find_one({"email": "new@example.com"})
    assert doc is not None
    stored = doc["password_hash"]
    assert stored.startswith("$argon2id$")
    params = dict(item.split("=") for item in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2
    assert PASSWORD not in stored


async def test_W1_login_rehashes_a_hash_made_with_weaker_parameters(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    await db.users.update_one({"_id": user.id}, {"$set": {"password_hash": weak.hash(PASSWORD)}})
    assert (await login(client, user.email)).status_code == 200
    doc = await db.users.find_one({"_id": user.id})
    assert doc is not None
    stored = doc["password_hash"]
    assert f"m={settings.argon2_memory_kib},t={settings.argon2_time_cost}" in stored
    assert (await login(client, user.email)).status_code == 200


async def failed_login_shape(response: httpx.Response) -> tuple[int, object, list[str]]:
    return response.status_code, response.json(), response.headers.get_list("set-cookie")


async def test_W2_unknown_email_wrong_password_and_disabled_account_answer_identically(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    disabled = await make_user(db, settings)
    await auth.set_disabled(db=db, user=disabled, disabled=True)
    shapes = [
        await failed_login_shape(await login(client, "nobody@example.com")),
        await failed_login_shape(await login(client, user.email, "wrong password here")),
        await failed_login_shape(await login(client, disabled.email)),
    ]
    assert shapes[0] == shapes[1] == shapes[2]
    assert shapes[0][0] == 401 and shapes[0][2] == []


async def test_W2_unknown_email_takes_about_as_long_as_a_wrong_password(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """A security property, not a speed target: without the dummy hash an unknown email
    answers ~50x faster. Distinct emails keep the lockout out of the measurement."""
    known = [await make_user(db, settings) for _ in range(5)]

    async def timed(email: str, password: str) -> float:
        start = time.perf_counter()
        assert (await login(client, email, password)).status_code == 401
        return time.perf_counter() - start

    wrong = [await timed(u.email, "wrong password here") for u in known]
    unknown = [await timed(f"ghost{i}@example.com", "wrong password here") for i in range(5)]
    assert statistics.median(unknown) > 0.3 * statistics.median(wrong)


@pytest.mark.parametrize("settings_overrides", [{"login_max_failures_per_account": 3}])
async def test_W3_account_lockout_answers_429_with_retry_after(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    for _ in range(3):
        assert (await login(client, user.email, "wrong password here")).status_code == 401
    locked = await login(client, user.email)  # even the right password waits now
    assert locked.status_code == 429
    assert error_code(locked) == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) >= settings.login_lockout_seconds - 1
    # An unknown email locks the same way, so lockouts reveal nothing (W2).
    for _ in range(3):
        await login(client, "ghost@example.com", "wrong password here")
    ghost = await login(client, "ghost@example.com")
    assert ghost.status_code == 429
    assert error_code(ghost) == error_code(locked)
    assert set(ghost.headers) >= {"retry-after"}
    # Other accounts are not affected.
    other = await make_user(db, settings)
    assert (await login(client, other.email)).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"login_max_failures_per_ip": 4}])
async def test_W3_per_ip_limit_across_many_emails(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    for i in range(4):
        assert (await login(client, f"spray{i}@example.com", "password123")).status_code == 401
    response = await login(client, user.email)
    assert response.status_code == 429
    assert "Retry-After" in response.headers


@pytest.mark.parametrize("settings_overrides", [{"login_max_failures_per_account": 2}])
async def test_W3_limits_live_in_the_database_and_hold_across_processes(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    for _ in range(2):
        await login(client, user.email, "wrong password here")
    # A second app instance on the same database (another worker or machine) sees the lock.
    other_app, lifespan = await start_app(settings)
    try:
        transport = httpx.ASGITransport(app=other_app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as other:
            assert (await login(other, user.email)).status_code == 429
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_W3_success_resets_the_account_counter(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    for _ in range(settings.login_max_failures_per_account - 1):
        await login(client, user.email, "wrong password here")
    assert (await login(client, user.email)).status_code == 200
    for _ in range(settings.login_max_failures_per_account - 1):
        await login(client, user.email, "wrong password here")
    assert (await login(client, user.email)).status_code == 200


async def test_W4_long_unicode_passwords_work_and_are_never_truncated(
    client: httpx.AsyncClient,
) -> None:
    password = "Ünïcødé 🔐 пароль 密码 " * 5  # 100+ characters, multi-byte
    assert len(password) >= 64
    assert (await register(client, password=password)).status_code == 202
    assert (await login(client, "new@example.com", password)).status_code == 200
    assert (await login(client, "new@example.com", password[:72])).status_code == 401
    assert (await login(client, "new@example.com", password[:-1])).status_code == 401


async def test_W4_short_and_oversized_passwords_are_refused_before_hashing(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    short = await register(client, password="x" * (settings.password_min_length - 1))
    assert short.status_code == 422
    assert error_code(short) == "weak_password"
    assert str(settings.password_min_length) in short.json()["error"]["message"]
    huge = await register(client, password="é" * 600)  # 600 characters, 1,200 bytes
    assert huge.status_code == 422
    assert "1024 bytes" in huge.json()["error"]["message"]
    assert await db.users.count_documents({}) == 0
    exact = await register(client, password=("correct horse battery staple " * 40)[:1024])
    assert exact.status_code == 202


@pytest.mark.parametrize(
    "password",
    ["Password123!", "password1234", "1234567890", "qwertyuiop123", "aaaaaaaaaaaa"],
)
async def test_W5_common_passwords_are_refused_at_registration(
    client: httpx.AsyncClient, db: Database, password: str
) -> None:
    refused = await register(client, password=password)
    assert refused.status_code == 422 and error_code(refused) == "weak_password"
    assert await db.users.count_documents({}) == 0


async def test_W5_a_password_made_of_the_account_s_own_name_or_email_is_refused(
    client: httpx.AsyncClient, db: Database
) -> None:
    for password in ("margarethamilton", "margaret@example.com"):
        refused = await register(
            client, email="margaret@example.com", name="Margaret Hamilton", password=password
        )
        assert refused.status_code == 422, password
        assert "too common or too easy to guess" in refused.json()["error"]["message"]
    assert await db.users.count_documents({}) == 0


async def test_W5_changing_to_a_common_password_is_refused_and_the_old_one_stays(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    token = (await login(client, user.email)).json()["access_token"]
    changed = await client.patch(
        "/api/auth/me/password",
        json={"current_password": PASSWORD, "new_password": "Password123!"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert changed.status_code == 422 and error_code(changed) == "weak_password"
    assert (await login(client, user.email)).status_code == 200


COMPOSED = "caf\u00e9 au lait sur la terrasse"  # é as one code point (NFC)
DECOMPOSED = "cafe\u0301 au lait sur la terrasse"  # e + combining acute (NFD, as macOS types)


async def test_W6_the_same_passphrase_in_another_unicode_form_signs_in(
    client: httpx.AsyncClient,
) -> None:
    assert COMPOSED != DECOMPOSED
    assert (await register(client, password=COMPOSED)).status_code == 202
    assert (await login(client, "new@example.com", DECOMPOSED)).status_code == 200
    assert (await login(client, "new@example.com", COMPOSED)).status_code == 200
    assert (
        await login(client, "new@example.com", "cafe au lait sur la terrasse")
    ).status_code == 401


async def test_W6_a_hash_made_before_normalisation_still_signs_in_and_is_upgraded(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    old = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    ).hash(DECOMPOSED)  # what the platform stored before W6: the bytes as typed
    await db.users.update_one({"_id": user.id}, {"$set": {"password_hash": old}})
    assert (await login(client, user.email, COMPOSED)).status_code == 401  # not yet
    assert (await login(client, user.email, DECOMPOSED)).status_code == 200
    doc = await db.users.find_one({"_id": user.id})
    assert doc is not None and doc["password_hash"] != old
    assert (await login(client, user.email, COMPOSED)).status_code == 200
