"""Automatic captions in the real web app (Chromium, a real server, the bundled speech
model, issue #29): an upload of espeak-ng speech gets English captions by itself; a
student plays them; the instructor sees their state in the studio, approves the track
and fixes a cue in the caption editor (a refused time is shown on its cue); a student
searches a spoken word and the hit opens the lesson at that second. axe finds nothing
serious in the editor or the search results."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.a11y import assert_accessible
from tests.browser import CHROMIUM, choose_in_player, login, new_context, shot, sign_in
from tests.conftest import TEST_SECRET
from tests.processes import Server, sign_up, upload_until_ready
from tests.speech_helpers import LESSON_TEXT, speak, speech_clip

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
VIDEO = "[data-testid=player] hls-video, [data-testid=player] video"
MEDIA = f"document.querySelector('{VIDEO}')"
LESSON = "Why keys rotate"


@dataclass
class Site:
    server: Server
    teacher: dict[str, str]
    video_id: str
    course_id: str
    lesson_id: str
    cues: list[dict[str, Any]]  # the automatic track, as made


def wait_for_captions(client: httpx.Client, video_id: str, timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = client.get(f"/api/videos/{video_id}/transcription").json()
        if state["state"] not in ("none", "queued", "running"):
            return state
        assert time.monotonic() < deadline, f"automatic captions still {state}"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    if not (Path(__file__).resolve().parents[2] / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make test` (it builds the web app first)")
    work = tmp_path_factory.mktemp("transcripts-e2e")
    # tests/processes.py turns automatic captions off for every other server; on here.
    server = Server(
        work / "data", workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET,
        COURSEVAULT_CAPTIONS_AUTO="true", COURSEVAULT_CAPTIONS_THREADS="2",
    )  # fmt: skip
    try:
        sign_up(server.url, "teacher@example.com", "instructor")
        sign_up(server.url, "student@example.com")
        clip = speech_clip(speak(LESSON_TEXT, work / "s.wav"), work / "s.mp4").read_bytes()
        video_id = upload_until_ready(server.url, "teacher@example.com", PASSWORD, clip)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            teacher = login(client, "teacher@example.com")
            client.headers.update(teacher)
            course = client.post("/api/courses", json={"title": "Secure video"}).json()
            section = client.post(
                f"/api/courses/{course['id']}/sections", json={"title": "Keys"}
            ).json()["id"]
            lesson = client.post(
                f"/api/courses/{course['id']}/sections/{section}/lessons",
                json={"title": LESSON, "kind": "video", "video_id": video_id},
            ).json()["id"]
            assert client.post(f"/api/courses/{course['id']}/publish").status_code == 200
            done = wait_for_captions(client, video_id)
            assert done["state"] == "done" and done["cue_count"] >= 2, done
            track = client.get(f"/api/videos/{video_id}/captions/en").json()
            assert track["automatic"] is True, track
        yield Site(server, teacher, video_id, course["id"], lesson, track["cues"])
    finally:
        server.stop()


def playing(page: Page) -> None:
    """Waits until the lesson's video plays (muted, so autoplay may start it)."""
    page.wait_for_function(
        f"() => {{ const v = {MEDIA};"
        " if (v && v.paused && v.readyState >= 1) { v.muted = true; v.play().catch(() => {}); }"
        " return !!v && v.readyState >= 1; }",
        timeout=30_000,
        polling=250,
    )


def test_automatic_captions_play_get_approved_and_edited_and_search_opens_the_second(
    site: Site, browser: Browser
) -> None:
    # A long word of a later cue (not the first, which the instructor edits), searched at the end.
    found = [
        (cue, words)
        for cue in site.cues[1:]
        if cue["start"] > 1 and (words := re.findall(r"[A-Za-z]{6,}", cue["text"]))
    ]
    assert found, site.cues
    cue, spoken = found[-1]

    # A student plays the lesson with its automatic English captions.
    student = new_context(browser, site.server).new_page()
    sign_in(student, "student@example.com")
    student.goto(f"/courses/{site.course_id}")
    student.get_by_role("button", name="Enroll for free").click()
    student.get_by_role("link", name=LESSON).first.click()
    playing(student)
    choose_in_player(student, "Captions", "English (automatic)")
    student.wait_for_function(
        f"() => Array.from({MEDIA}.textTracks).some(t => t.mode === 'showing'"
        " && t.language === 'en' && t.cues && t.cues.length > 0)",
        timeout=20_000,
    )
    transcript = student.locator("details.transcript")
    expect(transcript).to_contain_text("Transcript (English (automatic))")
    expect(transcript).to_contain_text(spoken[0])
    shot(student, "transcripts-student-captions")

    # The instructor sees them in the studio and opens the caption editor.
    teacher = new_context(browser, site.server).new_page()
    sign_in(teacher, "teacher@example.com")
    teacher.goto(f"/studio/courses/{site.course_id}?tab=videos")
    status = teacher.get_by_test_id("auto-captions")
    expect(status).to_contain_text(
        re.compile(rf"Automatic captions: done — {len(site.cues)} cues, automatic")
    )
    expect(status.get_by_role("button", name=re.compile("^Generate again"))).to_be_visible()
    teacher.get_by_text(re.compile(r"^Captions \(1\)")).click()
    expect(teacher.get_by_test_id("caption-track")).to_have_attribute("data-automatic", "true")
    shot(teacher, "transcripts-studio")
    teacher.get_by_role(
        "link", name=re.compile("^Edit the English \\(automatic\\) captions")
    ).click()
    expect(teacher.get_by_test_id("cue")).to_have_count(len(site.cues))
    expect(teacher.get_by_test_id("track-state")).to_have_text("automatic")
    teacher.wait_for_function(f"() => !!{MEDIA}", timeout=30_000)  # the preview beside the cues
    assert_accessible(teacher, "caption editor")
    teacher.get_by_role("button", name=re.compile(r"Play from here \(cue 2\)")).click()
    teacher.wait_for_function(
        f"() => Math.abs({MEDIA}.currentTime - {site.cues[1]['start']}) < 1.5", timeout=10_000
    )

    teacher.get_by_role("button", name="Approve").click()
    expect(teacher.get_by_test_id("track-state")).to_have_text("approved")

    # A refused time is shown on its cue; the fixed cue saves.
    first = teacher.get_by_test_id("cue").first
    first.get_by_label("End of cue 1").fill("0:00.0")
    teacher.get_by_role("button", name="Save cues").click()
    expect(first.locator(".error-text")).to_contain_text("ends before it starts")
    expect(teacher.get_by_role("alert").first).to_contain_text("cue 1")
    shot(teacher, "transcripts-editor-refused")
    end = site.cues[0]["end"]
    first.get_by_label("End of cue 1").fill(f"{int(end // 60)}:{end % 60:05.2f}")
    edited = site.cues[0]["text"].replace("\n", " ") + " Checked."
    first.get_by_label("Text of cue 1").fill(edited)
    teacher.get_by_role("button", name="Save cues").click()
    expect(teacher.get_by_text("Saved. The track is yours now")).to_be_visible()
    expect(teacher.get_by_text("Unsaved changes")).to_have_count(0)
    shot(teacher, "transcripts-editor-saved")
    track = httpx.get(
        f"{site.server.url}/api/videos/{site.video_id}/captions/en", headers=site.teacher
    ).json()
    assert track["automatic"] is False and track["label"] == "English", track
    assert track["cues"][0]["text"] == edited

    # A student searches a spoken word; the hit opens the lesson at its cue.
    student.goto(f"/courses/{site.course_id}")
    search = student.get_by_role("search")
    search.get_by_label("Words spoken in the lessons").fill(spoken[0].lower())
    search.get_by_role("button", name="Search").click()
    hit = student.get_by_test_id("search-hits").get_by_role("link").first
    expect(hit.locator("mark").first).to_have_text(re.compile(spoken[0], re.I))
    assert_accessible(student, "caption search results")
    shot(student, "transcripts-search")
    href = hit.get_attribute("href") or ""
    at = float(re.search(r"[?&]t=([0-9.]+)", href).group(1))  # type: ignore[union-attr]
    assert abs(at - cue["start"]) < 0.05, (href, cue)
    hit.click()
    expect(student).to_have_url(re.compile(rf"/learn/{site.course_id}/{site.lesson_id}\?t="))
    playing(student)
    student.wait_for_function(f"() => {MEDIA}.currentTime >= {at - 0.3}", timeout=20_000)
    now = float(student.evaluate(f"{MEDIA}.currentTime"))
    assert at - 0.3 <= now <= at + 2.5, (now, at)
    shot(student, "transcripts-search-opened")

    # From the lesson page's own search, a hit in the lesson that plays moves its video.
    student.evaluate(f"() => {{ const v = {MEDIA}; v.pause(); v.currentTime = 0; }}")
    student.wait_for_function(f"() => {MEDIA}.currentTime < 0.1 && {MEDIA}.paused")
    aside = student.get_by_role("search")
    aside.get_by_label("Words spoken in the lessons").fill(spoken[0].lower())
    aside.get_by_role("button", name="Search").click()
    student.get_by_test_id("search-hits").get_by_role("link").first.click()
    student.wait_for_function(f"() => {MEDIA}.currentTime >= {at - 0.3}", timeout=10_000)
    assert float(student.evaluate(f"{MEDIA}.currentTime")) <= at + 2.5
