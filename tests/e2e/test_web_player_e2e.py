"""The player's own control bar in Chromium against a real server (issue #28): the video has
no native controls; the bar is driven by keyboard and pointer, hides while playing and comes
back, remembers volume, speed and captions, lets the transcript follow the captions chosen
(or the browser's language), and offers the next lesson when the video ends. One small clip
with English and German captions serves every test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.a11y import assert_accessible
from tests.browser import app_server, login, new_context, shot
from tests.conftest import TEST_SECRET
from tests.media_helpers import make_clip
from tests.processes import Server, sign_up, upload_until_ready

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
MEDIA = "document.querySelector('[data-testid=player] hls-video, [data-testid=player] video')"
CAPTIONS = {
    "de": ("Deutsch", "Hallo zusammen", "Bis bald"),
    "en": ("English", "Hello there", "See you soon"),
}


def srt(first: str, second: str) -> str:
    return (
        f"1\n00:00:00,000 --> 00:00:05,000\n{first}\n\n2\n00:00:05,000 --> 00:00:12,000\n{second}\n"
    )


@dataclass
class Site:
    server: Server
    course_id: str
    lesson_url: str
    next_url: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from app_server(
        tmp_path_factory,
        "player-e2e",
        teacher="teacher@example.com",
        COURSEVAULT_SECRET_KEY=TEST_SECRET,
    )


@pytest.fixture(scope="module")
def site(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Site:
    sign_up(server.url, "student@example.com")
    work = tmp_path_factory.mktemp("player-clip")
    clip = make_clip(work / "c.mp4", size="320x240", seconds=12).read_bytes()
    video = upload_until_ready(server.url, "teacher@example.com", PASSWORD, clip)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        client.headers.update(login(client, "teacher@example.com"))
        for language, (label, first, second) in CAPTIONS.items():
            added = client.put(
                f"/api/videos/{video}/captions/{language}",
                params={"label": label},
                content=srt(first, second).encode(),
            )
            assert added.status_code == 200, added.text
        course = client.post("/api/courses", json={"title": "Player"}).json()
        section = client.post(
            f"/api/courses/{course['id']}/sections", json={"title": "One"}
        ).json()["id"]
        lessons = f"/api/courses/{course['id']}/sections/{section}/lessons"
        lesson = client.post(
            lessons, json={"title": "Watch me", "kind": "video", "video_id": video}
        ).json()["id"]
        after = client.post(
            lessons, json={"title": "Read me next", "kind": "text", "body": "The end."}
        ).json()["id"]
        assert client.post(f"/api/courses/{course['id']}/publish").status_code == 200
        student = login(client, "student@example.com")
        enrolled = client.post(f"/api/courses/{course['id']}/enroll", headers=student)
        assert enrolled.is_success, enrolled.text
    base = f"/learn/{course['id']}"
    return Site(server, course["id"], f"{base}/{lesson}", f"{base}/{after}")


def student_page(browser: Browser, site: Site, **options: object) -> tuple[BrowserContext, Page]:
    context = (
        browser.new_context(base_url=site.server.url, **options)  # type: ignore[arg-type]
        if options
        else new_context(browser, site.server)
    )
    context.set_default_timeout(20_000)
    assert context.request.post(
        "/api/auth/login", data={"email": "student@example.com", "password": PASSWORD}
    ).ok
    return context, context.new_page()


def open_lesson(page: Page, site: Site) -> None:
    """Opens the video lesson and waits for its video at 0 s (once the quality levels are
    listed the player has jumped to the resume point, which another test may have moved)."""
    page.goto(site.lesson_url)
    expect(page.get_by_role("heading", name="Watch me")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Quality: "))).to_be_visible()
    page.evaluate(f"{MEDIA}.currentTime = 0")
    page.wait_for_function(
        f"() => {{ const v = {MEDIA}; return v.readyState >= 2 && v.currentTime < 0.5 && !v.seeking; }}"
    )


def media(page: Page, expression: str) -> object:
    return page.evaluate(f"{MEDIA}.{expression}")


def focused_label(page: Page) -> str | None:
    label: str | None = page.evaluate("document.activeElement?.getAttribute('aria-label')")
    return label


def test_the_bar_replaces_native_controls_and_works_by_keyboard(
    browser: Browser, site: Site
) -> None:
    context, page = student_page(browser, site)
    open_lesson(page, site)
    # No native controls, on the element or on the <video> inside it.
    assert page.evaluate(
        f"(() => {{ const v = {MEDIA}; const n = v.nativeEl ?? v;"
        " return !v.controls && !v.hasAttribute('controls') && !n.controls; })()"
    )
    # No forensic mark on this course: no picture-in-picture window without the watermark,
    # neither from the bar nor from the browser's own menu.
    expect(page.get_by_role("button", name="Picture-in-picture")).to_have_count(0)
    assert page.evaluate(
        f"(() => {{ const v = {MEDIA}; return (v.nativeEl ?? v).disablePictureInPicture; }})()"
    )
    # Without a caption choice the transcript is in the browser's language (en-US), not in
    # the first track's (German).
    transcript = page.locator("details.transcript")
    expect(transcript).to_contain_text("Transcript (English)")
    expect(transcript).to_contain_text("Hello there")

    # Tab from the player to its play button; Space plays and pauses.
    page.get_by_role("group", name=re.compile("^Video player")).focus()
    for _ in range(4):
        page.keyboard.press("Tab")
        if focused_label(page) == "Play":
            break
    assert focused_label(page) == "Play"
    page.keyboard.press("Space")
    page.wait_for_function(f"() => !{MEDIA}.paused && {MEDIA}.currentTime > 0.3")
    page.keyboard.press("Space")
    page.wait_for_function(f"() => {MEDIA}.paused")
    expect(page.get_by_role("button", name="Play")).to_be_focused()
    # The arrows seek 5 s, J goes back 10 s; M mutes; the down arrow lowers the volume.
    before = float(media(page, "currentTime"))  # type: ignore[arg-type]
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => Math.abs({MEDIA}.currentTime - {before + 5}) < 0.6")
    page.keyboard.press("j")
    page.wait_for_function(f"() => {MEDIA}.currentTime < {before + 0.6}")
    seek = page.get_by_role("slider", name="Seek")
    expect(seek).to_have_attribute("aria-valuetext", re.compile(r"^0:0\d of 0:1[12]$"))
    page.keyboard.press("m")
    assert media(page, "muted") is True
    expect(page.get_by_role("button", name="Unmute")).to_be_visible()
    page.keyboard.press("m")
    assert media(page, "muted") is False
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"() => Math.abs({MEDIA}.volume - 0.8) < 0.01")
    expect(page.get_by_role("slider", name="Volume")).to_have_attribute("aria-valuetext", "80%")

    # Speed from its menu: Enter opens it on the current speed, the arrows move, Enter picks.
    speed = page.get_by_role("button", name=re.compile("^Speed: "))
    speed.focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Speed")
    expect(menu.get_by_role("menuitemradio", name="1×")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitemradio", name="1.5×")).to_be_focused()
    shot(page, "player-menu-open")
    page.keyboard.press("Enter")
    expect(menu).to_be_hidden()
    expect(speed).to_be_focused()
    assert media(page, "playbackRate") == 1.5
    # > steps the speed up; Escape closes a menu without choosing.
    page.keyboard.press(">")
    expect(page.get_by_role("button", name="Speed: 1.75×")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Quality: ")).focus()
    page.keyboard.press("Enter")
    quality = page.get_by_role("menu", name="Quality")
    expect(
        quality.get_by_role("menuitemradio", name=re.compile(r"^Auto \(240p\)$"))
    ).to_be_visible()
    page.keyboard.press("Escape")
    expect(quality).to_be_hidden()

    # Captions from their menu: German, and the transcript follows.
    page.get_by_role("button", name="Captions: Off").focus()
    page.keyboard.press("Enter")
    captions = page.get_by_role("menu", name="Captions")
    expect(captions.get_by_role("menuitemradio", name="Off")).to_be_focused()
    german = captions.get_by_role("menuitemradio", name="Deutsch")
    for _ in range(3):
        if page.evaluate("document.activeElement.textContent") == "Deutsch":
            break
        page.keyboard.press("ArrowDown")
    expect(german).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Captions: Deutsch")).to_be_visible()
    expect(transcript).to_contain_text("Transcript (Deutsch)")
    expect(transcript).to_contain_text("Hallo zusammen")
    page.wait_for_function(
        f"() => Array.from({MEDIA}.textTracks).some(t => t.mode === 'showing' && t.language === 'de')"
    )

    # Volume, speed and captions are remembered for the next lesson (here: a reload).
    open_lesson(page, site)
    assert abs(float(media(page, "volume")) - 0.8) < 0.01  # type: ignore[arg-type]
    assert media(page, "playbackRate") == 1.75
    expect(page.get_by_role("button", name="Captions: Deutsch")).to_be_visible()
    expect(transcript).to_contain_text("Transcript (Deutsch)")
    context.close()


def test_the_bar_by_pointer_hides_while_playing_and_offers_the_next_lesson(
    browser: Browser, site: Site
) -> None:
    context, page = student_page(browser, site)
    open_lesson(page, site)
    bar = page.get_by_test_id("control-bar")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"() => !{MEDIA}.paused")
    # A click on the seek bar jumps there.
    seek = page.get_by_role("slider", name="Seek")
    box = seek.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    page.wait_for_function(f"() => Math.abs({MEDIA}.currentTime - {MEDIA}.duration / 2) < 1.5")
    shot(page, "player-control-bar")
    assert_accessible(page, "the lesson page with the player's control bar")

    # While playing, the bar goes after a few idle seconds and comes back on a mouse move.
    frame = page.get_by_role("group", name=re.compile("^Video player")).bounding_box()
    assert frame is not None
    page.mouse.move(frame["x"] + frame["width"] / 2, frame["y"] + 20)
    page.evaluate(f"{MEDIA}.currentTime = 1")
    expect(bar).to_have_attribute("data-shown", "false", timeout=8_000)
    page.mouse.move(frame["x"] + frame["width"] / 2 + 30, frame["y"] + 40)
    expect(bar).to_have_attribute("data-shown", "true")
    # A click on the picture pauses; the bar then stays.
    page.mouse.click(frame["x"] + frame["width"] / 2, frame["y"] + 40)
    page.wait_for_function(f"() => {MEDIA}.paused")

    # At the end: "Next lesson in 5 s"; Cancel stays on this lesson.
    page.evaluate(f"{MEDIA}.currentTime = {MEDIA}.duration - 1")
    page.get_by_role("button", name="Play").click()
    upnext = page.get_by_test_id("next-lesson")
    expect(upnext).to_contain_text(re.compile(r"Next lesson in [1-5] s"))
    expect(upnext).to_contain_text("Read me next")
    shot(page, "player-next-lesson")
    upnext.get_by_role("button", name="Cancel").click()
    expect(upnext).to_be_hidden()
    page.wait_for_timeout(5_500)  # longer than the countdown: nothing opens
    assert page.url.endswith(site.lesson_url)
    # Without Cancel, the next lesson opens when the count reaches 0.
    page.evaluate(f"{MEDIA}.currentTime = {MEDIA}.duration - 1")
    page.get_by_role("button", name="Play").click()
    expect(upnext).to_be_visible()
    expect(page.get_by_role("heading", name="Read me next")).to_be_visible(timeout=10_000)
    assert page.url.endswith(site.next_url)
    context.close()


def test_touch_controls_are_big_enough_and_a_double_tap_seeks(browser: Browser, site: Site) -> None:
    context, page = student_page(
        browser, site, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    open_lesson(page, site)
    # Every control shown is at least 44 × 44 px, on one row that fits the phone.
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('[data-testid=control-bar] button'))"
        ".filter(b => b.offsetParent !== null)"
        ".map(b => { const r = b.getBoundingClientRect(); return [b.getAttribute('aria-label'),"
        " Math.round(r.width), Math.round(r.height), Math.round(r.top)]; })"
    )
    assert len(sizes) >= 5 and all(w >= 44 and h >= 44 for _, w, h, _ in sizes), sizes
    assert len({top for *_, top in sizes}) == 1, sizes
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    surface = page.get_by_test_id("player-surface").bounding_box()
    assert surface is not None
    y = surface["y"] + surface["height"] / 3
    page.touchscreen.tap(surface["x"] + surface["width"] * 0.9, y)
    page.touchscreen.tap(surface["x"] + surface["width"] * 0.9, y)
    page.wait_for_function(f"() => {MEDIA}.currentTime >= 9.5")
    shot(page, "player-phone")
    context.close()
