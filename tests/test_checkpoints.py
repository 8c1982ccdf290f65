"""Checkpoints the key server enforces (Q3), and what completes a course (Q4): a key period
starting at or after an unpassed checkpoint is refused in both key modes and to every
session of the learner until they pass; drip after a quiz; the completion rule and the
certificate's score."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from coursevault.config import Settings
from coursevault.courses.models import PlaybackPolicy
from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in
from tests.media_helpers import (
    PackagedVideo,
    decrypt_segment,
    make_clip,
    segment_keys,
)
from tests.media_helpers import local_store as media_storage
from tests.quiz_helpers import add_quiz_lesson, pass_quiz, put_questions

PERIODS = 4  # a 20 s clip in 6 s segments, one segment (6 s) per key period
CHECKPOINT_AT = 7.0  # inside period 1: periods 2 and 3 (from 12 s) wait for the pass


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"key_rotation_segments": 1, "access_cache_seconds": 0}


@pytest.fixture(scope="module")
def rotating_package(tmp_path_factory: pytest.TempPathFactory) -> PackagedVideo:
    return PackagedVideo(tmp_path_factory.mktemp("checkpointed"))


@pytest.fixture
async def video(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    rotating_package: PackagedVideo,
    tmp_path: Path,
) -> str:
    return await rotating_package.video_for(
        client,
        db,
        settings,
        (instructor.user, instructor.bearer),
        lambda: make_clip(tmp_path / "c.mp4", size="320x180", seconds=20),
    )


async def checkpointed_course(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, video: str, **policy: Any
) -> tuple[BuiltCourse, str]:
    """A published course whose video lesson has a one-question checkpoint at 7 s."""
    course = await make_course(
        db, instructor.user, video_id=video, policy=PlaybackPolicy(**policy), preview_video=False
    )
    made = await client.post(
        f"/api/lessons/{course.video_lesson}/checkpoints",
        json={"at": CHECKPOINT_AT, "title": "Quick check"},
        headers=instructor.bearer,
    )
    assert made.status_code == 201, made.text
    quiz_id = made.json()["id"]
    await put_questions(
        client, instructor, quiz_id, [{"type": "true_false", "stem": "Ok?", "truth": True}]
    )
    return course, quiz_id


async def enrolled(
    client: httpx.AsyncClient, db: Database, settings: Settings, course: BuiltCourse
) -> SignedIn:
    who = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=who.bearer)
    ).status_code == 201
    return who


def key_of(playlist_url: str, period: int) -> str:
    return f"{playlist_url.rsplit('/', 1)[0]}/key/{period}"


async def keys(
    client: httpx.AsyncClient, who: SignedIn, started: dict[str, Any]
) -> list[int | str]:
    """Per period: 200, or the refusal's error code."""
    found: list[int | str] = []
    for period in range(PERIODS):
        got = await client.get(key_of(started["playlist_url"], period), headers=who.bearer)
        found.append(200 if got.status_code == 200 else f"{got.status_code} {error_code(got)}")
    return found


REFUSED = "403 checkpoint_required"


@pytest.mark.parametrize("mode", ["standard", "session"])
async def test_Q3_no_key_after_an_unpassed_checkpoint_until_the_learner_passes(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    video: str,
    mode: str,
) -> None:
    course, quiz_id = await checkpointed_course(client, db, instructor, video, key_protection=mode)
    student = await enrolled(client, db, settings, course)
    first = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    assert await keys(client, student, first) == [200, 200, REFUSED, REFUSED]
    refused = await client.get(key_of(first["playlist_url"], 3), headers=student.bearer)
    assert refused.json()["error"]["detail"] == {"checkpoint_id": quiz_id, "at": CHECKPOINT_AT}
    content = (
        await client.get(f"/api/lessons/{course.video_lesson}", headers=student.bearer)
    ).json()
    assert content["checkpoints"] == [{"id": quiz_id, "at": CHECKPOINT_AT}]

    await pass_quiz(client, instructor, student, quiz_id)
    assert await keys(client, student, first) == [200] * PERIODS  # the very next key
    # A pass belongs to the learner and the lesson: a second session of theirs plays on.
    second = (
        await start_lesson(client, student.bearer, course.video_lesson or "", device="b")
    ).json()
    assert await keys(client, student, second) == [200] * PERIODS
    other = await enrolled(client, db, settings, course)
    theirs = (await start_lesson(client, other.bearer, course.video_lesson or "")).json()
    assert await keys(client, other, theirs) == [200, 200, REFUSED, REFUSED]


async def test_Q3_nothing_after_the_checkpoint_decrypts_for_a_custom_client(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    video: str,
    tmp_path: Path,
) -> None:
    """A client that ignores the player fetches every segment and every key it can: the
    segments of periods before the checkpoint decode, not one frame after does."""
    course, _ = await checkpointed_course(client, db, instructor, video, key_protection="standard")
    student = await enrolled(client, db, settings, course)
    started = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    root = media_storage(settings).media_dir(video)
    variant = sorted(p for p in root.glob("*.m3u8") if p.name != "master.m3u8")[0]
    decoded = []
    for segment, period, iv in segment_keys(variant):
        got = await client.get(key_of(started["playlist_url"], period), headers=student.bearer)
        if got.status_code != 200:
            continue
        clear = tmp_path / segment
        clear.write_bytes(decrypt_segment((root / segment).read_bytes(), got.content, iv))
        with av.open(str(clear), format="mpegts") as container:
            if next(container.decode(video=0), None) is not None:
                decoded.append(period)
    assert decoded == [0, 1]  # 0–12 s: the checkpoint at 7 s is in period 1


async def test_Q3_staff_and_preview_are_exempt_unless_the_course_says_otherwise(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    video: str,
    rotating_package: PackagedVideo,
) -> None:
    course, _ = await checkpointed_course(client, db, instructor, video)
    own = (await start_lesson(client, instructor.bearer, course.video_lesson or "")).json()
    assert own["checkpoints"] == [] and await keys(client, instructor, own) == [200] * PERIODS
    section = (await client.get(f"/api/courses/{course.id}", headers=instructor.bearer)).json()
    lesson_url = (
        f"/api/courses/{course.id}/sections/{section['sections'][0]['id']}"
        f"/lessons/{course.video_lesson}"
    )
    made_preview = await client.patch(lesson_url, json={"preview": True}, headers=instructor.bearer)
    assert made_preview.status_code == 200
    visitor = await signed_in(client, db, settings)  # not enrolled: a preview viewer
    seen = (await start_lesson(client, visitor.bearer, course.video_lesson or "")).json()
    assert seen["checkpoints"] == [] and await keys(client, visitor, seen) == [200] * PERIODS
    other = await rotating_package.copy_for(db, settings, instructor.user)  # its own video
    strict, strict_quiz = await checkpointed_course(
        client, db, instructor, other, checkpoints_exempt=False
    )
    own = (await start_lesson(client, instructor.bearer, strict.video_lesson or "")).json()
    assert await keys(client, instructor, own) == [200, 200, REFUSED, REFUSED]
    assert own["checkpoints"] == [{"id": strict_quiz, "at": CHECKPOINT_AT}]


async def test_a_checkpoint_is_refused_where_it_cannot_be(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    video: str,
    settings: Settings,
    rotating_package: PackagedVideo,
) -> None:
    shared = await make_course(db, instructor.user, video_id=video)  # two lessons play it
    refused = await client.post(
        f"/api/lessons/{shared.video_lesson}/checkpoints", json={"at": 1}, headers=instructor.bearer
    )
    assert refused.status_code == 409 and error_code(refused) == "checkpoint_video_shared"
    course, quiz_id = await checkpointed_course(
        client, db, instructor, await rotating_package.copy_for(db, settings, instructor.user)
    )
    outline = (await client.get(f"/api/courses/{course.id}", headers=instructor.bearer)).json()
    second = await client.post(
        f"/api/courses/{course.id}/sections/{outline['sections'][0]['id']}/lessons",
        json={
            "title": "Again",
            "kind": "video",
            "video_id": outline["sections"][0]["lessons"][0]["video_id"],
        },
        headers=instructor.bearer,
    )
    assert second.status_code == 409 and error_code(second) == "checkpoint_video_shared"
    for lesson, at in ((course.text_lesson, 1.0), (course.video_lesson, 25.0)):
        refused = await client.post(
            f"/api/lessons/{lesson}/checkpoints", json={"at": at}, headers=instructor.bearer
        )
        assert refused.status_code == 422 and error_code(refused) == "invalid_quiz"
    student = await enrolled(client, db, settings, course)
    for response in (
        await client.post(
            f"/api/lessons/{course.video_lesson}/checkpoints",
            json={"at": 1},
            headers=student.bearer,
        ),
        await client.patch(f"/api/quizzes/{quiz_id}", json={"at": 2}, headers=student.bearer),
        await client.delete(f"/api/quizzes/{quiz_id}", headers=student.bearer),
    ):
        assert response.status_code == 403
    limited = await client.patch(
        f"/api/quizzes/{quiz_id}", json={"settings": {"attempts": 1}}, headers=instructor.bearer
    )  # out of attempts, a learner could never watch on
    assert limited.status_code == 422 and error_code(limited) == "invalid_quiz"
    moved = await client.patch(
        f"/api/quizzes/{quiz_id}", json={"at": 13}, headers=instructor.bearer
    )
    assert moved.status_code == 200
    started = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    assert await keys(client, student, started) == [200, 200, 200, REFUSED]
    removed = await client.delete(f"/api/quizzes/{quiz_id}", headers=instructor.bearer)
    assert removed.status_code == 204
    # A session keeps the checkpoints it started with; the next start has none.
    assert await keys(client, student, started) == [200, 200, 200, REFUSED]
    again = (await start_lesson(client, student.bearer, course.video_lesson or "")).json()
    assert await keys(client, student, again) == [200] * PERIODS


async def test_Q4_drip_after_a_quiz_the_completion_rule_and_the_certificate_score(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn
) -> None:
    course = await make_course(db, instructor.user)
    lesson_id, quiz_id = await add_quiz_lesson(client, instructor, course.id)
    await put_questions(
        client, instructor, quiz_id, [{"type": "true_false", "stem": "Ok?", "truth": True}]
    )
    section = (await client.get(f"/api/courses/{course.id}", headers=instructor.bearer)).json()[
        "sections"
    ][0]["id"]
    lessons_url = f"/api/courses/{course.id}/sections/{section}/lessons"
    gated = await client.patch(
        f"{lessons_url}/{course.text_lesson}",
        json={"release": {"after_quiz": quiz_id}},
        headers=instructor.bearer,
    )
    assert gated.status_code == 200, gated.text
    unknown = await client.patch(
        f"{lessons_url}/{course.text_lesson}",
        json={"release": {"after_quiz": "nope"}},
        headers=instructor.bearer,
    )
    assert unknown.status_code == 422 and error_code(unknown) == "invalid_release"
    rule = {"pass_rule": "average", "pass_mark": 80, "required_quizzes": [quiz_id]}
    saved = await client.patch(
        f"/api/courses/{course.id}", json={"completion": rule}, headers=instructor.bearer
    )
    assert saved.status_code == 200 and saved.json()["completion"]["pass_mark"] == 80
    bad = await client.patch(
        f"/api/courses/{course.id}",
        json={"completion": {"lessons": ["x"]}},
        headers=instructor.bearer,
    )
    assert bad.status_code == 422 and error_code(bad) == "invalid_completion"

    student = await enrolled(client, db, settings, course)
    held = await client.get(f"/api/lessons/{course.text_lesson}", headers=student.bearer)
    assert held.status_code == 403 and error_code(held) == "lesson_not_released"
    assert held.json()["error"]["detail"] == {"after_quiz": quiz_id}
    outline = (await client.get(f"/api/courses/{course.id}", headers=student.bearer)).json()
    shown = {item["id"]: item for item in outline["sections"][0]["lessons"]}
    assert shown[course.text_lesson]["after_quiz"] == quiz_id
    certificate_url = f"/api/courses/{course.id}/certificate"
    early = await client.get(certificate_url, headers=student.bearer)
    assert early.status_code == 409 and early.json()["error"]["detail"]["quizzes_missing"] == [
        quiz_id
    ]

    attempt = (await client.post(f"/api/quizzes/{quiz_id}/attempts", headers=student.bearer)).json()
    failed = (
        await client.post(f"/api/attempts/{attempt['id']}/submit", headers=student.bearer)
    ).json()
    assert failed["passed"] is False
    await pass_quiz(client, instructor, student, quiz_id)
    assert (
        await client.get(f"/api/lessons/{course.text_lesson}", headers=student.bearer)
    ).status_code == 200
    standing = (
        await client.get(f"/api/courses/{course.id}/standing", headers=student.bearer)
    ).json()
    assert standing["lessons_done"] == 1 and standing["score"] == 100.0  # the quiz lesson
    done = await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    assert done.status_code == 200, done.text
    certificate = await client.get(certificate_url, headers=student.bearer)
    assert certificate.status_code == 200, certificate.text
    assert certificate.json()["score"] == 100.0
    pdf = await client.get(f"/api/courses/{course.id}/certificate.pdf", headers=student.bearer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert lesson_id
