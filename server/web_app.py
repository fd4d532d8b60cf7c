"""The team board's web app (`web/`), served by Dealflow itself at `/board`.

`make run` builds it into `web/dist` when Node.js is there (`WEB_DIST_DIR`); without a
build, `/board` says so and the API works alone. The page and its assets come from
here only, under a policy that loads nothing from elsewhere; hashed assets are cached
for a year, the page itself not at all (a new build is picked up at once)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

# Scripts, styles and sockets from this origin only; nothing inline, no CDN.
BOARD_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# GraphiQL's editors set styles through the CSSOM only; its fonts are data: URIs.
GRAPHIQL_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
HASHED_ASSET = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "The board app is not built: run `make web` (it needs Node.js), or `make run`, which "
    "builds it when Node.js is present. The API at /graphql works without it.\n"
)


def graphiql_page(dist: Path) -> Response:
    """GraphiQL (development only: DEBUG and introspection), built with the board app
    into `dist/graphiql.html`: everything from this origin, nothing from a CDN."""
    page = dist / "graphiql.html"
    if not page.is_file():
        return PlainTextResponse(NOT_BUILT.replace("board app", "GraphiQL page"), 404)
    return FileResponse(
        page,
        media_type="text/html; charset=utf-8",
        headers={"cache-control": "no-cache", "content-security-policy": GRAPHIQL_POLICY},
    )


def web_routes(dist: Path) -> list[BaseRoute]:
    """`/` (to the board), `/board` (the page) and `/board/assets/...` (its files)."""

    async def home(_request: Request) -> Response:
        return RedirectResponse("/board", status_code=307)

    async def page(_request: Request) -> Response:
        index = dist / "index.html"
        if not index.is_file():
            return PlainTextResponse(NOT_BUILT, status_code=404)
        return FileResponse(
            index,
            media_type="text/html; charset=utf-8",
            headers={"cache-control": "no-cache", "content-security-policy": BOARD_POLICY},
        )

    async def asset(request: Request) -> Response:
        folder = (dist / "assets").resolve()
        wanted = (folder / request.path_params["name"]).resolve()
        if wanted.parent != folder or not wanted.is_file():
            return PlainTextResponse("Not found.\n", status_code=404)
        return FileResponse(wanted, headers={"cache-control": HASHED_ASSET})

    return [
        Route("/", home),
        Route("/board", page),
        Route("/board/", page),
        Route("/board/assets/{name}", asset),
    ]
