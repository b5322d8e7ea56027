"""Writing Character Card V2/V3 JSON and PNG (card in `tEXt` chunks over the avatar)."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
import uuid
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import quote

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from hearth.characters.cards.book import lorebook_to_card
from hearth.characters.cards.rawjson import splice
from hearth.characters.models import Character
from hearth.characters.placeholder import render_avatar
from hearth.storage.backend import Storage

Spec = Literal["v2", "v3"]


# How long after its creation an imported character's row may still be written by the
# import itself (its avatar), and not yet by any change made in Hearth.
_IMPORT_WRITES = timedelta(seconds=10)


def _modification_date(character: Character) -> int:
    """When the card was last changed (CCv3 `modification_date`): an import is no change,
    so a character not changed since it was imported keeps its card's date."""
    unchanged = character.updated_at - character.created_at <= _IMPORT_WRITES
    if unchanged and character.card_modification_date is not None:
        return character.card_modification_date
    return int(character.updated_at.timestamp())


def card_dict(character: Character, spec: Spec, extensions_placeholder: str) -> dict[str, Any]:
    """The card as a dict; `extensions` holds a placeholder for the verbatim raw text."""
    data: dict[str, Any] = {
        "name": character.name,
        "description": character.description,
        "personality": character.personality,
        "scenario": character.scenario,
        "first_mes": character.greeting,
        "mes_example": character.example_dialogue,
        "creator_notes": character.creator_notes,
        "system_prompt": character.system_prompt,
        "post_history_instructions": character.post_history_instructions,
        "alternate_greetings": list(character.alternate_greetings or []),
        "tags": character.tags,
        "creator": character.card_creator,
        "character_version": character.character_version,
        "extensions": extensions_placeholder,
    }
    if character.lorebook:
        data["character_book"] = lorebook_to_card(character.lorebook)
    if spec == "v3":
        data["nickname"] = character.nickname
        if character.creator_notes_multilingual:
            data["creator_notes_multilingual"] = character.creator_notes_multilingual
        data["source"] = list(character.source or [])
        data["group_only_greetings"] = list(character.group_only_greetings or [])
        data["creation_date"] = character.card_creation_date or int(
            character.created_at.timestamp()
        )
        data["modification_date"] = _modification_date(character)
        main = {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}
        data["assets"] = [main, *(character.card_assets or [])]
    hearth: dict[str, Any] = {
        "tagline": character.tagline,
        "gender": character.gender,
        "content_rating": character.content_rating,
    }
    if character.locale:
        hearth["locale"] = character.locale
    return {
        "spec": "chara_card_v3" if spec == "v3" else "chara_card_v2",
        "spec_version": "3.0" if spec == "v3" else "2.0",
        "data": data,
        # Hearth's own fields, beside `data` so `extensions` stays exactly the imported one.
        "hearth": hearth,
    }


def card_json(character: Character, spec: Spec) -> str:
    """The card as JSON text, with the character's `extensions` spliced in verbatim."""
    placeholder = f"hearth-extensions-{uuid.uuid4().hex}"
    document = json.dumps(card_dict(character, spec, placeholder), ensure_ascii=False, indent=2)
    return splice(document, placeholder, character.extensions_json or "{}")


def _png_with_card(avatar: bytes | None, name: str, v2: str, v3: str) -> bytes:
    source = avatar or render_avatar(name)
    with Image.open(io.BytesIO(source)) as image:
        image.load()
        picture = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    info = PngInfo()
    info.add_text("chara", base64.b64encode(v2.encode()).decode("ascii"))
    info.add_text("ccv3", base64.b64encode(v3.encode()).decode("ascii"))
    out = io.BytesIO()
    picture.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


async def export_png(character: Character, storage: Storage) -> bytes:
    """The avatar (or a generated one) as PNG with `chara` (V2) and `ccv3` (V3) chunks."""
    avatar = await storage.load(character.avatar_key) if character.avatar_key else None
    v2, v3 = card_json(character, "v2"), card_json(character, "v3")
    return await asyncio.to_thread(_png_with_card, avatar, character.name, v2, v3)


def content_disposition(character: Character, format: str) -> str:
    """An attachment named after the character: in ASCII for old clients, and as it is
    spelled (RFC 6266 `filename*`) for the rest, so «Фома» is not saved as `_.png`."""
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "_", character.name).strip("_") or "character"
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", character.name).strip() or "character"
    return (
        f'attachment; filename="{ascii_stem[:64]}.{format}"; '
        f"filename*=UTF-8''{quote(stem[:64])}.{format}"
    )
