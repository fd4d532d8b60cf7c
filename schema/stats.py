"""Pipeline statistics: open figures now, closed figures over a period, per process,
stage and owner, counting only the deals the viewer may see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from resolvers.board import statistics
from resolvers.progress import amount_of_cents
from schema.account import User
from schema.context import Info
from schema.errors import read_or_raise
from schema.ids import decode_id
from schema.process import Process, Stage

OPEN_NOW = "Open deals now (status OPEN), whatever the period"
IN_PERIOD = "closed in the period (closedAt within from..to)"


@strawberry.type(
    description="Figures over a set of deals. Open figures are the open deals now; won, "
    "lost and cancelled ones are those closed in the period. Amounts are exact sums of "
    "the deals' values (and of each deal's forecast as its card shows it)."
)
class Totals:
    open_count: int = strawberry.field(description=f"{OPEN_NOW}.")
    open_value: Decimal = strawberry.field(description=f"{OPEN_NOW}: the sum of their values.")
    forecast_value: Decimal = strawberry.field(
        description=f"{OPEN_NOW}: the sum of their forecast values."
    )
    won_count: int = strawberry.field(description=f"Deals won, {IN_PERIOD}.")
    won_value: Decimal
    lost_count: int = strawberry.field(description=f"Deals lost, {IN_PERIOD}.")
    lost_value: Decimal
    cancelled_count: int = strawberry.field(description=f"Deals cancelled, {IN_PERIOD}.")
    cancelled_value: Decimal

    @classmethod
    def from_totals(cls, totals: statistics.Totals) -> Totals:
        return cls(
            open_count=totals.open_count,
            open_value=amount_of_cents(totals.open_cents),
            forecast_value=amount_of_cents(totals.forecast_cents),
            won_count=totals.won_count,
            won_value=amount_of_cents(totals.won_cents),
            lost_count=totals.lost_count,
            lost_value=amount_of_cents(totals.lost_cents),
            cancelled_count=totals.cancelled_count,
            cancelled_value=amount_of_cents(totals.cancelled_cents),
        )


@strawberry.type(description="One stage of a process: its open deals now, and the period's flow.")
class StageStats:
    stage: Stage
    open_count: int = strawberry.field(description=f"{OPEN_NOW} in this stage.")
    open_value: Decimal
    forecast_value: Decimal
    lost_count: int = strawberry.field(
        description=f"Deals lost at this stage (lostAtStage), {IN_PERIOD}."
    )
    reached_share: float = strawberry.field(
        description="Of the deals created in the period that follow this process now, the "
        "share (0 to 1, 4 decimals) that got at least this far: a won deal went through "
        "every stage, any other deal up to its current stage. 0 when no deal was created."
    )

    @classmethod
    def from_stats(cls, row: statistics.StageStats) -> StageStats:
        return cls(
            stage=Stage.from_node(row.stage),
            open_count=row.open_count,
            open_value=amount_of_cents(row.open_cents),
            forecast_value=amount_of_cents(row.forecast_cents),
            lost_count=row.lost_count,
            reached_share=row.reached_share,
        )


@strawberry.type(
    description="One owner's deals: open now, won and lost in the period. Listed for "
    "every owner of an open deal or of a deal won or lost in the period."
)
class OwnerStats:
    owner: User
    open_count: int
    open_value: Decimal
    won_count: int
    won_value: Decimal
    lost_count: int

    @classmethod
    def from_stats(cls, row: statistics.OwnerStats) -> OwnerStats:
        return cls(
            owner=User.from_row(row.owner),
            open_count=row.open_count,
            open_value=amount_of_cents(row.open_cents),
            won_count=row.won_count,
            won_value=amount_of_cents(row.won_cents),
            lost_count=row.lost_count,
        )


def _owners(rows: list[statistics.OwnerStats]) -> list[OwnerStats]:
    return [OwnerStats.from_stats(row) for row in rows]


@strawberry.type(description="The statistics of one process.")
class ProcessStats:
    process: Process
    totals: Totals
    stages: list[StageStats] = strawberry.field(description="The live stages, in order.")
    by_owner: list[OwnerStats] = strawberry.field(description="Ordered by owner name.")

    @classmethod
    def from_stats(cls, row: statistics.ProcessStats) -> ProcessStats:
        return cls(
            process=Process.from_tree(row.tree),
            totals=Totals.from_totals(row.totals),
            stages=[StageStats.from_stats(s) for s in row.stages],
            by_owner=_owners(row.by_owner),
        )


@strawberry.type(
    description="Statistics over the deals you may see (the trash left out): a deal "
    "hidden from you counts nowhere, in no count and no sum."
)
class PipelineStats:
    from_: date = strawberry.field(
        name="from", description="First day of the period (in the workspace's time zone)."
    )
    to: date = strawberry.field(description="Last day of the period, included.")
    totals: Totals = strawberry.field(description="The sum over `processes`.")
    processes: list[ProcessStats] = strawberry.field(
        description="The process asked for, or every live process, the default first."
    )
    by_owner: list[OwnerStats] = strawberry.field(
        description="Per owner over all of `processes`, ordered by owner name."
    )

    @classmethod
    def from_stats(cls, row: statistics.PipelineStats) -> PipelineStats:
        return cls(
            from_=row.period.first,
            to=row.period.last,
            totals=Totals.from_totals(row.totals),
            processes=[ProcessStats.from_stats(p) for p in row.processes],
            by_owner=_owners(row.by_owner),
        )


@strawberry.type
class StatsQuery:
    @strawberry.field(
        description="Pipeline statistics over the deals you may see. The period is `from` "
        "to `to`, both included, whole days in the workspace's time zone; `to` defaults to "
        "today and `from` to 29 days before `to`. `from` after `to`, or a period longer "
        "than 3 years (`from` earlier than `to` three years back), is a VALIDATION error. "
        "With `processId`, that process only (an unknown id is a NOT_FOUND error); "
        "without, every live process of the workspace."
    )
    async def pipeline_stats(
        self,
        info: Info,
        process_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> PipelineStats:
        actor = await info.context.actor()
        found = await read_or_raise(
            lambda: statistics.pipeline_stats(
                actor,
                decode_id(process_id, "Process", ("processId",))
                if process_id is not None
                else None,
                from_,
                to,
            )
        )
        return PipelineStats.from_stats(found)
