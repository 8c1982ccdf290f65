"""Assessments in the browser (Q1-Q4): the instructor writes a quiz lesson and a checkpoint
in the studio; the student's player stops at the checkpoint (the key server refuses the
periods after it), the student fails once, passes and watches on, passes the quiz and
gets a certificate that shows the score; axe finds nothing serious on the quiz page or
the checkpoint overlay."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from tests.a11y import assert_accessible
from tests.browser import CHROMIUM, login, new_context, shot, sign_in
from tests.conftest import TEST_SECRET
from tests.media_helpers import make_clip
from tests.processes import Server, sign_up, upload_until_ready

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
SECONDS = 20
CHECKPOINT = 7  # in the second 6 s key period: from 12 s on, keys wait for a pass
VIDEO = "[data-testid=player] hls-video, [data-testid=player] video"


@dataclass
class Site:
    server: Server
    course_id: str
    title: str
    bearer: dict[str, str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    work = tmp_path_factory.mktemp("quiz-e2e")
    server = Server(
        work / "data", workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET,
        COURSEVAULT_KEY_ROTATION_SEGMENTS="1", COURSEVAULT_PLAYBACK_HEARTBEAT_SECONDS="2",
    )  # fmt: skip
    try:
        sign_up(server.url, "teacher@example.com", "instructor")
        sign_up(server.url, "student@example.com")
        clip = make_clip(work / "c.mp4", size="640x360", seconds=SECONDS, rate=15).read_bytes()
        video_id = upload_until_ready(server.url, "teacher@example.com", PASSWORD, clip)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            bearer = login(client, "teacher@example.com")
            title = f"Assessed course {secrets.token_hex(3)}"
            course = client.post("/api/courses", json={"title": title}, headers=bearer).json()
            section = client.post(
                f"/api/courses/{course['id']}/sections", json={"title": "One"}, headers=bearer
            ).json()
            made = client.post(
                f"/api/courses/{course['id']}/sections/{section['id']}/lessons",
                json={"title": "Watch this", "kind": "video", "video_id": video_id},
                headers=bearer,
            )
            assert made.status_code == 201, made.text
        yield Site(server=server, course_id=course["id"], title=title, bearer=bearer)
    finally:
        server.stop()


def write_true_false(editor: Locator, stem: str) -> None:
    """Adds one true/false question (true) in a quiz editor and saves it."""
    editor.get_by_label("New question type").select_option("true_false")
    editor.get_by_role("button", name="Add question").click()
    editor.get_by_label("Question text").last.fill(stem)
    editor.get_by_role("group", name=re.compile("The statement of question 1 is")).get_by_label(
        "True", exact=True
    ).check()
    editor.get_by_role("button", name="Save questions").click()
    expect(editor.get_by_text("Unsaved changes")).to_have_count(0)


def author(page: Page, site: Site) -> None:
    """The instructor adds a quiz lesson and a checkpoint through the studio."""
    sign_in(page, "teacher@example.com")
    page.goto(f"/studio/courses/{site.course_id}?tab=lessons")
    page.get_by_label("Lesson title").fill("Final quiz")
    page.get_by_label("Kind").select_option("quiz")
    page.get_by_role("button", name="Add lesson").click()
    page.get_by_text("Questions and settings of Final quiz").click()
    quiz = page.get_by_test_id("quiz-editor").filter(has_text="Questions of Final quiz")
    write_true_false(quiz, "HLS splits a video into segments.")

    page.get_by_text(re.compile(r"^Checkpoints \(0\)")).click()
    page.get_by_label("New checkpoint time in Watch this").fill(f"0:{CHECKPOINT:02d}")
    page.get_by_label("Checkpoint title").fill("Midway check")
    page.get_by_role("button", name="Add checkpoint").click()
    page.get_by_role(
        "button", name=f"Edit questions of the checkpoint at 0:{CHECKPOINT:02d}"
    ).click()
    checkpoint = page.get_by_test_id("quiz-editor").filter(has_text="Questions of the checkpoint")
    write_true_false(checkpoint, "A key period lasts 6 seconds here.")
    shot(page, "quiz-studio")
    published = httpx.post(
        f"{site.server.url}/api/courses/{site.course_id}/publish", headers=site.bearer
    )
    assert published.status_code == 200, published.text


def answer_and_submit(scope: Page | Locator, page: Page, truth: str) -> None:
    scope.get_by_label(truth, exact=True).check()
    expect(scope.get_by_test_id("save-state").first).to_have_text("Saved")
    page.once("dialog", lambda dialog: dialog.accept())
    scope.get_by_role("button", name="Submit answers").click()


def current_time(page: Page) -> float:
    return float(page.eval_on_selector(VIDEO, "v => v.currentTime"))


def test_Q1_Q3_Q4_a_student_fails_passes_watches_on_and_gets_a_scored_certificate(
    site: Site, browser: Browser
) -> None:
    author(new_context(browser, site.server).new_page(), site)

    context = new_context(browser, site.server)
    refused: list[str] = []

    def record(response: Response) -> None:
        if "/key/" in response.url and response.status == 403:
            refused.append(response.url)

    context.on("response", record)
    page = context.new_page()
    sign_in(page, "student@example.com")
    page.goto(f"/courses/{site.course_id}")
    page.get_by_role("button", name="Enroll for free").click()
    page.get_by_role("link", name="Watch this").first.click()
    page.wait_for_function(
        f"() => {{ const v = document.querySelector('{VIDEO}');"
        " if (v && v.paused && v.currentTime < 1) { v.muted = true; v.play().catch(() => {}); }"
        " return !!v && v.currentTime > 0.5; }",
        polling=250,
    )
    overlay = page.get_by_test_id("checkpoint-overlay")
    expect(overlay).to_be_visible(timeout=40_000)
    assert refused, "the key server refused the periods after the checkpoint"
    assert page.eval_on_selector(VIDEO, "v => v.paused")
    assert CHECKPOINT - 1 <= current_time(page) <= CHECKPOINT + 0.5
    assert_accessible(page, "checkpoint overlay")
    shot(page, "quiz-checkpoint")

    start = overlay.get_by_role("button", name=re.compile("^(Start quiz|Resume quiz)$"))
    if start.count():
        start.click()
    answer_and_submit(overlay, page, "False")
    expect(overlay.get_by_test_id("quiz-result")).to_have_attribute("data-passed", "false")
    overlay.get_by_role("button", name="Try again").click()
    answer_and_submit(overlay, page, "True")
    expect(overlay).to_have_count(0, timeout=20_000)
    page.wait_for_function(
        f"() => document.querySelector('{VIDEO}').currentTime > 14", timeout=40_000, polling=250
    )  # past the refused period: its key was served after the pass
    page.wait_for_function(
        f"() => document.querySelector('{VIDEO}').ended", timeout=60_000, polling=250
    )
    # The server completes the lesson on its own evidence (L1): the heartbeats, the last
    # of which follows the end; wait for it rather than for a fixed time.
    deadline = time.monotonic() + 30
    while not page.request.get(f"/api/courses/{site.course_id}/progress").json()["completed"]:
        assert time.monotonic() < deadline, "the watched video was not completed"
        page.wait_for_timeout(500)

    page.get_by_role("link", name="Final quiz").first.click()
    page.get_by_role("button", name="Start quiz").click()
    expect(page.get_by_role("group", name=re.compile("^Question 1"))).to_be_visible()
    assert_accessible(page, "quiz page")
    answer_and_submit(page, page, "True")
    expect(page.get_by_test_id("quiz-result")).to_have_attribute("data-passed", "true")
    shot(page, "quiz-result")

    page.goto("/my")
    page.get_by_role("button", name=f"Get your certificate for {site.title}").click()
    expect(page.get_by_test_id("certificate-score")).to_have_text("Score: 100%")
    shot(page, "quiz-certificate")
