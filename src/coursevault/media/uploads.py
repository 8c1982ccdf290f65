"""tus uploads: create, append, terminate and expire, within the size, quota, concurrency
and free-space limits (U1, U5, U7), resuming from the bytes stored (U8). The HTTP side is
`tus.py`, the write lock `upload_lock.py`; this module sees offsets, lengths and chunks."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from coursevault import clock
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.i18n import msg
from coursevault.media import errors, service, upload_lock
from coursevault.media import repo as media_repo
from coursevault.media import upload_body as body
from coursevault.media.models import Upload, UploadUsage, Video, VideoStatus
from coursevault.media.storage import Store
from coursevault.media.stores import storage

log = logging.getLogger(__name__)

# A hold older than this whose video does not hold its upload was left by a creation that
# died half-way; the sweep drops it (creating an upload takes milliseconds).
STALE_HOLD = timedelta(minutes=10)


async def start_upload(
    *, db: Database, settings: Settings, video: Video, length: int, metadata: dict[str, str]
) -> Video:
    """Creates the tus upload for VIDEO after the size and free-space checks, reserving its
    slot and bytes in one atomic update (U1, U7): racing creations never pass a limit."""
    now = clock.now()
    _check_start(settings, video, length, now)
    await _expire_owned(db=db, settings=settings, owner_id=video.owner_id, now=now)
    store = storage(settings)
    _require_room(store, settings, length)
    upload = Upload(
        id=secrets.token_urlsafe(12),
        length=length,
        offset=0,
        expires_at=now + timedelta(seconds=settings.upload_expiry_seconds),
        lock_until=None,
        created_at=now,
    )
    await media_repo.ensure_usage(db=db, owner_id=video.owner_id)
    usage = await media_repo.reserve_upload(
        db=db,
        owner_id=video.owner_id,
        video_id=video.id,
        upload_id=upload.id,
        length=length,
        max_uploads=settings.max_concurrent_uploads,
        quota=settings.upload_quota_bytes,
    )
    _check_reserved(settings, usage, video=video, upload=upload)
    replaced = video.upload
    filename = metadata.get("filename") or metadata.get("name")
    try:
        await store.create_upload(video.id, upload.id)
        updated = await media_repo.update_video(
            db=db,
            video_id=video.id,
            # Exactly the upload we replace: of two creations racing for one video, one wins.
            expect={"upload.id": replaced.id}
            if replaced
            else {"upload": None, "status": VideoStatus.awaiting_upload.value},
            upload=upload.model_dump(),
            status=VideoStatus.uploading.value,
            progress=0.0,
            original_filename=service.sanitize_filename(filename) if filename else None,
        )
    except BaseException:
        await _undo_start(db=db, settings=settings, video=video, upload=upload)
        raise
    if updated is None:
        await _undo_start(db=db, settings=settings, video=video, upload=upload)
        if await media_repo.get_video(db=db, video_id=video.id) is None:
            raise errors.video_not_found()
        raise errors.upload_busy()
    if replaced:
        await store.discard_upload(video.id, replaced.id)
        await media_repo.release_hold(db=db, owner_id=video.owner_id, upload_id=replaced.id)
    return updated


def _check_start(settings: Settings, video: Video, length: int, now: datetime) -> None:
    """Refuses a new upload of LENGTH bytes that VIDEO cannot take now."""
    if video.status not in (VideoStatus.awaiting_upload, VideoStatus.uploading):
        raise errors.upload_state(video.status)
    if length <= 0:
        raise errors.bad_upload_request(msg("The file is empty"))
    if length > settings.max_upload_bytes:
        raise errors.too_large(settings.max_upload_bytes)
    if video.upload is not None and _lock_live(video.upload, now):
        raise errors.upload_busy()  # a writer is at work on the upload this would replace


def _check_reserved(
    settings: Settings, usage: UploadUsage, *, video: Video, upload: Upload
) -> None:
    """Raises the limit that kept UPLOAD's hold out of USAGE, if one did."""
    if any(hold.upload == upload.id for hold in usage.held):
        return
    others = [hold for hold in usage.held if hold.video != video.id]
    if (
        usage.stored + sum(hold.bytes for hold in others) + upload.length
        > settings.upload_quota_bytes
    ):
        raise errors.quota_exceeded(settings.upload_quota_bytes)
    raise errors.too_many_uploads(settings.max_concurrent_uploads)


async def _undo_start(*, db: Database, settings: Settings, video: Video, upload: Upload) -> None:
    await storage(settings).discard_upload(video.id, upload.id)
    await media_repo.release_hold(db=db, owner_id=video.owner_id, upload_id=upload.id)


def _lock_live(upload: Upload, now: datetime) -> bool:
    return upload.lock_until is not None and upload.lock_until > now


async def live_upload(*, db: Database, settings: Settings, video: Video, upload_id: str) -> Upload:
    """Returns the upload UPLOAD_ID of VIDEO if it exists and has not expired; an upload
    found expired loses its bytes at once, not at the next sweep."""
    upload = video.upload
    if upload is None or upload.id != upload_id or video.status != VideoStatus.uploading:
        raise errors.upload_not_found()
    now = clock.now()
    if upload.expires_at <= now and not _lock_live(upload, now):
        await _discard_upload(db=db, settings=settings, video=video, upload=upload, expired_at=now)
        raise errors.upload_not_found()
    return upload


async def resume_point(*, db: Database, settings: Settings, video: Video, upload_id: str) -> Upload:
    """Returns the upload as a client resumes it (tus HEAD): its offset is the bytes stored,
    also after a writer died without storing it (U8)."""
    upload = await live_upload(db=db, settings=settings, video=video, upload_id=upload_id)
    if upload.offset == upload.length and not _lock_live(upload, clock.now()):
        await _finish_interrupted(db=db, settings=settings, video=video, upload=upload)
        return upload
    return await upload_lock.reconciled(db=db, settings=settings, video_id=video.id, upload=upload)


async def _discard_upload(
    *,
    db: Database,
    settings: Settings,
    video: Video,
    upload: Upload,
    expired_at: datetime | None = None,
) -> bool:
    """Deletes an unfinished upload (EXPIRED_AT: only if it is still expired then and no
    writer holds it); the video awaits a new upload. False if it changed meanwhile."""
    expect: dict[str, object] = {"upload.id": upload.id}
    if expired_at is not None:
        expect["upload.expires_at"] = {"$lte": expired_at}
        expect["$or"] = [{"upload.lock_until": None}, {"upload.lock_until": {"$lte": expired_at}}]
    # The record first: bytes are never deleted under a writer that still holds them.
    updated = await media_repo.update_video(
        db=db,
        video_id=video.id,
        expect=expect,
        upload=None,
        status=VideoStatus.awaiting_upload.value,
        progress=0.0,
    )
    if updated is None:
        return False
    await storage(settings).discard_upload(video.id, upload.id)
    await media_repo.release_hold(db=db, owner_id=video.owner_id, upload_id=upload.id)
    return True


async def _expire_owned(*, db: Database, settings: Settings, owner_id: str, now: datetime) -> None:
    """Discards OWNER_ID's expired uploads, so they hold no slot a new upload needs."""
    for video in await media_repo.expired_uploads(db=db, now=now, owner_id=owner_id):
        assert video.upload is not None  # the query matched an expired upload
        await _discard_upload(
            db=db, settings=settings, video=video, upload=video.upload, expired_at=now
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

    One PATCH writes at a time (another is `409 upload_busy`). A chunk with a checksum is
    all or nothing (tus Checksum); one that would pass the declared length is refused
    whole (413) and leaves the upload as it was.
    """
    upload = await live_upload(db=db, settings=settings, video=video, upload_id=upload_id)
    length = upload.length
    if content_length is not None and offset + content_length > length:
        raise errors.too_large(length)
    store = storage(settings)
    _require_room(store, settings, min(length - offset, content_length or store.write_buffer))
    held = await upload_lock.take(
        db=db, settings=settings, video_id=video.id, upload_id=upload_id, whole=bool(checksum)
    )
    if held is None:
        raise errors.upload_busy()
    lock = body.Lock(db=db, settings=settings, video_id=video.id, upload_id=upload_id, held=held)
    outcome, reached = await body.write_body(
        lock, store, offset=offset, length=length, chunks=chunks, checksum=checksum
    )
    done = outcome is body.Outcome.kept and reached == length
    updated = await lock.release(reached, keep=done)
    body.refuse(outcome, video_id=video.id, reached=reached, length=length)
    if outcome is body.Outcome.lost or updated is None:
        # Terminated meanwhile, or the lease ran out (the database did not answer) and
        # another writer may hold the upload now.
        current = await media_repo.get_video(db=db, video_id=video.id)
        if current is None or current.upload is None or current.upload.id != upload_id:
            raise errors.upload_not_found()
        raise errors.upload_busy()
    if done:  # still under the lock: a second PATCH cannot complete it twice
        updated = await _complete_upload(db=db, settings=settings, video=updated)
    return updated


def _require_room(store: Store, settings: Settings, needed: int) -> None:
    if not store.room_for(needed):
        log.warning(
            "upload refused: %s bytes would leave less than the reserve of %s free in %s",
            needed,
            settings.disk_reserve_bytes,
            settings.data_dir,
        )
        raise errors.insufficient_storage()


async def _complete_upload(*, db: Database, settings: Settings, video: Video) -> Video:
    """Makes the finished upload the original and queues its transcode. Each step may be
    run again: the store's move only when every byte is still in the upload (a process
    killed after the move left fewer there, the original whole)."""
    upload = video.upload
    assert upload is not None  # the caller holds the upload with its last byte written
    store = storage(settings)
    if await store.upload_size(video.id, upload.id) == upload.length:
        await store.complete_upload(video.id, upload.id)
    await media_repo.store_hold(db=db, owner_id=video.owner_id, upload_id=upload.id)
    return await service.queue_transcode(db=db, video=video, size=upload.length)


async def _finish_interrupted(
    *, db: Database, settings: Settings, video: Video, upload: Upload
) -> Video | None:
    """Completes an upload whose writer stored its last offset and died before the
    transcode was queued (U8); None if another request holds it."""
    held = await upload_lock.take(
        db=db, settings=settings, video_id=video.id, upload_id=upload.id, whole=False
    )
    if held is None:
        return None
    log.warning("upload %s of video %s was complete but not queued; queuing", upload.id, video.id)
    return await _complete_upload(db=db, settings=settings, video=video)


async def terminate_upload(
    *, db: Database, settings: Settings, video: Video, upload_id: str
) -> None:
    """Deletes an unfinished upload (tus Termination); the video awaits a new one."""
    upload = await live_upload(db=db, settings=settings, video=video, upload_id=upload_id)
    if _lock_live(upload, clock.now()):
        raise errors.upload_busy()  # its writer would go on writing into deleted bytes
    if not await _discard_upload(db=db, settings=settings, video=video, upload=upload):
        raise errors.upload_not_found()


async def sweep_expired_uploads(*, db: Database, settings: Settings) -> int:
    """Deletes the bytes of uploads that expired (tus Expiration) and no writer holds, and
    drops holds that a creation which died half-way left (U5, U7); returns how many
    uploads it deleted."""
    now = clock.now()
    swept = 0
    for video in await media_repo.expired_uploads(db=db, now=now):
        assert video.upload is not None  # the query matched an expired upload
        upload = video.upload
        if upload.offset == upload.length:  # complete, its writer died before queuing it
            await _finish_interrupted(db=db, settings=settings, video=video, upload=upload)
            continue
        swept += await _discard_upload(
            db=db, settings=settings, video=video, upload=upload, expired_at=now
        )
    if dropped := await media_repo.release_stale_holds(db=db, before=now - STALE_HOLD):
        log.warning("dropped %s upload holds of creations that never finished", dropped)
    return swept
