"""Forensic marks at play time (a number per account and video, its playlists, which
segments a session may fetch) and at trace time (which account a copy came from, and its
sessions)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import av

from coursevault.auth import service as auth
from coursevault.config import Settings
from coursevault.database.db import Database
from coursevault.ffmpeg.probe import ProbeRejected
from coursevault.forensic import errors
from coursevault.forensic import repo as forensic_repo
from coursevault.forensic.models import TracedSegment, TracedSession, TraceRead
from coursevault.kdf import derive_key
from coursevault.media import service as media
from coursevault.media.models import Video
from coursevault.media.stores import storage
from coursevault.ttl_cache import TtlCache
from coursevault.watermark import analysis, codeword, features, reference, variants

TEMPLATE_CACHE_SECONDS = 300.0  # a generation's playlists never change
# How soon a player waiting for a video's variants asks again (F7): a playback start is
# one cached video read before any write, so waiting players cost little.
PENDING_RETRY_SECONDS = 5


class NotWatermarked(LookupError):
    """The video has no forensic variants (or its reference is missing)."""


class UnreadableCopy(ValueError):
    """The suspected copy is not a video we can decode."""


def _key(settings: Settings) -> bytes:
    return derive_key(settings, "forensic/codeword/v1")


async def issue(
    *,
    db: Database,
    video: Video,
    session_id: str,
    user_id: str,
    device: str,
    ip: str,
    started_at: datetime,
) -> int:
    """Records a new session of a watermarked course's VIDEO and returns its number: its
    account's (the account's first session draws the next one), or `repo.UNMARKED` while the
    video has no variants yet (F7: the plain stream plays, and a trace of it can name the
    sessions served so)."""
    number = forensic_repo.UNMARKED
    if video.forensic is not None:
        # One number per account and video (F6): its sessions all get the same codeword,
        # so mixing their segments can only rebuild that codeword, never blur it.
        held = await forensic_repo.account_number(db=db, video_id=video.id, user_id=user_id)
        if held is None:
            fresh = await media.issue_forensic_number(db=db, video_id=video.id)
            held = await forensic_repo.claim_number(
                db=db, video_id=video.id, user_id=user_id, number=fresh, at=started_at
            )
        number = held
    await forensic_repo.record(
        db=db,
        video_id=video.id,
        number=number,
        session_id=session_id,
        user_id=user_id,
        device=device,
        ip=ip,
        started_at=started_at,
    )
    return number


def require_variants(video: Video) -> None:
    """Refuses a start of VIDEO for a watermarked course that waits for its variants (F7,
    `wait`) while they are not published: 409 protected_copy_pending with the progress."""
    if video.forensic is None:
        progress = media.forensic_progress(video)
        if progress is None:  # not being made: its last attempt failed, so do not wait
            raise errors.protected_copy_unavailable()
        raise errors.protected_copy_pending(round(progress, 3), PENDING_RETRY_SECONDS)


_templates: TtlCache[tuple[str, str | None, str], variants.Template] = TtlCache(
    "forensic.templates", max_items=2_000
)


async def _template(
    settings: Settings, video_id: str, generation: str | None, rendition: str
) -> variants.Template | None:
    async def load() -> variants.Template | None:
        store = storage(settings)
        a = await store.read_published(video_id, generation, f"{rendition}_a.m3u8")
        b = await store.read_published(video_id, generation, f"{rendition}_b.m3u8")
        if a is None or b is None:
            return None
        return variants.Template.parse(a.decode(), b.decode())

    key = (video_id, generation, rendition)
    return await _templates.get_or_load(key, TEMPLATE_CACHE_SECONDS, load)


async def session_playlist(
    *, settings: Settings, video_id: str, generation: str | None, rendition: str, number: int
) -> str | None:
    """RENDITION's playlist for session NUMBER (0: every segment A)."""
    template = await _template(settings, video_id, generation, rendition)
    if template is None:
        return None
    return template.render(codeword.bits(_key(settings), video_id, number, len(template.a)))


def may_fetch(settings: Settings, video_id: str, number: int, variant: str, index: int) -> bool:
    """Whether session NUMBER's playlist names this variant of segment INDEX: a session
    gets only its own sequence, never both variants of a segment (F2)."""
    return (variant == "a") == (codeword.bit(_key(settings), video_id, number, index) > 0)


@dataclass(frozen=True)
class Trace:
    video_id: str
    alignment: analysis.Alignment | None
    segments: list[analysis.SegmentScore]
    verdict: analysis.Verdict | None
    # The sessions served under the number the copy names (its forensic_marks records,
    # oldest first): every session of one account for this video shares its number (F6).
    sessions: tuple[dict[str, object], ...]
    issued: int  # distinct numbers given out (the candidates)
    account: str | None = None  # the email of the account those sessions belong to
    # When the copy comes from an unmarked stream (F8): the sessions of this video recorded
    # as served unmarked (F7), oldest first, and the emails of their accounts by user id.
    unmarked_sessions: tuple[dict[str, object], ...] = ()
    unmarked_accounts: dict[str, str] = field(default_factory=dict)

    @property
    def unmarked(self) -> bool:
        """Whether the copy comes from an unmarked stream (F8)."""
        return self.verdict is not None and self.verdict.unmarked

    @property
    def mark(self) -> dict[str, object] | None:
        """The first session served under the named number; None when nobody is named."""
        return self.sessions[0] if self.sessions else None

    def lines(self) -> list[str]:
        """The report a person reads."""
        out = [f"video {self.video_id}: {self.issued} playback numbers issued"]
        if self.alignment is None or self.alignment.correlation < analysis.MIN_ALIGNMENT:
            seen = f"{self.alignment.correlation:.2f}" if self.alignment else "none"
            out.append(f"no mark found: the copy does not match this video (alignment {seen})")
            return out
        out.append(
            f"aligned: the copy starts at frame {self.alignment.offset} "
            f"(correlation {self.alignment.correlation:.2f}); {len(self.segments)} segments scored"
        )
        out.append(
            "segments: "
            + " ".join(f"{s.index}:{'A' if s.mark > 0 else 'B'}" for s in self.segments)
        )
        verdict = self.verdict
        if verdict is not None and verdict.unmarked:
            return out + self._unmarked_lines(verdict)
        if verdict is None or verdict.number is None or self.mark is None:
            reason = verdict.reason if verdict else "no mark found"
            detail = (
                f" (best match {verdict.agreeing} of {verdict.segments} confident segments, "
                f"chance of an accident {verdict.chance:.1g})"
                if verdict and verdict.segments
                else ""
            )
            out.append(f"no mark found: {reason}{detail}")
            return out
        count = len(self.sessions)
        shared = "1 session" if count == 1 else f"{count} sessions"
        shared += " of this video" + ("" if count == 1 else ", all under this number")
        out += [
            f"mark found: playback number {verdict.number}",
            f"  account  {self.account or self.sessions[0]['user_id']} ({shared})",
        ]
        for session in self.sessions:
            out += [
                f"  session  {session['session_id']}",
                f"    device   {session['device']}",
                f"    ip       {session['ip']}",
                f"    started  {session['started_at']}",
            ]
        out.append(
            f"  confidence: {verdict.agreeing} of {verdict.segments} confident segments follow "
            f"its codeword (next best {verdict.runner_up}); the chance that any issued number "
            f"matches this well by accident is below {verdict.chance:.1g}"
        )
        return out

    def _unmarked_lines(self, verdict: analysis.Verdict) -> list[str]:
        out = [f"unmarked stream: this copy comes from an unmarked stream ({verdict.reason})"]
        sessions = self.unmarked_sessions
        if not sessions:
            return [*out, "  no session of this video is on record as served unmarked"]
        count = "1 session" if len(sessions) == 1 else f"{len(sessions)} sessions"
        first, last = sessions[0]["started_at"], sessions[-1]["started_at"]
        out.append(f"  {count} of this video were served unmarked between {first} and {last}:")
        for session in sessions:
            user = str(session["user_id"])
            out += [
                f"  session  {session['_id']}",
                f"    account  {self.unmarked_accounts.get(user, user)}",
                f"    device   {session['device']}",
                f"    ip       {session['ip']}",
                f"    started  {session['started_at']}",
            ]
        return out


async def trace(*, db: Database, settings: Settings, video_id: str, copy: Path) -> Trace:
    """Which account's sessions of VIDEO_ID the file COPY came from (or that it names
    none)."""
    video = await media.get_video(db=db, video_id=video_id)
    if video is None or video.forensic is None:
        raise NotWatermarked("this video has no forensic variants")
    data = await storage(settings).read_published(video_id, video.generation, reference.NAME)
    if data is None:
        raise NotWatermarked("the video's forensic reference is missing")
    ref = reference.Reference.from_bytes(data)
    try:
        copied, _ = await asyncio.to_thread(features.copy_frames, copy)
    except ProbeRejected as exc:
        raise UnreadableCopy(str(exc)) from exc
    except (av.error.FFmpegError, IndexError, ValueError, UnicodeDecodeError) as exc:
        raise UnreadableCopy("The file is not a video this server can decode.") from exc
    # Number 0 is the unmarked playlist (F7 records its sessions under it), not a codeword.
    numbers = [n for n in await forensic_repo.numbers(db=db, video_id=video_id) if n > 0]
    key = _key(settings)
    alignment, scores, verdict = await asyncio.to_thread(
        _analyse, copied, ref, numbers, lambda n, count: codeword.bits(key, video_id, n, count)
    )
    if verdict is None:
        return Trace(video_id, alignment, [], None, (), len(numbers))
    found: list[dict[str, object]] = []
    account = None
    if verdict.number is not None:
        found = await forensic_repo.sessions(db=db, video_id=video_id, number=verdict.number)
        user = await auth.get_user(db=db, user_id=str(found[0]["user_id"])) if found else None
        account = user.email if user else None
    unmarked: list[dict[str, object]] = []
    emails: dict[str, str] = {}
    if verdict.unmarked:
        unmarked = await forensic_repo.unmarked_sessions(db=db, video_id=video_id)
        for user_id in {str(session["user_id"]) for session in unmarked}:
            user = await auth.get_user(db=db, user_id=user_id)
            if user is not None:
                emails[user_id] = user.email
    return Trace(
        video_id, alignment, scores, verdict, tuple(found), len(numbers), account,
        tuple(unmarked), emails,
    )  # fmt: skip


def _analyse(
    copied: features.Floats,
    ref: reference.Reference,
    numbers: list[int],
    bits_of: Callable[[int, int], list[int]],
) -> tuple[analysis.Alignment | None, list[analysis.SegmentScore], analysis.Verdict | None]:
    """The CPU part of a trace (run in a thread)."""
    alignment = analysis.align(copied, ref.mid)
    if alignment is None or alignment.correlation < analysis.MIN_ALIGNMENT:
        return alignment, [], None
    scores = analysis.segment_scores(copied, ref, alignment.offset)
    return alignment, scores, analysis.decide(scores, numbers, bits_of)


def to_read(found: Trace) -> TraceRead:
    verdict = found.verdict
    aligned = found.alignment is not None and found.alignment.correlation >= analysis.MIN_ALIGNMENT
    sessions = []
    if verdict is not None and verdict.number is not None:
        sessions = [
            TracedSession(
                number=verdict.number,
                session_id=str(mark["session_id"]),
                account=found.account,
                device=str(mark["device"]),
                ip=str(mark["ip"]),
                started_at=mark["started_at"],
            )
            for mark in found.sessions
        ]
    unmarked = [
        TracedSession(
            number=0,
            session_id=str(mark["_id"]),
            account=found.unmarked_accounts.get(str(mark["user_id"])),
            device=str(mark["device"]),
            ip=str(mark["ip"]),
            started_at=mark["started_at"],
        )
        for mark in found.unmarked_sessions
    ]
    return TraceRead(
        video_id=found.video_id,
        issued=found.issued,
        aligned=aligned,
        correlation=round(found.alignment.correlation, 4) if found.alignment else None,
        segments=[
            TracedSegment(
                index=s.index, variant="A" if s.mark > 0 else "B", statistic=round(s.statistic, 2)
            )
            for s in found.segments
        ],
        found=bool(sessions),
        reason=(verdict.reason if verdict else "the copy does not match this video"),
        agreeing=verdict.agreeing if verdict else 0,
        confident=verdict.segments if verdict else 0,
        chance=verdict.chance if verdict else None,
        session=sessions[0] if sessions else None,
        sessions=sessions,
        unmarked=found.unmarked,
        strength=round(verdict.strength, 3) if verdict and verdict.strength is not None else None,
        window_start=unmarked[0].started_at if unmarked else None,
        window_end=unmarked[-1].started_at if unmarked else None,
        unmarked_sessions=unmarked,
        report=found.lines(),
    )
