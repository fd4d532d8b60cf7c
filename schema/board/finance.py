"""Finance as the API shows it: rows by month, product, owner or process, and totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from resolvers.board import finance
from resolvers.board.finance import NO_PRODUCT, FinanceFigures, FinanceGrouping
from resolvers.progress import amount_of_cents
from schema.context import Info
from schema.ids import decode_id, global_id

strawberry.enum(FinanceGrouping, description="What each row of `finance` adds up.")

# The type each grouping's keys are the ids of (a month's key is "YYYY-MM").
_KEY_TYPES = {
    FinanceGrouping.OWNER: "User",
    FinanceGrouping.PROCESS: "Process",
    FinanceGrouping.PRODUCT: "Product",
}


@strawberry.type(description="Amounts forecast and realised, in the workspace's currency.")
class FinanceRow:
    key: str = strawberry.field(
        description="The month (YYYY-MM), or the id of the product, owner or process; "
        '"none" for deals and items without a product; "total" for the totals.'
    )
    label: str
    forecast_value: Decimal = strawberry.field(
        description="Open deals expected to close in the period, x probability."
    )
    won_value: Decimal = strawberry.field(description="Deals won in the period.")
    costs: Decimal = strawberry.field(description="Of the deals won in the period.")
    profit: Decimal = strawberry.field(description="wonValue - costs.")
    deal_count: int = strawberry.field(description="The deals behind the row's figures.")

    @classmethod
    def of(cls, key: str, label: str, figures: FinanceFigures) -> FinanceRow:
        return cls(
            key=key,
            label=label,
            forecast_value=amount_of_cents(figures.forecast_cents),
            won_value=amount_of_cents(figures.won_cents),
            costs=amount_of_cents(figures.costs_cents),
            profit=amount_of_cents(figures.profit_cents),
            deal_count=len(figures.deal_ids),
        )


@strawberry.type
class Finance:
    from_: date = strawberry.field(name="from")
    to: date
    group_by: FinanceGrouping
    rows: list[FinanceRow]
    totals: FinanceRow


def _public_key(grouping: FinanceGrouping, key: str) -> str:
    type_name = _KEY_TYPES.get(grouping)
    if type_name is None or key == NO_PRODUCT:
        return key
    return global_id(type_name, int(key))


@strawberry.type
class FinanceQuery:
    @strawberry.field(
        description="Finance over the deals you may see, for the period `from` to `to` "
        "(whole days in the workspace's time zone, both included, at most 3 years): by "
        "month (every month of the period), product (a deal's figures split over its "
        "line items in proportion to their amounts), owner or process; with `processId`, "
        "that process only."
    )
    async def finance(
        self,
        info: Info,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        group_by: FinanceGrouping,
        process_id: strawberry.ID | None = None,
    ) -> Finance:
        actor = await info.context.actor()
        found = await finance.finance(
            actor,
            from_,
            to,
            group_by,
            decode_id(process_id, "Process", ("processId",)) if process_id is not None else None,
        )
        return Finance(
            from_=found.period.first,
            to=found.period.last,
            group_by=group_by,
            rows=[
                FinanceRow.of(_public_key(group_by, row.key), row.label, row.figures)
                for row in found.rows
            ],
            totals=FinanceRow.of("total", "Total", found.totals),
        )
