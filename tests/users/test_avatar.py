"""Avatar uploads: only real images, re-encoded, within size and pixel limits."""

from __future__ import annotations

import io
import os
import struct
import zlib

import httpx
import pytest
from PIL import Image

from tests.factories import create_account


def _image(fmt: str, size: tuple[int, int] = (300, 200), color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def _png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims an enormous canvas of zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 64, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


async def _upload(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes, name: str = "a.png"
) -> httpx.Response:
    return await client.put(
        "/me/avatar", headers=headers, files={"file": (name, data, "image/png")}
    )


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
async def test_image_is_reencoded_to_a_square_webp_and_served(
    client: httpx.AsyncClient, fmt: str
) -> None:
    account = await create_account(client)
    response = await _upload(client, account.headers, _image(fmt))
    assert response.status_code == 200
    url = response.json()["avatar_url"]
    assert url.startswith("/media/avatars/") and url.endswith(".webp")
    assert (await client.get("/me", headers=account.headers)).json()["avatar_url"] == url
    served = await client.get(f"http://test{url}")
    assert served.status_code == 200
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.format == "WEBP"
        assert image.size == (512, 512)


async def test_replacing_an_avatar_removes_the_old_file(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    first = (await _upload(client, account.headers, _image("PNG", color="red"))).json()[
        "avatar_url"
    ]
    second = (await _upload(client, account.headers, _image("PNG", color="blue"))).json()[
        "avatar_url"
    ]
    assert first != second
    assert (await client.get(f"http://test{first}")).status_code == 404
    assert (await client.get(f"http://test{second}")).status_code == 200


async def test_text_file_is_not_an_image(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    response = await _upload(client, account.headers, b"hello, I am text", "a.txt")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_image"
    assert (await client.get("/me", headers=account.headers)).json()["avatar_url"] is None


async def test_png_header_on_garbage_is_refused(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    response = await _upload(client, account.headers, b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 100)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_image"


async def test_unsupported_image_format_is_refused(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    response = await _upload(client, account.headers, _image("GIF"), "a.gif")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"max_avatar_bytes": 200_000}


async def test_too_large_file_is_refused_with_413(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    noisy = Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    assert len(out.getvalue()) > 200_000
    response = await _upload(client, account.headers, out.getvalue())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


async def test_decompression_bomb_is_refused_without_decoding_it(client: httpx.AsyncClient) -> None:
    account = await create_account(client)
    bomb = _png_bomb(60_000, 60_000)
    assert len(bomb) < 10_000
    response = await _upload(client, account.headers, bomb)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_image"


async def test_avatar_upload_requires_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.put("/me/avatar", files={"file": ("a.png", _image("PNG"), "image/png")})
    assert response.status_code == 401
