"""Course cover images: whatever the instructor uploads is opened by its bytes (JPEG, PNG
or WebP), turned upright, cropped to 16:9, resized to 1280×720 and saved anew as JPEG from
its pixels alone, so no metadata (EXIF GPS, comments, XMP, ICC, PNG text) and no crafted
file ever reaches a visitor (U9). The name is a hash of the result: a new cover is a new
URL, and an old URL can be cached for good."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

from PIL import Image, ImageOps

from coursevault.i18n import Msg, msg

SIZE = (1280, 720)
MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # larger images are refused before they are decoded
FORMATS = ("JPEG", "PNG", "WEBP")

# What Pillow raises on a crafted or damaged file. ValueError covers a PNG text or ICC
# chunk that inflates past Pillow's limits ("Decompressed data too large", "Too much
# memory used in text chunks"), which used to escape as a 500 (U9).
_UNREADABLE = (
    OSError,  # UnidentifiedImageError, truncated data, decoder errors
    ValueError,
    EOFError,
    SyntaxError,
    struct.error,
    zlib.error,
    Image.DecompressionBombError,
)


class CoverError(ValueError):
    """The upload is not a usable image; TEXT says why."""

    def __init__(self, text: Msg) -> None:
        super().__init__(str(text))
        self.text = text


def prepare(data: bytes) -> tuple[str, bytes]:
    """Returns the stored name and bytes of the cover made from DATA, or raises CoverError."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise CoverError(msg("Upload a JPEG, PNG or WebP image."))
            if image.width * image.height > MAX_PIXELS:
                raise CoverError(msg("The image has too many pixels (at most 40 megapixels)."))
            upright = ImageOps.exif_transpose(image)
            cover = ImageOps.fit(upright.convert("RGB"), SIZE, method=Image.Resampling.LANCZOS)
    except CoverError:
        raise
    except _UNREADABLE:
        raise CoverError(msg("The file is not an image we can read (JPEG, PNG or WebP).")) from None
    # A new image from the pixels alone: Pillow carries `info` through convert and resize,
    # and its JPEG writer saves `info["comment"]` again, so an upload's COM text was served
    # from our origin (U9).
    pixels = Image.frombytes(cover.mode, cover.size, cover.tobytes())
    out = io.BytesIO()
    pixels.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    body = out.getvalue()
    return f"{hashlib.sha256(body).hexdigest()[:32]}.jpg", body
