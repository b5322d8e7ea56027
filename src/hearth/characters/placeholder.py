"""Generated avatars: a diagonal gradient with a ring and an initial (no downloads).

Pillow's bundled font covers ASCII only; a name in another script (Cyrillic, accented Latin)
gets its initial from an installed system font that has the glyph, or no initial at all
rather than a wrong one.
"""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image, ImageDraw, ImageFont

# Common system fonts with wide coverage; Pillow looks them up in the system's font folders.
_SYSTEM_FONTS = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSans.ttf",
    "LiberationSans-Bold.ttf",
    "LiberationSans-Regular.ttf",
    "NotoSans-Bold.ttf",
    "NotoSans-Regular.ttf",
    "FreeSansBold.ttf",
    "Arial.ttf",
    "arial.ttf",
)
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _colour(seed: bytes, offset: int) -> tuple[int, int, int]:
    r, g, b = seed[offset], seed[offset + 1], seed[offset + 2]
    # Keep colours in a mid range so a white initial stays readable.
    return (60 + r % 140, 60 + g % 140, 60 + b % 140)


def initial_of(name: str) -> str:
    """The letter an avatar shows: the first letter or digit of the name, in its own script."""
    return next((ch.upper() for ch in name if ch.isalnum()), "")


def _has_glyph(font: Font, char: str) -> bool:
    # FreeType draws a missing glyph as the font's "notdef" box: compare with a noncharacter.
    return bytes(font.getmask(char)) != bytes(font.getmask("\uffff"))


@functools.lru_cache(maxsize=64)
def _font_for(char: str, size: int) -> Font | None:
    if char.isascii():
        return ImageFont.load_default(size=size)
    for name in _SYSTEM_FONTS:
        try:
            font = ImageFont.truetype(name, size)
        except OSError:
            continue
        if _has_glyph(font, char):
            return font
    return None


def render_avatar(name: str, size: int = 512, *, seed: str | None = None) -> bytes:
    """A PNG avatar for `name`, the same every time for the same name (and colour seed)."""
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
    initial = initial_of(name)
    font = _font_for(initial, size // 2) if initial else None
    if font is not None:
        draw.text((size / 2, size / 2), initial, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
