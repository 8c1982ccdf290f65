"""J1–J4, J8: access tokens are checked strictly, and every bad token is a 401, never a 500."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.kdf import derive_key
from tests.factories import SignedIn, error_code, signed_in

ME = "/api/auth/me"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def access_key(settings: Settings) -> bytes:
    return derive_key(settings, "jwt/access/v1")


def forge(settings: Settings, payload: dict[str, Any], **headers: Any) -> str:
    """Signs PAYLOAD with the real access key, so only the claims decide."""
    return jwt.encode(
        payload, access_key(settings), algorithm="HS256", headers={"kid": "v1", **headers}
    )


async def me_status(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
async def alice(client: httpx.AsyncClient, db: Database, settings: Settings) -> SignedIn:
    return await signed_in(client, db, settings)


async def test_valid_bearer_token_reads_me(client: httpx.AsyncClient, alice: SignedIn) -> None:
    response = await me_status(client, alice.access_token)
    assert response.status_code == 200
    assert response.json()["email"] == alice.user.email
    assert "password_hash" not in response.json()


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_J1_alg_none_in_any_case_is_refused(
    client: httpx.AsyncClient, alice: SignedIn, alg: str
) -> None:
    claims = claims_of(alice.access_token)
    header = b64(json.dumps({"alg": alg, "typ": "JWT", "kid": "v1"}).encode())
    token = f"{header}.{b64(json.dumps(claims).encode())}."
    response = await me_status(client, token)
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


async def test_J1_other_algorithm_with_the_same_key_is_refused(
    client: httpx.AsyncClient, alice: SignedIn, settings: Settings
) -> None:
    token = jwt.encode(
        claims_of(alice.access_token),
        access_key(settings),
        algorithm="HS512",
        headers={"kid": "v1"},
    )
    assert (await me_status(client, token)).status_code == 401


async def test_J1_foreign_key_is_refused(client: httpx.AsyncClient, alice: SignedIn) -> None:
    token = jwt.encode(
        claims_of(alice.access_token), b"k" * 32, algorithm="HS256", headers={"kid": "v1"}
    )
    assert (await me_status(client, token)).status_code == 401


async def test_J1_changed_header_is_refused(
    client: httpx.AsyncClient, alice: SignedIn, settings: Settings
) -> None:
    _, payload, signature = alice.access_token.split(".")
    for header in ({"alg": "HS256", "kid": "v2"}, {"alg": "HS256", "kid": "v1", "x": 1}):
        tampered = f"{b64(json.dumps(header).encode())}.{payload}.{signature}"
        assert (await me_status(client, tampered)).status_code == 401
    # An unknown kid is refused even when the token is otherwise signed with the real key.
    forged = forge(settings, claims_of(alice.access_token), kid="../../etc/passwd")
    assert (await me_status(client, forged)).status_code == 401


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud", "typ"])
async def test_J2_every_required_claim_must_be_present(
    client: httpx.AsyncClient, alice: SignedIn, settings: Settings, claim: str
) -> None:
    claims = claims_of(alice.access_token)
    assert (await me_status(client, forge(settings, claims))).status_code == 200  # control
    del claims[claim]
    response = await me_status(client, forge(settings, claims))
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", "someone-else"),
        ("aud", "another-api"),
        ("exp", -120),  # times: seconds from when the test runs (stable test ids)
        ("iat", 3600),
    ],
)
async def test_J2_wrong_issuer_audience_expired_or_future_tokens_are_refused(
    client: httpx.AsyncClient, alice: SignedIn, settings: Settings, claim: str, value: Any
) -> None:
    claims = claims_of(alice.access_token)
    claims[claim] = int(time.time()) + value if claim in ("exp", "iat") else value
    response = await me_status(client, forge(settings, claims))
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


async def test_J2_iat_within_the_leeway_is_accepted(
    client: httpx.AsyncClient, alice: SignedIn, settings: Settings
) -> None:
    claims = claims_of(alice.access_token)
    claims["iat"] = int(time.time()) + 5  # a slightly fast clock elsewhere
    assert (await me_status(client, forge(settings, claims))).status_code == 200


async def test_J3_token_types_never_cross(
    client: httpx.AsyncClient, alice: SignedIn, settings: Settings
) -> None:
    claims = claims_of(alice.access_token)
    # A reset-type token, correctly signed with the reset key, is not an access token ...
    reset_token = jwt.encode(
        {**claims, "typ": "reset"},
        derive_key(settings, "jwt/reset/v1"),
        algorithm="HS256",
        headers={"kid": "v1"},
    )
    assert (await me_status(client, reset_token)).status_code == 401
    # ... nor is an access-key token that claims another type.
    assert (
        await me_status(client, forge(settings, {**claims, "typ": "playback"}))
    ).status_code == 401
    # The opaque refresh token is no bearer token, and the access token is no refresh token.
    assert (await me_status(client, alice.refresh_token)).status_code == 401
    response = await client.post("/api/auth/refresh", json={"refresh_token": alice.access_token})
    assert response.status_code == 401


async def test_J3_header_urls_are_never_followed(
    client: httpx.AsyncClient, alice: SignedIn
) -> None:
    # A token signed by an attacker's key that points at where to fetch that key.
    attacker_key = b"attacker-key-" + b"0" * 20
    jwk = {"kty": "oct", "k": b64(attacker_key)}
    for header in (
        {"jku": "http://127.0.0.1:9/jwks.json"},
        {"x5u": "http://127.0.0.1:9/c"},
        {"jwk": jwk},
    ):
        token = jwt.encode(
            claims_of(alice.access_token),
            attacker_key,
            algorithm="HS256",
            headers={"kid": "v1", **header},
        )
        assert (await me_status(client, token)).status_code == 401


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "!!!.###.$$$",
        b64(b"[1,2]") + "." + b64(b"{}") + ".sig",
        b64(b'{"alg":"HS256"}') + "." + b64(b"[1,2,3]") + ".sig",
        b64(b'{"alg":"HS256"}') + "." + b64(b'"just a string"') + ".sig",
        b64(b'{"alg":"HS256","kid":["v1"]}') + "." + b64(b"{}") + ".sig",
        b64(b"\xff\xfe") + "." + b64(b"\x00") + ".sig",
        "e" * 10_000,
        "Bearer",
    ],
)
async def test_J4_malformed_tokens_are_401_never_500(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"invalid_token", "not_authenticated"}


@pytest.mark.parametrize(
    "claim_value",
    [
        {"sub": 123},
        {"exp": "soon"},
        {"iat": "now"},
        {"sid": 7},
        # Numeric dates written as strings or floats, or booleans: only integers.
        {"exp": str(2**33)},
        {"iat": "1"},
        {"exp": float(2**33)},
        {"nbf": "1"},
        {"nbf": True},
    ],
)
async def test_J4_claims_of_the_wrong_json_type_are_refused(
    client: httpx.AsyncClient, alice: SignedIn, settings: Settings, claim_value: dict[str, Any]
) -> None:
    token = forge(settings, {**claims_of(alice.access_token), **claim_value})
    assert (await me_status(client, token)).status_code == 401


async def test_J4_non_bearer_authorization_schemes_are_refused(
    client: httpx.AsyncClient, alice: SignedIn
) -> None:
    for value in (f"Basic {alice.access_token}", "Bearer ", f"Token {alice.access_token}"):
        response = await client.get(ME, headers={"Authorization": value})
        assert response.status_code == 401


@pytest.mark.parametrize("param", ["access_token", "token", "jwt", "authorization"])
async def test_J8_tokens_in_the_query_string_are_ignored(
    client: httpx.AsyncClient, alice: SignedIn, param: str
) -> None:
    response = await client.get(ME, params={param: alice.access_token})
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
