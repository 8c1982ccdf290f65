"""Keys during the whole playback (K1, K6–K8): a key per period, wrapped for the session,
checked and rate-limited at every request, renewing the lease like a heartbeat."""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from coursevault.config import Settings
from coursevault.courses.models import KeyProtection, LimitBehavior
from coursevault.database.db import Database
from coursevault.progress import repo as progress_repo
from coursevault.streaming import key_endpoint
from coursevault.streaming import repo as streaming_repo
from tests.course_helpers import enrolled_course, start_lesson
from tests.factories import PASSWORD, SignedIn, error_code, login, make_user, signed_in
from tests.media_helpers import (
    PackagedVideo,
    decrypt_segment,
    make_clip,
    plain_key,
    segment_keys,
)
from tests.media_helpers import local_store as media_storage

PERIODS = 4  # a 20 s clip in 6 s segments, one segment per period


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"key_rotation_segments": 1}


@pytest.fixture(scope="module")
def rotating_package(tmp_path_factory: pytest.TempPathFactory) -> PackagedVideo:
    return PackagedVideo(tmp_path_factory.mktemp("rotating"))


@pytest.fixture
async def rotating_video(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    rotating_package: PackagedVideo,
    tmp_path: Path,
) -> str:
    """A 20 s, two-rendition video packaged with a new key every segment."""
    return await rotating_package.video_for(
        client,
        db,
        settings,
        (instructor.user, instructor.bearer),
        lambda: make_clip(tmp_path / "c.mp4", size="640x360", seconds=20),
    )


def period_key_url(playlist_url: str, period: int) -> str:
    return f"{playlist_url.rsplit('/', 1)[0]}/key/{period}"


async def test_K8_each_period_has_its_own_key_shared_by_every_rendition(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    rotating_video: str,
    tmp_path: Path,
) -> None:
    course = await enrolled_course(
        client,
        db,
        instructor.user,
        student.bearer,
        rotating_video,
        key_protection=KeyProtection.standard,
    )
    started = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    assert started["key_protection"] == "standard" and started["key_secret"] is None

    root = media_storage(settings).media_dir(rotating_video)
    ladders = {name: segment_keys(root / f"{name}.m3u8") for name in ("240p", "360p")}
    assert [period for _, period, _ in ladders["240p"]] == list(range(PERIODS))
    assert [p for _, p, _ in ladders["240p"]] == [p for _, p, _ in ladders["360p"]]
    # Every segment has its own IV, even where renditions share the key.
    ivs = [iv for ladder in ladders.values() for _, _, iv in ladder]
    assert len(set(ivs)) == len(ivs)

    served = []
    for period in range(PERIODS):
        answer = await client.get(
            period_key_url(started["playlist_url"], period), headers=student.bearer
        )
        assert answer.status_code == 200 and len(answer.content) == 16
        assert answer.headers["cache-control"] == "no-store, private"
        assert answer.content == await plain_key(db, settings, rotating_video, period)
        served.append(answer.content)
    assert len(set(served)) == PERIODS

    for name, ladder in ladders.items():
        for segment, period, iv in ladder:
            clear = tmp_path / f"{name}-{segment}"
            clear.write_bytes(decrypt_segment((root / segment).read_bytes(), served[period], iv))
            with av.open(str(clear), format="mpegts") as container:
                assert next(container.decode(video=0)).height in (240, 360)
        # A period's key opens no other period's segment: no MPEG-TS sync bytes come out.
        segment, period, iv = ladder[1]
        decryptor = Cipher(algorithms.AES(served[0]), modes.CBC(iv)).decryptor()
        wrong = decryptor.update((root / segment).read_bytes()[:4096])
        assert period == 1 and [wrong[i] for i in (0, 188, 376)] != [0x47] * 3

    beyond = await client.get(
        period_key_url(started["playlist_url"], PERIODS), headers=student.bearer
    )
    assert beyond.status_code == 404


async def test_K6_a_key_wrapped_for_one_session_is_useless_to_another(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    rotating_video: str,
) -> None:
    course = await enrolled_course(client, db, instructor.user, student.bearer, rotating_video)
    first = (await start_lesson(client, student.bearer, course.video_lesson or "", "a")).json()
    second = (await start_lesson(client, student.bearer, course.video_lesson or "", "b")).json()
    assert first["key_protection"] == "session"
    plain = await plain_key(db, settings, rotating_video, 1)

    def unwrap(answer: bytes, started: dict[str, Any]) -> bytes:
        return key_endpoint.wrap_for_session(
            answer, base64.b64decode(started["key_secret"]), rotating_video, 1
        )

    a = (await client.get(period_key_url(first["playlist_url"], 1), headers=student.bearer)).content
    b = (
        await client.get(period_key_url(second["playlist_url"], 1), headers=student.bearer)
    ).content
    assert a != plain and b != plain and a != b
    assert unwrap(a, first) == plain and unwrap(b, second) == plain
    assert unwrap(a, second) != plain and unwrap(b, first) != plain
    assert (
        "key_secret" not in first["playlist_url"]
        and first["key_secret"] not in first["playlist_url"]
    )


def test_K6_the_wrapping_matches_the_players_test_vector() -> None:
    """The same vector web/src/components/player/sessionKeys.test.ts unwraps."""
    wrapped = key_endpoint.wrap_for_session(
        bytes(range(100, 116)), bytes(range(32)), "0123456789abcdef01234567", 3
    )
    assert wrapped.hex() == "16bf74be40802140cf851fd18f5cd1ce"


async def test_K1_K8_no_key_after_the_session_ends_is_evicted_or_signs_out(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    rotating_video: str,
) -> None:
    student = await signed_in(client, db, settings)
    course = await enrolled_course(client, db, instructor.user, student.bearer, rotating_video,
        max_concurrent_streams=1, limit_behavior=LimitBehavior.evict_oldest,
    )  # fmt: skip
    lesson = course.video_lesson or ""
    first = (await start_lesson(client, student.bearer, lesson, "laptop")).json()
    url = period_key_url(first["playlist_url"], 2)
    assert (await client.get(url, headers=student.bearer)).status_code == 200
    # A newer device evicts the first: its next period is refused.
    second = (await start_lesson(client, student.bearer, lesson, "phone")).json()
    evicted = await client.get(period_key_url(first["playlist_url"], 3), headers=student.bearer)
    assert evicted.status_code == 403 and error_code(evicted) == "playback_not_allowed"
    # The viewer ends the second session: refused too.
    ended = await client.delete(f"/api/playback/{second['session_id']}", headers=student.bearer)
    assert ended.status_code == 204
    after_end = await client.get(period_key_url(second["playlist_url"], 1), headers=student.bearer)
    assert after_end.status_code == 403
    # Signing out ends the sign-in: the access token no longer opens any key (J6).
    third = (await start_lesson(client, student.bearer, lesson, "tablet")).json()
    url = period_key_url(third["playlist_url"], 0)
    assert (await client.get(url, headers=student.bearer)).status_code == 200
    out = await client.post("/api/auth/logout", headers=student.bearer)
    assert out.status_code == 204
    signed_out = await client.get(period_key_url(third["playlist_url"], 1), headers=student.bearer)
    assert signed_out.status_code == 401 and error_code(signed_out) == "invalid_token"


async def test_K7_a_session_collecting_keys_too_fast_is_refused_and_logged(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    rotating_video: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    course = await enrolled_course(client, db, instructor.user, student.bearer, rotating_video)
    started = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    # 6 s periods: the burst covers two minutes of video (20 keys), beyond KEY_RATE_BURST.
    burst = key_endpoint.KeyRate.burst(rotation=1, settings=settings)
    assert burst == 20 > settings.key_rate_burst
    answers = []
    with caplog.at_level(logging.WARNING, logger="coursevault.security"):
        for i in range(burst + 2):
            url = period_key_url(started["playlist_url"], i % PERIODS)
            answers.append(await client.get(url, headers=student.bearer))
    codes = [a.status_code for a in answers]
    assert codes[:burst] == [200] * burst
    assert codes[-1] == 429 and error_code(answers[-1]) == "key_rate_limited"
    assert answers[-1].headers["retry-after"] == "60"
    lines = [r.getMessage() for r in caplog.records if r.name == "coursevault.security"]
    assert any(
        started["session_id"] in line and student.user.id in line and "ip=" in line
        for line in lines
    )
    # Another session of the same viewer has its own allowance.
    other = (await start_lesson(client, student.bearer, course.video_lesson or "", "b")).json()
    assert (
        await client.get(period_key_url(other["playlist_url"], 0), headers=student.bearer)
    ).status_code == 200


@pytest.mark.parametrize(
    "settings_overrides", [{"key_rotation_segments": 1, "playback_lease_seconds": 2}]
)
async def test_K1_a_key_fetch_renews_the_lease_like_a_heartbeat(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    rotating_video: str,
) -> None:
    course = await enrolled_course(client, db, instructor.user, student.bearer, rotating_video)
    fetching = (await start_lesson(client, student.bearer, course.video_lesson or "", "a")).json()
    silent = (await start_lesson(client, student.bearer, course.video_lesson or "", "b")).json()
    for i in range(6):  # 3 s: longer than the 2 s lease, no heartbeat at all
        await asyncio.sleep(0.5)
        url = period_key_url(fetching["playlist_url"], i % PERIODS)
        assert (await client.get(url, headers=student.bearer)).status_code == 200, i
    silent_key = await client.get(period_key_url(silent["playlist_url"], 0), headers=student.bearer)
    assert silent_key.status_code == 403


async def test_K3_stored_key_material_is_a_wrapped_secret_bound_to_its_video(
    db: Database, settings: Settings, rotating_video: str
) -> None:
    stored = await db.video_keys.find_one({"_id": rotating_video})
    assert stored is not None and stored["scheme"] == "periods" and stored["periods"] == PERIODS
    assert stored["rotation"] == 1 and len(stored["wrapped"]) == 32 + 16  # secret + GCM tag
    await db.video_keys.replace_one({"_id": "f" * 24}, {**stored, "_id": "f" * 24}, upsert=True)
    with pytest.raises(InvalidTag):
        await plain_key(db, settings, "f" * 24, 0)


@pytest.mark.parametrize(
    "settings_overrides", [{"key_rotation_segments": 1, "playback_lease_seconds": 2}]
)
async def test_K4_a_stream_kept_alive_by_key_fetches_keeps_its_slot(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    rotating_video: str,
) -> None:
    """Key fetches renew the session, not its slot row; the slot follows its session, so a
    player that never heartbeats still counts against the stream limit while it plays."""
    course = await enrolled_course(
        client, db, instructor.user, student.bearer, rotating_video, max_concurrent_streams=1
    )
    lesson = course.video_lesson or ""
    playing = (await start_lesson(client, student.bearer, lesson, "a")).json()
    for i in range(6):  # 3 s without a heartbeat: the slot row's own lease has run out
        await asyncio.sleep(0.5)
        url = period_key_url(playing["playlist_url"], i % PERIODS)
        assert (await client.get(url, headers=student.bearer)).status_code == 200
    refused = await start_lesson(client, student.bearer, lesson, "b")
    assert refused.status_code == 409 and error_code(refused) == "stream_limit"
    await asyncio.sleep(2.5)  # the player stopped asking: its lease runs out
    assert (await start_lesson(client, student.bearer, lesson, "b")).status_code == 201


async def test_K1_J6_a_password_changed_elsewhere_stops_the_keys_of_this_device(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    rotating_video: str,
) -> None:
    user = await make_user(db, settings)
    tv = (await login(client, user.email)).json()
    phone = (await login(client, user.email)).json()
    client.cookies.clear()
    tv_auth = {"Authorization": f"Bearer {tv['access_token']}"}
    viewer = SignedIn(user=user, access_token=tv["access_token"], refresh_token="")
    course = await enrolled_course(client, db, instructor.user, viewer.bearer, rotating_video)
    started = (await start_lesson(client, tv_auth, course.video_lesson or "")).json()
    assert (
        await client.get(period_key_url(started["playlist_url"], 0), headers=tv_auth)
    ).status_code == 200
    changed = await client.patch(
        "/api/auth/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase 42"},
        headers={"Authorization": f"Bearer {phone['access_token']}"},
    )
    assert changed.status_code == 204
    refused = await client.get(period_key_url(started["playlist_url"], 1), headers=tv_auth)
    assert refused.status_code == 401 and error_code(refused) == "invalid_token"


async def test_a_viewer_costs_the_database_at_most_one_write_per_30_seconds(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    rotating_video: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A heartbeat (every 60 s) writes the session and, when the position moved, the
    progress; a paused viewer's heartbeat writes only the session; key fetches between
    heartbeats write nothing (the lease is fresh, the stream slot follows its session)."""
    writes: list[str] = []
    for module, name in (
        (streaming_repo, "renew"),
        (streaming_repo, "renew_lease"),
        (progress_repo, "save"),
    ):
        original = getattr(module, name)

        async def counted(*args: Any, _name: str = name, _f: Any = original, **kw: Any) -> Any:
            writes.append(_name)
            return await _f(*args, **kw)

        monkeypatch.setattr(module, name, counted)
    course = await enrolled_course(client, db, instructor.user, student.bearer, rotating_video)
    started = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    beat = f"/api/playback/{started['session_id']}/heartbeat"

    assert (await client.post(beat, json={"position": 12}, headers=student.bearer)).is_success
    assert writes == ["renew", "save"]
    for period in range(PERIODS):
        url = period_key_url(started["playlist_url"], period)
        assert (await client.get(url, headers=student.bearer)).status_code == 200
    assert writes == ["renew", "save"]  # four keys, no write
    assert (await client.post(beat, json={"position": 12}, headers=student.bearer)).is_success
    assert writes == ["renew", "save", "renew"]  # paused: the lease only
    assert settings.playback_heartbeat_seconds == 60  # so two writes a minute at most
