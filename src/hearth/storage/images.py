"""The image pipeline: every upload is checked, then re-encoded; the original is never kept."""

from __future__ import annotations

import asyncio
import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from hearth.core.errors import AppError, PayloadTooLarge, UnsupportedMediaType

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class InvalidImage(AppError):
    status_code, code = 422, "invalid_image"


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    output_size: int = 512


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    content_type: str
    extension: str
    digest: str


def _reencode(raw: bytes, limits: ImageLimits, square: bool) -> EncodedImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise UnsupportedMediaType("Only JPEG, PNG and WebP images are accepted.")
                # Judge the size from the header, before a single pixel is decoded.
                width, height = probe.size
                if width * height > limits.max_pixels or width < 1 or height < 1:
                    raise InvalidImage(f"The image is too large ({width}×{height} pixels).")
                probe.load()
                image = ImageOps.exif_transpose(probe)
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise InvalidImage("The file is not a valid image.") from exc
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise InvalidImage("The image data is damaged.") from exc
    if square:
        image = ImageOps.fit(
            image, (limits.output_size, limits.output_size), Image.Resampling.LANCZOS
        )
    else:
        image.thumbnail((limits.output_size, limits.output_size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=88, method=4)
    data = out.getvalue()
    return EncodedImage(data, "image/webp", "webp", hashlib.sha256(data).hexdigest()[:32])


async def process_image(raw: bytes, limits: ImageLimits, *, square: bool = True) -> EncodedImage:
    """Validate an uploaded image and re-encode it as WebP (off the event loop)."""
    if len(raw) > limits.max_bytes:
        raise PayloadTooLarge(f"The file is larger than {limits.max_bytes // 1024} KiB.")
    if not raw:
        raise InvalidImage("The file is empty.")
    return await asyncio.to_thread(_reencode, raw, limits, square)
