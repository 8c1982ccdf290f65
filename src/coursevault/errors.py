"""One error shape for the whole API: {"error": {"code", "message", "detail"}}.

Every code the API can answer with is a member of `ErrorCode`, which the OpenAPI document
publishes (`ErrorBody`), so the web app's generated client switches on a typed union.
Features build their errors in their own `errors.py`; nothing else constructs `AppError`.
A message is a `msg(...)` template, so the one handler below answers it in the reader's
language (`coursevault.i18n`); the code stays what it is in every language.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pymongo.errors import ConnectionFailure, ExecutionTimeout, OperationFailure
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from coursevault import i18n
from coursevault.i18n import Language, Msg, Text, msg

log = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    """Every error code the API answers with; `docs/api-errors.md` explains each."""

    # the framework and the base (routing, validation, body size, database, bugs)
    bad_request = "bad_request"
    not_authenticated = "not_authenticated"
    forbidden = "forbidden"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    conflict = "conflict"
    payload_too_large = "payload_too_large"
    unsupported_media_type = "unsupported_media_type"
    too_many_requests = "too_many_requests"
    http_error = "http_error"
    validation_error = "validation_error"
    database_unavailable = "database_unavailable"
    internal_error = "internal_error"
    # auth
    invalid_credentials = "invalid_credentials"
    invalid_token = "invalid_token"
    refresh_conflict = "refresh_conflict"
    refresh_token_reused = "refresh_token_reused"
    csrf_failed = "csrf_failed"
    email_taken = "email_taken"
    weak_password = "weak_password"
    too_many_attempts = "too_many_attempts"
    user_not_found = "user_not_found"
    cannot_demote_self = "cannot_demote_self"
    invalid_link = "invalid_link"
    already_verified = "already_verified"
    mail_disabled = "mail_disabled"
    # courses
    course_not_found = "course_not_found"
    lesson_not_found = "lesson_not_found"
    section_not_found = "section_not_found"
    not_course_owner = "not_course_owner"
    not_enrolled = "not_enrolled"
    cannot_publish = "cannot_publish"
    slug_taken = "slug_taken"
    course_published = "course_published"
    course_has_enrollments = "course_has_enrollments"
    edit_conflict = "edit_conflict"
    last_lesson = "last_lesson"
    invalid_video = "invalid_video"
    invalid_chapters = "invalid_chapters"
    invalid_image = "invalid_image"
    image_too_large = "image_too_large"
    lesson_not_released = "lesson_not_released"
    invalid_completion = "invalid_completion"
    checkpoint_video_shared = "checkpoint_video_shared"
    invalid_release = "invalid_release"
    student_not_enrolled = "student_not_enrolled"
    # progress
    completion_needs_watching = "completion_needs_watching"
    # certificates
    course_not_completed = "course_not_completed"
    certificate_not_found = "certificate_not_found"
    video_in_use = "video_in_use"
    # media and tus uploads
    video_not_found = "video_not_found"
    video_not_ready = "video_not_ready"
    upload_not_found = "upload_not_found"
    tus_version_unsupported = "tus_version_unsupported"
    upload_offset_mismatch = "upload_offset_mismatch"
    upload_too_large = "upload_too_large"
    upload_quota_exceeded = "upload_quota_exceeded"
    insufficient_storage = "insufficient_storage"
    too_many_uploads = "too_many_uploads"
    bad_upload_request = "bad_upload_request"
    upload_busy = "upload_busy"
    checksum_mismatch = "checksum_mismatch"
    upload_not_allowed = "upload_not_allowed"
    # captions
    invalid_captions = "invalid_captions"
    captions_too_large = "captions_too_large"
    invalid_language = "invalid_language"
    captions_not_found = "captions_not_found"
    too_many_caption_tracks = "too_many_caption_tracks"
    transcription_unavailable = "transcription_unavailable"
    # forensic watermark
    video_not_watermarked = "video_not_watermarked"
    unreadable_copy = "unreadable_copy"
    protected_copy_pending = "protected_copy_pending"
    protected_copy_unavailable = "protected_copy_unavailable"
    # quizzes and checkpoints
    quiz_not_found = "quiz_not_found"
    attempt_not_found = "attempt_not_found"
    question_not_found = "question_not_found"
    attempt_closed = "attempt_closed"
    attempt_expired = "attempt_expired"
    no_attempts_left = "no_attempts_left"
    invalid_answer = "invalid_answer"
    answer_locked = "answer_locked"
    invalid_gift = "invalid_gift"
    completion_needs_passing = "completion_needs_passing"
    invalid_quiz = "invalid_quiz"
    checkpoint_required = "checkpoint_required"
    # streaming
    stream_limit = "stream_limit"
    play_limit = "play_limit"
    playback_ended = "playback_ended"
    playback_not_allowed = "playback_not_allowed"
    invalid_media_token = "invalid_media_token"
    not_a_video_lesson = "not_a_video_lesson"
    student_not_found = "student_not_found"
    key_rate_limited = "key_rate_limited"
    playback_rate_limited = "playback_rate_limited"
    # payments
    order_not_found = "order_not_found"
    course_is_free = "course_is_free"
    already_enrolled = "already_enrolled"
    payment_required = "payment_required"
    invalid_coupon = "invalid_coupon"
    coupon_expired = "coupon_expired"
    coupon_exists = "coupon_exists"
    not_a_test_order = "not_a_test_order"
    payment_not_open = "payment_not_open"
    not_refundable = "not_refundable"
    refund_window_closed = "refund_window_closed"
    payment_provider_error = "payment_provider_error"
    payments_not_configured = "payments_not_configured"
    invalid_signature = "invalid_signature"
    # memberships
    plan_not_found = "plan_not_found"
    membership_not_found = "membership_not_found"
    invalid_plan_courses = "invalid_plan_courses"
    plan_in_use = "plan_in_use"
    interval_not_offered = "interval_not_offered"
    already_member = "already_member"
    payment_method_required = "payment_method_required"
    card_declined = "card_declined"
    membership_not_active = "membership_not_active"
    not_a_test_membership = "not_a_test_membership"
    local_action_not_allowed = "local_action_not_allowed"
    # bundles, gifts and team seats
    bundle_not_found = "bundle_not_found"
    invalid_bundle = "invalid_bundle"
    gift_not_found = "gift_not_found"
    gift_already_claimed = "gift_already_claimed"
    gift_refunded = "gift_refunded"
    team_not_found = "team_not_found"
    seat_not_found = "seat_not_found"
    no_free_seat = "no_free_seat"
    seat_already_assigned = "seat_already_assigned"
    seat_email_mismatch = "seat_email_mismatch"
    seat_already_claimed = "seat_already_claimed"
    seat_released = "seat_released"


class ErrorDetail(BaseModel):
    code: ErrorCode
    message: str
    detail: Any = None


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: ErrorDetail


# Published on every router so the generated client types error bodies.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "A client error"},
    "5XX": {"model": ErrorBody, "description": "A server error"},
}

# Codes for plain HTTP errors raised by the framework (routing, methods).
_STATUS_CODES = {
    400: ErrorCode.bad_request,
    401: ErrorCode.not_authenticated,
    403: ErrorCode.forbidden,
    404: ErrorCode.not_found,
    405: ErrorCode.method_not_allowed,
    409: ErrorCode.conflict,
    413: ErrorCode.payload_too_large,
    415: ErrorCode.unsupported_media_type,
    429: ErrorCode.too_many_requests,
}


class AppError(Exception):
    """An error the client should see, with a stable snake_case code."""

    def __init__(
        self,
        status: int,
        code: ErrorCode,
        message: Text,
        *,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        english = i18n.render(message, "en")
        super().__init__(english)
        self.status = status
        self.code = code
        self.text = message
        self.message = english
        self.detail = detail
        self.headers = headers


def error_body(code: ErrorCode, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code.value, "message": message, "detail": detail}}


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    detail: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, detail), status_code=status, headers=headers)


_NOT_FOUND = msg("Not found")
_TOO_LARGE = msg("The request body is too large.")


def not_found() -> AppError:
    """The plain 404 for what a client may not even learn exists."""
    return AppError(404, ErrorCode.not_found, _NOT_FOUND)


def method_not_allowed(allowed: set[str]) -> AppError:
    """A path other routes serve with the ALLOWED methods."""
    return AppError(
        405,
        ErrorCode.method_not_allowed,
        msg("Method not allowed"),
        headers={"Allow": ", ".join(sorted(allowed))},
    )


def payload_too_large() -> AppError:
    return AppError(413, ErrorCode.payload_too_large, _TOO_LARGE)


def message_in(code: ErrorCode, text: Text, language: Language) -> str:
    """TEXT for a reader of LANGUAGE: its translation; for a text the language lacks (the
    framework's words, a reason worded elsewhere) the code's own sentence in it; else the
    English. Every code has a sentence in every language (tests/test_languages.py)."""
    if isinstance(text, Msg) and i18n.translates(text, language):
        return i18n.render(text, language)
    sentence = i18n.catalog(language).codes.get(code) if language != i18n.DEFAULT else None
    return sentence or i18n.render(text, i18n.DEFAULT)


def app_error_response(exc: AppError, language: Language = i18n.DEFAULT) -> JSONResponse:
    """The one error shape for EXC, for code that answers without raising (ASGI paths)."""
    message = message_in(exc.code, exc.text, language)
    return error_response(exc.status, exc.code, message, exc.detail, exc.headers)


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return app_error_response(exc, i18n.of_request(request.scope))


# The framework's refusals we word ourselves (a 413 is the body limit's), so they translate.
_FRAMEWORK_TEXTS: dict[int, Msg] = {404: _NOT_FOUND, 413: _TOO_LARGE}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, ErrorCode.http_error)
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ").capitalize()
    text: Text = _FRAMEWORK_TEXTS.get(exc.status_code, message)
    language = i18n.of_request(request.scope)
    return error_response(
        exc.status_code, code, message_in(code, text, language), headers=exc.headers
    )


def _validation_message(error: Mapping[str, Any], language: Language) -> str:
    """The first refused field's problem: pydantic's English, our validator's own reason
    (a `msg` it raised), or its type's sentence."""
    english = str(error.get("msg", "invalid request"))
    if language == i18n.DEFAULT:
        return english
    raised = (error.get("ctx") or {}).get("error")
    reason = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
    if isinstance(reason, Msg) and i18n.translates(reason, language):
        return i18n.render(reason, language)
    problem = i18n.validation_problem(str(error.get("type", "")), error.get("ctx"), language)
    return problem or message_in(ErrorCode.validation_error, english, language)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    first = fields[0] if fields else {"loc": [], "message": "invalid request"}
    where = ".".join(part for part in first["loc"] if part not in ("body", "query", "path"))
    problem = _validation_message(exc.errors()[0] if fields else {}, i18n.of_request(request.scope))
    message = f"{where}: {problem}" if where else problem
    return error_response(422, ErrorCode.validation_error, message, fields)


# What a request meets when the database is frozen or gone (CSOT turns a hang into these).
DATABASE_DOWN = (ConnectionFailure, ExecutionTimeout)


def database_down_response(scope: Scope, exc: Exception) -> JSONResponse:
    """The 503 for a request the database did not answer (D2), logged in one line."""
    log.error("database unavailable on %s %s: %s", scope["method"], logged_path(scope), exc)
    code = ErrorCode.database_unavailable
    text = msg("The database does not answer; retry later.")
    return error_response(503, code, message_in(code, text, i18n.of_request(scope)))


_MEDIA_TOKEN = re.compile(r"^(/hls/)[^/]+")


def logged_path(scope: Scope) -> str:
    """What a log line names of a request: its route's template where one matched, else
    its path with any media token cut out (a logged token would open the stream)."""
    route = getattr(scope.get("route"), "path", None)
    return route if isinstance(route, str) else _MEDIA_TOKEN.sub(r"\1<token>", scope["path"])


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    return database_down_response(request.scope, exc)


# How a database says its disk is full: MongoDB's OutOfDiskSpace, SQLite's (the embedded
# server) and the kernel's messages.
OUT_OF_DISK_SPACE = 14031
DISK_FULL_MESSAGES = ("database or disk is full", "no space left on device")


async def _database_refused(request: Request, exc: Exception) -> JSONResponse:
    """A full disk is `507 insufficient_storage` (U1), not a 500; other refusals are bugs."""
    assert isinstance(exc, OperationFailure)
    if exc.code != OUT_OF_DISK_SPACE and not any(m in str(exc).lower() for m in DISK_FULL_MESSAGES):
        raise exc  # to the 500 handler, as any unexpected error
    log.error(
        "database out of disk space on %s %s: %s", request.method, logged_path(request.scope), exc
    )
    code = ErrorCode.insufficient_storage
    text = msg("The server is out of disk space, so nothing was saved. Retry later.")
    message = message_in(code, text, i18n.of_request(request.scope))
    return error_response(507, code, message, headers={"Retry-After": "300"})


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception(
        "unhandled error on %s %s", request.method, logged_path(request.scope), exc_info=exc
    )
    code, text = ErrorCode.internal_error, msg("Something went wrong on our side.")
    return error_response(500, code, message_in(code, text, i18n.of_request(request.scope)))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for failure in DATABASE_DOWN:
        app.add_exception_handler(failure, _database_down)
    app.add_exception_handler(OperationFailure, _database_refused)
    app.add_exception_handler(Exception, _unexpected_error)
