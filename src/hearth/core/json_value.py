"""Free-form JSON objects from clients (card extensions, provider options), kept storable.

Pydantic checks the text of typed fields; what sits under `Any` arrives as Python's JSON
parser left it: lone surrogates (which no encoder writes back out), NaN and Infinity (which
PostgreSQL's JSON refuses) and nesting deep enough to exhaust the serializer's stack. Each
would fail later, as a 500 when the value is written or sent back.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator

MAX_DEPTH = 32


def _check(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"Nested deeper than {MAX_DEPTH} levels.")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("Text must be valid Unicode (no lone surrogates).") from None
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Numbers must be finite.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def _storable(value: dict[str, Any]) -> dict[str, Any]:
    _check(value, 0)
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_storable)]
