"""tus uploads: create, append, terminate and expire, within the size, quota, concurrency
and free-space limits (U1, U5). The HTTP side is `tus.py`; this module sees offsets,
lengths and chunks."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from coursevault import clock
from coursevault.config import Settings
from coursevault.db import Database
from coursevault.media import errors, service
from coursevault.media import repo as media_repo
from coursevault.media.models import Upload, Video, VideoStatus
from coursevault.media.storage import Store, UploadWriter, storage

log = logging.getLogger(__name__)

UPLOAD_LOCK = timedelta(minutes=10)


async def start_upload(
    *, db: Database, settings: Settings, video: Video, length: int, metadata: dict[str, str]
) -> Video:
    """Creates the tus upload for VIDEO after the size, quota and concurrency checks (U1)."""
    if video.status not in (VideoStatus.awaiting_upload, VideoStatus.uploading):
        raise errors.upload_state(video.status)
    if length <= 0:
        raise errors.bad_upload_request("The file is empty")
    if length > settings.max_upload_bytes:
        raise errors.too_large(settings.max_upload_bytes)
    now = clock.now()
    used = await media_repo.bytes_in_use(db=db, owner_id=video.owner_id)
    used -= video.upload.length if video.upload else 0  # a restarted upload replaces its own
    if used + length > settings.upload_quota_bytes:
        raise errors.quota_exceeded(settings.upload_quota_bytes)
    running = await media_repo.active_uploads(db=db, owner_id=video.owner_id, now=now)
    if video.status != VideoStatus.uploading and running >= settings.max_concurrent_uploads:
        raise errors.too_many_uploads(settings.max_concurrent_uploads)
    store = storage(settings)
    _require_room(store, settings, length)
    if video.upload:
        await store.discard_upload(video.id, video.upload.id)
    upload = Upload(
        id=secrets.token_urlsafe(12),
        length=length,
        offset=0,
        expires_at=now + timedelta(seconds=settings.upload_expiry_seconds),
        lock_until=None,
        created_at=now,
    )
    await store.create_upload(video.id, upload.id)
    filename = metadata.get("filename") or metadata.get("name")
    updated = await media_repo.update_video(
        db=db,
        video_id=video.id,
        upload=upload.model_dump(),
        status=VideoStatus.uploading.value,
        progress=0.0,
        original_filename=service.sanitize_filename(filename) if filename else None,
    )
    if updated is None:
        await store.discard_upload(video.id, upload.id)
        raise errors.video_not_found()
    return updated


async def live_upload(*, db: Database, settings: Settings, video: Video, upload_id: str) -> Upload:
    """Returns the upload UPLOAD_ID of VIDEO if it exists and has not expired; an upload
    found expired loses its bytes at once, not at the next sweep."""
    upload = video.upload
    if upload is None or upload.id != upload_id or video.status != VideoStatus.uploading:
        raise errors.upload_not_found()
    if upload.expires_at <= clock.now():
        await _discard_upload(db=db, settings=settings, video=video, upload=upload)
        raise errors.upload_not_found()
    return upload


async def _discard_upload(
    *, db: Database, settings: Settings, video: Video, upload: Upload
) -> None:
    """Deletes an unfinished upload's bytes; the video awaits a new upload."""
    await storage(settings).discard_upload(video.id, upload.id)
    await media_repo.update_video(
        db=db,
        video_id=video.id,
        expect={"upload.id": upload.id},
        upload=None,
        status=VideoStatus.awaiting_upload.value,
        progress=0.0,
    )


async def append(
    *,
    db: Database,
    settings: Settings,
    video: Video,
    upload_id: str,
    offset: int,
    content_length: int | None,
    chunks: AsyncIterator[bytes],
    checksum: tuple[str, bytes] | None,
) -> Video:
    """Appends a PATCH body at OFFSET; keeps what arrived if the client disconnects.

    A chunk with a checksum is all or nothing (tus Checksum); one that would pass the
    declared length is refused whole (413) and leaves the upload as it was.
    """
    upload = await live_upload(db=db, settings=settings, video=video, upload_id=upload_id)
    if offset != upload.offset:
        raise errors.offset_mismatch(upload.offset)
    length = upload.length
    if content_length is not None and offset + content_length > length:
        raise errors.too_large(length)
    store = storage(settings)
    _require_room(store, settings, min(length - offset, content_length or store.write_buffer))
    await _lock(db=db, video_id=video.id, upload_id=upload_id)
    kept = _Written()
    try:
        async with store.upload_writer(video.id, upload_id, offset) as writer:
            outcome = await _write_chunks(
                writer=writer,
                buffer_size=store.write_buffer,
                chunks=chunks,
                offset=offset,
                length=length,
                checksum=checksum,
                kept=kept,
            )
    finally:
        # Whatever reached the disk counts, even if the write failed half-way.
        updated = await _release(
            db=db,
            settings=settings,
            video_id=video.id,
            upload_id=upload_id,
            offset=offset + kept.bytes,
            length=length,
        )
    if outcome is _Outcome.overflow:
        raise errors.too_large(length)
    if outcome is _Outcome.bad_checksum:
        raise errors.checksum_mismatch()
    if outcome is _Outcome.no_space:
        log.warning(
            "upload of video %s paused at %s of %s bytes: free space is at the reserve",
            video.id,
            offset + kept.bytes,
            length,
        )
        raise errors.insufficient_storage()
    if updated is None:
        raise errors.upload_not_found()
    if offset + kept.bytes == length:
        updated = await _complete_upload(db=db, settings=settings, video=updated)
    return updated


@dataclass
class _Written:
    bytes: int = 0


class _Outcome(Enum):
    kept = "kept"
    overflow = "overflow"  # the body would pass the declared length: refused whole
    bad_checksum = "bad_checksum"  # the body does not match Upload-Checksum: refused whole
    no_space = "no_space"  # free space reached the reserve: what was written is kept


def _require_room(store: Store, settings: Settings, needed: int) -> None:
    if not store.room_for(needed):
        log.warning(
            "upload refused: %s bytes would leave less than the reserve of %s free in %s",
            needed,
            settings.disk_reserve_bytes,
            settings.data_dir,
        )
        raise errors.insufficient_storage()


async def _lock(*, db: Database, video_id: str, upload_id: str) -> None:
    """Takes the upload's write lock (one PATCH at a time); 409 upload_busy if held."""
    now = clock.now()
    locked = await media_repo.lock_upload(
        db=db, video_id=video_id, upload_id=upload_id, until=now + UPLOAD_LOCK, now=now
    )
    if locked is None:
        raise errors.upload_busy()


async def _write_chunks(
    *,
    writer: UploadWriter,
    buffer_size: int,
    chunks: AsyncIterator[bytes],
    offset: int,
    length: int,
    checksum: tuple[str, bytes] | None,
    kept: _Written,
) -> _Outcome:
    """Writes CHUNKS at OFFSET through a bounded buffer, counting in KEPT what is stored.

    A buffer the store has no room for stops the upload at the last whole buffer kept, so
    the stored offset is exactly what is stored and the client resumes from there later.
    """
    digest = hashlib.new(checksum[0]) if checksum else None
    overflow = False
    buffer = bytearray()

    async def flush() -> bool:
        if not await writer.write(bytes(buffer)):
            return False
        kept.bytes += len(buffer)
        buffer.clear()
        return True

    async for chunk in chunks:
        if offset + kept.bytes + len(buffer) + len(chunk) > length:
            overflow = True
            break
        buffer += chunk
        if digest is not None:
            digest.update(chunk)
        if len(buffer) >= buffer_size and not await flush():
            return _Outcome.no_space
    if buffer and not overflow and not await flush():
        return _Outcome.no_space
    if overflow:
        outcome = _Outcome.overflow
    elif digest is not None and checksum is not None and digest.digest() != checksum[1]:
        outcome = _Outcome.bad_checksum
    else:
        return _Outcome.kept
    await writer.truncate(offset)
    kept.bytes = 0
    return outcome


async def _release(
    *, db: Database, settings: Settings, video_id: str, upload_id: str, offset: int, length: int
) -> Video | None:
    """Stores the new offset, extends the expiry and frees the write lock."""
    expiry = timedelta(seconds=settings.upload_expiry_seconds)
    return await media_repo.update_video(
        db=db,
        video_id=video_id,
        expect={"upload.id": upload_id},
        **{
            "upload.offset": offset,
            "upload.lock_until": None,
            "upload.expires_at": clock.now() + expiry,
            "progress": offset / length,
        },
    )


async def _complete_upload(*, db: Database, settings: Settings, video: Video) -> Video:
    upload = video.upload
    assert upload is not None  # the caller just wrote its last byte
    await storage(settings).complete_upload(video.id, upload.id)
    return await service.queue_transcode(db=db, video=video, size=upload.length)


async def terminate_upload(
    *, db: Database, settings: Settings, video: Video, upload_id: str
) -> None:
    """Deletes an unfinished upload (tus Termination); the video awaits a new one."""
    upload = await live_upload(db=db, settings=settings, video=video, upload_id=upload_id)
    await _discard_upload(db=db, settings=settings, video=video, upload=upload)


async def sweep_expired_uploads(*, db: Database, settings: Settings) -> int:
    """Deletes the bytes of uploads that expired (tus Expiration); returns how many."""
    expired = await media_repo.expired_uploads(db=db, now=clock.now())
    for video in expired:
        assert video.upload is not None  # the query matched an expired upload
        await _discard_upload(db=db, settings=settings, video=video, upload=video.upload)
    return len(expired)
