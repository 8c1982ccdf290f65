"""Course covers: an upload checked by its bytes, re-encoded to a 1280×720 JPEG without
metadata, served under its content hash; the first video's poster when there is none."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import httpx
import pytest
from PIL import Image, ImageCms

from coursevault.database.db import Database
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


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 over type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def handmade_png(before: list[bytes], after: tuple[bytes, ...] | list[bytes] = ()) -> bytes:
    """A 64x36 RGB PNG with extra chunks BEFORE and AFTER its pixels, built by hand: Pillow
    will not write a chunk that inflates past its own limits."""
    width, height = 64, 36
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = b"".join(b"\x00" + bytes((200, 30, 90)) * width for _ in range(height))
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            *before,
            chunk(b"IDAT", zlib.compress(rows)),
            *after,
            chunk(b"IEND", b""),
        ]
    )


# 4 MiB of zeros in 4 KiB: past the 1 MiB Pillow inflates per text or ICC chunk.
BOMB = zlib.compress(b"\x00" * (4 * 1024 * 1024), 9)
# Chunks that each inflate to 0.9 MiB, 80 of them: past Pillow's 64 MiB for all text.
MANY = [chunk(b"zTXt", b"k%d\x00\x00" % i + zlib.compress(b"a" * 900_000, 9)) for i in range(80)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([chunk(b"zTXt", b"Comment\x00\x00" + BOMB)], []),
        ([chunk(b"iCCP", b"icc\x00\x00" + BOMB)], []),
        ([], [chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + BOMB)]),  # read at load
        ([], [chunk(b"zTXt", b"Comment\x00\x00" + BOMB)]),
        (MANY, []),
    ],
    ids=["zTXt", "iCCP", "iTXt-after-pixels", "zTXt-after-pixels", "all-text"],
)
async def test_U9_a_png_whose_text_or_icc_chunk_inflates_too_far_is_invalid_image(
    client: httpx.AsyncClient,
    db: Database,
    instructor: SignedIn,
    before: list[bytes],
    after: list[bytes],
) -> None:
    """U9: Pillow refuses such a chunk with a ValueError, which was a 500."""
    course = await make_course(db, instructor.user)
    answer = await client.put(
        f"/api/covers/{course.id}",
        content=handmade_png(before, after),
        headers={**instructor.bearer, "Content-Type": "image/png"},
    )
    assert answer.status_code == 422, answer.text
    assert set(answer.json()) == {"error"} and error_code(answer) == "invalid_image"
    assert "JPEG, PNG or WebP" in answer.json()["error"]["message"]
    stored = await db.courses.find_one({"_id": course.id})
    assert stored is not None and "cover" not in stored
    # The same picture without the bomb is a cover: only the chunk was refused.
    fine = await client.put(
        f"/api/covers/{course.id}", content=handmade_png([]), headers=instructor.bearer
    )
    assert fine.status_code == 200, fine.text


MARK = b"U9-upload-marker"
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_metadata() -> bytes:
    """A JPEG carrying MARK in a COM comment, EXIF and XMP, and an ICC profile."""
    exif = Image.Exif()
    exif[0x010E] = (MARK + b" in EXIF").decode()  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 90)).save(
        out,
        format="JPEG",
        comment=MARK + b" in a COM segment",
        exif=exif.tobytes(),
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + MARK + b" in XMP</x:xmpmeta>",
        icc_profile=SRGB,
    )
    data = out.getvalue()
    assert data.count(MARK) == 3 and b"ICC_PROFILE" in data
    return data


def png_with_metadata() -> bytes:
    """A PNG carrying MARK in tEXt, zTXt, iTXt and eXIf chunks, and an ICC profile."""
    exif = Image.Exif()
    exif[0x010E] = (MARK + b" in eXIf").decode()
    return handmade_png(
        [
            chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(SRGB)),
            chunk(b"tEXt", b"Comment\x00" + MARK + b" in tEXt"),
            chunk(b"zTXt", b"Author\x00\x00" + zlib.compress(MARK + b" in zTXt")),
            chunk(b"iTXt", b"Title\x00\x00\x00en\x00Title\x00" + MARK + b" in iTXt"),
            chunk(b"eXIf", exif.tobytes()),
        ]
    )


def segments_before_pixels(jpeg: bytes) -> list[int]:
    """The marker of every JPEG segment before the scan (SOS)."""
    found, at = [], 2
    while jpeg[at] == 0xFF and jpeg[at + 1] != 0xDA:
        found.append(jpeg[at + 1])
        at += 2 + int.from_bytes(jpeg[at + 2 : at + 4], "big")
    return found


@pytest.mark.parametrize("upload", [jpeg_with_metadata, png_with_metadata])
async def test_U9_no_byte_of_the_upload_but_its_pixels_is_served(
    client: httpx.AsyncClient, db: Database, instructor: SignedIn, upload: Any
) -> None:
    """U9: a JPEG's COM comment used to be written into the cover and served from our
    origin; EXIF, XMP, ICC and PNG text must not reach it either."""
    course = await make_course(db, instructor.user)
    answer = await client.put(
        f"/api/covers/{course.id}", content=upload(), headers=instructor.bearer
    )
    assert answer.status_code == 200, answer.text
    cover = await client.get(answer.json()["cover_url"])
    assert cover.status_code == 200
    assert MARK not in cover.content
    # Only what a baseline or progressive JPEG needs: JFIF, tables, frame; no COM, no APPn
    # but APP0 (EXIF and XMP are APP1, ICC is APP2).
    allowed = {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD}
    assert set(segments_before_pixels(cover.content)) <= allowed
    with Image.open(io.BytesIO(cover.content)) as image:
        assert (image.format, image.size) == ("JPEG", (1280, 720))
        assert not {"comment", "exif", "xmp", "icc_profile"} & set(image.info)
        image.load()  # the pixels are all there
        assert image.getpixel((640, 360)) == pytest.approx((200, 30, 90), abs=4)


async def test_U9_covers_and_certificate_pages_carry_the_pages_security_headers(
    client: httpx.AsyncClient, db: Database, settings: Any, instructor: SignedIn
) -> None:
    """U9: the same CSP (with frame-ancestors), framing, referrer and nosniff headers as
    the app's pages, on every answer under /covers and /verify, found or not."""
    page = await client.get("/", headers={"Accept": "text/html"})
    expected = {
        name: page.headers[name]
        for name in (
            "content-security-policy",
            "x-frame-options",
            "referrer-policy",
            "x-content-type-options",
        )
    }
    assert "frame-ancestors 'none'" in expected["content-security-policy"]
    assert expected["x-content-type-options"] == "nosniff"

    course = await make_course(db, instructor.user)
    png = image_bytes((64, 64), "PNG")
    uploaded = await client.put(f"/api/covers/{course.id}", content=png, headers=instructor.bearer)
    cover = await client.get(uploaded.json()["cover_url"])
    assert cover.status_code == 200 and "immutable" in cover.headers["cache-control"]
    student = await signed_in(client, db, settings)
    await client.post(f"/api/courses/{course.id}/enroll", headers=student.bearer)
    await client.put(
        f"/api/lessons/{course.text_lesson}/progress",
        json={"position": 0, "completed": True},
        headers=student.bearer,
    )
    certificate = await client.get(f"/api/courses/{course.id}/certificate", headers=student.bearer)
    assert certificate.status_code == 200, certificate.text
    verified = await client.get(f"/verify/{certificate.json()['verification_id']}")
    assert verified.status_code == 200 and "Verified by CourseVault" in verified.text
    answers = [
        cover,
        verified,
        await client.get(f"/covers/{'0' * 32}.jpg"),
        await client.get(f"/covers/course/{course.id}.jpg"),  # no video, no poster: 404
        await client.get("/verify/not-a-certificate"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 404, 404, 404]
    for answer in answers:
        assert {name: answer.headers.get(name) for name in expected} == expected, answer.url
