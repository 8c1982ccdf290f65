"""Automatic captions: cutting words into readable cues, a real transcription of espeak-ng
speech end to end, the inputs that must not make captions, the speech model's failures,
the instructor's edit and approval, and the CLI."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import httpx
import pytest

from coursevault.captions.parse import Cue
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.transcripts import cues, speech
from coursevault.transcripts import service as transcripts
from coursevault.transcripts.cues import Word
from tests.conftest import TEST_SECRET
from tests.course_helpers import make_course
from tests.factories import SignedIn, error_code
from tests.media_helpers import make_clip, new_video, upload_file, wait_for_video
from tests.processes import run_cli
from tests.speech_helpers import LESSON_TEXT, speak, speech_clip, wer

# ---- cutting words into cues (pure) ---------------------------------------------------


def _words(text: str, *, start: float = 0.0, each: float = 0.3) -> list[Word]:
    return [
        Word(start=start + i * each, end=start + i * each + each * 0.8, text=" " + w)
        for i, w in enumerate(text.split())
    ]


def assert_readable(made: list[Any]) -> None:
    for cue in made:
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= cues.MAX_LINES, cue
        assert all(0 < len(line) <= cues.MAX_LINE for line in lines), cue
        assert cues.MIN_SECONDS - 1e-6 <= cue.end - cue.start <= cues.MAX_SECONDS + 1e-6, cue
    for first, second in itertools.pairwise(made):
        assert first.end <= second.start + 1e-6, (first, second)


def test_cues_keep_every_word_on_two_lines_of_42_for_1_to_7_seconds() -> None:
    text = " ".join([LESSON_TEXT] * 12)
    made = cues.cut(_words(text))
    assert_readable(made)
    assert " ".join(c.text.replace("\n", " ") for c in made) == text
    assert any("\n" in c.text for c in made)  # long stretches use both lines


def test_a_sentence_end_or_a_pause_closes_a_cue() -> None:
    made = cues.cut(
        [*_words("Hello there. Next sentence", each=0.6), *_words("after a pause", start=5.0)]
    )
    assert [c.text for c in made] == ["Hello there.", "Next sentence", "after a pause"]
    assert_readable(made)


def test_slow_speech_never_stays_up_past_7_seconds() -> None:
    made = cues.cut(_words("one two three four five six seven eight nine", each=1.1))
    assert len(made) >= 2
    assert_readable(made)


def test_a_lone_short_word_stays_up_a_second_and_noise_makes_no_cue() -> None:
    made = cues.cut([Word(2.0, 2.2, " Yes."), Word(9.0, 9.5, "♪"), Word(10, 11, " [Music]")])
    assert [(c.start, c.end, c.text) for c in made] == [(2.0, 3.0, "Yes.")]
    assert cues.cut([Word(0, 1, " ♪ ♪"), Word(1, 2, "...")]) == []


def test_two_lines_are_balanced() -> None:
    a, b, c = "a" * 20, "b" * 30, "c" * 10
    assert cues.wrap(f"{a} {b} {c}") == [a, f"{b} {c}"]  # 20 and 41, not 51 and 10
    assert cues.wrap("one two three four five six seven eight nine ten") == [
        "one two three four five",
        "six seven eight nine ten",
    ]
    assert cues.wrap("short line") == ["short line"]
    assert cues.wrap("x" * 43) is None


# ---- end to end -------------------------------------------------------------------------

AUTO = {"captions_auto": True, "captions_threads": 1}


async def wait_for_transcription(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    video_id: str,
    timeout: float = 90,  # noqa: ASYNC109
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get(f"/api/videos/{video_id}/transcription", headers=headers)
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            if body["state"] not in ("none", "queued", "running"):
                return body
            await asyncio.sleep(0.2)


async def upload_clip(client: httpx.AsyncClient, teacher: SignedIn, clip: Path) -> str:
    video = await new_video(client, teacher.bearer)
    await upload_file(client, teacher.bearer, video["upload_url"], clip.read_bytes())
    ready, _ = await wait_for_video(client, teacher.bearer, video["id"])
    assert ready["status"] == "ready", ready
    return str(video["id"])


@pytest.mark.parametrize("settings_overrides", [AUTO])
async def test_a_new_upload_gets_automatic_english_captions_the_instructor_approves(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, tmp_path: Path
) -> None:
    clip = speech_clip(speak(LESSON_TEXT, tmp_path / "s.wav"), tmp_path / "s.mp4")
    video_id = await upload_clip(client, instructor, clip)

    done = await wait_for_transcription(client, instructor.bearer, video_id)
    assert done["state"] == "done", done
    assert done["language"] == "en" and done["model"] == "tiny.en" and done["cue_count"] > 0
    listed = (
        await client.get(f"/api/videos/{video_id}/captions", headers=instructor.bearer)
    ).json()
    assert [(t["language"], t["label"], t["automatic"]) for t in listed["items"]] == [
        ("en", "English (automatic)", True)
    ]
    track = (
        await client.get(f"/api/videos/{video_id}/captions/en", headers=instructor.bearer)
    ).json()
    said = " ".join(c["text"] for c in track["cues"])
    assert wer(LESSON_TEXT, said) <= 0.25, said
    assert_readable([Cue(c["start"], c["end"], c["text"]) for c in track["cues"]])

    # It plays: the lesson's transcript and the HLS captions serve the automatic track.
    course = await make_course(db, instructor.user, video_id=video_id)
    transcript = await client.get(
        f"/api/lessons/{course.video_lesson}/transcript/en", headers=instructor.bearer
    )
    assert transcript.status_code == 200 and transcript.json()["automatic"] is True

    approved = await client.post(
        f"/api/videos/{video_id}/captions/en/approve", headers=instructor.bearer
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["automatic"], approved.json()["label"]) == (False, "English")
    # Asked again, the instructor's approved track is kept, not replaced.
    again = await client.post(f"/api/videos/{video_id}/transcription", headers=instructor.bearer)
    assert again.status_code == 202
    kept = await wait_for_transcription(client, instructor.bearer, video_id)
    assert kept["state"] == "skipped" and "kept" in kept["message"]


async def test_the_instructor_edits_cues_as_json_and_the_track_stops_being_automatic(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, ready_video: str
) -> None:
    made = cues.cut(_words("Hello there. This is the first lesson"))
    saved = await transcripts_captions_save(db, ready_video, made)
    assert saved is not None and saved.automatic
    url = f"/api/videos/{ready_video}/captions/en"
    track = (await client.get(url, headers=instructor.bearer)).json()
    assert track["automatic"] is True and track["cue_count"] == len(made)

    edited = [{**c, "text": c["text"].replace("Hello", "Hi")} for c in track["cues"]]
    split = [{"start": 0.0, "end": 0.5, "text": "Hi"}, {"start": 0.5, "end": 1.0, "text": "there."}]
    body = {"cues": split + edited[1:]}
    saved_json = await client.put(f"{url}/cues", json=body, headers=instructor.bearer)
    assert saved_json.status_code == 200, saved_json.text
    assert saved_json.json()["automatic"] is False and saved_json.json()["label"] == "English"
    after = (await client.get(url, headers=instructor.bearer)).json()
    assert [c["text"] for c in after["cues"]][:2] == ["Hi", "there."]

    bad = {"cues": [{"start": 2.0, "end": 1.0, "text": "backwards"}]}
    refused = await client.put(f"{url}/cues", json=bad, headers=instructor.bearer)
    assert refused.status_code == 422 and error_code(refused) == "invalid_captions"
    assert refused.json()["error"]["detail"]["cue"] == 0
    late = {"cues": [{"start": 500.0, "end": 501.0, "text": "after the end"}]}
    assert (
        await client.put(f"{url}/cues", json=late, headers=instructor.bearer)
    ).status_code == 422
    # An approved (instructor's) track is never overwritten by speech recognition.
    assert await transcripts_captions_save(db, ready_video, made) is None


async def transcripts_captions_save(db: Database, video_id: str, made: list[Any]) -> Any:
    from coursevault.captions import service as captions

    return await captions.save_automatic(
        db=db, video_id=video_id, language="en", name="English", cues=made
    )


@pytest.mark.parametrize("settings_overrides", [AUTO])
async def test_a_video_without_audio_is_skipped_with_a_reason_and_stays_ready(
    client: httpx.AsyncClient, instructor: SignedIn, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "mute.mp4", size="160x120", seconds=2, audio=False)
    video_id = await upload_clip(client, instructor, clip)
    skipped = await wait_for_transcription(client, instructor.bearer, video_id)
    assert skipped["state"] == "skipped" and "no audio" in skipped["message"]
    video = (await client.get(f"/api/videos/{video_id}", headers=instructor.bearer)).json()
    assert video["status"] == "ready" and video["error"] is None
    listed = (
        await client.get(f"/api/videos/{video_id}/captions", headers=instructor.bearer)
    ).json()
    assert listed["items"] == []


@pytest.mark.parametrize("settings_overrides", [{"captions_threads": 1}])
async def test_a_tone_or_silence_makes_no_cues_and_no_track(
    client: httpx.AsyncClient, instructor: SignedIn, ready_video: str, tmp_path: Path
) -> None:
    # ready_video's sound is a 440 Hz tone.
    queued = await client.post(
        f"/api/videos/{ready_video}/transcription", headers=instructor.bearer
    )
    assert queued.status_code == 202 and queued.json()["state"] in ("queued", "running")
    done = await wait_for_transcription(client, instructor.bearer, ready_video)
    assert done["state"] == "done" and done["cue_count"] == 0 and "No speech" in done["message"]
    listed = (
        await client.get(f"/api/videos/{ready_video}/captions", headers=instructor.bearer)
    ).json()
    assert listed["items"] == []

    silent = make_clip(
        tmp_path / "silent.mp4", size="160x120", seconds=3, extra=("-af", "volume=0")
    )
    heard = await speech.transcribe(
        silent, model="bundled", device="cpu", threads=1, language=None, timeout=60
    )
    assert cues.cut(heard.words) == []


@pytest.mark.parametrize("settings_overrides", [{"captions_model": "/nowhere/model"}])
async def test_a_missing_model_is_a_clear_message_not_a_job(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    instructor: SignedIn,
    ready_video: str,
) -> None:
    asked = await client.post(f"/api/videos/{ready_video}/transcription", headers=instructor.bearer)
    assert asked.status_code == 409 and error_code(asked) == "transcription_unavailable"
    assert "/nowhere/model does not exist" in asked.json()["error"]["detail"]["reason"]
    shown = (
        await client.get(f"/api/videos/{ready_video}/transcription", headers=instructor.bearer)
    ).json()
    assert shown["state"] == "unavailable" and "COURSEVAULT_CAPTIONS_MODEL" in shown["message"]
    # After an upload (auto on) nothing is queued either: the studio shows the same message.
    from coursevault.media import service as media

    video = await media.get_video(db=db, video_id=ready_video)
    assert video is not None
    await transcripts.after_ready(
        db=db, settings=settings.model_copy(update={"captions_auto": True}), video=video
    )
    assert await db.jobs.count_documents({"kind": "transcribe"}) == 0


class TestACorruptModelDirectory:
    @pytest.fixture
    def settings_overrides(self, tmp_path: Path) -> dict[str, Any]:
        model = tmp_path / "broken-model"
        model.mkdir()
        (model / "config.json").write_text("{}")
        (model / "model.bin").write_bytes(b"\x00garbage" * 1000)
        (model / "vocabulary.txt").write_text("a\nb\n")
        return {"captions_model": str(model), "captions_threads": 1}

    async def test_is_a_clear_error_without_retries(
        self, client: httpx.AsyncClient, db: Database, instructor: SignedIn, ready_video: str
    ) -> None:
        asked = await client.post(
            f"/api/videos/{ready_video}/transcription", headers=instructor.bearer
        )
        assert asked.status_code == 202
        shown = await wait_for_transcription(client, instructor.bearer, ready_video)
        assert shown["state"] == "unavailable" and "cannot be loaded" in shown["message"], shown
        async with asyncio.timeout(10):
            while (job := await db.jobs.find_one({"kind": "transcribe"})) and job[
                "state"
            ] == "running":
                await asyncio.sleep(0.05)
        assert job is not None and job["state"] == "done" and job["attempts"] == 1
        video = (await client.get(f"/api/videos/{ready_video}", headers=instructor.bearer)).json()
        assert video["status"] == "ready"


# ---- the CLI ---------------------------------------------------------------------------


async def test_the_cli_generates_captions_for_one_video_or_all(
    db: Database,
    settings: Settings,
    data_dir: Path,
    instructor: SignedIn,
    ready_video: str,
    tmp_path: Path,
) -> None:
    env = {
        "COURSEVAULT_MONGODB_DATABASE": settings.mongodb_database,
        "COURSEVAULT_SECRET_KEY": TEST_SECRET,
        "COURSEVAULT_CAPTIONS_THREADS": "1",
    }
    assert run_cli(data_dir, "captions", "generate", **env).returncode == 2  # neither id nor --all
    one = run_cli(data_dir, "captions", "generate", ready_video, **env)
    assert one.returncode == 0, one.stderr
    assert "Captioned 1 of 1 video(s)." in one.stdout and "No speech" in one.stdout
    again = run_cli(data_dir, "captions", "generate", "--all", **env)
    assert again.returncode == 0, again.stderr
    assert "Captioned 0 of 0 video(s)." in again.stdout  # it has its outcome already
    missing = run_cli(
        data_dir, "captions", "generate", ready_video, COURSEVAULT_CAPTIONS_MODEL="/nowhere", **env
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr
