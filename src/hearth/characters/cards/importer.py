"""Reading a card file (.json, .png, .charx) and storing it as a new private character.

Everything is parsed and validated before anything is stored, so a bad card leaves no
character and no file behind. PNG and ZIP work runs off the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import logging
import warnings
import zipfile
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth.characters import service
from hearth.characters.cards.mapping import ParsedCard, parse_card
from hearth.characters.errors import InvalidCard
from hearth.characters.models import Character
from hearth.core.errors import PayloadTooLarge, UnsupportedMediaType
from hearth.storage.backend import Storage
from hearth.storage.images import ImageLimits, InvalidImage
from hearth.users.models import User

# A card Hearth exports can always be imported again: a character made through the API
# (a JSON body of at most 5 MiB, hearth.core.body_limits) exports to less than 8 MiB of
# JSON, and its PNG holds that twice in base64 (V2 and V3) over the picture.
MAX_CARD_JSON_BYTES = 8 * 1024 * 1024
MAX_CARD_BYTES = 32 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_ASSET_BYTES = 16 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 64 * 1024 * 1024

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"


@dataclass(frozen=True)
class CardFile:
    text: str
    avatar: bytes | None
    # A .charx icon is one asset among others: the card is worth importing without it.
    avatar_optional: bool = False


def _decode_text(raw: bytes) -> str:
    if len(raw) > MAX_CARD_JSON_BYTES:
        raise InvalidCard(f"The card JSON is larger than {MAX_CARD_JSON_BYTES // 1024} KiB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCard("The card is not UTF-8 text.") from exc


def _read_png(raw: bytes, max_pixels: int) -> CardFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                if image.format != "PNG":
                    raise InvalidCard("The file is not a PNG image.")
                width, height = image.size
                if width * height > max_pixels:
                    raise InvalidCard(f"The card image is too large ({width}×{height}).")
                # Reading the text chunks decodes every frame of an animated PNG.
                frames = getattr(image, "n_frames", 1)
                if frames * width * height > max_pixels:
                    raise InvalidCard(
                        f"The card image is too large ({frames} frames of {width}×{height})."
                    )
                chunks = dict(image.text)  # type: ignore[attr-defined]  # reads chunks after IDAT too
    except InvalidCard:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise InvalidCard("The PNG image is damaged.") from exc
    by_name = {key.lower(): value for key, value in chunks.items()}
    # A V3 card wins over the V2 one that apps write beside it for older readers.
    encoded = by_name.get("ccv3") or by_name.get("chara")
    if not encoded:
        raise InvalidCard("The PNG image carries no character card.")
    # Some writers wrap the base64 in lines or drop its padding.
    compact = "".join(encoded.split())
    try:
        decoded = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCard("The card inside the PNG is not valid base64.") from exc
    return CardFile(_decode_text(decoded), raw)


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if info.file_size > limit:
        raise InvalidCard(f"'{info.filename}' in the archive is too large.")
    with archive.open(info) as handle:
        data = handle.read(limit + 1)  # declared sizes can lie: never read past the limit
    if len(data) > limit:
        raise InvalidCard(f"'{info.filename}' in the archive is too large.")
    return data


def _read_charx(raw: bytes) -> CardFile:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise InvalidCard("The archive has too many files.")
            if sum(i.file_size for i in infos) > MAX_ZIP_TOTAL_BYTES:
                raise InvalidCard("The archive unpacks to too much data.")
            members = {i.filename: i for i in infos}
            if "card.json" not in members:
                raise InvalidCard("The archive has no card.json.")
            text = _decode_text(_zip_member(archive, members["card.json"], MAX_CARD_JSON_BYTES))
            parsed = parse_card(text)
            avatar = None
            uri = parsed.icon_uri or ""
            for prefix in ("embeded://", "embedded://", "__asset:"):
                if uri.startswith(prefix) and uri[len(prefix) :] in members:
                    avatar = _zip_member(archive, members[uri[len(prefix) :]], MAX_ZIP_ASSET_BYTES)
            return CardFile(text, avatar, avatar_optional=True)
    # zipfile raises NotImplementedError for a compression method it cannot read.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise InvalidCard("The .charx archive is damaged.") from exc
    except OSError as exc:  # e.g. a corrupt deflate stream
        raise InvalidCard("The .charx archive is damaged.") from exc


def read_card_file(raw: bytes, max_pixels: int) -> CardFile:
    """The card text and the picture that comes with it, whatever the container."""
    if not raw:
        raise InvalidCard("The file is empty.")
    if raw.startswith(PNG_SIGNATURE):
        return _read_png(raw, max_pixels)
    if raw.startswith(ZIP_SIGNATURE):
        return _read_charx(raw)
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        # A JSON array is read too, to say what it holds instead of what the file is.
        return CardFile(_decode_text(raw), None)
    raise InvalidCard("Cards are read from .json, .png or .charx files.")


async def import_card(
    db: AsyncSession,
    storage: Storage,
    user: User,
    raw: bytes,
    filename: str | None,
    limits: ImageLimits,
) -> Character:
    """A new private character of `user` from the card in `raw`."""
    card = await asyncio.to_thread(read_card_file, raw, limits.max_pixels)
    parsed: ParsedCard = await asyncio.to_thread(parse_card, card.text)
    character = await service.create_character(db, user, parsed.body, **parsed.columns)
    if card.avatar is not None:
        try:
            await service.set_avatar(db, storage, character, card.avatar, limits)
        except (InvalidImage, UnsupportedMediaType, PayloadTooLarge):
            if not card.avatar_optional:
                raise
            log.info("card icon unusable, imported without avatar: %s", filename)
    return character
