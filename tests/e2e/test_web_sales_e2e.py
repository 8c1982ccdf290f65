"""Bundles, gifts and team seats in a real browser (#25): an instructor bundles two courses
in the studio and a student buys the bundle; a course is given to an email address and
claimed from the mailed link; a seat manager hands a seat out, the colleague claims it,
and the manager gives it to someone else. Courses have text lessons only (no video), and
mail is read from the development outbox the server writes."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from coursevault.mail import outbox
from tests.a11y import assert_accessible
from tests.browser import app_server, new_context, shot, sign_in, text_course
from tests.conftest import TEST_SECRET
from tests.e2e.test_web_e2e import PASSWORD, sign_up
from tests.processes import Server

pytestmark = pytest.mark.slow

TEACHER = "seller@example.com"
ADMIN = "boss@example.com"
LESSON = ("Read me", "The whole lesson.")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from app_server(
        tmp_path_factory, "sales", admin=ADMIN, teacher=TEACHER, COURSEVAULT_SECRET_KEY=TEST_SECRET
    )


def mailed_link(server: Server, to: str, subject: str, count: int = 1) -> str:
    """The `#token=` link of the COUNT-th mail to TO with SUBJECT, once the worker wrote it."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [m for m in outbox.messages(server.data_dir) if m.to == to and m.subject == subject]
        if len(found) >= count:
            link = re.search(r"(http://\S+#token=[\w-]+)", found[count - 1].text)
            assert link, found[count - 1].text
            return link.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no mail {subject!r} to {to}")


def pay_locally(page: Page, amount: str) -> None:
    """On the checkout page: pays with the local test checkout."""
    expect(page.get_by_text("Test payment.")).to_be_visible()
    page.get_by_role("button", name=f"Pay {amount} (test)").click()
    expect(page.get_by_text("Payment received")).to_be_visible()


def sign_up_from_link(page: Page, name: str, email: str) -> None:
    """On a claim page, signed out: creates the account and comes back to the page."""
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("learn").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_an_instructor_bundles_two_courses_and_a_student_buys_the_bundle(
    server: Server, browser: Browser
) -> None:
    tag = secrets.token_hex(3)
    first, second = f"Python One {tag}", f"Python Two {tag}"
    first_id, _ = text_course(server, TEACHER, first, 3000, LESSON)
    text_course(server, TEACHER, second, 4000, LESSON)

    # The instructor makes the bundle in the studio.
    teacher = new_context(browser, server).new_page()
    sign_in(teacher, TEACHER)
    teacher.goto("/studio")
    bundles = teacher.get_by_role("region", name="Bundles")
    bundles.get_by_role("button", name="New bundle").click()
    form = bundles.get_by_role("form", name="New bundle")
    form.get_by_label("Bundle title").fill(f"Python Pair {tag}")
    form.get_by_label("Description").fill("Both Python courses.")
    form.get_by_role("checkbox", name=re.compile(first)).check()
    form.get_by_role("checkbox", name=re.compile(second)).check()
    expect(form.get_by_test_id("bundle-separate")).to_have_text("Bought separately: $70.00")
    form.get_by_label("Bundle price").fill("50")
    form.get_by_role("button", name="Create bundle").click()
    row = bundles.get_by_test_id("bundle-row").filter(has_text=f"Python Pair {tag}")
    expect(row).to_contain_text("on sale")
    expect(row).to_contain_text(f"{first} · {second}")
    shot(teacher, "studio-bundles")
    assert_accessible(teacher, "the studio with bundles and revenue")
    # Edit it: a new title; unpublish and publish again.
    row.get_by_role("button", name=f"Edit Python Pair {tag}").click()
    row.get_by_label("Bundle title").fill(f"Python Duo {tag}")
    row.get_by_role("button", name="Save bundle").click()
    row = bundles.get_by_test_id("bundle-row").filter(has_text=f"Python Duo {tag}")
    row.get_by_role("button", name=f"Unpublish Python Duo {tag}").click()
    expect(row).to_contain_text("draft")
    row.get_by_role("button", name=f"Publish Python Duo {tag}").click()
    expect(row).to_contain_text("on sale")

    # A student finds it on a course's page and buys it through the local test checkout.
    student = new_context(browser, server).new_page()
    sign_up(student, "Sam Student", f"sam-{tag}@example.com", teach=False)
    student.goto(f"/courses/{first_id}")
    offer = student.get_by_test_id("course-bundle")
    expect(offer).to_contain_text("2 courses for $50.00")
    offer.get_by_role("link", name=f"Python Duo {tag}").click()
    expect(student.get_by_role("heading", name=f"Python Duo {tag}")).to_be_visible()
    expect(student.get_by_test_id("bundle-saving")).to_contain_text("you save $20.00")
    expect(student.get_by_test_id("bundle-course")).to_have_count(2)
    shot(student, "bundle-page")
    assert_accessible(student, "the bundle page")
    student.get_by_role("button", name="Buy the bundle").click()
    expect(student.get_by_role("heading", name=f"Bundle: Python Duo {tag}")).to_be_visible()
    pay_locally(student, "$50.00")
    expect(student.get_by_text("Every course of the bundle is yours.")).to_be_visible()
    student.get_by_role("link", name="Go to My learning").click()
    expect(student.get_by_role("link", name=first)).to_be_visible()
    expect(student.get_by_role("link", name=second)).to_be_visible()

    # The studio's revenue counts the bundle; the admin's page counts the site's sales.
    teacher.goto("/studio")
    expect(teacher.get_by_test_id("sales-bundle")).to_contain_text("$50.00")
    admin = new_context(browser, server).new_page()
    sign_in(admin, ADMIN)
    admin.goto("/admin")
    site = admin.get_by_test_id("money-report")
    expect(site).to_contain_text("Every sale and membership plan of the site.")
    expect(site.get_by_test_id("sales-bundle")).to_contain_text("$50.00")
    shot(admin, "admin-revenue")
    assert_accessible(admin, "the admin page with revenue")


def test_a_course_is_given_to_an_email_and_claimed_from_the_mailed_link(
    server: Server, browser: Browser
) -> None:
    tag = secrets.token_hex(3)
    title = f"Watercolour {tag}"
    course_id, _ = text_course(server, TEACHER, title, 2500, LESSON)
    friend = f"friend-{tag}@example.com"

    buyer = new_context(browser, server).new_page()
    sign_up(buyer, "Gina Giver", f"gina-{tag}@example.com", teach=False)
    buyer.goto(f"/courses/{course_id}")
    buyer.get_by_text("Give as a gift").click()
    buyer.get_by_label("Recipient’s email").fill(friend)
    buyer.get_by_label("Message").fill("Happy birthday!")
    shot(buyer, "course-gift-form")
    assert_accessible(buyer, "the course page with the gift form open")
    buyer.get_by_role("button", name="Buy as a gift").click()
    expect(buyer.get_by_role("heading", name=f"Gift: {title} for {friend}")).to_be_visible()
    pay_locally(buyer, "$25.00")
    expect(buyer.get_by_text(f"We are emailing {friend} a link")).to_be_visible()
    buyer.get_by_role("link", name="See your gifts").click()
    gift = buyer.get_by_test_id("gift-row").filter(has_text=friend)
    expect(gift).to_contain_text("waiting to be claimed")

    # The recipient opens the mailed link signed out, signs up and comes back to claim it.
    link = mailed_link(server, friend, f"A gift for you: {title}")
    recipient = new_context(browser, server).new_page()
    recipient.goto(link)
    expect(recipient.get_by_text("Sign in, or create an account, to claim")).to_be_visible()
    assert "#token" not in recipient.url  # the token left the address bar
    shot(recipient, "gift-claim-signed-out")
    assert_accessible(recipient, "the gift claim page, signed out")
    sign_up_from_link(recipient, "Fran Friend", friend)
    expect(recipient).to_have_url(re.compile(r"/gifts/claim$"))
    recipient.get_by_role("button", name="Claim the course").click()
    expect(recipient.get_by_text(f"“{title}” is yours now.")).to_be_visible()
    shot(recipient, "gift-claimed")
    assert_accessible(recipient, "the gift claim page, claimed")
    recipient.get_by_role("link", name="Start learning").click()
    expect(recipient.get_by_role("link", name="Start learning")).to_be_visible()  # enrolled

    # The link works once: another account is told it was claimed.
    buyer.goto(link)
    buyer.get_by_role("button", name="Claim the course").click()
    expect(buyer.get_by_test_id("claim-problem")).to_contain_text("Already claimed")
    buyer.goto("/my/gifts")
    expect(gift).to_contain_text("claimed")
    expect(gift).to_contain_text(f"claimed by Fran Friend <{friend}>")

    # An unclaimed gift is refunded from the account page; its link then says so.
    other = f"other-{tag}@example.com"
    buyer.goto(f"/courses/{course_id}")
    buyer.get_by_text("Give as a gift").click()
    buyer.get_by_label("Recipient’s email").fill(other)
    buyer.get_by_role("button", name="Buy as a gift").click()
    pay_locally(buyer, "$25.00")
    buyer.goto("/account")
    buyer.once("dialog", lambda dialog: dialog.accept())
    buyer.get_by_role("button", name=f"Refund the gift to {other}").click()
    expect(buyer.get_by_test_id("gift-row").filter(has_text=other)).to_contain_text("refunded")
    shot(buyer, "account-gifts")
    assert_accessible(buyer, "the account page with gifts")
    refunded_link = mailed_link(server, other, f"A gift for you: {title}")
    recipient.goto(refunded_link)
    recipient.get_by_role("button", name="Claim the course").click()
    expect(recipient.get_by_test_id("claim-problem")).to_contain_text("This gift was refunded")


def test_a_manager_hands_out_seats_and_gives_one_to_another_colleague(
    server: Server, browser: Browser
) -> None:
    tag = secrets.token_hex(3)
    title = f"Team Training {tag}"
    course_id, _ = text_course(server, TEACHER, title, 1500, LESSON)
    ann, bob = f"ann-{tag}@example.com", f"bob-{tag}@example.com"
    subject = f"Your seat for {title}"

    manager = new_context(browser, server).new_page()
    sign_up(manager, "Mona Manager", f"mona-{tag}@example.com", teach=False)
    manager.goto(f"/courses/{course_id}")
    manager.get_by_text("Buy for a team").click()
    manager.get_by_label("Number of seats").fill("2")
    expect(manager.get_by_text("= $30.00")).to_be_visible()
    manager.get_by_role("button", name="Buy seats").click()
    expect(manager.get_by_role("heading", name=f"2 team seats: {title}")).to_be_visible()
    pay_locally(manager, "$30.00")
    manager.get_by_role("link", name="Manage your team").click()
    expect(manager.get_by_test_id("seat-counts")).to_contain_text("2 seats bought")
    manager.get_by_label("Colleague’s email").fill(ann)
    manager.get_by_role("button", name="Assign a seat").click()
    expect(manager.get_by_text(f"Invitation sent to {ann}.")).to_be_visible()
    seat = manager.get_by_test_id("seat-row").filter(has_text=ann)
    expect(seat).to_contain_text("Waiting for claim")
    expect(manager.get_by_test_id("seat-counts")).to_contain_text("1 free")
    team_url = manager.url

    # Ann claims her seat from the mailed link, signing up with that address.
    ann_link = mailed_link(server, ann, subject)
    colleague_context = new_context(browser, server)
    colleague = colleague_context.new_page()
    colleague.goto(ann_link)
    sign_up_from_link(colleague, "Ann Colleague", ann)
    colleague.get_by_role("button", name="Claim the seat").click()
    expect(colleague.get_by_text(f"“{title}” is yours now.")).to_be_visible()
    shot(colleague, "seat-claimed")
    assert_accessible(colleague, "the seat claim page")
    colleague.goto("/my")
    expect(colleague.get_by_role("link", name=title)).to_be_visible()

    manager.goto(team_url)
    expect(seat).to_contain_text("Claimed")
    expect(seat).to_contain_text("Ann Colleague")
    shot(manager, "team-page")
    assert_accessible(manager, "the team page")

    # The manager gives Ann's seat to Bob: Ann loses the course, her link stops working.
    seat.get_by_role("button", name=f"Reassign the seat of {ann}").click()
    seat.get_by_label("New address for this seat").fill(bob)
    seat.get_by_role("button", name="Give the seat").click()
    bob_seat = manager.get_by_test_id("seat-row").filter(has_text=bob)
    expect(bob_seat).to_contain_text("Waiting for claim")
    expect(manager.get_by_test_id("seat-row").filter(has_text=ann)).to_have_count(0)
    mailed_link(server, bob, subject)  # Bob is invited in turn
    colleague.goto("/my")
    expect(colleague.get_by_role("heading", name="My learning")).to_be_visible()
    expect(colleague.get_by_role("link", name=title)).to_have_count(0)
    colleague.goto(ann_link)
    colleague.get_by_role("button", name="Claim the seat").click()
    expect(colleague.get_by_test_id("claim-problem")).to_contain_text(
        "This seat was released or given to someone else."
    )

    # The account page links to the team; releasing Bob's seat frees it.
    manager.goto("/account")
    manager.get_by_role("link", name=title).click()
    manager.once("dialog", lambda dialog: dialog.accept())
    bob_seat.get_by_role("button", name=f"Release the seat of {bob}").click()
    expect(bob_seat).to_have_count(0)
    expect(manager.get_by_test_id("seat-counts")).to_contain_text("2 free")
