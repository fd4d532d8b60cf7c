"""Deals as the API shows them: the deal, its costs, completions and history, and
access requests. Every nested field goes through the operation's loaders and every
deal reached from elsewhere through the visibility filter."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.utils.str_converters import to_camel_case

from models import account as rows_account
from models import deal as rows
from models.event import Event
from models.history import HistoryEntry
from resolvers import access, progress, rotting, task_dot
from resolvers.clock import now_utc
from resolvers.deals import participation
from resolvers.events import history
from resolvers.events.history import event_cursor
from resolvers.processes.tree import ProcessTree, load_process_tree
from schema.accounts.types import User, load_user
from schema.connections import Connection
from schema.context import Info, already_loaded
from schema.errors import UserError
from schema.ids import global_id
from schema.node import Node, fetches
from schema.processes.types import Process, Stage, Step
from schema.products.types import Product
from schema.scalars import DealStatus, TaskStatus

if TYPE_CHECKING:
    from schema.leads.types import Lead
    from schema.tasks.types import Task


@strawberry.type
class Cost:
    name: str
    amount: Decimal


def _plain(quantity: Decimal) -> Decimal:
    """A quantity without its stored trailing zeros: 2, 1.5 (not 2.0000, nor 2E+1)."""
    whole = quantity.to_integral_value()
    return whole.quantize(Decimal(1)) if quantity == whole else quantity.normalize()


@strawberry.type(description="One line of what a deal sells.")
class LineItem:
    row: strawberry.Private[rows.LineItem]
    name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal = strawberry.field(
        description="quantity x unitPrice x (1 - discountPercent / 100), to the cent."
    )

    @classmethod
    def from_row(cls, row: rows.LineItem) -> LineItem:
        return cls(
            row=row,
            name=row.name,
            quantity=_plain(row.quantity),
            unit_price=row.unit_price,
            discount_percent=row.discount_percent,
            amount=row.amount,
        )

    @strawberry.field(description="Null for a free-text item; archived products too.")
    async def product(self, info: Info) -> Product | None:
        if self.row.product_id is None:
            return None
        loaders = await info.context.loaders()
        found = await loaders.products.load(self.row.product_id)
        return Product.from_row(found) if found else None


@strawberry.type(description="A step done on a deal: who, when, with what note and file.")
class StepCompletion:
    row: strawberry.Private[rows.StepCompletion]
    completed_at: datetime
    note: str | None
    file_name: str | None

    @strawberry.field
    async def step(self, info: Info) -> Step:
        loaders = await info.context.loaders()
        node = await loaders.steps.load(self.row.step_id)
        assert node is not None
        return Step.from_node(node)

    @strawberry.field
    async def completed_by(self, info: Info) -> User:
        return await load_user(info, self.row.completed_by_id)

    @strawberry.field(description="Where people who may see the deal download the file.")
    def file_url(self) -> str | None:
        return f"/files/{self.row.file_hash}" if self.row.file_hash else None

    @classmethod
    def from_row(cls, row: rows.StepCompletion) -> StepCompletion:
        return cls(row=row, completed_at=row.completed_at, note=row.note, file_name=row.file_name)


@strawberry.type
class FieldChange:
    field: str
    from_: str | None = strawberry.field(name="from")
    to: str | None


def field_changes(data: dict[str, Any]) -> list[FieldChange]:
    """The before/after pairs an event or history entry holds (`data["changes"]`)."""
    return [
        FieldChange(field=c["field"], from_=c.get("from"), to=c.get("to"))
        for c in data.get("changes", [])
    ]


@strawberry.type(description="One change of a deal, as history and as a live event.")
class DealEvent(Node):
    row: strawberry.Private[Event | HistoryEntry]
    cursor: str
    kind: str
    at: datetime
    changes: list[FieldChange]
    note: str | None
    file_name: str | None = strawberry.field(description="The file a completion attached.")

    @strawberry.field(description="Where people who may see the deal download the file.")
    def file_url(self) -> str | None:
        digest = self.row.data.get("fileHash")
        return f"/files/{digest}" if digest else None

    @strawberry.field(
        description="The deal as it is now, not as this event left it (its `changes` say "
        "what this event changed); null once you may no longer see it."
    )
    async def deal(self, info: Info) -> Deal | None:
        return await load_deal(info, self.row.deal_id)

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self.row.actor_id) if self.row.actor_id else None

    @strawberry.field(description="The step completed or un-completed, if any.")
    async def step(self, info: Info) -> Step | None:
        step = self.row.data.get("step")
        if not isinstance(step, dict):
            return None
        loaders = await info.context.loaders()
        node = await loaders.steps.load(int(step["id"]))
        return Step.from_node(node) if node else None

    @classmethod
    def from_row(cls, row: Event | HistoryEntry) -> DealEvent:
        """From the replay log (live) or the history (`Deal.history`): one id, one shape."""
        data: dict[str, Any] = row.data or {}
        return cls(
            id=strawberry.ID(global_id("DealEvent", row.id)),
            row=row,
            cursor=event_cursor(row),
            kind=row.kind,
            at=row.at,
            changes=field_changes(data),
            note=data.get("note"),
            file_name=data.get("file"),
        )


# The fields of `Deal` that are its row's columns as they are.
_AS_STORED = (
    "name",
    "company",
    "contact_person",
    "value",
    "currency",
    "source",
    "expected_close_date",
    "is_public",
    "status",
    "probability",
    "lost_reason",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
)
_read_stored = attrgetter(*_AS_STORED)

# The columns of its row that each field of `Deal` reads, for the fields a card may show
# without the whole row: a board whose cards ask for these alone may read fewer columns
# (`columns_read`, `kanban.card_columns`). Any other field needs the whole row. A field's objects
# (`owner`, `stage`, `process`) come from elsewhere: the row gives only their keys.
_COLUMNS_READ: dict[str, tuple[str, ...]] = {
    "__typename": (),
    "id": ("id",),
    **{to_camel_case(name): (name,) for name in _AS_STORED},
    "forecastValue": ("forecast_cents",),
    "externalId": ("external_id",),
    "owner": ("owner_id",),
    "process": ("process_id", "workspace_id"),
    "stage": ("process_id", "stage_id", "workspace_id"),
    "stageEnteredAt": ("stage_entered_at", "created_at"),
    "isRotten": ("rots_at", "status", "deleted_at"),
    "rottenSince": ("rots_at", "status", "deleted_at"),
    "taskStatus": ("id",),
}


def columns_read(fields: Iterable[str]) -> set[str] | None:
    """The columns a deal's `fields` (as the schema names them) read of its row; None
    when one of them needs the whole row."""
    columns: set[str] = set()
    for name in fields:
        read = _COLUMNS_READ.get(name)
        if read is None:
            return None
        columns.update(read)
    return columns


@strawberry.type(description="A sale in progress.")
class Deal(Node):
    row: strawberry.Private[rows.Deal]
    name: str
    company: str | None
    contact_person: str | None
    value: Decimal
    currency: str
    source: str | None
    expected_close_date: date | None
    is_public: bool
    status: DealStatus
    probability: int = strawberry.field(
        description="round(100 x completed weight / total weight of the current process)."
    )
    forecast_value: Decimal = strawberry.field(description="value x probability / 100.")
    lost_reason: str | None
    version: int = strawberry.field(description="Send it back with updateDeal.")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @strawberry.field(description="The deal's key in another system (importDeals upserts by it).")
    def external_id(self) -> str | None:
        return self.row.external_id

    @classmethod
    def from_row(cls, row: rows.Deal) -> Deal:
        """A deal as its row holds it. A partial row (a board's cards, read with
        `kanban.CARD_COLUMNS` when their fields need no others: `columns_read`) leaves
        the fields it lacks unset:
        nothing asks for them, and one asked for all the same is a field error (an
        AttributeError), never a wrong null."""
        # Its fields set as the dataclass's __init__ sets them, in one step (a board
        # makes one of every card).
        deal = cls.__new__(cls)
        fields = deal.__dict__
        if row._partial:
            held = vars(row)
            fields.update((name, held[name]) for name in _AS_STORED if name in held)
            if "forecast_cents" in held:
                fields["forecast_value"] = progress.amount_of_cents(held["forecast_cents"])
        else:
            fields.update(zip(_AS_STORED, _read_stored(row), strict=True))
            fields["forecast_value"] = progress.amount_of_cents(row.forecast_cents)
        fields["id"] = strawberry.ID(global_id("Deal", row.id))
        fields["row"] = row
        return deal

    async def _tree(self, info: Info) -> ProcessTree:
        loaders = await info.context.loaders()
        tree = await loaders.process_trees.load(self.row.process_id)
        if tree is None:  # a deleted process still in use: read it directly
            tree = await load_process_tree(self.row.workspace_id, self.row.process_id)
        assert tree is not None
        return tree

    async def _completed(self, info: Info) -> list[rows.StepCompletion]:
        loaders = await info.context.loaders()
        tree = await self._tree(info)
        return [c for c in await loaders.completions.load(self.row.id) if tree.step(c.step_id)]

    @strawberry.field
    def owner(self, info: Info) -> User:
        """Synchronous when the card loader has the owner already; else awaitable (which
        GraphQL execution awaits): see `already_loaded`."""
        loaders = info.context.ready_loaders()
        if loaders is not None:
            row = already_loaded(loaders.users, self.row.owner_id)
            if isinstance(row, rows_account.User):
                return User.from_row(row)
        return cast(User, load_user(info, self.row.owner_id))

    @strawberry.field
    async def participants(self, info: Info) -> list[User]:
        loaders = await info.context.loaders()
        ids = await loaders.participants.load(self.row.id)
        users = await loaders.users.load_many(ids)
        return [User.from_row(u) for u in users if u is not None]

    @strawberry.field
    async def process(self, info: Info) -> Process:
        return Process.from_tree(await self._tree(info))

    @strawberry.field(description="The stage of the furthest completed step, or the first.")
    async def stage(self, info: Info) -> Stage:
        tree = await self._tree(info)
        return Stage.from_node(tree.stage(self.row.stage_id) or tree.stages[0])

    @strawberry.field
    def stage_entered_at(self) -> datetime:
        return self.row.stage_entered_at or self.row.created_at

    @strawberry.field(description="Completions of the current process's steps.")
    async def completed_steps(self, info: Info) -> list[StepCompletion]:
        return [StepCompletion.from_row(c) for c in await self._completed(info)]

    @strawberry.field(description="What stands between this deal and winning.")
    async def missing_mandatory_steps(self, info: Info) -> list[Step]:
        tree = await self._tree(info)
        done = {c.step_id for c in await self._completed(info)}
        return [Step.from_node(s) for s in progress.missing_mandatory_steps(tree, done)]

    @strawberry.field
    async def lost_at_stage(self, info: Info) -> Stage | None:
        if self.row.lost_at_stage_id is None:
            return None
        loaders = await info.context.loaders()
        stage = await loaders.stages.load(self.row.lost_at_stage_id)
        return Stage.from_node(stage) if stage else None

    @strawberry.field
    async def costs(self, info: Info) -> list[Cost]:
        loaders = await info.context.loaders()
        return [Cost(name=c.name, amount=c.amount) for c in await loaders.costs.load(self.row.id)]

    @strawberry.field(description="When there are any, value is the sum of their amounts.")
    async def line_items(self, info: Info) -> list[LineItem]:
        loaders = await info.context.loaders()
        return [LineItem.from_row(item) for item in await loaders.line_items.load(self.row.id)]

    @strawberry.field(
        description="Open, and unchanged by anyone for longer than its stage allows "
        "(Stage.rottenAfterDays)."
    )
    def is_rotten(self) -> bool:
        return rotting.is_rotten(self.row, now_utc())

    @strawberry.field(description="When it turned rotten; null while it is not.")
    def rotten_since(self) -> datetime | None:
        return self.row.rots_at if rotting.is_rotten(self.row, now_utc()) else None

    @strawberry.field(description="Whether you may change this deal (and complete its steps).")
    async def can_edit(self, info: Info) -> bool:
        loaders = await info.context.loaders()
        participants = await loaders.participants.load(self.row.id)
        return access.can_edit(await info.context.actor(), self.row, set(participants))

    @strawberry.field(description="The lead it was qualified from, if you may see it.")
    async def lead(
        self, info: Info
    ) -> Annotated[Lead, strawberry.lazy("schema.leads.types")] | None:
        from schema.leads.types import Lead  # the two modules refer to each other

        row = await (await info.context.loaders()).deal_leads.load(self.row.id)
        return Lead.from_row(row) if row else None

    @strawberry.field(description="value - the sum of costs.")
    async def profit(self, info: Info) -> Decimal:
        loaders = await info.context.loaders()
        costs = await loaders.costs.load(self.row.id)
        return progress.profit(self.row.value, [c.amount for c in costs])

    @strawberry.field
    def task_status(self, info: Info) -> TaskStatus:
        """Synchronous for board cards, like `owner`."""
        loaders = info.context.ready_loaders()
        if loaders is not None and loaders.workspace_row is not None:
            dues = task_dot.card_dues(self.row)  # a card's row holds them
            if dues is None:
                loaded = already_loaded(loaders.open_task_dues, self.row.id)
                dues = loaded if isinstance(loaded, list) else None
            if dues is not None:
                return task_dot.task_status(dues, now_utc(), loaders.workspace_row.timezone)
        return cast(task_dot.TaskStatus, self._load_task_status(info))

    async def _load_task_status(self, info: Info) -> task_dot.TaskStatus:
        loaders = await info.context.loaders()
        dues = await loaders.open_task_dues.load(self.row.id)
        workspace = await loaders.workspace()
        return task_dot.task_status(dues, now_utc(), workspace.timezone)

    @strawberry.field
    async def tasks(
        self, info: Info
    ) -> list[Annotated[Task, strawberry.lazy("schema.tasks.types")]]:
        from schema.tasks.types import Task  # the two modules refer to each other

        loaders = await info.context.loaders()
        return [Task.from_row(t) for t in await loaders.tasks.load(self.row.id)]

    @strawberry.field(description="Every change, newest first.")
    async def history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[DealEvent]:
        actor = await info.context.actor()
        page = await history.deal_history(actor, self.row.id, first, after)
        return Connection.of(page, DealEvent.from_row)


async def load_deal(info: Info, deal_id: int | None) -> Deal | None:
    """A deal a row points at, if the viewer may see it (trash included)."""
    if deal_id is None:
        return None
    loaders = await info.context.loaders()
    row = await loaders.deals.load(deal_id)
    return Deal.from_row(row) if row else None


@fetches("Deal")
async def _deal_node(info: Info, pk: int) -> Deal | None:
    """A deal you may see, outside the trash (a deal in the trash is read through
    `deletedDeals`, or where a row points at it)."""
    row = await (await info.context.loaders()).deals.load(pk)
    return Deal.from_row(row) if row and row.deleted_at is None else None


@fetches("DealEvent")
async def _deal_event_node(info: Info, pk: int) -> DealEvent | None:
    """A change of a deal you may see, from its history."""
    entry = await history.visible_history_entry(await info.context.actor(), pk)
    return DealEvent.from_row(entry) if entry else None


@strawberry.type(description="Someone asking to take part in a private deal.")
class AccessRequest(Node):
    row: strawberry.Private[rows.AccessRequest]
    status: str = strawberry.field(description="PENDING, GRANTED or DENIED.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: rows.AccessRequest) -> AccessRequest:
        return cls(
            id=strawberry.ID(global_id("AccessRequest", row.id)),
            row=row,
            status=str(row.status),
            created_at=row.created_at,
        )

    @strawberry.field(description="Null until you may see the deal.")
    async def deal(self, info: Info) -> Deal | None:
        return await load_deal(info, self.row.deal_id)

    @strawberry.field
    async def requester(self, info: Info) -> User:
        return await load_user(info, self.row.requester_id)


@fetches("AccessRequest")
async def load_access_request(info: Info, request_id: int | None) -> AccessRequest | None:
    """The request, if its reader made it or may answer it (`participation.readable_request`)."""
    if request_id is None:
        return None
    row = await participation.readable_request(await info.context.actor(), request_id)
    return AccessRequest.from_row(row) if row else None


@strawberry.type
class DealPayload:
    deal: Deal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccessRequestPayload:
    request: AccessRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
