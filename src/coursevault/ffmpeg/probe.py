"""Probe a sniffed input with PyAV: forced demuxer, `file` protocol only (U2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from coursevault.ffmpeg.sniff import DEMUXERS, sniff_container

SAFE_INPUT_OPTIONS = {"protocol_whitelist": "file"}


class ProbeRejected(Exception):
    """The file is not a video we accept; the message is for the instructor."""


@dataclass(frozen=True)
class Limits:
    max_duration_seconds: float = 6 * 3600
    max_width: int = 7680
    max_height: int = 4320
    min_side: int = 16
    max_streams: int = 8
    video_codecs: frozenset[str] = frozenset(
        {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video", "mjpeg", "prores"}
    )
    audio_codecs: frozenset[str] = frozenset(
        {"aac", "mp3", "opus", "vorbis", "ac3", "eac3", "flac", "alac", "mp2"}
    )


@dataclass(frozen=True)
class ProbeResult:
    container: str
    demuxer: str
    duration: float
    width: int
    height: int
    video_codec: str
    frame_rate: float
    audio_codec: str | None
    streams: int
    rotation: int = 0
    warnings: list[str] = field(default_factory=list)
    # Seconds of sound after the last picture (a slide, then a talk): the transcode holds
    # the last frame that long. Measured from the sound's packets, never from a header.
    picture_gap: float = 0.0


MIN_PICTURE_GAP = 0.5  # shorter is how containers round, not a picture that stops


def _sound_after(media: av.container.InputContainer, audio: av.stream.Stream, end: float) -> float:
    """Seconds the audio packets run past END. A header's duration is the uploader's to
    write (a one-frame file claiming six hours would have us encode six hours), so the
    sound's own packets are read; only files whose headers show a gap pay for it."""
    media.seek(0)
    last = 0.0
    for packet in media.demux(audio):
        if packet.pts is not None and packet.time_base is not None:
            last = max(last, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return max(0.0, last - end)


def _is_pcm(codec: str) -> bool:
    return codec.startswith("pcm_")


def probe(path: Path, limits: Limits | None = None) -> ProbeResult:
    """Returns what PATH holds, or raises ProbeRejected with a sentence a person understands."""
    limits = limits or Limits()
    if path.stat().st_size == 0:
        raise ProbeRejected("The file is empty")
    container = sniff_container(path)
    if container is None:
        raise ProbeRejected(
            "The file is not a supported video (use MP4, MOV, MKV, WebM, AVI, FLV or MPEG-TS)"
        )
    demuxer = DEMUXERS[container]
    try:
        with av.open(str(path), format=demuxer, options=SAFE_INPUT_OPTIONS) as media:
            streams = list(media.streams)
            video = next((s for s in streams if s.type == "video"), None)
            audio = next((s for s in streams if s.type == "audio"), None)
            duration = media.duration / 1_000_000 if media.duration else 0.0
            picture = None
            if video is not None and video.duration and video.time_base:
                picture = float(video.duration * video.time_base)
            duration = duration or picture or 0.0
            if video is None:
                raise ProbeRejected("The file has no video stream")
            # Decoding one frame proves the stream is more than a header.
            frame = next(media.decode(video), None)
            if frame is None:
                raise ProbeRejected("The video stream holds no picture")
            assert isinstance(frame, av.VideoFrame)
            width, height = frame.width, frame.height
            rate = video.average_rate or video.guessed_rate or Fraction(30)
            gap = 0.0
            if audio is not None and picture is not None and duration - picture > MIN_PICTURE_GAP:
                gap = _sound_after(media, audio, picture)
            result = ProbeResult(
                container=container,
                demuxer=demuxer,
                duration=duration,
                width=width,
                height=height,
                video_codec=video.codec_context.name,
                frame_rate=float(rate),
                audio_codec=audio.codec_context.name if audio is not None else None,
                streams=len(streams),
                picture_gap=gap if gap > MIN_PICTURE_GAP else 0.0,
            )
    except ProbeRejected:
        raise
    except (av.FFmpegError, ValueError, OSError, StopIteration) as exc:
        raise ProbeRejected(
            f"The file is damaged or incomplete ({exc.__class__.__name__})"
        ) from exc
    _check(result, limits)
    return result


def _check(result: ProbeResult, limits: Limits) -> None:
    if result.video_codec not in limits.video_codecs:
        raise ProbeRejected(f"The video codec {result.video_codec} is not supported")
    if result.audio_codec and not (
        result.audio_codec in limits.audio_codecs or _is_pcm(result.audio_codec)
    ):
        raise ProbeRejected(f"The audio codec {result.audio_codec} is not supported")
    if result.streams > limits.max_streams:
        raise ProbeRejected(f"The file has {result.streams} streams; at most {limits.max_streams}")
    if result.duration <= 0:
        raise ProbeRejected("The video has no duration; the file may be incomplete")
    if result.duration > limits.max_duration_seconds:
        hours = limits.max_duration_seconds / 3600
        raise ProbeRejected(f"The video is longer than the limit of {hours:g} hours")
    if min(result.width, result.height) < limits.min_side:
        raise ProbeRejected(f"The picture is smaller than {limits.min_side} pixels")
    if result.width > limits.max_width or result.height > limits.max_height:
        raise ProbeRejected(
            f"The picture is {result.width}x{result.height}; "
            f"at most {limits.max_width}x{limits.max_height}"
        )


def start_pts(segment: Path) -> int | None:
    """The first timestamp of an MPEG-TS segment we wrote, on the 90 kHz clock (where a
    caption track's time 0 must be mapped: HLS's X-TIMESTAMP-MAP)."""
    with av.open(str(segment), format="mpegts", options=SAFE_INPUT_OPTIONS) as container:
        if container.start_time is None:
            return None
        return round(container.start_time * 90_000 / av.time_base)
