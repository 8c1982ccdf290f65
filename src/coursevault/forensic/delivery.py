"""What the forensic mark adds to HLS delivery (`streaming/delivery.py` lists these entries
and calls them): a watermarked video's variant playlists are rendered per session, and a
segment variant the session's codeword does not name is refused (F2). For a video without
variants both answer None, and the request is answered as for any other video."""

from __future__ import annotations

import re
from typing import Protocol

from starlette.responses import Response

from coursevault.config import Settings
from coursevault.errors import app_error_response, not_found
from coursevault.forensic import service as forensic
from coursevault.media.models import Video
from coursevault.watermark import variants


class MarkedRequest(Protocol):
    """What forensic answers read of a media request (streaming's `MediaRequest`)."""

    settings: Settings
    video: Video
    generation: str | None
    headers: dict[str, str]
    media_type: str

    async def forensic_number(self) -> int:
        """The playback session's number (0: a session without a mark, every segment A)."""
        ...


async def segment_check(request: MarkedRequest, found: re.Match[str]) -> Response | None:
    """The refusal of a segment variant the session may not fetch; None: send it."""
    video = request.video
    if video.forensic is None:
        return None
    number = await request.forensic_number()
    variant, index = found.group(2), int(found.group(3))
    if forensic.may_fetch(request.settings, video.id, number, variant, index):
        return None
    return app_error_response(not_found())


async def session_playlist(request: MarkedRequest, found: re.Match[str]) -> Response | None:
    """A rendition's playlist as this session sees it (its codeword's A/B choice per
    segment); None for a video without variants."""
    if request.video.forensic is None:
        return None
    body = await forensic.session_playlist(
        settings=request.settings,
        video_id=request.video.id,
        generation=request.generation,
        rendition=found.group(1),
        number=await request.forensic_number(),
    )
    if body is None:
        return app_error_response(not_found())
    return Response(body, 200, request.headers, request.media_type)


# (name pattern, answer) entries for streaming's table; each comes before the plain
# answer it narrows, which answers when these return None.
SEGMENT = (variants.SEGMENT, segment_check)
PLAYLIST = (re.compile(r"([0-9]{2,4}p)\.m3u8"), session_playlist)
