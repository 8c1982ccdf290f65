"""Small factories that go through the same service code as the app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import httpx

from coursevault.auth import service as auth
from coursevault.auth.models import Role, User
from coursevault.config import Settings
from coursevault.database.db import Database

PASSWORD = "correct horse battery staple"


@dataclass
class SignedIn:
    user: User
    access_token: str
    refresh_token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def make_user(
    db: Database,
    settings: Settings,
    *,
    role: Role = Role.student,
    email: str | None = None,
    password: str = PASSWORD,
) -> User:
    return await auth.create_user(
        db=db,
        settings=settings,
        email=email or f"user-{secrets.token_hex(4)}@example.com",
        name="Test User",
        password=password,
        role=role,
    )


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def signed_in(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    *,
    role: Role = Role.student,
    email: str | None = None,
) -> SignedIn:
    user = await make_user(db, settings, role=role, email=email)
    response = await login(client, user.email)
    assert response.status_code == 200, response.text
    body = response.json()
    client.cookies.clear()  # API-client style by default; cookie tests opt in
    return SignedIn(
        user=user, access_token=body["access_token"], refresh_token=body["refresh_token"]
    )


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code
