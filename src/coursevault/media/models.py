"""Video schemas: the stored documents (`Video`, `Upload`, `StoredKey`) and the API's views."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from coursevault.text import Title


class VideoStatus(StrEnum):
    awaiting_upload = "awaiting_upload"
    uploading = "uploading"
    queued = "queued"
    processing = "processing"
    ready = "ready"
    failed = "failed"


class VideoCreate(BaseModel):
    title: Title
    forensic: bool = False  # encode the forensic variants from the start (docs/security.md F1)


class RenditionRead(BaseModel):
    name: str
    width: int
    height: int
    bandwidth: int


class Upload(BaseModel):
    """A tus upload in progress, stored inside its video."""

    id: str
    length: int
    offset: int
    expires_at: datetime
    # The write lock: a lease its PATCH renews while it runs (U5); a holder that died
    # (kill -9) leaves it to run out, and the next holder reconciles the offset (U8).
    lock_until: datetime | None
    lock_id: str | None = None
    lock_whole: bool = False  # the holder's body is all or nothing (Upload-Checksum)
    created_at: datetime


class UploadHold(BaseModel):
    """An unfinished upload's claim on its owner's upload slots and quota (U7)."""

    video: str
    upload: str
    bytes: int
    at: datetime


class UploadUsage(BaseModel):
    """What an instructor's uploads take (`upload_usage`, one document per owner): the
    bytes of finished originals and a hold per unfinished upload. Every reservation is
    one conditional update of this document, so racing creations cannot pass a limit."""

    stored: int = 0
    held: list[UploadHold] = []


class VideoFields(BaseModel):
    """What the stored video and its public view share."""

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
    # Plays now: ready, or (still processing) its first rendition is published and the
    # full ladder is on its way (media/first_play.py); `progress` says how far that is.
    playable: bool = False


class Video(VideoFields):
    """A stored video (the `videos` collection), validated once by the repo."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(alias="_id")
    owner_id: str
    upload: Upload | None
    updated_at: datetime
    ready_at: datetime | None = None
    # Each transcode attempt takes the next fence; only the holder of the latest fence may
    # publish, so a worker that resumes after its lease was taken changes nothing.
    fence: int = 0
    generation: str | None = None  # the published output viewers get (object storage)
    # The 90 kHz timestamp of the first frame of the segments (where caption time 0 is).
    start_pts: int | None = None
    storyboard: bool = False  # seek-preview sprite and its WebVTT track were published
    # Forensic variants (forensic/): asked for at creation or by a watermarked course; once
    # published, the seed of the video's mark pattern and how many numbers were issued.
    forensic_requested: bool = False
    forensic: str | None = None
    forensic_issued: int = 0
    # How the published ladder was encoded (config.LadderKind); None: before issue #26,
    # the fixed ladder. `coursevault video repackage --all` brings it to the current one.
    ladder: str | None = None

    @property
    def plays(self) -> bool:
        """Whether a viewer can play it now: ready, or its early rendition is published."""
        return self.status is VideoStatus.ready or (
            self.playable and self.status is VideoStatus.processing
        )


class KeyScheme(StrEnum):
    single = "single"  # one AES-128 key and IV for the whole video (packaged by ffmpeg)
    periods = "periods"  # a secret from which each period's key is derived (our packager)


class StoredKey(BaseModel):
    """A video's key material as stored (`video_keys`): AES-GCM wrapped, never plain (K3)."""

    kid: str
    nonce: bytes
    wrapped: bytes
    scheme: KeyScheme = KeyScheme.single
    iv: bytes | None = None  # single: the IV written into the playlists
    rotation: int | None = None  # periods: segments per key (0: one key for all)
    periods: int | None = None  # periods: how many period keys the playlists name


class VideoRead(VideoFields):
    id: str
    upload_url: str
    forensic_watermark: bool = False  # its forensic variants are published
    # While its variants are asked for and not published yet: how far their encode is, 0..1.
    forensic_progress: float | None = None


class VideoPage(BaseModel):
    items: list[VideoRead]
