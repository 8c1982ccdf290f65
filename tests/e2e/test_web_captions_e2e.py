"""The lesson page with captions, in Chromium: the page breaks none of its own Content
Security Policy while a lesson plays with captions on. hls.js gave each subtitle track a
`data:` source, which the policy's `media-src` refuses (a violation report per track)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.browser import CHROMIUM, choose_in_player, new_context
from tests.conftest import TEST_SECRET
from tests.e2e.test_web_e2e import PASSWORD
from tests.media_helpers import make_clip
from tests.processes import Server, sign_up, upload_until_ready

pytestmark = pytest.mark.slow

MEDIA = "document.querySelector('[data-testid=player] hls-video, [data-testid=player] video')"
SRT = "1\n00:00:00,000 --> 00:00:03,000\nHello there\n\n2\n00:00:03,000 --> 00:00:06,000\nBye\n"
# Every violation the page reports, gathered from before its first script runs.
COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""


@dataclass
class Site:
    server: Server
    lesson_url: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    if not (Path(__file__).resolve().parents[2] / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make test` (it builds the web app first)")
    work = tmp_path_factory.mktemp("captions-e2e")
    server = Server(work / "data", workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET)
    try:
        sign_up(server.url, "teacher@example.com", "instructor")
        sign_up(server.url, "student@example.com")
        clip = make_clip(work / "c.mp4", size="320x240", seconds=6).read_bytes()
        video = upload_until_ready(server.url, "teacher@example.com", PASSWORD, clip)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            token = client.post(
                "/api/auth/login", json={"email": "teacher@example.com", "password": PASSWORD}
            ).json()["access_token"]
            client.cookies.clear()
            client.headers["Authorization"] = f"Bearer {token}"
            for language, label in (("en", "English"), ("de", "Deutsch")):
                added = client.put(
                    f"/api/videos/{video}/captions/{language}",
                    params={"label": label},
                    content=SRT.encode(),
                )
                assert added.status_code == 200, added.text
            course = client.post("/api/courses", json={"title": "Captions"}).json()
            section = client.post(
                f"/api/courses/{course['id']}/sections", json={"title": "One"}
            ).json()["id"]
            lesson = client.post(
                f"/api/courses/{course['id']}/sections/{section}/lessons",
                json={"title": "With captions", "kind": "video", "video_id": video},
            ).json()["id"]
            assert client.post(f"/api/courses/{course['id']}/publish").status_code == 200
        yield Site(server, f"/learn/{course['id']}/{lesson}")
    finally:
        server.stop()


def test_the_lesson_page_plays_with_captions_and_breaks_none_of_its_own_csp(
    browser: Browser, site: Site
) -> None:
    context = new_context(browser, site.server)
    signed = context.request.post(
        "/api/auth/login", data={"email": "student@example.com", "password": PASSWORD}
    )
    assert signed.ok
    csrf = next(c["value"] for c in context.cookies() if c["name"] == "cv_csrf")
    course_id = site.lesson_url.split("/")[2]
    enrolled = context.request.post(
        f"/api/courses/{course_id}/enroll",
        headers={"X-CSRF-Token": csrf, "Origin": site.server.url},
    )
    assert enrolled.ok, enrolled.text()
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if is_error(m) else None)

    page.goto(site.lesson_url)
    expect(page.get_by_role("heading", name="With captions")).to_be_visible()
    page.wait_for_function(
        f"() => {{ const v = {MEDIA};"
        " if (v && v.paused) { v.muted = true; v.play().catch(() => {}); }"
        " return !!v && v.currentTime > 0.5; }",
        timeout=60_000,
        polling=250,
    )
    choose_in_player(page, "Captions", "English")
    page.wait_for_function(
        f"() => Array.from({MEDIA}.textTracks).some(t => t.mode === 'showing'"
        " && t.language === 'en' && t.cues && t.cues.length === 2)",
        timeout=20_000,
    )
    showing = f"Array.from({MEDIA}.textTracks).find(t => t.mode === 'showing')"
    cues = page.evaluate(f"Array.from({showing}.cues).map(c => [c.startTime, c.text])")
    assert [text for _, text in cues] == ["Hello there", "Bye"]
    assert abs(cues[1][0] - 3.0) < 0.25, cues  # on the video's timeline (X-TIMESTAMP-MAP)
    choose_in_player(page, "Captions", "Deutsch")  # a second track, loaded the same way
    page.wait_for_function(
        f"() => Array.from({MEDIA}.textTracks).some(t => t.mode === 'showing'"
        " && t.language === 'de' && t.cues && t.cues.length === 2)",
        timeout=20_000,
    )
    page.wait_for_function(f"() => {MEDIA}.currentTime > 2", timeout=20_000)
    assert page.evaluate("window.__violations") == []
    assert [e for e in errors if re.search("Content.Security.Policy", e, re.I)] == []


def is_error(message: ConsoleMessage) -> bool:
    return message.type == "error"
