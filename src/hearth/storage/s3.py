"""An S3-compatible storage backend (AWS S3, MinIO, Cloudflare R2, Yandex Object Storage...).

`aioboto3` is an optional extra (`hearth[s3]`), imported only when a bucket is configured.
One client is opened on first use and kept for the life of the app (`aclose` in lifespan).
Files are served by the bucket (or a CDN in front of it) at `HEARTH_S3_PUBLIC_URL`, not by
the app.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import quote

from hearth.config import Settings
from hearth.storage.backend import LocalStorage, Storage

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    """Objects in one bucket, under an optional key prefix."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        public_url: str | None = None,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix.strip("/")
        self._credentials = {
            "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "region_name": region,
        }
        self.public_url = (public_url or self._default_public_url()).rstrip("/")
        self._client: Any = None
        self._stack: AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    def _default_public_url(self) -> str:
        if self.endpoint_url:
            return f"{self.endpoint_url.rstrip('/')}/{self.bucket}"
        return f"https://{self.bucket}.s3.{self.region or 'us-east-1'}.amazonaws.com"

    def _key(self, key: str) -> str:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError("storage key escapes the storage root")
        return f"{self.prefix}/{key}" if self.prefix else key

    async def _s3(self) -> Any:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                import aioboto3  # optional extra: loaded only when S3 is configured

                session = aioboto3.Session(**self._credentials)
                stack = AsyncExitStack()
                self._client = await stack.enter_async_context(
                    session.client("s3", endpoint_url=self.endpoint_url)
                )
                self._stack = stack
        return self._client

    async def save(self, key: str, data: bytes, content_type: str) -> None:
        s3 = await self._s3()
        await s3.put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
            # Keys carry a content digest, so an object never changes once written.
            CacheControl="public, max-age=31536000, immutable",
        )

    async def load(self, key: str) -> bytes | None:
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self.bucket, Key=self._key(key))
        except s3.exceptions.ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise
        async with response["Body"] as body:
            data: bytes = await body.read()
        return data

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=self._key(key))  # absent: no error

    def url(self, key: str) -> str:
        return f"{self.public_url}/{quote(self._key(key))}"

    async def aclose(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
        self._client, self._stack = None, None


def storage_from_settings(settings: Settings) -> Storage:
    """S3 when `HEARTH_S3_BUCKET` is set, else the local uploads directory."""
    if settings.s3_bucket:
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            public_url=settings.s3_public_url,
        )
    return LocalStorage(settings.uploads_dir)


async def close_storage(storage: Storage) -> None:
    closer = getattr(storage, "aclose", None)
    if closer is not None:
        await closer()
