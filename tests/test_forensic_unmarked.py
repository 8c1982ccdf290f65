"""Copies of unmarked streams (F8) and the order of re-packages (F7), in process: the
decision on made-up segment scores shaped like the bench's (docs/performance.md), the
answer that lists the sessions served unmarked, and a watermarked course's videos queued
most-watched first. The same analysis on real copies runs in test_forensic.py."""

from __future__ import annotations

import random
import secrets
from datetime import UTC, datetime, timedelta

import httpx

from coursevault.config import Settings
from coursevault.courses import outline
from coursevault.courses import service as courses
from coursevault.courses.models import LessonCreate, LessonKind
from coursevault.database.db import Database
from coursevault.forensic import repo as forensic_repo
from coursevault.forensic import service as forensic
from coursevault.watermark import analysis, codeword
from coursevault.watermark.analysis import SegmentScore
from tests.course_helpers import make_course
from tests.factories import SignedIn, signed_in
from tests.media_helpers import PackagedVideo

KEY = secrets.token_bytes(32)
NOISE = 0.08  # a segment's estimated noise in the bench's copies, in units of the mark


def bits_of(number: int, count: int) -> list[int]:
    return codeword.bits(KEY, "video", number, count)


def scores(marks: list[float], rng: random.Random) -> list[SegmentScore]:
    """Segment scores: each MARK plus noise, with its t-like statistic."""
    found = []
    for index, value in enumerate(marks):
        seen = value + rng.gauss(0, NOISE)
        found.append(SegmentScore(index, seen, seen / NOISE))
    return found


def test_F8_an_unmarked_copy_is_told_apart_whatever_the_sign_of_its_bias() -> None:
    rng = random.Random(8)
    issued = range(1, 1_001)
    plain_centred = scores([rng.gauss(0, 0.1) for _ in range(40)], rng)
    plain_low = scores([-0.25] * 40, rng)  # the plain ladder's bias: every segment B
    plain_high = scores([0.6] * 40, rng)  # a strong bias, every segment A
    all_a = scores([0.95] * 26, rng)  # the ordinary playlist (number 0)
    for copy in (plain_centred, plain_low, plain_high, all_a):
        verdict = analysis.decide(copy, issued, bits_of)
        assert verdict.unmarked and verdict.number is None, verdict
        assert "too little" not in verdict.reason
    # Every marked copy is named, never called unmarked, whatever its codeword.
    for number in rng.sample(issued, 50):
        marks = [0.9 * b for b in bits_of(number, 40)]
        verdict = analysis.decide(scores(marks, rng), issued, bits_of)
        assert verdict.number == number and not verdict.unmarked, verdict
    # A short copy is too little either way: 6 segments all A is a codeword 1 time in 64.
    short = analysis.decide(scores([0.95] * 6, rng), issued, bits_of)
    assert short.number is None and not short.unmarked
    assert short.reason == "too little of the video to decide"
    # 40 scored segments are never "too little", even with a mark too faint to decide.
    faint = [0.5 * b for b in bits_of(7, 40)]
    weak = analysis.decide([SegmentScore(i, m, m) for i, m in enumerate(faint)], issued, bits_of)
    assert weak.number is None and "too little" not in weak.reason, weak


async def test_F8_an_unmarked_answer_lists_the_sessions_served_unmarked(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    ann = await signed_in(client, db, settings)
    started = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    for n, device in enumerate(("laptop", "phone")):
        await forensic_repo.record(
            db=db,
            video_id="v1",
            number=forensic_repo.UNMARKED,
            session_id=f"s{n}",
            user_id=ann.user.id,
            device=device,
            ip=f"192.0.2.{n + 1}",
            started_at=started + timedelta(hours=n),
        )
    await forensic_repo.record(  # a marked session is not part of the window
        db=db, video_id="v1", number=1, session_id="m1", user_id=ann.user.id,
        device="tv", ip="192.0.2.9", started_at=started - timedelta(days=1),
    )  # fmt: skip
    copy = scores([0.02] * 40, random.Random(1))
    verdict = analysis.decide(copy, [0, 1], bits_of)
    assert verdict.unmarked
    sessions = await forensic_repo.unmarked_sessions(db=db, video_id="v1")
    trace = forensic.Trace(
        "v1", analysis.Alignment(0, 0.9), copy, verdict, (), 1, None, tuple(sessions),
        {ann.user.id: ann.user.email},
    )  # fmt: skip
    report = "\n".join(trace.lines())
    assert "unmarked stream: this copy comes from an unmarked stream" in report
    assert "2 sessions of this video were served unmarked between" in report
    assert f"account  {ann.user.email}" in report and "device   phone" in report
    read = forensic.to_read(trace)
    assert read.unmarked and not read.found and read.session is None
    assert [s.session_id for s in read.unmarked_sessions] == ["s0", "s1"]
    assert read.unmarked_sessions[1].ip == "192.0.2.2"
    assert (read.window_start, read.window_end) == (started, started + timedelta(hours=1))


async def test_F7_turning_the_policy_on_queues_the_most_watched_videos_first(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
    packaged_video: PackagedVideo,
) -> None:
    """Until its variants are published a video of a watermarked course plays unmarked (or
    waits): the re-packages go in the order learners are likely to need them."""
    others = [await packaged_video.copy_for(db, settings, instructor.user) for _ in range(2)]
    first, second, third = ready_video, *others
    built = await make_course(db, instructor.user, video_id=first)
    course = (await courses.courses_by_id(db=db, course_ids=[built.id]))[built.id]
    section = course["sections"][0]["id"]
    lessons: dict[str, str] = {}
    for title, video in (("Second", second), ("Third", third), ("Second again", second)):
        course, lessons[title] = await outline.add_lesson(
            db=db,
            course=course,
            section_id=section,
            lesson_in=LessonCreate(title=title, kind=LessonKind.video, video_id=video),
        )
    # Views per lesson (lesson_engagement): the third video 7, the second 3 + 3 over its
    # two lessons, the first none (its two lessons were never watched).
    views = {lessons["Third"]: 7, lessons["Second"]: 3, lessons["Second again"]: 3}
    for lesson_id, count in views.items():
        await db.lesson_engagement.insert_one(
            {"_id": lesson_id, "course_id": built.id, "views": count}
        )
    saved = await client.patch(
        f"/api/courses/{built.id}",
        json={"policy": {"forensic_watermark": True}},
        headers=instructor.bearer,
    )
    assert saved.status_code == 200, saved.text
    queued = await db.jobs.find({"payload.forensic": True}).to_list()
    queued.sort(key=lambda job: job["run_at"])
    assert [job["payload"]["video_id"] for job in queued] == [third, second, first]
    times = [job["run_at"] for job in queued]
    assert times[0] < times[1] < times[2]  # workers take due jobs by run_at
