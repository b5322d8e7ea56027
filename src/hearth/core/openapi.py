"""The OpenAPI document, with the error shape the API really sends.

FastAPI describes a 422 as its own `{"detail": [...]}`, which this API never sends (see
hearth.core.errors), and leaves the other errors undescribed: a client generated from the
document would read every error wrongly.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

_REF = "#/components/schemas/{model}"


class FieldError(BaseModel):
    field: str
    message: str
    location: str | None = None
    type: str | None = None
    ctx: dict[str, float] | None = None


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[FieldError] | dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": _REF.format(model="ErrorResponse")}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, routes=app.routes)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        error = ErrorResponse.model_json_schema(ref_template=_REF)
        schemas.update(error.pop("$defs", {}))
        schemas["ErrorResponse"] = error
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "422" in responses:
                    responses["422"] = _error("Invalid input (`validation_error` and others)")
                responses.setdefault("default", _error("Any other error"))
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
