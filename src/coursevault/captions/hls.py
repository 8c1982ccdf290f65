"""Captions as HLS subtitle renditions (RFC 8216 §4.3.4.1): the master playlist names one
`EXT-X-MEDIA:TYPE=SUBTITLES` per language and every variant points at the group; each
language is a one-segment VOD playlist over a WebVTT file. They are made from the stored
cues at request time, so adding a language needs no re-encode."""

from __future__ import annotations

import math
import re

from coursevault.captions.models import CaptionLanguage
from coursevault.captions.parse import Cue, to_webvtt

GROUP = "subs"
FILE = re.compile(r"captions_([A-Za-z0-9-]{2,16})\.(m3u8|vtt)")
# ffmpeg's MPEG-TS muxer starts our segments 1.4 s into the 90 kHz clock; videos packaged
# before their first timestamp was recorded are assumed to start there.
DEFAULT_START_PTS = 126_000


def playlist_name(language: str) -> str:
    return f"captions_{language}.m3u8"


def with_subtitles(master: str, tracks: list[CaptionLanguage]) -> str:
    """MASTER with one subtitle rendition per track, every variant in their group."""
    if not tracks:
        return master
    media = [
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{GROUP}",NAME="{t.label}",'
        f'LANGUAGE="{t.language}",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,'
        f'URI="{playlist_name(t.language)}"'
        for t in tracks
    ]
    lines: list[str] = []
    for line in master.splitlines():
        if line.startswith("#EXT-X-STREAM-INF:"):
            line = f'{line},SUBTITLES="{GROUP}"'
        lines.append(line)
    head = next(i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF:"))
    return "\n".join([*lines[:head], *media, *lines[head:]]) + "\n"


def subtitle_playlist(language: str, duration: float) -> str:
    """One segment covering the whole video."""
    length = max(duration, 0.001)
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        f"#EXT-X-TARGETDURATION:{math.ceil(length)}\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n"
        f"#EXTINF:{length:.3f},\ncaptions_{language}.vtt\n#EXT-X-ENDLIST\n"
    )


def segment(cues: list[Cue], start_pts: int | None) -> str:
    """The WebVTT file, mapped onto the video's timeline: cue time 0 is the first frame."""
    pts = DEFAULT_START_PTS if start_pts is None else start_pts
    return to_webvtt(cues, header=f"X-TIMESTAMP-MAP=MPEGTS:{pts},LOCAL:00:00:00.000")
