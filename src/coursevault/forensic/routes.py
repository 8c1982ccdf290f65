"""Tracing a suspected copy from the admin pages: the raw file in the body (streamed to a
private temporary file, capped), the same analysis as `coursevault trace`."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request

from coursevault.auth.deps import Admin
from coursevault.errors import ERROR_RESPONSES
from coursevault.forensic import errors, service
from coursevault.forensic.models import TraceRead
from coursevault.http.deps import AppSettings, Db
from coursevault.media import errors as media_errors
from coursevault.media import service as media

TRACE_PREFIX = "/api/admin/trace/"
MAX_COPY_BYTES = 4 * 1024**3  # a screen recording of a whole lesson

router = APIRouter(prefix="/api/admin/trace", tags=["admin"], responses=ERROR_RESPONSES)


def _new_file(directory: Path) -> tuple[int, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix="trace-")
    return fd, Path(name)


async def _save(request: Request, directory: Path) -> Path:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_COPY_BYTES:
        raise media_errors.too_large(MAX_COPY_BYTES)
    fd, path = await asyncio.to_thread(_new_file, directory)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                written += len(chunk)
                if written > MAX_COPY_BYTES:
                    raise media_errors.too_large(MAX_COPY_BYTES)
                await asyncio.to_thread(out.write, chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


@router.post("/{video_id}", operation_id="traceCopy")
async def trace_copy(
    video_id: str, request: Request, _: Admin, db: Db, settings: AppSettings
) -> TraceRead:
    """Names the account a suspected copy (the raw file in the body) came from, with its
    sessions of the video."""
    video = await media.get_video(db=db, video_id=video_id)
    if video is None:
        raise media_errors.video_not_found()
    if video.forensic is None:
        raise errors.not_watermarked()  # before a byte of a large upload is taken
    copy = await _save(request, settings.data_dir / "work")
    try:
        found = await service.trace(db=db, settings=settings, video_id=video_id, copy=copy)
    except service.NotWatermarked:
        raise errors.not_watermarked() from None
    except service.UnreadableCopy as exc:
        raise errors.unreadable_copy(str(exc)) from None
    finally:
        copy.unlink(missing_ok=True)
    return service.to_read(found)
