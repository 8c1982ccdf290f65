"""Certificate rules: issued once to an enrolled student who meets the course's completion
rule (Q4: the lessons it counts, the quizzes it requires, its pass rule), with the score;
verified by an id the platform signed (a forged or altered id is simply not found)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from coursevault.assessments import completion
from coursevault.auth import service as auth
from coursevault.auth.models import User
from coursevault.certificates import errors, pdf
from coursevault.certificates import repo as certificates_repo
from coursevault.certificates.models import Certificate, CertificateRead
from coursevault.config import Settings
from coursevault.courses import errors as course_errors
from coursevault.courses.service import on_sale
from coursevault.database.db import Database, Document
from coursevault.enrollments import service as enrollments
from coursevault.http import urls
from coursevault.i18n import Language
from coursevault.kdf import derive_key

PURPOSE = "certificate-verification-v1"
_SIGNED = re.compile(r"^([0-9a-f]{24})\.([A-Za-z0-9_-]{22})$")


def _mac(settings: Settings, certificate_id: str) -> str:
    digest = hmac.new(derive_key(settings, PURPOSE), certificate_id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")


def signed_id(settings: Settings, certificate_id: str) -> str:
    """The public id of a certificate: its id and a MAC only the platform can make."""
    return f"{certificate_id}.{_mac(settings, certificate_id)}"


def _certificate_id(settings: Settings, verification_id: str) -> str | None:
    match = _SIGNED.fullmatch(verification_id)
    if match is None:
        return None
    certificate_id, mac = match.groups()
    return certificate_id if hmac.compare_digest(mac, _mac(settings, certificate_id)) else None


def to_read(settings: Settings, certificate: Certificate, *, owner: bool) -> CertificateRead:
    public = signed_id(settings, certificate.id)
    return CertificateRead(
        verification_id=public,
        student_name=certificate.student_name,
        course_title=certificate.course_title,
        instructor_name=certificate.instructor_name,
        issued_at=certificate.issued_at,
        score=certificate.score,
        verify_url=urls.absolute(settings.public_url, urls.certificate_page(public)),
        pdf_url=urls.certificate_pdf(certificate.course_id) if owner else None,
    )


async def issue(*, db: Database, user: User, course: Document) -> Certificate:
    """USER's certificate for COURSE: 403 when not enrolled, 409 until every lesson is done."""
    if not await enrollments.is_active(
        db=db, user_id=user.id, course_id=course["_id"], published=on_sale(course)
    ):
        raise course_errors.not_enrolled()
    found = await certificates_repo.find(db=db, user_id=user.id, course_id=course["_id"])
    if found is not None:
        return found
    done = await completion.standing(db=db, user_id=user.id, course=course)
    if not done.complete:
        raise errors.course_not_completed(done)
    instructor = await auth.get_user(db=db, user_id=course["instructor_id"])
    return await certificates_repo.issue(
        db=db,
        user_id=user.id,
        course_id=course["_id"],
        student_name=user.name,
        course_title=course["title"],
        instructor_name=instructor.name if instructor else "",
        score=done.score if done.show_score else None,
    )


async def verified(*, db: Database, settings: Settings, verification_id: str) -> Certificate:
    """The certificate behind a public id; 404 for an unknown, forged or altered one."""
    certificate_id = _certificate_id(settings, verification_id)
    found = (
        await certificates_repo.get(db=db, certificate_id=certificate_id)
        if certificate_id
        else None
    )
    if found is None:
        raise errors.certificate_not_found()
    return found


def as_pdf(settings: Settings, certificate: Certificate, language: Language) -> bytes:
    """The certificate's PDF, its fixed words in LANGUAGE (the learner's)."""
    public = signed_id(settings, certificate.id)
    return pdf.render(
        certificate, urls.absolute(settings.public_url, urls.certificate_page(public)), language
    )
