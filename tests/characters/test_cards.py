"""Character cards: import of real-world-shaped V1/V2/V3 cards, export, round trips, bad cards."""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import update

from hearth.characters.cards.rawjson import raw_member
from hearth.characters.models import Character
from hearth.chats.lorebook import Lorebook as EngineLorebook
from tests.characters.helpers import adult, create_character
from tests.factories import Account, create_account

CARDS = Path(__file__).parent / "cards"
COMPARED = [
    "name",
    "tagline",
    "description",
    "personality",
    "scenario",
    "greeting",
    "alternate_greetings",
    "example_dialogue",
    "system_prompt",
    "post_history_instructions",
    "tags",
    "gender",
    "content_rating",
    "lorebook",
    "creator_notes",
]
V3_ONLY = ["nickname", "creator_notes_multilingual", "group_only_greetings", "source"]


def _card(name: str) -> str:
    return (CARDS / name).read_text(encoding="utf-8")


def _png(chunks: dict[str, str] | None = None, size: tuple[int, int] = (40, 60)) -> bytes:
    info = PngInfo()
    for key, value in (chunks or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def _import(
    client: httpx.AsyncClient, user: Account, data: bytes, filename: str = "card.json"
) -> httpx.Response:
    return await client.post(
        "/characters/import", files={"file": (filename, data)}, headers=user.headers
    )


async def _imported(
    client: httpx.AsyncClient, user: Account, data: bytes, filename: str = "card.json"
) -> dict[str, Any]:
    response = await _import(client, user, data, filename)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _full_character(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    return await create_character(
        client,
        owner,
        name="Inspector Lestrade",
        tagline="Scotland Yard's finest (he says)",
        description='A dogged inspector. Uses "quotes", ünïcödé and emoji 🕵️.',
        personality="stubborn, honest",
        scenario="Foggy London, 1891.",
        greeting="Ah, {{user}}. Another case?",
        alternate_greetings=["Not you again.", "Come in, quickly."],
        example_dialogue="<START>\n{{user}}: Any leads?\n{{char}}: Several. All wrong.",
        system_prompt="You are {{char}}.",
        post_history_instructions="Keep it period-accurate.",
        tags=["victorian", "detective"],
        gender="male",
        content_rating="moderate",
        nickname="Giles",
        creator_notes="Pairs well with Holmes.",
        lorebook={
            "name": "Yard",
            "scan_depth": 6,
            "token_budget": 300,
            "recursive_scanning": True,
            "entries": [
                {
                    "id": 7,
                    "keys": ["yard", "scotland"],
                    "secondary_keys": ["inspector"],
                    "selective": True,
                    "content": "Scotland Yard is the Metropolitan Police HQ.",
                    "constant": False,
                    "case_sensitive": True,
                    "use_regex": False,
                    "insertion_order": 3,
                    "priority": 8,
                    "position": "after_char",
                    "name": "Yard",
                    "comment": "HQ",
                },
                {"id": "always", "keys": [], "content": "It is 1891.", "constant": True},
            ],
        },
    )


def _same(a: dict[str, Any], b: dict[str, Any], fields: list[str]) -> None:
    for field in fields:
        assert a[field] == b[field], field


# -- import of cards made by other apps ---------------------------------------------------


async def test_imports_a_v1_tavern_card(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    character = await _imported(client, user, _card("v1_tavern.json").encode())
    assert character["name"] == "Captain Mira Vance"
    assert character["greeting"].startswith("*Mira glances up")
    assert character["example_dialogue"].startswith("<START>")
    assert character["personality"] == "pragmatic, loyal, sarcastic"
    assert character["visibility"] == "private"
    assert character["creator"]["id"] == user.user["id"]


async def test_imports_a_v1_pygmalion_card_with_old_field_names(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    character = await _imported(client, user, _card("v1_pygmalion.json").encode())
    assert character["name"] == "Old Tom"
    assert character["description"].startswith("A fisherman")
    assert character["scenario"] == "A foggy harbour at dawn."
    assert character["greeting"] == "Mornin'. Fog's thick today."
    assert character["example_dialogue"].startswith("You: Any fish?")


async def test_imports_a_sillytavern_v2_card_with_its_lorebook(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    character = await _imported(client, user, _card("v2_sillytavern.json").encode())
    assert character["name"] == "Seraphina"
    assert character["tags"] == ["fantasy", "female", "oc", "sfw"]
    assert character["creator_notes"].startswith("A gentle forest guardian.")
    assert character["post_history_instructions"] == "Stay in character as {{char}}."
    assert len(character["alternate_greetings"]) == 2
    book = character["lorebook"]
    assert book["name"] == "Eldertree"
    first, second = book["entries"]
    assert first["keys"] == ["Eldertree", "forest"] and first["use_regex"] is True
    assert first["extensions"]["probability"] == 100
    assert second["secondary_keys"] == ["beast"] and second["selective"] is True
    assert second["position"] == "after_char" and second["priority"] == 5


async def test_imports_a_risu_v3_card_keeping_v3_fields(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    character = await _imported(client, user, _card("v3_risu.json").encode())
    assert character["nickname"] == "Yuki-san"
    assert character["creator_notes_multilingual"]["ja"] == "スローバーンなキャラクターです。"
    assert character["group_only_greetings"] == ['"Oh. There are more of you today."']
    assert character["source"] == ["https://example.com/yuki", "risu:abc123"]
    assert character["tags"] == ["slice of life", "mystery", "japan"]
    book = character["lorebook"]
    assert (book["scan_depth"], book["token_budget"], book["recursive_scanning"]) == (5, 600, True)
    manuscript, library = book["entries"]
    assert manuscript["id"] == "entry-manuscript" and manuscript["priority"] == 20
    assert library["use_regex"] is True and library["constant"] is True
    assert library["position"] == "before_char"  # "" from the card means the default
    exported = json.loads(
        (await client.get(f"/characters/{character['id']}/card", headers=user.headers)).text
    )
    assert exported["data"]["creation_date"] == 1700000000


async def test_a_v3_cards_other_assets_come_back_on_export(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    card = json.loads(_card("v3_risu.json"))
    background = {"type": "background", "uri": "https://example.com/inn.png", "name": "inn"}
    emotion = {"type": "emotion", "uri": "embeded://assets/joy.png", "name": "joy"}
    embedded = {"type": "emotion", "uri": "data:image/png;base64," + "A" * 50_000, "name": "x"}
    card["data"]["assets"] = [
        {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
        {**background, "ext": "png"},
        {**emotion, "ext": "png"},
        {**embedded, "ext": "png"},
    ]
    character = await _imported(client, user, json.dumps(card).encode())

    exported = json.loads(
        (await client.get(f"/characters/{character['id']}/card", headers=user.headers)).text
    )

    assert exported["data"]["assets"] == [
        {"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"},
        {**background, "ext": "png"},
        {**emotion, "ext": "png"},
    ]  # the one carrying its whole file is not kept: only the avatar's image is


async def test_imports_a_png_card_with_its_picture_as_avatar(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    png = _png({"chara": _b64(_card("v2_sillytavern.json"))})
    character = await _imported(client, user, png, "Seraphina.png")
    assert character["name"] == "Seraphina"
    assert character["avatar_url"] is not None
    avatar = await client.get(f"http://test{character['avatar_url']}")
    assert avatar.status_code == 200


async def test_ccv3_chunk_wins_over_chara(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    png = _png({"chara": _b64(_card("v1_tavern.json")), "ccv3": _b64(_card("v3_risu.json"))})
    character = await _imported(client, user, png, "card.png")
    assert character["name"] == "Yuki Tanaka"


async def test_imports_a_charx_archive_with_its_icon(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    card = json.loads(_card("v3_risu.json"))
    card["data"]["assets"] = [
        {"type": "icon", "uri": "embeded://assets/icon/images/1.png", "name": "main", "ext": "png"}
    ]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("card.json", json.dumps(card))
        zf.writestr("assets/icon/images/1.png", _png())
    character = await _imported(client, user, archive.getvalue(), "yuki.charx")
    assert character["name"] == "Yuki Tanaka"
    assert character["avatar_url"] is not None


# -- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["v2", "v3"])
async def test_json_card_round_trip_gives_the_same_character(
    client: httpx.AsyncClient, spec: str
) -> None:
    owner = await adult(client)
    original = await _full_character(client, owner)
    response = await client.get(
        f"/characters/{original['id']}/card", params={"spec": spec}, headers=owner.headers
    )
    assert response.status_code == 200
    card = response.json()
    assert card["spec"] == f"chara_card_{spec}"
    assert card["spec_version"] == ("3.0" if spec == "v3" else "2.0")
    assert card["data"]["first_mes"] == original["greeting"]
    copy = await _imported(client, owner, response.content)
    _same(original, copy, COMPARED + (V3_ONLY if spec == "v3" else []))
    assert copy["id"] != original["id"]


async def test_png_card_round_trip_gives_the_same_character(client: httpx.AsyncClient) -> None:
    owner = await adult(client)
    original = await _full_character(client, owner)
    response = await client.get(
        f"/characters/{original['id']}/card", params={"format": "png"}, headers=owner.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        chunks = dict(image.text)  # type: ignore[attr-defined]
    assert json.loads(base64.b64decode(chunks["chara"]))["spec"] == "chara_card_v2"
    assert json.loads(base64.b64decode(chunks["ccv3"]))["spec"] == "chara_card_v3"
    copy = await _imported(client, owner, response.content, "card.png")
    _same(original, copy, COMPARED + V3_ONLY)
    assert copy["avatar_url"] is not None


async def test_png_export_draws_over_the_avatar(client: httpx.AsyncClient) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner)
    await client.put(
        f"/characters/{character['id']}/avatar",
        files={"file": ("a.png", _png(size=(300, 450)), "image/png")},
        headers=owner.headers,
    )
    response = await client.get(
        f"/characters/{character['id']}/card", params={"format": "png"}, headers=owner.headers
    )
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size[1] > image.size[0]  # the portrait avatar, not a square placeholder


@pytest.mark.parametrize("spec", ["v2", "v3"])
async def test_unknown_extensions_survive_import_and_export_byte_for_byte(
    client: httpx.AsyncClient, spec: str
) -> None:
    user = await create_account(client)
    source = _card("v2_sillytavern.json")
    original_extensions = raw_member(source, ("data", "extensions"))
    assert original_extensions is not None and '"weight": 1.50' in original_extensions
    character = await _imported(client, user, source.encode())
    exported = (
        await client.get(
            f"/characters/{character['id']}/card", params={"spec": spec}, headers=user.headers
        )
    ).text
    assert raw_member(exported, ("data", "extensions")) == original_extensions
    # ...and through a PNG as well.
    png = (
        await client.get(
            f"/characters/{character['id']}/card", params={"format": "png"}, headers=user.headers
        )
    ).content
    with Image.open(io.BytesIO(png)) as image:
        inner = base64.b64decode(image.text["chara"]).decode()  # type: ignore[attr-defined]
    assert raw_member(inner, ("data", "extensions")) == original_extensions


async def test_card_of_a_private_character_is_404_to_others(client: httpx.AsyncClient) -> None:
    owner, other = await create_account(client), await create_account(client)
    character = await create_character(client, owner, visibility="private")
    response = await client.get(f"/characters/{character['id']}/card", headers=other.headers)
    assert response.status_code == 404


# -- malformed cards -------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="JPEG")
    return out.getvalue()


MALFORMED: dict[str, tuple[bytes, str]] = {
    "not json": (b"{name: 'x'", "card.json"),
    "json array": (b'[{"name": "x"}]', "card.json"),
    "no name": (json.dumps({"spec": "chara_card_v2", "data": {"name": " "}}).encode(), "c.json"),
    "v2 without data": (json.dumps({"spec": "chara_card_v2", "name": "x"}).encode(), "c.json"),
    "name not text": (json.dumps({"name": {"first": "x"}}).encode(), "card.json"),
    "huge field": (json.dumps({"name": "x", "description": "d" * 40_000}).encode(), "c.json"),
    "too many greetings": (
        json.dumps(
            {"spec": "chara_card_v2", "data": {"name": "x", "alternate_greetings": ["a"] * 99}}
        ).encode(),
        "c.json",
    ),
    "not utf-8": (b'{"name": "\xff\xfe"}', "card.json"),
    "plain text": (b"hello, I am a card", "card.txt"),
    "jpeg": (_jpeg(), "card.jpg"),
    "png without card": (_png(), "card.png"),
    "png with bad base64": (_png({"chara": "!!!not base64!!!"}), "card.png"),
    "png with base64 of junk": (_png({"chara": _b64("not json")}), "card.png"),
    "truncated png": (_png({"chara": _b64('{"name": "x"}')})[:60], "card.png"),
    "charx without card.json": (_zip({"readme.txt": b"hi"}), "c.charx"),
    "charx zip bomb": (_zip({"card.json": b" " * (50 * 1024 * 1024)}), "c.charx"),
    "broken zip": (b"PK\x03\x04" + b"\x00" * 100, "c.charx"),
    "empty": (b"", "card.json"),
    "json nested 100,000 deep": (b'{"a":' + b"[" * 10**5 + b"]" * 10**5 + b"}", "c.json"),
    **{
        f"lorebook extensions with {what}": (
            json.dumps(
                {
                    "spec": "chara_card_v2",
                    "data": {
                        "name": "x",
                        "character_book": {"entries": [{"keys": ["k"], "extensions": value}]},
                    },
                }
            ).encode(),
            "c.json",
        )
        for what, value in {
            "a lone surrogate": {"x": "\ud800"},
            "NaN": {"x": float("nan")},
            "nesting 40 deep": json.loads('{"x":' * 40 + "1" + "}" * 40),
        }.items()
    },
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_malformed_card_is_422_and_nothing_is_stored(
    client: httpx.AsyncClient, case: str
) -> None:
    user = await create_account(client)
    data, filename = MALFORMED[case]
    response = await _import(client, user, data, filename)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] in {"invalid_card", "validation_error"}
    assert error["message"]
    mine = (await client.get("/me/characters", headers=user.headers)).json()
    assert mine["items"] == []


async def test_too_big_upload_is_refused(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    response = await _import(client, user, b"{" + b" " * (33 * 1024 * 1024) + b"}")
    assert response.status_code == 413
    mine = (await client.get("/me/characters", headers=user.headers)).json()
    assert mine["items"] == []


async def test_an_animated_png_of_too_many_pixels_in_all_is_refused_before_decoding(
    client: httpx.AsyncClient,
) -> None:
    # Reading a PNG's text chunks decodes every frame: 1,000 frames of 4096x4096 in a
    # 20 MB file would cost a minute of CPU. Each frame here is small enough alone.
    user = await create_account(client)
    frames = [Image.new("RGB", (2048, 2048), (n, 0, 0)) for n in range(5)]
    info = PngInfo()
    info.add_text("chara", _b64(json.dumps({"name": "Flicker"})))
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], pnginfo=info)
    response = await _import(client, user, out.getvalue(), "card.png")
    assert response.status_code == 422, response.text
    assert "5 frames" in response.json()["error"]["message"]


async def test_numbers_no_database_holds_are_read_as_absent(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    entries = [
        {"keys": ["a"], "content": "A", "insertion_order": float("nan")},
        {"keys": ["b"], "content": "B", "insertion_order": float("inf")},
        {"keys": ["c"], "content": "C", "insertion_order": "1e999", "priority": 10**30},
    ]
    card = {
        "spec": "chara_card_v3",
        "data": {
            "name": "Big Numbers",
            "creation_date": 10**25,
            "modification_date": float("-inf"),
            "character_book": {"entries": entries, "scan_depth": float("nan")},
        },
    }
    character = await _imported(client, user, json.dumps(card).encode())
    book = character["lorebook"]
    assert [e["insertion_order"] for e in book["entries"]] == [100, 100, 100]
    assert [e["priority"] for e in book["entries"]] == [10, 10, 10]
    assert book["scan_depth"] is None


async def test_mature_tags_rate_the_card_nsfw_however_they_are_spaced_or_cased(
    client: httpx.AsyncClient,
) -> None:
    user = await adult(client)
    for tags in (["NSFW "], [" 18+"], ["fantasy", "  Explicit  "]):
        card = {"spec": "chara_card_v2", "data": {"name": "Rated", "tags": tags}}
        character = await _imported(client, user, json.dumps(card).encode())
        assert character["content_rating"] == "nsfw", tags


async def test_a_sillytavern_world_entry_marked_disable_is_imported_disabled(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    world = {
        "entries": {
            "0": {"uid": 0, "key": ["on"], "content": "On", "disable": False},
            "1": {"uid": 1, "key": ["off"], "content": "Off", "disable": True},
        }
    }
    card = {"spec": "chara_card_v2", "data": {"name": "World", "character_book": world}}
    character = await _imported(client, user, json.dumps(card).encode())
    assert [e["enabled"] for e in character["lorebook"]["entries"]] == [True, False]


async def test_a_sillytavern_world_entry_keeps_its_numbered_position_and_case_sensitivity(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    world = {
        "entries": {
            "0": {"uid": 0, "key": ["a"], "content": "A", "position": 0, "caseSensitive": True},
            "1": {"uid": 1, "key": ["b"], "content": "B", "position": 1, "caseSensitive": None},
            "2": {"uid": 2, "key": ["c"], "content": "C", "position": 4},
        }
    }
    card = {"spec": "chara_card_v2", "data": {"name": "World", "character_book": world}}
    character = await _imported(client, user, json.dumps(card).encode())
    entries = character["lorebook"]["entries"]
    assert [e["position"] for e in entries] == ["before_char", "after_char", "after_char"]
    assert [e["case_sensitive"] for e in entries] == [True, False, False]


async def test_a_sillytavern_world_entrys_slash_keys_stay_regexes(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    world = {"entries": {"0": {"uid": 0, "key": ["/dra(g|k)on/i"], "content": "D"}}}
    card = {"spec": "chara_card_v2", "data": {"name": "World", "character_book": world}}
    character = await _imported(client, user, json.dumps(card).encode())
    assert character["lorebook"]["entries"][0]["use_regex"] is True


async def test_a_sillytavern_world_entrys_selective_logic_goes_where_cards_keep_it(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    entry = {"uid": 0, "key": ["a"], "keysecondary": ["b"], "selectiveLogic": 2}
    world = {"entries": {"0": {**entry, "selective": True, "content": "A"}}}
    card = {"spec": "chara_card_v2", "data": {"name": "World", "character_book": world}}
    character = await _imported(client, user, json.dumps(card).encode())
    assert character["lorebook"]["entries"][0]["extensions"] == {"selectiveLogic": 2}


async def test_case_sensitivity_kept_in_an_entrys_extensions_is_read(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    entry = {"keys": ["Moon"], "content": "M", "extensions": {"case_sensitive": True}}
    book = {"entries": [entry]}
    card = {"spec": "chara_card_v2", "data": {"name": "Luna", "character_book": book}}
    character = await _imported(client, user, json.dumps(card).encode())
    assert character["lorebook"]["entries"][0]["case_sensitive"] is True


async def test_the_largest_character_the_api_takes_exports_to_cards_that_import_again(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    entries = [{"keys": [f"k{n}"], "content": "lore " * 3800} for n in range(230)]
    original = await create_character(
        client, owner, name="Encyclopedia", lorebook={"entries": entries}
    )
    for params, filename in (({"spec": "v3"}, "card.json"), ({"format": "png"}, "card.png")):
        response = await client.get(
            f"/characters/{original['id']}/card", params=params, headers=owner.headers
        )
        assert response.status_code == 200
        copy = await _imported(client, owner, response.content, filename)
        assert copy["lorebook"] == original["lorebook"]


async def test_a_card_downloads_under_its_characters_name_in_any_alphabet(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, name="Фома: мельник")

    response = await client.get(f"/characters/{character['id']}/card", headers=owner.headers)

    disposition = response.headers["content-disposition"]
    assert 'filename="character.json"' in disposition  # old clients: ASCII only
    assert "filename*=UTF-8''%D0%A4%D0%BE%D0%BC%D0%B0_%20" in disposition  # «Фома_ мельник»


async def test_a_png_card_with_wrapped_unpadded_base64_is_read(client: httpx.AsyncClient) -> None:
    user = await create_account(client)
    encoded = _b64(json.dumps({"name": "Wrapped"})).rstrip("=")
    wrapped = "\n".join(encoded[i : i + 16] for i in range(0, len(encoded), 16))

    character = await _imported(client, user, _png({"chara": wrapped}), "card.png")

    assert character["name"] == "Wrapped"


async def test_a_charx_whose_icon_is_not_an_image_is_imported_without_avatar(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    card = {
        "spec": "chara_card_v3",
        "data": {
            "name": "Iconless",
            "assets": [{"type": "icon", "uri": "embeded://assets/icon.png", "name": "main"}],
        },
    }
    archive = _zip({"card.json": json.dumps(card).encode(), "assets/icon.png": b"not a png"})

    character = await _imported(client, user, archive, "card.charx")

    assert character["name"] == "Iconless" and character["avatar_url"] is None


# -- SillyTavern's entry settings: probability, whole words, depth and role ----------------


async def test_a_sillytavern_world_entrys_probability_whole_words_and_depth_are_imported(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    common = {"probability": 100, "useProbability": True, "depth": 4, "role": None}
    world = {
        "entries": {
            "0": {
                **common,
                "uid": 0,
                "key": ["a"],
                "content": "A",
                "position": 4,
                "depth": 2,
                "role": 1,
                "probability": 35,
                "matchWholeWords": True,
            },
            "1": {
                **common,
                "uid": 1,
                "key": ["b"],
                "content": "B",
                "position": 0,
                "useProbability": False,
                "matchWholeWords": None,
            },
        }
    }
    card = {"spec": "chara_card_v2", "data": {"name": "World", "character_book": world}}
    character = await _imported(client, user, json.dumps(card).encode())
    settings = [
        (e["probability"], e["use_probability"], e["match_whole_words"], e["depth"], e["role"])
        for e in character["lorebook"]["entries"]
    ]
    assert settings == [(35, True, True, 2, "user"), (100, False, None, None, "system")]


async def test_a_sillytavern_cards_entry_settings_come_from_its_extensions_and_go_back(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    extensions = {
        "position": 4,
        "depth": 1,
        "role": 2,
        "probability": 60,
        "useProbability": True,
        "match_whole_words": True,
        "selectiveLogic": 0,
    }
    entry = {"keys": ["a"], "content": "A", "position": "after_char", "extensions": extensions}
    card = {"spec": "chara_card_v2", "data": {"name": "ST", "character_book": {"entries": [entry]}}}
    character = await _imported(client, user, json.dumps(card).encode())
    imported = character["lorebook"]["entries"][0]
    assert (imported["depth"], imported["role"], imported["probability"]) == (1, "assistant", 60)
    assert imported["match_whole_words"] is True

    exported = json.loads(
        (await client.get(f"/characters/{character['id']}/card", headers=user.headers)).text
    )
    # SillyTavern reads these from the entry's extensions: they are there, as it wrote them.
    assert exported["data"]["character_book"]["entries"][0]["extensions"] == extensions
    again = await _imported(client, user, json.dumps(exported).encode())
    assert again["lorebook"] == character["lorebook"]


async def test_entry_settings_made_in_hearth_export_for_sillytavern_and_import_back_the_same(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    entries = [
        {"keys": ["a"], "content": "A", "probability": 25, "depth": 3, "role": "user"},
        {"keys": ["b"], "content": "B", "match_whole_words": False, "use_probability": False},
        {"keys": ["c"], "content": "C"},
    ]
    original = await create_character(client, owner, lorebook={"entries": entries})
    response = await client.get(
        f"/characters/{original['id']}/card", params={"spec": "v3"}, headers=owner.headers
    )
    written = json.loads(response.text)["data"]["character_book"]["entries"]
    assert [e["extensions"] for e in written] == [
        {"probability": 25, "position": 4, "depth": 3, "role": 1},
        {"useProbability": False, "match_whole_words": False},
        {},
    ]
    copy = await _imported(client, owner, response.content)
    assert copy["lorebook"] == original["lorebook"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("probability", 101),
        ("probability", -1),
        ("depth", 5000),
        ("depth", -1),
        ("role", "narrator"),
    ],
)
async def test_entry_settings_out_of_range_are_422_with_the_field_named(
    client: httpx.AsyncClient, field: str, value: object
) -> None:
    owner = await create_account(client)
    entry = {"keys": ["a"], "content": "A", field: value}
    response = await client.post(
        "/characters",
        json={"name": "Bad", "lorebook": {"entries": [entry]}},
        headers=owner.headers,
    )
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert any(d["field"].endswith(f"entries.0.{field}") for d in details), details


async def test_a_card_entry_with_an_impossible_probability_is_422_and_nothing_is_stored(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    entry = {"keys": ["a"], "content": "A", "extensions": {"probability": 250}}
    card = {"spec": "chara_card_v2", "data": {"name": "X", "character_book": {"entries": [entry]}}}
    response = await _import(client, user, json.dumps(card).encode())
    assert response.status_code == 422, response.text
    assert "probability" in response.json()["error"]["message"]
    mine = (await client.get("/me/characters", headers=user.headers)).json()
    assert mine["items"] == []


# -- SillyTavern's other places, per-entry scan depth, inclusion groups --------------------


async def test_a_sillytavern_world_entrys_places_scan_depth_and_group_are_imported(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    group = {"group": "mood", "groupOverride": True, "groupWeight": 30, "useGroupScoring": True}
    world = {
        "entries": {
            str(n): {"uid": n, "key": ["k"], "content": f"E{n}", "position": position}
            for n, position in enumerate([2, 3, 5, 6, 7])
        }
    }
    world["entries"]["0"] |= {"scanDepth": 7, **group}
    card = {"spec": "chara_card_v2", "data": {"name": "World", "character_book": world}}
    character = await _imported(client, user, json.dumps(card).encode())
    entries = character["lorebook"]["entries"]
    assert [e["position"] for e in entries] == [
        "before_author_note",
        "after_author_note",
        "before_examples",
        "after_examples",
        "after_char",  # a place Hearth does not have: later than the character
    ]
    first = entries[0]
    assert (first["scan_depth"], first["group"], first["group_override"]) == (7, "mood", True)
    assert (first["group_weight"], first["use_group_scoring"]) == (30, True)
    assert (entries[1]["scan_depth"], entries[1]["group"], entries[1]["group_weight"]) == (
        None,
        "",
        100,
    )


async def test_a_sillytavern_cards_places_scan_depth_and_group_go_back_as_it_wrote_them(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    extensions = {
        "position": 3,
        "scan_depth": 2,
        "group": "mood, weather",
        "group_override": False,
        "group_weight": 40,
        "use_group_scoring": False,
        "selectiveLogic": 0,
    }
    # As SillyTavern writes an entry of one of its other places: `after_char` in the card.
    entry = {"keys": ["a"], "content": "A", "position": "after_char", "extensions": extensions}
    card = {"spec": "chara_card_v2", "data": {"name": "ST", "character_book": {"entries": [entry]}}}
    character = await _imported(client, user, json.dumps(card).encode())
    imported = character["lorebook"]["entries"][0]
    assert (imported["position"], imported["scan_depth"], imported["group"]) == (
        "after_author_note",
        2,
        "mood, weather",
    )
    assert (imported["group_weight"], imported["use_group_scoring"]) == (40, False)

    exported = json.loads(
        (await client.get(f"/characters/{character['id']}/card", headers=user.headers)).text
    )
    written = exported["data"]["character_book"]["entries"][0]
    assert written["position"] == "after_char" and written["extensions"] == extensions
    again = await _imported(client, user, json.dumps(exported).encode())
    assert again["lorebook"] == character["lorebook"]


async def test_places_scan_depth_and_groups_made_in_hearth_export_for_sillytavern_and_back(
    client: httpx.AsyncClient,
) -> None:
    owner = await create_account(client)
    entries = [
        {"keys": ["a"], "content": "A", "position": "before_author_note", "scan_depth": 0},
        {"keys": ["b"], "content": "B", "position": "after_examples", "group": "g"},
        {"keys": ["c"], "content": "C", "group": "g", "group_override": True, "group_weight": 5},
        {"keys": ["d"], "content": "D", "position": "after_char", "use_group_scoring": False},
    ]
    original = await create_character(client, owner, lorebook={"entries": entries})
    response = await client.get(
        f"/characters/{original['id']}/card", params={"spec": "v3"}, headers=owner.headers
    )
    written = json.loads(response.text)["data"]["character_book"]["entries"]
    assert [e["position"] for e in written] == [
        "after_char",
        "after_char",
        "before_char",
        "after_char",
    ]
    assert [e["extensions"] for e in written] == [
        {"scan_depth": 0, "position": 2},
        {"group": "g", "position": 6},
        {"group": "g", "group_override": True, "group_weight": 5},
        {"use_group_scoring": False},
    ]
    copy = await _imported(client, owner, response.content)
    assert copy["lorebook"] == original["lorebook"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scan_depth", 5000),
        ("scan_depth", -1),
        ("group_weight", -1),
        ("group", 12),
        ("group", "g" * 201),
        ("position", "by_the_fire"),
        ("group_override", "sometimes"),
    ],
)
async def test_new_entry_settings_out_of_range_are_422_with_the_field_named(
    client: httpx.AsyncClient, field: str, value: object
) -> None:
    owner = await create_account(client)
    entry = {"keys": ["a"], "content": "A", field: value}
    response = await client.post(
        "/characters",
        json={"name": "Bad", "lorebook": {"entries": [entry]}},
        headers=owner.headers,
    )
    assert response.status_code == 422, response.text
    details = response.json()["error"]["details"]
    assert any(d["field"].endswith(f"entries.0.{field}") for d in details), details


async def test_a_card_entry_with_an_impossible_scan_depth_is_422(
    client: httpx.AsyncClient,
) -> None:
    user = await create_account(client)
    entry = {"keys": ["a"], "content": "A", "extensions": {"scan_depth": 99_999}}
    card = {"spec": "chara_card_v2", "data": {"name": "X", "character_book": {"entries": [entry]}}}
    response = await _import(client, user, json.dumps(card).encode())
    assert response.status_code == 422, response.text
    assert "scan_depth" in response.json()["error"]["message"]


async def test_sillytavern_settings_stored_only_in_extensions_are_shown_as_the_chat_uses_them(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await create_account(client)
    character = await create_character(client, owner, name="Old")
    # As Hearth stored a card SillyTavern wrote, before it had these fields.
    old_entry = {
        "keys": ["a"],
        "content": "A",
        "position": "after_char",
        "insertion_order": 100,
        "extensions": {
            "position": 4,
            "depth": 2,
            "role": 1,
            "probability": 40,
            "useProbability": True,
            "scan_depth": 3,
            "group": "g",
            "group_weight": 9,
        },
    }
    by_note = {
        "keys": ["b"],
        "content": "B",
        "position": "after_char",
        "extensions": {"position": 2, "probability": "junk", "scan_depth": 5000},
    }
    stored = {"entries": [old_entry, by_note]}
    async with app.state.db.sessionmaker() as session:
        await session.execute(
            update(Character)
            .where(Character.id == uuid.UUID(character["id"]))
            .values(lorebook=stored)
        )
        await session.commit()

    shown = (await client.get(f"/characters/{character['id']}", headers=owner.headers)).json()
    entries = shown["lorebook"]["entries"]
    engine = EngineLorebook.from_card(stored)
    assert engine is not None
    first, second = engine.entries
    assert (entries[0]["depth"], entries[0]["role"], entries[0]["probability"]) == (2, "user", 40)
    assert (entries[0]["scan_depth"], entries[0]["group"], entries[0]["group_weight"]) == (
        3,
        "g",
        9,
    )
    assert (first.depth, first.role, first.probability, first.scan_depth) == (2, "user", 40, 3)
    assert (first.groups, first.group_weight) == (("g",), 9)
    # Out of range is brought into it (as SillyTavern reads a scan depth); not a number is
    # left in the extensions, unused.
    assert (entries[1]["position"], entries[1]["probability"]) == ("before_author_note", 100)
    assert entries[1]["scan_depth"] == 1000
    assert (second.position, second.probability, second.scan_depth) == (
        "before_author_note",
        100,
        1000,
    )
    card = await client.get(f"/characters/{character['id']}/card", headers=owner.headers)
    assert card.status_code == 200
