"""Errors the video and upload routes answer with (tus status codes where tus says so)."""

from __future__ import annotations

from coursevault.errors import AppError, ErrorCode
from coursevault.i18n import Msg, msg


def video_not_found() -> AppError:
    return AppError(404, ErrorCode.video_not_found, msg("No such video."))


def upload_not_found() -> AppError:
    return AppError(404, ErrorCode.upload_not_found, msg("No such upload, or it has expired."))


def tus_version() -> AppError:
    return AppError(
        412,
        ErrorCode.tus_version_unsupported,
        msg("Send Tus-Resumable: 1.0.0."),
        headers={"Tus-Version": "1.0.0"},
    )


def offset_mismatch(expected: int) -> AppError:
    return AppError(
        409,
        ErrorCode.upload_offset_mismatch,
        msg("The upload is at byte {expected}; resume from there.", expected=expected),
        detail={"offset": expected},
    )


def too_large(limit: int) -> AppError:
    return AppError(
        413,
        ErrorCode.upload_too_large,
        msg("The file is larger than the limit of {limit:,} bytes.", limit=limit),
    )


def quota_exceeded(limit: int) -> AppError:
    return AppError(
        413,
        ErrorCode.upload_quota_exceeded,
        msg("This upload would exceed your storage quota of {limit:,} bytes.", limit=limit),
    )


def too_many_uploads(limit: int) -> AppError:
    return AppError(
        429,
        ErrorCode.too_many_uploads,
        msg("Finish one of your {limit} running uploads first.", limit=limit),
    )


def wrong_content_type() -> AppError:
    return AppError(
        415,
        ErrorCode.unsupported_media_type,
        msg("Send chunks as application/offset+octet-stream."),
    )


def bad_upload_request(message: Msg) -> AppError:
    return AppError(400, ErrorCode.bad_upload_request, message)


def upload_busy() -> AppError:
    return AppError(409, ErrorCode.upload_busy, msg("Another request is writing to this upload."))


def checksum_mismatch() -> AppError:
    return AppError(
        460, ErrorCode.checksum_mismatch, msg("The chunk does not match its Upload-Checksum.")
    )


def upload_state(status: str) -> AppError:
    return AppError(
        409,
        ErrorCode.upload_not_allowed,
        msg("The video is {status}; it takes no upload now.", status=status),
    )


def video_not_ready() -> AppError:
    return AppError(409, ErrorCode.video_not_ready, msg("This video is still being prepared."))


def insufficient_storage() -> AppError:
    return AppError(
        507,
        ErrorCode.insufficient_storage,
        msg(
            "The server is short of disk space, so uploads are paused. What arrived is kept: "
            "resume later, or ask the site's administrator to free space."
        ),
        headers={"Retry-After": "300"},
    )


def disk_full() -> AppError:
    return AppError(
        507,
        ErrorCode.insufficient_storage,
        msg(
            "The server's disk is full, so nothing was saved. Retry later, or ask the site's "
            "administrator to free space."
        ),
        headers={"Retry-After": "300"},
    )
