"""Media bytes in directories under DATA_DIR: one file per tus upload, one per original,
one directory per published video (replaced by one rename). Uploads keep the disk
reserve free (`coursevault.disk`)."""

from __future__ import annotations

import asyncio
import errno
import os
import secrets
import shutil
import stat
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from io import FileIO
from pathlib import Path

from starlette.responses import FileResponse, Response

from coursevault import disk
from coursevault.config import Settings
from coursevault.media.storage import checked, checked_cover, checked_upload

WRITE_BUFFER = 1024 * 1024  # bytes held in memory before a write: RSS stays flat


def _write_all(handle: FileIO, data: bytes) -> None:
    """Writes DATA whole (an unbuffered write may take part of it), or raises OSError."""
    view = memoryview(data)
    while view:
        written = handle.write(view)
        view = view[written or 0 :]


class _FileWriter:
    def __init__(self, store: LocalStore, handle: FileIO, offset: int) -> None:
        self.store = store
        self.handle = handle
        self.end = offset

    async def write(self, data: bytes) -> bool:
        if not self.store.room_for(len(data)):
            return False
        try:
            await asyncio.to_thread(_write_all, self.handle, data)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            self.handle.truncate(self.end)  # the disk filled anyway: back to whole buffers
            return False
        self.end += len(data)
        return True

    async def truncate(self, offset: int) -> None:
        self.handle.truncate(offset)
        self.end = offset


class LocalStore:
    write_buffer = WRITE_BUFFER
    uses_generations = False  # a publish replaces the directory whole

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.data_dir.resolve()
        for name in ("uploads", "originals", "media", "work", "covers"):
            (self.root / name).mkdir(mode=0o700, parents=True, exist_ok=True)

    # ---- paths ----

    def upload_part(self, video_id: str, upload_id: str) -> Path:
        """The file a tus upload appends to."""
        return self.root / "uploads" / f"{checked(video_id)}-{checked_upload(upload_id)}.part"

    def original(self, video_id: str) -> Path:
        """The complete upload, kept for re-processing and never served."""
        return self.root / "originals" / checked(video_id)

    def media_dir(self, video_id: str) -> Path:
        """The published HLS output of a video."""
        return self.root / "media" / checked(video_id)

    def work_dir(self, video_id: str) -> Path:
        """A job's scratch space: on the same file system, so publishing is one rename."""
        return self.root / "work" / checked(video_id)

    # ---- uploads ----

    def room_for(self, needed: int) -> bool:
        return disk.room_for(self.settings, needed)

    async def create_upload(self, video_id: str, upload_id: str) -> None:
        fd = os.open(
            self.upload_part(video_id, upload_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )
        os.close(fd)

    @asynccontextmanager
    async def upload_writer(
        self, video_id: str, upload_id: str, offset: int
    ) -> AsyncIterator[_FileWriter]:
        # Unbuffered: after a failed write no buffered bytes wait to be flushed at close.
        with self.upload_part(video_id, upload_id).open("r+b", buffering=0) as handle:
            assert isinstance(handle, FileIO)
            handle.truncate(offset)
            handle.seek(offset)
            yield _FileWriter(self, handle, offset)

    async def upload_size(self, video_id: str, upload_id: str) -> int:
        try:
            return os.stat(self.upload_part(video_id, upload_id)).st_size
        except FileNotFoundError:
            return 0

    async def discard_upload(self, video_id: str, upload_id: str) -> None:
        self.upload_part(video_id, upload_id).unlink(missing_ok=True)

    async def complete_upload(self, video_id: str, upload_id: str) -> None:
        os.replace(self.upload_part(video_id, upload_id), self.original(video_id))

    async def import_original(self, video_id: str, path: Path) -> None:
        await asyncio.to_thread(shutil.copyfile, path, self.original(video_id))

    # ---- jobs ----

    @asynccontextmanager
    async def original_file(self, video_id: str, work: Path) -> AsyncIterator[Path]:
        yield self.original(video_id)

    def fresh_work_dir(self, video_id: str) -> Path:
        """Empties and returns the work dir (a killed earlier attempt may have left files)."""
        work = self.work_dir(video_id)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(mode=0o700, parents=True)
        return work

    async def publish(self, video_id: str, output: Path, generation: str) -> None:
        """Moves a finished output directory into place atomically, replacing an older one."""
        target = self.media_dir(video_id)
        if target.exists():
            old = target.with_name(f".{video_id}.old-{secrets.token_hex(4)}")
            os.rename(target, old)
            os.rename(output, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(output, target)

    async def add_published(self, video_id: str, generation: str, files: Sequence[Path]) -> None:
        target = self.media_dir(video_id)
        for path in files:
            # Linked (or copied) under a dot name, then renamed: a reader sees the whole
            # file or none, and a playlist never names a segment that is not there yet.
            temporary = target / f".{path.name}.{secrets.token_hex(4)}"
            try:
                await asyncio.to_thread(os.link, path, temporary)
            except OSError:
                await asyncio.to_thread(shutil.copyfile, path, temporary)
            os.replace(temporary, target / path.name)

    async def retire(self, video_id: str, keep: set[str]) -> None:
        return None  # one directory per video: nothing older is left behind

    async def discard_generation(self, video_id: str, generation: str) -> None:
        return None  # the fence is checked just before the rename (see pipeline.publish)

    async def delete_video(self, video_id: str) -> None:
        for part in (self.root / "uploads").glob(f"{checked(video_id)}-*.part"):
            part.unlink(missing_ok=True)
        self.original(video_id).unlink(missing_ok=True)
        shutil.rmtree(self.media_dir(video_id), ignore_errors=True)
        shutil.rmtree(self.work_dir(video_id), ignore_errors=True)

    async def close(self) -> None:
        return None

    async def put_cover(self, name: str, data: bytes) -> None:
        path = self.root / "covers" / checked_cover(name)
        tmp = path.with_suffix(".tmp")
        await asyncio.to_thread(tmp.write_bytes, data)
        os.replace(tmp, path)

    async def cover_response(self, name: str, headers: Mapping[str, str]) -> Response | None:
        path = self.root / "covers" / checked_cover(name)
        if not path.is_file():
            return None
        return FileResponse(path, media_type="image/jpeg", headers=dict(headers))

    # ---- delivery ----

    async def read_published(
        self, video_id: str, generation: str | None, name: str
    ) -> bytes | None:
        try:
            return await asyncio.to_thread((self.media_dir(video_id) / name).read_bytes)
        except OSError:
            return None

    async def media_response(
        self,
        video_id: str,
        generation: str | None,
        name: str,
        media_type: str,
        headers: Mapping[str, str],
    ) -> Response | None:
        path = self.media_dir(video_id) / name
        # One stat, handed to FileResponse, which would otherwise stat again in a thread.
        try:
            found = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(found.st_mode):
            return None
        accel = self.settings.accel_redirect
        if accel and name.endswith(".ts"):
            # nginx sends the bytes from its `internal` location; the decision stays here.
            redirect = {**headers, "X-Accel-Redirect": f"{accel}{video_id}/{name}"}
            return Response(status_code=200, media_type=media_type, headers=redirect)
        return FileResponse(path, media_type=media_type, headers=dict(headers), stat_result=found)
