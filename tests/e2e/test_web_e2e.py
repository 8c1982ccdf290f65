"""The whole journey in a real browser (system Chromium, headless) against the real app:
an instructor builds and publishes a course, a student buys it and the video really plays."""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

from tests.a11y import assert_accessible
from tests.browser import CHROMIUM, choose_in_player, new_context, shot
from tests.conftest import TEST_SECRET
from tests.media_helpers import make_clip
from tests.phone import PHONE, assert_fits_phone
from tests.processes import Server

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (make test does this)")
    if not (Path(__file__).resolve().parents[2] / "web" / "dist" / "index.html").exists():
        pytest.fail("web/dist is not built: run `make test` (it builds the web app first)")
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    running = Server(data_dir, workers=1, COURSEVAULT_SECRET_KEY=TEST_SECRET)
    yield running
    running.stop()


def sign_up(page: Page, name: str, email: str, *, teach: bool) -> None:
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("teach" if teach else "learn").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_instructor_publishes_student_buys_and_watches(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    tag = secrets.token_hex(3)
    clip = make_clip(tmp_path / "lesson-one.mp4", size="640x360", seconds=8)

    # The instructor: sign up, create a course, upload a clip through the page, publish.
    teacher = new_context(browser, server).new_page()
    sign_up(teacher, "Ada Teacher", f"ada-{tag}@example.com", teach=True)
    expect(teacher).to_have_url(re.compile(r"/studio$"))
    teacher.get_by_label("New course title").fill(f"Streaming Basics {tag}")
    teacher.get_by_role("button", name="Create course").click()
    expect(teacher.get_by_role("heading", name="Details")).to_be_visible()
    # The forensic watermark first: videos uploaded into the course get their variants.
    teacher.get_by_label(re.compile("^Forensic watermark")).check()
    with teacher.expect_response(lambda r: r.request.method == "PATCH" and r.ok):
        teacher.get_by_role("button", name="Save details").click()
    teacher.get_by_role("tab", name="Videos and captions").click()
    teacher.get_by_test_id("video-file").set_input_files(str(clip))
    expect(teacher.get_by_role("progressbar", name=re.compile("Uploading"))).to_be_visible()
    expect(teacher.locator('[data-testid="video-row"][data-status="ready"]')).to_be_visible(
        timeout=180_000
    )
    expect(teacher.get_by_test_id("video-row").get_by_text("forensic mark")).to_be_visible()
    # Captions for the video: a broken file is refused with its line, a good one is listed.
    teacher.get_by_text("Captions (0)").click()
    teacher.get_by_label(re.compile("^Language")).fill("en")
    teacher.get_by_label(re.compile("^Label")).fill("English")
    broken = tmp_path / "broken.srt"
    broken.write_text("1\n00:00:00,000 --> 00:00:xx,000\nHello\n")
    teacher.get_by_label(re.compile("^Caption file for")).set_input_files(str(broken))
    expect(teacher.get_by_text(re.compile("line 2: '00:00:xx,000' is not a time"))).to_be_visible()
    captions = tmp_path / "lesson-one.en.srt"
    captions.write_text(
        "1\n00:00:00,000 --> 00:00:04,000\nHello <b>there</b>\n\n"
        "2\n00:00:04,000 --> 00:00:08,000\nSecond line & more\n"
    )
    teacher.get_by_label(re.compile("^Language")).fill("en")
    teacher.get_by_label(re.compile("^Label")).fill("English")
    teacher.get_by_label(re.compile("^Caption file for")).set_input_files(str(captions))
    expect(teacher.get_by_text("(en, 2 cues)")).to_be_visible()
    teacher.get_by_role("tab", name="Lessons").click()
    teacher.get_by_placeholder("New section title").fill("Getting started")
    teacher.get_by_role("button", name="Add section").click()
    teacher.get_by_label("Lesson title").fill("Welcome video")
    teacher.get_by_label(re.compile(r"^Chapters \(optional")).fill(
        "0:00 Opening\n0:05 The <b>middle</b>"
    )
    teacher.get_by_role("button", name="Add lesson").click()
    expect(teacher.get_by_text("▶ Welcome video")).to_be_visible()
    expect(teacher.get_by_text("Chapters (2)")).to_be_visible()
    teacher.get_by_role("tab", name="Details").click()
    teacher.get_by_label("Price (0 = free)").fill("19.99")
    teacher.get_by_label(re.compile("^What you will learn")).fill("- Encode a ladder\n- Sell it")
    with teacher.expect_response(lambda r: r.request.method == "PATCH" and r.ok) as saved:
        teacher.get_by_role("button", name="Save details").click()
    assert saved.value.json()["outcomes"] == "- Encode a ladder\n- Sell it"
    expect(teacher.get_by_text("Price shown to students: $19.99")).to_be_visible()
    cover = tmp_path / "cover.png"
    Image.new("RGB", (1600, 900), (40, 120, 200)).save(cover)
    teacher.get_by_label(re.compile("^Cover image")).set_input_files(str(cover))
    expect(teacher.get_by_role("img", name=f"Cover of Streaming Basics {tag}")).to_be_visible()
    teacher.get_by_role("button", name="Publish").click()
    expect(teacher.get_by_role("button", name="Unpublish")).to_be_visible()
    teacher.goto("/account")
    teacher.get_by_label(re.compile("^Short bio")).fill("Streams video for a living.")
    teacher.get_by_role("button", name="Save profile").click()
    expect(teacher.get_by_text("Profile saved.")).to_be_visible()
    teacher.go_back()
    expect(teacher.get_by_role("heading", name="Details")).to_be_visible()
    shot(teacher, "studio-course")
    assert_accessible(teacher, "the studio's course page")

    # A student: finds it in the catalog, buys it through the local test checkout.
    student_context = new_context(browser, server)
    student = student_context.new_page()
    student_email = f"sam-{tag}@example.com"
    sign_up(student, "Sam Student", student_email, teach=False)
    student.goto("/")
    card_cover = student.locator(".course-card img.cover").first
    expect(card_cover).to_be_visible()
    student.wait_for_function(
        "() => [...document.querySelectorAll('.course-card img.cover')]"
        ".every(i => i.complete && i.naturalWidth === 1280)"
    )
    assert_accessible(student, "the catalog")
    student.get_by_role("searchbox", name="Search courses").fill(f"Streaming Basics {tag}")
    student.get_by_role("button", name="Search").click()
    student.get_by_role("link", name=f"Streaming Basics {tag}").click()
    course_page = student.url
    expect(student.get_by_text("$19.99").first).to_be_visible()
    expect(student.get_by_role("heading", name="What you will learn")).to_be_visible()
    expect(student.get_by_role("listitem").filter(has_text="Encode a ladder")).to_be_visible()
    expect(student.get_by_text("Streams video for a living.")).to_be_visible()
    shot(student, "course-page")
    assert_accessible(student, "the course page")
    student.get_by_role("button", name="Buy this course").click()
    expect(student.get_by_text("Test payment.")).to_be_visible()
    shot(student, "checkout")
    assert_accessible(student, "the checkout")
    student.get_by_role("button", name=re.compile(r"Pay .*\(test\)")).click()
    expect(student.get_by_text("Payment received")).to_be_visible()
    student.get_by_role("link", name="Go to the course").click()
    student.get_by_role("link", name="Start learning").click()

    # The lesson plays: hls.js decrypts the AES-128 stream with the session's key, from the
    # session's own playlist of A and B segments (the forensic watermark). It plays past
    # 4.5 s before the first seek: half of the 8 s clip's one bucket makes a view, which
    # the studio's engagement chart must count at the end.
    segments: list[str] = []
    student.on("request", lambda r: segments.append(r.url) if r.url.endswith(".ts") else None)
    video = student.locator("[data-testid=player] hls-video, [data-testid=player] video").first
    expect(video).to_be_attached()
    student.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=player] hls-video, [data-testid=player] video');"
        " if (v && v.paused) { v.muted = true; v.play().catch(() => {}); }"
        " return !!v && v.currentTime > 4.5; }",
        timeout=60_000,
        polling=500,
    )
    variants = {re.sub(r".*_([ab])_\d{5}\.ts$", r"\1", url) for url in segments}
    assert variants <= {"a", "b"} and segments, segments
    # Chapters: a list of buttons (titles as text) that seek, and markers on the timeline.
    chapters = student.get_by_role("navigation", name="Chapters")
    expect(chapters.get_by_role("button")).to_have_count(2)
    timeline = student.get_by_role("slider", name="Seek")
    expect(timeline.get_by_test_id("chapter-marker")).to_have_count(2)
    chapters.get_by_role("button", name="0:05 The <b>middle</b>").click()
    student.wait_for_function(
        "() => document.querySelector('[data-testid=player] hls-video, [data-testid=player] video')"
        ".currentTime >= 5",
        timeout=15_000,
    )
    # Keyboard: the player takes focus; K pauses and plays, M mutes, J goes back 10 s.
    player = student.get_by_role("group", name=re.compile("^Video player"))
    player.focus()
    media = "document.querySelector('[data-testid=player] hls-video, [data-testid=player] video')"
    was_muted = student.evaluate(f"{media}.muted")
    player.press("m")
    assert student.evaluate(f"{media}.muted") is not was_muted
    player.press("k")
    student.wait_for_function(f"() => {media}.paused", timeout=5_000)
    player.press("j")
    assert student.evaluate(f"{media}.currentTime") < 1
    player.press("k")
    student.wait_for_function(f"() => !{media}.paused", timeout=5_000)
    chapters.get_by_role("button", name="0:05 The <b>middle</b>").click()  # back where we were
    student.wait_for_function(f"() => {media}.currentTime >= 5", timeout=15_000)
    # Captions: chosen in the CC menu, loaded by hls.js as a subtitle rendition whose cues
    # sit where the file put them on the video's timeline (X-TIMESTAMP-MAP).
    choose_in_player(student, "Captions", "English")
    student.wait_for_function(
        f"() => Array.from({media}.textTracks).some(t => t.mode === 'showing'"
        " && t.cues && t.cues.length === 2)",
        timeout=20_000,
    )
    starts = student.evaluate(
        f"Array.from({media}.textTracks).find(t => t.mode === 'showing').cues[1].startTime"
    )
    assert abs(starts - 4.0) < 0.25, starts
    cue_text = student.evaluate(
        f"Array.from({media}.textTracks).find(t => t.mode === 'showing').cues[0].text"
    )
    assert cue_text == "Hello there"
    transcript = student.get_by_role("group").filter(has_text="Transcript (English)")
    transcript.get_by_role("button", name="0:04 Second line & more").click()
    student.wait_for_function(f"() => {media}.currentTime >= 4", timeout=15_000)
    # The timeline: hovering shows the storyboard frame and the chapter there.
    box = timeline.bounding_box()
    assert box is not None
    student.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    preview = student.get_by_test_id("seek-preview")
    expect(preview).to_contain_text("The <b>middle</b>")
    thumbnail = student.get_by_test_id("seek-thumbnail")
    expect(thumbnail).to_have_attribute("style", re.compile(r"storyboard\.jpg"))
    student.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(e => e.name.includes('/storyboard.jpg') && e.responseStatus === 200)",
        timeout=10_000,
    )
    student.get_by_role("button", name=re.compile("^Quality: ")).click()
    quality = student.get_by_role("menu", name="Quality")
    # Auto (with what plays) + the 360p and 240p renditions
    expect(quality.get_by_role("menuitemradio")).to_have_count(3)
    expect(quality.get_by_role("menuitemradio").first).to_have_text(re.compile(r"^Auto \(\d+p\)$"))
    quality.get_by_role("menuitemradio", name="240p", exact=True).click()
    watermark = student.get_by_test_id("watermark")
    expect(watermark).to_be_visible()
    expect(watermark).to_contain_text(student_email)
    student.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    shot(student, "lesson-player")
    assert_accessible(student, "the lesson player")
    student.mouse.move(0, 0)
    # Hiding the watermark with CSS pauses the video instead of leaving a clean picture.
    student.add_style_tag(content="[data-testid=watermark] { display: none !important; }")
    expect(
        student.get_by_text("Playback paused: the viewer watermark must stay visible.")
    ).to_be_visible()
    assert student.evaluate(
        "document.querySelector('[data-testid=player] hls-video, [data-testid=player] video').paused"
    )
    student.evaluate(
        "document.querySelectorAll('style').forEach(s => s.textContent.includes('watermark') && s.remove())"
    )
    expect(
        student.get_by_text("Playback paused: the viewer watermark must stay visible.")
    ).to_be_hidden()
    # Pausing sends a heartbeat with the position, which becomes the resume point.
    student.evaluate(
        "document.querySelector('[data-testid=player] hls-video, [data-testid=player] video').pause()"
    )
    course_id = student.url.split("/learn/")[1].split("/")[0]
    deadline = time.monotonic() + 15
    while True:
        progress = student_context.request.get(f"/api/courses/{course_id}/progress").json()
        position = progress["lessons"][0]["position"]
        if position > 2.5 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert position > 2.5, progress
    student.goto("/my")
    expect(student.get_by_role("link", name="Resume")).to_be_visible()
    shot(student, "my-learning")
    student.get_by_role("link", name="Resume").click()  # a new session, at the stored position
    student.wait_for_function(
        f"() => {{ const v = document.querySelector('[data-testid=player] hls-video');"
        f" return !!v && v.currentTime >= {position - 0.5}; }}",
        timeout=30_000,
    )
    # the choice is remembered
    expect(student.get_by_role("button", name="Captions: English")).to_be_visible()
    choose_in_player(student, "Speed", "1.5×")
    assert (
        student.evaluate("document.querySelector('[data-testid=player] hls-video').playbackRate")
        == 1.5
    )

    # The instructor allows one stream at a time; a second tab offers to stop the first.
    csrf = next(c["value"] for c in teacher.context.cookies() if c["name"] == "cv_csrf")
    limited = teacher.context.request.patch(
        f"/api/courses/{course_id}",
        data={"policy": {"max_concurrent_streams": 1}},
        headers={"X-CSRF-Token": csrf, "Origin": server.url},
    )
    assert limited.status == 200, limited.text()
    second_tab = student_context.new_page()
    second_tab.goto(student.url)
    expect(second_tab.get_by_test_id("playback-problem")).to_have_attribute(
        "data-kind", "stream_limit"
    )
    shot(second_tab, "stream-limit")
    # Only the other tab is listed: leaving a lesson page (goto /my above) ended its session.
    stop = second_tab.get_by_role("button", name="Stop watching there")
    expect(stop).to_have_count(1)
    stop.click()
    expect(second_tab.get_by_test_id("player")).to_be_visible()
    second_tab.close()
    student.goto("/my")
    # The instructor's engagement chart counts the student's views (flushed as they left:
    # the page only reads them when loaded, so it is loaded again until the flush landed).
    teacher.get_by_role("tab", name="Stats and students").click()  # the URL keeps it
    chart = teacher.get_by_role("img", name=re.compile(r"^Retention and replays\. \d+ views?\."))
    for _ in range(10):
        teacher.reload()
        with contextlib.suppress(AssertionError):
            expect(chart).to_be_visible(timeout=2_000)
            break
    expect(chart).to_be_visible()
    shot(teacher, "studio-engagement")
    # The same pages on a phone (#28): nothing sideways, 44 px targets, axe, screenshots.
    student.set_viewport_size(PHONE)
    expect(student.get_by_role("link", name="Resume")).to_be_visible()
    assert_fits_phone(student, "My learning", "my-learning")
    student.get_by_role("button", name="Menu").click()
    expect(student.get_by_role("link", name="Catalog")).to_be_visible()
    student.get_by_role("link", name="Catalog").click()
    expect(student.locator(".course-card").first).to_be_visible()
    assert_fits_phone(student, "the catalog", "catalog")
    student.goto(course_page)
    expect(student.get_by_role("heading", name="What you will learn")).to_be_visible()
    assert_fits_phone(student, "the course page", "course-page")
    student.goto(f"/learn/{course_id}/{progress['lessons'][0]['lesson_id']}")
    student.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=player] hls-video');"
        " return !!v && v.readyState >= 2; }",
        timeout=30_000,
    )
    player_box = student.get_by_test_id("player").bounding_box()
    assert player_box and player_box["width"] >= PHONE["width"] - 1, player_box  # edge to edge
    assert_fits_phone(student, "the lesson", "lesson-player")

    # Another student who did not pay: a buy prompt, and not one media request.
    other = new_context(browser, server).new_page()
    media_requests: list[str] = []
    other.on("request", lambda r: media_requests.append(r.url) if "/hls/" in r.url else None)
    sign_up(other, "Olive Other", f"olive-{tag}@example.com", teach=False)
    other.goto(f"/learn/{course_id}/{progress['lessons'][0]['lesson_id']}")
    problem = other.get_by_test_id("playback-problem")
    expect(problem).to_have_attribute("data-kind", "not_enrolled")
    expect(other.get_by_role("link", name="See the course and buy it")).to_be_visible()
    shot(other, "not-enrolled")
    assert media_requests == []
    other.set_viewport_size(PHONE)
    other.get_by_role("link", name="See the course and buy it").click()
    other.get_by_role("button", name="Buy this course").click()
    expect(other.get_by_text("Test payment.")).to_be_visible()
    assert_fits_phone(other, "the checkout", "checkout")


def test_an_interrupted_upload_resumes_after_a_page_reload(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    """tus in the page: the first 16 MiB chunk lands, the next never does, the page is
    reloaded, the same file is picked again and the upload continues where it stopped."""
    big = tmp_path / "long-lecture.mp4"
    big.write_bytes(secrets.token_bytes(40 * 1024 * 1024))  # not a video: only the upload matters
    context = new_context(browser, server)
    page = context.new_page()
    sign_up(page, "Ulla Uploader", f"ulla-{secrets.token_hex(3)}@example.com", teach=True)
    page.get_by_label("New course title").fill("Resumable")
    page.get_by_role("button", name="Create course").click()
    expect(page.get_by_role("heading", name="Details")).to_be_visible()
    page.get_by_role("tab", name="Videos and captions").click()  # the reload keeps it

    def only_the_first_chunk(route: Route) -> None:
        if route.request.method == "PATCH" and route.request.headers.get("upload-offset") != "0":
            route.abort()  # the connection drops after the first chunk
        else:
            route.continue_()

    page.route("**/api/uploads/**", only_the_first_chunk)
    with page.expect_response(lambda r: r.request.method == "PATCH" and r.status == 204):
        page.get_by_test_id("video-file").set_input_files(str(big))
    page.reload()  # while the second chunk keeps failing
    page.unroute("**/api/uploads/**")

    offsets: list[str] = []
    page.on(
        "request",
        lambda r: (
            offsets.append(r.headers.get("upload-offset", ""))
            if r.method == "PATCH" and "/api/uploads/" in r.url
            else None
        ),
    )
    page.get_by_test_id("video-file").set_input_files(str(big))
    expect(page.locator('[data-testid="video-row"][data-status="failed"]')).to_be_visible(
        timeout=60_000
    )  # uploaded in full, then refused by the probe: it is random bytes
    videos = context.request.get("/api/videos").json()["items"]
    assert offsets and int(offsets[0]) == 16 * 1024 * 1024, (offsets, videos)
    assert len(videos) == 1 and videos[0]["size"] == 40 * 1024 * 1024
    context.close()
