"""Caption tracks: upload (checked, converted, sanitised), list, delete, the transcript,
and the HLS files delivery answers with."""

from __future__ import annotations

import asyncio
from datetime import datetime

from coursevault.captions import errors, hls, parse
from coursevault.captions import repo as captions_repo
from coursevault.captions.models import (
    MAX_TRACKS,
    CaptionLanguage,
    CaptionTrack,
    CaptionTrackRead,
    Transcript,
    normalize_language,
)
from coursevault.database.db import Database
from coursevault.media.models import Video
from coursevault.ttl_cache import TtlCache

# How long delivery may reuse a video's list of tracks: a changed track reaches viewers
# who start playback within this.
DELIVERY_CACHE_SECONDS = 5.0

# Rendered WebVTT files, keyed by what they are made of: the track's version and where the
# video's timeline starts. A new upload or a re-packaged video is a new key, so an entry
# is never stale, only unused until it ages out. Rendering a big track cost twice a
# segment per request; now each version is read and rendered once per process (C3).
# Most files are tens of KiB; the largest a 512 KiB upload makes are about 1.5 MiB.
RENDERED_SECONDS = 3600.0
_rendered: TtlCache[tuple[str, str, datetime, int | None], bytes] = TtlCache(
    "captions.rendered", max_items=128
)


def language_of(value: str) -> str:
    language = normalize_language(value)
    if language is None:
        raise errors.invalid_language(value)
    return language


def to_read(track: CaptionTrack, cue_count: int | None = None) -> CaptionTrackRead:
    return CaptionTrackRead(
        language=track.language,
        label=track.label,
        cue_count=len(track.cues) if cue_count is None else cue_count,
        updated_at=track.updated_at,
    )


async def upload(
    *, db: Database, video: Video, language: str, label: str | None, data: bytes
) -> CaptionTrack:
    """Stores VIDEO's captions in LANGUAGE from an SRT or WebVTT file (replacing any)."""
    language = language_of(language)
    try:
        cues = parse.parse(data, duration=video.duration)
    except parse.CaptionError as exc:
        raise errors.invalid_captions(exc) from None
    existing = {t.language for t, _ in await captions_repo.tracks(db=db, video_id=video.id)}
    if language not in existing and len(existing) >= MAX_TRACKS:
        raise errors.too_many_tracks(MAX_TRACKS)
    return await captions_repo.save(
        db=db, video_id=video.id, language=language, label=label or language, cues=cues
    )


async def list_tracks(*, db: Database, video_id: str) -> list[CaptionTrackRead]:
    return [to_read(t, n) for t, n in await captions_repo.tracks(db=db, video_id=video_id)]


async def remove(*, db: Database, video: Video, language: str) -> None:
    if not await captions_repo.delete(db=db, video_id=video.id, language=language_of(language)):
        raise errors.captions_not_found()


async def delete_all(*, db: Database, video_id: str) -> None:
    """Deletes every caption track of VIDEO_ID (the video is being deleted)."""
    await captions_repo.delete_all(db=db, video_id=video_id)


async def languages(*, db: Database, video_id: str, max_age: float = 0.0) -> list[CaptionLanguage]:
    found = await captions_repo.tracks(db=db, video_id=video_id, max_age=max_age)
    return [CaptionLanguage(language=t.language, label=t.label) for t, _ in found]


async def transcript(*, db: Database, video_id: str, language: str) -> Transcript:
    track = await captions_repo.track(db=db, video_id=video_id, language=language_of(language))
    if track is None:
        raise errors.captions_not_found()
    return Transcript(language=track.language, label=track.label, cues=track.cues)


def master_with_captions(master: bytes, tracks: list[CaptionLanguage]) -> bytes:
    """The master playlist with TRACKS as subtitle renditions."""
    return hls.with_subtitles(master.decode(), tracks).encode()


async def hls_file(*, db: Database, video: Video, language: str, kind: str) -> bytes | None:
    """A caption playlist (`m3u8`) or its WebVTT segment (`vtt`), or None if there is none.
    Both come from the cached list of tracks; only a version not rendered yet reads cues."""
    listed = await captions_repo.tracks(db=db, video_id=video.id, max_age=DELIVERY_CACHE_SECONDS)
    track = next((t for t, _ in listed if t.language == language), None)
    if track is None:
        return None
    if kind == "m3u8":
        return hls.subtitle_playlist(track.language, video.duration or 0.0).encode()

    async def render() -> bytes | None:
        full = await captions_repo.track(db=db, video_id=video.id, language=language)
        if full is None:
            return None
        # 20,000 cues take a tenth of a second: off the event loop.
        text = await asyncio.to_thread(hls.segment, captions_repo.cues_of(full), video.start_pts)
        return text.encode()

    key = (video.id, language, track.updated_at, video.start_pts)
    return await _rendered.get_or_load(key, RENDERED_SECONDS, render)
