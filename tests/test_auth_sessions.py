"""J5–J7: rotating refresh tokens, server-side session ends, browser cookies with CSRF."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import httpx
import pytest

from coursevault import clock
from coursevault.auth import service as auth
from coursevault.auth import tokens
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.conftest import BASE_URL, make_settings
from tests.factories import PASSWORD, error_code, login, make_user, signed_in
from tests.test_auth_tokens import claims_of

REFRESH = "/api/auth/refresh"
ME = "/api/auth/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": token})


async def test_J5_access_tokens_live_at_most_15_minutes(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    claims = claims_of(alice.access_token)
    assert 0 < claims["exp"] - claims["iat"] <= 15 * 60
    with pytest.raises(ValueError, match="access_token_ttl_seconds"):
        make_settings(settings.data_dir, access_token_ttl_seconds=16 * 60)


async def test_J5_refresh_tokens_are_random_and_stored_only_hashed(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    other = await signed_in(client, db, settings)
    token = alice.refresh_token
    assert len(token) >= 22 and token != other.refresh_token  # ≥ 128 bits, base64url
    docs = [doc async for doc in db.refresh_tokens.find({})]
    assert docs, "refresh tokens are stored"
    assert all(token not in repr(doc) for doc in docs)
    assert hashlib.sha256(token.encode()).hexdigest() in {doc["_id"] for doc in docs}


async def test_J5_refresh_rotates_and_old_token_is_single_use(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    first = await refresh(client, alice.refresh_token)
    assert first.status_code == 200
    pair = first.json()
    assert pair["refresh_token"] != alice.refresh_token
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 200
    second = await refresh(client, pair["refresh_token"])
    assert second.status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"refresh_reuse_grace_seconds": 0}])
async def test_J5_reusing_a_rotated_token_revokes_the_whole_family(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    newer = (await refresh(client, alice.refresh_token)).json()
    await asyncio.sleep(0.01)
    replay = await refresh(client, alice.refresh_token)  # e.g. a thief replays the stolen token
    assert replay.status_code == 401
    assert error_code(replay) == "refresh_token_reused"
    # Everything of that sign-in is dead now: the newer refresh token and its access token.
    assert (await refresh(client, newer["refresh_token"])).status_code == 401
    assert (await client.get(ME, headers=bearer(newer["access_token"]))).status_code == 401
    # Other sign-ins of the same user are untouched.
    again = await login(client, alice.user.email)
    assert (await client.get(ME, headers=bearer(again.json()["access_token"]))).status_code == 200


async def test_J5_concurrent_refreshes_one_wins_and_the_session_survives(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """Two tabs refreshing with the same token at once: exactly one gets a new pair; the
    other gets 401 refresh_conflict (within the grace window) and the session lives on."""
    alice = await signed_in(client, db, settings)
    responses = await asyncio.gather(*(refresh(client, alice.refresh_token) for _ in range(5)))
    winners = [r for r in responses if r.status_code == 200]
    losers = [r for r in responses if r.status_code != 200]
    assert len(winners) == 1
    assert {(r.status_code, error_code(r)) for r in losers} == {(401, "refresh_conflict")}
    pair = winners[0].json()
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 200
    assert (await refresh(client, pair["refresh_token"])).status_code == 200


async def test_J6_an_access_token_lives_as_long_as_its_sign_in_across_rotations(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """An access token names the refresh token it was issued with, which is found live by
    its `_id`; once that one is rotated, the sign-in's newer token keeps it valid, and
    when no token of the sign-in is live any more, neither is it."""
    alice = await signed_in(client, db, settings)
    stored = hashlib.sha256(alice.refresh_token.encode()).hexdigest()
    assert claims_of(alice.access_token)["rt"] == stored
    newer = (await refresh(client, alice.refresh_token)).json()
    assert (await client.get(ME, headers=bearer(alice.access_token))).status_code == 200
    assert (await client.get(ME, headers=bearer(newer["access_token"]))).status_code == 200
    # The newer token expires too: the sign-in has no live token left, whatever is named.
    await db.refresh_tokens.update_many({}, {"$set": {"expires_at": clock.now()}})
    for token in (alice.access_token, newer["access_token"]):
        assert (await client.get(ME, headers=bearer(token))).status_code == 401
    # A live token of another sign-in cannot vouch for this one (a token we never issue,
    # signed here with the server's key).
    other = await signed_in(client, db, settings)
    mixed = tokens.encode(
        settings,
        typ=auth.ACCESS,
        sub=alice.user.id,
        ttl=timedelta(minutes=5),
        sid=claims_of(alice.access_token)["sid"],
        rt=claims_of(other.access_token)["rt"],
    )
    assert (await client.get(ME, headers=bearer(other.access_token))).status_code == 200
    assert (await client.get(ME, headers=bearer(mixed))).status_code == 401


async def test_J5_unknown_or_expired_refresh_tokens_are_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    assert (await refresh(client, "not-a-token")).status_code == 401
    alice = await signed_in(client, db, settings)
    await db.refresh_tokens.update_many({}, {"$set": {"expires_at": clock.now()}})
    response = await refresh(client, alice.refresh_token)
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


async def test_J6_logout_ends_the_session_server_side(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    response = await client.post("/api/auth/logout", headers=bearer(alice.access_token))
    assert response.status_code == 204
    assert (await client.get(ME, headers=bearer(alice.access_token))).status_code == 401
    assert (await refresh(client, alice.refresh_token)).status_code == 401


async def test_J6_password_change_ends_every_other_session(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    laptop = (await login(client, user.email)).json()
    phone = (await login(client, user.email)).json()
    client.cookies.clear()
    new_password = "a brand new passphrase"
    response = await client.patch(
        "/api/auth/me/password",
        headers=bearer(laptop["access_token"]),
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert response.status_code == 204
    assert (await client.get(ME, headers=bearer(laptop["access_token"]))).status_code == 200
    assert (await client.get(ME, headers=bearer(phone["access_token"]))).status_code == 401
    assert (await refresh(client, phone["refresh_token"])).status_code == 401
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, new_password)).status_code == 200


async def test_J6_password_change_needs_the_current_password(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    response = await client.patch(
        "/api/auth/me/password",
        headers=alice.bearer,
        json={"current_password": "wrong password!", "new_password": "another passphrase"},
    )
    assert response.status_code == 401
    assert (await login(client, alice.user.email)).status_code == 200


async def test_J6_disabling_an_account_ends_its_sessions(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    await auth.set_disabled(db=db, user=alice.user, disabled=True)
    assert (await client.get(ME, headers=alice.bearer)).status_code == 401
    assert (await refresh(client, alice.refresh_token)).status_code == 401
    assert (await login(client, alice.user.email)).status_code == 401


def cookie_attributes(response: httpx.Response) -> dict[str, str]:
    """Maps cookie name → its raw Set-Cookie line (lower-cased)."""
    return {line.split("=", 1)[0]: line.lower() for line in response.headers.get_list("set-cookie")}


async def test_J7_login_sets_httponly_samesite_cookies_and_a_readable_csrf_cookie(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    cookies = cookie_attributes(await login(client, user.email))
    assert "httponly" in cookies["cv_access"] and "samesite=lax" in cookies["cv_access"]
    assert "httponly" in cookies["cv_refresh"] and "path=/api/auth" in cookies["cv_refresh"]
    assert "httponly" not in cookies["cv_csrf"]
    # Development serves plain http on 127.0.0.1, so no Secure there ...
    assert "secure" not in cookies["cv_access"]


@pytest.mark.parametrize("settings_overrides", [{"env": "production", "mail_enabled": False}])
async def test_J7_cookies_are_secure_outside_development(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    cookies = cookie_attributes(await login(client, user.email))
    # Browser-enforced prefixes: __Host- (Secure, Path=/, no Domain) and, for the refresh
    # cookie whose path is narrower, __Secure-.
    assert {"__Host-cv_access", "__Secure-cv_refresh", "__Host-cv_csrf"} <= cookies.keys()
    assert not {"cv_access", "cv_refresh", "cv_csrf"} & cookies.keys()
    assert all("; secure" in line for line in cookies.values())
    for name in ("__Host-cv_access", "__Host-cv_csrf"):
        assert "path=/;" in cookies[name] + ";" and "domain=" not in cookies[name]
    assert "path=/api/auth" in cookies["__Secure-cv_refresh"]


@pytest.mark.parametrize("settings_overrides", [{"env": "production", "mail_enabled": False}])
async def test_J7_prefixed_cookies_sign_in_and_unprefixed_ones_are_ignored_outside_development(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    response = await login(client, user.email)
    access = response.cookies["__Host-cv_access"]
    csrf = response.cookies["__Host-cv_csrf"]
    client.cookies.clear()
    signed = await client.get(ME, cookies={"__Host-cv_access": access})
    assert signed.status_code == 200
    # A cookie planted without the prefix (a subdomain or plain-http page could) is not read.
    planted = await client.get(ME, cookies={"cv_access": access})
    assert planted.status_code == 401
    write = await client.post(
        "/api/auth/logout",
        cookies={"__Host-cv_access": access, "cv_csrf": csrf},
        headers={"X-CSRF-Token": csrf},
    )
    assert write.status_code == 403  # the CSRF cookie must carry its prefix too


async def cookie_session(client: httpx.AsyncClient, db: Database, settings: Settings) -> str:
    """Signs in like a browser (cookies kept); returns the CSRF token the page would read."""
    user = await make_user(db, settings)
    assert (await login(client, user.email)).status_code == 200
    csrf = client.cookies.get("cv_csrf")
    assert csrf
    return csrf


async def test_J7_cookie_authenticated_reads_work_without_csrf(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    await cookie_session(client, db, settings)
    assert (await client.get(ME)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-CSRF-Token": "forged"},
        {"X-CSRF-Token": ""},
    ],
)
async def test_J7_cookie_authenticated_writes_without_csrf_proof_are_403(
    client: httpx.AsyncClient, db: Database, settings: Settings, headers: dict[str, str]
) -> None:
    await cookie_session(client, db, settings)
    for method, path, body in (
        ("POST", "/api/auth/logout", None),
        ("POST", REFRESH, None),
        (
            "PATCH",
            "/api/auth/me/password",
            {"current_password": PASSWORD, "new_password": "x" * 12},
        ),
    ):
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (path, response.text)
        assert error_code(response) == "csrf_failed"
    assert (await client.get(ME)).status_code == 200  # nothing was ended


async def test_J7_a_foreign_origin_is_refused_even_with_the_token(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    csrf = await cookie_session(client, db, settings)
    headers = {"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    response = await client.post("/api/auth/logout", headers=headers)
    assert response.status_code == 403
    referer = {"X-CSRF-Token": csrf, "Referer": "https://evil.example/page"}
    assert (await client.post("/api/auth/logout", headers=referer)).status_code == 403
    assert (await client.get(ME)).status_code == 200


async def test_J7_login_from_a_foreign_origin_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    user = await make_user(db, settings)
    response = await client.post(
        "/api/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


async def test_J7_cookie_writes_with_csrf_proof_and_same_origin_succeed(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    csrf = await cookie_session(client, db, settings)
    headers = {"X-CSRF-Token": csrf, "Origin": BASE_URL}
    refreshed = await client.post(REFRESH, headers=headers)
    assert refreshed.status_code == 200
    csrf = client.cookies["cv_csrf"]  # rotated along with the tokens
    response = await client.post(
        "/api/auth/logout", headers={"X-CSRF-Token": csrf, "Origin": BASE_URL}
    )
    assert response.status_code == 204
    assert (await client.get(ME)).status_code == 401


async def test_roles_student_calling_an_admin_route_is_forbidden(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    student = await signed_in(client, db, settings)
    response = await client.get("/api/admin/users", headers=student.bearer)
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    admin = await signed_in(client, db, settings, role=Role.admin)
    response = await client.get("/api/admin/users", headers=admin.bearer)
    assert response.status_code == 200
    assert response.json()["total"] == 2


async def test_roles_set_role_takes_effect_on_the_next_request(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    alice = await signed_in(client, db, settings)
    assert (await client.get("/api/admin/users", headers=alice.bearer)).status_code == 403
    await auth.set_role(db=db, user=alice.user, role=Role.admin)
    assert (await client.get("/api/admin/users", headers=alice.bearer)).status_code == 200
