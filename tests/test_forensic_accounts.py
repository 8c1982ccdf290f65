"""One forensic number per account and video (F6): the sessions of one account get the same
A/B sequence, so a copy mixed from several of them still names the account, with all its
sessions, and no other account."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import m3u8
import pytest

from coursevault.config import Settings
from coursevault.courses.models import PlaybackPolicy
from coursevault.database.db import Database, pair_id
from coursevault.ffmpeg.binary import ffmpeg_path
from coursevault.forensic import repo as forensic_repo
from coursevault.media import service as media
from tests.conftest import TEST_SECRET
from tests.course_helpers import make_course, start_lesson
from tests.factories import SignedIn, signed_in
from tests.media_helpers import make_clip
from tests.processes import (
    Server,
    Viewer,
    create_account,
    enrolled_playback,
    sign_up,
    upload_until_ready,
)

PASSWORD = "correct horse battery staple"
SECONDS = 160  # 27 segments of 6 s: enough for a one-in-a-million match (test_forensic.py)
MARKED = {"key_protection": "standard", "forensic_watermark": True}


async def wait_for_variants(client: httpx.AsyncClient, teacher: SignedIn, video_id: str) -> None:
    async with asyncio.timeout(60):
        while True:
            video = (await client.get(f"/api/videos/{video_id}", headers=teacher.bearer)).json()
            if video["forensic_watermark"]:
                return
            await asyncio.sleep(0.2)


async def test_F6_sessions_of_one_account_share_its_number_and_older_ones_keep_theirs(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    course = await make_course(
        db, instructor.user, video_id=ready_video, policy=PlaybackPolicy(forensic_watermark=True)
    )
    assert course.video_lesson
    await wait_for_variants(client, instructor, ready_video)
    ann = await signed_in(client, db, settings)
    bob = await signed_in(client, db, settings)
    for student in (ann, bob):
        enrolled = await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
        assert enrolled.is_success
    # A session Ann started before F6 had a number of its own, recorded as the old code did.
    old = await media.issue_forensic_number(db=db, video_id=ready_video)
    await db.forensic_marks.insert_one(
        {
            "_id": pair_id(ready_video, str(old)),
            "video_id": ready_video,
            "number": old,
            "session_id": "before-f6",
            "user_id": ann.user.id,
            "device": "old phone",
            "ip": "192.0.2.1",
            "started_at": datetime.now(UTC) - timedelta(days=30),
        }
    )

    # Two devices of Ann's start at once: whichever draws the number, both get it.
    started = await asyncio.gather(
        *(start_lesson(client, ann.bearer, course.video_lesson, device=d) for d in ("tv", "pc"))
    )
    assert [s.status_code for s in started] == [201, 201], [s.text for s in started]
    other = await start_lesson(client, bob.bearer, course.video_lesson, device="tablet")
    assert other.status_code == 201, other.text

    async def sequence(answer: httpx.Response) -> list[str]:
        base = answer.json()["playlist_url"].rsplit("/", 1)[0]
        text = (await client.get(f"{base}/240p.m3u8")).text
        return re.findall(r"^240p_([ab])_\d{5}\.ts$", text, flags=re.M)

    # (The clip is one segment long: the slow test below compares whole sequences.)
    tv, pc = [await sequence(a) for a in started]
    assert tv and tv == pc

    marks = {m["session_id"]: m async for m in db.forensic_marks.find({"video_id": ready_video})}
    ids = [s.json()["session_id"] for s in (*started, other)]
    assert marks.keys() == {"before-f6", *ids}
    ann_number = marks[ids[0]]["number"]
    assert marks[ids[1]]["number"] == ann_number != old  # the old session keeps its own
    assert {marks[i]["device"] for i in ids[:2]} == {"tv", "pc"}  # each session's record
    bob_number = marks[ids[2]]["number"]
    assert bob_number not in (ann_number, old)
    # The trace's candidates: one per account, plus the number of the older session.
    assert await forensic_repo.numbers(db=db, video_id=ready_video) == sorted(
        {old, ann_number, bob_number}
    )
    listed = await forensic_repo.sessions(db=db, video_id=ready_video, number=ann_number)
    assert sorted(m["session_id"] for m in listed) == sorted(ids[:2])


@dataclass
class Site:
    server: Server
    video_id: str
    eve: list[Viewer]  # two sessions of one account (two sign-ins, two courses, one video)
    ann: Viewer  # another account's session of the same video


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    work = tmp_path_factory.mktemp("forensic-accounts")
    data_dir = work / "data"
    create_account(data_dir, "root@example.com", "admin")
    server = Server(data_dir, workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET)
    try:
        sign_up(server.url, "t@example.com", "instructor")
        for student in ("eve", "ann"):
            sign_up(server.url, f"{student}@example.com")
        clip = make_clip(work / "c.mp4", size="320x240", seconds=SECONDS, rate=15).read_bytes()
        video_id = upload_until_ready(server.url, "t@example.com", PASSWORD, clip, forensic=True)

        def viewer(student: str) -> Viewer:
            return enrolled_playback(
                server.url, teacher_email="t@example.com", student_email=f"{student}@example.com",
                password=PASSWORD, video_id=video_id, policy=MARKED,
            )  # fmt: skip

        yield Site(server, video_id, eve=[viewer("eve"), viewer("eve")], ann=viewer("ann"))
    finally:
        server.stop()


def playlist(site: Site, viewer: Viewer) -> m3u8.M3U8:
    """The viewer's one rendition playlist, as its player gets it."""
    url = site.server.url + viewer.playlist_url.rsplit("/", 1)[0] + "/240p.m3u8"
    return m3u8.loads(httpx.get(url).text)


def fetch(site: Site, viewer: Viewer, out: Path) -> Path:
    """What ffmpeg, playing the HLS stream with the viewer's cookie, saves (not re-encoded)."""
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
            "-headers", f"Cookie: cv_access={viewer.access_cookie}\r\n",
            "-i", site.server.url + viewer.playlist_url,
            "-map", "0:v:0", "-c", "copy", "-f", "mpegts", "-y", str(out),
        ],
        check=True,
        timeout=180,
    )  # fmt: skip
    return out


def mix(first: Path, second: Path, spans: list[tuple[float, float]], out: Path) -> Path:
    """FIRST with SECOND's frames during SPANS (seconds), re-encoded like a screen recording
    (x264, 1 Mbit/s, 854x480)."""
    during = "+".join(f"between(t,{start:.3f},{end:.3f})" for start, end in spans) or "0"
    subprocess.run(
        [
            ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
            "-i", str(first), "-i", str(second),
            "-filter_complex", f"[0:v][1:v]overlay=enable='{during}',scale=854:480",
            "-c:v", "libx264", "-b:v", "1M", "-preset", "ultrafast", "-y", str(out),
        ],
        check=True,
        timeout=300,
    )  # fmt: skip
    return out


@pytest.mark.slow
def test_F6_a_copy_mixed_from_two_sessions_of_one_account_names_the_account(
    site: Site, tmp_path: Path
) -> None:
    first, second = (playlist(site, v) for v in site.eve)
    # Segment by segment, take the second session's where only it has A (A wherever either
    # had A) and every other segment anyway, so both sessions' segments are in the copy.
    spans: list[tuple[float, float]] = []
    at = 0.0
    for index, (mine, theirs) in enumerate(zip(first.segments, second.segments, strict=True)):
        a_mine, a_theirs = "_a_" in mine.uri, "_a_" in theirs.uri
        if (a_theirs and not a_mine) or (a_mine == a_theirs and index % 2):
            spans.append((at, at + mine.duration))
        at += mine.duration
    copies = [fetch(site, v, tmp_path / f"eve{n}.ts") for n, v in enumerate(site.eve)]
    copy = mix(copies[0], copies[1], spans, tmp_path / "mixed.mp4")

    admin = httpx.post(
        f"{site.server.url}/api/auth/login",
        json={"email": "root@example.com", "password": PASSWORD},
    ).json()["access_token"]
    answer = httpx.post(
        f"{site.server.url}/api/admin/trace/{site.video_id}",
        content=copy.read_bytes(),
        headers={"Authorization": f"Bearer {admin}"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    print("\n".join(body["report"]))
    assert body["found"] and body["chance"] < 1e-6, body["reason"]
    assert body["session"]["account"] == "eve@example.com"
    listed = {s["session_id"]: s["account"] for s in body["sessions"]}
    assert listed == {v.session_id: "eve@example.com" for v in site.eve}
    # Another account's session of the same video is not named.
    assert site.ann.session_id not in listed
    assert not any("ann@" in line or site.ann.session_id in line for line in body["report"])
    assert any("account  eve@example.com (2 sessions" in line for line in body["report"])
    # Why the mix changed nothing: both sessions were served one sequence (F6), and only it.
    assert [s.uri for s in first.segments] == [s.uri for s in second.segments]
    assert [s.uri for s in playlist(site, site.ann).segments] != [s.uri for s in first.segments]
