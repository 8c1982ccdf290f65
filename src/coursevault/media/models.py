"""Video schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, StringConstraints


class VideoStatus(StrEnum):
    awaiting_upload = "awaiting_upload"
    uploading = "uploading"
    queued = "queued"
    processing = "processing"
    ready = "ready"
    failed = "failed"


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class VideoCreate(BaseModel):
    title: Title


class RenditionRead(BaseModel):
    name: str
    width: int
    height: int
    bandwidth: int


class VideoRead(BaseModel):
    id: str
    title: str
    status: VideoStatus
    progress: float
    error: str | None
    duration: float | None
    width: int | None
    height: int | None
    renditions: list[RenditionRead]
    original_filename: str | None
    size: int | None
    created_at: datetime
    upload_url: str


class VideoPage(BaseModel):
    items: list[VideoRead]
