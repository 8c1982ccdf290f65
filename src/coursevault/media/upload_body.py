"""The body of one tus PATCH: written through a bounded buffer under the upload's write
lease, all or nothing when it carries a checksum, cut at the last whole buffer when the
disk reaches its reserve (U1, U5, U8). `uploads.py` decides what a PATCH may do."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from enum import Enum

from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.media import errors, upload_lock
from coursevault.media.models import Video
from coursevault.media.storage import Store, UploadWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lock:
    """The write lock one PATCH holds on an upload, as `upload_lock` renews and frees it."""

    db: Database
    settings: Settings
    video_id: str
    upload_id: str
    held: upload_lock.Held

    def renewing(self) -> AbstractAsyncContextManager[upload_lock.Lease]:
        return upload_lock.renewing(
            db=self.db,
            settings=self.settings,
            video_id=self.video_id,
            upload_id=self.upload_id,
            held=self.held,
        )

    async def release(self, offset: int, keep: bool = False) -> Video | None:
        return await upload_lock.release(
            db=self.db,
            settings=self.settings,
            video_id=self.video_id,
            upload_id=self.upload_id,
            held=self.held,
            offset=offset,
            keep=keep,
        )


async def write_body(
    lock: Lock,
    store: Store,
    *,
    offset: int,
    length: int,
    chunks: AsyncIterator[bytes],
    checksum: tuple[str, bytes] | None,
) -> tuple[Outcome, int]:
    """Writes a PATCH body under LOCK, its lease renewed meanwhile; returns the outcome and
    the offset the bytes kept reach. A failed write frees the lock at that offset."""
    held = lock.held
    kept = Written()
    try:
        # Checked under the lock, against the offset reconciled with the bytes stored.
        if offset != held.offset:
            raise errors.offset_mismatch(held.offset)
        async with (
            lock.renewing() as lease,
            store.upload_writer(lock.video_id, lock.upload_id, offset) as writer,
        ):
            outcome = await write_chunks(
                writer=writer,
                buffer_size=store.write_buffer,
                chunks=chunks,
                offset=offset,
                length=length,
                checksum=checksum,
                kept=kept,
                still_held=lease.held,
            )
    except BaseException:
        # Whatever reached the disk counts, even if the write failed half-way.
        await lock.release(held.offset + kept.bytes)
        raise
    return outcome, held.offset + kept.bytes


def refuse(outcome: Outcome, *, video_id: str, reached: int, length: int) -> None:
    """Raises the answer to a body refused whole, or cut short by the disk reserve."""
    if outcome is Outcome.overflow:
        raise errors.too_large(length)
    if outcome is Outcome.bad_checksum:
        raise errors.checksum_mismatch()
    if outcome is Outcome.no_space:
        log.warning(
            "upload of video %s paused at %s of %s bytes: free space is at the reserve",
            video_id,
            reached,
            length,
        )
        raise errors.insufficient_storage()


@dataclass
class Written:
    bytes: int = 0


class Outcome(Enum):
    kept = "kept"
    overflow = "overflow"  # the body would pass the declared length: refused whole
    bad_checksum = "bad_checksum"  # the body does not match Upload-Checksum: refused whole
    no_space = "no_space"  # free space reached the reserve: what was written is kept
    lost = "lost"  # the write lock's lease ran out: what was written is kept, no more


async def write_chunks(
    *,
    writer: UploadWriter,
    buffer_size: int,
    chunks: AsyncIterator[bytes],
    offset: int,
    length: int,
    checksum: tuple[str, bytes] | None,
    kept: Written,
    still_held: Callable[[], bool],
) -> Outcome:
    """Writes CHUNKS at OFFSET through a bounded buffer, counting in KEPT what is stored.

    A buffer the store has no room for stops the upload at the last whole buffer kept, so
    the stored offset is exactly what is stored and the client resumes from there later.
    """
    digest = hashlib.new(checksum[0]) if checksum else None
    overflow = False
    buffer = bytearray()

    async def flush() -> bool:
        if not still_held() or not await writer.write(bytes(buffer)):
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
            return Outcome.no_space if still_held() else Outcome.lost
    if buffer and not overflow and not await flush():
        return Outcome.no_space if still_held() else Outcome.lost
    if overflow:
        outcome = Outcome.overflow
    elif digest is not None and checksum is not None and digest.digest() != checksum[1]:
        outcome = Outcome.bad_checksum
    else:
        return Outcome.kept
    await writer.truncate(offset)
    kept.bytes = 0
    return outcome
