"""Memberships in a real browser (#25): an admin makes a plan of every course in the studio;
a student finds it on a course's page and the pricing page, subscribes through the local
test checkout and reads a lesson; on the account page the test tools renew, fail a renewal
(a past-due banner, the lessons still open during the grace period), recover; the member
cancels at the period end and resumes; deleting the subscription closes the lessons; the
plan, having had members, cannot be deleted and is deactivated instead. Text lessons only."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.a11y import assert_accessible
from tests.browser import app_server, new_context, shot, sign_in, text_course
from tests.conftest import TEST_SECRET
from tests.e2e.test_web_e2e import sign_up
from tests.processes import Server

pytestmark = pytest.mark.slow

TEACHER = "plans-teacher@example.com"
ADMIN = "plans-admin@example.com"
LESSON_TEXT = "Everything a member may read."
LESSON = ("Members only", LESSON_TEXT)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from app_server(
        tmp_path_factory,
        "memberships",
        admin=ADMIN,
        teacher=TEACHER,
        COURSEVAULT_SECRET_KEY=TEST_SECRET,
    )


def accept_dialogs(page: Page, seen: list[str]) -> None:
    def accept(dialog: Dialog) -> None:
        seen.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)


def test_an_admin_plan_a_student_subscribes_and_walks_through_every_state(
    server: Server, browser: Browser
) -> None:
    started = time.monotonic()
    tag = secrets.token_hex(3)
    plan_title = f"All Access {tag}"
    course_id, lesson_id = text_course(server, TEACHER, f"Rust Basics {tag}", 4900, LESSON)
    text_course(server, TEACHER, f"Go Basics {tag}", 4900, LESSON)

    # The admin makes a plan of every course in the studio.
    admin = new_context(browser, server).new_page()
    admin_dialogs: list[str] = []
    accept_dialogs(admin, admin_dialogs)
    sign_in(admin, ADMIN)
    admin.goto("/studio")
    admin.get_by_role("link", name="Manage membership plans").click()
    expect(admin.get_by_role("heading", name="Membership plans", level=1)).to_be_visible()
    admin.get_by_role("button", name="New plan").click()
    form = admin.get_by_role("form", name="New membership plan")
    form.get_by_label("Plan title").fill(f"Everything {tag}")
    form.get_by_label("Description").fill("Every course on the site, new ones too.")
    form.get_by_label("All courses on the site").check()
    expect(form.get_by_label(re.compile(f"^Rust Basics {tag}"))).to_be_hidden()
    form.get_by_label("Monthly price").fill("9")
    form.get_by_label("Yearly price").fill("90")
    form.get_by_role("button", name="Create plan").click()
    row = admin.get_by_test_id("plan-row").filter(has_text=f"Everything {tag}")
    expect(row).to_contain_text("active")
    expect(row).to_contain_text("$9.00/month or $90.00/year")
    expect(row).to_contain_text("All courses")
    # Edited: a new title.
    row.get_by_role("button", name=f"Edit Everything {tag}").click()
    row.get_by_label("Plan title").fill(plan_title)
    row.get_by_role("button", name="Save plan").click()
    row = admin.get_by_test_id("plan-row").filter(has_text=plan_title)
    expect(row).to_contain_text("active")
    shot(admin, "studio-membership-plans")
    assert_accessible(admin, "the studio's membership plans page")

    # A student finds it on a course's page, then on the pricing page.
    student = new_context(browser, server).new_page()
    dialogs: list[str] = []
    accept_dialogs(student, dialogs)
    sign_up(student, "Mia Member", f"mia-{tag}@example.com", teach=False)
    student.goto(f"/courses/{course_id}")
    offer = student.get_by_test_id("course-plan").filter(has_text=plan_title)
    expect(offer).to_have_text(f"Included in {plan_title} — from $7.50/month")
    offer.get_by_role("link").click()
    expect(student).to_have_url(re.compile(r"/pricing$"))
    card = student.get_by_test_id("plan").filter(has_text=plan_title)
    expect(card.get_by_text("Every course on the site, those published later too")).to_be_visible()
    expect(card.get_by_role("link", name=f"Rust Basics {tag}")).to_be_visible()
    expect(card.get_by_role("radio", name="Monthly: $9.00/month")).to_be_checked()
    expect(card.get_by_role("radio", name="Yearly: $90.00/year")).not_to_be_checked()
    expect(card.get_by_text("save 17%")).to_be_visible()
    expect(student.get_by_text("Test mode.")).to_be_visible()
    shot(student, "pricing")
    assert_accessible(student, "the pricing page")

    # Subscribing: the local test checkout, a declined card, then a payment.
    card.get_by_role("button", name=f"Subscribe to {plan_title}").click()
    expect(student.get_by_role("heading", name=f"Membership: {plan_title}")).to_be_visible()
    expect(student.get_by_text("Test payment.")).to_be_visible()
    student.get_by_role("button", name="Simulate a declined card").click()
    expect(student.get_by_text("The test card was declined. Try again.")).to_be_visible()
    student.get_by_role("button", name="Pay $9.00 (test)").click()
    expect(student.get_by_text("Payment received. You are a member")).to_be_visible()
    shot(student, "membership-checkout-paid")
    student.goto(f"/learn/{course_id}/{lesson_id}")
    expect(student.get_by_text(LESSON_TEXT)).to_be_visible()

    # The account page: active, renewed by the test tools.
    student.goto("/account")
    section = student.get_by_test_id("membership-section")
    membership = section.get_by_test_id("membership").filter(has_text=plan_title)
    status = membership.get_by_test_id("membership-status")
    expect(status).to_have_text("Active")
    renewal = membership.get_by_test_id("membership-renewal")
    first_renewal = renewal.inner_text()
    expect(membership.get_by_role("group", name=re.compile("Test tools"))).to_be_visible()
    membership.get_by_role("button", name="Renew now (test)").click()
    expect(renewal).not_to_have_text(first_renewal)

    # A failed renewal: past due, a banner on every page, the lessons open in the grace period.
    membership.get_by_role("button", name="Fail the next renewal (test)").click()
    expect(status).to_have_text("Past due")
    banner = student.get_by_test_id("past-due-banner")
    expect(banner).to_contain_text(f"The last payment for your {plan_title} membership failed.")
    expect(membership.get_by_role("alert")).to_contain_text("Your last payment failed.")
    expect(membership.get_by_test_id("membership-until")).to_be_visible()
    shot(student, "account-membership-past-due")
    assert_accessible(student, "the account page with a past-due membership")
    student.goto(f"/learn/{course_id}/{lesson_id}")
    expect(student.get_by_text(LESSON_TEXT)).to_be_visible()
    expect(banner).to_be_visible()
    banner.get_by_role("link", name="See your membership").click()
    expect(student).to_have_url(re.compile(r"/account/memberships$"))
    membership = student.get_by_test_id("membership").filter(has_text=plan_title)
    status = membership.get_by_test_id("membership-status")
    membership.get_by_role("button", name="Recover the failed payment (test)").click()
    expect(status).to_have_text("Active")
    expect(banner).to_be_hidden()

    # Cancelled at the period end: it says until when; resumed.
    membership.get_by_role("button", name="Cancel membership").click()
    expect(status).to_have_text(re.compile(r"^Cancels on \w+ \d+, \d{4}$"))
    until = membership.get_by_test_id("membership-until").inner_text()
    assert status.inner_text() == f"Cancels on {until}"
    expect(membership.get_by_test_id("membership-detail")).to_contain_text(
        f"It will not renew. You keep access until {until}."
    )
    assert dialogs[-1].startswith(f"Cancel your {plan_title} membership?"), dialogs
    shot(student, "account-membership-cancelling")
    assert_accessible(student, "the membership section of a cancelling member")
    membership.get_by_role("button", name="Resume membership").click()
    expect(status).to_have_text("Active")
    assert dialogs[-1].startswith(f"Resume your {plan_title} membership?"), dialogs

    # The test subscription is deleted: the membership ends, the lesson closes.
    membership.get_by_role("button", name="Delete the subscription (test)").click()
    expect(status).to_have_text("Ended")
    expect(membership.get_by_role("link", name="Join again")).to_be_visible()
    student.goto(f"/learn/{course_id}/{lesson_id}")
    problem = student.get_by_test_id("playback-problem")
    expect(problem).to_contain_text("Enroll in this course")
    expect(student.get_by_text(LESSON_TEXT)).to_be_hidden()

    # The plan had a member: deleting it is refused with the reason; deactivated instead,
    # it leaves the pricing page.
    admin.reload()
    row = admin.get_by_test_id("plan-row").filter(has_text=plan_title)
    row.get_by_role("button", name=f"Delete {plan_title}").click()
    expect(row.get_by_test_id("plan-in-use")).to_contain_text(
        f"“{plan_title}” cannot be deleted: people have been members of it."
    )
    expect(row.get_by_test_id("plan-in-use")).to_contain_text("Deactivate it instead")
    row.get_by_role("button", name=f"Deactivate {plan_title}").click()
    expect(row).to_contain_text("inactive")
    expect(row.get_by_test_id("plan-in-use")).to_be_hidden()
    shot(admin, "studio-membership-plan-in-use")
    student.goto("/pricing")
    expect(student.get_by_role("heading", name="Membership plans")).to_be_visible()
    expect(student.get_by_test_id("plan").filter(has_text=plan_title)).to_have_count(0)
    print(f"membership journey took {time.monotonic() - started:.1f} s")
