"""Video rules: create, import, queue for transcoding, delete (uploads: `uploads.py`)."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from starlette.responses import Response

from coursevault import disk
from coursevault.auth.models import Role, User
from coursevault.config import LadderKind, Settings, StorageKind
from coursevault.database.db import Database
from coursevault.http import urls
from coursevault.i18n import msg
from coursevault.jobs import service as jobs
from coursevault.media import errors, pipeline
from coursevault.media import jobs as media_jobs
from coursevault.media import keys as content_keys
from coursevault.media import repo as media_repo
from coursevault.media.models import (
    KeyScheme,
    Video,
    VideoFields,
    VideoRead,
    VideoStatus,
)
from coursevault.media.stores import storage

log = logging.getLogger(__name__)


entity = media_jobs.entity


def to_read(video: Video) -> VideoRead:
    """Returns the public view of a stored video."""
    shared = video.model_dump(include=set(VideoFields.model_fields))
    shared["playable"] = video.plays
    return VideoRead(
        **shared,
        id=video.id,
        upload_url=urls.upload(video.id),
        forensic_watermark=video.forensic is not None,
        forensic_progress=forensic_progress(video),
    )


def forensic_progress(video: Video) -> float | None:
    """How far the encode that adds VIDEO's forensic variants is (0..1), while they are
    asked for and not published; None otherwise (published, or not asked for: never, or
    the last attempt failed)."""
    if video.forensic is not None or not video.forensic_requested:
        return None
    if video.status is VideoStatus.failed:
        return None
    # A ready video keeps the 1.0 of its last encode until the re-package starts (which
    # writes 0 and then at most 0.99): 1.0 here means queued.
    if video.status is VideoStatus.ready and video.progress >= 1.0:
        return 0.0
    return video.progress


def sanitize_filename(name: str) -> str:
    """Returns NAME as harmless display metadata (U4): no paths, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "video"


# Below this much free space the data directory counts as full: the embedded database's
# next pages may not fit, and a record made now could never receive its upload.
DISK_FULL_BELOW = 1024 * 1024


def require_free_disk(settings: Settings) -> None:
    """Refuses a new video on a full data directory with `507 insufficient_storage` (U1),
    when the database or the media live there."""
    if not settings.uses_embedded_database and settings.storage is not StorageKind.local:
        return
    if disk.free_bytes(settings.data_dir) < DISK_FULL_BELOW:
        log.warning("new video refused: the data directory %s is full", settings.data_dir)
        raise errors.disk_full()


async def create_video(*, db: Database, owner: User, title: str, forensic: bool = False) -> Video:
    """Creates a video record awaiting its upload (FORENSIC: encode its forensic variants
    from the start, for a watermarked course)."""
    return await media_repo.insert_video(
        db=db, owner_id=owner.id, title=title, forensic_requested=forensic
    )


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


async def playable_video(*, db: Database, video_id: str, max_age: float = 0.0) -> Video:
    """Returns the video if a viewer can play it now: ready, or its early rendition is
    published while the full ladder is encoded (`Video.plays`); 409 video_not_ready
    otherwise. MAX_AGE as for `ready_video`."""
    video = await media_repo.get_video(db=db, video_id=video_id, max_age=max_age)
    if video is None:
        raise errors.video_not_found()
    if not video.plays:
        raise errors.video_not_ready()
    return video


async def get_video(*, db: Database, video_id: str, max_age: float = 0.0) -> Video | None:
    """The video (as read at most MAX_AGE seconds ago, when > 0), or None."""
    return await media_repo.get_video(db=db, video_id=video_id, max_age=max_age)


async def issue_forensic_number(*, db: Database, video_id: str) -> int:
    """The next playback number of a watermarked video (1, 2, …), atomically."""
    return await media_repo.issue_forensic_number(db=db, video_id=video_id)


async def published_video(
    *, db: Database, video_id: str, max_age: float, generations: bool = True
) -> Video | None:
    """VIDEO_ID as read at most MAX_AGE seconds ago, for delivery: with object storage
    (GENERATIONS) its `generation` says which published output viewers get."""
    video = await media_repo.get_video(db=db, video_id=video_id, max_age=max_age)
    if video is None or (generations and video.generation is None):
        # Another node may have published since this one cached the video: look again.
        video = await media_repo.get_video(db=db, video_id=video_id)
    return video


async def store_cover(*, settings: Settings, name: str, data: bytes) -> None:
    """Stores a prepared course cover under its content-hash NAME."""
    await storage(settings).put_cover(name, data)


async def cover_response(
    *, settings: Settings, name: str, headers: dict[str, str]
) -> Response | None:
    return await storage(settings).cover_response(name, headers)


async def poster_response(
    *, db: Database, settings: Settings, video_id: str, headers: dict[str, str]
) -> Response | None:
    """The poster frame of a ready video (a course's default cover), or None."""
    video = await published_video(db=db, video_id=video_id, max_age=60.0)
    generation = video.generation if video else None
    return await storage(settings).media_response(
        video_id, generation, "poster.jpg", "image/jpeg", headers
    )


async def videos_by_id(*, db: Database, video_ids: list[str]) -> dict[str, Video]:
    """Returns the videos with VIDEO_IDS by id (missing ones are absent)."""
    return await media_repo.get_videos(db=db, video_ids=list(set(video_ids)))


async def list_videos(*, db: Database, owner: User) -> list[Video]:
    return await media_repo.list_videos(db=db, owner_id=owner.id)


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


async def queue_forensic(*, db: Database, video_ids: list[str]) -> int:
    """Queues the forensic variants of those VIDEO_IDS that lack them (a watermarked course
    uses them), to be made in the order given (the first is taken first); a video not ready
    yet gets them at its first encode. Returns how many."""
    ordered = list(dict.fromkeys(video_ids))
    found = await media_repo.get_videos(db=db, video_ids=ordered)
    queued = 0
    for video in (found[video_id] for video_id in ordered if video_id in found):
        # One request at a time: only the caller that sets the flag queues the work (a
        # second save of the policy while the re-package runs changes nothing).
        if not await media_repo.request_forensic(db=db, video_id=video.id):
            continue
        if video.status is VideoStatus.ready:
            await media_jobs.queue_forensic(db=db, video=video, rank=queued)
            queued += 1
    return queued


async def ready_videos(*, db: Database) -> list[Video]:
    """Every ready video (commands that act on all of them)."""
    return await media_repo.ready_videos(db=db)


async def outdated_videos(*, db: Database, settings: Settings) -> list[Video]:
    """Ready videos whose packaging is not the current one: a single key from before key
    rotation, another rotation than COURSEVAULT_KEY_ROTATION_SEGMENTS, or a ladder encoded
    another way than COURSEVAULT_LADDER (videos from before the adaptive ladder)."""
    outdated = []
    for video in await media_repo.ready_videos(db=db):
        stored = await media_repo.get_key(db=db, video_id=video.id)
        if (
            (video.ladder or LadderKind.fixed.value)
            != pipeline.ladder_kind(settings, forensic=video.forensic is not None).value
            or stored is None
            or stored.scheme is not KeyScheme.periods
            or stored.rotation != settings.key_rotation_segments
        ):
            outdated.append(video)
    return outdated


async def queue_transcode(*, db: Database, video: Video, size: int) -> Video:
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
        raise errors.bad_upload_request(msg("The file is empty"))
    if size > settings.max_upload_bytes:
        raise errors.too_large(settings.max_upload_bytes)
    video = await create_video(db=db, owner=owner, title=title)
    await storage(settings).import_original(video.id, path)
    await media_repo.update_video(
        db=db, video_id=video.id, original_filename=sanitize_filename(path.name)
    )
    await media_repo.add_stored(db=db, owner_id=owner.id, size=size)  # counts in the quota
    return await queue_transcode(db=db, video=video, size=size)


class VideoCleanup(Protocol):
    """Deletes what a feature above media keeps about a deleted video."""

    async def __call__(self, *, db: Database, video_id: str) -> None: ...


async def delete_video(
    *, db: Database, settings: Settings, video: Video, also: Sequence[VideoCleanup] = ()
) -> None:
    """Deletes the video, its files and any job working on it; ALSO run once its record is
    gone (the caller above media passes its features' cleanups: caption tracks)."""
    await jobs.cancel_for(db=db, entity=entity(video.id))
    await media_repo.delete_video(db=db, video_id=video.id)
    for cleanup in also:
        await cleanup(db=db, video_id=video.id)
    await storage(settings).delete_video(video.id)


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
