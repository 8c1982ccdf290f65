"""The built web app is served by the app without shadowing the API; the generated API
client matches the API."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from coursevault.http import web_app
from tests.processes import COURSEVAULT

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    return {"web_dist": dist}


async def test_client_routes_get_the_app_and_api_paths_stay_json(client: httpx.AsyncClient) -> None:
    client_paths = ["/", "/courses/intro-to-rust", "/learn/a/b", "/studio/courses/x"]
    client_paths += ["/checkout/o1", "/studio/quizzes/q/results"]
    client_paths += ["/studio/courses/c/videos/v/captions/en"]
    client_paths += ["/bundles/b1", "/gifts/claim", "/seats/claim", "/teams/t1"]
    client_paths += ["/my/gifts", "/my/teams"]
    client_paths += ["/pricing", "/account/memberships", "/memberships/m1/checkout"]
    client_paths += ["/studio/plans"]
    for path in client_paths:
        page = await client.get(path)
        assert page.status_code == 200, path
        assert "<div id=root>" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "script-src 'self' https://js.stripe.com;" in csp  # Stripe.js, nothing else
        assert page.headers["referrer-policy"] == "same-origin"
    for path in ("/api/nope", "/api/courses/x/nope/deeper", "/hls/x", "/healthzz/x"):
        missing = await client.get(path)
        assert missing.status_code == 404, path
        assert missing.headers["content-type"] == "application/json"
    assert (await client.get("/healthz")).json()["status"] == "ok"
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "CourseVault"
    asset = await client.get("/assets/index-abc123.js")
    assert asset.status_code == 200 and "console.log" in asset.text
    assert (await client.get("/favicon.svg")).status_code == 200
    # Unknown paths: JSON for API clients, the app's own "not found" page for browsers.
    assert (await client.get("/no/such/page")).headers["content-type"] == "application/json"
    page = await client.get("/no/such/page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "<div id=root>" in page.text
    for escape in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/x.txt"):
        assert (await client.get(escape)).status_code == 404, escape


def test_the_web_client_is_generated_from_the_current_api() -> None:
    """web/openapi.json (the source of web/src/api/schema.d.ts) must match the API; after
    changing the API run `make api-client`."""
    current = subprocess.run(
        [COURSEVAULT, "openapi"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    committed = (ROOT / "web" / "openapi.json").read_text()
    assert json.loads(current) == json.loads(committed), "run `make api-client`"


def test_the_built_web_app_is_found_where_make_builds_it() -> None:
    """`make run` builds into web/dist; serve finds it there without a setting."""
    assert web_app.default_dist() == ROOT / "web" / "dist"
