"""`GET /files/{digest}`: a step completion's file, for people who may see its deal."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from resolvers.deals import files
from server.bearer_tokens import person_of


async def serve_file(request: Request) -> Response:
    user = await person_of(request)
    if user is None:
        return JSONResponse({"error": "Authentication required."}, status_code=401)
    digest = request.path_params["digest"]
    found = await files.readable_file(user, digest)
    store = request.app.state.settings.file_store()
    path = store.path_of(digest) if found else None
    if found is None or path is None or not path.is_file():
        return JSONResponse({"error": "Not found."}, status_code=404)
    return FileResponse(
        path,
        media_type=found.content_type,
        filename=found.name,
        headers={"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"},
    )
