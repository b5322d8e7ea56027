"""The S3 backend against moto's S3 server on loopback (no real cloud)."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from hearth.config import Settings
from hearth.storage.backend import LocalStorage
from hearth.storage.s3 import S3Storage, storage_from_settings

moto_server = pytest.importorskip("moto.server")
pytest.importorskip("aioboto3")

BUCKET = "hearth-test"
CREDENTIALS = {"access_key_id": "testing", "secret_access_key": "testing", "region": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(
        ip_address="127.0.0.1", port=_free_port(), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
async def storage(endpoint: str) -> AsyncIterator[S3Storage]:
    s3 = S3Storage(BUCKET, endpoint_url=endpoint, prefix="uploads", **CREDENTIALS)
    client = await s3._s3()
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        await client.create_bucket(Bucket=BUCKET)
    # Serving the objects is the bucket's job: operators make it publicly readable.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
            }
        ],
    }
    await client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    try:
        yield s3
    finally:
        await s3.aclose()


async def test_saves_loads_and_deletes(storage: S3Storage) -> None:
    await storage.save("avatars/a.webp", b"RIFF-data", "image/webp")
    assert await storage.load("avatars/a.webp") == b"RIFF-data"
    await storage.delete("avatars/a.webp")
    assert await storage.load("avatars/a.webp") is None
    await storage.delete("avatars/a.webp")  # deleting twice is fine


async def test_missing_object_loads_as_none(storage: S3Storage) -> None:
    assert await storage.load("nothing/here.webp") is None


async def test_public_url_points_into_the_bucket(storage: S3Storage, endpoint: str) -> None:
    await storage.save("avatars/b.webp", b"x", "image/webp")
    url = storage.url("avatars/b.webp")
    assert url == f"{endpoint}/{BUCKET}/uploads/avatars/b.webp"
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200 and response.content == b"x"
    assert response.headers["content-type"] == "image/webp"


async def test_keys_cannot_escape_the_prefix(storage: S3Storage) -> None:
    with pytest.raises(ValueError):
        await storage.save("../other/key", b"x", "text/plain")


def test_configured_public_url_wins() -> None:
    s3 = S3Storage(BUCKET, public_url="https://cdn.example.com/", **CREDENTIALS)
    assert s3.url("avatars/c d.webp") == "https://cdn.example.com/avatars/c%20d.webp"


def test_settings_choose_the_backend(tmp_path: Path) -> None:
    local = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert isinstance(storage_from_settings(local), LocalStorage)
    remote = Settings(_env_file=None, data_dir=tmp_path, s3_bucket=BUCKET)  # type: ignore[call-arg]
    assert isinstance(storage_from_settings(remote), S3Storage)


@pytest.fixture
def settings_overrides(endpoint: str) -> dict[str, object]:
    return {
        "s3_bucket": BUCKET,
        "s3_endpoint_url": endpoint,
        "s3_region": "us-east-1",
        "s3_access_key_id": "testing",
        "s3_secret_access_key": "testing",
    }


async def test_character_avatars_and_cards_go_through_the_bucket(
    client: httpx.AsyncClient, storage: S3Storage, endpoint: str
) -> None:
    import io

    from PIL import Image

    from tests.characters.helpers import create_character
    from tests.factories import create_account

    owner = await create_account(client)
    character = await create_character(client, owner)
    picture = io.BytesIO()
    Image.new("RGB", (80, 120), (10, 120, 60)).save(picture, format="PNG")
    response = await client.put(
        f"/characters/{character['id']}/avatar",
        files={"file": ("a.png", picture.getvalue(), "image/png")},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["avatar_url"].startswith(f"{endpoint}/{BUCKET}/avatars/characters/")
    card = await client.get(
        f"/characters/{character['id']}/card", params={"format": "png"}, headers=owner.headers
    )
    with Image.open(io.BytesIO(card.content)) as image:
        assert image.size == (80, 120)  # drawn over the avatar loaded back from the bucket
