"""The studio in a real browser (#28 item 2): the dashboard shows a seeded sale and its
student at desktop and phone sizes; the course editor's tabs fit a 1366×768 window with no
label cut off and switch by keyboard, the chosen tab surviving a reload; a lesson dragged
onto another keeps its new place after a reload. Data is made over the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.a11y import assert_accessible
from tests.browser import app_server, login, new_context, shot, sign_in, text_course
from tests.phone import PHONE, assert_fits_phone
from tests.processes import Server, sign_up

pytestmark = pytest.mark.slow

TEACHER = "studio-teacher@example.com"
BUYER = "studio-buyer@example.com"
TITLE = "Typing Fast"
DESKTOP: ViewportSize = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from app_server(tmp_path_factory, "studio", teacher=TEACHER)


@pytest.fixture(scope="module")
def course(server: Server) -> dict[str, Any]:
    """A $25 course of three text lessons, bought once through the local test checkout."""
    course_id, _ = text_course(server, TEACHER, TITLE, 2500, ("Home row", "asdf jkl;"))
    sign_up(server.url, BUYER)
    with httpx.Client(base_url=server.url, timeout=30) as api:
        teacher = login(api, TEACHER)
        outline = api.get(f"/api/courses/{course_id}", headers=teacher).json()
        section = outline["sections"][0]["id"]
        for title in ("Top row", "Numbers"):
            made = api.post(
                f"/api/courses/{course_id}/sections/{section}/lessons",
                json={"title": title, "kind": "text", "body": "Practice."},
                headers=teacher,
            )
            assert made.status_code == 201, made.text
        buyer = login(api, BUYER)
        order = api.post(f"/api/courses/{course_id}/checkout", headers=buyer).json()
        paid = api.post(
            f"/api/payments/local/{order['order_id']}/complete",
            json={"outcome": "succeed"},
            headers=buyer,
        )
        assert paid.status_code == 200, paid.text
    return {"id": course_id}


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"


def expect_order(page: Page, titles: list[str]) -> None:
    expect(page.get_by_test_id("lesson-row")).to_have_text([re.compile(t) for t in titles])


def cut_off(page: Page, selector: str) -> list[str]:
    """The visible elements of SELECTOR whose text does not fit their box."""
    found: list[str] = page.eval_on_selector_all(
        selector,
        """nodes => nodes
            .filter(n => n.offsetParent !== null && n.scrollWidth > n.clientWidth)
            .map(n => n.textContent.trim())""",
    )
    return found


def test_the_dashboard_shows_the_sale_and_its_student(
    server: Server, browser: Browser, course: dict[str, Any]
) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    sign_in(page, TEACHER)
    page.goto("/studio")
    dashboard = page.get_by_test_id("studio-dashboard")
    expect(dashboard.get_by_test_id("figure-revenue-usd")).to_contain_text("$25.00")
    expect(dashboard.get_by_test_id("figure-new-students")).to_contain_text("1")
    expect(dashboard.get_by_test_id("figure-watching")).to_contain_text("0")
    chart = dashboard.get_by_test_id("revenue-chart-usd")
    expect(chart.get_by_role("img")).to_have_accessible_name(re.compile(r"\$25\.00 in total"))
    # The figures behind the bars are in a table for screen readers: this week's is $25.
    expect(chart.get_by_role("cell").last).to_have_text("$25.00")
    row = dashboard.get_by_test_id("completion-row").filter(has_text=TITLE)
    expect(row).to_contain_text("0%")
    expect(row.get_by_role("link", name=TITLE)).to_have_attribute(
        "href", f"/studio/courses/{course['id']}"
    )
    expect(dashboard.get_by_text("Nobody has left a lesson early yet.")).to_be_visible()
    no_horizontal_scroll(page)
    assert_accessible(page, "the studio dashboard")
    shot(page, "studio-dashboard-1366")

    page.set_viewport_size(PHONE)
    expect(dashboard.get_by_test_id("figure-revenue-usd")).to_be_visible()
    assert_fits_phone(page, "the studio dashboard", "studio-dashboard")
    context.close()


def test_the_editor_tabs_fit_switch_by_keyboard_and_lessons_move_by_dragging(
    server: Server, browser: Browser, course: dict[str, Any]
) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    sign_in(page, TEACHER)
    page.goto(f"/studio/courses/{course['id']}")
    tabs = page.get_by_role("tablist", name=f"Editing {TITLE}")
    details = tabs.get_by_role("tab", name="Details")
    expect(details).to_have_attribute("aria-selected", "true")
    expect(
        page.get_by_role("tabpanel", name="Details").get_by_label("Streams at once")
    ).to_be_visible()
    assert cut_off(page, "[role=tab]") == []
    assert cut_off(page, "[role=tabpanel] label") == []
    no_horizontal_scroll(page)
    assert_accessible(page, "the course editor's details")
    shot(page, "studio-editor-details-1366")

    # Arrow keys, Home and End move between tabs; the URL keeps the one chosen.
    details.focus()
    page.keyboard.press("ArrowRight")
    lessons_tab = tabs.get_by_role("tab", name="Lessons")
    expect(lessons_tab).to_be_focused()
    expect(lessons_tab).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"\?tab=lessons$"))
    page.keyboard.press("End")
    expect(tabs.get_by_role("tab", name="Stats and students")).to_be_focused()
    page.keyboard.press("Home")
    expect(details).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowLeft")  # wraps around to the last
    expect(tabs.get_by_role("tab", name="Stats and students")).to_have_attribute(
        "aria-selected", "true"
    )
    page.goto(f"/studio/courses/{course['id']}?tab=lessons")
    page.reload()
    expect(lessons_tab).to_have_attribute("aria-selected", "true")
    for tab in ("Lessons", "Videos and captions", "Completion", "Stats and students"):
        tabs.get_by_role("tab", name=tab).click()
        assert cut_off(page, "[role=tabpanel] label") == [], tab
    # On a phone every tab fits the screen (a fieldset and a grid form were wider).
    page.set_viewport_size(PHONE)
    for tab in ("Details", "Lessons", "Videos and captions", "Completion", "Stats and students"):
        tabs.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tabpanel", name=tab)).to_be_visible()
        no_horizontal_scroll(page)
    shot(page, "studio-editor-phone")
    page.set_viewport_size(DESKTOP)
    tabs.get_by_role("tab", name="Lessons").click()

    # Drag "Numbers" (the third lesson) onto the top half of "Home row" (the first).
    rows = page.get_by_test_id("lesson-row")
    expect_order(page, ["Home row", "Top row", "Numbers"])
    rows.nth(2).get_by_test_id("drag-handle").drag_to(
        rows.nth(0), target_position={"x": 40, "y": 4}
    )
    expect(page.get_by_test_id("outline-announcement")).to_have_text(
        "Numbers is now lesson 1 of 3 in One."
    )
    expect_order(page, ["Numbers", "Home row", "Top row"])
    assert_accessible(page, "the course editor's lessons")
    shot(page, "studio-editor-lessons-1366")
    page.reload()
    expect(lessons_tab).to_have_attribute("aria-selected", "true")
    expect_order(page, ["Numbers", "Home row", "Top row"])

    # The keyboard way: "Move Numbers down" puts it back second, and says so.
    page.get_by_role("button", name="Move Numbers down").click()
    expect(page.get_by_test_id("outline-announcement")).to_have_text(
        "Numbers is now lesson 2 of 3 in One."
    )
    expect_order(page, ["Home row", "Numbers", "Top row"])
    context.close()
