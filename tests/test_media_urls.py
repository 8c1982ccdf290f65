"""S1–S7: signed HLS URLs. Playlists and segments open with a valid token and nothing else."""

from __future__ import annotations

import inspect
import time

import httpx
import m3u8
import pytest

from coursevault.config import Settings
from coursevault.streaming import signing
from tests.media_helpers import local_store as media_storage

SESSION = "session-abc123"


def url(settings: Settings, video_id: str, name: str = "master.m3u8", **kw: int) -> str:
    expires = kw.get("expires", int(time.time()) + 600)
    token = signing.sign(settings, video_id=video_id, session_id=SESSION, expires=expires)
    return f"/hls/{token}/{video_id}/{name}"


async def test_a_valid_token_opens_the_master_variants_and_segments_with_safe_headers(
    client: httpx.AsyncClient, settings: Settings, ready_video: str
) -> None:
    master_url = url(settings, ready_video)
    master = await client.get(master_url)
    assert master.status_code == 200
    assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert master.headers["x-content-type-options"] == "nosniff"
    assert master.headers["content-disposition"] == "inline"
    cache = master.headers["cache-control"]
    assert cache.startswith("private") and int(cache.split("max-age=")[1]) <= 600
    # Relative URIs resolve under the same signed path: no rewriting needed.
    variant_uri = m3u8.loads(master.text).playlists[0].uri
    base = master_url.rsplit("/", 1)[0]
    variant = await client.get(f"{base}/{variant_uri}")
    assert variant.status_code == 200
    segment_uri = m3u8.loads(variant.text).segments[0].uri
    segment = await client.get(f"{base}/{segment_uri}")
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    assert len(segment.content) > 1000


def tampered(token: str, part: int, value: str) -> str:
    pieces = token.split(".")
    pieces[part] = value
    return ".".join(pieces)


async def test_S2_S3_missing_malformed_tampered_or_expired_tokens_are_403(
    client: httpx.AsyncClient, settings: Settings, ready_video: str
) -> None:
    good = url(settings, ready_video).split("/")[2]
    exp = int(good.split(".")[2])
    other_mac = signing.sign(settings, video_id=ready_video, session_id=SESSION, expires=exp + 1)
    bad_tokens = [
        "x",
        "v1.k1",
        good[:-1],
        good + "A",
        tampered(good, 0, "v2"),
        tampered(good, 1, "k2"),
        tampered(good, 2, str(exp + 3600)),  # longer expiry
        tampered(good, 2, f"0{exp}"),  # the same expiry, not in its one written form
        tampered(good, 2, f"00{exp}"),
        tampered(good, 3, "session-other1"),  # another playback session
        tampered(good, 4, other_mac.split(".")[4]),  # a MAC of other fields
        tampered(good, 4, "A" * 43),
        signing.sign(
            settings, video_id=ready_video, session_id=SESSION, expires=int(time.time()) - 1
        ),
    ]
    for token in bad_tokens:
        for name in ("master.m3u8", "240p.m3u8", "240p_00000.ts", "key"):
            response = await client.get(f"/hls/{token}/{ready_video}/{name}")
            assert response.status_code == 403, (token, name)
            assert response.json()["error"]["code"] == "invalid_media_token"


async def test_S4_scope_is_exact_one_video_only(
    client: httpx.AsyncClient, settings: Settings, ready_video: str
) -> None:
    token = url(settings, ready_video).split("/")[2]
    other = ready_video[:-1] + ("0" if ready_video[-1] != "0" else "1")
    for video in (other, ready_video + "0", ready_video[:-1]):
        response = await client.get(f"/hls/{token}/{video}/master.m3u8")
        assert response.status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "..%2f..%2fsecret_key",
        "%2e%2e%2fkey",
        "..%252fmaster.m3u8",
        "key",
        "keyinfo",
        "poster.jpg",
        ".hidden",
        "master.m3u8%00.ts",
        "MASTER.M3U8",
        "240p_0.ts",
        "..",
        "%2e%2e",
    ],
)
async def test_S5_S7_only_allow_listed_names_and_never_another_file(
    client: httpx.AsyncClient, settings: Settings, ready_video: str, name: str
) -> None:
    token = url(settings, ready_video).split("/")[2]
    response = await client.get(f"/hls/{token}/{ready_video}/{name}")
    assert response.status_code in (401, 403, 404)  # "key" needs a signed-in viewer: 401
    assert b"#EXTM3U" not in response.content and len(response.content) < 300


async def test_S5_traversal_in_the_path_never_escapes(
    client: httpx.AsyncClient, settings: Settings, ready_video: str
) -> None:
    token = url(settings, ready_video).split("/")[2]
    for path in (
        f"/hls/{token}/{ready_video}/../../secret_key",
        f"/hls/{token}/{ready_video}/%2e%2e/%2e%2e/secret_key",
        f"/hls/{token}/..%2f..%2f/master.m3u8",
        f"/hls/{token}/{ready_video}/sub/master.m3u8",
    ):
        response = await client.get(path)
        assert response.status_code in (403, 404), path
        assert "secret" not in response.text.lower() or response.status_code == 404


async def test_S7_no_static_route_reaches_media_originals_or_keys(
    client: httpx.AsyncClient, settings: Settings, ready_video: str
) -> None:
    for path in (
        f"/media/{ready_video}/master.m3u8",
        f"/data/media/{ready_video}/master.m3u8",
        f"/originals/{ready_video}",
        f"/hls/{ready_video}/master.m3u8",
        "/data/secret_key",
        f"/api/videos/{ready_video}/original",
    ):
        assert (await client.get(path)).status_code in (401, 404), path
    assert media_storage(settings).original(ready_video).exists()


def test_S6_every_mac_comparison_is_constant_time() -> None:
    source = inspect.getsource(signing)
    assert "hmac.compare_digest(" in source
    assert "expected ==" not in source and "== expected" not in source
    assert 'mac"] ==' not in source and "digest() ==" not in source


def test_S1_tokens_carry_version_kid_expiry_and_session(settings: Settings) -> None:
    video = "0" * 24
    token = signing.sign(settings, video_id=video, session_id=SESSION, expires=2_000_000_000)
    version, kid, expires, session, mac = token.split(".")
    assert (version, kid, expires, session) == ("v1", "k1", "2000000000", SESSION)
    assert len(mac) == 43  # base64url SHA-256
    grant = signing.verify(settings, token, video_id=video, now=1_900_000_000)
    assert grant == signing.MediaGrant(video_id=video, session_id=SESSION, expires=2_000_000_000)
    # The video id is inside the MAC: the same token for another video fails.
    with pytest.raises(signing.InvalidMediaToken):
        signing.verify(settings, token, video_id="1" * 24, now=1_900_000_000)


@pytest.mark.parametrize("settings_overrides", [{"media_cors_origins": ["https://player.example"]}])
async def test_K2_cors_only_for_configured_origins_and_never_a_wildcard(
    client: httpx.AsyncClient, settings: Settings, ready_video: str
) -> None:
    master_url = url(settings, ready_video)
    allowed = await client.get(master_url, headers={"Origin": "https://player.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://player.example"
    assert "Origin" in allowed.headers["vary"]
    foreign = await client.get(master_url, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
    plain = await client.get(master_url)
    assert "access-control-allow-origin" not in plain.headers
