"""POST /api/lessons/{id}/playback: who may watch (K1), per-course limits (K4), plays, and
how often one account may start (K9)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.courses.models import LimitBehavior, PlaybackPolicy
from coursevault.database.db import Database
from tests.conftest import BASE_URL, start_app
from tests.course_helpers import (
    BuiltCourse,
    Clock,
    key_url,
    make_course,
    start_lesson,
    watch,
)
from tests.factories import SignedIn, error_code, signed_in
from tests.media_helpers import new_video


async def enrolled_course(
    client: httpx.AsyncClient,
    db: Database,
    teacher: SignedIn,
    video: str,
    student: SignedIn,
    policy: PlaybackPolicy | None = None,
) -> BuiltCourse:
    course = await make_course(db, teacher.user, video_id=video, policy=policy)
    enrolled = await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    assert enrolled.status_code == 201
    return course


async def test_an_enrolled_student_gets_a_session_a_playlist_and_the_key(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await enrolled_course(client, db, instructor, ready_video, student)
    assert course.video_lesson
    started = await start_lesson(client, student.bearer, course.video_lesson, device="Firefox")
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["playlist_url"].startswith("/hls/") and body["playlist_url"].endswith(
        f"/{ready_video}/master.m3u8"
    )
    assert body["heartbeat_interval"] == settings.playback_heartbeat_seconds
    assert student.user.email in body["watermark"] and body["session_id"][:6] in body["watermark"]
    lifetime = datetime.fromisoformat(body["expires_at"]) - datetime.now(UTC)
    assert lifetime.total_seconds() > 3 * 3600  # a 3-hour lesson plays through
    master = await client.get(body["playlist_url"])
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    key = await client.get(key_url(body["playlist_url"]), headers=student.bearer)
    assert key.status_code == 200 and len(key.content) == 16
    live = (await client.get("/api/me/playback", headers=student.bearer)).json()["items"]
    assert [(s["id"], s["device"]) for s in live] == [(body["session_id"], "Firefox")]


async def test_K1_not_enrolled_preview_and_staff(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video, amount=3000)
    assert course.video_lesson and course.preview_lesson
    refused = await start_lesson(client, student.bearer, course.video_lesson)
    assert refused.status_code == 403 and error_code(refused) == "not_enrolled"
    assert await db.playback_sessions.count_documents({}) == 0
    preview = await start_lesson(client, student.bearer, course.preview_lesson)
    assert preview.status_code == 201
    own = await start_lesson(client, instructor.bearer, course.video_lesson)
    assert own.status_code == 201
    admin = await signed_in(client, db, settings, role=Role.admin)
    assert (await start_lesson(client, admin.bearer, course.video_lesson)).status_code == 201
    anonymous = await client.post(f"/api/lessons/{course.video_lesson}/playback")
    assert anonymous.status_code == 401
    missing = await start_lesson(client, student.bearer, "no-such-lesson")
    assert missing.status_code == 404 and error_code(missing) == "lesson_not_found"
    text = await start_lesson(client, instructor.bearer, course.text_lesson)
    assert text.status_code == 409 and error_code(text) == "not_a_video_lesson"
    # The preview session's key is only good for its owner.
    other = await signed_in(client, db, settings)
    stolen = await client.get(key_url(preview.json()["playlist_url"]), headers=other.bearer)
    assert stolen.status_code == 403


async def test_a_lesson_whose_video_is_not_ready_answers_409(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn
) -> None:
    video = await new_video(client, instructor.bearer)
    course = await make_course(db, instructor.user, video_id=video["id"], publish=False)
    assert course.video_lesson
    response = await start_lesson(client, instructor.bearer, course.video_lesson)
    assert response.status_code == 409 and error_code(response) == "video_not_ready"


async def test_K4_the_course_stream_limit_refuses_new_and_lists_devices(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await enrolled_course(
        client, db, instructor, ready_video, student, PlaybackPolicy(max_concurrent_streams=1)
    )
    assert course.video_lesson
    first = await start_lesson(client, student.bearer, course.video_lesson, device="Laptop")
    second = await start_lesson(client, student.bearer, course.video_lesson, device="Phone")
    assert second.status_code == 409 and error_code(second) == "stream_limit"
    sessions = second.json()["error"]["detail"]["sessions"]
    assert [(s["id"], s["device"]) for s in sessions] == [(first.json()["session_id"], "Laptop")]
    assert {"started_at", "last_seen"} <= set(sessions[0])
    # "Sign out that device", then watch here.
    ended = await client.delete(f"/api/playback/{sessions[0]['id']}", headers=student.bearer)
    assert ended.status_code == 204
    assert (await start_lesson(client, student.bearer, course.video_lesson)).status_code == 201


async def test_K4_evict_oldest_takes_the_key_from_the_oldest_device(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    policy = PlaybackPolicy(max_concurrent_streams=1, limit_behavior=LimitBehavior.evict_oldest)
    course = await enrolled_course(client, db, instructor, ready_video, student, policy)
    assert course.video_lesson
    old = await start_lesson(client, student.bearer, course.video_lesson, device="Old")
    new = await start_lesson(client, student.bearer, course.video_lesson, device="New")
    assert new.status_code == 201
    assert (
        await client.get(key_url(old.json()["playlist_url"]), headers=student.bearer)
    ).status_code == 403
    assert (
        await client.get(key_url(new.json()["playlist_url"]), headers=student.bearer)
    ).status_code == 200


async def test_play_limit_counts_sessions_not_heartbeats_and_extra_plays_can_be_granted(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await enrolled_course(
        client,
        db,
        instructor,
        ready_video,
        student,
        PlaybackPolicy(max_concurrent_streams=1, max_plays_per_lesson=2),
    )
    lesson = course.video_lesson
    assert lesson
    for play in range(2):
        started = await start_lesson(client, student.bearer, lesson)
        assert started.status_code == 201, started.text
        session = started.json()["session_id"]
        await watch(client, student.bearer, session, to=1.9)  # heartbeats cost no plays
        if play == 0:  # at the stream limit: refused without costing a play
            blocked = await start_lesson(client, student.bearer, lesson)
            assert error_code(blocked) == "stream_limit"
        await client.delete(f"/api/playback/{session}", headers=student.bearer)
    third = await start_lesson(client, student.bearer, lesson)
    assert third.status_code == 403 and error_code(third) == "play_limit"
    assert third.json()["error"]["detail"] == {"max_plays_per_lesson": 2}
    assert (await start_lesson(client, instructor.bearer, lesson)).status_code == 201  # staff
    granted = await client.post(
        f"/api/courses/{course.id}/students/{student.user.id}/plays",
        json={"lesson_id": lesson, "extra_plays": 1},
        headers=instructor.bearer,
    )
    assert granted.status_code == 200 and granted.json() == {
        "lesson_id": lesson,
        "user_id": student.user.id,
        "plays": 2,
        "extra_plays": 1,
    }
    by_student = await client.post(
        f"/api/courses/{course.id}/students/{student.user.id}/plays",
        json={"lesson_id": lesson, "extra_plays": 5},
        headers=student.bearer,
    )
    assert by_student.status_code == 403
    fourth = await start_lesson(client, student.bearer, lesson)
    assert fourth.status_code == 201
    await client.delete(f"/api/playback/{fourth.json()['session_id']}", headers=student.bearer)
    assert error_code(await start_lesson(client, student.bearer, lesson)) == "play_limit"
    # Heartbeats stored the position as progress (and 1.9 s of 2 s watched completes it).
    progress = (
        await client.get(f"/api/courses/{course.id}/progress", headers=student.bearer)
    ).json()
    watched = next(p for p in progress["lessons"] if p["lesson_id"] == lesson)
    assert watched["completed"] is True and watched["position"] == pytest.approx(1.9)


async def test_racing_starts_for_the_last_play_have_one_winner(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await enrolled_course(
        client,
        db,
        instructor,
        ready_video,
        student,
        PlaybackPolicy(max_concurrent_streams=5, max_plays_per_lesson=1),
    )
    assert course.video_lesson
    results = await asyncio.gather(
        *(
            start_lesson(client, student.bearer, course.video_lesson, device=f"d{i}")
            for i in range(5)
        )
    )
    assert sorted(r.status_code for r in results) == [201, 403, 403, 403, 403]
    live = (await client.get("/api/me/playback", headers=student.bearer)).json()["items"]
    assert len(live) == 1  # the losers gave their stream slots back


async def test_resume_position_comes_back_with_a_new_session(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    course = await enrolled_course(client, db, instructor, ready_video, student)
    assert course.video_lesson
    first = (await start_lesson(client, student.bearer, course.video_lesson)).json()
    await client.post(
        f"/api/playback/{first['session_id']}/heartbeat",
        json={"position": 1.25},
        headers=student.bearer,
    )
    await client.delete(f"/api/playback/{first['session_id']}", headers=student.bearer)
    again = (await start_lesson(client, student.bearer, course.video_lesson)).json()
    assert again["resume_position"] == pytest.approx(1.25)


async def test_K9_cycling_start_key_end_is_refused_past_the_limit_in_every_process(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """K9: the review's harvest loop (start, fetch the key, end, again) alternating between
    two app processes on one database: the account's burst of starts, then 429 with
    Retry-After, logged with user and IP; a refused start opens nothing."""
    course = await enrolled_course(client, db, instructor, ready_video, student)
    lesson = course.video_lesson
    assert lesson
    time = Clock(monkeypatch)
    second_app, lifespan = await start_app(settings)  # another granian worker, say
    answers, keys = [], 0
    try:
        transport = httpx.ASGITransport(app=second_app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as second:
            with caplog.at_level(logging.WARNING, logger="coursevault.security"):
                for cycle in range(60):
                    via = (client, second)[cycle % 2]
                    answer = await start_lesson(via, student.bearer, lesson)
                    answers.append(answer)
                    if answer.status_code != 201:
                        continue
                    body = answer.json()
                    key = await via.get(key_url(body["playlist_url"]), headers=student.bearer)
                    keys += key.status_code == 200
                    await via.delete(f"/api/playback/{body['session_id']}", headers=student.bearer)
    finally:
        await lifespan.__aexit__(None, None, None)

    burst = settings.playback_start_burst
    assert [a.status_code for a in answers] == [201] * burst + [429] * (60 - burst)
    assert keys == burst
    refused = answers[-1]
    assert error_code(refused) == "playback_rate_limited"
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 3600 / settings.playback_starts_per_hour
    assert refused.json()["error"]["detail"] == {"retry_after": wait}
    assert await db.playback_sessions.count_documents({}) == burst  # none for a refusal
    lines = [r.getMessage() for r in caplog.records if r.name == "coursevault.security"]
    assert len(lines) == 60 - burst
    assert all(student.user.id in line and "ip=127.0.0.1" in line for line in lines)

    # Another account is not affected; this one may start again once the wait is over.
    other = await signed_in(client, db, settings)
    preview = course.preview_lesson
    assert preview and (await start_lesson(client, other.bearer, preview)).status_code == 201
    time.advance(wait - 1)
    assert (await start_lesson(client, student.bearer, lesson)).status_code == 429
    time.advance(1)
    assert (await start_lesson(client, student.bearer, lesson)).status_code == 201


@pytest.mark.parametrize("settings_overrides", [{"playback_start_burst": 3}])
async def test_K9_a_start_counts_once_whichever_slot_it_takes_or_frees(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
) -> None:
    """K9 is counted by a start's first claim, of slot 0, and by no later one: a start
    that finds slot 0 held and takes slot 1, and one that evicts the oldest stream and
    claims again, each count one start of the burst of 3; the fourth is refused."""
    policy = PlaybackPolicy(max_concurrent_streams=2, limit_behavior=LimitBehavior.evict_oldest)
    course = await enrolled_course(client, db, instructor, ready_video, student, policy)
    lesson = course.video_lesson
    assert lesson
    first = await start_lesson(client, student.bearer, lesson)  # slot 0
    second = await start_lesson(client, student.bearer, lesson)  # slot 0 held: slot 1
    third = await start_lesson(client, student.bearer, lesson)  # both held: evicts, claims
    assert [a.status_code for a in (first, second, third)] == [201, 201, 201], third.text
    ended = await db.playback_sessions.find_one({"_id": first.json()["session_id"]})
    assert ended is not None and ended["end_reason"] == "evicted"
    fourth = await start_lesson(client, student.bearer, lesson)
    assert fourth.status_code == 429 and error_code(fourth) == "playback_rate_limited"
    # Refused: nothing was claimed or ended, the two streams play on.
    live = await db.playback_sessions.count_documents(
        {"user_id": student.user.id, "ended_at": None}
    )
    assert live == 2


async def test_K9_a_learner_who_switches_seeks_and_reloads_is_never_refused(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    student: SignedIn,
    ready_video: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """K9 with the default limit: twenty minutes of a restless learner (eight starts in the
    first minute, then one to five a minute, three on average: switching lessons,
    reloading the page, seeking in between) never meets the start limit."""
    course = await enrolled_course(client, db, instructor, ready_video, student)
    lessons = [course.video_lesson, course.preview_lesson]
    time = Clock(monkeypatch)
    starts = 0

    async def open_lesson(n: int) -> str:
        nonlocal starts
        answer = await start_lesson(client, student.bearer, lessons[n % 2] or "")
        assert answer.status_code == 201, (starts, answer.text)
        starts += 1
        session: str = answer.json()["session_id"]
        return session

    session = await open_lesson(0)
    for minute, per_minute in enumerate([8] + [5, 3, 1, 4, 2] * 4):
        for n in range(per_minute):
            time.advance(60 / per_minute / 2)
            seek = await client.post(
                f"/api/playback/{session}/heartbeat",
                json={"position": 1.5},
                headers=student.bearer,
            )
            assert seek.status_code == 200
            time.advance(60 / per_minute / 2)
            # Reload the page, or go to the other lesson: the player ends its session.
            await client.delete(f"/api/playback/{session}", headers=student.bearer)
            session = await open_lesson(minute + n)
    assert starts == 1 + 8 + 15 * 4
