"""Where a request's bearer token comes from: the HTTP header, or the WebSocket's
`connection_init` payload."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request

from models.account import User
from resolvers import access
from resolvers.accounts import auth


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


async def person_of(request: Request) -> User | None:
    """The user behind an HTTP request's bearer token, for the routes outside GraphQL
    (files, the CSV export): None without a valid one, and for a display token (a wall
    screen reads its board and nothing else)."""
    token = bearer_token(request.headers.get("authorization"))
    user = await auth.authenticate(token) if token else None
    if user is None or access.display_board(user) is not None:
        return None
    return user
