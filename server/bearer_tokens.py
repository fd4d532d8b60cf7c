"""Where a request's bearer token comes from: the HTTP header, or the WebSocket's
`connection_init` payload."""

from __future__ import annotations

from collections.abc import Mapping


def bearer_token(authorization: object) -> str | None:
    """The token of an `Authorization: Bearer <token>` value, or None."""
    if not isinstance(authorization, str):
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def connection_init_token(params: object) -> str | None:
    """The token of a `connection_init` payload `{"authorization": "Bearer <token>"}`.

    `Authorization` with a capital letter is accepted too, as some clients send headers
    verbatim.
    """
    if not isinstance(params, Mapping):
        return None
    return bearer_token(params.get("authorization", params.get("Authorization")))
