"""Caption tracks: upload (checked, converted, sanitised), list, delete, the transcript,
and the HLS files delivery answers with."""

from __future__ import annotations

import asyncio
from datetime import datetime

from coursevault.captions import errors, hls, parse
from coursevault.captions import repo as captions_repo
from coursevault.captions.models import (
    MAX_TRACKS,
    CaptionCuesUpdate,
    CaptionLanguage,
    CaptionTrack,
    CaptionTrackDetail,
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
# What an automatic track's label ends with until the instructor edits or approves it.
AUTOMATIC_SUFFIX = " (automatic)"

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
        automatic=track.automatic,
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
    await _check_room(db=db, video_id=video.id, language=language)
    return await captions_repo.save(
        db=db, video_id=video.id, language=language, label=label or language, cues=cues
    )


async def _check_room(*, db: Database, video_id: str, language: str) -> None:
    existing = {t.language for t, _ in await captions_repo.tracks(db=db, video_id=video_id)}
    if language not in existing and len(existing) >= MAX_TRACKS:
        raise errors.too_many_tracks(MAX_TRACKS)


def _approved_label(label: str) -> str:
    return label.removesuffix(AUTOMATIC_SUFFIX) or label


async def detail(*, db: Database, video: Video, language: str) -> CaptionTrackDetail:
    """VIDEO's track in LANGUAGE with its cues, for the caption editor."""
    track = await captions_repo.track(db=db, video_id=video.id, language=language_of(language))
    if track is None:
        raise errors.captions_not_found()
    return CaptionTrackDetail(**to_read(track).model_dump(), cues=track.cues)


async def save_cues(
    *, db: Database, video: Video, language: str, cues_in: CaptionCuesUpdate
) -> CaptionTrack:
    """Stores the cues edited in the caption editor (the rules of an uploaded file apply);
    the track is the instructor's from then on, no longer automatic."""
    language = language_of(language)
    typed = [parse.Cue(start=c.start, end=c.end, text=c.text) for c in cues_in.cues]
    try:
        cues = parse.checked(typed, duration=video.duration)
    except parse.CaptionError as exc:
        raise errors.invalid_captions(exc) from None
    await _check_room(db=db, video_id=video.id, language=language)
    current = await captions_repo.track(db=db, video_id=video.id, language=language)
    label = cues_in.label or (_approved_label(current.label) if current else language)
    return await captions_repo.save(
        db=db, video_id=video.id, language=language, label=label, cues=cues
    )


async def approve(*, db: Database, video: Video, language: str) -> CaptionTrack:
    """Marks VIDEO's automatic track in LANGUAGE as checked by the instructor."""
    language = language_of(language)
    current = await captions_repo.track(db=db, video_id=video.id, language=language)
    if current is None:
        raise errors.captions_not_found()
    label = _approved_label(current.label)
    approved = await captions_repo.approve(db=db, video_id=video.id, language=language, label=label)
    if approved is None:
        raise errors.captions_not_found()
    return approved.model_copy(update={"cues": current.cues})


async def save_automatic(
    *, db: Database, video_id: str, language: str, name: str, cues: list[parse.Cue]
) -> CaptionTrack | None:
    """Stores speech-recognised CUES as VIDEO_ID's automatic track in LANGUAGE, labelled
    NAME (automatic); None, storing nothing, when the video already has a track in that
    language the instructor made or approved, or has no room for another language."""
    language = language_of(language)
    current = await captions_repo.track(db=db, video_id=video_id, language=language)
    if current is not None and not current.automatic:
        return None
    if current is None:
        listed = await captions_repo.tracks(db=db, video_id=video_id)
        if len(listed) >= MAX_TRACKS:
            return None
    return await captions_repo.save(
        db=db,
        video_id=video_id,
        language=language,
        label=name + AUTOMATIC_SUFFIX,
        cues=cues,
        automatic=True,
    )


async def cues_by_track(
    *, db: Database, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], list[parse.Cue]]:
    """The cues of each track in KEYS, (video, language) pairs; a missing track is left out."""
    found = await captions_repo.tracks_by_key(db=db, keys=keys)
    return {key: captions_repo.cues_of(track) for key, track in found.items()}


async def change_stamp(*, db: Database) -> int:
    """A number that grows with every change of any track."""
    return await captions_repo.change_stamp(db=db)


async def versions(*, db: Database, video_ids: list[str]) -> dict[tuple[str, str], str]:
    """When each track of VIDEO_IDS last changed, by (video, language)."""
    return await captions_repo.versions(db=db, video_ids=video_ids)


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
    return [
        CaptionLanguage(language=t.language, label=t.label, automatic=t.automatic) for t, _ in found
    ]


async def transcript(*, db: Database, video_id: str, language: str) -> Transcript:
    track = await captions_repo.track(db=db, video_id=video_id, language=language_of(language))
    if track is None:
        raise errors.captions_not_found()
    return Transcript(
        language=track.language, label=track.label, cues=track.cues, automatic=track.automatic
    )


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
