"""Media bytes in an S3-compatible bucket (aiobotocore), so app nodes and workers on
different machines share them without a shared disk.

Layout under `COURSEVAULT_S3_PREFIX`:
- `uploads/<video>/<upload>/<offset>`: a tus upload as chunk objects named by the offset
  of their first byte (16 digits), one per written buffer. Any app node appends the next
  chunk; the stored offset in the database is the sum of the chunks below it. Chunks past
  it that a crashed PATCH left count when the next lock holder reconciles the offset (U8).
- `originals/<video>/<offset>`: the finished upload, the same chunks copied server-side.
- `media/<video>/<generation>/<file>`: encrypted HLS as one job published it. A generation
  is never written twice, so a late worker whose lease was taken cannot overwrite the
  newer output; the database says which generation viewers get.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import ClientError
from starlette.responses import RedirectResponse, Response, StreamingResponse

from coursevault.config import S3Delivery, Settings
from coursevault.media.storage import (
    checked,
    checked_cover,
    checked_generation,
    checked_upload,
    growing,
)
from coursevault.ttl_cache import TtlCache

CHUNK = 8 * 1024 * 1024  # one object per 8 MiB of an upload: few requests, bounded memory
PARALLEL = 8  # objects sent or deleted at once
STREAM = 256 * 1024  # bytes per piece when the app proxies a segment
PLAYLIST_CACHE_SECONDS = 300.0  # a generation's playlists never change


def _offset_name(offset: int) -> str:
    return f"{offset:016d}"


class _ChunkWriter:
    def __init__(self, store: S3Store, prefix: str, offset: int) -> None:
        self.store = store
        self.prefix = prefix
        self.end = offset

    async def write(self, data: bytes) -> bool:
        await self.store.put(self.prefix + _offset_name(self.end), data)
        self.end += len(data)
        return True

    async def truncate(self, offset: int) -> None:
        await self.store.drop_chunks_from(self.prefix, offset)
        self.end = offset


class S3Store:
    write_buffer = CHUNK
    uses_generations = True

    def __init__(self, settings: Settings) -> None:
        assert settings.s3_bucket and settings.s3_secret_access_key  # checked by Settings
        self.settings = settings
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        self.scratch = settings.data_dir.resolve() / "work"
        self._clients: dict[asyncio.AbstractEventLoop, tuple[Any, AsyncExitStack]] = {}
        self._playlists: TtlCache[str, bytes] = TtlCache("media.s3_playlists")

    # ---- the client: one per event loop (a client is bound to the loop that made it) ----

    async def client(self) -> Any:
        loop = asyncio.get_running_loop()
        if loop in self._clients:
            return self._clients[loop][0]
        stack = AsyncExitStack()
        secret = self.settings.s3_secret_access_key
        assert secret is not None
        found = await stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=self.settings.s3_endpoint,
                region_name=self.settings.s3_region,
                aws_access_key_id=self.settings.s3_access_key_id,
                aws_secret_access_key=secret.get_secret_value(),
                config=AioConfig(
                    signature_version="s3v4",
                    s3={"addressing_style": "path"},
                    retries={"max_attempts": 3, "mode": "standard"},
                    max_pool_connections=64,
                ),
            )
        )
        self._clients[loop] = (found, stack)
        return found

    async def close(self) -> None:
        """Closes this event loop's client (others belong to loops that are gone)."""
        entry = self._clients.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await entry[1].aclose()

    async def put_cover(self, name: str, data: bytes) -> None:
        await self.put(self.key("covers", checked_cover(name)), data)

    async def cover_response(self, name: str, headers: Mapping[str, str]) -> Response | None:
        body = await self._read(self.key("covers", checked_cover(name)))
        if body is None:
            return None
        return Response(body, media_type="image/jpeg", headers=dict(headers))

    def key(self, *parts: str) -> str:
        return self.prefix + "/".join(parts)

    async def put(self, key: str, body: bytes) -> None:
        await (await self.client()).put_object(Bucket=self.bucket, Key=key, Body=body)

    async def keys(self, prefix: str) -> list[str]:
        client = await self.client()
        found: list[str] = []
        async for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)

    async def delete(self, keys: list[str]) -> None:
        client = await self.client()
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            await client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )

    async def drop_chunks_from(self, prefix: str, offset: int) -> None:
        stale = [k for k in await self.keys(prefix) if int(k.rsplit("/", 1)[1]) >= offset]
        await self.delete(stale)

    async def _gather(self, jobs: list[Any]) -> None:
        limit = asyncio.Semaphore(PARALLEL)

        async def bounded(job: Any) -> None:
            async with limit:
                await job

        await asyncio.gather(*(bounded(job) for job in jobs))

    # ---- uploads ----

    def room_for(self, needed: int) -> bool:
        return True  # the bucket's size is the provider's business, not this disk's

    def _upload_prefix(self, video_id: str, upload_id: str) -> str:
        return self.key("uploads", checked(video_id), checked_upload(upload_id)) + "/"

    async def create_upload(self, video_id: str, upload_id: str) -> None:
        await self.discard_upload(video_id, upload_id)

    @asynccontextmanager
    async def upload_writer(
        self, video_id: str, upload_id: str, offset: int
    ) -> AsyncIterator[_ChunkWriter]:
        prefix = self._upload_prefix(video_id, upload_id)
        await self.drop_chunks_from(prefix, offset)
        yield _ChunkWriter(self, prefix, offset)

    async def upload_size(self, video_id: str, upload_id: str) -> int:
        sizes: dict[int, int] = {}
        client = await self.client()
        async for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._upload_prefix(video_id, upload_id)
        ):
            sizes |= {int(i["Key"].rsplit("/", 1)[1]): i["Size"] for i in page.get("Contents", [])}
        end = 0
        while sizes.get(end):  # chunks past a gap are not part of the upload
            end += sizes[end]
        return end

    async def discard_upload(self, video_id: str, upload_id: str) -> None:
        await self.delete(await self.keys(self._upload_prefix(video_id, upload_id)))

    async def complete_upload(self, video_id: str, upload_id: str) -> None:
        source = self._upload_prefix(video_id, upload_id)
        target = self.key("originals", checked(video_id)) + "/"
        client = await self.client()
        await self.delete(await self.keys(target))
        chunks = await self.keys(source)
        await self._gather(
            [
                client.copy_object(
                    Bucket=self.bucket,
                    Key=target + chunk.rsplit("/", 1)[1],
                    CopySource={"Bucket": self.bucket, "Key": chunk},
                )
                for chunk in chunks
            ]
        )
        await self.delete(chunks)

    async def import_original(self, video_id: str, path: Path) -> None:
        target = self.key("originals", checked(video_id)) + "/"
        await self.delete(await self.keys(target))
        offset = 0
        with path.open("rb") as handle:
            while data := await asyncio.to_thread(handle.read, CHUNK):
                await self.put(target + _offset_name(offset), data)
                offset += len(data)

    # ---- jobs ----

    @asynccontextmanager
    async def original_file(self, video_id: str, work: Path) -> AsyncIterator[Path]:
        local = work / "original"
        client = await self.client()
        expected = 0
        with local.open("wb") as out:
            for chunk in await self.keys(self.key("originals", checked(video_id)) + "/"):
                if int(chunk.rsplit("/", 1)[1]) != expected:
                    raise RuntimeError(f"original of {video_id} has a gap at byte {expected}")
                answer = await client.get_object(Bucket=self.bucket, Key=chunk)
                async with answer["Body"] as body:
                    while piece := await body.read(1024 * 1024):
                        await asyncio.to_thread(out.write, piece)
                        expected += len(piece)
        if expected == 0:
            raise FileNotFoundError(f"video {video_id} has no original in the bucket")
        try:
            yield local
        finally:
            local.unlink(missing_ok=True)

    def fresh_work_dir(self, video_id: str) -> Path:
        work = self.scratch / checked(video_id)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(mode=0o700, parents=True)
        return work

    async def publish(self, video_id: str, output: Path, generation: str) -> None:
        prefix = self.key("media", checked(video_id), checked_generation(generation)) + "/"
        files = await asyncio.to_thread(lambda: sorted(p for p in output.iterdir() if p.is_file()))

        async def send(path: Path) -> None:
            await self.put(prefix + path.name, await asyncio.to_thread(path.read_bytes))

        # Segments first, playlists last: a playlist never names a segment not yet there.
        await self._gather([send(p) for p in files if p.suffix != ".m3u8"])
        for playlist in (p for p in files if p.suffix == ".m3u8"):
            await send(playlist)

    async def add_published(self, video_id: str, generation: str, files: Sequence[Path]) -> None:
        prefix = self.key("media", checked(video_id), checked_generation(generation)) + "/"
        for path in files:  # in order: the playlist comes after the segments it names
            await self.put(prefix + path.name, await asyncio.to_thread(path.read_bytes))

    async def retire(self, video_id: str, keep: set[str]) -> None:
        prefix = self.key("media", checked(video_id)) + "/"
        old = [k for k in await self.keys(prefix) if k[len(prefix) :].split("/")[0] not in keep]
        await self.delete(old)

    async def discard_generation(self, video_id: str, generation: str) -> None:
        prefix = self.key("media", checked(video_id), checked_generation(generation)) + "/"
        await self.delete(await self.keys(prefix))

    async def delete_video(self, video_id: str) -> None:
        for area in ("uploads", "originals", "media"):
            await self.delete(await self.keys(self.key(area, checked(video_id)) + "/"))
        shutil.rmtree(self.scratch / checked(video_id), ignore_errors=True)

    # ---- delivery ----

    async def presigned(self, key: str) -> str:
        url: str = await (await self.client()).generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=self.settings.s3_url_ttl_seconds,
        )
        return url

    async def read_published(
        self, video_id: str, generation: str | None, name: str
    ) -> bytes | None:
        if generation is None:
            return None
        key = self.key("media", checked(video_id), checked_generation(generation), name)
        if growing(generation):  # an early output's playlist grows while it is current
            return await self._read(key)
        return await self._playlists.get_or_load(
            key, PLAYLIST_CACHE_SECONDS, lambda: self._read(key)
        )

    async def media_response(
        self,
        video_id: str,
        generation: str | None,
        name: str,
        media_type: str,
        headers: Mapping[str, str],
    ) -> Response | None:
        if generation is None:
            return None
        key = self.key("media", checked(video_id), checked_generation(generation), name)
        if name.endswith((".m3u8", ".vtt")):  # small, and their relative URLs must stay ours
            body = await self.read_published(video_id, generation, name)
            return (
                None
                if body is None
                else Response(body, media_type=media_type, headers=dict(headers))
            )
        accel = self.settings.accel_redirect
        if accel or self.settings.s3_delivery is S3Delivery.redirect:
            url = await self.presigned(key)
            if accel:
                # nginx's internal location proxies the presigned request to the bucket.
                path = url.split("://", 1)[1].split("/", 1)[1]
                redirect = {**headers, "X-Accel-Redirect": f"{accel}{path}"}
                return Response(status_code=200, media_type=media_type, headers=redirect)
            return RedirectResponse(url, status_code=302, headers=dict(headers))
        answer = await self._get(key)
        if answer is None:
            return None

        async def pieces() -> AsyncIterator[bytes]:
            async with answer["Body"] as body:
                while piece := await body.read(STREAM):
                    yield piece

        sized = {**headers, "Content-Length": str(answer["ContentLength"])}
        return StreamingResponse(pieces(), media_type=media_type, headers=sized)

    async def _get(self, key: str) -> Any:
        """The GetObject answer for KEY (its body still to read), or None when absent."""
        try:
            return await (await self.client()).get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise

    async def _read(self, key: str) -> bytes | None:
        answer = await self._get(key)
        if answer is None:
            return None
        async with answer["Body"] as body:
            data: bytes = await body.read()
            return data
