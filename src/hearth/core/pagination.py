"""Opaque cursors for keyset pagination (never OFFSET on large tables)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from hearth.core.errors import ValidationFailed

T = TypeVar("T")

# Wider than any key a page is ordered by, narrower than a 64-bit column.
_INT_BOUND = 2**62


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise TypeError("not an id")
    return uuid.UUID(value)


def cursor_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or abs(value) > _INT_BOUND:
        raise ValueError("not a key")
    return value


def cursor_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without its zone")
    return moment.astimezone(UTC)  # OverflowError past year 9999


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a cursor value")


def decode_cursor(cursor: str, *readers: Callable[[Any], Any]) -> list[Any]:
    """The values a cursor holds, one per reader (`cursor_uuid`, ...), which checks its own.

    Cursors come back from clients, so anything in them may have been made up: whatever
    does not read as the value expected is a 422, never a failure further down."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()), parse_constant=_no_constant)
        if not isinstance(values, list) or len(values) != len(readers):
            raise ValueError("not a cursor")
        return [read(value) for read, value in zip(readers, values, strict=True)]
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise ValidationFailed.field("cursor", "The cursor is not valid.") from exc
