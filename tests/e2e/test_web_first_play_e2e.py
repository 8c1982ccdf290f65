"""First play in the real web app (Chromium + hls.js, a real server): a new upload plays
its early rendition while the ladder is still encoded, and the same player session then
gets the full ladder, with rotating session-bound keys all along (issue #26)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Response

from tests.browser import CHROMIUM, login, new_context, shot
from tests.conftest import TEST_SECRET
from tests.media_helpers import make_clip
from tests.processes import Server, sign_up

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
VIDEO = "[data-testid=player] hls-video, [data-testid=player] video"


@dataclass
class Site:
    server: Server
    teacher: dict[str, str]
    video_id: str
    course_id: str
    lesson_id: str


def video_state(server: Server, teacher: dict[str, str], video_id: str) -> dict[str, object]:
    answer = httpx.get(f"{server.url}/api/videos/{video_id}", headers=teacher)
    state: dict[str, object] = answer.json()
    return state


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    work = tmp_path_factory.mktemp("first-play-e2e")
    # x264 `veryslow` on a small clip: a ladder that takes about as long as a real upload's
    # takes relative to its first segments, in seconds.
    server = Server(
        work / "data", workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET,
        COURSEVAULT_KEY_ROTATION_SEGMENTS="1", COURSEVAULT_FIRST_PLAY_MIN_SECONDS="0",
        COURSEVAULT_X264_PRESET="veryslow",
    )  # fmt: skip
    try:
        sign_up(server.url, "teacher@example.com", "instructor")
        sign_up(server.url, "student@example.com")
        clip = make_clip(work / "c.mp4", size="640x360", seconds=24, rate=25).read_bytes()
        with httpx.Client(base_url=server.url, timeout=60) as client:
            teacher = login(client, "teacher@example.com")
            tus = {**teacher, "Tus-Resumable": "1.0.0"}
            video = client.post("/api/videos", json={"title": "Early"}, headers=teacher).json()
            location = client.post(
                video["upload_url"], headers={**tus, "Upload-Length": str(len(clip))}
            ).headers["Location"]
            patched = client.patch(
                location,
                content=clip,
                headers={
                    **tus,
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                },
            )
            assert patched.status_code == 204, patched.text
            deadline = time.monotonic() + 60
            while not (state := video_state(server, teacher, video["id"]))["playable"]:
                assert time.monotonic() < deadline and state["status"] != "failed", state
                time.sleep(0.2)
            assert state["status"] == "processing", "ready before it was playable"
            course = client.post(
                "/api/courses",
                json={"title": "First play", "price": {"amount": 0, "currency": "usd"}},
                headers=teacher,
            ).json()
            section = client.post(
                f"/api/courses/{course['id']}/sections", json={"title": "One"}, headers=teacher
            ).json()["id"]
            lesson = client.post(
                f"/api/courses/{course['id']}/sections/{section}/lessons",
                json={"title": "Early", "kind": "video", "video_id": video["id"]},
                headers=teacher,
            ).json()["id"]
            published = client.post(f"/api/courses/{course['id']}/publish", headers=teacher)
            assert published.is_success, published.text  # a playable video may be published
            student = login(client, "student@example.com")
            enrolled = client.post(f"/api/courses/{course['id']}/enroll", headers=student)
            assert enrolled.is_success, enrolled.text
        yield Site(server, teacher, video["id"], course["id"], lesson)
    finally:
        server.stop()


def play_until(page: object, seconds: float, timeout: float = 60_000) -> None:
    page.wait_for_function(  # type: ignore[attr-defined]
        f"() => {{ const v = document.querySelector('{VIDEO}');"
        " if (v && v.paused) { v.muted = true; v.play().catch(() => {}); }"
        f" return !!v && v.currentTime > {seconds}; }}",
        timeout=timeout,
        polling=250,
    )


def test_the_early_rendition_plays_then_the_full_ladder_in_the_same_session(
    browser: Browser, site: Site
) -> None:
    context = new_context(browser, site.server)
    assert context.request.post(
        "/api/auth/login", data={"email": "student@example.com", "password": PASSWORD}
    ).ok
    answers: list[str] = []

    def record(response: Response) -> None:
        if "/hls/" in response.url or response.url.endswith("/playback"):
            answers.append(f"{response.status} {response.url}")

    context.on("response", record)
    page = context.new_page()
    page.goto(f"/learn/{site.course_id}/{site.lesson_id}")
    play_until(page, 2)
    levels = page.evaluate(f"document.querySelector('{VIDEO}').api.levels.map(l => l.height)")
    assert levels == [360]  # the early rendition alone
    assert video_state(site.server, site.teacher, site.video_id)["status"] == "processing"
    shot(page, "first-play-early")

    # Paused while the ladder is finished: on a loaded machine the 24 s clip could otherwise
    # play to its end first, and an ended video has nowhere to resume from.
    page.evaluate(f"document.querySelector('{VIDEO}').pause()")
    deadline = time.monotonic() + 120
    while video_state(site.server, site.teacher, site.video_id)["status"] != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    page.evaluate(f"document.querySelector('{VIDEO}').play().catch(() => {{}})")
    # The player notices that the early playlist ended and loads the master again, from
    # where it is: the full ladder, in the same session, and it plays on.
    before = page.evaluate(f"document.querySelector('{VIDEO}').currentTime")
    page.wait_for_function(
        f"() => {{ const v = document.querySelector('{VIDEO}');"
        " return v.api.levels.length === 2 && v.currentTime > 0.5; }",
        timeout=30_000,
    )
    resumed_at = page.evaluate(f"document.querySelector('{VIDEO}').currentTime")
    assert resumed_at >= before - 1  # from where it was, not from the start
    play_until(page, resumed_at + 2)
    heights = page.evaluate(f"document.querySelector('{VIDEO}').api.levels.map(l => l.height)")
    assert sorted(heights) == [240, 360]
    starts = [a for a in answers if a.endswith("/playback")]
    assert len(starts) == 1, starts  # one playback session throughout
    refused = [a for a in answers if not a.startswith(("200 ", "201 ", "206 "))]
    assert not refused, refused
    assert any("/key/" in a for a in answers)
    shot(page, "first-play-full-ladder")
    context.close()
