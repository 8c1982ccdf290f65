"""What captions add to HLS delivery (`streaming/delivery.py` lists these entries and
calls them): the caption files `captions_<lang>.m3u8` and `captions_<lang>.vtt`, and the
subtitle lines of the master playlist. Both are made from the stored cues per request,
under the same media token, so a new language needs no re-encode."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Protocol

from starlette.responses import Response

from coursevault.captions import hls
from coursevault.captions import service as captions
from coursevault.database.db import Database
from coursevault.errors import app_error_response, not_found
from coursevault.media.models import Video


class CaptionRequest(Protocol):
    """What caption answers read of a media request (streaming's `MediaRequest`)."""

    db: Database
    video: Video
    headers: dict[str, str]
    media_type: str


async def caption_file(request: CaptionRequest, found: re.Match[str]) -> Response:
    """A language's one-segment playlist (`m3u8`) or its WebVTT file (`vtt`)."""
    language, kind = found.group(1), found.group(2)
    text = await captions.hls_file(db=request.db, video=request.video, language=language, kind=kind)
    if text is None:
        return app_error_response(not_found())
    return Response(text, 200, request.headers, request.media_type)


async def master_subtitles(request: CaptionRequest) -> Callable[[bytes], bytes] | None:
    """The master playlist's rewrite naming one subtitle rendition per stored language;
    None when the video has no captions (the master is then sent as it is)."""
    tracks = await captions.languages(
        db=request.db, video_id=request.video.id, max_age=captions.DELIVERY_CACHE_SECONDS
    )
    if not tracks:
        return None
    return functools.partial(captions.master_with_captions, tracks=tracks)


# (name pattern, answer) entries for streaming's table.
FILE = (hls.FILE, caption_file)
