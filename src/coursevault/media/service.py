"""Video rules: create, tus upload (create, append, terminate, expire), queue, delete."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import shutil
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from pathlib import Path

from coursevault import clock, urls
from coursevault.auth.models import Role, User
from coursevault.config import Settings
from coursevault.db import Database
from coursevault.jobs import service as jobs
from coursevault.media import errors
from coursevault.media import jobs as media_jobs
from coursevault.media import keys as content_keys
from coursevault.media import repo as media_repo
from coursevault.media.models import (
    KeyScheme,
    Upload,
    Video,
    VideoFields,
    VideoRead,
    VideoStatus,
)
from coursevault.media.storage import storage

log = logging.getLogger(__name__)

WRITE_BUFFER = 1024 * 1024  # bytes held in memory before a write: RSS stays flat
UPLOAD_LOCK = timedelta(minutes=10)


def entity(video_id: str) -> str:
    return f"video:{video_id}"


def to_read(video: Video) -> VideoRead:
    """Returns the public view of a stored video."""
    shared = video.model_dump(include=set(VideoFields.model_fields))
    return VideoRead(**shared, id=video.id, upload_url=urls.upload(video.id))


def sanitize_filename(name: str) -> str:
    """Returns NAME as harmless display metadata (U4): no paths, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "video"


async def create_video(*, db: Database, owner: User, title: str) -> Video:
    """Creates a video record awaiting its upload."""
    return await media_repo.insert_video(db=db, owner_id=owner.id, title=title)


async def owned_video(*, db: Database, video_id: str, user: User) -> Video:
    """Returns the video if USER owns it (or is an admin); 404 otherwise, never 403."""
    video = await media_repo.get_video(db=db, video_id=video_id)
    if video is None or (video.owner_id != user.id and Role.admin not in user.roles):
        raise errors.video_not_found()
    return video


async def ready_video(*, db: Database, video_id: str, max_age: float = 0.0) -> Video:
    """Returns the video if it is ready to play; 409 video_not_ready otherwise. MAX_AGE > 0
    accepts the video as read up to that many seconds ago (playback starts)."""
    video = await media_repo.get_video(db=db, video_id=video_id, max_age=max_age)
    if video is None:
        raise errors.video_not_found()
    if video.status != VideoStatus.ready:
        raise errors.video_not_ready()
    return video


async def videos_by_id(*, db: Database, video_ids: list[str]) -> dict[str, Video]:
    """Returns the videos with VIDEO_IDS by id (missing ones are absent)."""
    return await media_repo.get_videos(db=db, video_ids=list(set(video_ids)))


async def list_videos(*, db: Database, owner: User) -> list[Video]:
    return await media_repo.list_videos(db=db, owner_id=owner.id)


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
    if video.upload:
        store.upload_part(video.id, video.upload.id).unlink(missing_ok=True)
    upload = Upload(
        id=secrets.token_urlsafe(12),
        length=length,
        offset=0,
        expires_at=now + timedelta(seconds=settings.upload_expiry_seconds),
        lock_until=None,
        created_at=now,
    )
    part = store.upload_part(video.id, upload.id)
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    filename = metadata.get("filename") or metadata.get("name")
    updated = await media_repo.update_video(
        db=db,
        video_id=video.id,
        upload=upload.model_dump(),
        status=VideoStatus.uploading.value,
        progress=0.0,
        original_filename=sanitize_filename(filename) if filename else None,
    )
    if updated is None:
        part.unlink(missing_ok=True)
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
    storage(settings).upload_part(video.id, upload.id).unlink(missing_ok=True)
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
    await _lock(db=db, video_id=video.id, upload_id=upload_id)
    part = storage(settings).upload_part(video.id, upload_id)
    kept = _Written()
    try:
        outcome = await _write_chunks(
            part=part, chunks=chunks, offset=offset, length=length, checksum=checksum, kept=kept
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
    part: Path,
    chunks: AsyncIterator[bytes],
    offset: int,
    length: int,
    checksum: tuple[str, bytes] | None,
    kept: _Written,
) -> _Outcome:
    """Writes CHUNKS at OFFSET through a bounded buffer, counting in KEPT what is on disk."""
    digest = hashlib.new(checksum[0]) if checksum else None
    overflow = False
    with part.open("r+b") as handle:
        handle.truncate(offset)  # drop bytes a crashed earlier PATCH wrote past the offset
        handle.seek(offset)
        buffer = bytearray()
        async for chunk in chunks:
            if offset + kept.bytes + len(buffer) + len(chunk) > length:
                overflow = True
                break
            buffer += chunk
            if digest is not None:
                digest.update(chunk)
            if len(buffer) >= WRITE_BUFFER:
                await asyncio.to_thread(handle.write, bytes(buffer))
                kept.bytes += len(buffer)
                buffer.clear()
        if buffer and not overflow:
            await asyncio.to_thread(handle.write, bytes(buffer))
            kept.bytes += len(buffer)
        if overflow:
            outcome = _Outcome.overflow
        elif digest is not None and checksum is not None and digest.digest() != checksum[1]:
            outcome = _Outcome.bad_checksum
        else:
            return _Outcome.kept
        handle.truncate(offset)
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
    store = storage(settings)
    upload = video.upload
    assert upload is not None  # the caller just wrote its last byte
    os.replace(store.upload_part(video.id, upload.id), store.original(video.id))
    return await _queue_transcode(db=db, video=video, size=upload.length)


async def queue_repackage(*, db: Database, video: Video) -> str:
    """Queues a ready video to be encoded and packaged again from its original (current key
    rotation); it stays playable meanwhile. Returns the job id."""
    if video.status is not VideoStatus.ready:
        raise errors.video_not_ready()
    return await jobs.enqueue(
        db=db,
        job_type=media_jobs.TRANSCODE,
        payload=media_jobs.TranscodePayload(video_id=video.id, repackage=True),
        entity=entity(video.id),
    )


async def outdated_videos(*, db: Database, settings: Settings) -> list[Video]:
    """Ready videos whose packaging is not the current one: a single key from before key
    rotation, or another rotation than COURSEVAULT_KEY_ROTATION_SEGMENTS."""
    outdated = []
    for video in await media_repo.ready_videos(db=db):
        stored = await media_repo.get_key(db=db, video_id=video.id)
        if (
            stored is None
            or stored.scheme is not KeyScheme.periods
            or stored.rotation != settings.key_rotation_segments
        ):
            outdated.append(video)
    return outdated


async def _queue_transcode(*, db: Database, video: Video, size: int) -> Video:
    """Marks VIDEO's original as complete and queues its transcode job."""
    updated = await media_repo.update_video(
        db=db,
        video_id=video.id,
        status=VideoStatus.queued.value,
        progress=0.0,
        size=size,
        upload=None,
        error=None,
    )
    if updated is None:
        raise errors.video_not_found()
    await jobs.enqueue(
        db=db,
        job_type=media_jobs.TRANSCODE,
        payload=media_jobs.TranscodePayload(video_id=video.id),
        entity=entity(video.id),
    )
    log.info("video %s has its %s bytes; transcode queued", video.id, size)
    return updated


async def import_file(
    *, db: Database, settings: Settings, owner: User, title: str, path: Path
) -> Video:
    """Creates a video from a local file (bulk import) and queues it like an upload."""
    size = (await asyncio.to_thread(path.stat)).st_size
    if size == 0:
        raise errors.bad_upload_request("The file is empty")
    if size > settings.max_upload_bytes:
        raise errors.too_large(settings.max_upload_bytes)
    video = await create_video(db=db, owner=owner, title=title)
    await asyncio.to_thread(shutil.copyfile, path, storage(settings).original(video.id))
    await media_repo.update_video(
        db=db, video_id=video.id, original_filename=sanitize_filename(path.name)
    )
    return await _queue_transcode(db=db, video=video, size=size)


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


async def delete_video(*, db: Database, settings: Settings, video: Video) -> None:
    """Deletes the video, its files and any job working on it."""
    await jobs.cancel_for(db=db, entity=entity(video.id))
    await media_repo.delete_video(db=db, video_id=video.id)
    storage(settings).delete_video(video.id)


@dataclass(frozen=True)
class PeriodKey:
    key: bytes  # AES-128
    rotation: int  # segments per period of this video (0: one key for the whole video)


async def period_key(
    *, db: Database, settings: Settings, video_id: str, period: int, max_age: float = 0.0
) -> PeriodKey | None:
    """Returns the AES-128 key of one period of a processed video, or None."""
    stored = await media_repo.get_key(db=db, video_id=video_id, max_age=max_age)
    if stored is None:
        return None
    key = content_keys.key_of_period(settings, video_id, stored, period)
    return PeriodKey(key=key, rotation=stored.rotation or 0) if key is not None else None
