"""Answers that are not a GraphQL result but are shaped like one: `{"errors": [{"message",
"extensions": {"code", "field"?}}]}`, whatever route refuses (the lead forms, the CSV
export, persisted queries, malformed requests), so that a client reads one shape."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    extensions: dict[str, object] = {"code": str(code)}
    if field is not None:
        extensions["field"] = field
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        headers=dict(headers or {}),
    )
