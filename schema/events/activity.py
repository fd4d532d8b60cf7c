"""The team's activity as the API shows it: `activity` (newest first), `Lead.history`,
and the `activityEvents` subscription (`schema.live.fields`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models.event import Event, EventKind
from models.history import HistoryEntry
from resolvers.events import activity
from resolvers.events.history import event_cursor
from schema.accounts.types import User, load_user
from schema.connections import Connection
from schema.context import Info
from schema.deals.types import Deal, FieldChange, field_changes, load_deal
from schema.ids import global_id
from schema.inputs import given, ids, optional_id
from schema.node import Node, fetches

if TYPE_CHECKING:
    from schema.leads.types import Lead
    from schema.tasks.types import Task


@strawberry.type(description="One change of a deal, its tasks, or a lead, by someone or by time.")
class Activity(Node):
    row: strawberry.Private[Event | HistoryEntry]
    cursor: str = strawberry.field(description="Resume `activityEvents(after:)` from here.")
    kind: str = strawberry.field(description="What happened, one of: " + ", ".join(EventKind) + ".")
    at: datetime
    changes: list[FieldChange]
    note: str | None

    @classmethod
    def from_row(cls, row: Event | HistoryEntry) -> Activity:
        """From the history (read back) or the replay log (live): one id, one shape."""
        data: dict[str, Any] = row.data or {}
        return cls(
            id=strawberry.ID(global_id("Activity", row.id)),
            row=row,
            cursor=event_cursor(row),
            kind=row.kind,
            at=row.at,
            changes=field_changes(data),
            note=data.get("note"),
        )

    @strawberry.field(description="Null for what the service did itself (time, the clock).")
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self.row.actor_id) if self.row.actor_id else None

    @strawberry.field(description="The deal it is about, if you may see it.")
    async def deal(self, info: Info) -> Deal | None:
        return await load_deal(info, self.row.deal_id)

    @strawberry.field(description="The lead it is about, if you may see it.")
    async def lead(
        self, info: Info
    ) -> Annotated[Lead, strawberry.lazy("schema.leads.types")] | None:
        from schema.leads.types import load_lead  # the two modules refer to each other

        return await load_lead(info, self.row.lead_id)

    @strawberry.field(description="The task it is about, if any and you may see it.")
    async def task(
        self, info: Info
    ) -> Annotated[Task, strawberry.lazy("schema.tasks.types")] | None:
        from schema.tasks.types import Task

        about = (self.row.data or {}).get("task")
        if not isinstance(about, dict):
            return None
        row = await (await info.context.loaders()).visible_tasks.load(int(about["id"]))
        return Task.from_row(row) if row else None


@fetches("Activity")
async def _activity_node(info: Info, pk: int) -> Activity | None:
    actor = await info.context.actor()
    entry = await activity.visible_entry(actor, pk)
    return Activity.from_row(entry) if entry else None


@strawberry.input
class ActivityFilter:
    user_ids: strawberry.Maybe[list[strawberry.ID] | None] = strawberry.field(
        description="Changes made by these people."
    )
    kinds: strawberry.Maybe[list[str] | None] = strawberry.field(
        description="DEAL_CREATED, DEAL_WON, LEAD_QUALIFIED, TASK_COMPLETED, ..."
    )
    process_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Changes of that process's deals (leads have no process)."
    )
    from_: strawberry.Maybe[datetime | None] = strawberry.field(
        name="from", description="Included."
    )
    to: strawberry.Maybe[datetime | None] = strawberry.field(description="Excluded.")

    def spec(self) -> activity.ActivityFilter:
        users = ids(self.user_ids, "User", ["filter", "userIds"])
        kinds = given(self.kinds)
        return activity.ActivityFilter(
            user_ids=tuple(users) if users is not None else None,
            kinds=tuple(kinds) if kinds is not None else None,
            process_id=optional_id(self.process_id, "Process", ["filter", "processId"]),
            start=given(self.from_),
            end=given(self.to),
        )


def activity_filter(raw: ActivityFilter | None) -> activity.ActivityFilter | None:
    return raw.spec() if raw is not None else None


@strawberry.type
class ActivityQuery:
    @strawberry.field(
        description="The team's activity across deals, their tasks, and leads, newest "
        "first: what you may see now, nothing about the rest."
    )
    async def activity(
        self,
        info: Info,
        filter: ActivityFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Activity]:
        actor = await info.context.actor()
        page = await activity.list_activity(actor, activity_filter(filter), first, after)
        return Connection.of(page, Activity.from_row)
