"""K1–K4: playback sessions, concurrent-stream limits and the gated key."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import httpx
import pytest

from coursevault import clock
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.courses.models import LimitBehavior
from coursevault.database.db import Database
from coursevault.errors import AppError
from coursevault.streaming import key_endpoint
from coursevault.streaming import service as playback
from coursevault.streaming.models import PlaybackStart, StreamPolicy
from tests.factories import SignedIn, signed_in
from tests.media_helpers import new_video, plain_key

TWO = StreamPolicy(max_concurrent_streams=2)


@pytest.fixture
def video_id(ready_video: str) -> str:
    return ready_video


async def start(
    db: Database, settings: Settings, who: SignedIn, video_id: str, policy: StreamPolicy = TWO
) -> PlaybackStart:
    return await playback.start(
        db=db,
        settings=settings,
        user=who.user,
        video_id=video_id,
        policy=policy,
        device="test",
        ip="127.0.0.1",
    )


def key_url(playlist_url: str) -> str:
    return playlist_url.rsplit("/", 1)[0] + "/key"


async def test_K1_K2_the_key_is_16_bytes_for_the_session_owner_only(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn, video_id: str
) -> None:
    started = await start(db, settings, student, video_id)
    response = await client.get(key_url(started.playlist_url), headers=student.bearer)
    assert response.status_code == 200
    assert len(response.content) == 16
    # Session mode (the default): the key comes wrapped for this session (K6).
    assert started.key_secret is not None
    expected = key_endpoint.wrap_for_session(
        await plain_key(db, settings, video_id), base64.b64decode(started.key_secret), video_id, 0
    )
    assert response.content == expected
    assert response.headers["cache-control"] == "no-store, private"
    assert "access-control-allow-origin" not in response.headers
    # Not signed in: no key. Signed in as someone else: no key.
    assert (await client.get(key_url(started.playlist_url))).status_code == 401
    other = await signed_in(client, db, settings)
    refused = await client.get(key_url(started.playlist_url), headers=other.bearer)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "playback_not_allowed"
    # The playlists and segments need only the token (a CDN can check them).
    assert (await client.get(started.playlist_url)).status_code == 200


async def test_K1_an_ended_or_silent_session_loses_the_key_at_once(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    student: SignedIn,
    video_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await start(db, settings, student, video_id)
    url = key_url(first.playlist_url)
    assert (await client.get(url, headers=student.bearer)).status_code == 200
    ended = await client.delete(f"/api/playback/{first.session_id}", headers=student.bearer)
    assert ended.status_code == 204
    assert (await client.get(url, headers=student.bearer)).status_code == 403
    second = await start(db, settings, student, video_id)
    # A lease later, without a heartbeat (the clock moves; nothing was written).
    later = clock.now() + timedelta(seconds=settings.playback_lease_seconds + 1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert (
        await client.get(key_url(second.playlist_url), headers=student.bearer)
    ).status_code == 403
    beat = await client.post(
        f"/api/playback/{second.session_id}/heartbeat", json={"position": 1}, headers=student.bearer
    )
    assert beat.status_code == 410


async def test_K4_heartbeats_renew_the_lease_and_store_the_position(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn, video_id: str
) -> None:
    started = await start(db, settings, student, video_id)
    before = await db.playback_sessions.find_one({"_id": started.session_id})
    assert before is not None
    await asyncio.sleep(0.05)
    beat = await client.post(
        f"/api/playback/{started.session_id}/heartbeat",
        json={"position": 1.5},
        headers=student.bearer,
    )
    assert beat.status_code == 200
    after = await db.playback_sessions.find_one({"_id": started.session_id})
    assert (
        after is not None
        and after["position"] == 1.5
        and after["lease_until"] > before["lease_until"]
    )
    assert started.heartbeat_interval == settings.playback_heartbeat_seconds == 60
    assert started.watermark.startswith(student.user.email)
    listed = (await client.get("/api/me/playback", headers=student.bearer)).json()["items"]
    assert [s["id"] for s in listed] == [started.session_id]
    other = await signed_in(client, db, settings)
    stolen = await client.post(
        f"/api/playback/{started.session_id}/heartbeat", json={"position": 9}, headers=other.bearer
    )
    assert stolen.status_code == 410
    assert (
        await client.delete(f"/api/playback/{started.session_id}", headers=other.bearer)
    ).status_code == 404


async def test_K4_refuse_new_at_the_limit_lists_the_other_devices(
    db: Database, settings: Settings, student: SignedIn, video_id: str
) -> None:
    await start(db, settings, student, video_id)
    await start(db, settings, student, video_id)
    with pytest.raises(AppError) as refused:
        await start(db, settings, student, video_id)
    assert refused.value.status == 409 and refused.value.code == "stream_limit"
    assert len(refused.value.detail["sessions"]) == 2


async def test_K4_evict_oldest_ends_the_oldest_session_and_its_key(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn, video_id: str
) -> None:
    evicting = StreamPolicy(max_concurrent_streams=2, limit_behavior=LimitBehavior.evict_oldest)
    oldest = await start(db, settings, student, video_id, evicting)
    await start(db, settings, student, video_id, evicting)
    newest = await start(db, settings, student, video_id, evicting)
    assert (
        await client.get(key_url(oldest.playlist_url), headers=student.bearer)
    ).status_code == 403
    assert (
        await client.get(key_url(newest.playlist_url), headers=student.bearer)
    ).status_code == 200
    doc = await db.playback_sessions.find_one({"_id": oldest.session_id})
    assert doc is not None and doc["end_reason"] == "evicted"


async def test_K4_racing_starts_for_the_last_slot_have_exactly_one_winner(
    db: Database, settings: Settings, student: SignedIn, video_id: str
) -> None:
    one = StreamPolicy(max_concurrent_streams=1)
    results = await asyncio.gather(
        *(start(db, settings, student, video_id, one) for _ in range(6)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, AppError)]
    assert len(winners) == 1 and len(losers) == 5
    assert {e.code for e in losers} == {"stream_limit"}


async def test_K4_a_missed_heartbeat_window_frees_the_slot(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn, video_id: str
) -> None:
    one = StreamPolicy(max_concurrent_streams=1)
    first = await start(db, settings, student, video_id, one)
    with pytest.raises(AppError):
        await start(db, settings, student, video_id, one)
    gone = clock.now() - timedelta(seconds=1)  # a lease of silence
    await db.playback_sessions.update_one(
        {"_id": first.session_id}, {"$set": {"lease_until": gone}}
    )
    # A heartbeat arriving after the lease ran out does not bring the session back.
    late = await client.post(
        f"/api/playback/{first.session_id}/heartbeat", json={"position": 7}, headers=student.bearer
    )
    assert late.status_code == 410
    stored = await db.playback_sessions.find_one({"_id": first.session_id})
    assert stored is not None and stored["lease_until"] < clock.now() and stored["position"] == 0
    # Several devices racing for the slot the silent session held: exactly one wins it.
    results = await asyncio.gather(
        *(start(db, settings, student, video_id, one) for _ in range(4)), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, PlaybackStart)]
    assert len(winners) == 1 and winners[0].session_id != first.session_id
    assert all(
        isinstance(r, AppError) and r.code == "stream_limit" for r in results if r is not winners[0]
    )


async def test_K4_ending_a_session_gives_its_slot_back_at_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn, video_id: str
) -> None:
    one = StreamPolicy(max_concurrent_streams=1)
    first = await start(db, settings, student, video_id, one)
    ended = await client.delete(f"/api/playback/{first.session_id}", headers=student.bearer)
    assert ended.status_code == 204
    second = await start(db, settings, student, video_id, one)
    # The ended session stays ended: its heartbeat neither renews it nor moves its position.
    beat = await client.post(
        f"/api/playback/{first.session_id}/heartbeat", json={"position": 5}, headers=student.bearer
    )
    assert beat.status_code == 410 and beat.json()["error"]["detail"]["reason"] == "ended"
    stored = await db.playback_sessions.find_one({"_id": first.session_id})
    assert stored is not None and stored["position"] == 0 and stored["end_reason"] == "ended"
    assert (
        await client.get(key_url(second.playlist_url), headers=student.bearer)
    ).status_code == 200


async def test_a_video_that_is_not_ready_cannot_be_played(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn
) -> None:
    teacher = await signed_in(client, db, settings, role=Role.instructor)
    video = await new_video(client, teacher.bearer)
    with pytest.raises(AppError) as refused:
        await start(db, settings, student, video["id"])
    assert refused.value.code == "video_not_ready"
