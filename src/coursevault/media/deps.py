"""Chained dependencies: the caller's own video."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from coursevault.auth.deps import Instructor
from coursevault.http.deps import Db
from coursevault.media import service
from coursevault.media.models import Video


async def owned_video(video_id: str, user: Instructor, db: Db) -> Video:
    return await service.owned_video(db=db, video_id=video_id, user=user)


OwnedVideo = Annotated[Video, Depends(owned_video)]
