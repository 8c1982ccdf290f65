"""Certificates: issued once every lesson is complete, a PDF whose text names the student,
the course, the date, the instructor and a verification link; the public page proves it
and a forged or altered id is 404."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from pypdf import PdfReader

from coursevault.auth.models import Role
from coursevault.database.db import Database
from tests.course_helpers import make_course, start_lesson, watch
from tests.factories import SignedIn, error_code, make_user, signed_in


async def test_a_student_who_completed_every_lesson_gets_a_verifiable_certificate(
    client: httpx.AsyncClient, db: Database, settings: Any
) -> None:
    teacher = await make_user(db, settings, role=Role.instructor)
    await db.users.update_one({"_id": teacher.id}, {"$set": {"name": "Ada Lovelace"}})
    course = await make_course(db, teacher, title="Analytical Engines")
    student = await signed_in(client, db, settings)
    await db.users.update_one({"_id": student.user.id}, {"$set": {"name": "Łukasz Ωmega"}})
    cert_url = f"/api/courses/{course.id}/certificate"
    stranger = await client.get(cert_url, headers=student.bearer)
    assert stranger.status_code == 403 and error_code(stranger) == "not_enrolled"
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    ).status_code == 201
    early = await client.get(cert_url, headers=student.bearer)
    assert early.status_code == 409 and error_code(early) == "course_not_completed"
    detail = early.json()["error"]["detail"]
    assert (detail["completed"], detail["total"], detail["quizzes_missing"]) == (0, 1, [])
    assert await db.certificates.count_documents({}) == 0

    done = await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    assert done.status_code == 200, done.text
    issued = await client.get(cert_url, headers=student.bearer)
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert (body["student_name"], body["course_title"], body["instructor_name"]) == (
        "Łukasz Ωmega",
        "Analytical Engines",
        "Ada Lovelace",
    )
    again = await client.get(cert_url, headers=student.bearer)
    assert again.json()["verification_id"] == body["verification_id"]  # issued once
    assert await db.certificates.count_documents({}) == 1

    pdf = await client.get(body["pdf_url"], headers=student.bearer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    issued_on = body["issued_at"][:10]
    for expected in ("Łukasz Ωmega", "Analytical Engines", "Ada Lovelace", body["verify_url"]):
        assert expected in text, (expected, text)
    assert f"{date.fromisoformat(issued_on):%d %B %Y}" in text

    public = await client.get(f"/api/certificates/{body['verification_id']}")
    assert public.status_code == 200
    assert public.json()["student_name"] == "Łukasz Ωmega" and public.json()["pdf_url"] is None
    page = await client.get(body["verify_url"].replace(str(settings.public_url), ""))
    assert page.status_code == 200 and "Verified by CourseVault" in page.text
    assert "Łukasz Ωmega" in page.text and "Analytical Engines" in page.text


async def test_forged_or_altered_certificate_ids_are_404(
    client: httpx.AsyncClient, db: Database, settings: Any
) -> None:
    teacher = await make_user(db, settings, role=Role.instructor)
    course = await make_course(db, teacher)
    student = await signed_in(client, db, settings)
    await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    real = (
        await client.get(f"/api/courses/{course.id}/certificate", headers=student.bearer)
    ).json()
    cert_id, mac = real["verification_id"].split(".")
    flipped = ("0" if cert_id[0] != "0" else "1") + cert_id[1:]
    for forged in (
        f"{flipped}.{mac}",  # another id with this signature
        f"{cert_id}.{'A' * 22}",  # a made-up signature
        cert_id,  # no signature
        f"{cert_id}.{mac}x",
        "../../etc/passwd",
    ):
        api = await client.get(f"/api/certificates/{forged}")
        assert api.status_code == 404, forged
        page = await client.get(f"/verify/{forged}")
        assert page.status_code == 404, forged
        assert "Verified" not in page.text


async def test_L1_a_forged_completion_earns_no_certificate(
    client: httpx.AsyncClient, db: Database, settings: Any, instructor: SignedIn, ready_video: str
) -> None:
    """L1: the text lesson marked done, both video lessons "completed" by asking and by
    heartbeats racing to the end: no certificate. Watching them earns it."""
    course = await make_course(db, instructor.user, video_id=ready_video)
    student = await signed_in(client, db, settings)
    assert (
        await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    ).status_code == 201
    cert_url = f"/api/courses/{course.id}/certificate"
    videos = [course.video_lesson or "", course.preview_lesson or ""]
    text = await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    assert text.json()["completed"] is True
    for lesson in videos:
        asked = await client.put(
            f"/api/lessons/{lesson}/progress",
            json={"position": 2, "completed": True},
            headers=student.bearer,
        )
        assert asked.status_code == 409 and error_code(asked) == "completion_needs_watching"
        session = (await start_lesson(client, student.bearer, lesson)).json()["session_id"]
        for position in (0.7, 1.4, 2.0):
            await client.post(
                f"/api/playback/{session}/heartbeat",
                json={"position": position},
                headers=student.bearer,
            )
        await client.delete(f"/api/playback/{session}", headers=student.bearer)
    refused = await client.get(cert_url, headers=student.bearer)
    assert refused.status_code == 409 and error_code(refused) == "course_not_completed"
    detail = refused.json()["error"]["detail"]
    assert (detail["completed"], detail["total"]) == (1, 3)
    assert await db.certificates.count_documents({}) == 0

    for lesson in videos:  # an honest learner, at twice the speed
        again = (await start_lesson(client, student.bearer, lesson)).json()
        await watch(client, student.bearer, again["session_id"], start=0.0, to=2.0)
    issued = await client.get(cert_url, headers=student.bearer)
    assert issued.status_code == 200, issued.text
