"""Generated avatars: a diagonal gradient with a ring and an initial (no downloads, no fonts)."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageFont


def _colour(seed: bytes, offset: int) -> tuple[int, int, int]:
    r, g, b = seed[offset], seed[offset + 1], seed[offset + 2]
    # Keep colours in a mid range so a white initial stays readable.
    return (60 + r % 140, 60 + g % 140, 60 + b % 140)


def render_avatar(name: str, size: int = 512, *, seed: str | None = None) -> bytes:
    """A PNG avatar for `name`, the same every time for the same name (or seed)."""
    digest = hashlib.sha256((seed or name).encode()).digest()
    start, end = _colour(digest, 0), _colour(digest, 3)
    vertical = Image.linear_gradient("L").resize((size, size))
    gradient = Image.blend(vertical, vertical.transpose(Image.Transpose.ROTATE_90), 0.5)
    image = Image.composite(
        Image.new("RGB", (size, size), end), Image.new("RGB", (size, size), start), gradient
    )
    draw = ImageDraw.Draw(image)
    margin = size // 8
    draw.ellipse(
        (margin, margin, size - margin, size - margin),
        outline=(255, 255, 255),
        width=max(2, size // 64),
    )
    initial = next((ch.upper() for ch in name if ch.isascii() and ch.isalnum()), "")
    if initial:
        font = ImageFont.load_default(size=size // 2)
        draw.text((size / 2, size / 2), initial, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
