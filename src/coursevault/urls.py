"""Every path the API hands out to clients, spelt once.

Services return ids and tokens; the URLs built from them live here, next to the route
prefixes they must match, so a moved route cannot leave a stale link behind.
"""

from __future__ import annotations

UPLOADS_PREFIX = "/api/uploads"
HLS_PREFIX = "/hls"


def upload(video_id: str) -> str:
    """Where a tus client creates the upload of VIDEO_ID."""
    return f"{UPLOADS_PREFIX}/{video_id}"


def hls_master(token: str, video_id: str) -> str:
    """The master playlist of VIDEO_ID under the signed media TOKEN."""
    return f"{HLS_PREFIX}/{token}/{video_id}/master.m3u8"


def checkout_page(order_id: str) -> str:
    """The web app's page that pays ORDER_ID."""
    return f"/checkout/{order_id}"
