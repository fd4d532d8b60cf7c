"""`GET /export/deals.csv`: the deals a user may see, filtered as `deals` filters them,
written batch by batch so that the file streams whatever its size."""

from __future__ import annotations

from collections.abc import AsyncIterator

from models.account import User, Workspace
from models.deal import DealStatus
from resolvers import access
from resolvers.clock import now_utc
from resolvers.deals.filters import DealFilter, apply_filter, narrowed
from resolvers.errors import Problems
from resolvers.spreadsheets.cells import csv_line
from resolvers.spreadsheets.deal_columns import DEAL_COLUMNS, ExportBatch

BATCH = 500
# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"


async def checked_export(
    actor: User,
    deal_filter: DealFilter | None,
    statuses: list[DealStatus] | None,
    process_id: int | None,
) -> AsyncIterator[str]:
    """The export's lines, once the filter is checked (a refusal is raised before the
    first line, so that it can still be answered with an error status)."""
    problems = Problems()
    if deal_filter is not None:
        deal_filter.check(problems)
    problems.raise_if_any()
    workspace = await Workspace.get(id=actor.workspace_id)
    query = apply_filter(access.visible_deals(actor), deal_filter, now_utc(), workspace.timezone)
    query = narrowed(query, statuses, process_id)

    async def lines() -> AsyncIterator[str]:
        yield BOM + csv_line(DEAL_COLUMNS)
        after = 0
        while True:
            deals = await query.filter(id__gt=after).order_by("id").limit(BATCH)
            if not deals:
                return
            batch = await ExportBatch.read(deals)
            yield "".join(csv_line(batch.row(deal)) for deal in deals)
            after = deals[-1].id

    return lines()
