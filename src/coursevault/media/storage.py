"""Where media bytes live, behind one interface: tus chunks, originals, the published
encrypted HLS. `local_store.LocalStore` keeps them under DATA_DIR; `s3_store.S3Store` in
an S3-compatible bucket; `stores.storage(settings)` picks one. Nothing outside this
package knows which one runs.

Every name is built from server ids (U4, S5); nothing here takes a user-supplied name.
Keys and clear segments are never handed to a store: they stay in the database and in a
job's private scratch directory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from starlette.responses import Response

_ID = re.compile(r"^[0-9a-f]{24}$")
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_GENERATION = re.compile(r"^[0-9a-z-]{1,40}$")
_COVER = re.compile(r"^[0-9a-f]{32}\.jpg$")
# A generation named so is an early output (media/first_play.py): its playlists grow while
# it is current. Every other generation never changes once published.
EARLY_SUFFIX = "-early"


def growing(generation: str | None) -> bool:
    """Whether GENERATION's playlists may still change (an early output)."""
    return generation is not None and generation.endswith(EARLY_SUFFIX)


def checked(video_id: str) -> str:
    if not _ID.fullmatch(video_id):
        raise ValueError(f"not a video id: {video_id!r}")
    return video_id


def checked_upload(upload_id: str) -> str:
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise ValueError("bad upload id")
    return upload_id


def checked_generation(generation: str) -> str:
    if not _GENERATION.fullmatch(generation):
        raise ValueError(f"bad generation: {generation!r}")
    return generation


def checked_cover(name: str) -> str:
    if not _COVER.fullmatch(name):
        raise ValueError(f"bad cover name: {name!r}")
    return name


class UploadWriter(Protocol):
    """Appends one PATCH body to an upload, a buffer at a time."""

    async def write(self, data: bytes) -> bool:
        """Appends DATA whole and returns True, or keeps nothing of it and returns False
        (no room: the local disk is at its reserve)."""
        ...

    async def truncate(self, offset: int) -> None:
        """Drops every byte past OFFSET (a refused body, a crashed earlier PATCH)."""
        ...


class Store(Protocol):
    write_buffer: int  # bytes an upload hands to one `write`
    uses_generations: bool  # whether delivery must name the published generation

    def room_for(self, needed: int) -> bool:
        """Whether NEEDED more upload bytes fit (local: above the disk reserve)."""
        ...

    async def create_upload(self, video_id: str, upload_id: str) -> None: ...

    def upload_writer(
        self, video_id: str, upload_id: str, offset: int
    ) -> AbstractAsyncContextManager[UploadWriter]:
        """A writer appending at OFFSET; bytes past OFFSET left by an earlier writer go."""
        ...

    async def upload_size(self, video_id: str, upload_id: str) -> int:
        """The bytes of the upload stored one after another from byte 0, whatever offset
        the database holds (a writer killed mid-PATCH never stored its offset)."""
        ...

    async def discard_upload(self, video_id: str, upload_id: str) -> None: ...

    async def complete_upload(self, video_id: str, upload_id: str) -> None:
        """Makes the finished upload the video's original."""
        ...

    async def import_original(self, video_id: str, path: Path) -> None: ...

    def original_file(self, video_id: str, work: Path) -> AbstractAsyncContextManager[Path]:
        """A local file holding the original while the context is open (fetched into WORK
        when the original lives elsewhere)."""
        ...

    def fresh_work_dir(self, video_id: str) -> Path:
        """An empty private scratch directory for one job on this machine."""
        ...

    async def publish(self, video_id: str, output: Path, generation: str) -> None:
        """Puts a finished output directory where viewers get it, as GENERATION; a late
        publisher of an older generation never overwrites a newer one's files."""
        ...

    async def add_published(self, video_id: str, generation: str, files: Sequence[Path]) -> None:
        """Adds FILES (by their names) to a published GENERATION that grows (an early
        output), in order, each whole: segments before the playlist that names them."""
        ...

    async def retire(self, video_id: str, keep: set[str]) -> None:
        """Deletes published generations of VIDEO_ID other than KEEP."""
        ...

    async def discard_generation(self, video_id: str, generation: str) -> None:
        """Deletes one generation that was published but never became current."""
        ...

    async def delete_video(self, video_id: str) -> None:
        """Removes every byte of a video: chunks, original, output, scratch."""
        ...

    async def close(self) -> None:
        """Releases connections (at shutdown)."""
        ...

    async def put_cover(self, name: str, data: bytes) -> None:
        """Stores a course cover (public, named by its content hash)."""
        ...

    async def cover_response(self, name: str, headers: Mapping[str, str]) -> Response | None:
        """The answer carrying a stored cover, or None if there is none by that name."""
        ...

    async def read_published(
        self, video_id: str, generation: str | None, name: str
    ) -> bytes | None:
        """The bytes of one small published file (a playlist), or None if missing."""
        ...

    async def media_response(
        self,
        video_id: str,
        generation: str | None,
        name: str,
        media_type: str,
        headers: Mapping[str, str],
    ) -> Response | None:
        """The answer carrying one published playlist or segment, or None if missing."""
        ...
