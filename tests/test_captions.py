"""Captions: SubRip or WebVTT uploaded per video and language, checked and reduced to text,
served as HLS subtitle renditions under the playback token; the transcript for viewers.
Also the storyboard (seek previews) the transcode writes beside the ladder."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from pymongo import monitoring

from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.database.db import Database
from tests.course_helpers import BuiltCourse, make_course, start_lesson
from tests.factories import SignedIn, error_code, signed_in

SRT = """1
00:00:01,200 --> 00:00:01,900
Second <i>cue</i> &amp; <font color="red">more</font>

2
00:00:00,000 --> 00:00:01,000
{\\an8}First line
<script>alert(1)</script>Tom &lt;3 Jerry
"""

VTT = """WEBVTT Kind: captions

NOTE a comment that is not a cue

intro
00:00.500 --> 00:01.500 align:start
<v Anna>Hallo</v> --> Welt
"""


async def put_captions(
    client: httpx.AsyncClient,
    who: SignedIn,
    video_id: str,
    language: str,
    body: bytes | str,
    label: str | None = None,
) -> httpx.Response:
    return await client.put(
        f"/api/videos/{video_id}/captions/{language}",
        params={"label": label} if label else None,
        content=body.encode() if isinstance(body, str) else body,
        headers={**who.bearer, "Content-Type": "text/plain"},
    )


async def listed(
    client: httpx.AsyncClient, who: SignedIn, video_id: str
) -> list[dict[str, object]]:
    answer = await client.get(f"/api/videos/{video_id}/captions", headers=who.bearer)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


@pytest.fixture
async def course(db: Database, instructor: SignedIn, ready_video: str) -> BuiltCourse:
    return await make_course(db, instructor.user, video_id=ready_video)


class CaptionReads(monitoring.CommandListener):
    """The reads of `captions` in the one database a test arms it with. pymongo's listeners
    are global and join clients made later, so it is registered on import, before any
    test's app makes its client; unarmed it records nothing."""

    def __init__(self) -> None:
        self.database: str | None = None
        self.seen: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command_name
        if (
            event.database_name == self.database
            and command in ("find", "aggregate", "count", "distinct")
            and event.command[command] == "captions"
        ):
            self.seen.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


CAPTION_READS = CaptionReads()
monitoring.register(CAPTION_READS)


@pytest.fixture
def caption_reads(settings: Settings) -> Iterator[CaptionReads]:
    CAPTION_READS.database, CAPTION_READS.seen = settings.mongodb_database, []
    yield CAPTION_READS
    CAPTION_READS.database = None


async def test_C1_C2_captions_become_subtitle_renditions_of_the_stream(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
    course: BuiltCourse,
) -> None:
    english = await put_captions(client, instructor, ready_video, "EN", SRT, label="English")
    assert english.status_code == 200, english.text
    assert english.json()["language"] == "en" and english.json()["cue_count"] == 2
    german = await put_captions(client, instructor, ready_video, "de", VTT, label="Deutsch")
    assert german.status_code == 200, german.text
    assert [t["language"] for t in await listed(client, instructor, ready_video)] == ["de", "en"]

    student = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    ).status_code == 201
    assert course.video_lesson
    lesson = await client.get(f"/api/lessons/{course.video_lesson}", headers=student.bearer)
    assert lesson.json()["captions"] == [
        {"language": "de", "label": "Deutsch", "automatic": False},
        {"language": "en", "label": "English", "automatic": False},
    ]
    started = await start_lesson(client, student.bearer, course.video_lesson)
    assert started.status_code == 201, started.text
    base = started.json()["playlist_url"].rsplit("/", 1)[0]

    master = (await client.get(f"{base}/master.m3u8")).text
    media = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")]
    assert len(media) == 2
    assert 'LANGUAGE="en"' in media[1] and 'NAME="English"' in media[1]
    assert 'URI="captions_en.m3u8"' in media[1]
    variants = [line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert variants and all(line.endswith(',SUBTITLES="subs"') for line in variants)
    assert master.index("#EXT-X-MEDIA") < master.index("#EXT-X-STREAM-INF")

    playlist = await client.get(f"{base}/captions_en.m3u8")
    assert playlist.status_code == 200
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist.text and "captions_en.vtt" in playlist.text
    assert playlist.text.rstrip().endswith("#EXT-X-ENDLIST")

    vtt = await client.get(f"{base}/captions_en.vtt")
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.headers["x-content-type-options"] == "nosniff"
    # Cue time 0 is mapped onto the first frame of the segments, as measured from them.
    video = await db.videos.find_one({"_id": ready_video})
    assert video is not None and video["start_pts"] > 0
    assert f"X-TIMESTAMP-MAP=MPEGTS:{video['start_pts']},LOCAL:00:00:00.000" in vtt.text
    cues = vtt.text.split("\n\n")[1:]
    assert cues[0].startswith("00:00:00.000 --> 00:00:01.000\n")  # sorted by start
    # Tags and overrides gone, entities decoded, then the text escaped again.
    assert "First line\nalert(1)Tom &lt;3 Jerry" in cues[0]
    assert "<" not in vtt.text.replace("&lt;", "")
    assert cues[1].strip().endswith("Second cue &amp; more")
    german_vtt = (await client.get(f"{base}/captions_de.vtt")).text
    assert "00:00:00.500 --> 00:00:01.500\nHallo --&gt; Welt" in german_vtt  # settings dropped

    transcript = await client.get(
        f"/api/lessons/{course.video_lesson}/transcript/en", headers=student.bearer
    )
    assert transcript.status_code == 200, transcript.text
    assert transcript.json()["cues"][0] == {
        "start": 0.0,
        "end": 1.0,
        "text": "First line\nalert(1)Tom <3 Jerry",
    }
    missing = await client.get(
        f"/api/lessons/{course.video_lesson}/transcript/fr", headers=student.bearer
    )
    assert missing.status_code == 404 and error_code(missing) == "captions_not_found"
    stranger = await signed_in(client, db, settings)
    refused = await client.get(
        f"/api/lessons/{course.video_lesson}/transcript/en", headers=stranger.bearer
    )
    assert refused.status_code == 403 and error_code(refused) == "not_enrolled"

    # Caption files answer only under a valid token, and only for tracks that exist.
    forged = base.replace("/hls/", "/hls/x", 1)
    assert (await client.get(f"{forged}/captions_en.vtt")).status_code in (401, 403)
    assert (await client.get(f"{base}/captions_fr.vtt")).status_code == 404
    assert (await client.get(f"{base}/captions_../x.vtt")).status_code == 404

    # A new upload replaces the language; a deleted track leaves the master playlist.
    replaced = await put_captions(
        client, instructor, ready_video, "en", "00:00:00.000 --> 00:00:01.000\nOnly one\n"
    )
    assert replaced.status_code == 200 and replaced.json()["label"] == "en"
    deleted = await client.delete(
        f"/api/videos/{ready_video}/captions/de", headers=instructor.bearer
    )
    assert deleted.status_code == 204
    again = await client.delete(f"/api/videos/{ready_video}/captions/de", headers=instructor.bearer)
    assert again.status_code == 404 and error_code(again) == "captions_not_found"
    await client.delete(f"/api/videos/{ready_video}/captions/en", headers=instructor.bearer)
    restarted = await start_lesson(client, student.bearer, course.video_lesson)
    plain = (await client.get(restarted.json()["playlist_url"])).text
    assert "SUBTITLES" not in plain


@pytest.mark.parametrize(
    ("body", "status", "code", "line"),
    [
        ("00:00:01,000 --> 00:00:00,500\nBackwards\n", 422, "invalid_captions", 1),
        (
            "1\n00:00:00,000 --> 00:00:01,000\nok\n\n2\n00:00:xx,000 --> 00:00:02,000\nbad\n",
            422,
            "invalid_captions",
            6,
        ),
        ("1\n00:00:00,000 -> 00:00:01,000\nno arrow\n", 422, "invalid_captions", 2),
        ("00:00:05,000 --> 00:00:06,000\nAfter the 2 s video\n", 422, "invalid_captions", 1),
        ("just some text\n", 422, "invalid_captions", 1),
        ("WEBVTTX\n\n00:00.000 --> 00:01.000\nx\n", 422, "invalid_captions", 1),
        (b"00:00:00,000 --> 00:00:01,000\nd\xe9j\xe0 vu\n", 422, "invalid_captions", 2),
        ("", 422, "invalid_captions", None),
        ("00:00:00,000 --> 00:00:01,000\n" + "x" * 600 * 1024, 413, "captions_too_large", None),
    ],
)
async def test_C1_a_bad_caption_file_is_refused_with_the_line_and_changes_nothing(
    client: httpx.AsyncClient,
    instructor: SignedIn,
    ready_video: str,
    body: str | bytes,
    status: int,
    code: str,
    line: int | None,
) -> None:
    kept = await put_captions(client, instructor, ready_video, "en", SRT, label="English")
    assert kept.status_code == 200
    refused = await put_captions(client, instructor, ready_video, "en", body, label="Other")
    assert refused.status_code == status, refused.text
    assert error_code(refused) == code
    if code == "invalid_captions":
        assert refused.json()["error"]["detail"]["line"] == line
    assert await listed(client, instructor, ready_video) == [
        {**kept.json(), "label": "English", "cue_count": 2}
    ]


async def test_who_may_add_captions_and_which_languages(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    for language in ("english", "e", "en_US", "en-us-x-private", "../en", "EN-gb-extra"):
        bad = await put_captions(client, instructor, ready_video, language, SRT)
        assert bad.status_code in (404, 422), (language, bad.text)
        if bad.status_code == 422:
            assert error_code(bad) == "invalid_language", language
    quoted = await put_captions(client, instructor, ready_video, "fr", SRT, label='Fran"çais')
    assert quoted.status_code == 200 and quoted.json()["label"] == "Français"
    for tag, expected in (("pt-br", "pt-BR"), ("zh-hant", "zh-Hant"), ("es-419", "es-419")):
        good = await put_captions(client, instructor, ready_video, tag, SRT)
        assert good.status_code == 200 and good.json()["language"] == expected

    other = await signed_in(client, db, settings, role=Role.instructor)
    assert (await put_captions(client, other, ready_video, "en", SRT)).status_code == 404
    student = await signed_in(client, db, settings)
    assert (await put_captions(client, student, ready_video, "en", SRT)).status_code == 403
    assert (
        await client.put(f"/api/videos/{ready_video}/captions/en", content=SRT)
    ).status_code == 401

    for n in range(16):  # 4 tracks so far: up to the limit of 20
        language = "a" + chr(ord("a") + n)
        assert (
            await put_captions(client, instructor, ready_video, language, SRT)
        ).status_code == 200
    over = await put_captions(client, instructor, ready_video, "zu", SRT)
    assert over.status_code == 409 and error_code(over) == "too_many_caption_tracks"
    assert len(await listed(client, instructor, ready_video)) == 20
    same = await put_captions(client, instructor, ready_video, "fr", SRT, label="French")
    assert same.status_code == 200  # replacing a language is no new track


async def test_C2_the_transcode_writes_a_storyboard_delivered_under_the_token(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
    course: BuiltCourse,
) -> None:
    assert course.video_lesson
    started = await start_lesson(client, instructor.bearer, course.video_lesson)
    url = started.json()["storyboard_url"]
    assert url is not None and url.endswith(f"/{ready_video}/storyboard.vtt")
    track = await client.get(url)
    assert track.status_code == 200 and track.text.startswith("WEBVTT")
    cues = re.findall(
        r"([\d:.]+) --> ([\d:.]+)\nstoryboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)", track.text
    )
    assert [c[:2] for c in cues] == [("00:00:00.000", "00:00:02.000")]  # 2 s clip: one tile
    width, height = int(cues[0][4]), int(cues[0][5])
    assert (width, height) == (160, 120)  # 320x240 source, aspect kept
    image = await client.get(url.replace("storyboard.vtt", "storyboard.jpg"))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(image.content)) as sprite:
        assert sprite.format == "JPEG" and sprite.size == (160, 120)
        darkest, brightest = sprite.convert("L").getextrema()
        assert isinstance(darkest, int) and isinstance(brightest, int)
        assert brightest - darkest > 50  # a picture, not a blank tile
    forged = url.replace("/hls/", "/hls/x", 1)
    assert (await client.get(forged.replace("storyboard.vtt", "storyboard.jpg"))).status_code in (
        401,
        403,
    )


async def test_C3_a_caption_file_is_read_and_rendered_once_per_version(
    client: httpx.AsyncClient,
    instructor: SignedIn,
    ready_video: str,
    course: BuiltCourse,
    caption_reads: CaptionReads,
) -> None:
    """C3: the caption playlist read the whole track, and the WebVTT was rendered from its cues
    on every request (twice the cost of a segment). Now the playlist comes from the list of
    tracks the master playlist read, each version's WebVTT is read and rendered once, and
    a new upload is served at once."""
    assert (await put_captions(client, instructor, ready_video, "en", SRT)).status_code == 200
    assert course.video_lesson
    started = await start_lesson(client, instructor.bearer, course.video_lesson)
    base = started.json()["playlist_url"].rsplit("/", 1)[0]
    assert "captions_en.m3u8" in (await client.get(f"{base}/master.m3u8")).text
    caption_reads.seen.clear()

    playlist = await client.get(f"{base}/captions_en.m3u8")
    assert playlist.status_code == 200 and "captions_en.vtt" in playlist.text
    assert caption_reads.seen == []  # the master's list of tracks had all it needs
    first = await client.get(f"{base}/captions_en.vtt")
    assert first.status_code == 200 and "First line" in first.text
    assert [read["find"] for read in caption_reads.seen] == ["captions"]  # the cues, once
    caption_reads.seen.clear()
    for _ in range(3):
        again = await client.get(f"{base}/captions_en.vtt")
        assert (again.status_code, again.content) == (200, first.content)
        assert again.headers["content-type"] == first.headers["content-type"]
    assert (await client.get(f"{base}/captions_en.m3u8")).content == playlist.content
    assert caption_reads.seen == []

    replaced = await put_captions(
        client, instructor, ready_video, "en", "00:00:00.000 --> 00:00:01.000\nNew words\n"
    )
    assert replaced.status_code == 200
    fresh = await client.get(f"{base}/captions_en.vtt")
    assert "New words" in fresh.text and "First line" not in fresh.text
    caption_reads.seen.clear()
    assert (await client.get(f"{base}/captions_en.vtt")).content == fresh.content
    assert caption_reads.seen == []
    deleted = await client.delete(
        f"/api/videos/{ready_video}/captions/en", headers=instructor.bearer
    )
    assert deleted.status_code == 204
    for name in ("captions_en.vtt", "captions_en.m3u8"):
        assert (await client.get(f"{base}/{name}")).status_code == 404
