"""The server's second language (#28): the account's language is stored (English for any
code not shipped), mail is written in the recipient's language, error messages follow the
account or `Accept-Language` while codes stay, the certificate speaks the learner's
language; what people typed stays plain text; every template and code has German."""

from __future__ import annotations

import ast
import io
import re
import string
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from coursevault import i18n
from coursevault.auth import service as auth
from coursevault.auth.models import Role
from coursevault.config import Settings
from coursevault.courses import errors as course_errors
from coursevault.database.db import Database
from coursevault.errors import ErrorCode
from coursevault.media import errors as media_errors
from tests.course_helpers import make_course
from tests.factories import PASSWORD, SignedIn, error_code, signed_in
from tests.quiz_helpers import add_quiz_lesson
from tests.sales_helpers import confirm_email, order_gift, pay
from tests.smtp_server import MailServer

SOURCE = Path(__file__).parent.parent / "src" / "coursevault"
GERMAN = i18n.catalog("de")


@pytest.fixture
def settings_overrides(smtp_overrides: dict[str, Any]) -> dict[str, Any]:
    return smtp_overrides


async def speaking(client: httpx.AsyncClient, who: SignedIn, language: str) -> httpx.Response:
    return await client.patch("/api/auth/me", json={"language": language}, headers=who.bearer)


async def me(client: httpx.AsyncClient, who: SignedIn) -> Any:
    return (await client.get("/api/auth/me", headers=who.bearer)).json()


def german_date(when: datetime) -> str:
    return f"{when.day}. {GERMAN.months[when.month - 1]} {when.year}"


# ---- the account's language ------------------------------------------------------------


async def test_the_account_keeps_a_shipped_language_and_any_other_code_is_english(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn
) -> None:
    made = await me(client, student)  # made by the operator's path: nothing chosen yet
    assert (made["language"], made["language_chosen"]) == ("en", False)
    await client.patch("/api/auth/me", json={"bio": "Paints."}, headers=student.bearer)
    assert (await me(client, student))["language_chosen"] is False  # a bio chooses nothing
    changed = await speaking(client, student, "de")
    assert changed.status_code == 200 and changed.json()["language"] == "de"
    assert changed.json()["language_chosen"] is True
    body = await me(client, student)
    # A PATCH with only the language leaves the name and the bio as they were.
    assert (body["language"], body["name"], body["bio"]) == ("de", "Test User", "Paints.")
    assert (await speaking(client, student, "de-AT")).json()["language"] == "de"
    for unshipped in ("xx", "klingon", "", "x" * 300, "<b>de</b>"):
        answer = await speaking(client, student, unshipped)
        assert answer.status_code == 200, (unshipped, answer.text)
        assert (await me(client, student))["language"] == "en", unshipped
        await speaking(client, student, "de")
    stored = await db.users.find_one({"_id": student.user.id})
    assert stored is not None and stored["language"] == "de"
    refused = await client.patch("/api/auth/me", json={"language": 7}, headers=student.bearer)
    assert refused.status_code == 422 and error_code(refused) == "validation_error"


async def test_an_account_stored_before_languages_existed_reads_as_english(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn
) -> None:
    await db.users.update_one({"_id": student.user.id}, {"$unset": {"language": ""}})
    body = await me(client, student)
    assert (body["language"], body["language_chosen"]) == ("en", False)
    await db.users.update_one({"_id": student.user.id}, {"$set": {"language": "tlh"}})
    assert (await me(client, student))["language"] == "en"


# ---- mail --------------------------------------------------------------------------------


async def test_sign_up_in_german_mails_the_confirmation_in_german(
    client: httpx.AsyncClient, db: Database, mail_server: MailServer
) -> None:
    body = {"email": "anna@example.com", "password": PASSWORD, "name": "Anna", "language": "de"}
    answer = await client.post("/api/auth/register", json=body)
    assert answer.status_code == 202, answer.text
    assert answer.json()["detail"].startswith("Danke!")
    [mail] = await mail_server.wait_for("anna@example.com")
    assert mail.subject == "Bestätigen Sie Ihre E-Mail-Adresse"
    text = mail.body().replace("\r\n", "\n")
    assert text.startswith("Hallo,\n")
    assert "Bitte bestätigen Sie, dass dies Ihre Adresse für CourseVault ist." in text
    assert "Meine Adresse bestätigen:\nhttp" in text and "/verify-email#token=" in text
    assert re.search(r"Der Link funktioniert einmal, \d+ (Minuten|Stunden|Tage) lang\.", text)
    assert "Oder öffnen Sie diese Adresse:" in mail.body("html")
    assert '<html lang="de">' in mail.body("html")
    stored = await db.users.find_one({"email": "anna@example.com"})
    assert stored is not None and stored["language"] == "de"

    # Any other code signs up in English.
    body = {**body, "email": "ben@example.com", "language": "klingon"}
    assert (await client.post("/api/auth/register", json=body)).status_code == 202
    [english] = await mail_server.wait_for("ben@example.com")
    assert english.subject == "Confirm your email address"


async def test_what_people_typed_stays_plain_text_in_a_translated_mail(
    client: httpx.AsyncClient, db: Database, settings: Settings, mail_server: MailServer
) -> None:
    typed = "<b>{name}</b> {0} %s {{x}}"
    await auth.create_user(
        db=db, settings=settings, email="typed@example.com", name=typed, password=PASSWORD,
        role=Role.student, verified=True, language="de",
    )  # fmt: skip
    asked = await client.post(
        "/api/auth/password-reset",
        json={"email": "typed@example.com"},
        headers={"Accept-Language": "de"},
    )
    assert asked.status_code == 202 and asked.json()["detail"].startswith("Falls ein Konto")
    [mail] = await mail_server.wait_for("typed@example.com")
    assert mail.subject == "Setzen Sie Ihr Passwort zurück"
    assert mail.body().startswith(f"Hallo {typed},\r\n")
    html = mail.body("html")
    assert "<p>Hallo &lt;b&gt;{name}&lt;/b&gt; {0} %s {{x}},</p>" in html and "<b>" not in html


async def test_a_gift_to_an_address_without_an_account_is_written_in_the_buyer_s_language(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    mail_server: MailServer,
    instructor: SignedIn,
) -> None:
    course = await make_course(db, instructor.user, title="Aquarell {Grundlagen}", amount=2500)
    buyer = await signed_in(client, db, settings, email="schenker@example.com")
    await confirm_email(db, buyer)
    await speaking(client, buyer, "de")
    english = await signed_in(client, db, settings, email="reader@example.com")

    await pay(client, buyer, (await order_gift(client, buyer, course.id, recipient_email="neu@example.com", message="Viel Spaß! <i>{x}</i>"))["order_id"])  # fmt: skip
    [gift] = await mail_server.wait_for("neu@example.com")
    assert gift.subject == "Ein Geschenk für Sie: Aquarell {Grundlagen}"
    text = gift.body().replace("\r\n", "\n")
    assert "Test User schenkt Ihnen „Aquarell {Grundlagen}“, einen Kurs auf CourseVault." in text
    assert "Die Nachricht dazu:\n\nViel Spaß! <i>{x}</i>" in text
    assert "Kurs einlösen:\nhttp" in text
    [receipt] = [m for m in await mail_server.wait_for(buyer.user.email) if "Quittung" in m.subject]
    assert receipt.subject == "Ihre Quittung für Aquarell {Grundlagen}"
    assert "Betrag: 25,00 USD" in receipt.body() and "Für: neu@example.com" in receipt.body()

    # An address with an account reads it in that account's language.
    order = await order_gift(client, buyer, course.id, recipient_email=english.user.email)
    await pay(client, buyer, order["order_id"])
    [gift] = await mail_server.wait_for(english.user.email)
    assert gift.subject == "A gift for you: Aquarell {Grundlagen}"


# ---- error messages ------------------------------------------------------------------------


async def test_error_messages_follow_the_account_then_accept_language_and_codes_stay(
    client: httpx.AsyncClient, db: Database, settings: Settings, student: SignedIn
) -> None:
    url = "/api/courses/000000000000000000000000"
    english = await client.get(url, headers={"Accept-Language": "fr"})
    german = await client.get(url, headers={"Accept-Language": "de-DE,de;q=0.9"})
    preferred = await client.get(url, headers={"Accept-Language": "fr;q=1, de;q=0.5, en;q=0.1"})
    plain = await client.get(url)
    assert {error_code(r) for r in (english, german, preferred, plain)} == {"course_not_found"}
    assert english.json()["error"]["message"] == plain.json()["error"]["message"]
    assert english.json()["error"]["message"] == "No such course."
    assert german.json()["error"]["message"] == "Diesen Kurs gibt es nicht."
    assert preferred.json()["error"]["message"] == "Diesen Kurs gibt es nicht."

    # An account that never chose a language reads its browser's.
    never_chose = await client.get(url, headers={**student.bearer, "Accept-Language": "de"})
    assert never_chose.json()["error"]["message"] == "Diesen Kurs gibt es nicht."
    # A German account reads German whatever its browser asks for; an English one English.
    await speaking(client, student, "de")
    asks_english = {**student.bearer, "Accept-Language": "en"}
    mine = await client.get(url, headers=asks_english)
    assert (error_code(mine), mine.json()["error"]["message"]) == (
        "course_not_found",
        "Diesen Kurs gibt es nicht.",
    )
    forbidden = await client.get("/api/admin/users", headers=asks_english)
    assert error_code(forbidden) == "forbidden"
    assert forbidden.json()["error"]["message"] == "Dafür brauchen Sie die Rolle admin."


async def test_a_translated_error_keeps_its_parameters_and_its_detail(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    german = {"Accept-Language": "de"}
    body = {"email": "kurz@example.com", "password": "kurz", "name": "Kurz"}
    short = await client.post("/api/auth/register", json=body, headers=german)
    assert (short.status_code, error_code(short)) == (422, "weak_password")
    assert short.json()["error"]["message"] == (
        f"Das Passwort muss mindestens {settings.password_min_length} Zeichen lang sein"
    )
    # Validation: the same detail in every language, the message in German.
    missing = await client.post("/api/auth/register", json={"email": "a@example.com"})
    missing_de = await client.post(
        "/api/auth/register", json={"email": "a@example.com"}, headers=german
    )
    assert error_code(missing) == error_code(missing_de) == "validation_error"
    assert missing.json()["error"]["detail"] == missing_de.json()["error"]["detail"]
    assert missing_de.json()["error"]["message"] == "password: Dieses Feld ist erforderlich."
    assert missing.json()["error"]["message"] == "password: Field required"


async def test_an_unknown_path_a_refused_method_and_a_large_body_answer_in_the_request_s_language(
    client: httpx.AsyncClient,
) -> None:
    german = {"Accept-Language": "de"}
    unknown = await client.get("/api/no-such-thing", headers=german)
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")
    assert unknown.json()["error"]["message"] == "Nicht gefunden."
    english = await client.post("/api/no-such-thing", headers={"Accept-Language": "fr"})
    assert (english.status_code, english.json()["error"]["message"]) == (404, "Not found")

    refused = await client.delete("/api/auth/me", headers=german)
    assert (refused.status_code, error_code(refused)) == (405, "method_not_allowed")
    assert refused.json()["error"]["message"] == "Diese Methode ist hier nicht erlaubt."
    assert "PATCH" in refused.headers["allow"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: refused while streaming
        for _ in range(20):
            yield b"x" * 65536

    big = b"x" * (1024 * 1024 + 1)
    json_body = {**german, "Content-Type": "application/json"}
    for body in (big, chunks()):
        answer = await client.post("/api/auth/login", content=body, headers=json_body)
        assert (answer.status_code, error_code(answer)) == (413, "payload_too_large")
        assert answer.json()["error"]["message"] == "Der Inhalt der Anfrage ist zu groß."
    answer = await client.post(
        "/api/auth/login", content=big, headers={"Content-Type": "application/json"}
    )
    assert answer.json()["error"]["message"] == "The request body is too large."


async def test_course_and_quiz_reasons_are_written_in_the_instructor_s_language(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn
) -> None:
    course = await make_course(db, instructor.user)
    url = f"/api/courses/{course.id}"
    rule = {"completion": {"lessons": ["x"]}}
    english = await client.patch(url, json=rule, headers=instructor.bearer)
    assert (english.status_code, error_code(english)) == (422, "invalid_completion")
    assert english.json()["error"]["message"] == (
        "Cannot use this completion rule: lessons names a lesson that is not in this course."
    )
    _, quiz_id = await add_quiz_lesson(client, instructor, course.id)
    gift_url = f"/api/quizzes/{quiz_id}/import"
    unclosed, empty_option = {"text": "Q {=a ~b"}, {"text": "Q {=1 ~2 ~}"}
    gift = await client.post(gift_url, json=unclosed, headers=instructor.bearer)
    assert error_code(gift) == "invalid_gift"
    assert gift.json()["error"]["message"] == (
        "Line 1: this '{' is never closed. Nothing was imported."
    )

    await speaking(client, instructor, "de")
    german = await client.patch(url, json=rule, headers=instructor.bearer)
    assert (german.status_code, error_code(german)) == (422, "invalid_completion")
    assert german.json()["error"]["message"] == (
        "Diese Abschlussregel kann nicht verwendet werden: lessons nennt eine Lektion, die "
        "nicht zu diesem Kurs gehört."
    )
    gift = await client.post(gift_url, json=unclosed, headers=instructor.bearer)
    assert gift.json()["error"]["message"] == (
        "Zeile 1: dieses '{' wird nie geschlossen. Es wurde nichts importiert."
    )
    # Pydantic's English reason is not set into German: the code's sentence instead.
    gift = await client.post(gift_url, json=empty_option, headers=instructor.bearer)
    assert (error_code(gift), gift.json()["error"]["message"]) == (
        "invalid_gift",
        "Die GIFT-Datei konnte nicht gelesen werden; es wurde nichts importiert.",
    )
    # Several reasons, each in German, in one sentence.
    publish = await client.post(f"/api/courses/{course.id}/publish", headers=instructor.bearer)
    assert error_code(publish) == "cannot_publish"
    assert publish.json()["error"]["message"] == (
        "Dieser Kurs ist noch nicht bereit zur Veröffentlichung: ein Quiz der Lektion „Check "
        "yourself“ hat noch keine Frage"
    )
    assert publish.json()["error"]["detail"] == {
        "reasons": ["a quiz of lesson “Check yourself” has no question"]
    }
    # A question the validator refuses: its reason, not pydantic's English.
    quiz = (await client.get(f"/api/quizzes/{quiz_id}/edit", headers=instructor.bearer)).json()
    question = {"type": "true_false", "stem": "Wahr?"}
    put = await client.put(
        f"/api/quizzes/{quiz_id}/questions",
        json={"version": quiz["version"], "questions": [question]},
        headers=instructor.bearer,
    )
    assert error_code(put) == "validation_error"
    assert put.json()["error"]["message"] == ("questions.0: eine Wahr/Falsch-Frage braucht truth")


async def test_the_engagement_refusal_is_all_german_for_a_german_reader(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn
) -> None:
    course = await make_course(db, instructor.user)
    other = await signed_in(client, db, settings, role=Role.instructor)
    await speaking(client, other, "de")
    refused = await client.get(
        f"/api/lessons/{course.text_lesson}/engagement", headers=other.bearer
    )
    assert (refused.status_code, error_code(refused)) == (403, "not_course_owner")
    assert refused.json()["error"]["message"] == (
        "Nur die Kursleitung dieses Kurses kann die Wiedergabestatistik dieser Lektion ansehen."
    )


def test_dates_and_numbers_in_a_german_message_are_written_the_german_way() -> None:
    refusal = course_errors.lesson_not_released(datetime(2026, 12, 5, 9, 30, tzinfo=UTC))
    assert refusal.message == "This lesson opens on 05 December 2026 at 09:30 UTC."
    assert i18n.render(refusal.text, "de") == (
        "Diese Lektion wird am 5. Dezember 2026 um 09:30 Uhr UTC freigeschaltet."
    )
    too_large = media_errors.too_large(2_500_000)
    assert too_large.message == "The file is larger than the limit of 2,500,000 bytes."
    assert i18n.render(too_large.text, "de") == (
        "Die Datei ist größer als die Grenze von 2.500.000 Byte."
    )


# ---- the certificate -----------------------------------------------------------------------


async def test_a_german_learner_s_certificate_is_written_in_german(
    client: httpx.AsyncClient, db: Database, settings: Settings, instructor: SignedIn
) -> None:
    course = await make_course(db, instructor.user, title="Analytische Maschinen")
    student = await signed_in(client, db, settings)
    await speaking(client, student, "de")
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    ).status_code == 201
    early = await client.get(f"/api/courses/{course.id}/certificate", headers=student.bearer)
    assert error_code(early) == "course_not_completed"
    assert (
        early.json()["error"]["message"]
        == "Schließen Sie zuerst alle Lektionen ab: 0 von 1 erledigt."
    )
    await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    issued = (
        await client.get(f"/api/courses/{course.id}/certificate", headers=student.bearer)
    ).json()
    pdf = await client.get(issued["pdf_url"], headers=student.bearer)
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    issued_at = datetime.fromisoformat(issued["issued_at"])
    for expected in (
        "ABSCHLUSSZERTIFIKAT",
        "Hiermit wird bestätigt, dass",
        "Test User",
        "den Kurs",
        "Analytische Maschinen",
        f"am {german_date(issued_at)} abgeschlossen hat.",
        "Dieses Zertifikat prüfen:",
    ):
        assert expected in text, (expected, text)
    assert "CERTIFICATE" not in text and "December" not in text

    page_url = issued["verify_url"].replace(str(settings.public_url), "")
    page = await client.get(page_url, headers={"Accept-Language": "de"})
    assert "Von CourseVault bestätigt" in page.text and "<html lang=de>" in page.text
    assert f"am {german_date(issued_at)} abgeschlossen" in page.text
    english = await client.get(page_url, headers={"Accept-Language": "fr"})
    assert "Verified by CourseVault" in english.text


# ---- the catalogs --------------------------------------------------------------------------


def templates() -> Iterator[tuple[str, str]]:
    """Every `msg("…")` of the server, with where it is; a template that is no literal fails
    (it could not be looked up)."""
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "msg":
                continue
            where = f"{path.relative_to(SOURCE)}:{node.lineno}"
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), where
            yield first.value, where


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_template_has_german_with_the_same_fields() -> None:
    found = dict(templates())
    assert len(found) > 150  # the scan sees the server's messages
    missing = sorted(f"{where}: {t!r}" for t, where in found.items() if t not in GERMAN.messages)
    assert not missing, "no German for:\n" + "\n".join(missing)
    for english, german in GERMAN.messages.items():
        assert fields(german) == fields(english), (english, german)
    stale = sorted(set(GERMAN.messages) - set(found))
    assert not stale, f"German for templates no code uses: {stale}"


def test_every_error_code_has_a_german_sentence() -> None:
    codes = {code.value for code in ErrorCode}
    assert not codes - set(GERMAN.codes), sorted(codes - set(GERMAN.codes))
    assert not set(GERMAN.codes) - codes, sorted(set(GERMAN.codes) - codes)
    assert all(sentence.strip() for sentence in GERMAN.codes.values())


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("de-DE,de;q=0.9", "de"),
        ("fr", "en"),
        ("fr;q=1, de;q=0.5", "de"),
        ("en;q=0.1, de-AT", "de"),
        ("de;q=0, en", "en"),
        ("de;q=nonsense", "en"),
        ("*", "en"),
        ("", "en"),
    ],
)
def test_accept_language_picks_the_best_shipped_language(header: str, language: str) -> None:
    assert i18n.from_accept_language(header) == language
