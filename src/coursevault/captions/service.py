"""Caption tracks: upload (checked, converted, sanitised), list, delete, the transcript,
and the HLS files delivery answers with."""

from __future__ import annotations

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
from coursevault.db import Database
from coursevault.media.models import Video

# How long delivery may reuse a video's list of tracks and their cues: a changed track
# reaches viewers who start playback within this.
DELIVERY_CACHE_SECONDS = 5.0


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


async def hls_file(*, db: Database, video: Video, language: str, kind: str) -> str | None:
    """A caption playlist (`m3u8`) or its WebVTT segment (`vtt`), or None if there is none."""
    track = await captions_repo.track(
        db=db, video_id=video.id, language=language, max_age=DELIVERY_CACHE_SECONDS
    )
    if track is None:
        return None
    if kind == "m3u8":
        return hls.subtitle_playlist(track.language, video.duration or 0.0)
    return hls.segment(captions_repo.cues_of(track), video.start_pts)
