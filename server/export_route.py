"""`GET /export/deals.csv`: the deals the caller may see as a CSV file
(`resolvers.spreadsheets.deal_export`), streamed.

Bearer token as for `/graphql`. Query parameters filter as `deals` does, ids as the API
gives them, each list parameter repeated: `processId`, `status`, `ownerId`,
`participantId`, `completedStepId`, `taskStatus`, `search`, `rotten` (true/false).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from models.deal import DealStatus
from resolvers.deals.filters import DealFilter
from resolvers.errors import ErrorCode, Refused
from resolvers.spreadsheets.deal_export import checked_export
from resolvers.task_dot import TaskStatus
from schema.ids import decode_id
from server.bearer_tokens import bearer_token, person_of
from server.error_responses import error_response
from server.operation_rate_limits import too_many_requests


def _refused(status: int, code: ErrorCode, message: str, field: str | None = None) -> JSONResponse:
    return error_response(status, code, message, field=field)


def _ids(request: Request, name: str, type_name: str) -> list[int] | None:
    raw = request.query_params.getlist(name)
    return [decode_id(value, type_name, (name,)) for value in raw] if raw else None


Choice = TypeVar("Choice", bound=StrEnum)


def _choices(request: Request, name: str, kind: type[Choice]) -> list[Choice]:
    chosen = []
    for value in request.query_params.getlist(name):
        if value not in kind.__members__:
            raise Refused.one(
                ErrorCode.VALIDATION, f"{name}: one of {', '.join(kind.__members__)}.", (name,)
            )
        chosen.append(kind(value))
    return chosen


def _export_filter(request: Request) -> DealFilter:
    params = request.query_params
    rotten = params.get("rotten")
    if rotten not in (None, "true", "false"):
        raise Refused.one(ErrorCode.VALIDATION, "rotten: true or false.", ("rotten",))
    return DealFilter(
        owner_ids=_ids(request, "ownerId", "User"),
        participant_ids=_ids(request, "participantId", "User"),
        completed_step_ids=_ids(request, "completedStepId", "Step"),
        task_statuses=_choices(request, "taskStatus", TaskStatus) or None,
        search=params.get("search"),
        rotten=None if rotten is None else rotten == "true",
    )


async def export_deals(request: Request) -> Response:
    token = bearer_token(request.headers.get("authorization"))
    client = request.client.host if request.client else "unknown"
    wait = await request.app.state.rate_limits.operation_wait(token, client)
    if wait is not None:
        return too_many_requests(wait)
    user = await person_of(request)
    if user is None:
        return _refused(401, ErrorCode.UNAUTHENTICATED, "Authentication required.")
    try:
        process_ids = _ids(request, "processId", "Process") or []
        if len(process_ids) > 1:
            raise Refused.one(ErrorCode.VALIDATION, "One processId at most.", ("processId",))
        lines = await checked_export(
            user,
            _export_filter(request),
            _choices(request, "status", DealStatus) or None,
            process_ids[0] if process_ids else None,
        )
    except Refused as refusal:
        problem = refusal.problems[0]
        status = 404 if problem.code == ErrorCode.NOT_FOUND else 400
        field = problem.field[-1] if problem.field else None
        return _refused(status, problem.code, problem.message, field)
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": 'attachment; filename="deals.csv"',
            "cache-control": "private, no-store",
        },
    )
