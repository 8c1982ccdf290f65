"""One writer per upload (U5), and an offset that is the bytes stored even after a crash (U8).

A PATCH holds its upload's write lock as a lease of `COURSEVAULT_UPLOAD_LOCK_SECONDS`,
renewed by a task every third of that while the request runs. A process killed in the
middle of a write (kill -9, the OOM killer, a power cut of its node) stops renewing, so
its lock runs out instead of blocking the upload for good, and it never stored the offset
it reached. Whoever takes the lock next therefore compares the stored offset with what
the store holds and keeps what is consistent: every byte the dead writer stored is the
client's byte at that position (writes are sequential), except the body of a PATCH with
an Upload-Checksum, which was never verified and goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from pymongo.errors import PyMongoError

from coursevault import clock
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.media import errors
from coursevault.media import repo as media_repo
from coursevault.media.models import Upload, Video
from coursevault.media.stores import storage

log = logging.getLogger(__name__)


@dataclass
class Held:
    """A write lock this request holds, and the upload's consistent offset under it."""

    lock_id: str
    offset: int
    length: int


@dataclass
class Lease:
    """Until when (monotonic clock) this process may still count on holding the lock."""

    deadline: float

    def held(self) -> bool:
        return time.monotonic() < self.deadline


async def take(
    *, db: Database, settings: Settings, video_id: str, upload_id: str, whole: bool
) -> Held | None:
    """Takes the upload's write lock (WHOLE: the body is all or nothing) and reconciles the
    offset a dead holder left; None if a live holder has it."""
    lock_id = secrets.token_urlsafe(12)
    now = clock.now()
    before = await media_repo.lock_upload(
        db=db,
        video_id=video_id,
        upload_id=upload_id,
        lock_id=lock_id,
        whole=whole,
        until=now + timedelta(seconds=settings.upload_lock_seconds),
        expires_at=now + timedelta(seconds=settings.upload_expiry_seconds),
        now=now,
    )
    if before is None:
        return None
    offset = await _reconcile(
        db=db, settings=settings, video_id=video_id, upload=before, lock_id=lock_id
    )
    return Held(lock_id=lock_id, offset=offset, length=before.length)


async def reconciled(*, db: Database, settings: Settings, video_id: str, upload: Upload) -> Upload:
    """Returns UPLOAD with the offset a client resumes from: the bytes stored, also after a
    writer died without storing its offset (U8)."""
    if upload.lock_until is not None and upload.lock_until > clock.now():
        return upload  # a writer is at work: the stored offset is where it started
    if upload.offset == upload.length:
        return upload  # complete: nothing on the store can be more than that
    if await storage(settings).upload_size(video_id, upload.id) == upload.offset:
        return upload
    held = await take(db=db, settings=settings, video_id=video_id, upload_id=upload.id, whole=False)
    if held is None:
        return upload  # a writer just started
    updated = await release(
        db=db,
        settings=settings,
        video_id=video_id,
        upload_id=upload.id,
        held=held,
        offset=held.offset,
    )
    if updated is None or updated.upload is None:
        raise errors.upload_not_found()
    return updated.upload


async def _reconcile(
    *, db: Database, settings: Settings, video_id: str, upload: Upload, lock_id: str
) -> int:
    """Makes the stored offset of UPLOAD (as its last holder left it) the bytes the store
    consistently holds, dropping any others; returns it."""
    if upload.offset == upload.length:
        # Its last writer stored every byte and died while completing: the part may have
        # become the original already, so the store is no measure (uploads.finish_interrupted).
        return upload.offset
    store = storage(settings)
    stored = await store.upload_size(video_id, upload.id)
    if stored == upload.offset:
        return stored
    if upload.lock_whole and stored > upload.offset:
        consistent = upload.offset  # an unverified checksummed body: none of it counts
    else:
        consistent = min(stored, upload.length)
    log.warning(
        "upload %s of video %s: offset %s stored, %s bytes on disk; resuming at %s",
        upload.id,
        video_id,
        upload.offset,
        stored,
        consistent,
    )
    if consistent != stored:
        async with store.upload_writer(video_id, upload.id, consistent):
            pass  # opening a writer at an offset drops every byte past it
    await media_repo.update_video(
        db=db,
        video_id=video_id,
        expect={"upload.id": upload.id, "upload.lock_id": lock_id},
        **{"upload.offset": consistent, "progress": consistent / upload.length},
    )
    return consistent


@contextlib.asynccontextmanager
async def renewing(
    *, db: Database, settings: Settings, video_id: str, upload_id: str, held: Held
) -> AsyncIterator[Lease]:
    """Renews HELD's lease while the block runs; the Lease says whether it still holds."""
    seconds = settings.upload_lock_seconds
    lease = Lease(deadline=time.monotonic() + seconds)

    async def renew() -> None:
        while True:
            await asyncio.sleep(seconds / 3)
            asked = time.monotonic()
            now = clock.now()
            try:
                renewed = await media_repo.renew_upload_lock(
                    db=db,
                    video_id=video_id,
                    upload_id=upload_id,
                    lock_id=held.lock_id,
                    until=now + timedelta(seconds=seconds),
                    expires_at=now + timedelta(seconds=settings.upload_expiry_seconds),
                )
            except PyMongoError as exc:  # the lease may still run: try again, the writer checks
                log.warning("could not renew the write lock of upload %s: %s", upload_id, exc)
                continue
            if not renewed:
                lease.deadline = 0.0
                return
            lease.deadline = asked + seconds

    task = asyncio.create_task(renew())
    try:
        yield lease
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def release(
    *,
    db: Database,
    settings: Settings,
    video_id: str,
    upload_id: str,
    held: Held,
    offset: int,
    keep: bool = False,
) -> Video | None:
    """Stores OFFSET, extends the expiry and frees the lock (KEEP: holds on to it, for the
    completion that follows); None if the upload is gone or the lock is no longer ours."""
    now = clock.now()
    fields = {
        "upload.offset": offset,
        "upload.expires_at": now + timedelta(seconds=settings.upload_expiry_seconds),
        "progress": offset / held.length,
    }
    if not keep:
        fields |= {"upload.lock_until": None, "upload.lock_id": None, "upload.lock_whole": False}
    return await media_repo.update_video(
        db=db,
        video_id=video_id,
        expect={"upload.id": upload_id, "upload.lock_id": held.lock_id},
        **fields,
    )
