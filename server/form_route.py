"""`POST /forms/<token>`: a website's form posting a lead (`resolvers.leads.forms`).

The body is JSON (an object of strings) or a form (`application/x-www-form-urlencoded`,
or `multipart/form-data` without files). Answers:
- 201 `{"status": "received"}` (200 for a client key seen before; a plain HTML form
  with a redirect address on the Dealflow form is sent there with 303 instead);
- 400/415/422 with GraphQL-shaped errors (`extensions.code`, `extensions.field`);
- 404 for a token that names no active form, 403 for a browser page of a site the
  form does not list, 429 over the per-address limit (`Retry-After`).
A submission that filled the honeypot is answered as a success and dropped.

CORS is the form's own: a browser on one of its `allowedOrigins` may post to it from a
script (the preflight is answered here, not by the API's CORS settings).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from models.lead_form import LeadForm
from resolvers import validation
from resolvers.errors import ErrorCode, Refused
from resolvers.leads import forms
from resolvers.rate_limits import Limit, address_key
from server.error_responses import error_response
from server.operation_rate_limits import too_many_requests
from server.request_body import MalformedRequest, decode_json

logger = logging.getLogger("dealflow.forms")

ALLOWED_HEADERS = "content-type, idempotency-key"
PREFLIGHT_MAX_AGE = "600"


def _error(status: int, code: ErrorCode, message: str) -> JSONResponse:
    return error_response(status, code, message)


def _cors_headers(form: LeadForm, origin: str | None) -> dict[str, str]:
    if origin is None or origin.lower() not in form.allowed_origins:
        return {"vary": "Origin"}
    return {"access-control-allow-origin": origin, "vary": "Origin"}


def _origin_refused(form: LeadForm, origin: str | None) -> bool:
    """A browser names the page's site in `Origin`: it must be one the form lists. A
    request without one (a server posting) is not a browser's."""
    return origin is not None and origin.lower() not in form.allowed_origins


async def _fields(request: Request) -> tuple[dict[str, str], bool]:
    """The submitted fields, and whether they came as an HTML form (not JSON)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            data = decode_json(await request.body(), unique_keys=True)
        except MalformedRequest as error:
            raise _Malformed(400, str(error.reason)) from error
        if not isinstance(data, dict):
            raise _Malformed(400, "The body must be a JSON object of fields.")
        return {str(k): _text(k, v) for k, v in data.items()}, False
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_files=0, max_fields=forms.MAX_FIELDS + 2)
        except HTTPException as error:
            raise _Malformed(400, "The form could not be read (files are not taken).") from error
        values: dict[str, list[str]] = {}
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                raise _Malformed(400, "Files are not taken.")
            values.setdefault(name, []).append(value)
        # A name given more than once (a group of checkboxes, a multiple select) keeps
        # every value, in order; blank ones and repeats say nothing more (an empty
        # honeypot twice is no spam, an email and its confirmation are one email).
        return {name: _together(given) for name, given in values.items()}, True
    raise _Malformed(415, "Send JSON or a form (application/x-www-form-urlencoded).")


def _together(given: list[str]) -> str:
    """One field's values, given under one name: each different non-blank one, in order."""
    filled = validation.distinct(value for value in given if value.strip())
    return ", ".join(filled) if filled else given[0]


def _text(name: object, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        raise _Malformed(400, f"Field {str(name)[:100]!r} must be a finite number.")
    if isinstance(value, bool | int | float | str):
        return str(value)
    raise _Malformed(400, f"Field {str(name)[:100]!r} must be a string.")


class _Malformed(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


async def form_preflight(request: Request) -> Response:
    form = await forms.form_by_token(request.path_params["token"])
    origin = request.headers.get("origin")
    if form is None or origin is None or _origin_refused(form, origin):
        return Response(status_code=403, headers={"vary": "Origin"})
    return Response(
        status_code=204,
        headers={
            **_cors_headers(form, origin),
            "access-control-allow-methods": "POST",
            "access-control-allow-headers": ALLOWED_HEADERS,
            "access-control-max-age": PREFLIGHT_MAX_AGE,
        },
    )


async def submit_form(request: Request) -> Response:
    limits = request.app.state.rate_limits
    address = request.client.host if request.client else "unknown"
    wait = await limits.retry_after(Limit.FORM_SUBMISSIONS_PER_ADDRESS, address_key(address))
    if wait is not None:
        return too_many_requests(wait, "submissions")
    form = await forms.form_by_token(request.path_params["token"])
    if form is None:
        return _error(404, ErrorCode.NOT_FOUND, "No such form.")
    origin = request.headers.get("origin")
    if _origin_refused(form, origin):
        logger.info("form %s refused a post from %r: not one of its sites", form.id, origin)
        return _error(403, ErrorCode.FORBIDDEN, "This site may not post to this form.")
    cors = _cors_headers(form, origin)
    try:
        fields, html_form = await _fields(request)
    except _Malformed as malformed:
        response = _error(malformed.status, ErrorCode.BAD_REQUEST, malformed.message)
        response.headers.update(cors)
        return response
    if forms.is_spam(form, fields):
        logger.info("form %s dropped a submission from %s: honeypot filled", form.id, address)
        made = True
    else:
        try:
            made = await forms.submit(form, fields, request.headers.get("idempotency-key"))
        except Refused as refusal:
            return _refused(refusal, cors)
    if html_form and form.redirect_url:
        return RedirectResponse(form.redirect_url, status_code=303, headers=cors)
    return JSONResponse({"status": "received"}, status_code=201 if made else 200, headers=cors)


def _refused(refusal: Refused, headers: Mapping[str, str]) -> JSONResponse:
    errors = [
        {
            "message": problem.message,
            "extensions": {"code": str(problem.code), "field": (problem.field or ["-"])[-1]},
        }
        for problem in refusal.problems
    ]
    return JSONResponse({"errors": errors}, status_code=422, headers=dict(headers))
