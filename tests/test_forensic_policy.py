"""Turning a course's forensic watermark on re-packages its ready videos with A/B variants
(once), and its next sessions get their own playlists (F1, F2)."""

from __future__ import annotations

import asyncio
import re

import httpx

from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import make_course, start_lesson
from tests.factories import SignedIn, signed_in


async def test_F1_F2_the_policy_adds_variants_to_a_ready_video_and_marks_new_sessions(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video)
    assert course.video_lesson
    before = await client.get(f"/api/videos/{ready_video}", headers=instructor.bearer)
    assert before.json()["forensic_watermark"] is False
    student = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    ).is_success
    early = await start_lesson(client, student.bearer, course.video_lesson)
    base = early.json()["playlist_url"].rsplit("/", 1)[0]
    assert "_a_" not in (await client.get(f"{base}/240p.m3u8")).text  # nothing marked yet
    # Nothing in the picture traces it: no picture-in-picture window without the overlay.
    assert early.json()["picture_in_picture"] is False
    await client.delete(f"/api/playback/{early.json()['session_id']}", headers=student.bearer)

    for _ in range(2):  # saving the policy twice queues one re-package
        saved = await client.patch(
            f"/api/courses/{course.id}",
            json={"policy": {"forensic_watermark": True}},
            headers=instructor.bearer,
        )
        assert saved.status_code == 200, saved.text
    assert await db.jobs.count_documents({"payload.forensic": True}) == 1
    async with asyncio.timeout(60):
        while True:
            video = (
                await client.get(f"/api/videos/{ready_video}", headers=instructor.bearer)
            ).json()
            if video["forensic_watermark"]:
                break
            await asyncio.sleep(0.2)
    assert video["status"] == "ready"  # it played on while re-packaged

    started = await start_lesson(client, student.bearer, course.video_lesson)
    assert started.status_code == 201, started.text
    base = started.json()["playlist_url"].rsplit("/", 1)[0]
    playlist = (await client.get(f"{base}/240p.m3u8")).text
    assert re.findall(r"^240p_[ab]_\d{5}\.ts$", playlist, flags=re.M)  # the session's own
    mark = await db.forensic_marks.find_one({"session_id": started.json()["session_id"]})
    assert mark is not None and mark["number"] == 1 and mark["user_id"] == student.user.id
    assert started.json()["picture_in_picture"] is True  # the picture itself is marked
