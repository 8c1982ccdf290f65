"""Drip release in the browser: a student sees when a held-back lesson opens and cannot
open it; the instructor unlocks every lesson for that student from the studio."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, expect

from tests.a11y import assert_accessible
from tests.browser import CHROMIUM, new_context, shot
from tests.conftest import TEST_SECRET
from tests.e2e.test_web_e2e import PASSWORD, sign_up
from tests.processes import Server, create_account
from tests.processes import sign_up as register

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    data_dir = tmp_path_factory.mktemp("drip") / "data"
    create_account(data_dir, "boss@example.com", "admin")  # only an operator makes admins
    running = Server(data_dir, workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET)
    register(running.url, "teach@example.com", "instructor")
    yield running
    running.stop()


def seeded_course(server: Server, title: str) -> tuple[str, dict[str, str]]:
    """A free published course: an open text lesson, then one that opens 3 days later."""
    login = httpx.post(
        f"{server.url}/api/auth/login", json={"email": "teach@example.com", "password": PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    api = httpx.Client(base_url=server.url, headers=bearer)
    course = api.post("/api/courses", json={"title": title, "price": {"amount": 0}}).json()
    section = api.post(f"/api/courses/{course['id']}/sections", json={"title": "Week 1"}).json()
    lessons = f"/api/courses/{course['id']}/sections/{section['id']}/lessons"
    api.post(lessons, json={"title": "Start here", "kind": "text", "body": "Hello."})
    held = api.post(
        lessons,
        json={"title": "Day three", "kind": "text", "body": "Later.", "release": {"after_days": 3}},
    )
    assert held.status_code == 201, held.text
    assert api.post(f"/api/courses/{course['id']}/publish").status_code == 200
    return str(course["id"]), bearer


def test_a_held_back_lesson_shows_when_it_opens_until_the_instructor_unlocks_it(
    server: Server, browser: Browser
) -> None:
    title = f"Drip course {secrets.token_hex(3)}"
    course_id, _ = seeded_course(server, title)
    visitor = new_context(browser, server).new_page()
    visitor.goto(f"/courses/{course_id}")
    expect(visitor.get_by_test_id("release")).to_have_text("opens 3 days after you enroll")

    email = f"drip-{secrets.token_hex(3)}@example.com"
    page = new_context(browser, server).new_page()
    sign_up(page, "Dina Drip", email, teach=False)
    page.goto(f"/courses/{course_id}")
    page.get_by_role("button", name="Enroll for free").click()
    release = page.get_by_test_id("release")
    expect(release).to_contain_text("opens")
    expect(page.get_by_role("link", name="Day three")).to_have_count(0)
    expect(page.get_by_role("link", name="Start here")).to_be_visible()
    shot(page, "drip-outline")
    page.get_by_role("link", name="Start here").click()
    lessons = page.get_by_role("navigation", name="Lessons")
    expect(lessons.get_by_text(re.compile("^opens "))).to_be_visible()  # the sidebar says when
    expect(lessons.get_by_role("link", name="Day three")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Next:"))).to_have_count(0)
    page.goto(f"/courses/{course_id}")

    teacher = new_context(browser, server).new_page()
    teacher.goto("/signin")
    teacher.get_by_label("Email").fill("teach@example.com")
    teacher.get_by_label("Password").fill(PASSWORD)
    teacher.get_by_role("button", name="Sign in").click()
    expect(teacher.get_by_role("button", name="Sign out")).to_be_visible()
    teacher.goto(f"/studio/courses/{course_id}?tab=stats")
    teacher.get_by_role("button", name=f"Unlock all lessons for {email}").click()
    expect(teacher.get_by_text(f"Every lesson is open for {email} now.")).to_be_visible()

    page.reload()
    page.get_by_role("link", name="Day three").click()
    expect(page.get_by_text("Later.")).to_be_visible()

    # Both lessons done: My learning offers the certificate, its PDF and its public page.
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Lesson completed.")).to_be_visible()
    page.goto(f"/courses/{course_id}")
    page.get_by_role("link", name="Start here").click()
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("Lesson completed.")).to_be_visible()
    page.goto("/my")
    page.get_by_role("button", name=f"Get your certificate for {title}").click()
    pdf_link = page.get_by_role("link", name="Download the certificate (PDF)")
    expect(pdf_link).to_be_visible()
    shot(page, "certificate-links")
    assert_accessible(page, "My learning")
    with page.expect_download() as download:
        pdf_link.click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    page.get_by_role("link", name="Public verification page").click()
    expect(page.get_by_text("Verified by CourseVault")).to_be_visible()
    expect(page.get_by_role("heading", name="Dina Drip")).to_be_visible()
    shot(page, "certificate-verified")
    assert_accessible(page, "the certificate's public page")


def test_the_admin_and_account_pages_pass_axe(server: Server, browser: Browser) -> None:
    page = new_context(browser, server).new_page()
    for path, where in (
        ("/signin", "sign-in"),
        ("/signup", "sign-up"),
        ("/forgot-password", "forgot password"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, where)
    page.goto("/signin")
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/admin")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("boss@example.com").first).to_be_visible()
    # Tracing a leaked copy: the form sends the file; an unknown video is refused plainly.
    expect(page.get_by_role("heading", name="Trace a leaked copy")).to_be_visible()
    page.get_by_label("Video id").fill("0" * 24)
    copy: FilePayload = {"name": "copy.mp4", "mimeType": "video/mp4", "buffer": b"not a video"}
    page.get_by_label("Suspected copy").set_input_files(files=[copy])
    page.get_by_role("button", name="Trace").click()
    expect(page.get_by_text("No such video.")).to_be_visible()
    shot(page, "admin")
    assert_accessible(page, "the admin page")
