"""HTTP routes for certificates: the student's certificate and PDF, the public page."""

from __future__ import annotations

import asyncio
import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from coursevault import i18n
from coursevault.auth.deps import CurrentUser
from coursevault.certificates import service
from coursevault.certificates.models import CertificateRead
from coursevault.courses.deps import VisibleCourse
from coursevault.errors import ERROR_RESPONSES
from coursevault.http.deps import AppSettings, Db
from coursevault.i18n import msg

router = APIRouter(prefix="/api", tags=["certificates"], responses=ERROR_RESPONSES)
# Public pages a certificate's link opens; the app gives them the pages' security headers.
PAGE_PREFIX = "/verify"
page_router = APIRouter(prefix=PAGE_PREFIX, include_in_schema=False)


@router.get("/courses/{course_id}/certificate", operation_id="myCertificate")
async def my_certificate(
    course: VisibleCourse, user: CurrentUser, db: Db, settings: AppSettings
) -> CertificateRead:
    """Issues (once) and returns the certificate of a student who completed every lesson."""
    certificate = await service.issue(db=db, user=user, course=course)
    return service.to_read(settings, certificate, owner=True)


@router.get("/courses/{course_id}/certificate.pdf", operation_id="myCertificatePdf")
async def my_certificate_pdf(
    course: VisibleCourse, user: CurrentUser, db: Db, settings: AppSettings
) -> Response:
    certificate = await service.issue(db=db, user=user, course=course)
    body = await asyncio.to_thread(service.as_pdf, settings, certificate, user.language)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="certificate.pdf"'},
    )


@router.get("/certificates/{verification_id}", operation_id="verifyCertificate")
async def verify_certificate(
    verification_id: str, db: Db, settings: AppSettings
) -> CertificateRead:
    """Public: the certificate behind a signed id (404 for a forged or altered one)."""
    certificate = await service.verified(db=db, settings=settings, verification_id=verification_id)
    return service.to_read(settings, certificate, owner=False)


@page_router.get("/{verification_id}")
async def verification_page(
    verification_id: str, request: Request, db: Db, settings: AppSettings
) -> HTMLResponse:
    """The public page a certificate's link opens; a plain page that works without the app,
    in the visitor's language (`Accept-Language`)."""
    certificate = await service.verified(db=db, settings=settings, verification_id=verification_id)
    language = i18n.of_request(request.scope)

    def words(text: i18n.Text) -> str:
        return html.escape(i18n.render(text, language))  # the names in it are typed by people

    completed = msg(
        "completed “{course}”, taught by {teacher}, on {date:%d %B %Y}.",
        course=certificate.course_title,
        teacher=certificate.instructor_name,
        date=certificate.issued_at,
    )
    return HTMLResponse(
        f"<!doctype html><html lang={language}><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{words(msg('Certificate: {title}', title=certificate.course_title))}</title>"
        "<body style='font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;"
        f"padding:0 1rem;color:#111'><main><p>✔ {words(msg('Verified by CourseVault'))}</p>"
        f"<h1>{html.escape(certificate.student_name)}</h1>"
        f"<p>{words(completed)}</p></main></body></html>"
    )
