"""Request dependencies of the storage layer."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request, UploadFile

from hearth.core.errors import PayloadTooLarge
from hearth.storage.backend import Storage


async def get_storage(request: Request) -> Storage:
    return cast(Storage, request.app.state.storage)


StorageDep = Annotated[Storage, Depends(get_storage)]


async def read_upload(file: UploadFile, max_bytes: int) -> bytes:
    """The upload's bytes, refusing to read more than the limit."""
    data = await file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The file is larger than {max_bytes // 1024} KiB.")
    return data
