"""Course covers: an upload checked by its bytes, re-encoded to a 1280×720 JPEG without
metadata, served under its content hash; the first video's poster when there is none."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from coursevault.db import Database
from tests.course_helpers import make_course
from tests.factories import SignedIn, error_code, signed_in


def image_bytes(size: tuple[int, int], fmt: str, **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, format=fmt, **save)
    return out.getvalue()


async def test_an_uploaded_cover_is_resized_stripped_and_cached_by_its_hash(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn
) -> None:
    course = await make_course(db, instructor.user)
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription, must not survive
    png = image_bytes((1000, 1000), "PNG")
    jpeg_with_exif = image_bytes((400, 300), "JPEG", exif=exif.tobytes())
    for data, content_type in ((png, "image/png"), (jpeg_with_exif, "application/octet-stream")):
        answer = await client.put(
            f"/api/covers/{course.id}",
            content=data,
            headers={**instructor.bearer, "Content-Type": content_type},
        )
        assert answer.status_code == 200, answer.text
        url = answer.json()["cover_url"]
        assert url.startswith("/covers/") and url.endswith(".jpg")
        cover = await client.get(url)
        assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
        assert "immutable" in cover.headers["cache-control"]
        with Image.open(io.BytesIO(cover.content)) as image:
            assert (image.format, image.size) == ("JPEG", (1280, 720))
            assert not image.getexif()
        assert b"secret description" not in cover.content
    catalog = (await client.get("/api/courses")).json()["items"]
    assert [c["cover_url"] for c in catalog if c["id"] == course.id] == [url]


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        (b"not an image at all" * 10, "invalid_image", 422),
        (b"GIF89a" + b"\x00" * 100, "invalid_image", 422),
        (b"\xff\xd8\xff" + b"\x00" * 100, "invalid_image", 422),  # a JPEG header, then junk
        (b"x" * (8 * 1024 * 1024 + 1), "image_too_large", 413),
    ],
)
async def test_what_is_not_a_usable_image_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    data: bytes,
    code: str,
    status: int,
) -> None:
    course = await make_course(db, instructor.user)
    answer = await client.put(
        f"/api/covers/{course.id}",
        content=data,
        headers={**instructor.bearer, "Content-Type": "image/jpeg"},
    )
    assert answer.status_code == status and error_code(answer) == code
    stored = await db.courses.find_one({"_id": course.id})
    assert stored is not None and "cover" not in stored


async def test_only_the_instructor_sets_a_cover_and_bad_names_are_404(
    client: httpx.AsyncClient, db: Database, settings: Any, instructor: SignedIn
) -> None:
    course = await make_course(db, instructor.user)
    student = await signed_in(client, db, settings)
    png = image_bytes((64, 64), "PNG")
    refused = await client.put(f"/api/covers/{course.id}", content=png, headers=student.bearer)
    assert refused.status_code == 403
    for path in ("/covers/../secret_key", "/covers/abc.jpg", f"/covers/{'0' * 32}.jpg"):
        assert (await client.get(path)).status_code == 404, path


async def test_without_a_cover_the_first_videos_poster_stands_in(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, ready_video: str
) -> None:
    course = await make_course(db, instructor.user, video_id=ready_video)
    summary = next(
        c for c in (await client.get("/api/courses")).json()["items"] if c["id"] == course.id
    )
    assert summary["cover_url"] == f"/covers/course/{course.id}.jpg"
    poster = await client.get(summary["cover_url"])
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(poster.content)) as image:
        assert image.format == "JPEG"
    draft = await make_course(db, instructor.user, video_id=ready_video, publish=False)
    assert (await client.get(f"/covers/course/{draft.id}.jpg")).status_code == 404
