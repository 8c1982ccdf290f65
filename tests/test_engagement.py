"""Engagement: a lesson's retention curve and replay heatmap, from the heartbeats viewers
already send. Four scripted viewers of a 2-minute lesson whose curve is known."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import Clock, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in

BEAT = 10  # seconds between heartbeats in this run: a stretch counts if it moved ≤ 25 s


class Viewer:
    def __init__(self, client: httpx.AsyncClient, who: SignedIn, session_id: str, time: Clock):
        self.client, self.who, self.session_id, self.time = client, who, session_id, time

    async def beat(self, *positions: float) -> None:
        for position in positions:
            self.time.advance(BEAT)
            answer = await self.client.post(
                f"/api/playback/{self.session_id}/heartbeat",
                json={"position": position},
                headers=self.who.bearer,
            )
            assert answer.status_code == 200, answer.text

    async def leave(self) -> None:
        answer = await self.client.delete(
            f"/api/playback/{self.session_id}", headers=self.who.bearer
        )
        assert answer.status_code == 204


@pytest.mark.parametrize("settings_overrides", [{"playback_heartbeat_seconds": BEAT}])
async def test_retention_and_replays_of_scripted_viewers(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The clip lasts 2 s; the lesson is scripted as a 2-minute one (12 buckets of 10 s).
    await db.videos.update_one({"_id": ready_video}, {"$set": {"duration": 120.0}})
    course = await make_course(db, instructor.user, video_id=ready_video)
    lesson = course.video_lesson
    assert lesson
    time = Clock(monkeypatch)

    async def viewer() -> Viewer:
        time.reset()
        student = await signed_in(client, db, settings)
        enrolled = await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
        assert enrolled.status_code == 201
        started = await start_lesson(client, student.bearer, lesson)
        assert started.status_code == 201, started.text
        return Viewer(client, student, started.json()["session_id"], time)

    async def engagement() -> dict[str, Any]:
        answer = await client.get(f"/api/lessons/{lesson}/engagement", headers=instructor.bearer)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    whole = await viewer()  # watches all of it
    await whole.beat(10, 20)
    # Two heartbeats in the session's first 30 s: nothing written yet.
    assert await db.lesson_engagement.find_one({"_id": lesson}) is None
    await whole.beat(30)  # the first point of the next 30 s flushes the first three stretches
    written = await db.lesson_engagement.find_one({"_id": lesson})
    assert written is not None and written["views"] == 1
    assert written["reach"] == {"0": 1, "1": 1, "2": 1}
    await whole.beat(40, 50, 60, 70, 80, 90, 100, 110, 120)
    await whole.leave()

    half = await viewer()  # the first minute, then gone (the end of the session flushes)
    await half.beat(10, 20, 30, 40, 50, 60)
    await half.leave()

    rewinder = await viewer()  # the first 30 s twice (pausing on the way changes nothing)
    await rewinder.beat(10, 20, 20, 30, 0, 10, 20, 30)
    await rewinder.leave()

    skipper = await viewer()  # jumps to 1:30 at once, watches to the end
    await skipper.beat(90, 100, 110, 120)
    await skipper.leave()

    found = await engagement()
    assert found["views"] == 4 and found["bucket_seconds"] == 10 and found["duration"] == 120
    viewers = [p["viewers"] for p in found["points"]]
    assert viewers == [3, 3, 3, 2, 2, 2, 1, 1, 1, 2, 2, 2]
    assert [p["retention"] for p in found["points"]] == [v / 4 for v in viewers]
    assert [p["plays"] for p in found["points"]] == [4, 4, 4, 2, 2, 2, 1, 1, 1, 2, 2, 2]
    assert found["points"][0]["replays"] == round(4 / 3, 4)
    assert found["points"][5]["replays"] == 1.0
    assert [p["start"] for p in found["points"]] == list(range(0, 120, 10))

    # Only the course's instructor (and admins) see it.
    time.reset()
    student = await signed_in(client, db, settings)
    refused = await client.get(f"/api/lessons/{lesson}/engagement", headers=student.bearer)
    assert refused.status_code in (403, 404)
    other = await signed_in(client, db, settings, role=Role.instructor)
    refused = await client.get(f"/api/lessons/{lesson}/engagement", headers=other.bearer)
    assert refused.status_code == 403 and error_code(refused) == "not_course_owner"
    admin = await signed_in(client, db, settings, role=Role.admin)
    assert (
        await client.get(f"/api/lessons/{lesson}/engagement", headers=admin.bearer)
    ).json() == found
    missing = await client.get("/api/lessons/nope/engagement", headers=instructor.bearer)
    assert missing.status_code == 404


async def test_a_lesson_nobody_watched_has_an_empty_curve(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, ready_video: str
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video)
    answer = await client.get(
        f"/api/lessons/{course.video_lesson}/engagement", headers=instructor.bearer
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["views"] == 0 and len(body["points"]) == 1  # the 2 s clip: one bucket
    assert body["points"][0] == {
        "start": 0,
        "viewers": 0,
        "retention": 0.0,
        "plays": 0,
        "replays": 0.0,
    }


async def test_L2_a_flood_of_forged_heartbeats_draws_nothing(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    """L2: 200 heartbeats sent as fast as they go, walking the playhead through a 10-minute
    lesson in 3 s steps (far below a seek), count only what twice the time they took
    could play, in 200 crumbs: no bucket of the curve, no view and no completion."""
    await db.videos.update_one({"_id": ready_video}, {"$set": {"duration": 600.0}})
    course = await make_course(db, instructor.user, video_id=ready_video)
    lesson = course.video_lesson
    assert lesson
    student = await signed_in(client, db, settings)
    await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    session = (await start_lesson(client, student.bearer, lesson)).json()["session_id"]
    began = time.monotonic()
    for step in range(1, 201):
        forged = await client.post(
            f"/api/playback/{session}/heartbeat",
            json={"position": step * 3.0},
            headers=student.bearer,
        )
        assert forged.status_code == 200  # accepted as a position, worth no watching
    elapsed = time.monotonic() - began
    ended = await client.delete(f"/api/playback/{session}", headers=student.bearer)
    assert ended.status_code == 204  # flushes what the session watched

    # Each beat is worth 2 × its share of ELAPSED (under 1.5 s while the flood takes under
    # 150 s), so no 10 s bucket gets the half it needs to count.
    assert elapsed < 150, elapsed
    curve = await client.get(f"/api/lessons/{lesson}/engagement", headers=instructor.bearer)
    assert curve.status_code == 200 and curve.json()["views"] == 0
    assert [(p["viewers"], p["plays"]) for p in curve.json()["points"]] == [(0, 0)] * 60
    progress = await client.get(f"/api/courses/{course.id}/progress", headers=student.bearer)
    mine = next(p for p in progress.json()["lessons"] if p["lesson_id"] == lesson)
    assert mine["position"] == 600 and mine["completed"] is False
